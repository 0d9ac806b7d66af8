/*
 * Unit tests for behavioural detection: the byte buffer and string map it
 * keeps state with, and the engine (col_behave) against a real SQLite
 * store: event-time order whatever the arrival order, the reorder window
 * and its wall-clock rule, late and future events, the state written and
 * restored (with the journal replayed), and damaged state refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_tmpdir.h"

#include "col_behave.h"
#include "col_behave_internal.h"
#include "col_store.h"
#include "vg_buf.h"
#include "vg_strmap.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- vg_buf and vg_strmap ------------------------------------------------ */

static void test_buf_roundtrip(void **state)
{
	(void)state;
	struct vg_buf b = {0};
	struct vg_rd r;
	char s[16];

	vg_buf_u8(&b, 7);
	vg_buf_u16(&b, 65535);
	vg_buf_u32(&b, 4000000000u);
	vg_buf_i64(&b, -5);
	vg_buf_str(&b, "owl");
	vg_buf_str(&b, NULL);
	assert_false(b.oom);
	vg_rd_init(&r, b.p, b.n);
	assert_int_equal(vg_rd_u8(&r), 7);
	assert_int_equal(vg_rd_u16(&r), 65535);
	assert_true(vg_rd_u32(&r) == 4000000000u);
	assert_true(vg_rd_i64(&r) == -5);
	assert_string_equal(vg_rd_str(&r, s, sizeof s), "owl");
	assert_string_equal(vg_rd_str(&r, s, sizeof s), "");
	assert_true(vg_rd_done(&r));
	/* Reading past the end marks the reader bad and yields zero. */
	assert_int_equal(vg_rd_u32(&r), 0);
	assert_true(r.bad);
	vg_buf_free(&b);
}

static void test_buf_bad_strings(void **state)
{
	(void)state;
	struct vg_buf b = {0};
	struct vg_rd r;
	char s[4];

	vg_buf_str(&b, "toolong");          /* longer than the reader's buffer */
	vg_rd_init(&r, b.p, b.n);
	vg_rd_str(&r, s, sizeof s);
	assert_true(r.bad);
	assert_string_equal(s, "");

	vg_buf_reset(&b);
	vg_buf_u32(&b, 1000);               /* a length beyond the record */
	vg_buf_u8(&b, 'x');
	vg_rd_init(&r, b.p, b.n);
	vg_rd_str(&r, s, sizeof s);
	assert_true(r.bad);

	vg_buf_reset(&b);
	vg_buf_u32(&b, 2);                  /* a NUL inside a string */
	vg_buf_u8(&b, 'a');
	vg_buf_u8(&b, 0);
	vg_rd_init(&r, b.p, b.n);
	vg_rd_str(&r, s, sizeof s);
	assert_true(r.bad);
	vg_buf_free(&b);
}

static void test_strmap_intern(void **state)
{
	(void)state;
	struct vg_strmap m;
	struct vg_intern in;
	char key[32];

	vg_strmap_init(&m);
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		struct vg_strmap_slot *sl = vg_strmap_upsert(&m, key);
		assert_non_null(sl);
		sl->value = (void *)(intptr_t)(i + 1);
	}
	assert_int_equal(m.n, 5000);
	assert_true(vg_strmap_get(&m, "k4999") == (void *)(intptr_t)5000);
	assert_null(vg_strmap_get(&m, "k5000"));
	assert_true(vg_strmap_upsert(&m, "k7")->value == (void *)(intptr_t)8);
	assert_int_equal(m.n, 5000);
	vg_strmap_free(&m, NULL);

	vg_intern_init(&in);
	assert_int_equal(vg_intern(&in, NULL), 0);
	assert_int_equal(vg_intern(&in, ""), 0);
	uint32_t a = vg_intern(&in, "alpha"), b = vg_intern(&in, "beta");
	assert_true(a != 0 && b != 0 && a != b);
	assert_int_equal(vg_intern(&in, "alpha"), a);
	assert_int_equal(vg_intern_find(&in, "beta"), b);
	assert_int_equal(vg_intern_find(&in, "gamma"), 0);
	assert_string_equal(vg_intern_str(&in, a), "alpha");
	assert_string_equal(vg_intern_str(&in, 0), "");
	assert_string_equal(vg_intern_str(&in, 999), "");
	vg_intern_free(&in);
}

/* Removal keeps every other key reachable (backward shift), checked
 * against a plain array over many inserts and removals. */
static void test_strmap_remove(void **state)
{
	(void)state;
	struct vg_strmap m;
	static bool present[3000];
	char key[32];
	unsigned x = 12345;

	vg_strmap_init(&m);
	memset(present, 0, sizeof present);
	for (int step = 0; step < 20000; step++) {
		x = x * 1103515245u + 12345u;
		int k = (int)((x >> 8) % 3000);
		snprintf(key, sizeof key, "key-%d", k);
		if ((x >> 4) & 1) {
			struct vg_strmap_slot *sl = vg_strmap_upsert(&m, key);
			assert_non_null(sl);
			sl->value = (void *)(intptr_t)(k + 1);
			present[k] = true;
		} else {
			void *v = vg_strmap_remove(&m, key);
			assert_true(v == (present[k] ? (void *)(intptr_t)(k + 1) : NULL));
			present[k] = false;
		}
	}
	size_t n = 0;
	for (int k = 0; k < 3000; k++) {
		snprintf(key, sizeof key, "key-%d", k);
		assert_true(vg_strmap_get(&m, key) == (present[k] ? (void *)(intptr_t)(k + 1) : NULL));
		n += present[k];
	}
	assert_int_equal(m.n, n);
	vg_strmap_free(&m, NULL);
}

/* ---- The engine -------------------------------------------------------------- */

/* A sink that keeps "kind|incident|nevents" lines. */
struct capture {
	char lines[64][700];
	int n;
};

static int capture_emit(void *ctx, const struct col_anomaly *a, enum vg_akind kind)
{
	struct capture *c = ctx;
	(void)kind;
	if (c->n < 64)
		snprintf(c->lines[c->n++], sizeof c->lines[0], "%s|%s|%zu", a->kind, a->incident,
		         a->nevents);
	return 0;
}

static struct col_store *open_store(const char *name)
{
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/%s.db", tmpdir, name);
	struct col_store *s = col_store_sqlite_open(path, err, sizeof err);
	if (!s)
		fail_msg("%s", err);
	return s;
}

/* An auth_failure of account user from source rhost at T0 + sec. */
#define T0 1794441600000LL          /* 2026-11-12T00:00:00Z */
static struct vg_event failure(int64_t seq, int sec, const char *user, const char *rhost)
{
	struct vg_event ev;
	vg_event_init(&ev);
	ev.seq = seq;
	ev.time_ms = T0 + sec * 1000LL;
	ev.kind = VG_KIND_AUTH_FAILURE;
	ev.result = VG_RESULT_FAILURE;
	ev.host = "srv-1";
	ev.user = user;
	ev.rhost = rhost;
	return ev;
}

/* Runs events[order[i]] through a fresh engine in batches of size, each
 * batch one transaction, then a late flush; returns the findings. */
static void run(struct col_store *s, struct vg_event *evs, const int *order, int n, int size,
                struct capture *cap)
{
	struct col_behave *b = col_behave_new();
	struct col_behave_sink sink = {capture_emit, cap};
	assert_non_null(b);
	memset(cap, 0, sizeof *cap);
	for (int i = 0; i < n; i += size) {
		assert_int_equal(col_store_begin(s), 0);
		for (int j = i; j < n && j < i + size; j++)
			assert_int_equal(col_behave_feed(b, 1, &evs[order[j]], T0, NULL, NULL), 0);
		assert_int_equal(col_behave_flush(b, s, NULL, T0, false, &sink), 0);
		assert_int_equal(col_store_commit(s), 0);
	}
	/* An hour of wall clock later every batch has waited its window. */
	assert_int_equal(col_store_begin(s), 0);
	assert_int_equal(col_behave_flush(b, s, NULL, T0 + 3600000, true, &sink), 0);
	assert_int_equal(col_store_commit(s), 0);
	assert_int_equal(col_behave_pending(b), 0);
	col_behave_free(b);
}

/* Five failures of one account within ten minutes (the default threshold)
 * are one failed_login_burst with five events; arrival order and batch
 * split do not matter. */
static void test_burst_any_order(void **state)
{
	(void)state;
	struct vg_event evs[7];
	int in_order[7], shuffled[7] = {6, 2, 4, 0, 3, 1, 5};
	struct capture a, b;
	struct col_store *s = open_store("burst");

	for (int i = 0; i < 5; i++)
		evs[i] = failure(i + 1, i * 30, "alice", NULL);
	evs[5] = failure(6, 4 * 3600, "alice", NULL);     /* hours later: no burst */
	evs[6] = failure(7, 60, "bob", NULL);
	for (int i = 0; i < 7; i++)
		in_order[i] = i;
	run(s, evs, in_order, 7, 100, &a);
	run(s, evs, shuffled, 7, 2, &b);
	assert_int_equal(a.n, 1);
	assert_int_equal(b.n, 1);
	assert_string_equal(a.lines[0], b.lines[0]);
	char want[200];
	snprintf(want, sizeof want, "failed_login_burst|failed_login_burst|account|alice|%lld|5",
	         T0);
	assert_string_equal(a.lines[0], want);
	col_store_close(s);
}

/* Failures from one source to three or more accounts: a per-source burst,
 * while no single account reaches the threshold. */
static void test_source_burst(void **state)
{
	(void)state;
	const char *accts[] = {"root", "admin", "bob", "carol", "svc"};
	struct vg_event evs[5];
	int order[5] = {0, 1, 2, 3, 4};
	struct capture cap;
	struct col_store *s = open_store("source");

	for (int i = 0; i < 5; i++)
		evs[i] = failure(i + 1, i * 10, accts[i], "ws-9");
	run(s, evs, order, 5, 5, &cap);
	assert_int_equal(cap.n, 1);
	assert_non_null(strstr(cap.lines[0], "failed_login_burst|source|ws-9|"));
	assert_non_null(strstr(cap.lines[0], "|5"));
	col_store_close(s);
}

/* An event an hour older than everything seen is still decided (late),
 * and an event dated a day ahead does not hold the others back. */
static void test_late_and_future(void **state)
{
	(void)state;
	struct col_behave *b = col_behave_new();
	struct capture cap = {0};
	struct col_behave_sink sink = {capture_emit, &cap};
	struct col_store *s = open_store("late");
	struct vg_event now_ev = failure(1, 3600, "x", NULL);
	struct vg_event future = failure(2, 86400 + 3600, "x", NULL);
	struct vg_event late = failure(3, 0, "x", NULL);

	assert_int_equal(col_store_begin(s), 0);
	assert_int_equal(col_behave_feed(b, 1, &now_ev, T0 + 3600 * 1000LL, NULL, NULL), 0);
	assert_int_equal(col_behave_feed(b, 1, &future, T0 + 3600 * 1000LL, NULL, NULL), 0);
	assert_int_equal(col_behave_flush(b, s, NULL, T0 + 3600 * 1000LL, false, &sink), 0);
	/* The future event is ordered as if ten minutes ahead of its arrival:
	 * the event of "now" is decided, the future one waits. */
	assert_int_equal(col_behave_pending(b), 1);
	assert_int_equal(col_behave_feed(b, 1, &late, T0 + 3600 * 1000LL, NULL, NULL), 0);
	assert_int_equal(col_behave_flush(b, s, NULL, T0 + 3600 * 1000LL + 1000, false, &sink), 0);
	/* The late event (an hour behind) is decided at once. */
	assert_int_equal(col_behave_pending(b), 1);
	assert_false(col_behave_due(b, T0 + 3600 * 1000LL + 1000));
	assert_true(col_behave_due(b, T0 + 3600 * 1000LL + 5 * 60000));
	assert_int_equal(col_behave_flush(b, s, NULL, T0 + 3600 * 1000LL + 5 * 60000, false, &sink), 0);
	assert_int_equal(col_behave_pending(b), 0);
	assert_int_equal(col_store_commit(s), 0);
	col_behave_free(b);
	col_store_close(s);
}

/* The state written to the store and the journal of what came after make
 * a new engine continue exactly where the first one stopped. */
static void test_restore_continues(void **state)
{
	(void)state;
	struct vg_event evs[6];
	struct capture whole, split;
	int order[6] = {0, 1, 2, 3, 4, 5};
	struct col_store *s1 = open_store("whole"), *s2 = open_store("split");
	char json[300];

	for (int i = 0; i < 6; i++)
		evs[i] = failure(i + 1, i * 60, "carol", NULL);
	run(s1, evs, order, 6, 6, &whole);
	assert_int_equal(whole.n, 2);       /* the burst of five, then the sixth joins */

	/* Three events and a state write, three more in a journalled
	 * transaction, then the engine is dropped without writing. The events
	 * themselves must be in the store for the journal to replay them. */
	struct col_behave *b = col_behave_new();
	struct col_behave_sink sink = {capture_emit, &split};
	memset(&split, 0, sizeof split);
	int64_t id;
	assert_int_equal(col_store_agent_add(s2, "srv-1", "hash-1", &id), 0);
	assert_int_equal(col_store_begin(s2), 0);
	for (int i = 0; i < 6; i++) {
		snprintf(json, sizeof json,
		         "{\"seq\":%d,\"time\":\"2026-11-12T00:%02d:00.000Z\",\"kind\":\"auth_failure\","
		         "\"host\":\"srv-1\",\"user\":\"carol\",\"result\":\"failure\"}", i + 1, i);
		assert_int_equal(col_store_event_insert(s2, id, &evs[i], json, strlen(json), T0, NULL), 1);
	}
	for (int i = 0; i < 3; i++)
		assert_int_equal(col_behave_feed(b, id, &evs[i], T0, NULL, NULL), 0);
	assert_int_equal(col_behave_flush(b, s2, NULL, T0, true, &sink), 0);
	assert_int_equal(col_store_commit(s2), 0);
	assert_int_equal(col_store_begin(s2), 0);
	for (int i = 3; i < 6; i++)
		assert_int_equal(col_behave_feed(b, id, &evs[i], T0, NULL, NULL), 0);
	assert_int_equal(col_behave_flush(b, s2, NULL, T0, false, &sink), 0);
	assert_int_equal(col_store_commit(s2), 0);
	col_behave_free(b);              /* a crash: nothing more is written */

	b = col_behave_new();
	assert_int_equal(col_store_begin(s2), 0);
	assert_int_equal(col_behave_restore(b, s2, NULL, T0, &sink), 0);
	/* Six events back in the buffer, decided by the next flush. */
	assert_int_equal(col_behave_pending(b), 6);
	assert_int_equal(col_behave_flush(b, s2, NULL, T0 + 3600000, true, &sink), 0);
	assert_int_equal(col_store_commit(s2), 0);
	assert_int_equal(col_behave_pending(b), 0);
	col_behave_free(b);
	assert_int_equal(split.n, 2);
	assert_string_equal(whole.lines[0], split.lines[0]);
	assert_string_equal(whole.lines[1], split.lines[1]);
	col_store_close(s1);
	col_store_close(s2);
}

/* Regression: a person stored with five open sessions is read back whole
 * (restoring reserved room for two and wrote past it). */
static void test_decode_many_sessions(void **state)
{
	(void)state;
	struct col_behave *b = col_behave_new();
	struct vg_buf o = {0};
	char host[16];

	vg_buf_u8(&o, BH_VERSION);
	vg_buf_i64(&o, T0);                     /* first_ms */
	vg_buf_u32(&o, 10);                     /* total */
	vg_buf_u8(&o, 1);                       /* one hour cell */
	vg_buf_u8(&o, 9);
	vg_buf_u8(&o, 10);
	vg_buf_i64(&o, 20404);                  /* vol_bucket */
	for (int i = 0; i < 3; i++)
		vg_buf_u32(&o, 0);              /* count, own, peer thresholds */
	vg_buf_u8(&o, 0);                       /* vol_sev */
	vg_buf_u8(&o, 0);                       /* vol_n */
	vg_buf_str(&o, "eng");
	for (int i = 0; i < 3; i++)
		vg_buf_u32(&o, 0);              /* hosts, areas, compartments */
	vg_buf_u8(&o, 0);                       /* accounts */
	size_t nsess_at = o.n;
	vg_buf_u8(&o, 5);
	for (int i = 0; i < 5; i++) {
		snprintf(host, sizeof host, "ws-%d", i);
		vg_buf_str(&o, host);
		vg_buf_str(&o, i % 2 ? "hq" : "lab");
		vg_buf_str(&o, "");
		vg_buf_i64(&o, T0 + i);
		vg_buf_i64(&o, 0);
	}
	assert_false(o.oom);
	assert_int_equal(bh_decode(b, BH_PERSON, "p9", o.p, o.n), 0);
	struct bh_person *P = bh_person_get(b, "p9");
	assert_non_null(P);
	assert_int_equal(P->nsess, 5);
	assert_true(P->sess[4].open_ms == T0 + 4);
	assert_int_equal(P->hour[9], 10);
	/* Nine sessions is more than a person keeps: refused as damaged. */
	o.p[nsess_at] = 9;
	assert_int_equal(bh_decode(b, BH_PERSON, "p10", o.p, o.n), -1);
	vg_buf_free(&o);
	col_behave_free(b);
}

static int count_state(void *ctx, char kind, const char *key, const void *blob, size_t len)
{
	(void)key, (void)blob, (void)len;
	if (kind == 'A' || kind == 'S')
		(*(int *)ctx)++;
	return 0;
}

/* Failures for a thousand made-up accounts leave nothing behind once they
 * have aged out of the window: memory and store follow the organisation,
 * not what agents send. */
static void test_forgets_strangers(void **state)
{
	(void)state;
	struct col_store *s = open_store("strangers");
	struct col_behave *b = col_behave_new();
	struct capture cap = {0};
	struct col_behave_sink sink = {capture_emit, &cap};
	char name[32];
	int records = 0;

	assert_int_equal(col_store_begin(s), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "guess%04d", i);
		struct vg_event ev = failure(i + 1, i, name, "ws-9");
		assert_int_equal(col_behave_feed(b, 1, &ev, T0 + 4 * 3600000LL, NULL, NULL), 0);
	}
	/* The source's burst is reported; three hours later in event time
	 * (still waiting in the buffer) everything before is idle. */
	struct vg_event later = failure(1001, 3 * 3600, "x", "other");
	assert_int_equal(col_behave_feed(b, 1, &later, T0 + 4 * 3600000LL, NULL, NULL), 0);
	assert_int_equal(col_behave_flush(b, s, NULL, T0 + 4 * 3600000LL, true, &sink), 0);
	assert_int_equal(col_behave_pending(b), 1);
	assert_int_equal(col_store_state_load(s, count_state, &records), 0);
	assert_int_equal(records, 0);
	assert_true(cap.n >= 1);
	assert_non_null(strstr(cap.lines[0], "failed_login_burst|source|ws-9|"));
	assert_int_equal(col_store_commit(s), 0);
	col_behave_free(b);
	col_store_close(s);
}

/* A damaged state record is refused with a message naming it; one in an
 * older layout is skipped. */
static void test_damaged_state(void **state)
{
	(void)state;
	struct col_store *s = open_store("damaged");
	struct col_behave *b = col_behave_new();
	struct capture cap = {0};
	struct col_behave_sink sink = {capture_emit, &cap};
	static const unsigned char junk[] = {BH_VERSION, 1, 2};
	static const unsigned char older[] = {BH_VERSION_MIN - 1, 1, 2};

	/* A record an older vigil wrote is skipped (learnt afresh). */
	assert_int_equal(col_store_begin(s), 0);
	assert_int_equal(col_store_state_put(s, 'P', "p0", older, sizeof older), 0);
	assert_int_equal(col_behave_restore(b, s, NULL, T0, &sink), 0);
	/* A damaged one of this layout is refused. */
	assert_int_equal(col_store_state_put(s, 'P', "p1", junk, sizeof junk), 0);
	assert_int_equal(col_behave_restore(b, s, NULL, T0, &sink), -1);
	assert_non_null(strstr(col_store_error(s), "detector state P/p1"));
	col_store_rollback(s);
	col_behave_free(b);
	col_store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_roundtrip),
		cmocka_unit_test(test_buf_bad_strings),
		cmocka_unit_test(test_strmap_intern),
		cmocka_unit_test(test_strmap_remove),
		cmocka_unit_test(test_burst_any_order),
		cmocka_unit_test(test_source_burst),
		cmocka_unit_test(test_late_and_future),
		cmocka_unit_test(test_restore_continues),
		cmocka_unit_test(test_forgets_strangers),
		cmocka_unit_test(test_decode_many_sessions),
		cmocka_unit_test(test_damaged_state),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
