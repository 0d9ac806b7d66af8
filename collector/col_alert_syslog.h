/*
 * col_alert_syslog: anomalies as RFC 5424 syslog messages, and the sender
 * that puts them on a UDP (RFC 5426) or unix datagram socket.
 *
 *   <35>1 2026-11-18T10:05:00.120Z collector-1 vigil-collector 4242 anomaly
 *   [vigil@32473 id="17" kind="clearance_exceeded" severity="high" score="50"
 *   person="p1004" account="dave" host="ws-0004" time="2026-11-18T10:05:00.000Z"]
 *   BOM"Dave Jones read ..."
 *
 * (one line). PRI is facility * 8 + the syslog severity of the anomaly's
 * severity (critical 2, high 3, medium 4, low 5). Every value that comes
 * from an event is made safe: SD-PARAM values escape '"', '\' and ']' with
 * a backslash, and bytes that are not valid UTF-8 or are control characters
 * become U+FFFD; values are cut (at a character boundary) to
 * COL_SYSLOG_VALUE_MAX bytes and the message to COL_SYSLOG_MAX bytes.
 */
#ifndef COL_ALERT_SYSLOG_H
#define COL_ALERT_SYSLOG_H

#include "col_alert_config.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define COL_SYSLOG_MAX 2048           /* bytes in one message (RFC 5426 size every receiver takes) */
#define COL_SYSLOG_VALUE_MAX 128      /* bytes of one escaped SD-PARAM value */
#define COL_SYSLOG_SD_ID "vigil@32473"
#define COL_SYSLOG_APP "vigil-collector"
#define COL_SYSLOG_MSGID "anomaly"

/* Who sends: facility, this host's name (printable ASCII, or "-") and the
 * process id. */
struct col_syslog_origin {
	int facility;
	char hostname[256];
	long procid;
};

/* Fills o from gethostname() and getpid(). */
void col_syslog_origin_init(struct col_syslog_origin *o, int facility);

/* The syslog severity (0..7) for a vigil severity. */
int col_syslog_severity(int vigil_severity);

/* Copies in into out (outlen >= 1) as an SD-PARAM value: '"', '\\' and ']'
 * escaped, invalid UTF-8 and control characters replaced by U+FFFD; stops
 * before a character that would not fit in max bytes (and outlen - 1).
 * With sd false nothing is escaped (for MSG). Returns the bytes written;
 * out is NUL-terminated. */
size_t col_syslog_escape(const char *in, int sd, size_t max, char *out, size_t outlen);

/* Formats the message for anomaly a (an object as GET /v1/anomalies/ID
 * returns it) with timestamp time_ms into buf (len > COL_SYSLOG_MAX).
 * Returns the message's length (no newline, no NUL), or -1 when a lacks
 * id, kind or severity. */
int col_syslog_format(const struct col_syslog_origin *o, const json_t *a, int64_t time_ms, char *buf,
                      size_t len);

/* A datagram socket towards the configured target. */
struct col_syslog_sender {
	int fd;
	struct sockaddr_storage addr;
	socklen_t addrlen;
};

/* Resolves the target and opens the socket. Returns 0, or -1 with err. */
int col_syslog_open(struct col_syslog_sender *s, const struct col_alert_config *cfg, char *err,
                    size_t errlen);
/* Sends one message. Returns 0, or -1 with err (the target is down, its
 * queue is full, ...). */
int col_syslog_send(struct col_syslog_sender *s, const char *msg, size_t len, char *err, size_t errlen);
void col_syslog_close(struct col_syslog_sender *s);

#endif
