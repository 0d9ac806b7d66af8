/*
 * Regression tests for behavioural detection (col_behave), one per defect
 * found in review: each scenario is small and exact, and each compares what
 * the engine does with what an undisturbed run (or the documentation)
 * says it must do. The randomised counterpart is test_behave_random.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "col_behave.h"
#include "col_behave_internal.h"
#include "col_store.h"
#include "pol.h"
#include "vg_buf.h"
#include "vg_event.h"
#include "vg_log.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1794441600000LL          /* 2026-11-12T00:00:00Z */
#define MIN 60000LL
#define DAY VG_MS_PER_DAY

static char tmpdir[64];
static struct pol_policy *pol;

static const char policy_text[] =
	"policy = { id = \"regress\"; serial = 1; };\n"
	"levels = ( { name = \"U\"; rank = 0; } );\n"
	"persons = ( { id = \"p1\"; name = \"Alice Smith\"; accounts = [\"alice\"];"
	" clearance = { level = \"U\"; status = \"active\"; nda_signed = \"2020-01-01\";"
	" granted = \"2020-01-01\"; review_due = \"2040-01-01\"; }; hosts = [\"*\"]; } );\n";

static int setup_all(void **state)
{
	char path[128];
	struct pol_diag diag;
	(void)state;

	vg_log_init("test_behave_regress", VG_LOG_ERR, 0);
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vigil-unit.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof path, "%s/policy.cfg", tmpdir);
	FILE *f = fopen(path, "w");
	if (!f || fputs(policy_text, f) == EOF || fclose(f) != 0)
		return -1;
	pol_diag_init(&diag);
	int rc = pol_load(path, &pol, &diag);
	if (rc < 0)
		pol_diag_print(&diag, stderr);
	pol_diag_free(&diag);
	return rc < 0 ? -1 : 0;
}

static int teardown_all(void **state)
{
	char cmd[128];
	(void)state;
	pol_free(pol);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ---- a store, an engine, and what they found -------------------------------- */

struct capture {
	char lines[32][300];
	int64_t times[32];              /* each finding's time */
	int n;
};

static int capture_emit(void *ctx, const struct col_anomaly *a, enum vg_akind kind)
{
	struct capture *c = ctx;
	(void)kind;
	if (c->n < 32) {
		c->times[c->n] = a->time_ms;
		snprintf(c->lines[c->n++], sizeof c->lines[0], "%s|%s|%zu", a->kind, a->incident,
		         a->nevents);
	}
	return 0;
}

struct rig {
	struct col_store *s;
	struct col_behave *b;
	struct capture cap;
	struct col_behave_sink sink;
	const struct pol_policy *p;
	int64_t agent;
};

static void rig_open(struct rig *g, const char *name, const struct pol_policy *p)
{
	char path[128], err[256];
	memset(g, 0, sizeof *g);
	snprintf(path, sizeof path, "%s/%s.db", tmpdir, name);
	remove(path);
	if (!(g->s = col_store_sqlite_open(path, err, sizeof err)))
		fail_msg("%s", err);
	assert_int_equal(col_store_agent_add(g->s, "srv-1", name, &g->agent), 0);
	assert_non_null(g->b = col_behave_new());
	g->sink = (struct col_behave_sink){capture_emit, &g->cap};
	g->p = p;
}

static void rig_close(struct rig *g)
{
	col_behave_free(g->b);
	col_store_close(g->s);
}

/* An event of kind by user at time t (seq numbers the agent's events). */
static struct vg_event event(int64_t seq, int64_t t, enum vg_kind kind, const char *user,
                             const char *rhost)
{
	struct vg_event ev;
	vg_event_init(&ev);
	ev.seq = seq;
	ev.time_ms = t;
	ev.kind = kind;
	ev.result = kind == VG_KIND_AUTH_FAILURE ? VG_RESULT_FAILURE : VG_RESULT_SUCCESS;
	ev.service = "sshd";
	ev.host = "srv-1";
	ev.user = user;
	ev.rhost = rhost;
	return ev;
}

/* One ingest transaction at wall clock now: the events are stored (so a
 * restore can read them back) and fed, then the engine flushes. */
static void txn(struct rig *g, const struct vg_event *evs, int n, int64_t now)
{
	assert_int_equal(col_store_begin(g->s), 0);
	for (int i = 0; i < n; i++) {
		json_t *j = vg_event_encode(&evs[i]);
		char *text = json_dumps(j, JSON_COMPACT);
		assert_non_null(text);
		assert_int_equal(col_store_event_insert(g->s, g->agent, &evs[i], text, strlen(text), now,
		                                        NULL), 1);
		free(text);
		json_decref(j);
		assert_int_equal(col_behave_feed(g->b, g->agent, &evs[i], now, g->p, NULL), 0);
	}
	if (col_behave_flush(g->b, g->s, g->p, now, false, &g->sink) < 0)
		fail_msg("flush: %s", col_store_error(g->s));
	assert_int_equal(col_store_commit(g->s), 0);
}

static void crash_and_restore(struct rig *g, int64_t now)
{
	col_behave_free(g->b);
	assert_non_null(g->b = col_behave_new());
	assert_int_equal(col_store_begin(g->s), 0);
	assert_int_equal(col_behave_restore(g->b, g->s, g->p, now, &g->sink), 0);
	assert_int_equal(col_store_commit(g->s), 0);
}

/* col_found_recover: the same engine rebuilt from the store. */
static void recover(struct rig *g, int64_t now)
{
	assert_int_equal(col_store_begin(g->s), 0);
	assert_int_equal(col_behave_restore(g->b, g->s, g->p, now, &g->sink), 0);
	assert_int_equal(col_store_commit(g->s), 0);
}

static void finish(struct rig *g, int64_t now)
{
	assert_int_equal(col_store_begin(g->s), 0);
	assert_int_equal(col_behave_flush(g->b, g->s, g->p, now, true, &g->sink), 0);
	assert_int_equal(col_store_commit(g->s), 0);
	assert_int_equal(col_behave_pending(g->b), 0);
}

static bool found(const struct capture *c, const char *line)
{
	for (int i = 0; i < c->n; i++)
		if (strcmp(c->lines[i], line) == 0)
			return true;
	return false;
}

/* ---- restore keeps the reorder window ---------------------------------------- */

/* The failures of one account, a burst whose start depends on order; an
 * event (C) arrives 90 s after a later one (B): within the window. */
static void window_run(struct rig *g, bool crash)
{
	const int64_t T = T0 + 3600000;
	struct vg_event f[4] = {
		event(1, T - 7 * MIN, VG_KIND_AUTH_FAILURE, "zed", NULL),
		event(2, T - MIN, VG_KIND_AUTH_FAILURE, "zed", NULL),
		event(3, T - 50000, VG_KIND_AUTH_FAILURE, "zed", NULL),
		event(4, T - 40000, VG_KIND_AUTH_FAILURE, "zed", NULL),
	};
	struct vg_event B = event(5, T + 4 * MIN, VG_KIND_AUTH_FAILURE, "zed", NULL);
	struct vg_event C = event(6, T + 3 * MIN, VG_KIND_AUTH_FAILURE, "zed", NULL);

	txn(g, f, 4, T);
	txn(g, &B, 1, T + 4 * MIN);
	if (crash)
		crash_and_restore(g, T + 4 * MIN);
	txn(g, NULL, 0, T + 5 * MIN + 1000);     /* the timer: the first batch has waited */
	txn(g, &C, 1, T + 5 * MIN + 30000);
	finish(g, T + 3600000);
}

/* After a restart, the events read back from the store wait as their
 * batches would have: the oldest one's wait must not release the newest
 * (a restore used to make them one batch received with the oldest, so the
 * newest was decided at once and C, on time, came too late). */
static void test_restore_keeps_window(void **state)
{
	(void)state;
	struct rig a, b;
	char want[200];

	rig_open(&a, "window-a", NULL);
	window_run(&a, false);
	rig_open(&b, "window-b", NULL);
	window_run(&b, true);
	char key[100];
	snprintf(want, sizeof want, "failed_login_burst|failed_login_burst|account|zed|%lld|5",
	         (long long)(T0 + 3600000 - 7 * MIN));
	snprintf(key, sizeof key, "|account|zed|%lld|", (long long)(T0 + 3600000 - 7 * MIN));
	assert_true(found(&a.cap, want));
	assert_true(found(&b.cap, want));
	for (int i = 0; i < b.cap.n; i++)
		if (!strstr(b.cap.lines[i], key))
			fail_msg("after the restart: %s", b.cap.lines[i]);
	rig_close(&a);
	rig_close(&b);
}

/* The account of a person, silent for 40 days, is used twice within the
 * window (C after B in time order, B first in arrival); an old event waits
 * in the buffer when the collector restarts. */
static void restart_run(struct rig *g, bool crash)
{
	const int64_t T = T0 + 60 * DAY;
	struct vg_event d0 = event(1, T - 40 * DAY, VG_KIND_AUTH_SUCCESS, "alice", NULL);
	struct vg_event q = event(2, T - 1000, VG_KIND_EXEC, "x", NULL);
	struct vg_event B = event(3, T + 5 * MIN + 50000, VG_KIND_AUTH_SUCCESS, "alice", NULL);
	struct vg_event C = event(4, T + 5 * MIN, VG_KIND_AUTH_SUCCESS, "alice", NULL);

	txn(g, &d0, 1, T - 40 * DAY);
	txn(g, &q, 1, T);
	if (crash)
		crash_and_restore(g, T + 6 * MIN);
	txn(g, &B, 1, T + 6 * MIN);
	txn(g, &C, 1, T + 6 * MIN + 30000);
	finish(g, T + 3600000);
}

/* After a restart the events read back wait as a batch of their own: the
 * first transaction after it is not merged into them (it was, and took
 * their arrival, so its events were decided at once and C, on time, came
 * too late: the dormant account was reported at B instead of C). */
static void test_restore_then_next_batch(void **state)
{
	(void)state;
	struct rig a, b;
	rig_open(&a, "restart-a", pol);
	restart_run(&a, false);
	rig_open(&b, "restart-b", pol);
	restart_run(&b, true);
	assert_int_equal(a.cap.n, 1);
	assert_int_equal(b.cap.n, 1);
	assert_string_equal(a.cap.lines[0], b.cap.lines[0]);
	assert_true(a.cap.times[0] == T0 + 60 * DAY + 5 * MIN);
	assert_true(b.cap.times[0] == a.cap.times[0]);
	rig_close(&a);
	rig_close(&b);
}

/* ---- dormant accounts of no person ----------------------------------------------- */

/* An account of no person used, then again 31 days later, with events in
 * between; live (state written between) or replayed fast (never written). */
static void dormant_run(struct rig *g, bool live, const char *user)
{
	struct vg_event e1 = event(1, T0, VG_KIND_AUTH_SUCCESS, user, NULL);
	struct vg_event e2 = event(2, T0 + 3600000, VG_KIND_EXEC, "other", NULL);
	struct vg_event e3 = event(3, T0 + 31 * DAY, VG_KIND_AUTH_SUCCESS, user, NULL);
	struct vg_event e4 = event(4, T0 + 31 * DAY + 3600000, VG_KIND_EXEC, "other", NULL);
	int64_t replay = T0 + 40 * DAY;

	txn(g, &e1, 1, live ? T0 : replay);
	txn(g, &e2, 1, live ? T0 + 3600000 : replay);
	txn(g, &e3, 1, live ? T0 + 31 * DAY : replay);
	txn(g, &e4, 1, live ? T0 + 31 * DAY + 3600000 : replay);
	finish(g, replay + DAY);
}

static int count_kind(const struct capture *c, const char *kind)
{
	int n = 0;
	for (int i = 0; i < c->n; i++)
		n += strncmp(c->lines[i], kind, strlen(kind)) == 0;
	return n;
}

/* Replaying a recording gives what live delivery gave: an account of no
 * person is forgotten once idle (docs/detection.md), so whether its return
 * after 31 days was reported used to depend on whether the state happened
 * to be written in between. A person's account is reported either way. */
static void test_dormant_same_live_and_replayed(void **state)
{
	(void)state;
	struct rig live, fast, plive, pfast;

	rig_open(&live, "dormant-live", pol);
	dormant_run(&live, true, "svc");
	rig_open(&fast, "dormant-fast", pol);
	dormant_run(&fast, false, "svc");
	assert_int_equal(count_kind(&live.cap, "dormant_account"), count_kind(&fast.cap, "dormant_account"));
	assert_int_equal(count_kind(&fast.cap, "dormant_account"), 0);

	rig_open(&plive, "dormant-plive", pol);
	dormant_run(&plive, true, "alice");
	rig_open(&pfast, "dormant-pfast", pol);
	dormant_run(&pfast, false, "alice");
	assert_int_equal(count_kind(&plive.cap, "dormant_account"), 1);
	assert_int_equal(count_kind(&pfast.cap, "dormant_account"), 1);
	assert_string_equal(plive.cap.lines[0], pfast.cap.lines[0]);
	rig_close(&live);
	rig_close(&fast);
	rig_close(&plive);
	rig_close(&pfast);
}

/* ---- memory follows the organisation ------------------------------------------------- */

/* Guessing with thousands of made-up account names from one source: once
 * the failures have aged out, nothing of them stays in memory, not even
 * their names (they used to stay interned for ever). */
static void test_guessed_names_forgotten(void **state)
{
	(void)state;
	struct rig g;
	char name[32];
	enum { N = 3000 };
	static struct vg_event evs[N];
	static char names[N][32];

	rig_open(&g, "guess", NULL);
	for (int i = 0; i < N; i++) {
		snprintf(names[i], sizeof names[i], "guess%05d", i);
		evs[i] = event(i + 1, T0 + i * 100LL, VG_KIND_AUTH_FAILURE, names[i], "198.51.100.9");
	}
	txn(&g, evs, N, T0 + 400000);
	struct vg_event later = event(N + 1, T0 + 3 * 3600000, VG_KIND_EXEC, "x", NULL);
	txn(&g, &later, 1, T0 + 3 * 3600000);
	finish(&g, T0 + 4 * 3600000);
	assert_true(count_kind(&g.cap, "failed_login_burst") >= 1);
	assert_int_equal(g.b->accounts.n, 0);
	assert_int_equal(g.b->sources.n, 0);
	/* A handful of names (hosts, ...) may be interned; not the guesses. */
	assert_true(g.b->in.n < 16);
	snprintf(name, sizeof name, "guess%05d", N - 1);
	assert_int_equal(vg_intern_find(&g.b->in, name), 0);
	rig_close(&g);
}

/* A source's failures written by the previous layout (version 4, account
 * names as strings) are still read; the distinct-account count survives. */
static void test_decode_v4_source(void **state)
{
	(void)state;
	struct col_behave *b = col_behave_new();
	struct vg_buf o = {0};
	const char *accts[] = {"root", "admin", "root", "bob"};

	vg_buf_u8(&o, 4);
	vg_buf_u32(&o, 4);
	for (int i = 0; i < 4; i++) {
		vg_buf_i64(&o, T0 + i * 1000);
		vg_buf_i64(&o, 1);
		vg_buf_i64(&o, i + 1);
		vg_buf_str(&o, accts[i]);
	}
	vg_buf_i64(&o, 0);
	vg_buf_i64(&o, 0);
	assert_false(o.oom);
	assert_int_equal(bh_decode(b, BH_SOURCE, "198.51.100.9", o.p, o.n), 0);
	struct bh_source *s = bh_source_get(b, "198.51.100.9");
	assert_int_equal(s->fails.n, 4);
	assert_true(s->fails.v[0].account == s->fails.v[2].account);
	assert_true(s->fails.v[0].account != s->fails.v[1].account);
	assert_true(s->fails.v[1].account != s->fails.v[3].account);
	/* Written back in the current layout, it reads back the same. */
	bh_encode(b, &s->e, &o);
	assert_int_equal(o.p[0], BH_VERSION);
	struct col_behave *b2 = col_behave_new();
	assert_int_equal(bh_decode(b2, BH_SOURCE, "198.51.100.9", o.p, o.n), 0);
	struct bh_source *s2 = bh_source_get(b2, "198.51.100.9");
	assert_int_equal(s2->fails.n, 4);
	for (int i = 0; i < 4; i++)
		assert_true(s2->fails.v[i].account == s->fails.v[i].account);
	vg_buf_free(&o);
	col_behave_free(b);
	col_behave_free(b2);
}

/* ---- a broken engine journals everything ------------------------------------------------- */

static int count_journal(void *ctx, int64_t batch, const void *blob, size_t len)
{
	(void)batch, (void)blob;
	*(size_t *)ctx += len / 16;
	return 0;
}

/* While the state cannot be read, every transaction's events are
 * journalled under a batch number of their own (two in the same
 * millisecond used to share one, and the second replaced the first). */
static void test_broken_journal_keeps_all(void **state)
{
	(void)state;
	struct rig g;
	static const unsigned char junk[] = {BH_VERSION, 1, 2};

	rig_open(&g, "broken", NULL);
	assert_int_equal(col_store_begin(g.s), 0);
	assert_int_equal(col_store_state_put(g.s, 'P', "p1", junk, sizeof junk), 0);
	assert_int_equal(col_behave_restore(g.b, g.s, NULL, T0, &g.sink), -1);
	assert_int_equal(col_store_commit(g.s), 0);
	assert_true(col_behave_broken(g.b));
	for (int i = 0; i < 20; i++) {
		struct vg_event ev = event(i + 1, T0 + i * 1000, VG_KIND_AUTH_FAILURE, "zed", NULL);
		txn(&g, &ev, 1, T0 + i * 1000);
	}
	size_t journalled = 0;
	assert_int_equal(col_store_journal_load(g.s, count_journal, &journalled), 0);
	assert_int_equal(journalled, 20);

	/* Mended, the engine decides all twenty: one burst of twenty. */
	assert_int_equal(col_store_begin(g.s), 0);
	assert_int_equal(col_store_state_put(g.s, 'P', "p1", NULL, 0), 0);
	assert_int_equal(col_store_commit(g.s), 0);
	crash_and_restore(&g, T0 + 20000);
	assert_int_equal(col_behave_pending(g.b), 20);
	finish(&g, T0 + 3600000);
	char want[200];
	snprintf(want, sizeof want, "failed_login_burst|failed_login_burst|account|zed|%lld|1", T0);
	assert_true(found(&g.cap, want));          /* the twentieth joins */
	rig_close(&g);
}

/* ---- a failed transaction leaves nothing behind for the next ------------------------------ */

/* A transaction fails after feeding (and deciding) its events; before the
 * engine is rebuilt another ingest thread takes the store's lock and
 * commits its own batch; then the engine is rebuilt and the failed batch
 * is sent again. The outcome equals the undisturbed run: the failed
 * batch's events were dropped from memory with the transaction, not
 * decided or journalled in the other thread's. */
static void abandon_run(struct rig *g, bool fail)
{
	struct vg_event a[5], b[2];
	for (int i = 0; i < 5; i++)
		a[i] = event(i + 1, T0 + i * 1000, VG_KIND_AUTH_FAILURE, "zed", NULL);
	b[0] = event(6, T0 + 10 * MIN, VG_KIND_AUTH_FAILURE, "zed", NULL);
	b[1] = event(7, T0 + 11 * MIN, VG_KIND_AUTH_FAILURE, "zed", NULL);

	if (fail) {
		assert_int_equal(col_store_begin(g->s), 0);
		for (int i = 0; i < 5; i++) {
			json_t *j = vg_event_encode(&a[i]);
			char *text = json_dumps(j, JSON_COMPACT);
			assert_int_equal(col_store_event_insert(g->s, g->agent, &a[i], text, strlen(text),
			                                        T0 + 10 * MIN, NULL), 1);
			free(text);
			json_decref(j);
			assert_int_equal(col_behave_feed(g->b, g->agent, &a[i], T0 + 10 * MIN, NULL, NULL), 0);
		}
		assert_int_equal(col_behave_flush(g->b, g->s, NULL, T0 + 10 * MIN, true, &g->sink), 0);
		col_behave_abandon(g->b);                       /* as the failing thread does */
		col_store_rollback(g->s);
		g->cap.n = 0;                                   /* rolled back with it */
		txn(g, b, 2, T0 + 11 * MIN);                    /* another thread */
		recover(g, T0 + 11 * MIN);
		txn(g, a, 5, T0 + 11 * MIN);                    /* the agent sends again */
	} else {
		txn(g, b, 2, T0 + 11 * MIN);
		txn(g, a, 5, T0 + 11 * MIN);
	}
	finish(g, T0 + 3600000);
}

static void test_abandon_after_failure(void **state)
{
	(void)state;
	struct rig x, y;
	rig_open(&x, "abandon-x", NULL);
	abandon_run(&x, false);
	rig_open(&y, "abandon-y", NULL);
	abandon_run(&y, true);
	char want[200];
	snprintf(want, sizeof want, "failed_login_burst|failed_login_burst|account|zed|%lld|5", T0);
	assert_true(found(&x.cap, want));
	assert_true(found(&y.cap, want));
	assert_int_equal(x.cap.n, y.cap.n);
	for (int i = 0; i < x.cap.n; i++)
		assert_string_equal(x.cap.lines[i], y.cap.lines[i]);
	rig_close(&x);
	rig_close(&y);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_restore_keeps_window),
		cmocka_unit_test(test_restore_then_next_batch),
		cmocka_unit_test(test_dormant_same_live_and_replayed),
		cmocka_unit_test(test_guessed_names_forgotten),
		cmocka_unit_test(test_decode_v4_source),
		cmocka_unit_test(test_broken_journal_keeps_all),
		cmocka_unit_test(test_abandon_after_failure),
	};
	return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
