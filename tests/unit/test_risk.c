/*
 * test_risk: the risk score (collector/col_risk.c) as a specification.
 *
 * The arithmetic first: severity weights, the count factor, decay by the
 * half-life, the mapping to 0..100 and its bounds. Then the score against a
 * real SQLite store and policy: the half-life comes from the policy, "at"
 * defaults to the newest event stored, a false_positive mark drops an
 * anomaly out at once, the ranking orders persons by score and the history
 * ends at the current score; the dossier carries the policy facts, the
 * activity grid and the anomalies, and an unknown person is null (404).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_tmpdir.h"

#include "col_risk.h"
#include "col_server.h"
#include "col_store.h"
#include "vg_anomaly.h"
#include "vg_time.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY VG_MS_PER_DAY

/* ---- arithmetic ------------------------------------------------------------ */

static void weights_follow_severity(void **state)
{
	(void)state;
	assert_true(col_risk_weight(VG_SEV_LOW) == 1.0);
	assert_true(col_risk_weight(VG_SEV_MEDIUM) == 4.0);
	assert_true(col_risk_weight(VG_SEV_HIGH) == 12.0);
	assert_true(col_risk_weight(VG_SEV_CRITICAL) == 30.0);
	assert_true(col_risk_weight(-1) == 0.0);
	assert_true(col_risk_weight(VG_SEV_COUNT) == 0.0);
}

/* A fresh single-event anomaly adds its weight; 4 events add half again
 * (1 + 0.25 log2 4 = 1.5); 1024 events 3.5 times. A count below 1 counts
 * as one event. */
static void count_factor_is_logarithmic(void **state)
{
	(void)state;
	assert_float_equal(col_risk_contribution(VG_SEV_HIGH, 1, 0, DAY), 12.0, 1e-9);
	assert_float_equal(col_risk_contribution(VG_SEV_HIGH, 4, 0, DAY), 18.0, 1e-9);
	assert_float_equal(col_risk_contribution(VG_SEV_LOW, 1024, 0, DAY), 3.5, 1e-9);
	assert_float_equal(col_risk_contribution(VG_SEV_MEDIUM, 0, 0, DAY), 4.0, 1e-9);
	assert_float_equal(col_risk_contribution(VG_SEV_MEDIUM, -5, 0, DAY), 4.0, 1e-9);
}

/* One half-life halves a contribution, two quarter it; an incident still
 * running after the moment scored (negative age) counts as fresh. */
static void decay_halves_per_half_life(void **state)
{
	int64_t hl = 14 * DAY;
	(void)state;
	assert_float_equal(col_risk_contribution(VG_SEV_CRITICAL, 1, hl, hl), 15.0, 1e-9);
	assert_float_equal(col_risk_contribution(VG_SEV_CRITICAL, 1, 2 * hl, hl), 7.5, 1e-9);
	assert_float_equal(col_risk_contribution(VG_SEV_CRITICAL, 1, hl / 2, hl), 30.0 / sqrt(2.0), 1e-9);
	assert_float_equal(col_risk_contribution(VG_SEV_CRITICAL, 1, -DAY, hl), 30.0, 1e-9);
	/* A year-old low anomaly with a 14-day half-life is all but gone. */
	assert_true(col_risk_contribution(VG_SEV_LOW, 1, 365 * DAY, hl) < 1e-7);
}

/* 100 (1 - e^(-s/25)), rounded to 0.1, within 0..100 whatever the sum. */
static void score_is_bounded_and_rounded(void **state)
{
	(void)state;
	assert_float_equal(col_risk_score(0), 0.0, 1e-12);
	assert_float_equal(col_risk_score(-3), 0.0, 1e-12);
	assert_float_equal(col_risk_score(NAN), 0.0, 1e-12);
	assert_float_equal(col_risk_score(25), 63.2, 1e-9);        /* 63.212... */
	assert_float_equal(col_risk_score(12), 38.1, 1e-9);        /* one fresh high */
	assert_float_equal(col_risk_score(30), 69.9, 1e-9);        /* one fresh critical */
	assert_float_equal(col_risk_score(1), 3.9, 1e-9);          /* 3.92... */
	assert_float_equal(col_risk_score(1e6), 100.0, 1e-12);
	assert_float_equal(col_risk_score(INFINITY), 100.0, 1e-12);
	for (double s = 0.01; s < 1000; s *= 1.7) {
		double v = col_risk_score(s);
		assert_true(v >= 0.0 && v <= 100.0);
		assert_float_equal(v * 10, round(v * 10), 1e-6);      /* one decimal */
		assert_true(col_risk_score(s * 1.7) >= v);             /* monotonic */
	}
}

/* ---- against a store and a policy -------------------------------------------- */

struct fixture {
	struct col_server srv;
	int64_t agent, seq;
};

/* A policy with three persons and a 7-day risk half-life. */
static const char policy_text[] =
	"policy = { id = \"risk-unit\"; serial = 3; };\n"
	"levels = ( { name = \"UNCLASSIFIED\"; rank = 0; }, { name = \"SECRET\"; rank = 20; } );\n"
	"compartments = ( { name = \"FALCON\"; min_level = \"SECRET\"; } );\n"
	"schedules = ( { name = \"office\"; days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"];\n"
	"                start = \"07:00\"; end = \"19:00\"; tz = \"UTC\"; } );\n"
	"hosts = ( { name = \"ws-*\"; level = \"SECRET\"; site = \"hq\"; } );\n"
	"persons = (\n"
	"  { id = \"p1\"; name = \"Ann Able\"; accounts = [\"ann\", \"ann-adm\"]; groups = [\"eng\"];\n"
	"    clearance = { level = \"SECRET\"; status = \"active\"; granted = \"2020-01-01\";\n"
	"                  review_due = \"2030-01-01\"; nda_signed = \"2020-01-01\"; };\n"
	"    compartments = ( { name = \"FALCON\"; read_on = \"2021-02-03\"; debriefed = \"2026-10-01\"; } );\n"
	"    hosts = [\"ws-*\"]; schedule = \"office\"; },\n"
	"  { id = \"p2\"; name = \"Ben Baker\"; accounts = [\"ben\"];\n"
	"    clearance = { level = \"SECRET\"; status = \"suspended\"; }; hosts = [\"ws-*\"]; },\n"
	"  { id = \"p3\"; name = \"Cy Cole\"; accounts = [\"cy\"];\n"
	"    clearance = { level = \"SECRET\"; status = \"active\"; granted = \"2020-01-01\";\n"
	"                  nda_signed = \"2020-01-01\"; }; hosts = [\"ws-*\"]; }\n"
	");\n"
	"thresholds = { risk = { half_life = \"7d\"; }; };\n";


static int setup(void **state)
{
	static int n;
	char path[256], err[512];
	struct fixture *f = calloc(1, sizeof *f);
	struct pol_policy *pol = NULL;
	struct pol_diag diag;

	if (!f)
		return -1;
	snprintf(path, sizeof path, "%s/policy-%d.cfg", tmpdir, n);
	FILE *pf = fopen(path, "w");
	if (!pf || fputs(policy_text, pf) == EOF || fclose(pf) != 0)
		return -1;
	pol_diag_init(&diag);
	if (pol_load(path, &pol, &diag) < 0) {
		pol_diag_print(&diag, stderr);
		return -1;
	}
	pol_diag_free(&diag);
	snprintf(path, sizeof path, "%s/risk-%d.db", tmpdir, n++);
	f->srv.store = col_store_sqlite_open(path, err, sizeof err);
	if (!f->srv.store) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if (col_policy_slot_init(&f->srv.policy) < 0 || col_policy_install(&f->srv.policy, pol) < 0)
		return -1;
	if (col_store_agent_add(f->srv.store, "ws-1", "00", &f->agent) < 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	col_store_close(f->srv.store);
	col_policy_slot_destroy(&f->srv.policy);
	free(f);
	return 0;
}

/* Stores one event of account user at time t (user NULL: a heartbeat). */
static int64_t add_event(struct fixture *f, const char *user, int64_t t, enum vg_kind kind)
{
	struct vg_event ev = {.seq = ++f->seq, .time_ms = t, .kind = kind, .host = "ws-1", .user = user,
	                      .uid = VG_EVENT_NO_ID, .auid = VG_EVENT_NO_ID, .pid = VG_EVENT_NO_ID};
	char json[256];
	snprintf(json, sizeof json, "{\"seq\":%lld}", (long long)ev.seq);
	assert_int_equal(col_store_begin(f->srv.store), 0);
	assert_int_equal(col_store_event_insert(f->srv.store, f->agent, &ev, json, strlen(json), t, NULL), 1);
	assert_int_equal(col_store_commit(f->srv.store), 0);
	return ev.seq;
}

/* Records an anomaly of one event for person at time t; returns its id. */
static int64_t add_anomaly(struct fixture *f, const char *person, const char *kind, int severity,
                           int64_t t)
{
	static int n;
	char incident[32];
	const char *reasons[] = {"unit"};
	struct col_event_ref ref = {f->agent, add_event(f, NULL, t, VG_KIND_AGENT)};
	struct col_anomaly a = {.incident = incident, .kind = kind, .severity = severity, .score = 1,
	                        .time_ms = t, .detected_ms = t, .person = person, .account = "acct",
	                        .host = "ws-1", .summary = "unit anomaly", .reasons = reasons,
	                        .nreasons = 1, .events = &ref, .nevents = 1, .policy_serial = 3};
	int64_t id;
	snprintf(incident, sizeof incident, "unit-%d", n++);
	assert_int_equal(col_store_begin(f->srv.store), 0);
	assert_int_equal(col_store_anomaly_record(f->srv.store, &a, &id), 1);
	assert_int_equal(col_store_commit(f->srv.store), 0);
	return id;
}

static const json_t *ranked(const json_t *doc, size_t i)
{
	return json_array_get(json_object_get(doc, "persons"), i);
}

static double score_of(const json_t *entry)
{
	return json_real_value(json_object_get(entry, "score"));
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* Ben's fresh-a-week-ago critical outranks Ann's high of the same age; the
 * 7-day half-life of the policy halves both; "at" is the newest event, a
 * heartbeat 7 days after the anomalies, not the wall clock. */
static void ranking_uses_policy_half_life_and_latest_event(void **state)
{
	struct fixture *f = *state;
	int64_t t0;
	assert_int_equal(vg_time_parse("2026-11-02T10:00:00.000Z", &t0), 0);
	int64_t high = add_anomaly(f, "p1", "need_to_know", VG_SEV_HIGH, t0);
	add_anomaly(f, "p2", "vetting_lapsed", VG_SEV_CRITICAL, t0);
	add_anomaly(f, NULL, "agent_silent", VG_SEV_HIGH, t0);      /* no person: not ranked */
	add_event(f, NULL, t0 + 7 * DAY, VG_KIND_AGENT);

	json_t *doc = col_risk_rank(&f->srv, -1, 0, NULL);
	assert_non_null(doc);
	assert_string_equal(str(doc, "at"), "2026-11-09T10:00:00.000Z");
	assert_int_equal(json_integer_value(json_object_get(doc, "half_life_days")), 7);
	assert_int_equal(json_array_size(json_object_get(doc, "persons")), 2);
	assert_string_equal(str(ranked(doc, 0), "person"), "p2");
	assert_string_equal(str(ranked(doc, 0), "name"), "Ben Baker");
	assert_float_equal(score_of(ranked(doc, 0)), col_risk_score(15.0), 1e-9);   /* 45.1 */
	assert_string_equal(str(ranked(doc, 1), "person"), "p1");
	assert_float_equal(score_of(ranked(doc, 1)), col_risk_score(6.0), 1e-9);    /* 21.3 */
	const json_t *top = json_array_get(json_object_get(ranked(doc, 1), "anomalies"), 0);
	assert_int_equal(json_integer_value(json_object_get(top, "id")), high);
	assert_string_equal(str(top, "kind"), "need_to_know");
	assert_float_equal(json_real_value(json_object_get(top, "contribution")), 6.0, 1e-9);
	json_decref(doc);

	/* As of the anomalies' own time nothing has decayed. */
	doc = col_risk_rank(&f->srv, t0, 0, NULL);
	assert_float_equal(score_of(ranked(doc, 0)), col_risk_score(30.0), 1e-9);   /* 69.9 */
	assert_float_equal(score_of(ranked(doc, 1)), col_risk_score(12.0), 1e-9);   /* 38.1 */
	json_decref(doc);

	/* Before the anomalies there is no one to rank; the limit cuts. */
	doc = col_risk_rank(&f->srv, t0 - 1, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(doc, "persons")), 0);
	json_decref(doc);
	doc = col_risk_rank(&f->srv, -1, 1, NULL);
	assert_int_equal(json_array_size(json_object_get(doc, "persons")), 1);
	json_decref(doc);
}

/* Marking an anomaly false_positive removes its contribution; other
 * statuses (resolved) keep it. */
static void false_positive_is_excluded(void **state)
{
	struct fixture *f = *state;
	int64_t t0;
	assert_int_equal(vg_time_parse("2026-11-02T10:00:00.000Z", &t0), 0);
	int64_t low = add_anomaly(f, "p1", "outside_schedule", VG_SEV_LOW, t0);
	int64_t med = add_anomaly(f, "p1", "unusual_hour", VG_SEV_MEDIUM, t0);

	json_t *doc = col_risk_rank(&f->srv, t0, 0, "p1");
	assert_float_equal(score_of(ranked(doc, 0)), col_risk_score(5.0), 1e-9);
	assert_int_equal(json_integer_value(json_object_get(ranked(doc, 0), "anomalies_counted")), 2);
	json_decref(doc);

	struct col_triage fp = {.status = VG_STATUS_FALSE_POSITIVE, .note = "expected", .officer = "unit",
	                        .time_ms = t0};
	struct col_triage res = {.status = VG_STATUS_RESOLVED, .note = "done", .officer = "unit",
	                         .time_ms = t0};
	assert_int_equal(col_store_anomaly_triage(f->srv.store, low, &fp), 1);
	assert_int_equal(col_store_anomaly_triage(f->srv.store, med, &res), 1);
	doc = col_risk_rank(&f->srv, t0, 0, "p1");
	assert_float_equal(score_of(ranked(doc, 0)), col_risk_score(4.0), 1e-9);
	assert_int_equal(json_integer_value(json_object_get(ranked(doc, 0), "anomalies_counted")), 1);
	json_decref(doc);

	/* Only false positives left: the person asked for is listed at 0. */
	assert_int_equal(col_store_anomaly_triage(f->srv.store, med, &fp), 1);
	doc = col_risk_rank(&f->srv, t0, 0, "p1");
	assert_int_equal(json_array_size(json_object_get(doc, "persons")), 1);
	assert_float_equal(score_of(ranked(doc, 0)), 0.0, 1e-12);
	json_decref(doc);
	doc = col_risk_rank(&f->srv, t0, 0, NULL);
	assert_int_equal(json_array_size(json_object_get(doc, "persons")), 0);
	json_decref(doc);
}

/* The history has one point per UTC day, the last one at "at" equal to
 * the score; days before the anomaly are 0, later days decay. */
static void trend_ends_at_the_score(void **state)
{
	struct fixture *f = *state;
	int64_t t0;
	assert_int_equal(vg_time_parse("2026-11-02T10:00:00.000Z", &t0), 0);
	add_anomaly(f, "p3", "volume_spike", VG_SEV_HIGH, t0);
	struct col_risk_opts o = {.at_ms = t0 + 3 * DAY + 3600000, .days = 6, .person = "p3"};
	json_t *doc = col_risk_rank_opts(&f->srv, &o);
	const json_t *p = ranked(doc, 0);
	const json_t *trend = json_object_get(p, "trend");
	assert_int_equal(json_array_size(trend), 6);
	assert_string_equal(str(json_array_get(trend, 0), "day"), "2026-10-31");
	assert_string_equal(str(json_array_get(trend, 5), "day"), "2026-11-05");
	assert_float_equal(json_real_value(json_object_get(json_array_get(trend, 0), "score")), 0, 1e-12);
	assert_float_equal(json_real_value(json_object_get(json_array_get(trend, 1), "score")), 0, 1e-12);
	/* End of 2026-11-02: 14 hours after the anomaly. */
	double d2 = json_real_value(json_object_get(json_array_get(trend, 2), "score"));
	double c2 = col_risk_contribution(VG_SEV_HIGH, 1, 14 * 3600000 - 1, 7 * DAY);
	assert_float_equal(d2, col_risk_score(c2), 1e-9);
	for (size_t i = 3; i < 6; i++)
		assert_true(json_real_value(json_object_get(json_array_get(trend, i), "score")) <=
		            json_real_value(json_object_get(json_array_get(trend, i - 1), "score")));
	double last = json_real_value(json_object_get(json_array_get(trend, 5), "score"));
	assert_float_equal(last, score_of(p), 1e-12);
	json_decref(doc);
}

/* The dossier: policy facts, activity (every event but file accesses) of
 * every account of the person by host and hour of week, anomalies newest
 * first, the risk; an unknown person is null. */
static void dossier_holds_facts_activity_and_anomalies(void **state)
{
	struct fixture *f = *state;
	int64_t mon;   /* Monday 2026-11-02, 09:00 */
	assert_int_equal(vg_time_parse("2026-11-02T09:00:00.000Z", &mon), 0);
	add_event(f, "ann", mon, VG_KIND_SESSION_OPEN);
	add_event(f, "ann", mon + 60000, VG_KIND_FILE_ACCESS);             /* not activity */
	add_event(f, "ann", mon + 90000, VG_KIND_PRIVILEGE);
	add_event(f, "ann-adm", mon + DAY + 5 * 3600000, VG_KIND_EXEC);      /* Tuesday 14:00 */
	add_event(f, "ann", mon + 120000, VG_KIND_AUTH_FAILURE);            /* counts too */
	add_event(f, "ben", mon, VG_KIND_FILE_ACCESS);                      /* someone else */
	int64_t first = add_anomaly(f, "p1", "need_to_know", VG_SEV_HIGH, mon);
	int64_t second = add_anomaly(f, "p1", "unusual_hour", VG_SEV_MEDIUM, mon + DAY);

	json_t *d = col_person_dossier(&f->srv, "p1", -1);
	assert_non_null(d);
	assert_true(json_is_object(d));
	assert_string_equal(str(d, "name"), "Ann Able");
	assert_true(json_is_true(json_object_get(d, "in_policy")));
	assert_int_equal(json_array_size(json_object_get(d, "accounts")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "accounts"), 1)), "ann-adm");
	assert_string_equal(str(json_object_get(d, "clearance"), "status"), "active");
	assert_string_equal(str(json_object_get(d, "clearance"), "review_due"), "2030-01-01");
	const json_t *comp = json_array_get(json_object_get(d, "compartments"), 0);
	assert_string_equal(str(comp, "name"), "FALCON");
	assert_string_equal(str(comp, "read_on"), "2021-02-03");
	assert_string_equal(str(comp, "debriefed"), "2026-10-01");
	assert_string_equal(str(d, "schedule"), "office");

	const json_t *act = json_object_get(d, "activity");
	assert_int_equal(json_integer_value(json_object_get(act, "events")), 4);
	const json_t *host = json_array_get(json_object_get(act, "hosts"), 0);
	assert_string_equal(str(host, "host"), "ws-1");
	assert_int_equal(json_integer_value(json_object_get(host, "events")), 4);
	assert_string_equal(str(host, "first"), "2026-11-02T09:00:00.000Z");
	assert_string_equal(str(host, "last"), "2026-11-03T14:00:00.000Z");
	const json_t *grid = json_object_get(act, "hour_of_week");
	assert_int_equal(json_array_size(grid), 7);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(grid, 0), 9)), 3);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(grid, 1), 14)), 1);
	assert_int_equal(json_integer_value(json_array_get(json_array_get(grid, 2), 9)), 0);

	const json_t *list = json_object_get(d, "anomalies");
	assert_int_equal(json_array_size(list), 2);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 0), "id")), second);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(list, 1), "id")), first);
	const json_t *risk = json_object_get(d, "risk");
	assert_true(json_real_value(json_object_get(risk, "score")) > 0);
	assert_int_equal(json_array_size(json_object_get(risk, "top")), 2);
	json_decref(d);

	/* Before the events, the dossier sees none of them. */
	struct col_dossier_opts o = {.at_ms = mon - 1};
	d = col_person_dossier_opts(&f->srv, "p1", &o);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(d, "activity"), "events")), 0);
	assert_int_equal(json_array_size(json_object_get(d, "anomalies")), 0);
	json_decref(d);

	d = col_person_dossier(&f->srv, "nobody", -1);
	assert_non_null(d);
	assert_true(json_is_null(d));
	json_decref(d);

	/* Named by an anomaly but gone from the policy: facts are null. */
	add_anomaly(f, "p9", "need_to_know", VG_SEV_HIGH, mon);
	d = col_person_dossier(&f->srv, "p9", -1);
	assert_true(json_is_false(json_object_get(d, "in_policy")));
	assert_true(json_is_null(json_object_get(d, "accounts")));
	assert_int_equal(json_array_size(json_object_get(d, "anomalies")), 1);
	json_decref(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(weights_follow_severity),
		cmocka_unit_test(count_factor_is_logarithmic),
		cmocka_unit_test(decay_halves_per_half_life),
		cmocka_unit_test(score_is_bounded_and_rounded),
		cmocka_unit_test_setup_teardown(ranking_uses_policy_half_life_and_latest_event, setup, teardown),
		cmocka_unit_test_setup_teardown(false_positive_is_excluded, setup, teardown),
		cmocka_unit_test_setup_teardown(trend_ends_at_the_score, setup, teardown),
		cmocka_unit_test_setup_teardown(dossier_holds_facts_activity_and_anomalies, setup, teardown),
	};
	return cmocka_run_group_tests_name("risk", tests, make_tmpdir, remove_tmpdir);
}
