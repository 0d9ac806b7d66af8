/*
 * vg_cfg: libconfig access with file:line errors and range checks.
 */
#include "vg_cfg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int vg_cfg_read(config_t *cfg, const char *path, char *err, size_t errlen)
{
	config_init(cfg);
	if (config_read_file(cfg, path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		snprintf(err, errlen, "%s: cannot read file", path);
	else
		snprintf(err, errlen, "%s:%d: %s", config_error_file(cfg) ? config_error_file(cfg) : path,
		         config_error_line(cfg), config_error_text(cfg));
	config_destroy(cfg);
	return -1;
}

int vg_cfg_error(const config_setting_t *s, const char *file, char *err, size_t errlen,
                 const char *fmt, ...)
{
	va_list ap;
	int n;
	const char *f = s ? config_setting_source_file(s) : NULL;
	n = snprintf(err, errlen, "%s:%d: ", f ? f : file, s ? (int)config_setting_source_line(s) : 0);
	if (n < 0 || (size_t)n >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static const config_setting_t *member(const config_setting_t *parent, const char *name)
{
	return config_setting_get_member(parent, name);
}

int vg_cfg_string(const config_setting_t *parent, const char *name, const char **out,
                  const char *file, char *err, size_t errlen)
{
	const config_setting_t *s = member(parent, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return vg_cfg_error(s, file, err, errlen, "'%s' must be a string", name);
	*out = config_setting_get_string(s);
	return 1;
}

int vg_cfg_int(const config_setting_t *parent, const char *name, long long min, long long max,
               long long *out, const char *file, char *err, size_t errlen)
{
	const config_setting_t *s = member(parent, name);
	long long v;
	if (!s)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else
		return vg_cfg_error(s, file, err, errlen, "'%s' must be an integer", name);
	if (v < min || v > max)
		return vg_cfg_error(s, file, err, errlen, "'%s' = %lld is outside %lld..%lld "
		                    "(write values above 2147483647 with an L suffix)", name, v, min, max);
	*out = v;
	return 1;
}

int vg_cfg_bool(const config_setting_t *parent, const char *name, bool *out, const char *file,
                char *err, size_t errlen)
{
	const config_setting_t *s = member(parent, name);
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return vg_cfg_error(s, file, err, errlen, "'%s' must be true or false", name);
	*out = config_setting_get_bool(s);
	return 1;
}

int vg_cfg_check_keys(const config_setting_t *group, const char *const known[], const char *file,
                      char *err, size_t errlen)
{
	int n = config_setting_length(group);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(s);
		int ok = 0;
		for (int k = 0; known[k]; k++)
			if (name && strcmp(name, known[k]) == 0)
				ok = 1;
		if (!ok)
			return vg_cfg_error(s, file, err, errlen, "unknown setting '%s'", name ? name : "?");
	}
	return 0;
}
