/*
 * test_pam: the agent's intake of pam_vigil.so datagrams (agent_pam.c).
 *
 * Scenarios: each PAM phase becomes the right login event; every way a
 * datagram can break the format becomes a bad_pam_datagram `agent` event
 * with its reason and raw bytes; a valid datagram from someone other than
 * root becomes an untrusted_pam_datagram event and never a login; and the
 * real socket path (open, credentials, oversized datagrams, attached file
 * descriptors) works end to end through agent_pam_read().
 *
 * agent_emit() is replaced here by a recorder, so these tests need no spool.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent.h"
#include "agent_pam.h"
#include "vg_event.h"
#include "vg_log.h"
#include "vg_time.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* ---- a recording agent_emit ---------------------------------------------- */

#define MAX_EMITTED 16
static json_t *emitted[MAX_EMITTED];
static int nemitted;

int agent_emit(struct agent *a, json_t *ev)
{
	(void)a;
	if (nemitted < MAX_EMITTED)
		emitted[nemitted++] = ev;
	else
		json_decref(ev);
	return 0;
}

static void emitted_clear(void)
{
	for (int i = 0; i < nemitted; i++)
		json_decref(emitted[i]);
	nemitted = 0;
}

/* ---- helpers -------------------------------------------------------------- */

static const struct ucred root_cred = {.pid = 4242, .uid = 0, .gid = 0};
static const struct ucred user_cred = {.pid = 777, .uid = 1000, .gid = 1000};

/* Builds magic + fields (each NUL-terminated) into buf; returns the length. */
static size_t datagram(char *buf, size_t size, const char *const *fields)
{
	size_t n = sizeof AGENT_PAM_MAGIC;
	memcpy(buf, AGENT_PAM_MAGIC, n);
	for (; *fields; fields++) {
		size_t l = strlen(*fields) + 1;
		assert_true(n + l <= size);
		memcpy(buf + n, *fields, l);
		n += l;
	}
	return n;
}
#define DATAGRAM(buf, ...) datagram(buf, sizeof buf, (const char *const[]){__VA_ARGS__, NULL})

static const char *str(json_t *ev, const char *field)
{
	return json_string_value(json_object_get(ev, field));
}

static const char *dstr(json_t *ev, const char *field)
{
	return json_string_value(json_object_get(json_object_get(ev, "detail"), field));
}

static json_int_t dint(json_t *ev, const char *field)
{
	json_t *v = json_object_get(json_object_get(ev, "detail"), field);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

/* Every event the intake makes must pass the schema the collector applies. */
static void assert_schema_valid(json_t *ev)
{
	struct vg_event check;
	char err[256] = "";
	json_t *copy = json_deep_copy(ev);
	assert_non_null(copy);
	json_object_set_new(copy, "seq", json_integer(1));
	if (vg_event_decode(copy, &check, err, sizeof err) < 0)
		fail_msg("event fails schema v1: %s", err);
	json_decref(copy);
}

static json_t *parse_ok(const char *buf, size_t len, const struct ucred *cred)
{
	json_t *ev = NULL;
	char err[256] = "";
	int rc = agent_pam_parse(buf, len, cred, "ws-0042", &ev, err, sizeof err);
	if (rc != 0)
		fail_msg("expected a login event, got rc %d: %s", rc, err);
	assert_non_null(ev);
	assert_schema_valid(ev);
	return ev;
}

static int64_t event_ms(json_t *ev)
{
	int64_t ms = -1;
	assert_int_equal(vg_time_parse(str(ev, "time"), &ms), 0);
	return ms;
}

/* ---- phases --------------------------------------------------------------- */

/* A password login's auth success carries everything the module sends; the
 * pid is the kernel's, never the payload's. */
static void test_auth_success_full(void **state)
{
	char buf[1024], t[32];
	int64_t now = vg_time_now();
	(void)state;
	snprintf(t, sizeof t, "time=%lld", (long long)(now - 5000));
	size_t n = DATAGRAM(buf, "phase=auth_success", t, "service=sshd", "user=alice", "ruser=bob",
	                   "rhost=192.0.2.7", "tty=ssh", "loginuid=1001", "sessionid=17");
	json_t *ev = parse_ok(buf, n, &root_cred);

	assert_string_equal(str(ev, "kind"), "auth_success");
	assert_string_equal(str(ev, "result"), "success");
	assert_string_equal(str(ev, "host"), "ws-0042");
	assert_string_equal(str(ev, "service"), "sshd");
	assert_string_equal(str(ev, "user"), "alice");
	assert_string_equal(str(ev, "ruser"), "bob");
	assert_string_equal(str(ev, "rhost"), "192.0.2.7");
	assert_string_equal(str(ev, "tty"), "ssh");
	assert_int_equal(json_integer_value(json_object_get(ev, "auid")), 1001);
	assert_int_equal(json_integer_value(json_object_get(ev, "pid")), 4242);
	assert_string_equal(dstr(ev, "phase"), "auth_success");
	assert_int_equal(dint(ev, "session"), 17);
	assert_int_equal(dint(ev, "sender_uid"), 0);
	assert_int_equal(event_ms(ev), now - 5000);
	assert_null(json_object_get(ev, "seq"));
	json_decref(ev);
}

static void test_auth_failure(void **state)
{
	char buf[256];
	(void)state;
	size_t n = DATAGRAM(buf, "phase=auth_failure", "service=login", "user=mallory");
	json_t *ev = parse_ok(buf, n, &root_cred);
	assert_string_equal(str(ev, "kind"), "auth_failure");
	assert_string_equal(str(ev, "result"), "failure");
	assert_string_equal(str(ev, "user"), "mallory");
	assert_string_equal(dstr(ev, "phase"), "auth_failure");
	json_decref(ev);
}

/* sshd key logins show only account and session: account is a success. */
static void test_account_is_auth_success(void **state)
{
	char buf[256];
	(void)state;
	size_t n = DATAGRAM(buf, "phase=account", "service=sshd", "user=alice");
	json_t *ev = parse_ok(buf, n, &root_cred);
	assert_string_equal(str(ev, "kind"), "auth_success");
	assert_string_equal(str(ev, "result"), "success");
	assert_string_equal(dstr(ev, "phase"), "account");
	json_decref(ev);
}

static void test_sessions(void **state)
{
	char buf[256];
	(void)state;
	size_t n = DATAGRAM(buf, "phase=session_open", "service=su", "user=root", "ruser=alice",
	                   "loginuid=1001", "sessionid=3");
	json_t *ev = parse_ok(buf, n, &root_cred);
	assert_string_equal(str(ev, "kind"), "session_open");
	assert_null(json_object_get(ev, "result"));
	assert_int_equal(json_integer_value(json_object_get(ev, "auid")), 1001);
	assert_int_equal(dint(ev, "session"), 3);
	json_decref(ev);

	n = DATAGRAM(buf, "phase=session_close", "service=su", "user=root");
	ev = parse_ok(buf, n, &root_cred);
	assert_string_equal(str(ev, "kind"), "session_close");
	assert_string_equal(dstr(ev, "phase"), "session_close");
	json_decref(ev);
}

/* Only the phase is required; absent items are absent fields. */
static void test_minimal_datagram(void **state)
{
	char buf[64];
	int64_t before = vg_time_now();
	(void)state;
	size_t n = DATAGRAM(buf, "phase=session_open");
	json_t *ev = parse_ok(buf, n, &root_cred);
	for (const char *const *f = (const char *const[]){"user", "service", "ruser", "rhost", "tty", "auid",
	                                                  NULL};
	     *f; f++)
		assert_null(json_object_get(ev, *f));
	assert_true(event_ms(ev) >= before && event_ms(ev) <= vg_time_now());
	json_decref(ev);
}

/* A pid the kernel could not map (0: sender in another pid namespace) is
 * left out rather than recorded as 0. */
static void test_unknown_pid_omitted(void **state)
{
	char buf[64];
	struct ucred c = {.pid = 0, .uid = 0, .gid = 0};
	(void)state;
	size_t n = DATAGRAM(buf, "phase=account");
	json_t *ev = parse_ok(buf, n, &c);
	assert_null(json_object_get(ev, "pid"));
	json_decref(ev);
}

static void test_utf8_names_accepted(void **state)
{
	char buf[256];
	(void)state;
	size_t n = DATAGRAM(buf, "phase=auth_failure", "user=j\xc3\xb6ran\xe2\x82\xac\xf0\x9f\x94\x91",
	                   "rhost=h\xc2\x85st");   /* U+0085 is a C1 control, valid UTF-8: kept */
	json_t *ev = parse_ok(buf, n, &root_cred);
	assert_string_equal(str(ev, "user"), "j\xc3\xb6ran\xe2\x82\xac\xf0\x9f\x94\x91");
	json_decref(ev);
}

/* A value of exactly AGENT_PAM_VALUE_MAX bytes is the longest allowed. */
static void test_longest_value_accepted(void **state)
{
	char buf[1024], user[5 + AGENT_PAM_VALUE_MAX + 1];
	(void)state;
	memcpy(user, "user=", 5);
	memset(user + 5, 'a', AGENT_PAM_VALUE_MAX);
	user[5 + AGENT_PAM_VALUE_MAX] = '\0';
	size_t n = DATAGRAM(buf, "phase=auth_failure", user);
	json_t *ev = parse_ok(buf, n, &root_cred);
	assert_int_equal(strlen(str(ev, "user")), AGENT_PAM_VALUE_MAX);
	json_decref(ev);
}

/* Module and agent share a clock: a time more than a day off is not
 * believed; the event takes the agent's time and keeps the claim. */
static void test_time_out_of_window(void **state)
{
	char buf[256], t[32];
	int64_t before = vg_time_now();
	(void)state;
	snprintf(t, sizeof t, "time=%lld", (long long)(before - 2 * VG_MS_PER_DAY));
	size_t n = DATAGRAM(buf, "phase=account", t);
	json_t *ev = parse_ok(buf, n, &root_cred);
	assert_true(event_ms(ev) >= before);
	assert_int_equal(dint(ev, "claimed_time_ms"), before - 2 * VG_MS_PER_DAY);
	json_decref(ev);

	snprintf(t, sizeof t, "time=%lld", (long long)(before + 2 * VG_MS_PER_DAY));
	n = DATAGRAM(buf, "phase=account", t);
	ev = parse_ok(buf, n, &root_cred);
	assert_true(event_ms(ev) <= vg_time_now());
	json_decref(ev);

	n = DATAGRAM(buf, "phase=account", "time=0");
	ev = parse_ok(buf, n, &root_cred);
	assert_int_equal(dint(ev, "claimed_time_ms"), 0);
	json_decref(ev);
}

/* ---- rejections ----------------------------------------------------------- */

#define RAW(s) s, sizeof(s) - 1
#define M "vigil-pam/1\0"

static const struct reject_case {
	const char *name;
	const char *buf;
	size_t len;
	const char *reason;        /* substring of detail.reason */
} reject_cases[] = {
	{"empty datagram", RAW(""), "empty datagram"},
	{"bad magic", RAW("vigil-pam/2\0phase=account\0"), "does not start with"},
	{"magic without its NUL", RAW("vigil-pam/1"), "does not start with"},
	{"magic as a prefix", RAW("vigil-pam/10\0phase=account\0"), "does not start with"},
	{"last field unterminated", RAW(M "phase=account"), "not NUL-terminated"},
	{"unknown key", RAW(M "phase=account\0uid=0\0"), "unknown key \"uid\""},
	{"key differing in case", RAW(M "Phase=account\0"), "unknown key \"Phase\""},
	{"field without =", RAW(M "phase=account\0alice\0"), "is not key=value"},
	{"empty field", RAW(M "phase=account\0\0"), "empty field"},
	{"duplicate key", RAW(M "phase=account\0user=alice\0user=root\0"), "duplicate key 'user'"},
	{"duplicate phase", RAW(M "phase=account\0phase=auth_failure\0"), "duplicate key 'phase'"},
	{"missing phase", RAW(M "user=alice\0service=sshd\0"), "no phase"},
	{"no fields at all", RAW(M), "no phase"},
	{"unknown phase", RAW(M "phase=password\0"), "unknown phase \"password\""},
	{"empty value", RAW(M "phase=account\0user=\0"), "key 'user': empty value"},
	{"tab in a value", RAW(M "phase=account\0user=al\tice\0"), "control character 0x09"},
	{"newline in a value", RAW(M "phase=account\0rhost=a\nb\0"), "control character 0x0a"},
	{"DEL in a value", RAW(M "phase=account\0tty=pts\x7f\0"), "control character 0x7f"},
	{"escape sequence in a value", RAW(M "phase=account\0user=\x1b[2J\0"), "control character 0x1b"},
	{"byte 0xff", RAW(M "phase=account\0user=\xff\0"), "invalid UTF-8"},
	{"lone continuation byte", RAW(M "phase=account\0user=a\x80\0"), "invalid UTF-8"},
	{"overlong NUL", RAW(M "phase=account\0user=\xc0\x80\0"), "invalid UTF-8"},
	{"overlong slash", RAW(M "phase=account\0user=\xe0\x80\xaf\0"), "invalid UTF-8"},
	{"surrogate", RAW(M "phase=account\0user=\xed\xa0\x80\0"), "invalid UTF-8"},
	{"above U+10FFFF", RAW(M "phase=account\0user=\xf4\x90\x80\x80\0"), "invalid UTF-8"},
	{"sequence cut short", RAW(M "phase=account\0user=ab\xe2\x82\0"), "invalid UTF-8"},
	{"time not decimal", RAW(M "phase=account\0time=-5\0"), "key 'time'"},
	{"time with leading zero", RAW(M "phase=account\0time=0123\0"), "key 'time'"},
	{"time too long", RAW(M "phase=account\0time=1234567890123456\0"), "key 'time': value of 16"},
	{"loginuid unset value", RAW(M "phase=account\0loginuid=4294967295\0"), "key 'loginuid'"},
	{"loginuid not a number", RAW(M "phase=account\0loginuid=root\0"), "key 'loginuid'"},
	{"sessionid too long", RAW(M "phase=account\0sessionid=99999999999\0"), "key 'sessionid'"},
};

static void check_bad(const struct reject_case *c, const struct ucred *cred)
{
	json_t *ev = NULL;
	char err[256] = "";
	int rc = agent_pam_parse(c->buf, c->len, cred, "ws-0042", &ev, err, sizeof err);

	if (rc != 1)
		fail_msg("%s: expected rc 1, got %d (%s)", c->name, rc, err);
	assert_non_null(ev);
	assert_schema_valid(ev);
	assert_string_equal(str(ev, "kind"), "agent");
	assert_string_equal(dstr(ev, "action"), "bad_pam_datagram");
	if (!strstr(dstr(ev, "reason"), c->reason))
		fail_msg("%s: reason \"%s\" lacks \"%s\"", c->name, dstr(ev, "reason"), c->reason);
	assert_string_equal(err, dstr(ev, "reason"));
	assert_int_equal(dint(ev, "raw_len"), (json_int_t)c->len);
	assert_non_null(dstr(ev, "raw"));
	/* Nothing from a broken datagram is believed. */
	assert_null(json_object_get(ev, "user"));
	assert_null(json_object_get(ev, "service"));
	json_decref(ev);
}

static void test_rejections(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof reject_cases / sizeof reject_cases[0]; i++) {
		check_bad(&reject_cases[i], &root_cred);
		check_bad(&reject_cases[i], &user_cred);   /* broken beats untrusted */
	}
}

/* Any string value longer than AGENT_PAM_VALUE_MAX is refused. */
static void test_value_too_long(void **state)
{
	static const char *const skeys[] = {"service", "user", "ruser", "rhost", "tty"};
	(void)state;
	for (size_t k = 0; k < sizeof skeys / sizeof skeys[0]; k++) {
		char buf[1024], field[16 + AGENT_PAM_VALUE_MAX + 2], want[64];
		int l = snprintf(field, sizeof field, "%s=", skeys[k]);
		memset(field + l, 'x', AGENT_PAM_VALUE_MAX + 1);
		field[l + AGENT_PAM_VALUE_MAX + 1] = '\0';
		size_t n = DATAGRAM(buf, "phase=account", field);
		snprintf(want, sizeof want, "key '%s': value of %d bytes", skeys[k], AGENT_PAM_VALUE_MAX + 1);
		struct reject_case c = {skeys[k], buf, n, want};
		check_bad(&c, &root_cred);
	}
}

/* A datagram above AGENT_PAM_MAX is refused even when well formed. */
static void test_datagram_too_long(void **state)
{
	char *buf = calloc(1, AGENT_PAM_MAX + 1);
	(void)state;
	assert_non_null(buf);
	memcpy(buf, M "phase=account", sizeof(M "phase=account"));
	struct reject_case c = {"oversized", buf, AGENT_PAM_MAX + 1, "longer than 4096"};
	check_bad(&c, &root_cred);
	free(buf);
}

/* The raw bytes are kept, escaped to printable ASCII, cut at 256 bytes. */
static void test_raw_escaping(void **state)
{
	json_t *ev = NULL;
	char err[256], big[600];
	(void)state;

	assert_int_equal(agent_pam_parse(RAW(M "phase=account\0user=a\\b\xff\0"), &root_cred, NULL, &ev, err,
	                                 sizeof err),
	                 1);
	assert_string_equal(dstr(ev, "raw"), "vigil-pam/1\\x00phase=account\\x00user=a\\\\b\\xff\\x00");
	assert_null(json_object_get(ev, "host"));
	json_decref(ev);

	memset(big, 'z', sizeof big);
	assert_int_equal(agent_pam_parse(big, sizeof big, &root_cred, NULL, &ev, err, sizeof err), 1);
	const char *raw = dstr(ev, "raw");
	assert_int_equal(strlen(raw), AGENT_PAM_RAW_KEEP + 3);
	assert_string_equal(raw + AGENT_PAM_RAW_KEEP, "...");
	assert_int_equal(dint(ev, "raw_len"), sizeof big);
	json_decref(ev);
}

/* ---- trust ---------------------------------------------------------------- */

/* Any local user can write to the socket: a well-formed failure "for alice"
 * sent by uid 1000 must not become a login event, but is kept whole. */
static void test_untrusted_sender(void **state)
{
	char buf[256], err[256] = "";
	json_t *ev = NULL;
	(void)state;
	size_t n = DATAGRAM(buf, "phase=auth_failure", "service=sshd", "user=alice", "rhost=10.0.0.9",
	                   "loginuid=1001", "time=1");

	assert_int_equal(agent_pam_parse(buf, n, &user_cred, "ws-0042", &ev, err, sizeof err), 1);
	assert_non_null(ev);
	assert_schema_valid(ev);
	assert_string_equal(str(ev, "kind"), "agent");
	assert_string_equal(dstr(ev, "action"), "untrusted_pam_datagram");
	assert_string_equal(dstr(ev, "reason"), "sent by uid 1000, not root");
	assert_string_equal(err, "sent by uid 1000, not root");
	assert_int_equal(dint(ev, "sender_uid"), 1000);
	assert_int_equal(dint(ev, "sender_pid"), 777);
	assert_string_equal(dstr(ev, "claimed_phase"), "auth_failure");
	assert_string_equal(dstr(ev, "claimed_user"), "alice");
	assert_string_equal(dstr(ev, "claimed_service"), "sshd");
	assert_string_equal(dstr(ev, "claimed_rhost"), "10.0.0.9");
	assert_string_equal(dstr(ev, "claimed_loginuid"), "1001");
	assert_null(dstr(ev, "claimed_tty"));
	for (const char *const *f = (const char *const[]){"user", "service", "rhost", "auid", "result", NULL};
	     *f; f++)
		assert_null(json_object_get(ev, *f));
	/* Recorded at the agent's time, not the claimed one. */
	assert_true(event_ms(ev) > VG_MS_PER_DAY);
	json_decref(ev);
}

static void test_no_credentials_untrusted(void **state)
{
	char buf[64], err[256] = "";
	json_t *ev = NULL;
	(void)state;
	size_t n = DATAGRAM(buf, "phase=session_open", "user=root");
	assert_int_equal(agent_pam_parse(buf, n, NULL, "ws-0042", &ev, err, sizeof err), 1);
	assert_schema_valid(ev);
	assert_string_equal(dstr(ev, "action"), "untrusted_pam_datagram");
	assert_null(json_object_get(json_object_get(ev, "detail"), "sender_uid"));
	assert_string_equal(dstr(ev, "claimed_user"), "root");
	json_decref(ev);
}

/* ---- the socket ----------------------------------------------------------- */

struct sock_fixture {
	char dir[64];
	char path[128];
	int fd;
	struct agent agent;
};

static int sock_setup(void **state)
{
	struct sock_fixture *f = calloc(1, sizeof *f);
	char err[256] = "";
	if (!f)
		return -1;
	snprintf(f->dir, sizeof f->dir, "/tmp/vigil-test-pam.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	/* Two missing levels: agent_pam_open creates them. */
	snprintf(f->path, sizeof f->path, "%s/run/vigil/agent.sock", f->dir);
	f->fd = agent_pam_open(f->path, err, sizeof err);
	if (f->fd < 0) {
		fprintf(stderr, "agent_pam_open: %s\n", err);
		return -1;
	}
	f->agent.cfg.host = "ws-test";
	f->agent.wake_fd = -1;
	*state = f;
	return 0;
}

static int sock_teardown(void **state)
{
	struct sock_fixture *f = *state;
	char p[160];
	emitted_clear();
	close(f->fd);
	unlink(f->path);
	snprintf(p, sizeof p, "%s/run/vigil", f->dir);
	rmdir(p);
	snprintf(p, sizeof p, "%s/run", f->dir);
	rmdir(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Sends buf to path, with explicit credentials and/or a file descriptor. */
static void send_to(const char *path, const void *buf, size_t len, const struct ucred *cred, int pass_fd)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	union {
		struct cmsghdr align;
		char b[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	struct msghdr m = {.msg_name = &sa, .msg_namelen = sizeof sa, .msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	size_t clen = 0;
	int s = socket(AF_UNIX, SOCK_DGRAM, 0);

	assert_true(s >= 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
	memset(&ctl, 0, sizeof ctl);
	m.msg_control = ctl.b;
	m.msg_controllen = sizeof ctl.b;
	c = CMSG_FIRSTHDR(&m);
	if (cred) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_CREDENTIALS;
		c->cmsg_len = CMSG_LEN(sizeof *cred);
		memcpy(CMSG_DATA(c), cred, sizeof *cred);
		clen += CMSG_SPACE(sizeof *cred);
		c = (struct cmsghdr *)(ctl.b + clen);
	}
	if (pass_fd >= 0) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof pass_fd);
		memcpy(CMSG_DATA(c), &pass_fd, sizeof pass_fd);
		clen += CMSG_SPACE(sizeof pass_fd);
	}
	m.msg_controllen = clen;
	if (!clen)
		m.msg_control = NULL;
	if (sendmsg(s, &m, 0) != (ssize_t)len)
		fail_msg("sendmsg: %s", strerror(errno));
	close(s);
}

static int count_fds(void)
{
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* The socket is world-writable (trust is decided per datagram). */
static void test_open_socket_mode(void **state)
{
	struct sock_fixture *f = *state;
	struct stat st;
	int v = 0;
	socklen_t vl = sizeof v;
	assert_int_equal(stat(f->path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0666);
	assert_int_equal(getsockopt(f->fd, SOL_SOCKET, SO_PASSCRED, &v, &vl), 0);
	assert_int_equal(v, 1);
	assert_true(fcntl(f->fd, F_GETFL) & O_NONBLOCK);
	assert_true(fcntl(f->fd, F_GETFD) & FD_CLOEXEC);
}

/* A second agent must not steal a live socket; a dead one's is replaced;
 * a file that is not a socket is never removed. */
static void test_open_stale_and_live(void **state)
{
	struct sock_fixture *f = *state;
	char err[256] = "", other[160];
	int fd, tmp;

	assert_int_equal(agent_pam_open(f->path, err, sizeof err), -1);
	assert_non_null(strstr(err, "another process is receiving"));

	snprintf(other, sizeof other, "%s/run/stale.sock", f->dir);
	fd = agent_pam_open(other, err, sizeof err);
	assert_true(fd >= 0);
	close(fd);                                 /* the file stays: stale */
	fd = agent_pam_open(other, err, sizeof err);
	if (fd < 0)
		fail_msg("stale socket not replaced: %s", err);
	close(fd);
	unlink(other);

	tmp = open(other, O_CREAT | O_WRONLY | O_EXCL, 0600);
	assert_true(tmp >= 0);
	close(tmp);
	assert_int_equal(agent_pam_open(other, err, sizeof err), -1);
	assert_non_null(strstr(err, "not a socket"));
	assert_int_equal(access(other, F_OK), 0);
	unlink(other);

	assert_int_equal(agent_pam_open("", err, sizeof err), -1);
}

/* Datagrams through the real socket: the kernel's credentials decide. */
static void test_read_roundtrip(void **state)
{
	struct sock_fixture *f = *state;
	char buf[256];
	size_t n = DATAGRAM(buf, "phase=session_open", "service=login", "user=alice", "tty=tty1");

	emitted_clear();
	send_to(f->path, buf, n, NULL, -1);
	send_to(f->path, RAW("hello"), NULL, -1);
	assert_int_equal(agent_pam_read(&f->agent, f->fd), 2);
	assert_int_equal(agent_pam_read(&f->agent, f->fd), 0);    /* drained */
	assert_int_equal(nemitted, 2);
	for (int i = 0; i < nemitted; i++) {
		assert_schema_valid(emitted[i]);
		assert_string_equal(str(emitted[i], "host"), "ws-test");
	}
	if (getuid() == 0) {
		assert_string_equal(str(emitted[0], "kind"), "session_open");
		assert_string_equal(str(emitted[0], "user"), "alice");
		assert_int_equal(json_integer_value(json_object_get(emitted[0], "pid")), getpid());
	} else {
		assert_string_equal(dstr(emitted[0], "action"), "untrusted_pam_datagram");
		assert_int_equal(dint(emitted[0], "sender_pid"), getpid());
	}
	assert_string_equal(dstr(emitted[1], "action"), "bad_pam_datagram");
	assert_string_equal(dstr(emitted[1], "raw"), "hello");
	emitted_clear();
}

/* Root may state any uid in SCM_CREDENTIALS: what the kernel delivers is
 * what counts, so a datagram stated as uid 1000 is untrusted. */
static void test_read_stated_credentials(void **state)
{
	struct sock_fixture *f = *state;
	char buf[256];
	struct ucred c = {.pid = getpid(), .uid = 1000, .gid = 1000};
	size_t n = DATAGRAM(buf, "phase=auth_failure", "user=alice");

	if (getuid() != 0)
		skip();
	emitted_clear();
	send_to(f->path, buf, n, &c, -1);
	assert_int_equal(agent_pam_read(&f->agent, f->fd), 1);
	assert_string_equal(dstr(emitted[0], "action"), "untrusted_pam_datagram");
	assert_int_equal(dint(emitted[0], "sender_uid"), 1000);
	emitted_clear();
}

/* An oversized datagram is detected (MSG_TRUNC), not read as its prefix. */
static void test_read_oversized(void **state)
{
	struct sock_fixture *f = *state;
	char *big = calloc(1, AGENT_PAM_MAX + 100);
	assert_non_null(big);
	memcpy(big, M "phase=account", sizeof(M "phase=account"));

	emitted_clear();
	send_to(f->path, big, AGENT_PAM_MAX + 100, NULL, -1);
	assert_int_equal(agent_pam_read(&f->agent, f->fd), 1);
	assert_string_equal(dstr(emitted[0], "action"), "bad_pam_datagram");
	assert_int_equal(dint(emitted[0], "raw_len"), AGENT_PAM_MAX + 100);
	assert_non_null(strstr(dstr(emitted[0], "reason"), "longer than 4096"));
	emitted_clear();
	free(big);
}

/* A sender attaching file descriptors must not leak them into the agent. */
static void test_read_closes_passed_fds(void **state)
{
	struct sock_fixture *f = *state;
	char buf[64];
	size_t n = DATAGRAM(buf, "phase=account");
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC), before;

	assert_true(devnull >= 0);
	emitted_clear();
	send_to(f->path, buf, n, NULL, devnull);
	close(devnull);
	before = count_fds();
	assert_int_equal(agent_pam_read(&f->agent, f->fd), 1);
	assert_int_equal(count_fds(), before);
	assert_int_equal(nemitted, 1);
	emitted_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_success_full),
		cmocka_unit_test(test_auth_failure),
		cmocka_unit_test(test_account_is_auth_success),
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_minimal_datagram),
		cmocka_unit_test(test_unknown_pid_omitted),
		cmocka_unit_test(test_utf8_names_accepted),
		cmocka_unit_test(test_longest_value_accepted),
		cmocka_unit_test(test_time_out_of_window),
		cmocka_unit_test(test_rejections),
		cmocka_unit_test(test_value_too_long),
		cmocka_unit_test(test_datagram_too_long),
		cmocka_unit_test(test_raw_escaping),
		cmocka_unit_test(test_untrusted_sender),
		cmocka_unit_test(test_no_credentials_untrusted),
		cmocka_unit_test_setup_teardown(test_open_socket_mode, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_open_stale_and_live, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_read_roundtrip, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_read_stated_credentials, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_read_oversized, sock_setup, sock_teardown),
		cmocka_unit_test_setup_teardown(test_read_closes_passed_fds, sock_setup, sock_teardown),
	};
	vg_log_init("test_pam", VG_LOG_ERR, 0);   /* agent_pam_open warns about the host's queue */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
