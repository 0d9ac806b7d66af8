/*
 * vg_cfg: reading libconfig files with errors a person can act on.
 *
 * Every error names the file and line ("collector.conf:7: 'listen' must be
 * a string"). Numbers are range-checked because libconfig 1.5 wraps integers
 * above 2^31 silently.
 */
#ifndef VG_CFG_H
#define VG_CFG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

/* Reads path into cfg (config_init is done here). On a syntax or I/O error
 * returns -1 with "file:line: message" in err; cfg is then destroyed. */
int vg_cfg_read(config_t *cfg, const char *path, char *err, size_t errlen);

/* Looks up an optional string setting under parent (NULL = root). Returns 1
 * and sets *out when present, 0 when absent, -1 (with err) when present with
 * another type. */
int vg_cfg_string(const config_setting_t *parent, const char *name, const char **out,
                  const char *file, char *err, size_t errlen);

/* As vg_cfg_string for an integer within [min, max]. */
int vg_cfg_int(const config_setting_t *parent, const char *name, long long min,
               long long max, long long *out, const char *file, char *err, size_t errlen);

/* As vg_cfg_string for a boolean. */
int vg_cfg_bool(const config_setting_t *parent, const char *name, bool *out,
                const char *file, char *err, size_t errlen);

/* Formats "file:line: message" for setting s into err. Returns -1 so callers
 * can write `return vg_cfg_error(...)`. */
int vg_cfg_error(const config_setting_t *s, const char *file, char *err, size_t errlen,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Rejects settings under group that are not in the NULL-terminated list
 * known[], so that a misspelt key is an error, not a silent default. */
int vg_cfg_check_keys(const config_setting_t *group, const char *const known[],
                      const char *file, char *err, size_t errlen);

#endif
