/*
 * Randomised determinism and crash-safety test of behavioural detection
 * (col_behave): a seeded generator makes three weeks of an organisation's
 * events (persons, workstations and servers, agents' start, heartbeat and
 * stop, sessions, failures, file accesses, night work, absences, guessing),
 * each event arriving a little after its time, and the stream is fed to the
 * engine against a real SQLite store, as the collector's ingest does:
 *
 *   (a) one batch per hour of arrival,
 *   (b) random small batches (arrival order: events shuffled only within
 *       the reorder window), with idle flushes between them as the
 *       collector's timer makes,
 *   (c) as (b), plus crashes at random transaction boundaries (the engine
 *       dropped and restored from the store) and transactions that roll
 *       back (the engine abandoned and rebuilt from the store, the batch
 *       sent again, sometimes after another thread's batch),
 *   (d) as (b), but replayed long after, fast: events received when fed,
 *       no batch ever waiting a window of wall clock, the state written
 *       about never.
 *
 * Every run records its anomalies with col_store_anomaly_record; the
 * anomalies tables (incident, kind, severity, times, count, person,
 * account, host, summary, reasons and every evidence link) must be
 * identical. Streams start at the epoch (1970-01-01T00:00:00.000Z, the
 * earliest valid event time), in 2026, and end at 9999-12-31T23:59:59.999Z
 * (the latest). VIGIL_RANDOM_SEEDS=n runs n seeds per start instead of
 * the default.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "col_behave.h"
#include "col_detect.h"
#include "col_store.h"
#include "pol.h"
#include "vg_event.h"
#include "vg_log.h"
#include "vg_time.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The policy's reorder window is 5 minutes. Every event arrives less than
 * half a window after its time, and a batch's arrivals span less than a
 * fifth of it, so no event arrives a window after a later one, even when
 * an earlier batch's wall-clock wait released the watermark: the stream is
 * on time, and every split must decide it alike. */
#define JITTER_MS 90000                 /* arrival delay */
#define SPAN_MS 60000                   /* a batch's arrivals span at most this */

static char tmpdir[64];
static struct pol_policy *pol;

/* ---- the policy ------------------------------------------------------------ */

#define CLEARANCE                                                                     \
	"clearance = { level = \"S\"; status = \"active\"; nda_signed = \"1970-01-01\";" \
	" granted = \"1970-01-01\"; review_due = \"9999-12-31\"; };"
#define COMPS                                                                         \
	"compartments = ( { name = \"EAGLE\"; read_on = \"1970-01-01\"; } );"
#define HOSTS "hosts = [\"ws-*\", \"lab-*\", \"srv-*\", \"gw-*\"];"

/* /srv/proj/owl/ lies inside /srv/proj/ at a lower level: the decision's
 * resource for a path there is proj (the most restrictive), while the
 * longest prefix is owl. */
static const char policy_text[] =
	"policy = { id = \"random\"; serial = 1; };\n"
	"levels = ( { name = \"U\"; rank = 0; }, { name = \"S\"; rank = 20; } );\n"
	"compartments = ( { name = \"EAGLE\"; } );\n"
	"persons = (\n"
	"  { id = \"p1\"; name = \"Alice Smith\"; accounts = [\"alice\", \"alice.adm\"];"
	" groups = [\"eng\"]; " CLEARANCE " " COMPS " " HOSTS " },\n"
	"  { id = \"p2\"; name = \"Bob Jones\"; accounts = [\"bob\"]; groups = [\"eng\"]; " CLEARANCE
	" " COMPS " " HOSTS " },\n"
	"  { id = \"p3\"; name = \"Carol White\"; accounts = [\"carol\"]; groups = [\"eng\"]; " CLEARANCE
	" " COMPS " " HOSTS " },\n"
	"  { id = \"p4\"; name = \"Dave Brown\"; accounts = [\"dave\"]; groups = [\"ops\"]; " CLEARANCE
	" " COMPS " " HOSTS " },\n"
	"  { id = \"p5\"; name = \"Erin Green\"; accounts = [\"erin\"]; groups = [\"ops\"]; " CLEARANCE
	" " COMPS " " HOSTS " }\n"
	");\n"
	"resources = (\n"
	"  { id = \"proj\"; path = \"/srv/proj/\"; level = \"S\"; compartments = [\"EAGLE\"]; },\n"
	"  { id = \"owl\"; path = \"/srv/proj/owl/\"; level = \"U\"; },\n"
	"  { id = \"home\"; path = \"/home/\"; level = \"U\"; },\n"
	"  { id = \"tools\"; path = \"/opt/tools/\"; level = \"U\"; }\n"
	");\n"
	"hosts = (\n"
	"  { name = \"ws-*\"; level = \"S\"; site = \"hq\"; removable_media = true; },\n"
	"  { name = \"lab-*\"; level = \"S\"; site = \"lab\"; removable_media = false; },\n"
	"  { name = \"srv-*\"; level = \"S\"; site = \"lab\"; removable_media = false; },\n"
	"  { name = \"gw-*\"; level = \"S\"; removable_media = false; }\n"
	");\n"
	"thresholds = {\n"
	"  failed_login_burst = { count = 4; window = \"10m\"; };\n"
	"  volume_spike = { factor = 3; min_events = 20; window = \"1d\"; };\n"
	"  first_access = { learning = \"3d\"; };\n"
	"  unusual_hour = { learning = \"3d\"; };\n"
	"  concurrent_sessions = { window = \"5m\"; };\n"
	"  dormant_account = { after = \"4d\"; };\n"
	"  agent_silent = { after = \"2h\"; };\n"
	"  reorder = { window = \"5m\"; };\n"
	"};\n";

static int setup_all(void **state)
{
	char path[128];
	struct pol_diag diag;
	(void)state;

	vg_log_init("test_behave_random", VG_LOG_WARN, 0);   /* not every restore */
	/* Thousands of small transactions: in memory when there is room
	 * (each commit's sync would otherwise dominate the run time). */
	snprintf(tmpdir, sizeof tmpdir, "/dev/shm/vigil-unit.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		snprintf(tmpdir, sizeof tmpdir, "/tmp/vigil-unit.XXXXXX");
		if (!mkdtemp(tmpdir))
			return -1;
	}
	snprintf(path, sizeof path, "%s/policy.cfg", tmpdir);
	FILE *f = fopen(path, "w");
	if (!f || fputs(policy_text, f) == EOF || fclose(f) != 0)
		return -1;
	pol_diag_init(&diag);
	if (pol_load(path, &pol, &diag) < 0) {
		pol_diag_print(&diag, stderr);
		pol_diag_free(&diag);
		return -1;
	}
	pol_diag_free(&diag);
	return 0;
}

static int teardown_all(void **state)
{
	char cmd[128];
	(void)state;
	pol_free(pol);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- a seeded generator ------------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static int64_t rint_(struct rng *r, int64_t n)    /* 0 .. n-1 */
{
	return n > 0 ? (int64_t)(rnd(r) % (uint64_t)n) : 0;
}

static bool chance(struct rng *r, int percent)
{
	return rint_(r, 100) < percent;
}

enum { NHOSTS = 8 };
static const char *const host_names[NHOSTS] = {"ws-1", "ws-2", "ws-3", "ws-4",
                                               "lab-1", "lab-2", "srv-1", "gw-1"};

struct person {
	const char *account;
	int home;                       /* host index */
};
static const struct person persons[] = {
	{"alice", 0}, {"bob", 1}, {"carol", 2}, {"dave", 3}, {"erin", 3},
};
#define NPERSONS (int)(sizeof persons / sizeof persons[0])

/* One generated event. Strings point into the generator's pool. */
struct gev {
	struct vg_event ev;
	int host;                       /* index: agent host + 1 is its agent id */
	int64_t arrival;
	size_t idx;                     /* generation order, for stable sorts */
	char *json;
	size_t jsonlen;
};

struct stream {
	struct gev *v;
	size_t n, cap;
	char **pool;                    /* strings to free */
	size_t npool, cappool;
	json_t *actions[3];             /* detail objects: start, heartbeat, stop */
};

static const char *keep(struct stream *s, const char *str)
{
	if (s->npool == s->cappool) {
		s->cappool = s->cappool ? s->cappool * 2 : 1024;
		s->pool = realloc(s->pool, s->cappool * sizeof *s->pool);
		assert_non_null(s->pool);
	}
	char *c = strdup(str);
	assert_non_null(c);
	s->pool[s->npool++] = c;
	return c;
}

static struct vg_event *add(struct stream *s, int64_t t, int host, enum vg_kind kind)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 4096;
		s->v = realloc(s->v, s->cap * sizeof *s->v);
		assert_non_null(s->v);
	}
	struct gev *g = &s->v[s->n];
	memset(g, 0, sizeof *g);
	g->idx = s->n++;
	g->host = host;
	vg_event_init(&g->ev);
	g->ev.time_ms = t;
	g->ev.kind = kind;
	g->ev.host = host_names[host];
	return &g->ev;
}

static void agent_ev(struct stream *s, int64_t t, int host, int action)
{
	struct vg_event *ev = add(s, t, host, VG_KIND_AGENT);
	ev->detail = s->actions[action];
}

static void auth(struct stream *s, int64_t t, int host, const char *user, bool ok,
                 const char *rhost)
{
	struct vg_event *ev = add(s, t, host, ok ? VG_KIND_AUTH_SUCCESS : VG_KIND_AUTH_FAILURE);
	ev->user = user;
	ev->service = "sshd";
	ev->result = ok ? VG_RESULT_SUCCESS : VG_RESULT_FAILURE;
	ev->rhost = rhost;
}

static void session(struct stream *s, int64_t t, int host, const char *user, bool open,
                    const char *rhost)
{
	struct vg_event *ev = add(s, t, host, open ? VG_KIND_SESSION_OPEN : VG_KIND_SESSION_CLOSE);
	ev->user = user;
	ev->service = "sshd";
	ev->result = VG_RESULT_SUCCESS;
	ev->rhost = rhost;
}

static void file(struct stream *s, struct rng *r, int64_t t, int host, const char *user,
                 const char *path)
{
	struct vg_event *ev = add(s, t, host, VG_KIND_FILE_ACCESS);
	ev->user = user;
	ev->path = path;
	ev->op = chance(r, 80) ? VG_OP_READ : VG_OP_WRITE;
	ev->result = chance(r, 95) ? VG_RESULT_SUCCESS : VG_RESULT_FAILURE;
}

/* A path a person touches: mostly their own project files, sometimes the
 * nested owl area, the shared tools, home, or somewhere no rule covers. */
static const char *pick_path(struct stream *s, struct rng *r, const char *user)
{
	char p[128];
	int64_t k = rint_(r, 100);
	if (k < 55)
		snprintf(p, sizeof p, "/srv/proj/%s/doc%d.txt", user, (int)rint_(r, 40));
	else if (k < 62)
		snprintf(p, sizeof p, "/srv/proj/owl/plan%d", (int)rint_(r, 5));
	else if (k < 75)
		snprintf(p, sizeof p, "/opt/tools/t%d", (int)rint_(r, 10));
	else if (k < 92)
		snprintf(p, sizeof p, "/home/%s/f%d", user, (int)rint_(r, 20));
	else
		snprintf(p, sizeof p, "/var/tmp/x%d", (int)rint_(r, 50));
	return keep(s, p);
}

/* A workstation's or server's agent over one day: start, heartbeats every
 * 30 minutes, stop; sometimes it goes quiet without a stop. */
static void agent_day(struct stream *s, struct rng *r, int64_t day, int host)
{
	bool server = host >= 4;
	int64_t from = server ? 0 : 7 * 3600000LL + rint_(r, 1800000);
	int64_t to = server ? VG_MS_PER_DAY : 19 * 3600000LL + rint_(r, 1800000);
	int64_t quiet_at = chance(r, 12) ? from + rint_(r, to - from) : -1;
	int64_t quiet_for = 3 * 3600000LL + rint_(r, 3 * 3600000LL);

	if (!server)
		agent_ev(s, day + from, host, 0);
	for (int64_t t = from; t < to; t += 30 * 60000) {
		if (quiet_at >= 0 && t >= quiet_at && (!server || t < quiet_at + quiet_for))
			continue;
		agent_ev(s, day + t, host, 1);
	}
	if (!server && quiet_at < 0)
		agent_ev(s, day + to, host, 2);
}

/* One person's day: a session on their workstation with file accesses
 * (sometimes ten times as many), now and then a session on a lab server
 * (from their workstation, or from somewhere else), a night session, a
 * burst of failures. */
static void person_day(struct stream *s, struct rng *r, int64_t day, int d, int p)
{
	const struct person *ps = &persons[p];
	const char *u = ps->account;
	int home = ps->home;

	if (p == 3 && d >= 5 && d <= 10)
		return;                         /* dave is away: dormant when back */
	if (chance(r, 8))
		return;
	int64_t start = day + 9 * 3600000LL + rint_(r, 3600000);
	int64_t end = day + 16 * 3600000LL + rint_(r, 2 * 3600000LL);
	auth(s, start - 2000, home, u, true, NULL);
	session(s, start, home, u, true, NULL);
	int n = 12 + (int)rint_(r, 12);
	if (chance(r, 5))
		n *= 8;
	for (int i = 0; i < n; i++)
		file(s, r, start + 60000 + rint_(r, end - start - 120000), home, u, pick_path(s, r, u));
	if (chance(r, 10)) {
		struct vg_event *ev = add(s, start + rint_(r, end - start), home, VG_KIND_EXEC);
		ev->user = u;
		ev->path = "/usr/bin/vim";
		ev->exe = "/usr/bin/vim";
		ev->result = VG_RESULT_SUCCESS;
	}
	if (p == 0 && chance(r, 20)) {
		struct vg_event *ev = add(s, start + rint_(r, end - start), home, VG_KIND_PRIVILEGE);
		ev->user = "alice.adm";
		ev->ruser = "root";
		ev->service = "sudo";
		ev->result = VG_RESULT_SUCCESS;
	}
	if (chance(r, 15)) {
		/* A lab session: from the workstation (a chain), from an
		 * address the policy does not place, or from nowhere said. */
		int lab = 4 + (int)rint_(r, 3);
		int64_t k = rint_(r, 3), t = start + rint_(r, end - start - 600000);
		const char *rhost = k == 0 ? host_names[home] : k == 1 ? "203.0.113.7" : NULL;
		session(s, t, lab, u, true, rhost);
		file(s, r, t + 30000, lab, u, pick_path(s, r, u));
		if (chance(r, 80))
			session(s, t + 60000 + rint_(r, 3600000), lab, u, false, rhost);
	}
	if (chance(r, 70))
		session(s, end, home, u, false, NULL);
	if (chance(r, 4)) {
		/* Night work. */
		int64_t t = day + 2 * 3600000LL + rint_(r, 2 * 3600000LL);
		session(s, t, home, u, true, NULL);
		for (int i = 0; i < 5; i++)
			file(s, r, t + 1000 + i * 7000, home, u, pick_path(s, r, u));
		session(s, t + 50000, home, u, false, NULL);
	}
	if (chance(r, 10)) {
		/* Forgotten password. */
		int64_t t = start - 600000 - rint_(r, 3600000);
		int k = 3 + (int)rint_(r, 6);
		for (int i = 0; i < k; i++)
			auth(s, t + i * (20000 + rint_(r, 40000)), home, u, false, NULL);
	}
}

/* Someone trying many accounts from one source. */
static void guessing(struct stream *s, struct rng *r, int64_t day)
{
	int64_t t = day + rint_(r, VG_MS_PER_DAY - 600000);
	const char *src = chance(r, 50) ? "198.51.100.9" : NULL;     /* else ws-3 itself */
	int host = src ? 6 : 2;
	int k = 3 + (int)rint_(r, 6);
	for (int i = 0; i < k; i++) {
		char name[32];
		const char *u;
		if (chance(r, 40))
			u = persons[rint_(r, NPERSONS)].account;
		else {
			snprintf(name, sizeof name, "guess%d", (int)rint_(r, 1000));
			u = keep(s, name);
		}
		auth(s, t + i * rint_(r, 40000), host, u, false, src);
	}
}

static int by_time(const void *a, const void *b)
{
	const struct gev *x = a, *y = b;
	if (x->ev.time_ms != y->ev.time_ms)
		return x->ev.time_ms < y->ev.time_ms ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int by_arrival(const void *a, const void *b)
{
	const struct gev *x = a, *y = b;
	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Generates days of events from base (ms, a UTC midnight), sorted by
 * arrival. Events past last (ms) are dropped. */
static void generate(struct stream *s, uint64_t seed, int64_t base, int days, int64_t last)
{
	struct rng r = {seed};
	static const char *const acts[3] = {"start", "heartbeat", "stop"};

	memset(s, 0, sizeof *s);
	for (int i = 0; i < 3; i++)
		assert_non_null(s->actions[i] = json_pack("{s:s}", "action", acts[i]));
	/* The very first moment of the stream. */
	agent_ev(s, base, 6, 0);
	auth(s, base, 0, "alice", true, NULL);
	for (int d = 0; d < days; d++) {
		int64_t day = base + d * VG_MS_PER_DAY;
		int wd = vg_time_weekday(day);
		for (int h = 0; h < NHOSTS; h++)
			if (h >= 4 || wd < 5 || chance(&r, 10))
				agent_day(s, &r, day, h);
		for (int p = 0; p < NPERSONS; p++)
			if (wd < 5 || chance(&r, 5))
				person_day(s, &r, day, d, p);
		if (chance(&r, 30))
			guessing(s, &r, day);
		/* An account of no person, away for a week in the middle. */
		if (d < 6 || d > 12)
			auth(s, day + 3 * 3600000LL + rint_(&r, 60000), 6, "svc", true, NULL);
	}
	/* The very last moment an event can have. */
	agent_ev(s, last, 6, 1);
	auth(s, last, 6, "bob", true, "ws-2");
	/* Whatever the seed, one of each finding in the third week: ... */
	int64_t hole = -1;
	if (days >= 17) {
		int64_t d12 = base + 12 * VG_MS_PER_DAY, d14 = base + 14 * VG_MS_PER_DAY;
		int64_t d15 = base + 15 * VG_MS_PER_DAY, d16 = base + 16 * VG_MS_PER_DAY;
		for (int i = 0; i < 6; i++)             /* a burst of failures */
			auth(s, d12 + 8 * 3600000LL + i * 20000, 1, "bob", false, NULL);
		session(s, d14 + 10 * 3600000LL, 2, "carol", true, NULL);        /* at hq ... */
		session(s, d14 + 11 * 3600000LL, 4, "carol", true, NULL);        /* ... and the lab */
		session(s, d15 + 3 * 3600000LL, 1, "bob", true, NULL);           /* 03:00 */
		for (int i = 0; i < 300; i++)           /* ten times the usual */
			file(s, &r, d16 + 10 * 3600000LL + i * 30000, 0, "alice",
			     pick_path(s, &r, "alice"));
		hole = base + 13 * VG_MS_PER_DAY + 12 * 3600000LL;    /* lab-2 quiet for 5 h */
	}

	/* Drop what fell past the end or into the hole; number each agent's
	 * events in time order; arrival a little after the event. */
	size_t k = 0;
	for (size_t i = 0; i < s->n; i++) {
		const struct gev *g = &s->v[i];
		if (hole >= 0 && g->host == 5 && g->ev.time_ms >= hole &&
		    g->ev.time_ms < hole + 5 * 3600000LL)
			continue;
		if (g->ev.time_ms <= last && g->ev.time_ms >= base)
			s->v[k++] = s->v[i];
	}
	s->n = k;
	qsort(s->v, s->n, sizeof *s->v, by_time);
	int64_t seq[NHOSTS] = {0};
	for (size_t i = 0; i < s->n; i++) {
		struct gev *g = &s->v[i];
		g->ev.seq = ++seq[g->host];
		g->arrival = g->ev.time_ms + rint_(&r, JITTER_MS);
		json_t *j = vg_event_encode(&g->ev);
		assert_non_null(j);
		g->json = json_dumps(j, JSON_COMPACT);
		assert_non_null(g->json);
		g->jsonlen = strlen(g->json);
		/* What the collector stores must read back as this event. */
		struct vg_event back;
		char err[300];
		if (vg_event_decode(j, &back, err, sizeof err) < 0)
			fail_msg("generated event %s: %s", g->json, err);
		assert_true(back.time_ms == g->ev.time_ms);
		json_decref(j);
	}
	qsort(s->v, s->n, sizeof *s->v, by_arrival);
}

static void stream_free(struct stream *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i].json);
	free(s->v);
	for (size_t i = 0; i < s->npool; i++)
		free(s->pool[i]);
	free(s->pool);
	for (int i = 0; i < 3; i++)
		json_decref(s->actions[i]);
}

/* ---- running a stream ----------------------------------------------------------- */

static int record(void *ctx, const struct col_anomaly *a, enum vg_akind kind)
{
	int64_t id;
	(void)kind;
	return col_store_anomaly_record(ctx, a, &id) < 0 ? -1 : 0;
}

struct run {
	struct col_store *s;
	struct col_behave *b;
	struct col_behave_sink sink;
	char path[128];
	struct rng r;
	int crashes, rollbacks;
	bool replay;                    /* events are received when fed (now), not at arrival */
	int64_t now;                    /* the wall clock of the transaction being fed */
};

static void run_open(struct run *R, const char *name, uint64_t seed)
{
	char err[256];
	memset(R, 0, sizeof *R);
	snprintf(R->path, sizeof R->path, "%s/%s.db", tmpdir, name);
	remove(R->path);
	R->s = col_store_sqlite_open(R->path, err, sizeof err);
	if (!R->s)
		fail_msg("%s", err);
	for (int h = 0; h < NHOSTS; h++) {
		int64_t id;
		char hash[32];
		snprintf(hash, sizeof hash, "hash-%d", h);
		assert_int_equal(col_store_agent_add(R->s, host_names[h], hash, &id), 0);
		assert_true(id == h + 1);
	}
	R->b = col_behave_new();
	assert_non_null(R->b);
	R->sink = (struct col_behave_sink){record, R->s};
	R->r.s = seed;
}

/* Stores and feeds events [from, to) in the open transaction, as ingest
 * does: the event, its policy decision, its feeding with the decision's
 * resource. */
static void feed(struct run *R, struct stream *st, size_t from, size_t to)
{
	static struct col_detect_result dr;
	for (size_t i = from; i < to; i++) {
		struct gev *g = &st->v[i];
		int64_t received = R->replay ? R->now : g->arrival;
		int rc = col_store_event_insert(R->s, g->host + 1, &g->ev, g->json, g->jsonlen,
		                                received, NULL);
		assert_int_equal(rc, 1);
		dr.decision.resource = NULL;
		col_detect_event(pol, &g->ev, &dr);
		assert_int_equal(col_behave_feed(R->b, g->host + 1, &g->ev, received, pol,
		                                 dr.decision.resource), 0);
	}
}

static void flush_txn(struct run *R, int64_t now, bool force)
{
	assert_int_equal(col_store_begin(R->s), 0);
	if (col_behave_flush(R->b, R->s, pol, now, force, &R->sink) < 0)
		fail_msg("flush: %s", col_store_error(R->s));
	assert_int_equal(col_store_commit(R->s), 0);
}

/* The engine is lost (a crash) and rebuilt from the store, as the collector
 * does at start and after a failed transaction (col_found_recover). */
static void restore(struct run *R, int64_t now)
{
	col_behave_free(R->b);
	R->b = col_behave_new();
	assert_non_null(R->b);
	assert_int_equal(col_store_begin(R->s), 0);
	if (col_behave_restore(R->b, R->s, pol, now, &R->sink) < 0)
		fail_msg("restore: %s", col_store_error(R->s));
	assert_int_equal(col_store_commit(R->s), 0);
}

/* col_found_recover: the same engine rebuilt from the store. */
static void recover(struct run *R, int64_t now)
{
	assert_int_equal(col_store_begin(R->s), 0);
	if (col_behave_restore(R->b, R->s, pol, now, &R->sink) < 0)
		fail_msg("restore: %s", col_store_error(R->s));
	assert_int_equal(col_store_commit(R->s), 0);
}

/* An ingest transaction of events [from, to) that fails at its end: the
 * flush may have decided, recorded and written state; the engine is
 * abandoned before the lock goes, as col_ingest does. */
static void failed_txn(struct run *R, struct stream *st, size_t from, size_t to, int64_t now)
{
	R->now = now;
	assert_int_equal(col_store_begin(R->s), 0);
	feed(R, st, from, to);
	if (col_behave_flush(R->b, R->s, pol, now, chance(&R->r, 50), &R->sink) < 0)
		fail_msg("flush: %s", col_store_error(R->s));
	col_behave_abandon(R->b);
	col_store_rollback(R->s);
	R->rollbacks++;
}

/* One ingest transaction of events [from, to) at wall clock now. With
 * mishaps, it may roll back (and be sent again after the engine is rebuilt)
 * or be followed by a crash. */
static void batch(struct run *R, struct stream *st, size_t from, size_t to, int64_t now,
                  bool mishaps)
{
	R->now = now;
	if (mishaps && chance(&R->r, 4)) {
		failed_txn(R, st, from, to, now);
		recover(R, now);
	}
	assert_int_equal(col_store_begin(R->s), 0);
	feed(R, st, from, to);
	if (col_behave_flush(R->b, R->s, pol, now, mishaps && chance(&R->r, 10), &R->sink) < 0)
		fail_msg("flush: %s", col_store_error(R->s));
	assert_int_equal(col_store_commit(R->s), 0);
	if (mishaps && chance(&R->r, 4)) {
		restore(R, now);
		R->crashes++;
	}
}

/* The anomalies table and every evidence link, as text. */
static char *dump(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	static const char *const q[] = {
		"SELECT incident, kind, severity, time_ms, last_ms, count, coalesce(person,'-'),"
		" coalesce(account,'-'), coalesce(host,'-'), summary, reasons FROM anomalies"
		" ORDER BY incident",
		"SELECT a.incident, e.agent, e.seq FROM anomaly_events e JOIN anomalies a"
		" ON a.id = e.anomaly ORDER BY 1, 2, 3",
	};

	assert_non_null(f);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(sqlite3_prepare_v2(db, q[i], -1, &st, NULL), SQLITE_OK);
		while (sqlite3_step(st) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(st); c++)
				fprintf(f, "%s%s", c ? "|" : "", (const char *)sqlite3_column_text(st, c));
			fputc('\n', f);
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(db);
	fclose(f);
	return out;
}

enum mode { HOURLY, SMALL, CRASHES, REPLAY };

/* The end of the batch that starts at i, and the wall clock it is sent at. */
static size_t next_batch(struct run *R, struct stream *st, size_t i, enum mode mode, int64_t *now)
{
	size_t j = i + 1;
	if (mode == HOURLY) {
		/* An hour's arrivals at once, sent when the first arrived: a
		 * recording replayed hour by hour. */
		int64_t hour = st->v[i].arrival / 3600000;
		while (j < st->n && st->v[j].arrival / 3600000 == hour)
			j++;
		*now = st->v[i].arrival;
	} else {
		/* A few events at a time, sent when the last arrived. */
		size_t size = 1 + (size_t)rint_(&R->r, 40);
		while (j < st->n && j - i < size && st->v[j].arrival - st->v[i].arrival <= SPAN_MS)
			j++;
		*now = st->v[j - 1].arrival;
	}
	if (mode == REPLAY) {
		/* A recording replayed fast, long after: each batch a
		 * millisecond after the last, so no batch waits a window of
		 * wall clock, and the state is written once in ten seconds of
		 * it (about never). */
		R->now += 1;
		*now = R->now;
	}
	return j;
}

/* Feeds the whole stream in the mode's batches, then a last flush a day of
 * wall clock later; returns the anomalies as text. */
static char *run_stream(struct stream *st, enum mode mode, uint64_t seed, const char *name,
                        int *crashes)
{
	struct run R;
	run_open(&R, name, seed);
	R.replay = mode == REPLAY;
	R.now = st->v[st->n - 1].arrival + VG_MS_PER_DAY;
	size_t i = 0;
	while (i < st->n) {
		int64_t now, now2;
		size_t j = next_batch(&R, st, i, mode, &now);
		if (mode == CRASHES && j < st->n && chance(&R.r, 3)) {
			/* A transaction fails; another ingest thread's batch takes
			 * the lock before the engine is rebuilt; then the failed
			 * batch is sent again (at once: still on time). */
			size_t j2 = next_batch(&R, st, j, mode, &now2);
			if (now2 - st->v[i].arrival <= SPAN_MS) {
				failed_txn(&R, st, i, j, now);
				batch(&R, st, j, j2, now2, false);
				recover(&R, now2);
				batch(&R, st, i, j, now2, false);
				i = j2;
				continue;
			}
		}
		batch(&R, st, i, j, now, mode == CRASHES);
		if ((mode == SMALL || mode == CRASHES) && j < st->n && chance(&R.r, 20)) {
			/* The timer's flush, between two arrivals. */
			int64_t next = st->v[j].arrival;
			flush_txn(&R, now + rint_(&R.r, next - now + 1), false);
		}
		i = j;
	}
	int64_t end = (mode == REPLAY ? R.now : st->v[st->n - 1].arrival) + VG_MS_PER_DAY;
	flush_txn(&R, end, true);
	assert_int_equal(col_behave_pending(R.b), 0);
	if (mode == CRASHES) {
		/* And a last crash after everything was decided changes nothing. */
		restore(&R, end);
		flush_txn(&R, end + 1, true);
	}
	if (crashes)
		*crashes = R.crashes + R.rollbacks;
	col_behave_free(R.b);
	col_store_close(R.s);
	return dump(R.path);
}

/* Reports the first line where two dumps differ. */
static void same(const char *what, const char *x, const char *y)
{
	if (strcmp(x, y) == 0)
		return;
	size_t line = 1, i = 0, start = 0;
	while (x[i] && x[i] == y[i]) {
		if (x[i] == '\n') {
			line++;
			start = i + 1;
		}
		i++;
	}
	fail_msg("%s: anomalies differ at line %zu:\n  < %.300s\n  > %.300s", what, line, x + start,
	         y + start);
}

static int seeds(int dflt)
{
	const char *e = getenv("VIGIL_RANDOM_SEEDS");
	int n = e ? atoi(e) : 0;
	return n > 0 ? n : dflt;
}

/* VIGIL_RANDOM_FIRST=k starts at the k-th seed (to rerun one). */
static uint64_t first_seed(void)
{
	const char *e = getenv("VIGIL_RANDOM_FIRST");
	return e ? (uint64_t)strtoull(e, NULL, 10) : 0;
}

static void check_stream(int64_t base, int days, int64_t last, uint64_t seed, bool all_kinds)
{
	struct stream st;
	char name[64];
	int crashes = 0;

	generate(&st, seed, base, days, last);
	snprintf(name, sizeof name, "hourly-%llu", (unsigned long long)seed);
	char *a = run_stream(&st, HOURLY, seed, name, NULL);
	snprintf(name, sizeof name, "small-%llu", (unsigned long long)seed);
	char *b = run_stream(&st, SMALL, seed * 7 + 1, name, NULL);
	snprintf(name, sizeof name, "crash-%llu", (unsigned long long)seed);
	char *c = run_stream(&st, CRASHES, seed * 13 + 5, name, &crashes);
	snprintf(name, sizeof name, "replay-%llu", (unsigned long long)seed);
	char *d = run_stream(&st, REPLAY, seed * 17 + 3, name, NULL);

	/* Not vacuous: the stream makes findings, and mishaps happened. */
	assert_true(strlen(a) > 0);
	assert_true(crashes > 0);
	if (all_kinds) {
		static const char *const kinds[] = {"|failed_login_burst|", "|volume_spike|",
		                                    "|first_access|", "|unusual_hour|",
		                                    "|concurrent_sessions|", "|dormant_account|",
		                                    "|agent_silent|"};
		for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
			if (!strstr(a, kinds[k]))
				fail_msg("seed %llu: no %s anomaly in the stream", (unsigned long long)seed,
				         kinds[k]);
	}
	char what[100];
	snprintf(what, sizeof what, "seed %llu: hourly vs small batches", (unsigned long long)seed);
	same(what, a, b);
	snprintf(what, sizeof what, "seed %llu: small batches vs crashes and rollbacks",
	         (unsigned long long)seed);
	same(what, b, c);
	snprintf(what, sizeof what, "seed %llu: hourly vs a fast replay", (unsigned long long)seed);
	same(what, a, d);
	free(d);
	free(a);
	free(b);
	free(c);
	stream_free(&st);
}

/* 2026-11-02 (a Monday), three weeks. */
static void test_random_2026(void **state)
{
	(void)state;
	int64_t base;
	assert_int_equal(vg_time_parse("2026-11-02T00:00:00.000Z", &base), 0);
	int n = seeds(2);
	for (int i = 0; i < n; i++)
		check_stream(base, 21, base + 21 * VG_MS_PER_DAY - 1, 1000 + first_seed() + (uint64_t)i, true);
}

/* From the first valid moment: the epoch (a Thursday). */
static void test_random_epoch(void **state)
{
	(void)state;
	int64_t base;
	assert_int_equal(vg_time_parse("1970-01-01T00:00:00.000Z", &base), 0);
	assert_true(base == 0);
	int n = seeds(1);
	for (int i = 0; i < n; i++)
		check_stream(base, 21, base + 21 * VG_MS_PER_DAY - 1, 2000 + first_seed() + (uint64_t)i, false);
}

/* Up to the last valid moment: 9999-12-31T23:59:59.999Z. */
static void test_random_9999(void **state)
{
	(void)state;
	int64_t base, last;
	assert_int_equal(vg_time_parse("9999-12-11T00:00:00.000Z", &base), 0);
	assert_int_equal(vg_time_parse("9999-12-31T23:59:59.999Z", &last), 0);
	int n = seeds(1);
	for (int i = 0; i < n; i++)
		check_stream(base, 21, last, 3000 + first_seed() + (uint64_t)i, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_2026),
		cmocka_unit_test(test_random_epoch),
		cmocka_unit_test(test_random_9999),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
