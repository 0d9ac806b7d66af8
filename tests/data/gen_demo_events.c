/*
 * gen_demo_events: writes tests/data/demo-events.ndjson, a working week
 * (Monday 2026-11-16 to Friday 2026-11-20) of events for the example
 * organisation in policy/examples/example.cfg, in event schema v1.
 *
 *   cc -std=c11 -O2 -o /tmp/gen_demo_events tests/data/gen_demo_events.c
 *   /tmp/gen_demo_events > tests/data/demo-events.ndjson
 *
 * Mostly ordinary work: logins at the workstations, sessions, reads and
 * writes in each person's own areas under /srv/vigil-demo/, program runs,
 * administrators' sudo. Injected into it, so the demo shows every policy
 * finding (see the table in inject_violations):
 *   clearance_exceeded   dave reads TOP SECRET files (Wed)
 *   need_to_know         heidi reads FALCON, not read on (Tue);
 *                        erin reads FALCON after her debrief (Wed)
 *   vetting_lapsed       frank works while suspended (Mon, Tue);
 *                        grace works with her review overdue (all week)
 *   unknown_account      "tmpuser" logs in to srv-0001 at night (Thu)
 *   host_not_accredited  heidi logs in to lab-0002 (Thu)
 *   outside_schedule     bob works late (Wed)
 *   unauthorized_privilege  judy runs sudo (Tue)
 *   removable_media      judy mounts a USB stick on ws-0003 (Fri)
 *
 * Lines are in time order; "seq" counts per host, so splitting the file by
 * "host" gives each agent's stream in order. The generator is
 * deterministic: the same program writes the same file.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EVENTS 4000
#define DAY_MS 86400000LL
#define HOUR_MS 3600000LL
#define MIN_MS 60000LL

/* 2026-11-16T00:00:00Z, a Monday. */
#define MONDAY_MS 1794787200000LL

static const char *const hosts[] = {"ws-0001", "ws-0002", "ws-0003", "ws-0004", "ws-0005",
                                    "ws-0006", "ws-0007", "ws-0008", "lab-0001", "lab-0002",
                                    "lab-0003", "srv-0001"};
#define NHOSTS (sizeof hosts / sizeof hosts[0])

struct event {
	int64_t t;
	int host;
	int order;          /* creation order breaks time ties */
	char *body;         /* the JSON members after "seq" */
};

static struct event events[MAX_EVENTS];
static int nevents;

/* xorshift32: the same numbers everywhere. */
static uint32_t rng = 2463534242u;
static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % n;
}

/* The optional fields of an event; NULL and 0 are left out. */
struct fields {
	const char *kind, *user, *service, *rhost, *tty, *path, *op, *result, *exe, *key;
	int uid, pid;
	const char *detail;    /* a JSON object, written as is */
};

static int host_index(const char *name)
{
	for (size_t i = 0; i < NHOSTS; i++)
		if (strcmp(hosts[i], name) == 0)
			return (int)i;
	fprintf(stderr, "unknown host %s\n", name);
	exit(1);
}

static void put_str(char **o, const char *name, const char *v)
{
	if (!v)
		return;
	if (strpbrk(v, "\"\\")) {
		fprintf(stderr, "value needs escaping: %s\n", v);
		exit(1);
	}
	*o += sprintf(*o, ",\"%s\":\"%s\"", name, v);
}

static void format_time(int64_t ms, char out[32])
{
	int64_t days = ms / DAY_MS, rem = ms % DAY_MS;
	/* Only November 2026 is ever written. */
	int d = (int)(days - MONDAY_MS / DAY_MS) + 16;
	snprintf(out, 32, "2026-11-%02dT%02d:%02d:%02d.%03dZ", d, (int)(rem / HOUR_MS),
	         (int)(rem / MIN_MS % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
}

static void add(const char *host, int64_t t, struct fields f)
{
	char buf[1024], when[32], *o = buf;
	struct event *e;
	if (nevents == MAX_EVENTS) {
		fprintf(stderr, "too many events\n");
		exit(1);
	}
	format_time(t, when);
	o += sprintf(o, "\"time\":\"%s\"", when);
	put_str(&o, "kind", f.kind);
	put_str(&o, "host", host);
	put_str(&o, "user", f.user);
	put_str(&o, "service", f.service);
	put_str(&o, "rhost", f.rhost);
	put_str(&o, "tty", f.tty);
	put_str(&o, "path", f.path);
	put_str(&o, "op", f.op);
	put_str(&o, "result", f.result);
	put_str(&o, "exe", f.exe);
	if (f.pid)
		o += sprintf(o, ",\"pid\":%d", f.pid);
	if (f.uid)
		o += sprintf(o, ",\"uid\":%d,\"auid\":%d", f.uid, f.uid);
	put_str(&o, "key", f.key);
	if (f.detail)
		o += sprintf(o, ",\"detail\":%s", f.detail);
	e = &events[nevents];
	e->t = t;
	e->host = host_index(host);
	e->order = nevents;
	e->body = strdup(buf);
	if (!e->body) {
		fprintf(stderr, "out of memory\n");
		exit(1);
	}
	nevents++;
}

/* ---- People and their work ---------------------------------------------- */

struct person {
	const char *user;
	int uid;
	const char *host;              /* own workstation */
	const char *areas[6];          /* directories under /srv/vigil-demo they work in */
};

static const struct person people[] = {
	{"alice", 1001, "ws-0001", {"public", "internal", "secret", "ts", "falcon", "orca"}},
	{"bob", 1002, "ws-0002", {"public", "internal", "secret", "falcon"}},
	{"judy", 1010, "ws-0003", {"public", "internal", "secret"}},
	{"dave", 1004, "ws-0004", {"public", "internal", "secret"}},
	{"erin", 1005, "ws-0005", {"public", "internal", "secret"}},
	{"frank", 1006, "ws-0006", {"public", "internal"}},
	{"grace", 1007, "ws-0007", {"public", "internal", "secret", "falcon"}},
	{"heidi", 1008, "ws-0008", {"public", "internal", "secret"}},
	{"carol", 1003, "lab-0001", {"secret", "orca", "ts", "public"}},
	{"kim", 1011, "lab-0002", {"secret", "internal", "public"}},
	{"ivan", 1009, "lab-0003", {"public", "internal", "secret"}},
};
#define NPEOPLE (sizeof people / sizeof people[0])

static const char *file_in(const char *area)
{
	static const struct {
		const char *area, *files[4];
	} files[] = {
		{"public", {"handbook.pdf", "canteen-menu.txt", "all-hands-2026-11.pptx", "notes.draft"}},
		{"internal", {"org-chart.xlsx", "budget-2027.xlsx", "travel-policy.md", "minutes.docx"}},
		{"secret", {"threat-assessment-q4.docx", "site-survey.pdf", "lab-results-2026-11.csv",
		            "supplier-review.docx"}},
		{"ts", {"roadmap-2027.txt", "source-list.xlsx", "briefing-2026-11.pdf", "annex-b.pdf"}},
		{"falcon", {"design-v3.pdf", "test-plan.txt", "telemetry-2026-11.csv", "issues.md"}},
		{"orca", {"sonar-trials.txt", "budget.xlsx", "field-notes.md", "contacts.xlsx"}},
	};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		if (strcmp(files[i].area, area) == 0)
			return files[i].files[rnd(4)];
	return "unknown";
}

static int next_pid = 41000;

static void file_access(const struct person *p, const char *host, int64_t t, const char *area,
                        const char *file, const char *op)
{
	char path[256];
	snprintf(path, sizeof path, "/srv/vigil-demo/%s/%s", area, file ? file : file_in(area));
	add(host, t, (struct fields){.kind = "file_access", .user = p->user, .path = path, .op = op,
	                             .result = "success", .exe = rnd(2) ? "/usr/bin/less" : "/usr/bin/vim",
	                             .uid = p->uid, .pid = next_pid++, .key = "vigil-demo"});
}

static void run_program(const struct person *p, const char *host, int64_t t)
{
	static const char *const progs[] = {"/usr/bin/vim", "/usr/bin/less", "/usr/bin/grep",
	                                    "/usr/bin/libreoffice", "/usr/bin/python3", "/usr/bin/ssh"};
	const char *exe = progs[rnd(6)];
	add(host, t, (struct fields){.kind = "exec", .user = p->user, .path = exe, .op = "exec",
	                             .result = "success", .exe = exe, .uid = p->uid,
	                             .pid = next_pid++, .key = "vigil-exec"});
}

static void sudo(const struct person *p, const char *host, int64_t t, const char *tty)
{
	add(host, t, (struct fields){.kind = "privilege", .user = p->user, .service = "sudo",
	                             .tty = tty, .path = "/usr/bin/sudo", .result = "success",
	                             .exe = "/usr/bin/sudo", .uid = p->uid, .pid = next_pid++});
}

/* Authentication and session records around a stretch of work. */
static void login(const struct person *p, const char *user, const char *host, int64_t t,
                  const char *service, const char *rhost, const char *tty, int pid)
{
	const char *exe = strcmp(service, "sshd") == 0 ? "/usr/sbin/sshd" : "/usr/bin/login";
	add(host, t, (struct fields){.kind = "auth_success", .user = user, .service = service,
	                             .rhost = rhost, .tty = tty, .result = "success", .exe = exe,
	                             .uid = p ? p->uid : 0, .pid = pid});
	add(host, t + 180, (struct fields){.kind = "session_open", .user = user, .service = service,
	                                   .rhost = rhost, .tty = tty, .result = "success", .exe = exe,
	                                   .uid = p ? p->uid : 0, .pid = pid});
}

static void logout(const struct person *p, const char *user, const char *host, int64_t t,
                   const char *service, const char *rhost, const char *tty, int pid)
{
	const char *exe = strcmp(service, "sshd") == 0 ? "/usr/sbin/sshd" : "/usr/bin/login";
	add(host, t, (struct fields){.kind = "session_close", .user = user, .service = service,
	                             .rhost = rhost, .tty = tty, .result = "success", .exe = exe,
	                             .uid = p ? p->uid : 0, .pid = pid});
}

static int nareas(const struct person *p)
{
	int n = 0;
	while (n < 6 && p->areas[n])
		n++;
	return n;
}

/* One ordinary working day at the person's own workstation, between
 * start and end (ms since the Monday's midnight of that day). */
static void workday(const struct person *p, int day, int64_t start, int64_t end, int activity)
{
	int64_t base = MONDAY_MS + day * DAY_MS, t;
	const char *tty = p->host[0] == 'l' ? "pts/0" : "tty1";
	const char *service = p->host[0] == 'l' ? "sshd" : "login";
	const char *rhost = p->host[0] == 'l' ? "10.20.0.5" : NULL;
	int pid = next_pid++;

	/* Now and then a mistyped password first. */
	if (rnd(6) == 0)
		add(p->host, base + start - 40000,
		    (struct fields){.kind = "auth_failure", .user = p->user, .service = service,
		                    .rhost = rhost, .tty = tty, .result = "failure",
		                    .exe = strcmp(service, "sshd") == 0 ? "/usr/sbin/sshd" : "/usr/bin/login",
		                    .uid = p->uid, .pid = pid});
	login(p, p->user, p->host, base + start, service, rhost, tty, pid);
	for (int i = 0; i < activity; i++) {
		t = base + start + 5 * MIN_MS + (int64_t)rnd((uint32_t)((end - start - 10 * MIN_MS) / 1000)) * 1000 +
		    rnd(1000);
		if (rnd(4) == 0)
			run_program(p, p->host, t);
		else
			file_access(p, p->host, t, p->areas[rnd((uint32_t)nareas(p))], NULL,
			            rnd(5) == 0 ? "write" : "read");
	}
	logout(p, p->user, p->host, base + end, service, rhost, tty, pid);
}

static int64_t hm(int h, int m)
{
	return h * HOUR_MS + m * MIN_MS + rnd(60) * 1000;
}

static const struct person *who(const char *user)
{
	for (size_t i = 0; i < NPEOPLE; i++)
		if (strcmp(people[i].user, user) == 0)
			return &people[i];
	exit(1);
}

/* Administrators: ssh to the server and sudo there. */
static void admin_session(const struct person *p, const char *account, int day, int h, int m,
                          const char *from)
{
	int64_t t = MONDAY_MS + day * DAY_MS + hm(h, m);
	int pid = next_pid++;
	login(p, account, "srv-0001", t, "sshd", from, "pts/1", pid);
	sudo(p, "srv-0001", t + 2 * MIN_MS, "pts/1");
	run_program(p, "srv-0001", t + 3 * MIN_MS);
	file_access(p, "srv-0001", t + 9 * MIN_MS, "secret", NULL, "read");
	logout(p, account, "srv-0001", t + 25 * MIN_MS, "sshd", from, "pts/1", pid);
}

static void ordinary_week(void)
{
	for (int day = 0; day < 5; day++) {
		for (size_t i = 0; i < NPEOPLE; i++) {
			const struct person *p = &people[i];
			/* frank is suspended; he shows up Monday and Tuesday only. */
			if (strcmp(p->user, "frank") == 0 && day > 1)
				continue;
			/* Starts between 07:30 and 09:00, ends 16:30 to 17:50, UTC;
			 * everyone's schedule allows that. */
			workday(p, day, hm(7, 30) + rnd(90) * MIN_MS, hm(16, 30) + rnd(80) * MIN_MS,
			        18 + (int)rnd(10));
		}
		admin_session(who("kim"), "kim", day, 10, 15, "lab-0002");
		if (day % 2 == 0)
			admin_session(who("alice"), "alice", day, 14, 5, "ws-0001");
		if (day == 1 || day == 3)
			admin_session(who("carol"), "carol-adm", day, 11, 40, "lab-0001");
		/* Kim keeps the lab machines: sudo now and then. */
		sudo(who("kim"), "lab-0002", MONDAY_MS + day * DAY_MS + hm(13, 20), "pts/0");
		if (day == 2)
			sudo(who("carol"), "lab-0001", MONDAY_MS + day * DAY_MS + hm(9, 50), "pts/0");
	}
}

/* ---- The findings the demo shows ----------------------------------------- */

static void inject_violations(void)
{
	const int mon = 0, tue = 1, wed = 2, thu = 3, fri = 4;
	int64_t t;
	int pid;

	/* clearance_exceeded: dave (SECRET) opens TOP SECRET files. */
	t = MONDAY_MS + wed * DAY_MS + hm(14, 12);
	file_access(who("dave"), "ws-0004", t, "ts", "roadmap-2027.txt", "read");
	file_access(who("dave"), "ws-0004", t + 95000, "ts", "source-list.xlsx", "read");

	/* need_to_know: heidi is not read on to FALCON. */
	t = MONDAY_MS + tue * DAY_MS + hm(11, 5);
	file_access(who("heidi"), "ws-0008", t, "falcon", "design-v3.pdf", "read");
	file_access(who("heidi"), "ws-0008", t + 42000, "falcon", "telemetry-2026-11.csv", "read");

	/* need_to_know: erin was debriefed from FALCON on 2026-10-30. */
	t = MONDAY_MS + wed * DAY_MS + hm(10, 20);
	file_access(who("erin"), "ws-0005", t, "falcon", "test-plan.txt", "read");
	file_access(who("erin"), "ws-0005", t + 300000, "falcon", "test-plan.txt", "write");

	/* vetting_lapsed: frank is suspended (his Monday and Tuesday come from
	 * ordinary_week); grace's review is overdue all week. Nothing to add. */
	(void)mon;

	/* unknown_account: a night-time login with an account nobody owns. */
	t = MONDAY_MS + thu * DAY_MS + hm(2, 14);
	pid = next_pid++;
	for (int i = 0; i < 3; i++)
		add("srv-0001", t - (3 - i) * 20000,
		    (struct fields){.kind = "auth_failure", .user = "tmpuser", .service = "sshd",
		                    .rhost = "203.0.113.45", .result = "failure", .exe = "/usr/sbin/sshd",
		                    .pid = pid});
	login(NULL, "tmpuser", "srv-0001", t, "sshd", "203.0.113.45", "pts/3", pid);
	add("srv-0001", t + 70000,
	    (struct fields){.kind = "file_access", .user = "tmpuser",
	                    .path = "/srv/vigil-demo/secret/threat-assessment-q4.docx", .op = "read",
	                    .result = "success", .exe = "/usr/bin/scp", .uid = 1050, .pid = pid + 1,
	                    .key = "vigil-demo"});
	logout(NULL, "tmpuser", "srv-0001", t + 160000, "sshd", "203.0.113.45", "pts/3", pid);

	/* host_not_accredited: heidi (hq) logs in to a lab machine. */
	t = MONDAY_MS + thu * DAY_MS + hm(15, 30);
	pid = next_pid++;
	login(who("heidi"), "heidi", "lab-0002", t, "sshd", "ws-0008", "pts/2", pid);
	run_program(who("heidi"), "lab-0002", t + 60000);
	logout(who("heidi"), "heidi", "lab-0002", t + 11 * MIN_MS, "sshd", "ws-0008", "pts/2", pid);

	/* outside_schedule: bob keeps working after 19:00 on Wednesday. */
	t = MONDAY_MS + wed * DAY_MS + hm(20, 5);
	pid = next_pid++;
	login(who("bob"), "bob", "ws-0002", t, "login", NULL, "tty1", pid);
	file_access(who("bob"), "ws-0002", t + 4 * MIN_MS, "falcon", "telemetry-2026-11.csv", "read");
	file_access(who("bob"), "ws-0002", t + 31 * MIN_MS, "falcon", "issues.md", "write");
	logout(who("bob"), "bob", "ws-0002", t + 40 * MIN_MS, "login", NULL, "tty1", pid);

	/* unauthorized_privilege: judy holds no sudo right in the policy. */
	sudo(who("judy"), "ws-0003", MONDAY_MS + tue * DAY_MS + hm(13, 47), "tty1");

	/* removable_media: a USB stick on an hq workstation. */
	add("ws-0003", MONDAY_MS + fri * DAY_MS + hm(15, 2),
	    (struct fields){.kind = "media", .user = "judy", .path = "/media/judy/KINGSTON",
	                    .op = "mount", .result = "success", .exe = "/usr/bin/mount",
	                    .uid = 1010, .pid = next_pid++});
}

static void agent_starts(void)
{
	for (size_t h = 0; h < NHOSTS; h++)
		add(hosts[h], MONDAY_MS + hm(6, 0) + (int64_t)h * 1000,
		    (struct fields){.kind = "agent", .detail = "{\"event\":\"start\"}"});
}

static int by_time(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order - y->order;
}

int main(void)
{
	long long seq[NHOSTS] = {0};

	agent_starts();
	ordinary_week();
	inject_violations();
	qsort(events, (size_t)nevents, sizeof events[0], by_time);
	for (int i = 0; i < nevents; i++) {
		printf("{\"seq\":%lld,%s}\n", ++seq[events[i].host], events[i].body);
		free(events[i].body);
	}
	return 0;
}
