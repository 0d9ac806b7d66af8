/*
 * vg_log: one-line log messages to stderr or syslog.
 *
 * The process-wide settings below are the logging singleton; they are set
 * from main before threads start and only read afterwards.
 */
#include "vg_log.h"
#include "vg_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static struct {
	char ident[64];
	enum vg_log_level min;
	int syslog;
} vg_log_cfg = {"vigil", VG_LOG_INFO, 0};

static const char *const level_names[] = {"debug", "info", "warn", "error"};

void vg_log_init(const char *ident, enum vg_log_level min_level, int use_syslog)
{
	snprintf(vg_log_cfg.ident, sizeof vg_log_cfg.ident, "%s", ident ? ident : "vigil");
	vg_log_cfg.min = min_level;
	if (use_syslog && !vg_log_cfg.syslog)
		openlog(vg_log_cfg.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	vg_log_cfg.syslog = use_syslog;
}

int vg_log_level_parse(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (s && strcmp(s, level_names[i]) == 0)
			return i;
	return -1;
}

void vg_log(enum vg_log_level level, const char *fmt, ...)
{
	char line[2048];
	char ts[VG_TIME_LEN];
	va_list ap;
	int n;

	if (level < vg_log_cfg.min)
		return;
	va_start(ap, fmt);
	if (vg_log_cfg.syslog) {
		static const int prio[] = {LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERR};
		vsyslog(prio[level], fmt, ap);
		va_end(ap);
		return;
	}
	vg_time_format(vg_time_now(), ts);
	n = snprintf(line, sizeof line, "%s %s[%d] %s: ", ts, vg_log_cfg.ident, (int)getpid(),
	             level_names[level]);
	if (n > 0 && (size_t)n < sizeof line)
		vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	va_end(ap);
	size_t len = strnlen(line, sizeof line - 2);
	line[len++] = '\n';
	/* One write so concurrent lines do not interleave; a failed log write has
	 * nowhere to be reported, so it is ignored deliberately. */
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}
