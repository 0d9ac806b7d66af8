/*
 * agent_audit: audit intake and normalisation.
 *
 * Text (plugin stdin) and netlink records both go through one auparse
 * instance in AUSOURCE_FEED mode; its EVENT_READY callback (on_event) reads
 * the records of one event into struct rec, then one builder turns it into
 * at most one schema v1 event. Field values are read raw and decoded here
 * (agent_audit_decode), not through auparse's interpretation buffers, so the
 * meaning does not depend on auparse's escape mode or on the enriched part of
 * auditd's log format.
 *
 * Paths: a relative name is joined to the CWD record, except when the
 * syscall named a directory fd (openat(fd, "x"), as tar, find and rm -r do).
 * For those the intake remembers which directory each audited directory fd
 * and each audited directory inode stands for (struct path_memory) and
 * resolves through that; what stays unknown is reported as the bare name
 * with detail.unresolved, never guessed from the CWD.
 */
#include "agent_audit.h"
#include "agent_event.h"
#include "vg_log.h"
#include "vg_time.h"

#include <auparse.h>
#include <errno.h>
#include <fcntl.h>
#include <libaudit.h>
#include <limits.h>
#include <linux/netlink.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_ITEMS 16           /* PATH records used per event */
#define MAX_ARGS 64            /* argv entries kept */
#define ARG_BYTES 1024         /* bytes kept of one argument */
#define ARGV_BYTES 8192        /* bytes kept of all arguments */
#define MAX_DETAIL_FIELDS 32   /* fields copied from CONFIG_CHANGE/DAEMON_* */
#define DETAIL_VALUE_BYTES 256
#define UCACHE_SIZE 64
#define UCACHE_TTL_MS 600000   /* names are looked up again after 10 min */
#define UCACHE_MISS_TTL_MS 60000
#define INO_SLOTS 1024
#define FD_SLOTS 256
#define MEMORY_TTL_MS 600000   /* remembered directories expire (event time) */
#define AT_FDCWD_32 0xffffff9cUL
#define UID_UNSET 4294967295LL
#define NO_ID VG_EVENT_NO_ID
#define PATH_BUF (VG_EVENT_MAX_PATH + 1)

enum nametype { NT_UNKNOWN, NT_NORMAL, NT_PARENT, NT_CREATE, NT_DELETE };

struct item {                  /* one PATH record */
	const char *name;      /* raw, as auparse holds it */
	enum nametype nametype;
	bool have_mode, have_ino, have_rdev;
	unsigned long mode;
	uint64_t dev, ino;
	unsigned rdev_major, rdev_minor;
};

struct rec {                   /* the records of one event */
	int64_t time_ms;
	char audit_id[48];
	bool has_syscall, pam, config_change;
	int daemon_type;       /* AUDIT_DAEMON_* or 0 */
	/* SYSCALL */
	unsigned long arch;
	long nr;
	bool have_nr, have_success, success, have_exit;
	long long exit;
	unsigned long a[4];
	bool have_a[4];
	int64_t pid, ppid, uid, euid, auid, ses;
	const char *exe, *comm, *key, *tty;
	const char *cwd;
	struct item items[MAX_ITEMS];
	int nitems;
	bool have_oflag;       /* OPENAT2 */
	unsigned long oflag;
	/* EXECVE */
	int argc;              /* from the record; may exceed nargs */
	int nargs;
	bool args_truncated, skip_arg;
	char *argv[MAX_ARGS];
	char argstore[ARGV_BYTES];
	size_t argused;
	int cur_arg;           /* argument being assembled from chunks */
	/* CONFIG_CHANGE / DAEMON_*: their fields, decoded */
	json_t *fields;
	int64_t rec_pid, rec_uid, rec_auid;
};

struct ucache_entry {
	uint32_t uid;
	bool used, found;
	int64_t expires;       /* monotonic ms */
	char name[256];
};

struct ino_entry {
	uint64_t dev, ino;
	int64_t time_ms;
	char *path;
};

struct fd_entry {
	int64_t pid;
	int fd;
	int64_t time_ms;
	char *path;
};

struct agent_audit {
	auparse_state_t *au;
	agent_audit_sink_fn sink;
	void *sink_ctx;
	agent_audit_user_fn user_fn;
	void *user_ctx;
	char *host;
	char *sysfs;
	pid_t self;
	int ctl_fd;                    /* audit control socket or -1 */
	bool excluded;                 /* our never rule is installed */
	int64_t next_status_ns;
	bool have_status, status_failing;
	uint32_t last_lost, last_enabled;
	struct agent_audit_stats st;
	struct rec rec;
	struct ucache_entry ucache[UCACHE_SIZE];
	struct ino_entry inos[INO_SLOTS];
	struct fd_entry fds[FD_SLOTS];
	char line[MAX_AUDIT_MESSAGE_LENGTH + 128];
	_Alignas(struct nlmsghdr) char nlbuf[MAX_AUDIT_MESSAGE_LENGTH + 1024];
};

/* 9999-12-31T23:59:59Z, the last second event time can express. */
#define AGENT_AUDIT_MAX_SEC 253402300799LL

static void on_event(auparse_state_t *au, auparse_cb_event_t type, void *user);
static bool name_in(const char *name, const char *const *list);

/* ---- lifecycle ------------------------------------------------------------ */

struct agent_audit *agent_audit_new_with_sink(agent_audit_sink_fn sink, void *ctx)
{
	struct agent_audit *aa = calloc(1, sizeof *aa);
	if (!aa)
		return NULL;
	aa->sink = sink;
	aa->sink_ctx = ctx;
	aa->ctl_fd = -1;
	if (!(aa->sysfs = strdup("/sys")) || !(aa->au = auparse_init(AUSOURCE_FEED, NULL))) {
		free(aa->sysfs);
		free(aa);
		return NULL;
	}
	auparse_add_callback(aa->au, on_event, aa, NULL);
	return aa;
}

void agent_audit_free(struct agent_audit *aa)
{
	if (!aa)
		return;
	if (aa->ctl_fd >= 0) {
		if (aa->excluded)
			agent_audit_exclude_self_remove(aa->ctl_fd, aa->self);
		audit_close(aa->ctl_fd);
	}
	auparse_destroy(aa->au);
	for (int i = 0; i < INO_SLOTS; i++)
		free(aa->inos[i].path);
	for (int i = 0; i < FD_SLOTS; i++)
		free(aa->fds[i].path);
	json_decref(aa->rec.fields);
	free(aa->host);
	free(aa->sysfs);
	free(aa);
}

static int replace_str(char **dst, const char *value)
{
	char *copy = NULL;
	if (value && !(copy = strdup(value)))
		return -1;
	free(*dst);
	*dst = copy;
	return 0;
}

int agent_audit_set_host(struct agent_audit *aa, const char *host)
{
	return replace_str(&aa->host, host);
}

void agent_audit_set_self_pid(struct agent_audit *aa, pid_t pid)
{
	aa->self = pid;
}

void agent_audit_set_user_lookup(struct agent_audit *aa, agent_audit_user_fn fn, void *ctx)
{
	aa->user_fn = fn;
	aa->user_ctx = ctx;
	memset(aa->ucache, 0, sizeof aa->ucache);
}

int agent_audit_set_sysfs_root(struct agent_audit *aa, const char *dir)
{
	return replace_str(&aa->sysfs, dir ? dir : "/sys");
}

int agent_audit_attach_kernel(struct agent_audit *aa)
{
	int fd, rc;

	if (aa->ctl_fd >= 0)
		return 0;
	if ((fd = audit_open()) < 0)
		return errno ? -errno : -EPERM;
	aa->ctl_fd = fd;
	aa->next_status_ns = vg_time_mono_ns();
	if (aa->self > 0) {
		if ((rc = agent_audit_exclude_self(fd, aa->self)) < 0) {
			vg_warn("audit: cannot install the kernel rule excluding pid %ld (%s%s): its "
			        "records are dropped in user space only", (long)aa->self, strerror(-rc),
			        rc == -EPERM ? "; is the audit configuration locked, enabled 2?" : "");
			return 1;
		}
		aa->excluded = true;
	}
	return 0;
}

void agent_audit_get_stats(const struct agent_audit *aa, struct agent_audit_stats *st)
{
	*st = aa->st;
}

/* ---- input ---------------------------------------------------------------- */

int agent_audit_feed(struct agent_audit *aa, const char *data, size_t len)
{
	for (const char *p = data, *end = data + len; p < end && (p = memchr(p, '\n', (size_t)(end - p)));
	     p++)
		aa->st.records++;
	return auparse_feed(aa->au, data, len) < 0 ? -1 : 0;
}

int agent_audit_flush(struct agent_audit *aa)
{
	return auparse_flush_feed(aa->au) < 0 ? -1 : 0;
}

void agent_audit_tick(struct agent_audit *aa)
{
	auparse_feed_age_events(aa->au);
	if (aa->ctl_fd >= 0 && vg_time_mono_ns() >= aa->next_status_ns) {
		aa->next_status_ns = vg_time_mono_ns() + AGENT_AUDIT_STATUS_EVERY_S * 1000000000LL;
		int rc = agent_audit_check_lost(aa, aa->ctl_fd);
		if (rc < 0 && !aa->status_failing)
			vg_warn("audit: kernel status unavailable, losses cannot be seen: %s", strerror(-rc));
		else if (rc == 0 && aa->status_failing)
			vg_info("audit: kernel status available again");
		aa->status_failing = rc < 0;
	}
}

/* One netlink record: "type=NAME msg=" + payload, as auditd would write it. */
static int feed_netlink_record(struct agent_audit *aa, int type, const char *payload, size_t plen)
{
	const char *name = audit_msg_type_to_name(type);
	char unknown[32];
	int n;

	plen = strnlen(payload, plen);
	if (!name) {
		snprintf(unknown, sizeof unknown, "UNKNOWN[%d]", type);
		name = unknown;
	}
	n = snprintf(aa->line, sizeof aa->line, "type=%s msg=", name);
	if (n < 0 || (size_t)n + plen + 2 > sizeof aa->line)
		plen = sizeof aa->line - (size_t)n - 2;
	memcpy(aa->line + n, payload, plen);
	/* The kernel never puts newlines in a record; make sure auparse's line
	 * splitting cannot be fooled if one ever does. */
	for (size_t i = 0; i < plen; i++)
		if (aa->line[n + i] == '\n')
			aa->line[n + i] = ' ';
	aa->line[n + plen] = '\n';
	aa->st.records++;
	return auparse_feed(aa->au, aa->line, (size_t)n + plen + 1);
}

/* A datagram may hold several netlink messages. The kernel sets nlmsg_len
 * of EOE (and other short records) to the unpadded length, so the last
 * message can end before its NLMSG_ALIGN boundary: never step past n. */
static int feed_datagram(struct agent_audit *aa, const char *buf, size_t n)
{
	size_t off = 0;
	int fed = 0;

	while (n - off >= NLMSG_HDRLEN) {
		struct nlmsghdr nh;
		memcpy(&nh, buf + off, sizeof nh);
		size_t len = nh.nlmsg_len;
		if (len < NLMSG_HDRLEN)
			break;
		if (len > n - off)
			len = n - off;
		/* Below 1000 is netlink's own control traffic (NLMSG_*). */
		if (nh.nlmsg_type >= AUDIT_GET) {
			if (feed_netlink_record(aa, nh.nlmsg_type, buf + off + NLMSG_HDRLEN,
			                        len - NLMSG_HDRLEN) == 0)
				fed++;
		}
		size_t next = NLMSG_ALIGN(len);
		if (next > n - off)
			break;
		off += next;
	}
	return fed;
}

static json_t *agent_event(struct agent_audit *aa, int64_t time_ms, const char *action);
static void deliver(struct agent_audit *aa, json_t *ev);

int agent_audit_netlink_read(struct agent_audit *aa, int fd)
{
	char *buf = aa->nlbuf;
	int fed = 0, overruns = 0;

	for (int i = 0; i < AGENT_AUDIT_NETLINK_BATCH; i++) {
		struct sockaddr_nl from;
		socklen_t flen = sizeof from;
		memset(&from, 0, sizeof from);
		ssize_t n = recvfrom(fd, buf, sizeof aa->nlbuf, MSG_DONTWAIT, (struct sockaddr *)&from, &flen);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* The kernel dropped records for us; the socket
				 * stays usable. */
				overruns++;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				vg_err("audit netlink: %s", strerror(errno));
				fed = -1;
			}
			break;
		}
		/* Only the kernel (port 0) speaks on the multicast group; a
		 * privileged process could send there too. */
		if (flen >= sizeof from && from.nl_family == AF_NETLINK && from.nl_pid != 0)
			continue;
		fed += feed_datagram(aa, buf, (size_t)n);
	}
	if (overruns) {
		aa->st.overruns += (uint64_t)overruns;
		vg_warn("audit netlink: receive queue overrun (%d), records were lost", overruns);
		json_t *ev = agent_event(aa, vg_time_now(), "audit_netlink_overrun");
		if (ev && agent_event_detail_int(ev, "count", overruns) == 0 &&
		    agent_event_detail(ev, "message", "the kernel dropped audit records the agent "
		                                      "did not read in time") == 0)
			deliver(aa, ev);
		else
			json_decref(ev);
	}
	return fed;
}

/* ---- event output --------------------------------------------------------- */

static void deliver(struct agent_audit *aa, json_t *ev)
{
	if (!aa->sink) {
		json_decref(ev);
		return;
	}
	if (aa->sink(aa->sink_ctx, ev) < 0)
		aa->st.sink_failed++;
	else
		aa->st.emitted++;
}

static json_t *agent_event(struct agent_audit *aa, int64_t time_ms, const char *action)
{
	json_t *ev = agent_event_new(VG_KIND_AGENT, time_ms, aa->host);
	if (ev && agent_event_detail(ev, "action", action) < 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

int agent_audit_status_update(struct agent_audit *aa, const struct agent_audit_kstatus *st,
                              int64_t time_ms)
{
	int emitted = 0;
	json_t *ev;

	if (aa->have_status && st->lost > aa->last_lost) {
		uint32_t delta = st->lost - aa->last_lost;
		vg_warn("audit: the kernel lost %u records (%u in total)", delta, st->lost);
		if ((ev = agent_event(aa, time_ms, "audit_loss")) &&
		    agent_event_detail_int(ev, "lost", delta) == 0 &&
		    agent_event_detail_int(ev, "lost_total", st->lost) == 0 &&
		    agent_event_detail_int(ev, "backlog", st->backlog) == 0 &&
		    agent_event_detail_int(ev, "backlog_limit", st->backlog_limit) == 0) {
			deliver(aa, ev);
			emitted++;
		} else {
			json_decref(ev);
		}
	}
	if ((!aa->have_status || aa->last_enabled) && !st->enabled) {
		if ((ev = agent_event(aa, time_ms, "audit_disabled")) &&
		    agent_event_detail(ev, "message", "kernel auditing is switched off") == 0) {
			deliver(aa, ev);
			emitted++;
		} else {
			json_decref(ev);
		}
	} else if (aa->have_status && !aa->last_enabled && st->enabled) {
		if ((ev = agent_event(aa, time_ms, "audit_enabled"))) {
			deliver(aa, ev);
			emitted++;
		}
	}
	/* A lower counter than before (never seen in practice) is a new baseline. */
	aa->last_lost = st->lost;
	aa->last_enabled = st->enabled;
	aa->have_status = true;
	return emitted;
}

int agent_audit_check_lost(struct agent_audit *aa, int audit_fd)
{
	struct agent_audit_kstatus st;
	int rc = agent_audit_kernel_status(audit_fd, &st, 1000);
	if (rc < 0)
		return rc;
	agent_audit_status_update(aa, &st, vg_time_now());
	return 0;
}

/* ---- user names ----------------------------------------------------------- */

static int getpw_name(void *ctx, uint32_t uid, char *name, size_t len)
{
	struct passwd pw, *res = NULL;
	char buf[4096];
	(void)ctx;
	if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &res) != 0 || !res || !res->pw_name)
		return -1;
	if (strlen(res->pw_name) >= len)
		return -1;
	strcpy(name, res->pw_name);
	return 0;
}

/* The account name of uid (cached), or its number when it has none. */
static const char *user_name(struct agent_audit *aa, uint32_t uid, char *num, size_t numlen)
{
	int64_t now = vg_time_mono_ns() / 1000000;
	struct ucache_entry *slot = &aa->ucache[uid % UCACHE_SIZE];

	if (!(slot->used && slot->uid == uid && slot->expires > now)) {
		agent_audit_user_fn fn = aa->user_fn ? aa->user_fn : getpw_name;
		slot->used = true;
		slot->uid = uid;
		slot->found = fn(aa->user_ctx, uid, slot->name, sizeof slot->name) == 0;
		slot->expires = now + (slot->found ? UCACHE_TTL_MS : UCACHE_MISS_TTL_MS);
	}
	if (slot->found)
		return slot->name;
	snprintf(num, numlen, "%u", uid);
	return num;
}

/* ---- path memory ---------------------------------------------------------- */

static uint64_t mix(uint64_t a, uint64_t b)
{
	uint64_t h = a * 0x9e3779b97f4a7c15ULL ^ (b + 0x632be59bd9b4e019ULL + (a << 6) + (a >> 2));
	return h ^ (h >> 29);
}

static void remember_ino(struct agent_audit *aa, uint64_t dev, uint64_t ino, const char *path,
                         int64_t time_ms)
{
	struct ino_entry *e = &aa->inos[mix(dev, ino) % INO_SLOTS];
	if (e->path && e->dev == dev && e->ino == ino && strcmp(e->path, path) == 0) {
		e->time_ms = time_ms;
		return;
	}
	char *copy = strdup(path);
	if (!copy)
		return;
	free(e->path);
	*e = (struct ino_entry){.dev = dev, .ino = ino, .time_ms = time_ms, .path = copy};
}

static void forget_ino(struct agent_audit *aa, uint64_t dev, uint64_t ino)
{
	struct ino_entry *e = &aa->inos[mix(dev, ino) % INO_SLOTS];
	if (e->path && e->dev == dev && e->ino == ino) {
		free(e->path);
		e->path = NULL;
	}
}

static const char *recall_ino(struct agent_audit *aa, uint64_t dev, uint64_t ino, int64_t time_ms)
{
	struct ino_entry *e = &aa->inos[mix(dev, ino) % INO_SLOTS];
	if (e->path && e->dev == dev && e->ino == ino && time_ms - e->time_ms <= MEMORY_TTL_MS)
		return e->path;
	return NULL;
}

static void remember_fd(struct agent_audit *aa, int64_t pid, int fd, const char *path, int64_t time_ms)
{
	struct fd_entry *e = &aa->fds[mix((uint64_t)pid, (uint64_t)fd) % FD_SLOTS];
	char *copy = strdup(path);
	if (!copy)
		return;
	free(e->path);
	*e = (struct fd_entry){.pid = pid, .fd = fd, .time_ms = time_ms, .path = copy};
}

static const char *recall_fd(struct agent_audit *aa, int64_t pid, int fd, int64_t time_ms)
{
	struct fd_entry *e = &aa->fds[mix((uint64_t)pid, (uint64_t)fd) % FD_SLOTS];
	if (e->path && e->pid == pid && e->fd == fd && time_ms - e->time_ms <= MEMORY_TTL_MS)
		return e->path;
	return NULL;
}

/* ---- reading records ------------------------------------------------------ */

static bool parse_ll(const char *s, int base, long long *out)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static bool parse_ul(const char *s, int base, unsigned long *out)
{
	char *end;
	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	unsigned long v = strtoul(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static int64_t parse_id(const char *s)
{
	long long v;
	return parse_ll(s, 10, &v) && v >= 0 && v <= UID_UNSET ? (int64_t)v : NO_ID;
}

/* "fe:00" (hex major:minor) */
static bool parse_devnum(const char *s, unsigned *maj, unsigned *min)
{
	char *end;
	if (!s)
		return false;
	errno = 0;
	unsigned long a = strtoul(s, &end, 16);
	if (errno || *end != ':')
		return false;
	unsigned long b = strtoul(end + 1, &end, 16);
	if (errno || *end || a > 0xfffff || b > 0xfffff)
		return false;
	*maj = (unsigned)a;
	*min = (unsigned)b;
	return true;
}

static void rec_reset(struct rec *r)
{
	json_decref(r->fields);
	r->fields = NULL;
	memset(r, 0, offsetof(struct rec, argstore));
	r->argused = 0;
	r->cur_arg = -1;
	r->pid = r->ppid = r->uid = r->euid = r->auid = r->ses = NO_ID;
	r->rec_pid = r->rec_uid = r->rec_auid = NO_ID;
}

static void read_syscall_field(struct rec *r, const char *name, const char *v)
{
	long long ll;
	unsigned long ul;

	if (strcmp(name, "arch") == 0)
		parse_ul(v, 16, &r->arch);
	else if (strcmp(name, "syscall") == 0 && parse_ll(v, 10, &ll))
		r->nr = (long)ll, r->have_nr = true;
	else if (strcmp(name, "success") == 0)
		r->have_success = true, r->success = strcmp(v, "yes") == 0;
	else if (strcmp(name, "exit") == 0 && parse_ll(v, 10, &ll))
		r->exit = ll, r->have_exit = true;
	else if (name[0] == 'a' && name[1] >= '0' && name[1] <= '3' && !name[2] && parse_ul(v, 16, &ul))
		r->a[name[1] - '0'] = ul, r->have_a[name[1] - '0'] = true;
	else if (strcmp(name, "pid") == 0)
		r->pid = parse_id(v);
	else if (strcmp(name, "ppid") == 0)
		r->ppid = parse_id(v);
	else if (strcmp(name, "uid") == 0)
		r->uid = parse_id(v);
	else if (strcmp(name, "euid") == 0)
		r->euid = parse_id(v);
	else if (strcmp(name, "auid") == 0)
		r->auid = parse_id(v);
	else if (strcmp(name, "ses") == 0)
		r->ses = parse_id(v);
	else if (strcmp(name, "exe") == 0)
		r->exe = v;
	else if (strcmp(name, "comm") == 0)
		r->comm = v;
	else if (strcmp(name, "key") == 0)
		r->key = v;
	else if (strcmp(name, "tty") == 0)
		r->tty = v;
}

static enum nametype parse_nametype(const char *v)
{
	if (strcmp(v, "NORMAL") == 0)
		return NT_NORMAL;
	if (strcmp(v, "PARENT") == 0)
		return NT_PARENT;
	if (strcmp(v, "CREATE") == 0)
		return NT_CREATE;
	if (strcmp(v, "DELETE") == 0)
		return NT_DELETE;
	return NT_UNKNOWN;
}

static void read_path_field(struct item *it, const char *name, const char *v)
{
	unsigned long ul;
	unsigned maj, min;

	if (strcmp(name, "name") == 0)
		it->name = v;
	else if (strcmp(name, "nametype") == 0)
		it->nametype = parse_nametype(v);
	else if (strcmp(name, "mode") == 0 && parse_ul(v, 8, &ul))
		it->mode = ul, it->have_mode = true;
	else if (strcmp(name, "inode") == 0 && parse_ul(v, 10, &ul))
		it->ino = ul, it->have_ino = true;
	else if (strcmp(name, "dev") == 0 && parse_devnum(v, &maj, &min))
		it->dev = (uint64_t)maj << 32 | min;
	else if (strcmp(name, "rdev") == 0 && parse_devnum(v, &maj, &min))
		it->rdev_major = maj, it->rdev_minor = min, it->have_rdev = true;
}

/* Appends decoded text to the argument being assembled, which always sits
 * at the end of argstore with its NUL at argstore[argused]. */
static void arg_append(struct rec *r, const char *raw)
{
	char tmp[ARG_BYTES + 1];
	ssize_t n = agent_audit_decode(raw, tmp, sizeof tmp);
	char *arg = r->argv[r->nargs - 1];
	size_t have = (size_t)(r->argstore + r->argused - arg);
	size_t room = ARG_BYTES > have ? ARG_BYTES - have : 0;
	size_t left = sizeof r->argstore - r->argused - 1;
	size_t take = n > 0 ? (size_t)n : 0;

	if (take > room || take > left) {
		take = room < left ? room : left;
		r->args_truncated = true;
	}
	memcpy(r->argstore + r->argused, tmp, take);
	r->argused += take;
	r->argstore[r->argused] = '\0';
}

/* EXECVE: argc=N a0="..." a1=HEX ...; a long argument comes as
 * aN_len=L aN[0]=... aN[1]=..., and many arguments span several EXECVE
 * records of the event. */
static void read_execve_field(struct rec *r, const char *name, const char *v)
{
	long long ll;
	char *end;

	if (strcmp(name, "argc") == 0) {
		if (parse_ll(v, 10, &ll) && ll >= 0 && ll <= INT_MAX)
			r->argc = (int)ll;
		return;
	}
	if (name[0] != 'a' || name[1] < '0' || name[1] > '9')
		return;
	errno = 0;
	long idx = strtol(name + 1, &end, 10);
	if (errno || idx > INT_MAX || strcmp(end, "_len") == 0 || (*end && *end != '['))
		return;
	if (idx != r->cur_arg) {
		if (r->cur_arg >= 0 && !r->skip_arg)
			r->argused++;           /* step over the previous NUL */
		r->cur_arg = (int)idx;
		r->skip_arg = r->nargs >= MAX_ARGS || r->argused + 1 >= sizeof r->argstore;
		if (r->skip_arg) {
			r->args_truncated = true;
			return;
		}
		r->argv[r->nargs++] = r->argstore + r->argused;
		r->argstore[r->argused] = '\0';
	}
	if (!r->skip_arg)
		arg_append(r, v);
}

/* Fields the kernel and auditd write hex-encoded when they hold special
 * characters; every other unquoted value is taken as it is. */
static bool encoded_field(const char *name)
{
	static const char *const names[] = {"key", "exe", "comm", "cwd", "name", "path", "dir",
	                                    "watch", "proctitle", "cmd", "acct", NULL};
	return name_in(name, names);
}

static void read_detail_field(struct rec *r, const char *name, const char *v)
{
	char dec[DETAIL_VALUE_BYTES], safe[DETAIL_VALUE_BYTES];
	ssize_t n;

	/* Lower-case names only: the upper-case ones are auditd's enrichment. */
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_' || *c == '-'))
			return;
	if (strcmp(name, "pid") == 0)
		r->rec_pid = parse_id(v);
	else if (strcmp(name, "uid") == 0)
		r->rec_uid = parse_id(v);
	else if (strcmp(name, "auid") == 0)
		r->rec_auid = parse_id(v);
	/* Ids go to the top level; type and action are ours. */
	static const char *const skip[] = {"type", "action", "pid", "uid", "auid", "ses", NULL};
	if (name_in(name, skip))
		return;
	if (!r->fields && !(r->fields = json_object()))
		return;
	if (json_object_size(r->fields) >= MAX_DETAIL_FIELDS)
		return;
	if (v[0] == '"' || encoded_field(name)) {
		if ((n = agent_audit_decode(v, dec, sizeof dec)) < 0)
			return;
	} else {
		n = (ssize_t)strnlen(v, sizeof dec - 1);
		memcpy(dec, v, (size_t)n);
		dec[n] = '\0';
	}
	agent_audit_sanitize(dec, (size_t)n, safe, sizeof safe);
	json_object_set_new(r->fields, name, json_string(safe));
}

static bool is_pam_type(int type)
{
	switch (type) {
	case AUDIT_USER_AUTH:
	case AUDIT_USER_ACCT:
	case AUDIT_USER_START:
	case AUDIT_USER_END:
	case AUDIT_USER_LOGIN:
	case AUDIT_USER_LOGOUT:
	case AUDIT_USER_CHAUTHTOK:
	case AUDIT_USER_ERR:
	case AUDIT_CRED_ACQ:
	case AUDIT_CRED_DISP:
	case AUDIT_CRED_REFR:
		return true;
	}
	return false;
}

static void gather(auparse_state_t *au, struct rec *r)
{
	if (auparse_first_record(au) <= 0)
		return;
	do {
		int type = auparse_get_type(au);
		struct item *it = NULL;
		enum { F_NONE, F_SYSCALL, F_CWD, F_PATH, F_OPENAT2, F_EXECVE, F_DETAIL } what = F_NONE;

		switch (type) {
		case AUDIT_SYSCALL:
			r->has_syscall = true;
			what = F_SYSCALL;
			break;
		case AUDIT_CWD:
			what = F_CWD;
			break;
		case AUDIT_PATH:
			if (r->nitems < MAX_ITEMS) {
				it = &r->items[r->nitems++];
				what = F_PATH;
			}
			break;
		case AUDIT_OPENAT2:
			what = F_OPENAT2;
			break;
		case AUDIT_EXECVE:
			what = F_EXECVE;
			break;
		case AUDIT_CONFIG_CHANGE:
			r->config_change = true;
			what = F_DETAIL;
			break;
		case AUDIT_DAEMON_START:
		case AUDIT_DAEMON_END:
		case AUDIT_DAEMON_ABORT:
		case AUDIT_DAEMON_CONFIG:
		case AUDIT_DAEMON_RESUME:
			r->daemon_type = type;
			what = F_DETAIL;
			break;
		default:
			if (is_pam_type(type))
				r->pam = true;
			break;
		}
		if (what == F_NONE || auparse_first_field(au) <= 0)
			continue;
		do {
			const char *name = auparse_get_field_name(au);
			const char *v = auparse_get_field_str(au);
			if (!name || !v)
				continue;
			switch (what) {
			case F_SYSCALL:
				read_syscall_field(r, name, v);
				break;
			case F_CWD:
				if (strcmp(name, "cwd") == 0)
					r->cwd = v;
				break;
			case F_PATH:
				read_path_field(it, name, v);
				break;
			case F_OPENAT2:
				if (strcmp(name, "oflag") == 0 && parse_ul(v, 8, &r->oflag))
					r->have_oflag = true;
				break;
			case F_EXECVE:
				read_execve_field(r, name, v);
				break;
			case F_DETAIL:
				read_detail_field(r, name, v);
				break;
			case F_NONE:
				break;
			}
		} while (auparse_next_field(au) > 0);
	} while (auparse_next_record(au) > 0);
}

/* ---- building events ------------------------------------------------------ */

/* Sets a string field from a raw audit value (decoded, made safe). */
static int set_decoded(json_t *ev, const char *field, const char *raw, size_t maxlen)
{
	char dec[PATH_BUF], safe[PATH_BUF];
	ssize_t n = agent_audit_decode(raw, dec, sizeof dec);
	if (n < 0)
		return 0;
	agent_audit_sanitize(dec, (size_t)n, safe, maxlen + 1 < sizeof safe ? maxlen + 1 : sizeof safe);
	return agent_event_str(ev, field, safe);
}

/* The key of the matching rule; several keys of one rule are separated by
 * \x01 in the record. */
static int set_key(json_t *ev, const char *raw)
{
	char dec[VG_EVENT_MAX_STR + 1], safe[VG_EVENT_MAX_STR + 1];
	ssize_t n = agent_audit_decode(raw, dec, sizeof dec);
	if (n <= 0)
		return 0;
	for (ssize_t i = 0; i < n; i++)
		if (dec[i] == '\x01')
			dec[i] = ',';
	agent_audit_sanitize(dec, (size_t)n, safe, sizeof safe);
	return agent_event_str(ev, "key", safe);
}

static int set_user(struct agent_audit *aa, json_t *ev, int64_t auid, int64_t uid)
{
	char num[16];
	int64_t who = auid != NO_ID && auid != UID_UNSET ? auid : uid;
	if (who == NO_ID || who == UID_UNSET)
		return 0;
	return agent_event_str(ev, "user", user_name(aa, (uint32_t)who, num, sizeof num));
}

static int set_ids(struct agent_audit *aa, json_t *ev, int64_t uid, int64_t auid, int64_t pid)
{
	int rc = 0;
	if (uid != NO_ID)
		rc |= agent_event_int(ev, "uid", uid);
	if (auid != NO_ID && auid != UID_UNSET)
		rc |= agent_event_int(ev, "auid", auid);
	if (pid != NO_ID)
		rc |= agent_event_int(ev, "pid", pid);
	rc |= set_user(aa, ev, auid, uid);
	return rc;
}

/* The fields every syscall-based event carries. */
static json_t *syscall_event(struct agent_audit *aa, const struct rec *r, enum vg_kind kind,
                             const char *syscall)
{
	json_t *ev = agent_event_new(kind, r->time_ms, aa->host);
	int rc = 0;
	if (!ev)
		return NULL;
	rc |= agent_event_str(ev, "audit_id", r->audit_id);
	rc |= set_ids(aa, ev, r->uid, r->auid, r->pid);
	rc |= set_decoded(ev, "exe", r->exe, VG_EVENT_MAX_PATH);
	rc |= set_key(ev, r->key);
	if (r->tty && strcmp(r->tty, "(none)") != 0) {
		char safe[VG_EVENT_MAX_STR + 1];
		rc |= agent_event_str(ev, "tty", agent_audit_sanitize(r->tty, strlen(r->tty), safe, sizeof safe));
	}
	if (r->have_success)
		rc |= agent_event_str(ev, "result", r->success ? "success" : "failure");
	if (syscall)
		rc |= agent_event_detail(ev, "syscall", syscall);
	if (r->have_exit && r->have_success && !r->success && r->exit < 0 && r->exit > -4096)
		rc |= agent_event_detail(ev, "error", strerrorname_np((int)-r->exit) ?
		                                          strerrorname_np((int)-r->exit) : "unknown");
	if (r->comm) {
		char dec[64], safe[64];
		ssize_t n = agent_audit_decode(r->comm, dec, sizeof dec);
		if (n >= 0)
			rc |= agent_event_detail(ev, "comm", agent_audit_sanitize(dec, (size_t)n, safe, sizeof safe));
	}
	if (r->ses != NO_ID && r->ses != UID_UNSET)
		rc |= agent_event_detail_int(ev, "ses", r->ses);
	if (r->ppid != NO_ID)
		rc |= agent_event_detail_int(ev, "ppid", r->ppid);
	if (r->euid != NO_ID && r->euid != r->uid)
		rc |= agent_event_detail_int(ev, "euid", r->euid);
	if (rc) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static const char *syscall_name(const struct rec *r)
{
	int machine;
	if (!r->have_nr || (machine = audit_elf_to_machine((unsigned)r->arch)) < 0)
		return NULL;
	return audit_syscall_to_name((int)r->nr, machine);
}

static bool name_in(const char *name, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(name, *list) == 0)
			return true;
	return false;
}

static const char *const write_syscalls[] = {
	"unlink", "unlinkat", "rename", "renameat", "renameat2", "truncate", "ftruncate",
	"mkdir", "mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat", "mknod",
	"mknodat", "creat", "fallocate", "bind", NULL,
};
static const char *const attr_syscalls[] = {
	"chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
	"setxattr", "lsetxattr", "fsetxattr", "setxattrat", "removexattr", "lremovexattr",
	"fremovexattr", "removexattrat", "utime", "utimes", "utimensat", "futimesat", NULL,
};
static const char *const rename_syscalls[] = {"rename", "renameat", "renameat2", NULL};

/* Which argument holds the directory fd that relative names start from:
 * first for the source/only name, second for the created name of
 * rename/link. -1 when the syscall takes none. */
static void dirfd_args(const char *sc, int *first, int *second)
{
	static const struct { const char *name; int first, second; } tab[] = {
		{"openat", 0, 0}, {"openat2", 0, 0}, {"mkdirat", 0, 0}, {"mknodat", 0, 0},
		{"unlinkat", 0, 0}, {"fchmodat", 0, 0}, {"fchmodat2", 0, 0}, {"fchownat", 0, 0},
		{"futimesat", 0, 0}, {"utimensat", 0, 0}, {"newfstatat", 0, 0}, {"statx", 0, 0},
		{"faccessat", 0, 0}, {"faccessat2", 0, 0}, {"readlinkat", 0, 0}, {"execveat", 0, 0},
		{"name_to_handle_at", 0, 0}, {"open_tree", 0, 0}, {"mount_setattr", 0, 0},
		{"fspick", 0, 0}, {"getxattrat", 0, 0}, {"setxattrat", 0, 0},
		{"listxattrat", 0, 0}, {"removexattrat", 0, 0}, {"renameat", 0, 2},
		{"renameat2", 0, 2}, {"linkat", 0, 2}, {"move_mount", 0, 2}, {"symlinkat", 1, 1},
	};
	*first = *second = -1;
	if (!sc)
		return;
	for (size_t i = 0; i < sizeof tab / sizeof tab[0]; i++)
		if (strcmp(sc, tab[i].name) == 0) {
			*first = tab[i].first;
			*second = tab[i].second;
			return;
		}
}

static bool is_dir(const struct item *it)
{
	return it->have_mode && S_ISDIR(it->mode);
}

/* Index of the PARENT item that goes with child item idx: the k-th
 * CREATE/DELETE item pairs with the k-th PARENT item (rename logs
 * PARENT, PARENT, DELETE, CREATE). -1 when none. */
static int parent_of(const struct rec *r, int idx)
{
	int k = 0, seen = 0;
	if (r->items[idx].nametype != NT_CREATE && r->items[idx].nametype != NT_DELETE)
		return -1;
	for (int i = 0; i < idx; i++)
		if (r->items[i].nametype == NT_CREATE || r->items[i].nametype == NT_DELETE)
			k++;
	for (int i = 0; i < r->nitems; i++)
		if (r->items[i].nametype == NT_PARENT && seen++ == k)
			return i;
	return -1;
}

/* Which dirfd argument applies to item idx. */
static int item_dirfd_arg(const struct rec *r, int idx, int first, int second)
{
	if (first < 0 || first == second)
		return first;
	const struct item *it = &r->items[idx];
	if (it->nametype == NT_CREATE)
		return second;
	if (it->nametype == NT_PARENT) {
		/* The last PARENT belongs to the created name when there is one. */
		int last = -1;
		bool create = false;
		for (int i = 0; i < r->nitems; i++) {
			if (r->items[i].nametype == NT_PARENT)
				last = i;
			if (r->items[i].nametype == NT_CREATE)
				create = true;
		}
		return create && last == idx ? second : first;
	}
	return first;
}

/* Resolves item idx to an absolute path in out. Returns 1 resolved, 0 left
 * as the bare relative name (out holds it), -1 when the item has no name. */
static int resolve_item(struct agent_audit *aa, const struct rec *r, int idx, int dirfd_arg,
                        char *out, size_t outlen)
{
	char name[PATH_BUF], cwd[PATH_BUF];
	const struct item *it = &r->items[idx];

	if (agent_audit_decode(it->name, name, sizeof name) < 0)
		return -1;
	bool via_fd = dirfd_arg >= 0 && r->have_a[dirfd_arg] &&
	              (r->a[dirfd_arg] & 0xffffffffUL) != AT_FDCWD_32;
	if (via_fd && it->nametype == NT_PARENT) {
		/* With a directory fd the kernel logs a PARENT name that is not
		 * the directory's path (often the CWD): only its inode counts. */
		const char *base;
		if (it->have_ino && (base = recall_ino(aa, it->dev, it->ino, r->time_ms)))
			return agent_audit_path_join(NULL, base, out, outlen) == 0 ? 1 : -1;
		return -1;
	}
	if (name[0] == '/')
		return agent_audit_path_join(NULL, name, out, outlen) == 0 ? 1 : -1;
	if (!via_fd) {
		if (r->cwd && agent_audit_decode(r->cwd, cwd, sizeof cwd) >= 0 && cwd[0] == '/')
			return agent_audit_path_join(cwd, name, out, outlen) == 0 ? 1 : -1;
	} else {
		const char *base;
		int p;
		/* 1. The item is a directory we have seen by inode. */
		if (it->have_ino && is_dir(it) && (base = recall_ino(aa, it->dev, it->ino, r->time_ms)))
			return agent_audit_path_join(NULL, base, out, outlen) == 0 ? 1 : -1;
		/* 2. Its parent directory, by inode (the PARENT record's name is
		 *    not the directory's path in this case). */
		if ((p = parent_of(r, idx)) >= 0 && r->items[p].have_ino &&
		    (base = recall_ino(aa, r->items[p].dev, r->items[p].ino, r->time_ms))) {
			const char *last = strrchr(name, '/');
			return agent_audit_path_join(base, last ? last + 1 : name, out, outlen) == 0 ? 1 : -1;
		}
		/* 3. The directory fd, opened earlier by this process. */
		int fd = (int)(int32_t)(r->a[dirfd_arg] & 0xffffffffUL);
		if (r->pid != NO_ID && (base = recall_fd(aa, r->pid, fd, r->time_ms)))
			return agent_audit_path_join(base, name, out, outlen) == 0 ? 1 : -1;
	}
	if (strlen(name) >= outlen)
		return -1;
	strcpy(out, name);
	return 0;
}

/* Learns directories from an event whose paths were resolved. */
static void learn_paths(struct agent_audit *aa, const struct rec *r, const char *sc, int first,
                        int second)
{
	char path[PATH_BUF];
	for (int i = 0; i < r->nitems; i++) {
		const struct item *it = &r->items[i];
		if (!it->have_ino)
			continue;
		if (it->nametype == NT_DELETE && is_dir(it) && r->success) {
			forget_ino(aa, it->dev, it->ino);
			continue;
		}
		if (!is_dir(it))
			continue;
		if (resolve_item(aa, r, i, item_dirfd_arg(r, i, first, second), path, sizeof path) != 1)
			continue;
		/* A PARENT record's name is "/dir/" for "/dir/file": trim. */
		size_t n = strlen(path);
		while (n > 1 && path[n - 1] == '/')
			path[--n] = '\0';
		remember_ino(aa, it->dev, it->ino, path, r->time_ms);
		/* A directory opened: remember what its fd stands for. */
		if (i == 0 && sc && r->success && r->have_exit && r->exit >= 0 && r->exit <= INT_MAX &&
		    (strcmp(sc, "open") == 0 || strcmp(sc, "openat") == 0 || strcmp(sc, "openat2") == 0) &&
		    r->pid != NO_ID)
			remember_fd(aa, r->pid, (int)r->exit, path, r->time_ms);
	}
}

/* The item a file event is about: the source of a rename, else the first
 * NORMAL/CREATE/DELETE item, else a PARENT, else anything with a name. */
static int primary_item(const struct rec *r, bool rename)
{
	if (rename)
		for (int i = 0; i < r->nitems; i++)
			if (r->items[i].name && r->items[i].nametype == NT_DELETE)
				return i;
	for (int i = 0; i < r->nitems; i++)
		if (r->items[i].name && (r->items[i].nametype == NT_NORMAL ||
		                         r->items[i].nametype == NT_CREATE ||
		                         r->items[i].nametype == NT_DELETE))
			return i;
	for (int i = 0; i < r->nitems; i++)
		if (r->items[i].name && r->items[i].nametype == NT_PARENT)
			return i;
	for (int i = 0; i < r->nitems; i++)
		if (r->items[i].name)
			return i;
	return -1;
}

/* Sets "path" (made safe) and notes an unresolved name. */
static int set_path(struct agent_audit *aa, json_t *ev, const char *field, const char *path, int resolved)
{
	char safe[PATH_BUF];
	agent_audit_sanitize(path, strlen(path), safe, sizeof safe);
	int rc = strcmp(field, "path") == 0 ? agent_event_str(ev, field, safe)
	                                    : agent_event_detail(ev, field, safe);
	if (resolved == 0 && strcmp(field, "path") == 0) {
		aa->st.unresolved++;
		rc |= agent_event_detail(ev, "unresolved", "relative to a directory fd");
	}
	return rc;
}

static const char *file_op(const struct rec *r, const char *sc, const struct item *primary)
{
	if (!sc)
		return "read";
	if (strcmp(sc, "open") == 0 && r->have_a[1])
		return agent_audit_open_writes(r->a[1]) ? "write" : "read";
	if (strcmp(sc, "openat") == 0 && r->have_a[2])
		return agent_audit_open_writes(r->a[2]) ? "write" : "read";
	if (strcmp(sc, "open_by_handle_at") == 0 && r->have_a[2])
		return agent_audit_open_writes(r->a[2]) ? "write" : "read";
	if (strcmp(sc, "openat2") == 0) {
		if (r->have_oflag)
			return agent_audit_open_writes(r->oflag) ? "write" : "read";
		return primary && primary->nametype == NT_CREATE ? "write" : "read";
	}
	if (name_in(sc, write_syscalls))
		return "write";
	if (name_in(sc, attr_syscalls))
		return "attr";
	return "read";
}

static json_t *build_file_access(struct agent_audit *aa, const struct rec *r, const char *sc)
{
	char path[PATH_BUF], target[PATH_BUF];
	int first, second, res;
	bool rename = sc && name_in(sc, rename_syscalls);
	int p = primary_item(r, rename);

	if (p < 0)
		return NULL;
	dirfd_args(sc, &first, &second);
	if ((res = resolve_item(aa, r, p, item_dirfd_arg(r, p, first, second), path, sizeof path)) < 0)
		return NULL;
	json_t *ev = syscall_event(aa, r, VG_KIND_FILE_ACCESS, sc);
	if (!ev)
		return NULL;
	int rc = set_path(aa, ev, "path", path, res);
	rc |= agent_event_str(ev, "op", file_op(r, sc, &r->items[p]));
	/* A create refused before the name was looked up leaves only the
	 * directory: say so, the path is not the file. */
	if (r->items[p].nametype == NT_PARENT)
		rc |= json_object_set_new(json_object_get(ev, "detail"), "parent", json_true());
	if (rename) {
		for (int i = 0; i < r->nitems; i++) {
			if (r->items[i].nametype != NT_CREATE || !r->items[i].name)
				continue;
			int tres = resolve_item(aa, r, i, item_dirfd_arg(r, i, first, second), target,
			                        sizeof target);
			if (tres >= 0)
				rc |= set_path(aa, ev, "target", target, tres);
			break;
		}
	}
	learn_paths(aa, r, sc, first, second);
	if (rc) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static int set_argv(json_t *ev, const struct rec *r)
{
	json_t *arr = json_array(), *detail;
	char safe[ARG_BYTES * 4 + 1];
	if (!arr)
		return -1;
	for (int i = 0; i < r->nargs; i++) {
		agent_audit_sanitize(r->argv[i], strlen(r->argv[i]), safe, sizeof safe);
		if (json_array_append_new(arr, json_string(safe)) < 0) {
			json_decref(arr);
			return -1;
		}
	}
	if (agent_event_detail_int(ev, "argc", r->argc) < 0 || !(detail = json_object_get(ev, "detail")) ||
	    json_object_set_new(detail, "argv", arr) < 0)
		return -1;
	if (r->args_truncated || r->nargs < r->argc)
		return json_object_set_new(detail, "argv_truncated", json_true());
	return 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');
	return slash ? slash + 1 : path;
}

static json_t *build_exec(struct agent_audit *aa, const struct rec *r, const char *sc)
{
	char exe[PATH_BUF], path[PATH_BUF];
	const char *service = NULL;
	int first, second, p, res = -1;

	/* A failed execve with ENOENT is the shell searching $PATH. */
	if (r->have_success && !r->success && r->have_exit && r->exit == -ENOENT)
		return NULL;
	if (r->success && r->exe && agent_audit_decode(r->exe, exe, sizeof exe) >= 0) {
		const char *b = base_name(exe);
		if (strcmp(b, "su") == 0 || strcmp(b, "sudo") == 0)
			service = b;
	}
	json_t *ev = syscall_event(aa, r, service ? VG_KIND_PRIVILEGE : VG_KIND_EXEC, sc);
	if (!ev)
		return NULL;
	int rc = 0;
	dirfd_args(sc, &first, &second);
	if ((p = primary_item(r, false)) >= 0 &&
	    (res = resolve_item(aa, r, p, item_dirfd_arg(r, p, first, second), path, sizeof path)) >= 0)
		rc |= set_path(aa, ev, "path", path, res);
	if (service) {
		rc |= agent_event_str(ev, "service", service);
		const char *target = agent_audit_priv_target(service, r->nargs, (char *const *)r->argv);
		if (target) {
			char safe[VG_EVENT_MAX_STR + 1];
			rc |= agent_event_str(ev, "ruser", agent_audit_sanitize(target, strlen(target), safe,
			                                                        sizeof safe));
		}
	} else {
		rc |= agent_event_str(ev, "op", "exec");
	}
	if (r->nargs > 0 || r->argc > 0)
		rc |= set_argv(ev, r);
	learn_paths(aa, r, sc, first, second);
	if (rc) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

/* dir/removable: 1 or 0, -1 when the file does not exist. */
static int read_removable(const char *dir)
{
	char p[PATH_MAX + 16], buf[8];
	snprintf(p, sizeof p, "%s/removable", dir);
	FILE *f = fopen(p, "re");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf[0] == '1';
}

static bool removable_device(struct agent_audit *aa, const char *dev, const struct item *it,
                             const char **how)
{
	char p[PATH_MAX + 300], real[PATH_MAX];
	const char *b = base_name(dev);
	int n;

	if (it->have_rdev)
		n = snprintf(p, sizeof p, "%.*s/dev/block/%u:%u", PATH_MAX, aa->sysfs, it->rdev_major,
		             it->rdev_minor);
	else
		n = snprintf(p, sizeof p, "%.*s/class/block/%.255s", PATH_MAX, aa->sysfs, b);
	if (n > 0 && (size_t)n < sizeof p && realpath(p, real)) {
		int rem = read_removable(real);
		if (rem < 0) {
			/* A partition: the flag is on the disk above it. */
			char *slash = strrchr(real, '/');
			if (slash && slash != real) {
				*slash = '\0';
				rem = read_removable(real);
				*slash = '/';
			}
		}
		if (rem == 1) {
			*how = "sysfs";
			return true;
		}
		/* USB disks often say removable=0; the bus says otherwise. */
		if (strstr(real, "/usb")) {
			*how = "usb";
			return true;
		}
		return false;
	}
	/* The device is gone or the records come from another machine: judge
	 * by the name the kernel gives removable disks. */
	if (strncmp(dev, "/dev/", 5) == 0 &&
	    (strncmp(b, "sd", 2) == 0 || strncmp(b, "mmcblk", 6) == 0 || strncmp(b, "sr", 2) == 0)) {
		*how = "name";
		return true;
	}
	return false;
}

static json_t *build_media(struct agent_audit *aa, const struct rec *r, const char *sc)
{
	char dev[PATH_BUF], target[PATH_BUF];
	const char *how = NULL;
	int src = -1, dst = -1, res;

	for (int i = 0; i < r->nitems; i++) {
		const struct item *it = &r->items[i];
		if (!it->name)
			continue;
		if (src < 0 && it->have_mode && S_ISBLK(it->mode))
			src = i;
		else if (dst < 0 && is_dir(it))
			dst = i;
	}
	if (src < 0)
		return NULL;                    /* tmpfs, bind mounts, remounts */
	if (dst < 0)
		dst = src == 0 ? 1 : 0;
	if (dst >= r->nitems || resolve_item(aa, r, src, -1, dev, sizeof dev) != 1 ||
	    !removable_device(aa, dev, &r->items[src], &how))
		return NULL;
	if ((res = resolve_item(aa, r, dst, -1, target, sizeof target)) < 0)
		return NULL;
	json_t *ev = syscall_event(aa, r, VG_KIND_MEDIA, sc);
	if (!ev)
		return NULL;
	int rc = set_path(aa, ev, "path", target, res);
	rc |= agent_event_str(ev, "op", "mount");
	rc |= set_path(aa, ev, "source", dev, 1);
	rc |= agent_event_detail(ev, "removable", how);
	if (rc) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static json_t *build_syscall(struct agent_audit *aa, const struct rec *r)
{
	const char *sc = syscall_name(r);

	if (sc && (strcmp(sc, "execve") == 0 || strcmp(sc, "execveat") == 0))
		return build_exec(aa, r, sc);
	if (sc && strcmp(sc, "mount") == 0)
		return build_media(aa, r, sc);
	if (!r->key || strcmp(r->key, "(null)") == 0)
		return NULL;                    /* not from a vigil watch */
	return build_file_access(aa, r, sc);
}

/* CONFIG_CHANGE and DAEMON_*: an agent event with the record's fields. */
static json_t *build_audit_health(struct agent_audit *aa, const struct rec *r, const char *action)
{
	json_t *ev = agent_event(aa, r->time_ms, action);
	int rc = 0;
	if (!ev)
		return NULL;
	rc |= agent_event_str(ev, "audit_id", r->audit_id);
	if (r->has_syscall) {
		/* Who changed the configuration: the process of the SYSCALL
		 * record of the same event. */
		rc |= set_ids(aa, ev, r->uid, r->auid, r->pid);
		rc |= set_decoded(ev, "exe", r->exe, VG_EVENT_MAX_PATH);
	} else {
		rc |= set_ids(aa, ev, r->rec_uid, r->rec_auid, r->rec_pid);
	}
	json_t *detail = json_object_get(ev, "detail");
	if (r->fields && detail)
		rc |= json_object_update_missing(detail, r->fields);
	if (rc) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

static const char *daemon_action(int type)
{
	switch (type) {
	case AUDIT_DAEMON_START: return "auditd_start";
	case AUDIT_DAEMON_END: return "auditd_end";
	case AUDIT_DAEMON_ABORT: return "auditd_abort";
	case AUDIT_DAEMON_CONFIG: return "auditd_config";
	case AUDIT_DAEMON_RESUME: return "auditd_resume";
	}
	return NULL;
}

static void on_event(auparse_state_t *au, auparse_cb_event_t type, void *user)
{
	struct agent_audit *aa = user;
	struct rec *r = &aa->rec;
	const au_event_t *ts;
	json_t *ev = NULL;

	if (type != AUPARSE_CB_EVENT_READY)
		return;
	aa->st.events++;
	rec_reset(r);
	/* The schema's time ends in year 9999; a stamp beyond it (or a
	 * negative one) is no real kernel time. */
	if (!(ts = auparse_get_timestamp(au)) || ts->sec < 0 || ts->sec > AGENT_AUDIT_MAX_SEC) {
		aa->st.ignored++;
		return;
	}
	r->time_ms = (int64_t)ts->sec * 1000 + ts->milli;
	snprintf(r->audit_id, sizeof r->audit_id, "%lld.%03u:%lu", (long long)ts->sec, ts->milli,
	         ts->serial);
	gather(au, r);

	if (aa->self > 0 && r->pid == aa->self) {
		aa->st.self++;
		return;
	}
	if (r->config_change)
		ev = build_audit_health(aa, r, "audit_config_change");
	else if (r->daemon_type)
		ev = build_audit_health(aa, r, daemon_action(r->daemon_type));
	else if (r->has_syscall && !r->pam)
		ev = build_syscall(aa, r);
	if (!ev) {
		aa->st.ignored++;
		return;
	}
	deliver(aa, ev);
}
