/*
 * agent_pam: vigil-agent's intake of the datagrams pam_vigil.so sends.
 *
 * This module is the only code that reads those datagrams (the format is in
 * agent_pam_proto.h). Every datagram becomes exactly one event: a login
 * event when it parses and was sent by root, otherwise an `agent` event that
 * records what arrived and why it was not believed, so nothing is silently
 * dropped and nothing forged is taken at its word.
 *
 * The value rules below are shared with pam_vigil.so, so the module never
 * sends what the agent would refuse. The module defines AGENT_PAM_MODULE_ONLY
 * before including this header: it gets the rules and nothing that would tie
 * it to jansson or the agent.
 */
#ifndef AGENT_PAM_H
#define AGENT_PAM_H

#include "agent_pam_proto.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest value of a string field (service, user, ruser, rhost, tty), in
 * bytes. With it every datagram the module can build fits AGENT_PAM_MAX. */
#ifndef AGENT_PAM_VALUE_MAX
#define AGENT_PAM_VALUE_MAX 255
#endif

/* How many bytes of a refused datagram are kept (hex-escaped) as evidence. */
#define AGENT_PAM_RAW_KEEP 256

/* Datagrams handled per agent_pam_read() call at most, so that a flood on
 * the socket cannot starve the other inputs of the intake loop. */
#define AGENT_PAM_READ_BATCH 1024

/* The length of the valid UTF-8 sequence starting at s (1 to 4 bytes, at
 * most n bytes available), or 0 when s does not start one: a stray
 * continuation byte, an overlong form, a surrogate, a code point above
 * U+10FFFF or a sequence cut short by n. */
static inline size_t agent_pam_utf8_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (n == 0)
		return 0;
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0u) != 0x80u)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3fu);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* True for the bytes no value may hold: C0 controls and DEL. (C1 controls
 * are valid UTF-8 code points and kept.) */
static inline bool agent_pam_is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

#ifndef AGENT_PAM_MODULE_ONLY

#include <jansson.h>
#include <sys/socket.h>
#include <sys/un.h>

struct agent;
struct ucred;
struct msghdr;

/* Creates the socket pam_vigil.so sends to: makes the parent directory
 * (0755) if missing, removes a stale socket file left by a dead agent
 * (refusing when another agent still answers on it, or when path is not a
 * socket), binds a non-blocking close-on-exec AF_UNIX datagram socket, makes
 * it writable by everyone (0666: any PAM application may report; trust is
 * decided per datagram from the sender's credentials), turns on
 * SO_PASSCRED and raises the receive buffer. Warns through vg_log when the
 * kernel's datagram queue (net.unix.max_dgram_qlen) is short. Returns the fd,
 * or -1 with err set. The caller closes the fd and unlinks path. */
int agent_pam_open(const char *path, char *err, size_t errlen);

/* Turns one datagram (len bytes; AGENT_PAM_MAX at most for a valid one) into
 * a new schema v1 event object in *out, without "seq". cred is what the
 * kernel said about the sender (SCM_CREDENTIALS), or NULL when it said
 * nothing; host goes into the event's "host" (may be NULL).
 *   0   *out is a login event (auth_success, auth_failure, session_open or
 *       session_close) built from a valid datagram sent by uid 0;
 *   1   *out is an `agent` event: detail.action "bad_pam_datagram" (the
 *       datagram broke the format; err holds why) or "untrusted_pam_datagram"
 *       (valid, but not sent by root; its claims are kept under detail);
 *  -1   out of memory, *out is NULL, err set.
 * The caller owns *out. Reads the clock only to judge the datagram's time. */
int agent_pam_parse(const char *buf, size_t len, const struct ucred *cred, const char *host,
                    json_t **out, char *err, size_t errlen);

/* Reads every queued datagram from fd (up to AGENT_PAM_READ_BATCH per
 * call), turns each into an event with agent_pam_parse() and hands it to
 * agent_emit(). A datagram larger than AGENT_PAM_MAX becomes a
 * bad_pam_datagram event; file descriptors a sender attached are closed.
 * Returns the number of datagrams handled, or -1 when the socket itself
 * fails (not for EAGAIN). */
int agent_pam_read(struct agent *a, int fd);

/* As agent_pam_open for the enforcement query socket (agent_pam_proto.h):
 * mode 0600, since only root's queries are answered. */
int agent_pam_query_open(const char *path, char *err, size_t errlen);

/* As agent_pam_parse for an enforcement query (magic AGENT_PAM_QUERY_MAGIC,
 * phase account, a user and a fail mode required). On 0, *out is the
 * account event the query stands for (auth_success, detail.phase
 * "account") and *fail_closed the module's fail mode; on 1, *out is the
 * bad/untrusted `agent` event with detail.channel = "query". */
int agent_pam_parse_query(const char *buf, size_t len, const struct ucred *cred, const char *host,
                          json_t **out, bool *fail_closed, char *err, size_t errlen);

/* Closes descriptors a sender attached (SCM_RIGHTS) to a received message
 * and copies its SCM_CREDENTIALS into *cred; returns cred, or NULL when the
 * kernel gave none. */
const struct ucred *agent_pam_take_control(struct msghdr *m, struct ucred *cred);

/* One datagram as received: its bytes (len may exceed the buffer when the
 * sender sent more, then truncated is set), the sender's address and the
 * kernel's credentials (cred is NULL when none came). */
struct agent_pam_msg {
	char buf[AGENT_PAM_MAX];
	size_t len;
	bool truncated;
	struct sockaddr_un from;
	socklen_t fromlen;
	struct ucred cred_buf;
	const struct ucred *cred;
};

/* Receives one datagram without blocking, closing any descriptors attached
 * to it. Returns 1, 0 when none waits, -1 on a socket error (logged, naming
 * what). */
int agent_pam_receive(int fd, struct agent_pam_msg *msg, const char *what);

#endif /* AGENT_PAM_MODULE_ONLY */

#endif
