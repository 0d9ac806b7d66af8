/*
 * agent_pam: reads pam_vigil.so's datagrams and turns each into one event.
 *
 * The socket is writable by everyone, so a datagram is untrusted input from
 * any local user. Two rules follow. The format is checked strictly (magic,
 * known keys once each, bounded lengths, no control characters, valid
 * UTF-8); and only a datagram the kernel says came from uid 0 becomes a login
 * event, because anyone else could forge a login or failure to frame a
 * colleague. What is refused is still recorded, as an `agent` event carrying
 * the reason and the evidence, so that a forging attempt is itself visible.
 *
 * The datagram's own time is used when it lies within AGENT_PAM_TIME_SKEW_MS
 * of the agent's clock (module and agent share the host's clock, so only a
 * datagram that waited in the queue differs at all); otherwise the agent's
 * time is used and the claimed one kept in detail.claimed_time_ms.
 */
#include "vg_error.h"
#include "agent_pam.h"
#include "agent.h"
#include "agent_event.h"
#include "vg_log.h"
#include "vg_time.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define AGENT_PAM_TIME_SKEW_MS VG_MS_PER_DAY
#define AGENT_PAM_RCVBUF (1 << 20)
/* Below this kernel datagram queue length a login burst can overflow the
 * socket while the agent commits to its spool. */
#define AGENT_PAM_QLEN_WANTED 128
/* The kernel's "unset" loginuid and sessionid; the module omits it. */
#define AGENT_PAM_UNSET_ID 4294967295LL

enum pam_key {
	K_PHASE, K_TIME, K_SERVICE, K_USER, K_RUSER, K_RHOST, K_TTY, K_LOGINUID, K_SESSIONID,
	K_FAIL,                    /* enforcement queries only */
	K_COUNT
};

enum value_type { V_PHASE, V_TIME, V_STR, V_ID, V_FAIL };

static const struct {
	const char *name;
	enum value_type type;
	size_t max;                /* longest value, bytes */
} keys[K_COUNT] = {
	[K_PHASE] = {"phase", V_PHASE, 13},
	[K_TIME] = {"time", V_TIME, 15},
	[K_SERVICE] = {"service", V_STR, AGENT_PAM_VALUE_MAX},
	[K_USER] = {"user", V_STR, AGENT_PAM_VALUE_MAX},
	[K_RUSER] = {"ruser", V_STR, AGENT_PAM_VALUE_MAX},
	[K_RHOST] = {"rhost", V_STR, AGENT_PAM_VALUE_MAX},
	[K_TTY] = {"tty", V_STR, AGENT_PAM_VALUE_MAX},
	[K_LOGINUID] = {"loginuid", V_ID, 10},
	[K_SESSIONID] = {"sessionid", V_ID, 10},
	[K_FAIL] = {"fail", V_FAIL, 6},
};

/* What each phase becomes. An account check is reported as a successful
 * authentication because it is all a key-based sshd login shows. */
static const struct {
	const char *name;
	enum vg_kind kind;
	const char *result;
} phases[] = {
	{"auth_success", VG_KIND_AUTH_SUCCESS, "success"},
	{"auth_failure", VG_KIND_AUTH_FAILURE, "failure"},
	{"account", VG_KIND_AUTH_SUCCESS, "success"},
	{"session_open", VG_KIND_SESSION_OPEN, NULL},
	{"session_close", VG_KIND_SESSION_CLOSE, NULL},
};
#define NPHASES (sizeof phases / sizeof phases[0])

/* A parsed datagram: values point into the datagram (NUL-terminated there). */
struct pam_fields {
	const char *v[K_COUNT];
};

/* Writes at most max bytes of s as printable ASCII: bytes 0x20-0x7e stay,
 * backslash becomes "\\", anything else "\xNN"; "..." marks a cut. out must
 * hold 4 * max + 4 bytes. */
static void escape_bytes(const char *s, size_t n, size_t max, char *out)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\\') {
			out[o++] = '\\';
			out[o++] = '\\';
		} else if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (n > max) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static int key_lookup(const char *s, size_t n)
{
	for (int k = 0; k < K_COUNT; k++)
		if (strlen(keys[k].name) == n && memcmp(keys[k].name, s, n) == 0)
			return k;
	return -1;
}

static int phase_lookup(const char *s)
{
	for (size_t i = 0; i < NPHASES; i++)
		if (strcmp(phases[i].name, s) == 0)
			return (int)i;
	return -1;
}

/* Decimal without sign or leading zeros. Returns 0 or -1. */
static int parse_decimal(const char *s, size_t n, int64_t *out)
{
	int64_t v = 0;
	if (n == 0 || n > 18 || (s[0] == '0' && n > 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int check_value(int k, const char *v, size_t n, char *err, size_t errlen)
{
	const char *name = keys[k].name;
	int64_t num;

	if (n == 0)
		return vg_errf(err, errlen, "key '%s': empty value", name);
	if (n > keys[k].max)
		return vg_errf(err, errlen, "key '%s': value of %zu bytes, longer than %zu", name, n,
		            keys[k].max);
	for (size_t i = 0; i < n;) {
		size_t cl = agent_pam_utf8_len((const unsigned char *)v + i, n - i);
		if (cl == 0)
			return vg_errf(err, errlen, "key '%s': invalid UTF-8 at byte %zu of the value", name, i);
		if (cl == 1 && agent_pam_is_ctl((unsigned char)v[i]))
			return vg_errf(err, errlen, "key '%s': control character 0x%02x in the value", name,
			            (unsigned char)v[i]);
		i += cl;
	}
	switch (keys[k].type) {
	case V_PHASE:
		if (phase_lookup(v) < 0) {
			char q[4 * 13 + 4];
			escape_bytes(v, n, 13, q);
			return vg_errf(err, errlen, "key 'phase': unknown phase \"%s\"", q);
		}
		break;
	case V_TIME:
		if (parse_decimal(v, n, &num) < 0)
			return vg_errf(err, errlen, "key 'time': not a decimal count of milliseconds");
		break;
	case V_ID:
		if (parse_decimal(v, n, &num) < 0 || num >= AGENT_PAM_UNSET_ID)
			return vg_errf(err, errlen, "key '%s': not a decimal id below 4294967295", name);
		break;
	case V_FAIL:
		if (strcmp(v, "open") != 0 && strcmp(v, "closed") != 0)
			return vg_errf(err, errlen, "key 'fail': not \"open\" or \"closed\"");
		break;
	case V_STR:
		break;
	}
	return 0;
}

/* Splits and checks a datagram (query: an enforcement query, see
 * agent_pam_proto.h). Returns 0 or -1 with the reason in err. */
static int parse_fields(const char *buf, size_t len, bool query, struct pam_fields *f, char *err,
                        size_t errlen)
{
	const char *magic = query ? AGENT_PAM_QUERY_MAGIC : AGENT_PAM_MAGIC;
	const size_t mlen = strlen(magic) + 1;   /* with its NUL */
	size_t pos;

	memset(f, 0, sizeof *f);
	if (len == 0)
		return vg_errf(err, errlen, "empty datagram");
	if (len > AGENT_PAM_MAX)
		return vg_errf(err, errlen, "datagram of %zu bytes, longer than %d", len, AGENT_PAM_MAX);
	if (len < mlen || memcmp(buf, magic, mlen) != 0)
		return vg_errf(err, errlen, "does not start with \"%s\" and a NUL", magic);
	if (buf[len - 1] != '\0')
		return vg_errf(err, errlen, "last field is not NUL-terminated");
	for (pos = mlen; pos < len;) {
		const char *field = buf + pos;
		size_t flen = strlen(field);      /* bounded: buf[len - 1] is NUL */
		const char *eq = memchr(field, '=', flen);
		char q[4 * 32 + 4];
		int k;

		if (flen == 0)
			return vg_errf(err, errlen, "empty field at byte %zu", pos);
		if (!eq) {
			escape_bytes(field, flen, 32, q);
			return vg_errf(err, errlen, "field at byte %zu is not key=value: \"%s\"", pos, q);
		}
		if ((k = key_lookup(field, (size_t)(eq - field))) < 0 || (k == K_FAIL && !query)) {
			escape_bytes(field, (size_t)(eq - field), 32, q);
			return vg_errf(err, errlen, "unknown key \"%s\"", q);
		}
		if (f->v[k])
			return vg_errf(err, errlen, "duplicate key '%s'", keys[k].name);
		if (check_value(k, eq + 1, flen - (size_t)(eq - field) - 1, err, errlen) < 0)
			return -1;
		f->v[k] = eq + 1;
		pos += flen + 1;
	}
	if (!f->v[K_PHASE])
		return vg_errf(err, errlen, "no phase");
	if (query && strcmp(f->v[K_PHASE], "account") != 0)
		return vg_errf(err, errlen, "a query must have phase 'account'");
	if (query && !f->v[K_USER])
		return vg_errf(err, errlen, "a query must name a user");
	if (query && !f->v[K_FAIL])
		return vg_errf(err, errlen, "a query must state its fail mode");
	return 0;
}

static int64_t field_number(const struct pam_fields *f, enum pam_key k)
{
	int64_t v = 0;
	parse_decimal(f->v[k], strlen(f->v[k]), &v);   /* checked by parse_fields */
	return v;
}

/* Sender credentials as detail members (nothing when the kernel gave none). */
static int add_sender(json_t *ev, const struct ucred *cred)
{
	if (!cred)
		return 0;
	if (agent_event_detail_int(ev, "sender_uid", (int64_t)cred->uid) < 0 ||
	    agent_event_detail_int(ev, "sender_pid", (int64_t)cred->pid) < 0)
		return -1;
	return 0;
}

static json_t *login_event(const struct pam_fields *f, const struct ucred *cred, const char *host)
{
	int ph = phase_lookup(f->v[K_PHASE]);
	int64_t now = vg_time_now(), t = now, claimed = -1;
	json_t *ev;
	int rc = 0;

	if (f->v[K_TIME]) {
		claimed = field_number(f, K_TIME);
		if (claimed >= now - AGENT_PAM_TIME_SKEW_MS && claimed <= now + AGENT_PAM_TIME_SKEW_MS)
			t = claimed, claimed = -1;
	}
	if (!(ev = agent_event_new(phases[ph].kind, t, host)))
		return NULL;
	rc |= agent_event_str(ev, "result", phases[ph].result);
	rc |= agent_event_str(ev, "service", f->v[K_SERVICE]);
	rc |= agent_event_str(ev, "user", f->v[K_USER]);
	rc |= agent_event_str(ev, "ruser", f->v[K_RUSER]);
	rc |= agent_event_str(ev, "rhost", f->v[K_RHOST]);
	rc |= agent_event_str(ev, "tty", f->v[K_TTY]);
	if (f->v[K_LOGINUID])
		rc |= agent_event_int(ev, "auid", field_number(f, K_LOGINUID));
	if (cred->pid > 0)
		rc |= agent_event_int(ev, "pid", (int64_t)cred->pid);
	rc |= agent_event_detail(ev, "phase", f->v[K_PHASE]);
	if (f->v[K_SESSIONID])
		rc |= agent_event_detail_int(ev, "session", field_number(f, K_SESSIONID));
	rc |= agent_event_detail_int(ev, "sender_uid", (int64_t)cred->uid);
	if (claimed >= 0)
		rc |= agent_event_detail_int(ev, "claimed_time_ms", claimed);
	if (rc) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

/* A valid datagram from someone other than root: every claim is kept, as
 * detail.claimed_<key>, and none is believed. */
static json_t *untrusted_event(const struct pam_fields *f, const struct ucred *cred, const char *host,
                               const char *reason)
{
	json_t *ev = agent_event_new(VG_KIND_AGENT, vg_time_now(), host);
	int rc = 0;

	if (!ev)
		return NULL;
	rc |= agent_event_detail(ev, "action", "untrusted_pam_datagram");
	rc |= agent_event_detail(ev, "reason", reason);
	rc |= add_sender(ev, cred);
	for (int k = 0; k < K_COUNT; k++) {
		char name[32];
		snprintf(name, sizeof name, "claimed_%s", keys[k].name);
		rc |= agent_event_detail(ev, name, f->v[k]);
	}
	if (rc) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

/* A datagram that broke the format: the reason, its size and its first
 * AGENT_PAM_RAW_KEEP bytes (of the shown ones) escaped. */
static json_t *bad_event(const char *buf, size_t shown, size_t total, const struct ucred *cred,
                         const char *host, const char *reason)
{
	char raw[4 * AGENT_PAM_RAW_KEEP + 4];
	json_t *ev = agent_event_new(VG_KIND_AGENT, vg_time_now(), host);
	int rc = 0;

	if (!ev)
		return NULL;
	escape_bytes(buf, shown, AGENT_PAM_RAW_KEEP, raw);
	rc |= agent_event_detail(ev, "action", "bad_pam_datagram");
	rc |= agent_event_detail(ev, "reason", reason);
	rc |= agent_event_detail(ev, "raw", raw);
	rc |= agent_event_detail_int(ev, "raw_len", (int64_t)total);
	rc |= add_sender(ev, cred);
	if (rc) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static int parse_any(const char *buf, size_t len, bool query, const struct ucred *cred,
                     const char *host, json_t **out, bool *fail_closed, char *err, size_t errlen)
{
	struct pam_fields f;
	char why[256];

	*out = NULL;
	if (parse_fields(buf, len, query, &f, why, sizeof why) < 0) {
		vg_errf(err, errlen, "%s", why);
		*out = bad_event(buf, len, len, cred, host, why);
		return *out ? 1 : vg_errf(err, errlen, "out of memory");
	}
	if (!cred || cred->uid != 0) {
		if (cred)
			snprintf(why, sizeof why, "sent by uid %u, not root", (unsigned)cred->uid);
		else
			snprintf(why, sizeof why, "the kernel gave no sender credentials");
		vg_errf(err, errlen, "%s", why);
		*out = untrusted_event(&f, cred, host, why);
		return *out ? 1 : vg_errf(err, errlen, "out of memory");
	}
	if (fail_closed)
		*fail_closed = f.v[K_FAIL] && strcmp(f.v[K_FAIL], "closed") == 0;
	*out = login_event(&f, cred, host);
	return *out ? 0 : vg_errf(err, errlen, "out of memory");
}

int agent_pam_parse(const char *buf, size_t len, const struct ucred *cred, const char *host,
                    json_t **out, char *err, size_t errlen)
{
	return parse_any(buf, len, false, cred, host, out, NULL, err, errlen);
}

int agent_pam_parse_query(const char *buf, size_t len, const struct ucred *cred, const char *host,
                          json_t **out, bool *fail_closed, char *err, size_t errlen)
{
	int rc = parse_any(buf, len, true, cred, host, out, fail_closed, err, errlen);
	if (rc == 1 && agent_event_detail(*out, "channel", "query") < 0) {
		json_decref(*out);
		*out = NULL;
		return vg_errf(err, errlen, "out of memory");
	}
	return rc;
}

/* ---- the socket -------------------------------------------------------- */

/* mkdir -p of path's directory, 0755 for what it creates. */
static int make_parent(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct stat st;
	char *slash;

	snprintf(dir, sizeof dir, "%s", path);
	if (!(slash = strrchr(dir, '/')) || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0755) < 0 && errno != EEXIST)
			return vg_errf(err, errlen, "PAM socket: cannot create %s: %s", dir, strerror(errno));
		*p = '/';
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return vg_errf(err, errlen, "PAM socket: cannot create %s: %s", dir, strerror(errno));
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return vg_errf(err, errlen, "PAM socket: %s is not a directory", dir);
	return 0;
}

/* Removes a socket file no one receives on any more; refuses to remove
 * anything else, or a socket another agent still uses. */
static int remove_stale(const char *path, const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int probe, rc, e;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : vg_errf(err, errlen, "PAM socket %s: %s", path, strerror(errno));
	if (!S_ISSOCK(st.st_mode))
		return vg_errf(err, errlen, "PAM socket %s: exists and is not a socket", path);
	if ((probe = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		return vg_errf(err, errlen, "socket: %s", strerror(errno));
	rc = connect(probe, (const struct sockaddr *)sa, sizeof *sa);
	e = errno;
	close(probe);
	if (rc == 0)
		return vg_errf(err, errlen, "PAM socket %s: another process is receiving on it", path);
	if (e != ECONNREFUSED)
		return vg_errf(err, errlen, "PAM socket %s: %s", path, strerror(e));
	if (unlink(path) < 0 && errno != ENOENT)
		return vg_errf(err, errlen, "PAM socket %s: cannot remove the stale socket: %s", path,
		            strerror(errno));
	return 0;
}

/* The queue length of new datagram sockets is fixed when the socket is
 * made, and the kernel default (10) is shorter than a burst of logins: raise
 * it before the socket is created, or say why it could not be. */
static void ensure_queue_length(void)
{
	static const char knob[] = "/proc/sys/net/unix/max_dgram_qlen";
	char text[32];
	long qlen;
	ssize_t n;
	int fd = open(knob, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return;
	text[n] = '\0';
	qlen = strtol(text, NULL, 10);
	if (qlen <= 0 || qlen >= AGENT_PAM_QLEN_WANTED)
		return;
	int len = snprintf(text, sizeof text, "%d\n", AGENT_PAM_QLEN_WANTED * 4);
	fd = open(knob, O_WRONLY | O_CLOEXEC);
	if (fd >= 0 && write(fd, text, (size_t)len) == len && close(fd) == 0) {
		vg_info("raised net.unix.max_dgram_qlen from %ld to %d so that a burst of logins is "
		        "queued, not lost", qlen, AGENT_PAM_QLEN_WANTED * 4);
		return;
	}
	if (fd >= 0)
		close(fd);
	vg_warn("net.unix.max_dgram_qlen is %ld and cannot be raised (%s): a burst of more logins "
	        "than that while the agent is busy loses records; set it to %d or more before the "
	        "agent starts", qlen, strerror(errno), AGENT_PAM_QLEN_WANTED * 4);
}

static int open_socket(const char *path, mode_t mode, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	size_t n = path ? strlen(path) : 0;
	int fd, on = 1, size = AGENT_PAM_RCVBUF;

	if (n == 0 || n >= sizeof sa.sun_path)
		return vg_errf(err, errlen, "PAM socket path: empty or %zu bytes or longer", sizeof sa.sun_path);
	memcpy(sa.sun_path, path, n);
	if (make_parent(path, err, errlen) < 0 || remove_stale(path, &sa, err, errlen) < 0)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		return vg_errf(err, errlen, "socket: %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		vg_errf(err, errlen, "PAM socket %s: bind: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (chmod(path, mode) < 0 || setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) {
		vg_errf(err, errlen, "PAM socket %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	/* Past net.core.rmem_max only with CAP_NET_ADMIN; a smaller buffer
	 * still works. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	return fd;
}

int agent_pam_open(const char *path, char *err, size_t errlen)
{
	ensure_queue_length();
	return open_socket(path, 0666, err, errlen);
}

int agent_pam_query_open(const char *path, char *err, size_t errlen)
{
	return open_socket(path, 0600, err, errlen);
}

/* Closes the descriptors a sender may have attached (SCM_RIGHTS) and copies
 * the credentials; returns cred, or NULL when there were none. */
const struct ucred *agent_pam_take_control(struct msghdr *m, struct ucred *cred)
{
	const struct ucred *found = NULL;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof *cred)) {
			memcpy(cred, CMSG_DATA(c), sizeof *cred);
			found = cred;
		} else if (c->cmsg_type == SCM_RIGHTS) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < nfd; i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof fd, sizeof fd);
				close(fd);
			}
		}
	}
	return found;
}

int agent_pam_receive(int fd, struct agent_pam_msg *msg, const char *what)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(16 * sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = msg->buf, .iov_len = sizeof msg->buf};
	struct msghdr m = {
		.msg_name = &msg->from, .msg_namelen = sizeof msg->from, .msg_iov = &iov,
		.msg_iovlen = 1, .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf,
	};

	for (;;) {
		ssize_t n = recvmsg(fd, &m, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
		if (n >= 0) {
			msg->len = (size_t)n;
			msg->truncated = (m.msg_flags & MSG_TRUNC) != 0;
			msg->fromlen = m.msg_namelen;
			msg->cred = agent_pam_take_control(&m, &msg->cred_buf);
			return 1;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		vg_err("%s: recvmsg: %s", what, strerror(errno));
		return -1;
	}
}

int agent_pam_read(struct agent *a, int fd)
{
	int handled = 0;

	while (handled < AGENT_PAM_READ_BATCH) {
		struct agent_pam_msg msg;
		char err[256];
		json_t *ev = NULL;
		int got = agent_pam_receive(fd, &msg, "PAM socket");

		if (got < 0)
			return -1;
		if (got == 0)
			break;
		if (msg.truncated) {
			snprintf(err, sizeof err, "datagram of %zu bytes, longer than %d", msg.len, AGENT_PAM_MAX);
			ev = bad_event(msg.buf, sizeof msg.buf, msg.len, msg.cred, a->cfg.host, err);
		} else if (agent_pam_parse(msg.buf, msg.len, msg.cred, a->cfg.host, &ev, err, sizeof err) > 0) {
			vg_debug("PAM datagram not believed: %s", err);
		}
		handled++;
		if (!ev) {
			vg_err("PAM datagram lost: out of memory");
			atomic_fetch_add(&a->dropped, 1);
			continue;
		}
		agent_emit(a, ev);
	}
	return handled;
}
