/*
 * vg_log: logging for the daemons and tools.
 *
 * One line per message: "2026-11-22T04:48:38.203Z vigil-collector[123] warn: text".
 * Daemons may switch to syslog; tools keep stderr. Messages are written with
 * one write(2) so that lines from several threads never interleave.
 */
#ifndef VG_LOG_H
#define VG_LOG_H

enum vg_log_level { VG_LOG_DEBUG, VG_LOG_INFO, VG_LOG_WARN, VG_LOG_ERR };

/* Sets the program name, the lowest level printed and whether to use syslog.
 * Safe to call again (e.g. after reading a configuration). */
void vg_log_init(const char *ident, enum vg_log_level min_level, int use_syslog);

/* Parses "debug", "info", "warn" or "error"; returns -1 for anything else. */
int vg_log_level_parse(const char *s);

void vg_log(enum vg_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define vg_debug(...) vg_log(VG_LOG_DEBUG, __VA_ARGS__)
#define vg_info(...) vg_log(VG_LOG_INFO, __VA_ARGS__)
#define vg_warn(...) vg_log(VG_LOG_WARN, __VA_ARGS__)
#define vg_err(...) vg_log(VG_LOG_ERR, __VA_ARGS__)

#endif
