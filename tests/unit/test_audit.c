/*
 * The audit normaliser, fed with records recorded on a Debian 12 machine
 * (tests/data/audit/README.md says how each file was made): a read of a
 * watched file becomes file_access with the absolute path, op and the
 * person's name; su and sudo become privilege with the target account; a
 * removable disk mounted becomes media; rule changes and auditd start/stop
 * become agent events; PAM's own records and the agent's own pid produce
 * nothing; time is the record's time. Every event the normaliser emits must
 * pass the schema v1 validation the collector applies.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent_audit.h"
#include "vg_event.h"

#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- harness ------------------------------------------------------------ */

struct capture {
	json_t *events;        /* array of the events the sink received */
	int invalid;           /* events failing vg_event_decode */
};

static int capture_sink(void *ctx, json_t *ev)
{
	struct capture *c = ctx;
	struct vg_event check;
	char err[256];

	/* The spool adds seq; everything else must already be valid. */
	json_object_set_new(ev, "seq", json_integer(1));
	if (vg_event_decode(ev, &check, err, sizeof err) < 0) {
		fprintf(stderr, "invalid event: %s\n", err);
		c->invalid++;
	}
	json_object_del(ev, "seq");
	json_array_append_new(c->events, ev);
	return 0;
}

static int test_users(void *ctx, uint32_t uid, char *name, size_t len)
{
	(void)ctx;
	const char *n = uid == 0 ? "root" : uid == 1101 ? "vgaud-alice" : uid == 1102 ? "vgaud-bob" : NULL;
	if (!n)
		return -1;
	snprintf(name, len, "%s", n);
	return 0;
}

struct fx {
	struct capture cap;
	struct agent_audit *aa;
	char sysfs[64];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->cap.events = json_array();
	f->aa = agent_audit_new_with_sink(capture_sink, &f->cap);
	assert_non_null(f->aa);
	assert_int_equal(agent_audit_set_host(f->aa, "ws-0042"), 0);
	agent_audit_set_user_lookup(f->aa, test_users, NULL);
	/* An empty sysfs: device checks fall back to names unless a test
	 * builds a tree. */
	snprintf(f->sysfs, sizeof f->sysfs, "/tmp/vigil-audit-sys-XXXXXX");
	assert_non_null(mkdtemp(f->sysfs));
	assert_int_equal(agent_audit_set_sysfs_root(f->aa, f->sysfs), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	char cmd[128];
	agent_audit_free(f->aa);
	json_decref(f->cap.events);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->sysfs);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static char *load(const char *name)
{
	char path[512];
	const char *dirs[] = {"tests/data/audit", "../tests/data/audit", "../../tests/data/audit"};
	FILE *fp = NULL;
	for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && !fp; i++) {
		snprintf(path, sizeof path, "%s/%s", dirs[i], name);
		fp = fopen(path, "rb");
	}
	if (!fp)
		fail_msg("cannot open tests/data/audit/%s (run from the repository root)", name);
	fseek(fp, 0, SEEK_END);
	long n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

/* Feeds a whole file in chunks of `chunk` bytes, then flushes. */
static void feed_file(struct fx *f, const char *name, size_t chunk)
{
	char *text = load(name);
	size_t len = strlen(text);
	for (size_t off = 0; off < len; off += chunk)
		assert_int_equal(agent_audit_feed(f->aa, text + off, len - off < chunk ? len - off : chunk), 0);
	assert_int_equal(agent_audit_flush(f->aa), 0);
	free(text);
}

/* The serial of a record line, or 0. */
static unsigned long line_serial(const char *line)
{
	const char *p = strstr(line, "msg=audit(");
	const char *colon = p ? strchr(p, ':') : NULL;
	return colon ? strtoul(colon + 1, NULL, 10) : 0;
}

/* Feeds only the records whose serial is in [lo, hi], then flushes. */
static void feed_serials(struct fx *f, const char *name, unsigned long lo, unsigned long hi)
{
	char *text = load(name), *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned long s = line_serial(line);
		if (s >= lo && s <= hi) {
			assert_int_equal(agent_audit_feed(f->aa, line, strlen(line)), 0);
			assert_int_equal(agent_audit_feed(f->aa, "\n", 1), 0);
		}
	}
	assert_int_equal(agent_audit_flush(f->aa), 0);
	free(text);
}

static json_t *event(struct fx *f, const char *audit_id)
{
	size_t i;
	json_t *ev;
	json_array_foreach(f->cap.events, i, ev) {
		const char *id = json_string_value(json_object_get(ev, "audit_id"));
		if (id && strcmp(id, audit_id) == 0)
			return ev;
	}
	return NULL;
}

static json_t *must_event(struct fx *f, const char *audit_id)
{
	json_t *ev = event(f, audit_id);
	if (!ev)
		fail_msg("no event for audit(%s)", audit_id);
	return ev;
}

static const char *str(json_t *ev, const char *field)
{
	return json_string_value(json_object_get(ev, field));
}

static const char *dstr(json_t *ev, const char *field)
{
	return json_string_value(json_object_get(json_object_get(ev, "detail"), field));
}

static json_int_t num(json_t *ev, const char *field)
{
	json_t *v = json_object_get(ev, field);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static int count_kind(struct fx *f, const char *kind)
{
	size_t i;
	json_t *ev;
	int n = 0;
	json_array_foreach(f->cap.events, i, ev)
		n += strcmp(str(ev, "kind"), kind) == 0;
	return n;
}

static void assert_file_event(json_t *ev, const char *path, const char *op, const char *result)
{
	assert_string_equal(str(ev, "kind"), "file_access");
	assert_string_equal(str(ev, "path"), path);
	assert_string_equal(str(ev, "op"), op);
	assert_string_equal(str(ev, "result"), result);
}

/* ---- watched files (plugin-session.log) --------------------------------- */

/* alice (auid 1101) runs `cat /tmp/vgrec/w/secret.txt` under the watch
 * `-w /tmp/vgrec/w/ -p rwxa -k vgrec-watch`. */
static void test_watch_read_is_file_access(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	json_t *ev = must_event(f, "1795326552.966:31");
	assert_file_event(ev, "/tmp/vgrec/w/secret.txt", "read", "success");
	assert_string_equal(str(ev, "user"), "vgaud-alice");
	assert_int_equal(num(ev, "uid"), 1101);
	assert_int_equal(num(ev, "auid"), 1101);
	assert_int_equal(num(ev, "pid"), 8090);
	assert_string_equal(str(ev, "exe"), "/usr/bin/cat");
	assert_string_equal(str(ev, "key"), "vgrec-watch");
	assert_string_equal(str(ev, "host"), "ws-0042");
	assert_string_equal(dstr(ev, "syscall"), "openat");
	/* The record's time, not the time the test ran. */
	assert_string_equal(str(ev, "time"), "2026-11-22T05:49:12.966Z");
	assert_null(json_object_get(ev, "tty"));   /* tty=(none) */
	assert_int_equal(f->cap.invalid, 0);
}

/* `cd /tmp/vgrec/w && cat secret.txt`: PATH name "secret.txt", CWD gives
 * the directory. */
static void test_relative_name_joins_cwd(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	assert_file_event(must_event(f, "1795326552.970:33"), "/tmp/vgrec/w/secret.txt", "read", "success");
}

/* A mode-0600 file read by alice: EACCES is a failed access, still reported. */
static void test_denied_open_is_failure(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	json_t *ev = must_event(f, "1795326552.970:35");
	assert_file_event(ev, "/tmp/vgrec/w/root-only.txt", "read", "failure");
	assert_string_equal(dstr(ev, "error"), "EACCES");
}

/* `echo note >> notes.txt`: openat O_WRONLY|O_CREAT|O_APPEND; the path is
 * the CREATE item, not the PARENT directory. chmod is attr; mv reports the
 * source and the target; rm is a write. */
static void test_write_attr_rename_unlink(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	assert_file_event(must_event(f, "1795326552.970:36"), "/tmp/vgrec/w/notes.txt", "write", "success");
	assert_file_event(must_event(f, "1795326552.974:38"), "/tmp/vgrec/w/notes.txt", "attr", "success");
	json_t *mv = must_event(f, "1795326552.978:40");
	assert_file_event(mv, "/tmp/vgrec/w/notes.txt", "write", "success");
	assert_string_equal(dstr(mv, "target"), "/tmp/vgrec/w/notes2.txt");
	assert_string_equal(dstr(mv, "syscall"), "renameat2");
	assert_file_event(must_event(f, "1795326552.982:42"), "/tmp/vgrec/w/notes2.txt", "write", "success");
}

/* Every execve of alice (rule vigil-exec) is an exec event with argv. */
static void test_exec_has_argv(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	json_t *ev = must_event(f, "1795326552.966:30");
	assert_string_equal(str(ev, "kind"), "exec");
	assert_string_equal(str(ev, "op"), "exec");
	assert_string_equal(str(ev, "path"), "/usr/bin/cat");
	assert_string_equal(str(ev, "key"), "vigil-exec");
	json_t *argv = json_object_get(json_object_get(ev, "detail"), "argv");
	assert_int_equal(json_array_size(argv), 2);
	assert_string_equal(json_string_value(json_array_get(argv, 0)), "cat");
	assert_string_equal(json_string_value(json_array_get(argv, 1)), "/tmp/vgrec/w/secret.txt");
	/* Running a script in the watched directory: the path is the script,
	 * the exe its interpreter. */
	ev = must_event(f, "1795326552.982:43");
	assert_string_equal(str(ev, "kind"), "exec");
	assert_string_equal(str(ev, "path"), "/tmp/vgrec/w/tool.sh");
	assert_string_equal(str(ev, "exe"), "/usr/bin/dash");
	assert_string_equal(str(ev, "key"), "vgrec-watch");
}

/* The shell tries each $PATH entry: the ENOENT execve calls are noise. */
static void test_path_search_is_not_reported(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	for (int s = 10; s <= 18; s++) {
		char id[32];
		snprintf(id, sizeof id, "1795326552.958:%d", s);
		assert_null(event(f, id));
	}
	assert_non_null(event(f, "1795326552.958:19"));   /* the one that worked */
}

/* sudo and su by alice: kind privilege, user is the person (auid) even
 * when su runs as root, ruser the account switched to. */
static void test_su_and_sudo_are_privilege(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	json_t *ev = must_event(f, "1795326552.982:45");           /* sudo -u vgaud-bob id */
	assert_string_equal(str(ev, "kind"), "privilege");
	assert_string_equal(str(ev, "service"), "sudo");
	assert_string_equal(str(ev, "ruser"), "vgaud-bob");
	assert_string_equal(str(ev, "user"), "vgaud-alice");
	assert_string_equal(str(ev, "result"), "success");
	assert_string_equal(str(must_event(f, "1795326553.010:53"), "ruser"), "root");   /* sudo whoami */
	ev = must_event(f, "1795326553.022:62");                    /* su - vgaud-bob -c id */
	assert_string_equal(str(ev, "kind"), "privilege");
	assert_string_equal(str(ev, "service"), "su");
	assert_string_equal(str(ev, "ruser"), "vgaud-bob");
	assert_string_equal(str(ev, "user"), "vgaud-alice");
	assert_int_equal(num(ev, "uid"), 0);
	assert_string_equal(str(must_event(f, "1795326553.038:72"), "ruser"), "vgaud-bob");
}

/* libpam's USER_ACCT/USER_START/CRED_* records of the same sudo and su
 * runs produce nothing (pam_vigil.so reports logins), nor does LOGIN; the
 * whole session gives exactly these events. */
static void test_pam_records_and_totals(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	assert_null(event(f, "1795326553.002:46"));   /* USER_ACCT */
	assert_null(event(f, "1795326553.002:49"));   /* USER_START */
	assert_null(event(f, "1795326553.026:63"));   /* USER_AUTH */
	assert_null(event(f, "1795326553.026:65"));   /* CRED_ACQ */
	assert_null(event(f, "1795326552.958:9"));    /* LOGIN + unkeyed write */
	assert_int_equal(count_kind(f, "file_access"), 8);
	assert_int_equal(count_kind(f, "exec"), 15);
	assert_int_equal(count_kind(f, "privilege"), 4);
	assert_int_equal(count_kind(f, "agent"), 13);
	assert_int_equal(count_kind(f, "media"), 0);   /* /dev/loop0 and tmpfs */
	assert_int_equal(json_array_size(f->cap.events), 40);
	assert_int_equal(f->cap.invalid, 0);
}

/* auditctl adding and removing rules, auditd starting and stopping. */
static void test_config_change_and_daemon(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 4096);
	json_t *ev = must_event(f, "1795326547.158:4");
	assert_string_equal(str(ev, "kind"), "agent");
	assert_string_equal(dstr(ev, "action"), "audit_config_change");
	assert_string_equal(dstr(ev, "op"), "add_rule");
	assert_string_equal(dstr(ev, "key"), "vgrec-watch");
	assert_string_equal(dstr(ev, "list"), "4");
	assert_string_equal(str(ev, "exe"), "/usr/sbin/auditctl");
	assert_string_equal(str(ev, "user"), "root");    /* auid unset: uid 0 */
	assert_null(json_object_get(ev, "auid"));
	assert_string_equal(str(ev, "time"), "2026-11-22T05:49:07.158Z");
	ev = must_event(f, "1795326547.158:3");          /* -b 8192 */
	assert_string_equal(dstr(ev, "audit_backlog_limit"), "8192");
	assert_string_equal(dstr(ev, "old"), "64");
	assert_string_equal(dstr(must_event(f, "1795326557.302:82"), "op"), "remove_rule");
	ev = must_event(f, "1795326545.661:7876");
	assert_string_equal(dstr(ev, "action"), "auditd_start");
	assert_string_equal(dstr(ev, "ver"), "3.0.9");
	assert_int_equal(num(ev, "pid"), 8022);
	ev = must_event(f, "1795326558.404:7877");
	assert_string_equal(dstr(ev, "action"), "auditd_end");
	assert_string_equal(dstr(ev, "op"), "terminate");
}

/* The agent's own pid never comes back as an event. */
static void test_own_pid_is_dropped(void **state)
{
	struct fx *f = *state;
	struct agent_audit_stats st;
	agent_audit_set_self_pid(f->aa, 8090);
	feed_file(f, "plugin-session.log", 4096);
	assert_null(event(f, "1795326552.966:30"));
	assert_null(event(f, "1795326552.966:31"));
	assert_non_null(event(f, "1795326552.970:33"));
	agent_audit_get_stats(f->aa, &st);
	assert_int_equal(st.self, 2);
}

/* Lines split anywhere give the same events as whole lines. */
static void test_chunking_does_not_matter(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-session.log", 65536);
	char *whole = json_dumps(f->cap.events, JSON_SORT_KEYS);
	const size_t chunks[] = {1, 7, 113};
	for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
		json_array_clear(f->cap.events);
		feed_file(f, "plugin-session.log", chunks[i]);
		char *split = json_dumps(f->cap.events, JSON_SORT_KEYS);
		assert_string_equal(split, whole);
		free(split);
	}
	free(whole);
}

/* ---- names and directory fds (plugin-paths.log, plugin-tree.log) ------- */

/* Names with spaces arrive hex-encoded, so does a CWD with a space; "../"
 * is resolved. */
static void test_hex_names_and_dotdot(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-paths.log", 4096);
	assert_file_event(must_event(f, "1795326779.866:122"), "/tmp/vgrec/w/sub dir/report one.txt", "read",
	                  "success");
	assert_file_event(must_event(f, "1795326779.866:124"), "/tmp/vgrec/w/secret.txt", "read", "success");
	assert_int_equal(f->cap.invalid, 0);
}

/* openat2: the flags are in the OPENAT2 record (oflag=02001 is
 * O_WRONLY|O_APPEND); the second call opens "secret.txt" relative to a
 * directory fd the same process opened just before (openat of
 * /tmp/vgrec/w returned 3). */
static void test_openat2_flags_and_dirfd(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-paths.log", 4096);
	json_t *ev = must_event(f, "1795326779.866:118");
	assert_file_event(ev, "/tmp/vgrec/w/appendme", "write", "success");
	assert_string_equal(dstr(ev, "syscall"), "openat2");
	ev = must_event(f, "1795326779.866:120");
	assert_file_event(ev, "/tmp/vgrec/w/secret.txt", "read", "success");
	assert_null(dstr(ev, "unresolved"));
}

/* ln -s: the path is the link created, not the UNKNOWN item holding the
 * link's target text. mkdir, truncate, touch are writes; chown by root
 * (auid unset) is attr attributed to root. */
static void test_symlink_mkdir_chown(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-paths.log", 4096);
	assert_file_event(must_event(f, "1795326780.030:132"), "/tmp/vgrec/w/link1", "write", "success");
	assert_file_event(must_event(f, "1795326780.030:134"), "/tmp/vgrec/w/newdir", "write", "success");
	assert_file_event(must_event(f, "1795326779.874:128"), "/tmp/vgrec/w/appendme", "write", "success");
	json_t *ev = must_event(f, "1795326780.090:180");
	assert_file_event(ev, "/tmp/vgrec/w/appendme", "attr", "success");
	assert_string_equal(str(ev, "user"), "root");
	assert_null(json_object_get(ev, "auid"));
}

/* rm -r: unlinkat(4, "f") with a PARENT record whose name is not the
 * directory (the kernel logs the CWD there); the directory's inode, seen
 * when mkdir created it, gives the real path. */
static void test_rm_recursive_resolves_by_inode(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-paths.log", 4096);
	assert_file_event(must_event(f, "1795326780.034:139"), "/tmp/vgrec/w/newdir/f", "write", "success");
	assert_file_event(must_event(f, "1795326780.034:140"), "/tmp/vgrec/w/newdir", "write", "success");
}

/* A create refused by the directory's permissions: the kernel records only
 * the PARENT item, so the event is a failed write to the directory, marked
 * detail.parent (netlink-denied-create.log, from the multicast group). */
static void test_denied_create_names_the_directory(void **state)
{
	struct fx *f = *state;
	feed_file(f, "netlink-denied-create.log", 4096);
	json_t *ev = must_event(f, "1795327810.066:3480");
	assert_file_event(ev, "/tmp/vgrec/live", "write", "failure");
	assert_true(json_is_true(json_object_get(json_object_get(ev, "detail"), "parent")));
	assert_string_equal(dstr(ev, "error"), "EACCES");
	assert_null(json_object_get(ev, "auid"));        /* a process without a login */
	assert_string_equal(str(ev, "user"), "vgaud-alice");
}

/* Executing a file without the x bit: a failed exec, reported. */
static void test_denied_exec(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-paths.log", 4096);
	json_t *ev = must_event(f, "1795326780.034:143");
	assert_string_equal(str(ev, "kind"), "exec");
	assert_string_equal(str(ev, "path"), "/tmp/vgrec/w/noexec.sh");
	assert_string_equal(str(ev, "result"), "failure");
	assert_string_equal(dstr(ev, "error"), "EACCES");
}

static void test_privilege_command_lines(void **state)
{
	struct fx *f = *state;
	feed_file(f, "plugin-paths.log", 4096);
	assert_string_equal(str(must_event(f, "1795326780.034:144"), "ruser"), "vgaud-bob"); /* sudo -i -u */
	assert_string_equal(str(must_event(f, "1795326780.058:153"), "ruser"), "vgaud-bob"); /* --user= */
	assert_string_equal(str(must_event(f, "1795326780.070:162"), "ruser"), "root");      /* su -c true */
	assert_string_equal(str(must_event(f, "1795326780.078:170"), "ruser"), "vgaud-bob"); /* su -l -s */
}

/* tar walks the tree with openat(dirfd, "name"): only the tar records are
 * fed, so every path comes from the directory fds tar opened itself; find
 * -delete unlinks through a dup'ed fd and is resolved by the parent's
 * inode. */
static void test_tar_walk_through_directory_fds(void **state)
{
	struct fx *f = *state;
	struct agent_audit_stats st;
	feed_serials(f, "plugin-tree.log", 196, 202);
	assert_file_event(must_event(f, "1795326827.430:196"), "/tmp/vgrec/w", "read", "success");
	assert_file_event(must_event(f, "1795326827.430:197"), "/tmp/vgrec/w/proj", "read", "success");
	assert_file_event(must_event(f, "1795326827.434:198"), "/tmp/vgrec/w/proj/deep", "read", "success");
	assert_file_event(must_event(f, "1795326827.434:199"), "/tmp/vgrec/w/proj/deep/plan.txt", "read",
	                  "success");
	assert_file_event(must_event(f, "1795326827.434:200"), "/tmp/vgrec/w/proj/budget.txt", "read",
	                  "success");
	assert_file_event(must_event(f, "1795326827.434:202"), "/tmp/vgrec/w/proj/deep/plan.txt", "write",
	                  "success");
	agent_audit_get_stats(f->aa, &st);
	assert_int_equal(st.unresolved, 0);
}

/* Without the records that opened the directory the path is unknown: the
 * bare name, marked unresolved, never a guess from the CWD. */
static void test_unknown_directory_fd_is_marked(void **state)
{
	struct fx *f = *state;
	struct agent_audit_stats st;
	feed_serials(f, "plugin-tree.log", 199, 199);
	json_t *ev = must_event(f, "1795326827.434:199");
	assert_string_equal(str(ev, "path"), "plan.txt");
	assert_non_null(dstr(ev, "unresolved"));
	agent_audit_get_stats(f->aa, &st);
	assert_int_equal(st.unresolved, 1);
	assert_int_equal(f->cap.invalid, 0);
}

/* ---- removable media ---------------------------------------------------- */

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* sysroot/dev/block/8:17 -> sysroot/devices/<bus>/block/sdb/sdb1, with
 * sdb/removable = flag. */
static void fake_disk(const char *sysroot, const char *bus, const char *flag)
{
	char cmd[1024], path[512];
	snprintf(cmd, sizeof cmd,
	         "mkdir -p '%s/dev/block' '%s/devices/%s/block/sdb/sdb1' && "
	         "ln -sfn '%s/devices/%s/block/sdb/sdb1' '%s/dev/block/8:17'",
	         sysroot, sysroot, bus, sysroot, bus, sysroot);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof path, "%s/devices/%s/block/sdb/removable", sysroot, bus);
	write_file(path, flag);
}

/* mount /dev/sdb1 /tmp/vgrec/mnt where sysfs knows nothing of the device:
 * judged by its name. */
static void test_media_by_device_name(void **state)
{
	struct fx *f = *state;
	feed_file(f, "media-sdb1.log", 4096);
	json_t *ev = must_event(f, "1795326553.058:80");
	assert_string_equal(str(ev, "kind"), "media");
	assert_string_equal(str(ev, "path"), "/tmp/vgrec/mnt");
	assert_string_equal(str(ev, "op"), "mount");
	assert_string_equal(dstr(ev, "source"), "/dev/sdb1");
	assert_string_equal(dstr(ev, "removable"), "name");
	assert_string_equal(str(ev, "key"), "vigil-media");
	assert_int_equal(f->cap.invalid, 0);
}

/* sysfs decides when it knows the device: removable=1, or a disk on USB
 * (which often says removable=0); an internal disk is not media. */
static void test_media_by_sysfs(void **state)
{
	struct fx *f = *state;
	fake_disk(f->sysfs, "pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0", "1\n");
	feed_file(f, "media-sdb1.log", 4096);
	assert_string_equal(dstr(must_event(f, "1795326553.058:80"), "removable"), "sysfs");

	json_array_clear(f->cap.events);
	fake_disk(f->sysfs, "pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/host6/target6:0:0/6:0:0:0", "0\n");
	feed_file(f, "media-sdb1.log", 4096);
	assert_string_equal(dstr(must_event(f, "1795326553.058:80"), "removable"), "usb");

	json_array_clear(f->cap.events);
	fake_disk(f->sysfs, "pci0000:00/0000:00:1f.2/ata2/host1/target1:0:0/1:0:0:0", "0\n");
	feed_file(f, "media-sdb1.log", 4096);
	assert_null(event(f, "1795326553.058:80"));
}

/* ---- netlink ------------------------------------------------------------ */

/* Sends one record as the kernel does: nlmsg_len counts the payload and its
 * NUL, unpadded. */
static void send_record(int fd, int type, const char *payload)
{
	char buf[MAX_AUDIT_MESSAGE_LENGTH + 64];
	size_t plen = strlen(payload) + 1;
	struct nlmsghdr nh = {.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + plen), .nlmsg_type = (uint16_t)type};
	memset(buf, 0, sizeof buf);
	memcpy(buf, &nh, sizeof nh);
	memcpy(buf + NLMSG_HDRLEN, payload, plen);
	assert_int_equal(send(fd, buf, nh.nlmsg_len, 0), (ssize_t)nh.nlmsg_len);
}

/* netlink-session.log is what the multicast group delivered during the
 * same session as plugin-session.log, one "type=NAME msg=PAYLOAD" line per
 * message. Replayed through a datagram socket it gives the same events as
 * the plugin input, except auditd's own DAEMON_* records, which only auditd
 * writes, and the kernel's CONFIG_CHANGE for auditd registering, which
 * auditd consumes. */
static void test_netlink_messages(void **state)
{
	struct fx *f = *state;
	int sv[2], sent = 0, fed = 0;
	char *text = load("netlink-session.log"), *save = NULL;

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		const char *msg = strstr(line, " msg=");
		assert_non_null(msg);
		assert_true(sscanf(line, "type=%63[^ ]", name) == 1);
		int type = audit_name_to_msg_type(name);
		assert_true(type > 0);
		send_record(sv[1], type, msg + 5);
		if (++sent % 50 == 0) {
			int n = agent_audit_netlink_read(f->aa, sv[0]);
			assert_true(n >= 0);
			fed += n;
		}
	}
	int n;
	while ((n = agent_audit_netlink_read(f->aa, sv[0])) > 0)
		fed += n;
	assert_int_equal(n, 0);
	assert_int_equal(fed, sent);
	/* The last record (auditctl -e 0) has no EOE: only the end of input
	 * (or age) completes it. */
	assert_null(event(f, "1795326560.906:88"));
	assert_int_equal(agent_audit_flush(f->aa), 0);
	json_t *ev = must_event(f, "1795326560.906:88");
	assert_string_equal(dstr(ev, "action"), "audit_config_change");
	assert_string_equal(dstr(ev, "audit_enabled"), "0");

	assert_file_event(must_event(f, "1795326552.966:31"), "/tmp/vgrec/w/secret.txt", "read", "success");
	assert_string_equal(str(must_event(f, "1795326552.982:45"), "ruser"), "vgaud-bob");
	assert_int_equal(count_kind(f, "file_access"), 8);
	assert_int_equal(count_kind(f, "exec"), 15);
	assert_int_equal(count_kind(f, "privilege"), 4);
	assert_null(event(f, "1795326545.661:7876"));    /* DAEMON_START: auditd only */
	assert_int_equal(f->cap.invalid, 0);
	close(sv[0]);
	close(sv[1]);
	free(text);
}

/* Several messages in one datagram, each padded to NLMSG_ALIGN but the
 * last (an EOE of odd length); netlink control messages are skipped. */
static void test_netlink_packed_datagram(void **state)
{
	struct fx *f = *state;
	int sv[2];
	char buf[2048];
	const char *rec = "audit(1795326552.966:31): arch=c000003e syscall=257 success=yes exit=3 "
	                  "a0=ffffff9c a1=7ffda8b90a7f a2=0 a3=0 items=1 ppid=8089 pid=8090 auid=1101 "
	                  "uid=1101 gid=1101 euid=1101 suid=1101 fsuid=1101 egid=1101 sgid=1101 "
	                  "fsgid=1101 tty=(none) ses=1 comm=\"cat\" exe=\"/usr/bin/cat\" key=\"vgrec-watch\"";
	const char *cwd = "audit(1795326552.966:31): cwd=\"/tmp/vgrec\"";
	const char *path = "audit(1795326552.966:31): item=0 name=\"/tmp/vgrec/w/secret.txt\" inode=10953200 "
	                   "dev=fe:00 mode=0100644 ouid=0 ogid=0 rdev=00:00 nametype=NORMAL cap_fp=0 "
	                   "cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0";
	const char *eoe = "audit(1795326552.966:31): ";
	const struct { int type; const char *p; } msgs[] = {
		{NLMSG_NOOP, ""}, {AUDIT_SYSCALL, rec}, {AUDIT_CWD, cwd}, {AUDIT_PATH, path}, {AUDIT_EOE, eoe},
	};
	size_t off = 0;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	memset(buf, 0, sizeof buf);
	for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++) {
		size_t plen = strlen(msgs[i].p) + 1;
		struct nlmsghdr nh = {.nlmsg_len = (uint32_t)(NLMSG_HDRLEN + plen), .nlmsg_type = (uint16_t)msgs[i].type};
		off = NLMSG_ALIGN(off);
		memcpy(buf + off, &nh, sizeof nh);
		memcpy(buf + off + NLMSG_HDRLEN, msgs[i].p, plen);
		off += nh.nlmsg_len;
	}
	assert_true(off % 4 != 0);          /* the EOE ends unaligned */
	assert_int_equal(send(sv[1], buf, off, 0), (ssize_t)off);
	assert_int_equal(agent_audit_netlink_read(f->aa, sv[0]), 4);
	/* auparse hands over an event ended by EOE when it reads the next
	 * line, or at the periodic tick; no flush is needed. */
	agent_audit_tick(f->aa);
	assert_file_event(must_event(f, "1795326552.966:31"), "/tmp/vgrec/w/secret.txt", "read", "success");
	close(sv[0]);
	close(sv[1]);
}

/* An event whose EOE never comes is completed by the periodic tick once it
 * is older than auparse's timeout. */
static void test_tick_completes_events_without_eoe(void **state)
{
	struct fx *f = *state;
	const char *rec = "type=CONFIG_CHANGE msg=audit(1795326560.906:88): op=set audit_enabled=0 old=1 "
	                  "auid=4294967295 ses=4294967295 res=1\n";
	if (time(NULL) < 1795326560 + 5)
		skip();                     /* a clock before the recording */
	assert_int_equal(agent_audit_feed(f->aa, rec, strlen(rec)), 0);
	assert_null(event(f, "1795326560.906:88"));
	agent_audit_tick(f->aa);
	assert_non_null(event(f, "1795326560.906:88"));
}

/* ---- kernel status -------------------------------------------------------- */

static void test_lost_counter_and_enabled_flag(void **state)
{
	struct fx *f = *state;
	struct agent_audit_kstatus st = {.enabled = 1, .lost = 7, .backlog_limit = 8192};

	/* The first status is the baseline. */
	assert_int_equal(agent_audit_status_update(f->aa, &st, 1795326600000LL), 0);
	assert_int_equal(agent_audit_status_update(f->aa, &st, 1795326605000LL), 0);
	st.lost = 12;
	st.backlog = 8192;
	assert_int_equal(agent_audit_status_update(f->aa, &st, 1795326610000LL), 1);
	json_t *ev = json_array_get(f->cap.events, 0);
	assert_string_equal(str(ev, "kind"), "agent");
	assert_string_equal(dstr(ev, "action"), "audit_loss");
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "detail"), "lost")), 5);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "detail"), "lost_total")), 12);
	assert_string_equal(str(ev, "time"), "2026-11-22T05:50:10.000Z");
	st.enabled = 0;
	assert_int_equal(agent_audit_status_update(f->aa, &st, 1795326615000LL), 1);
	assert_string_equal(dstr(json_array_get(f->cap.events, 1), "action"), "audit_disabled");
	assert_int_equal(agent_audit_status_update(f->aa, &st, 1795326620000LL), 0);
	st.enabled = 1;
	assert_int_equal(agent_audit_status_update(f->aa, &st, 1795326625000LL), 1);
	assert_string_equal(dstr(json_array_get(f->cap.events, 2), "action"), "audit_enabled");
	assert_int_equal(f->cap.invalid, 0);
}

static void test_disabled_at_start_is_reported(void **state)
{
	struct fx *f = *state;
	struct agent_audit_kstatus st = {.enabled = 0};
	assert_int_equal(agent_audit_status_update(f->aa, &st, 1795326600000LL), 1);
	assert_string_equal(dstr(json_array_get(f->cap.events, 0), "action"), "audit_disabled");
}

/* ---- argv bounds (derived from the `cat` execve of plugin-session.log) --- */

static void test_argv_chunks_and_bounds(void **state)
{
	struct fx *f = *state;
	char *text = load("plugin-session.log"), *save = NULL;
	char execve[16384];
	size_t n = 0;

	/* 70 arguments; a1 comes in two chunks (a1_len, a1[0], a1[1]) as the
	 * kernel writes long arguments. */
	n += (size_t)snprintf(execve + n, sizeof execve - n,
	                      "type=EXECVE msg=audit(1795326552.966:30): argc=70 a0=\"cat\" a1_len=8 "
	                      "a1[0]=\"/tmp\" a1[1]=2F782079");
	for (int i = 2; i < 70; i++)
		n += (size_t)snprintf(execve + n, sizeof execve - n, " a%d=\"x%d\"", i, i);
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line_serial(line) != 30 || !strstr(line, "1795326552.966:30"))
			continue;
		const char *use = strncmp(line, "type=EXECVE", 11) == 0 ? execve : line;
		assert_int_equal(agent_audit_feed(f->aa, use, strlen(use)), 0);
		assert_int_equal(agent_audit_feed(f->aa, "\n", 1), 0);
	}
	assert_int_equal(agent_audit_flush(f->aa), 0);
	json_t *ev = must_event(f, "1795326552.966:30");
	json_t *d = json_object_get(ev, "detail");
	json_t *argv = json_object_get(d, "argv");
	assert_int_equal(json_integer_value(json_object_get(d, "argc")), 70);
	assert_int_equal(json_array_size(argv), 64);
	assert_string_equal(json_string_value(json_array_get(argv, 1)), "/tmp/x y");
	assert_string_equal(json_string_value(json_array_get(argv, 63)), "x63");
	assert_true(json_is_true(json_object_get(d, "argv_truncated")));
	free(text);
}

/* ---- helpers -------------------------------------------------------------- */

static void test_decode(void **state)
{
	(void)state;
	char out[64];
	assert_int_equal(agent_audit_decode("\"/usr/bin/cat\"", out, sizeof out), 12);
	assert_string_equal(out, "/usr/bin/cat");
	assert_int_equal(agent_audit_decode("2F746D702F6120622E747874", out, sizeof out), 12);
	assert_string_equal(out, "/tmp/a b.txt");
	assert_int_equal(agent_audit_decode("(null)", out, sizeof out), -1);
	assert_int_equal(agent_audit_decode("(none)", out, sizeof out), -1);
	assert_int_equal(agent_audit_decode("pts0", out, sizeof out), 4);
	assert_string_equal(out, "pts0");
	assert_int_equal(agent_audit_decode("\"abcdef\"", out, 4), 3);   /* truncated */
	assert_string_equal(out, "abc");
}

static void test_sanitize(void **state)
{
	(void)state;
	char out[64];
	assert_string_equal(agent_audit_sanitize("a\nb\x7f", 4, out, sizeof out), "a\\x0ab\\x7f");
	assert_string_equal(agent_audit_sanitize("caf\xc3\xa9", 5, out, sizeof out), "caf\xc3\xa9");
	assert_string_equal(agent_audit_sanitize("\xff\xc3", 2, out, sizeof out), "\\xff\\xc3");
	assert_string_equal(agent_audit_sanitize("\xed\xa0\x80", 3, out, sizeof out), "\\xed\\xa0\\x80");
	/* Truncation never splits an escape or a character. */
	assert_string_equal(agent_audit_sanitize("ab\n", 3, out, 5), "ab");
	assert_string_equal(agent_audit_sanitize("a\xc3\xa9", 3, out, 3), "a");
}

static void test_path_join(void **state)
{
	(void)state;
	char out[128];
	const struct { const char *base, *name, *want; } cases[] = {
		{"/tmp/vgrec/w", "secret.txt", "/tmp/vgrec/w/secret.txt"},
		{"/tmp/vgrec/w/sub dir", "../secret.txt", "/tmp/vgrec/w/secret.txt"},
		{"/ignored", "/srv//falcon/./a/../b", "/srv/falcon/b"},
		{"/", "../../etc/passwd", "/etc/passwd"},
		{"/srv/falcon/", "", "/srv/falcon"},
		{NULL, "a/../../b", "../b"},
		{NULL, "../../x", "../../x"},
		{NULL, "a/..", "."},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(agent_audit_path_join(cases[i].base, cases[i].name, out, sizeof out), 0);
		assert_string_equal(out, cases[i].want);
	}
	assert_int_equal(agent_audit_path_join("/a", "bcdefgh", out, 5), -1);
}

static void test_priv_target(void **state)
{
	(void)state;
	const struct { const char *service; const char *argv[8]; const char *want; } cases[] = {
		{"su", {"su", NULL}, "root"},
		{"su", {"su", "-", "bob", NULL}, "bob"},
		{"su", {"su", "-l", "bob", "-c", "id", NULL}, "bob"},
		{"su", {"su", "-c", "id", NULL}, "root"},
		{"su", {"su", "-s", "/bin/sh", "bob", NULL}, "bob"},
		{"su", {"su", "--command=id", "bob", NULL}, "bob"},
		{"su", {"su", "--", "bob", NULL}, "bob"},
		{"sudo", {"sudo", "whoami", NULL}, "root"},
		{"sudo", {"sudo", "-u", "bob", "id", NULL}, "bob"},
		{"sudo", {"sudo", "-ubob", "id", NULL}, "bob"},
		{"sudo", {"sudo", "-iu", "bob", NULL}, "bob"},
		{"sudo", {"sudo", "--user=bob", "--", "id", NULL}, "bob"},
		{"sudo", {"sudo", "-n", "-g", "wheel", "id", NULL}, "root"},
		{"sudo", {"sudo", "id", "-u", "bob", NULL}, "root"},   /* -u belongs to id */
		{"sudo", {"sudo", "-l", NULL}, NULL},
		{"sudo", {"sudo", "-v", NULL}, NULL},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int argc = 0;
		while (cases[i].argv[argc])
			argc++;
		const char *got = agent_audit_priv_target(cases[i].service, argc, (char *const *)cases[i].argv);
		if (!cases[i].want)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].want);
	}
}

static void test_open_flags(void **state)
{
	(void)state;
	assert_false(agent_audit_open_writes(O_RDONLY));
	assert_false(agent_audit_open_writes(O_RDONLY | O_DIRECTORY | O_CLOEXEC));
	assert_true(agent_audit_open_writes(O_WRONLY));
	assert_true(agent_audit_open_writes(O_RDWR));
	assert_true(agent_audit_open_writes(O_RDONLY | O_CREAT));
	assert_true(agent_audit_open_writes(O_RDONLY | O_TRUNC));
	assert_true(agent_audit_open_writes(0x441));          /* the recorded a2 of `>>` */
}

/* Inputs the fuzzer found (tests/data/fuzz-regress/audit_text): timestamps
 * past year 9999 or large enough to overflow milliseconds are no kernel
 * time; they produce no event rather than one the collector would refuse. */
static void test_impossible_timestamps_make_no_event(void **state)
{
	struct fx *f = *state;
	feed_file(f, "../fuzz-regress/audit_text/stamp-after-year-9999", 64);
	feed_file(f, "../fuzz-regress/audit_text/stamp-ms-overflow", 64);
	assert_int_equal(f->cap.invalid, 0);
	assert_int_equal(json_array_size(f->cap.events), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_watch_read_is_file_access, setup, teardown),
		cmocka_unit_test_setup_teardown(test_impossible_timestamps_make_no_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_relative_name_joins_cwd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_open_is_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_attr_rename_unlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exec_has_argv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_path_search_is_not_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_su_and_sudo_are_privilege, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pam_records_and_totals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_change_and_daemon, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_pid_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chunking_does_not_matter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hex_names_and_dotdot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openat2_flags_and_dirfd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symlink_mkdir_chown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_recursive_resolves_by_inode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_create_names_the_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_denied_exec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_privilege_command_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tar_walk_through_directory_fds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_directory_fd_is_marked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_media_by_device_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_media_by_sysfs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netlink_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_netlink_packed_datagram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tick_completes_events_without_eoe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_counter_and_enabled_flag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_at_start_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_argv_chunks_and_bounds, setup, teardown),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_path_join),
		cmocka_unit_test(test_priv_target),
		cmocka_unit_test(test_open_flags),
	};
	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
