/*
 * col_alert_syslog: RFC 5424 formatting and the datagram sender.
 *
 * The formatter is a pure function of its inputs (tested byte for byte in
 * tests/unit/test_alert_syslog.c); the sender does one sendto per message
 * and reports failures so the outbox retries them.
 */
#include "col_alert_syslog.h"
#include "vg_anomaly.h"
#include "vg_time.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

void col_syslog_origin_init(struct col_syslog_origin *o, int facility)
{
	char name[256];
	size_t n = 0;

	o->facility = facility;
	o->procid = (long)getpid();
	if (gethostname(name, sizeof name) != 0)
		name[0] = '\0';
	name[sizeof name - 1] = '\0';
	/* HOSTNAME is PRINTUSASCII (33..126), at most 255 characters. */
	for (const unsigned char *p = (const unsigned char *)name; *p && n < sizeof o->hostname - 1; p++)
		if (*p >= 33 && *p <= 126)
			o->hostname[n++] = (char)*p;
	if (n == 0)
		o->hostname[n++] = '-';
	o->hostname[n] = '\0';
}

int col_syslog_severity(int vigil_severity)
{
	switch (vigil_severity) {
	case VG_SEV_CRITICAL:
		return 2;
	case VG_SEV_HIGH:
		return 3;
	case VG_SEV_MEDIUM:
		return 4;
	default:
		return 5;
	}
}

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (len == 0 || p[0] > 0xf4 || len > n)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	/* Overlong forms, surrogates and code points above U+10FFFF. */
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0;
	return len;
}

size_t col_syslog_escape(const char *in, int sd, size_t max, char *out, size_t outlen)
{
	static const char replacement[] = "\xef\xbf\xbd";   /* U+FFFD */
	const unsigned char *p = (const unsigned char *)in;
	size_t left = strlen(in), n = 0;

	if (max > outlen - 1)
		max = outlen - 1;
	while (left > 0) {
		size_t seq = utf8_seq(p, left), adv = seq ? seq : 1;
		const char *piece = (const char *)p;
		size_t plen = seq;
		int esc = 0;
		if (seq == 0 || (seq == 1 && (*p < 0x20 || *p == 0x7f))) {
			piece = replacement;
			plen = 3;
		} else if (sd && seq == 1 && (*p == '"' || *p == '\\' || *p == ']')) {
			esc = 1;
		}
		if (n + (size_t)esc + plen > max)
			break;
		if (esc)
			out[n++] = '\\';
		memcpy(out + n, piece, plen);
		n += plen;
		p += adv;
		left -= adv;
	}
	out[n] = '\0';
	return n;
}

/* Appends ` name="value"` when the member is a string or a number. */
static void add_param(char *buf, size_t *n, size_t len, const char *name, const json_t *v)
{
	char num[64], esc[COL_SYSLOG_VALUE_MAX + 1];
	const char *text;

	if (json_is_string(v)) {
		text = json_string_value(v);
	} else if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
		text = num;
	} else if (json_is_real(v)) {
		snprintf(num, sizeof num, "%g", json_real_value(v));
		text = num;
	} else {
		return;                        /* null: no parameter rather than an empty one */
	}
	col_syslog_escape(text, 1, COL_SYSLOG_VALUE_MAX, esc, sizeof esc);
	int w = snprintf(buf + *n, len - *n, " %s=\"%s\"", name, esc);
	if (w > 0 && (size_t)w < len - *n)
		*n += (size_t)w;
}

int col_syslog_format(const struct col_syslog_origin *o, const json_t *a, int64_t time_ms, char *buf,
                      size_t len)
{
	static const char *const params[] = {"id", "kind", "severity", "score", "person", "account",
	                                     "host", "time"};
	const json_t *id = json_object_get(a, "id");
	int sev = vg_severity_parse(json_string_value(json_object_get(a, "severity")));
	char ts[VG_TIME_LEN];
	size_t n;

	if (!json_is_integer(id) || !json_is_string(json_object_get(a, "kind")) || sev < 0 ||
	    len <= COL_SYSLOG_MAX)
		return -1;
	vg_time_format(time_ms, ts);
	int w = snprintf(buf, len, "<%d>1 %s %s %s %ld %s [%s", o->facility * 8 + col_syslog_severity(sev),
	                 ts, o->hostname, COL_SYSLOG_APP, o->procid, COL_SYSLOG_MSGID, COL_SYSLOG_SD_ID);
	if (w < 0 || (size_t)w >= len)
		return -1;
	n = (size_t)w;
	for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
		add_param(buf, &n, COL_SYSLOG_MAX, params[i], json_object_get(a, params[i]));
	/* MSG: the summary in UTF-8, which RFC 5424 marks with a BOM. */
	const char *summary = json_string_value(json_object_get(a, "summary"));
	if (n + 5 > COL_SYSLOG_MAX || !summary) {
		buf[n++] = ']';
		buf[n] = '\0';
		return (int)n;
	}
	memcpy(buf + n, "] \xef\xbb\xbf", 5);
	n += 5;
	n += col_syslog_escape(summary, 0, COL_SYSLOG_MAX - n, buf + n, len - n);
	return (int)n;
}

int col_syslog_open(struct col_syslog_sender *s, const struct col_alert_config *cfg, char *err,
                    size_t errlen)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
	if (cfg->syslog == COL_SYSLOG_UNIX) {
		struct sockaddr_un *un = (struct sockaddr_un *)&s->addr;
		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof un->sun_path, "%s", cfg->syslog_path);
		s->addrlen = (socklen_t)sizeof *un;
	} else {
		struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV};
		struct addrinfo *ai = NULL;
		char port[16];
		snprintf(port, sizeof port, "%d", cfg->syslog_port);
		int rc = getaddrinfo(cfg->syslog_host, port, &hints, &ai);
		if (rc != 0) {
			snprintf(err, errlen, "syslog %s: %s", cfg->syslog_target, gai_strerror(rc));
			return -1;
		}
		memcpy(&s->addr, ai->ai_addr, ai->ai_addrlen);
		s->addrlen = ai->ai_addrlen;
		freeaddrinfo(ai);
	}
	s->fd = socket(s->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "syslog %s: socket: %s", cfg->syslog_target, strerror(errno));
		return -1;
	}
	return 0;
}

int col_syslog_send(struct col_syslog_sender *s, const char *msg, size_t len, char *err, size_t errlen)
{
	ssize_t n;
	do
		n = sendto(s->fd, msg, len, MSG_NOSIGNAL, (const struct sockaddr *)&s->addr, s->addrlen);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		snprintf(err, errlen, "sendto: %s", strerror(errno));
		return -1;
	}
	if ((size_t)n != len) {
		snprintf(err, errlen, "sendto: sent %zd of %zu bytes", n, len);
		return -1;
	}
	return 0;
}

void col_syslog_close(struct col_syslog_sender *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
