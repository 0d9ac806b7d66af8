/*
 * pam_vigil: a PAM module that tells vigil-agent about each login phase.
 *
 * Every call builds one datagram (agent_pam_proto.h) on the stack and sends
 * it with a single non-blocking sendmsg() to the agent's socket, then
 * returns PAM_IGNORE, so the module can never change a login's outcome or
 * hold it up: no agent, a full queue or any other error just means nothing
 * is recorded. The module keeps no state between calls, allocates nothing,
 * never prompts (items are read with pam_get_item, never pam_get_user) and
 * writes only to syslog.
 *
 * Values are made acceptable to the agent here rather than refused there:
 * each control character and each byte that is not valid UTF-8 becomes '?',
 * and a value longer than AGENT_PAM_VALUE_MAX bytes is cut at the last whole
 * character that fits. A cut name cannot equal a real short account name,
 * and the event (phase, service, source, the kernel's pid) is kept, which is
 * worth more than dropping the field or the whole record.
 *
 * The sender's credentials go with the datagram as SCM_CREDENTIALS carrying
 * the effective uid, so that setuid-root applications (su, sudo) are
 * recognised by the agent as root, which is what it trusts.
 *
 * Arguments (parsed up front, as pam_faillock does):
 *   authfail       in auth, record an authentication failure
 *   authsucc       in auth, record an authentication success
 *   socket=PATH    the agent's socket (default AGENT_PAM_DEFAULT_SOCKET)
 *   debug          log to syslog (LOG_DEBUG) why a record was not delivered
 *   enforce        in account, ask the agent whether policy permits the
 *                  login (see below)
 *   timeout=MS     how long enforce waits for the answer (1-2000, default 200)
 *   fail=open|closed  what enforce does without an answer (default open)
 * Without authfail/authsucc the auth phase records nothing.
 *
 * Enforcement: the account phase sends a query (agent_pam_proto.h) to the
 * agent's query socket (socket path + ".query") from a socket bound to an
 * autobound abstract address and connected to the agent, and waits with
 * poll() for at most timeout ms. The answer decides: deny gives
 * PAM_PERM_DENIED, allow or a host that does not enforce PAM_IGNORE. The
 * agent records the answered query itself, so no account datagram is sent
 * then. Without a usable answer (no agent, timeout, an undecided or broken
 * answer, or a caller that is not root, whom the agent would not answer)
 * the fail argument decides: open gives PAM_IGNORE (and the usual account
 * record is attempted), closed PAM_PERM_DENIED. The module cannot learn the
 * policy's fail mode without an answer, so the PAM line must match the
 * policy; the agent warns when a query's mode differs.
 */
#define AGENT_PAM_MODULE_ONLY
#include "agent_pam.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
/* The build hides every symbol; the PAM entry points must stay visible. */
#pragma GCC visibility push(default)
#include <security/pam_modules.h>
#pragma GCC visibility pop

#define PAM_VIGIL_EXPORT __attribute__((visibility("default")))

enum pam_vigil_mode { MODE_NONE, MODE_AUTHFAIL, MODE_AUTHSUCC };

struct pam_vigil_args {
	enum pam_vigil_mode mode;
	const char *socket;
	bool debug;
	bool enforce;
	bool fail_closed;
	int timeout_ms;
};

#define PAM_VIGIL_TIMEOUT_DEFAULT 200
#define PAM_VIGIL_TIMEOUT_MAX 2000

/* The datagram under construction. A value that would not fit is left out
 * (cannot happen with AGENT_PAM_VALUE_MAX as it is, but the bound is kept
 * rather than assumed). */
struct dgram {
	char buf[AGENT_PAM_MAX];
	size_t len;
};

static void args_parse(pam_handle_t *pamh, int argc, const char **argv, struct pam_vigil_args *args)
{
	args->mode = MODE_NONE;
	args->socket = AGENT_PAM_DEFAULT_SOCKET;
	args->debug = false;
	args->enforce = false;
	args->fail_closed = false;
	args->timeout_ms = PAM_VIGIL_TIMEOUT_DEFAULT;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "authfail") == 0)
			args->mode = MODE_AUTHFAIL;
		else if (strcmp(argv[i], "authsucc") == 0)
			args->mode = MODE_AUTHSUCC;
		else if (strcmp(argv[i], "debug") == 0)
			args->debug = true;
		else if (strncmp(argv[i], "socket=", 7) == 0)
			args->socket = argv[i] + 7;
		else if (strcmp(argv[i], "enforce") == 0)
			args->enforce = true;
		else if (strcmp(argv[i], "fail=open") == 0)
			args->fail_closed = false;
		else if (strcmp(argv[i], "fail=closed") == 0)
			args->fail_closed = true;
		else if (strncmp(argv[i], "timeout=", 8) == 0) {
			const char *v = argv[i] + 8;
			size_t n = strlen(v);
			int ms = 0;
			if (n == 0 || n > 4 || strspn(v, "0123456789") != n) {
				pam_syslog(pamh, LOG_ERR, "%s: not a number of milliseconds; using %d", argv[i],
				           PAM_VIGIL_TIMEOUT_DEFAULT);
				continue;
			}
			for (size_t k = 0; k < n; k++)
				ms = ms * 10 + (v[k] - '0');
			if (ms < 1 || ms > PAM_VIGIL_TIMEOUT_MAX) {
				pam_syslog(pamh, LOG_ERR, "%s: out of range 1-%d; using %d", argv[i],
				           PAM_VIGIL_TIMEOUT_MAX, ms < 1 ? 1 : PAM_VIGIL_TIMEOUT_MAX);
				ms = ms < 1 ? 1 : PAM_VIGIL_TIMEOUT_MAX;
			}
			args->timeout_ms = ms;
		} else
			pam_syslog(pamh, LOG_ERR, "unknown option: %s", argv[i]);
	}
}

/* Appends raw bytes; false when they do not fit. */
static bool dgram_add(struct dgram *d, const char *s, size_t n)
{
	if (n > sizeof d->buf - d->len)
		return false;
	memcpy(d->buf + d->len, s, n);
	d->len += n;
	return true;
}

/* Appends "key=value\0" with the value cleaned as the file comment says.
 * NULL and empty values are left out, as the protocol asks. */
static void dgram_put(struct dgram *d, const char *key, const char *value)
{
	char v[AGENT_PAM_VALUE_MAX];
	const unsigned char *s = (const unsigned char *)value;
	size_t n, i = 0, o = 0, start = d->len;

	if (!value || !*value)
		return;
	n = strlen(value);
	while (i < n) {
		size_t cl = agent_pam_utf8_len(s + i, n - i);
		if (cl == 0 || (cl == 1 && agent_pam_is_ctl(s[i]))) {
			if (o + 1 > sizeof v)
				break;
			v[o++] = '?';
			i++;
			continue;
		}
		if (o + cl > sizeof v)
			break;
		memcpy(v + o, s + i, cl);
		o += cl;
		i += cl;
	}
	if (!dgram_add(d, key, strlen(key)) || !dgram_add(d, "=", 1) || !dgram_add(d, v, o) ||
	    !dgram_add(d, "", 1))
		d->len = start;
}

static void dgram_put_item(struct dgram *d, pam_handle_t *pamh, const char *key, int item)
{
	const void *value = NULL;
	if (pam_get_item(pamh, item, &value) == PAM_SUCCESS)
		dgram_put(d, key, value);
}

/* Adds /proc/self/<name> under key when it holds a set id (the kernel shows
 * an unset loginuid or sessionid as 4294967295). Plain open/read: no stdio
 * buffer to allocate. */
static void dgram_put_proc_id(struct dgram *d, const char *key, const char *path)
{
	char text[16];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0 || n > 10)
		return;
	text[n] = '\0';
	if (strspn(text, "0123456789") != (size_t)n || strcmp(text, "4294967295") == 0)
		return;
	dgram_put(d, key, text);
}

static void dgram_put_time(struct dgram *d)
{
	struct timespec ts;
	char text[24];

	if (clock_gettime(CLOCK_REALTIME, &ts) < 0 || ts.tv_sec < 0)
		return;
	snprintf(text, sizeof text, "%lld", (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
	dgram_put(d, "time", text);
}

/* One non-blocking send. The credentials are stated explicitly so that the
 * agent sees the effective uid (the kernel's default is the real uid, which
 * for su and sudo is the invoking user). Should the kernel refuse them, the
 * datagram goes without and the agent records it as untrusted. */
static int dgram_send(const struct dgram *d, const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct iovec iov = {.iov_base = (void *)d->buf, .iov_len = d->len};
	struct msghdr msg = {
		.msg_name = &sa,
		.msg_namelen = sizeof sa,
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = ctl.buf,
		.msg_controllen = sizeof ctl.buf,
	};
	struct ucred cred = {.pid = getpid(), .uid = geteuid(), .gid = getegid()};
	struct cmsghdr *cm;
	int fd, rc, saved;

	memset(&ctl, 0, sizeof ctl);
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof cred);
	memcpy(CMSG_DATA(cm), &cred, sizeof cred);
	memcpy(sa.sun_path, path, strlen(path));   /* length checked by the caller */

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	rc = (int)sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (rc < 0 && errno == EPERM) {
		msg.msg_control = NULL;
		msg.msg_controllen = 0;
		rc = (int)sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	saved = errno;
	close(fd);
	errno = saved;
	return rc < 0 ? -1 : 0;
}

/* Builds the datagram (or query, with its magic) for phase. */
static void dgram_build(struct dgram *d, pam_handle_t *pamh, const char *magic, const char *phase)
{
	d->len = 0;
	dgram_add(d, magic, strlen(magic) + 1);
	dgram_put(d, "phase", phase);
	dgram_put_time(d);
	dgram_put_item(d, pamh, "service", PAM_SERVICE);
	dgram_put_item(d, pamh, "user", PAM_USER);
	dgram_put_item(d, pamh, "ruser", PAM_RUSER);
	dgram_put_item(d, pamh, "rhost", PAM_RHOST);
	dgram_put_item(d, pamh, "tty", PAM_TTY);
	dgram_put_proc_id(d, "loginuid", "/proc/self/loginuid");
	dgram_put_proc_id(d, "sessionid", "/proc/self/sessionid");
}

/* Whether socket= is usable with room for extra more bytes; logs when not. */
static bool socket_ok(pam_handle_t *pamh, const struct pam_vigil_args *args, size_t extra)
{
	size_t plen = strlen(args->socket);

	if (args->socket[0] != '/' || plen + extra >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		pam_syslog(pamh, LOG_ERR, "socket=%s: not an absolute path shorter than %zu bytes",
		           args->socket, sizeof(((struct sockaddr_un *)0)->sun_path) - extra);
		return false;
	}
	return true;
}

/* Records one phase; the whole of the module's work. errno is preserved for
 * the application's sake. */
static void record(pam_handle_t *pamh, const struct pam_vigil_args *args, const char *phase)
{
	struct dgram d;
	int saved = errno;

	if (!socket_ok(pamh, args, 0)) {
		errno = saved;
		return;
	}
	dgram_build(&d, pamh, AGENT_PAM_MAGIC, phase);

	if (dgram_send(&d, args->socket) < 0 && args->debug)
		pam_syslog(pamh, LOG_DEBUG, "%s not recorded: %s: %m", phase, args->socket);
	errno = saved;
}

/* ---- login enforcement ------------------------------------------------- */

enum answer {
	ANSWER_NONE,        /* no usable answer: the fail argument decides */
	ANSWER_UNDECIDED,   /* the agent answered (and recorded) but has no policy */
	ANSWER_NOT_ENFORCED,
	ANSWER_ALLOW,
	ANSWER_DENY,
};

static int64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads the agent's answer (agent_pam_proto.h); reason receives the deny
 * reason when there is one. */
static enum answer answer_parse(const char *buf, size_t len, char *reason, size_t rlen,
                                const char **why)
{
	const size_t mlen = sizeof AGENT_PAM_REPLY_MAGIC;
	const char *decision = NULL, *enforce = NULL;
	size_t pos;

	if (len < mlen || memcmp(buf, AGENT_PAM_REPLY_MAGIC, mlen) != 0 || buf[len - 1] != '\0') {
		*why = "malformed answer";
		return ANSWER_NONE;
	}
	for (pos = mlen; pos < len; pos += strlen(buf + pos) + 1) {
		const char *f = buf + pos;
		if (strncmp(f, "decision=", 9) == 0)
			decision = f + 9;
		else if (strncmp(f, "enforce=", 8) == 0)
			enforce = f + 8;
		else if (strncmp(f, "reason=", 7) == 0)
			snprintf(reason, rlen, "%s", f + 7);
	}
	if (!decision || !enforce) {
		*why = "malformed answer";
		return ANSWER_NONE;
	}
	if (strcmp(decision, "undecided") == 0) {
		*why = "the agent has no policy loaded";
		return ANSWER_UNDECIDED;
	}
	if (strcmp(enforce, "1") != 0)
		return ANSWER_NOT_ENFORCED;
	if (strcmp(decision, "allow") == 0)
		return ANSWER_ALLOW;
	if (strcmp(decision, "deny") == 0)
		return ANSWER_DENY;
	*why = "malformed answer";
	return ANSWER_NONE;
}

/* Sends the query and waits (poll, bounded by args->timeout_ms) for the
 * answer. One socket, closed before returning; nothing blocks. */
static enum answer ask(pam_handle_t *pamh, const struct pam_vigil_args *args, char *reason,
                       size_t rlen, const char **why)
{
	struct sockaddr_un self = {.sun_family = AF_UNIX}, sa = {.sun_family = AF_UNIX};
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	struct dgram d;
	struct iovec iov;
	struct msghdr msg;
	struct ucred cred = {.pid = getpid(), .uid = geteuid(), .gid = getegid()};
	struct cmsghdr *cm;
	char reply[AGENT_PAM_REPLY_MAX];
	const void *user = NULL;
	enum answer ans = ANSWER_NONE;
	int64_t deadline;
	int fd;

	if (pam_get_item(pamh, PAM_USER, &user) != PAM_SUCCESS || !user || !*(const char *)user) {
		*why = "no user name";
		return ANSWER_NONE;
	}
	dgram_build(&d, pamh, AGENT_PAM_QUERY_MAGIC, "account");
	dgram_put(&d, "fail", args->fail_closed ? "closed" : "open");
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s%s", args->socket, AGENT_PAM_QUERY_SUFFIX);

	memset(&ctl, 0, sizeof ctl);
	iov = (struct iovec){.iov_base = d.buf, .iov_len = d.len};
	msg = (struct msghdr){.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
	                      .msg_controllen = sizeof ctl.buf};
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof cred);
	memcpy(CMSG_DATA(cm), &cred, sizeof cred);

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		*why = "socket() failed";
		return ANSWER_NONE;
	}
	/* An address length of just the family autobinds an abstract name, so
	 * the agent has somewhere to answer. */
	if (bind(fd, (struct sockaddr *)&self, sizeof(sa_family_t)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
	    sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		*why = errno == ENOENT || errno == ECONNREFUSED ? "the agent is not running"
		       : errno == EAGAIN                         ? "the agent's queue is full"
		                                                 : "the query could not be sent";
		if (args->debug)
			pam_syslog(pamh, LOG_DEBUG, "enforce: %s: %m", sa.sun_path);
		close(fd);
		return ANSWER_NONE;
	}
	*why = "no answer in time";
	deadline = mono_ms() + args->timeout_ms;
	for (;;) {
		struct pollfd pfd = {.fd = fd, .events = POLLIN};
		int64_t left = deadline - mono_ms();
		ssize_t n;
		int rc;

		if (left <= 0)
			break;
		rc = poll(&pfd, 1, (int)left);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		n = recv(fd, reply, sizeof reply, MSG_DONTWAIT | MSG_TRUNC);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n < 0) {
			*why = "the agent went away";
			break;
		}
		if ((size_t)n > sizeof reply) {
			*why = "malformed answer";
			break;
		}
		ans = answer_parse(reply, (size_t)n, reason, rlen, why);
		break;
	}
	close(fd);
	return ans;
}

/* The account phase with `enforce`. */
static int enforce(pam_handle_t *pamh, const struct pam_vigil_args *args)
{
	char reason[AGENT_PAM_REPLY_MAX] = "";
	const char *why = "", *user = NULL;
	const void *item = NULL;
	enum answer ans = ANSWER_NONE;
	int saved = errno;

	if (pam_get_item(pamh, PAM_USER, &item) == PAM_SUCCESS && item)
		user = item;
	if (!socket_ok(pamh, args, strlen(AGENT_PAM_QUERY_SUFFIX)))
		why = "unusable socket= argument";
	else if (geteuid() != 0)
		why = "not running as root (the agent answers root only)";
	else
		ans = ask(pamh, args, reason, sizeof reason, &why);

	switch (ans) {
	case ANSWER_DENY:
		pam_syslog(pamh, LOG_NOTICE, "login of %s refused by vigil policy%s%s",
		           user ? user : "(unknown)", reason[0] ? ": " : "", reason);
		errno = saved;
		return PAM_PERM_DENIED;
	case ANSWER_ALLOW:
	case ANSWER_NOT_ENFORCED:
		errno = saved;
		return PAM_IGNORE;
	case ANSWER_UNDECIDED:
	case ANSWER_NONE:
		break;
	}
	if (args->fail_closed) {
		pam_syslog(pamh, LOG_ERR, "enforce: %s; fail=closed: refusing the login of %s", why,
		           user ? user : "(unknown)");
		errno = saved;
		return PAM_PERM_DENIED;
	}
	pam_syslog(pamh, LOG_WARNING, "enforce: %s; fail=open: login of %s not checked", why,
	           user ? user : "(unknown)");
	/* An undecided answer was recorded by the agent; otherwise the account
	 * phase is recorded as without enforce, if the agent can take it. */
	if (ans == ANSWER_NONE)
		record(pamh, args, "account");
	errno = saved;
	return PAM_IGNORE;
}

PAM_VIGIL_EXPORT int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_vigil_args args;
	(void)flags;
	args_parse(pamh, argc, argv, &args);
	if (args.mode == MODE_AUTHFAIL)
		record(pamh, &args, "auth_failure");
	else if (args.mode == MODE_AUTHSUCC)
		record(pamh, &args, "auth_success");
	return PAM_IGNORE;
}

PAM_VIGIL_EXPORT int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_IGNORE;
}

PAM_VIGIL_EXPORT int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_vigil_args args;
	(void)flags;
	args_parse(pamh, argc, argv, &args);
	if (args.enforce)
		return enforce(pamh, &args);
	record(pamh, &args, "account");
	return PAM_IGNORE;
}

PAM_VIGIL_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_vigil_args args;
	(void)flags;
	args_parse(pamh, argc, argv, &args);
	record(pamh, &args, "session_open");
	return PAM_IGNORE;
}

PAM_VIGIL_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pam_vigil_args args;
	(void)flags;
	args_parse(pamh, argc, argv, &args);
	record(pamh, &args, "session_close");
	return PAM_IGNORE;
}

PAM_VIGIL_EXPORT int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh, (void)flags, (void)argc, (void)argv;
	return PAM_IGNORE;
}
