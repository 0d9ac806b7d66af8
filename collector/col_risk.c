/*
 * col_risk: risk scores from the anomalies table, their daily history, and
 * the person dossier (see col_risk.h for the formula).
 *
 * Scores are not stored: one read of the anomalies_person index (covering
 * person, times, severity, count, status and kind, in person order) gives
 * every counted anomaly grouped by person, and the arithmetic runs in
 * memory. That keeps the score in step with triage (a false_positive mark
 * drops out at once) and with a changed half-life, at the cost of one
 * index scan per ranking.
 */
#include "col_risk.h"
#include "col_api.h"
#include "vg_anomaly.h"
#include "vg_log.h"
#include "vg_time.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- The arithmetic ------------------------------------------------------ */

double col_risk_weight(int severity)
{
	static const double weights[VG_SEV_COUNT] = {1.0, 4.0, 12.0, 30.0};
	return severity >= 0 && severity < VG_SEV_COUNT ? weights[severity] : 0.0;
}

double col_risk_contribution(int severity, int64_t count, int64_t age_ms, int64_t half_life_ms)
{
	if (count < 1)
		count = 1;
	if (age_ms < 0)
		age_ms = 0;
	if (half_life_ms <= 0)
		half_life_ms = 1;
	return col_risk_weight(severity) * (1.0 + 0.25 * log2((double)count)) *
	       exp2(-(double)age_ms / (double)half_life_ms);
}

double col_risk_score(double sum)
{
	if (!(sum > 0.0))
		return 0.0;
	double s = round(1000.0 * (1.0 - exp(-sum / 25.0))) / 10.0;
	return s > 100.0 ? 100.0 : s;
}

/* ---- Anomalies in memory, grouped by person ------------------------------- */

struct item {
	int64_t id, count, time_ms, last_ms;
	int severity, kind;
	double base;                      /* weight x count factor: the undecayed contribution */
	double contribution;              /* at "at", for the top list */
};

struct person {
	char *id;
	size_t first, n;                  /* items[first .. first + n) */
	double sum;                       /* at "at" */
};

struct risk_set {
	struct item *items;
	size_t nitems, icap;
	struct person *persons;
	size_t npersons, pcap;
};

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 64;
	void *nv = realloc(*v, ncap * size);
	if (!nv)
		return -1;
	*v = nv;
	*cap = ncap;
	return 0;
}

/* Store callback: rows arrive in person order. */
static int collect_row(void *ctx, const struct col_risk_row *r)
{
	struct risk_set *set = ctx;
	struct person *p = set->npersons ? &set->persons[set->npersons - 1] : NULL;

	if (!p || strcmp(p->id, r->person) != 0) {
		if (grow((void **)&set->persons, &set->pcap, set->npersons, sizeof *set->persons) < 0)
			return -1;
		p = &set->persons[set->npersons];
		if (!(p->id = strdup(r->person)))
			return -1;
		p->first = set->nitems;
		p->n = 0;
		p->sum = 0.0;
		set->npersons++;
	}
	if (grow((void **)&set->items, &set->icap, set->nitems, sizeof *set->items) < 0)
		return -1;
	set->items[set->nitems++] = (struct item){.id = r->id, .count = r->count, .time_ms = r->time_ms,
	                                          .last_ms = r->last_ms, .severity = r->severity,
	                                          .kind = r->kind,
	                                          .base = col_risk_contribution(r->severity, r->count, 0, 1)};
	p->n++;
	return 0;
}

static void risk_set_free(struct risk_set *set)
{
	for (size_t i = 0; i < set->npersons; i++)
		free(set->persons[i].id);
	free(set->persons);
	free(set->items);
}

/* What item adds at time t (not before it began): col_risk_contribution
 * with the count factor computed once, and its last event capped at t. */
static double item_at(const struct item *it, int64_t t, int64_t half_life_ms)
{
	int64_t last = it->last_ms < t ? it->last_ms : t;
	return it->base * exp2(-(double)(t - last) / (double)half_life_ms);
}

/* A person's sum at t. Items are in time order, so the walk stops at the
 * first that began after t. */
static double person_sum(const struct risk_set *set, const struct person *p, int64_t t,
                         int64_t half_life_ms, bool keep)
{
	double sum = 0.0;
	size_t i = p->first, end = p->first + p->n;
	for (; i < end && set->items[i].time_ms <= t; i++) {
		double c = item_at(&set->items[i], t, half_life_ms);
		if (keep)
			set->items[i].contribution = c;
		sum += c;
	}
	for (; keep && i < end; i++)
		set->items[i].contribution = 0.0;
	return sum;
}

/* Reads the counted anomalies (of one person when person is set). */
static int risk_set_load(struct col_server *srv, const char *person, int64_t at_ms,
                         struct risk_set *set)
{
	memset(set, 0, sizeof *set);
	if (col_store_risk_rows(srv->store, person, at_ms, collect_row, set) < 0) {
		vg_err("risk: %s", col_store_error(srv->store));
		risk_set_free(set);
		memset(set, 0, sizeof *set);
		return -1;
	}
	return 0;
}

/* ---- JSON pieces ----------------------------------------------------------- */

static int set_time(json_t *o, const char *key, int64_t ms)
{
	char ts[VG_TIME_LEN];
	vg_time_format(ms < 0 ? 0 : ms, ts);
	return json_object_set_new(o, key, json_string(ts));
}

static int set_date(json_t *o, const char *key, int64_t ms)
{
	char d[11];
	if (ms == INT64_MIN || ms == INT64_MAX)
		return json_object_set_new(o, key, json_null());
	vg_date_format(ms, d);
	return json_object_set_new(o, key, json_string(d));
}

/* Days as a whole number when they are one, else with a fraction. */
static json_t *days_value(int64_t ms)
{
	if (ms % VG_MS_PER_DAY == 0)
		return json_integer(ms / VG_MS_PER_DAY);
	return json_real((double)ms / (double)VG_MS_PER_DAY);
}

static double round_to(double v, double unit)
{
	return round(v / unit) * unit;
}

/* The score at the end of each of the last `days` UTC days, the last point
 * at at_ms itself. */
static json_t *trend_json(const struct risk_set *set, const struct person *p, int64_t at_ms,
                          int days, int64_t half_life_ms)
{
	json_t *trend = json_array();
	int64_t today = at_ms / VG_MS_PER_DAY;
	int rc = trend ? 0 : -1;

	for (int k = days - 1; rc == 0 && k >= 0; k--) {
		int64_t day = today - k;
		int64_t t = k == 0 ? at_ms : (day + 1) * VG_MS_PER_DAY - 1;
		double score = p ? col_risk_score(person_sum(set, p, t, half_life_ms, false)) : 0.0;
		json_t *pt = json_object();
		rc = pt ? 0 : -1;
		if (pt) {
			rc |= set_date(pt, "day", day * VG_MS_PER_DAY);
			rc |= json_object_set_new(pt, "score", json_real(score));
			rc |= json_array_append_new(trend, pt);
		}
	}
	if (rc) {
		json_decref(trend);
		return NULL;
	}
	return trend;
}

static int by_contribution(const void *a, const void *b)
{
	const struct item *x = *(const struct item *const *)a, *y = *(const struct item *const *)b;
	if (x->contribution != y->contribution)
		return x->contribution > y->contribution ? -1 : 1;
	return x->id > y->id ? -1 : x->id < y->id;
}

/* The COL_RISK_TOP anomalies adding most at at_ms (person_sum with keep
 * has filled in their contributions). */
static json_t *top_json(const struct risk_set *set, const struct person *p)
{
	json_t *top = json_array();
	if (!top)
		return NULL;
	if (!p)
		return top;
	const struct item **v = malloc(p->n * sizeof *v);
	if (!v) {
		json_decref(top);
		return NULL;
	}
	for (size_t i = 0; i < p->n; i++)
		v[i] = &set->items[p->first + i];
	qsort(v, p->n, sizeof *v, by_contribution);
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < p->n && i < COL_RISK_TOP; i++) {
		json_t *o = json_object();
		rc = o ? 0 : -1;
		if (o) {
			const char *kind = vg_akind_name(v[i]->kind);
			const char *sev = vg_severity_name(v[i]->severity);
			double c = round_to(v[i]->contribution, 0.001);
			rc |= json_object_set_new(o, "id", json_integer(v[i]->id));
			rc |= json_object_set_new(o, "kind", kind ? json_string(kind) : json_null());
			rc |= json_object_set_new(o, "severity", json_string(sev ? sev : "?"));
			rc |= set_time(o, "time", v[i]->time_ms);
			rc |= json_object_set_new(o, "count", json_integer(v[i]->count));
			rc |= json_object_set_new(o, "contribution", json_real(c));
			rc |= json_array_append_new(top, o);
		}
	}
	free(v);
	if (rc) {
		json_decref(top);
		return NULL;
	}
	return top;
}

/* One person of the ranking (p NULL: nobody's anomalies count). */
static json_t *person_json(const struct risk_set *set, const struct person *p, const char *id,
                           const struct pol_policy *pol, int64_t at_ms, int days, int64_t half_life_ms)
{
	const struct pol_person *ps = pol ? pol_find_person(pol, id) : NULL;
	double sum = p ? person_sum(set, p, at_ms, half_life_ms, true) : 0.0;
	json_t *o = json_object();
	if (!o)
		return NULL;
	int rc = json_object_set_new(o, "person", json_string(id));
	rc |= json_object_set_new(o, "name", ps ? json_string(pol_person_name(ps)) : json_null());
	rc |= json_object_set_new(o, "score", json_real(col_risk_score(sum)));
	rc |= json_object_set_new(o, "anomalies_counted", json_integer(p ? (json_int_t)p->n : 0));
	json_t *trend = trend_json(set, p, at_ms, days, half_life_ms);
	rc |= trend ? json_object_set_new(o, "trend", trend) : -1;
	json_t *top = top_json(set, p);
	rc |= top ? json_object_set_new(o, "anomalies", top) : -1;
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- Common set-up: "at", the policy and its half-life -------------------- */

struct risk_ctx {
	struct col_policy_ref *ref;
	int64_t at_ms, half_life_ms;
};

static int ctx_open(struct col_server *srv, int64_t at_ms, struct risk_ctx *cx)
{
	cx->ref = col_policy_acquire(&srv->policy);
	cx->at_ms = at_ms;
	if (cx->ref) {
		cx->half_life_ms = pol_get_thresholds(cx->ref->pol)->risk.half_life_ms;
	} else {
		struct pol_thresholds t;
		pol_thresholds_default(&t);
		cx->half_life_ms = t.risk.half_life_ms;
	}
	if (cx->at_ms < 0) {
		int rc = col_store_latest_event_time(srv->store, &cx->at_ms);
		if (rc < 0) {
			vg_err("risk: %s", col_store_error(srv->store));
			if (cx->ref)
				col_policy_release(cx->ref);
			return -1;
		}
		if (rc == 0)
			cx->at_ms = vg_time_now();
	}
	return 0;
}

static void ctx_close(struct risk_ctx *cx)
{
	if (cx->ref)
		col_policy_release(cx->ref);
}

/* ---- Ranking ---------------------------------------------------------------- */

struct ranked {
	const struct person *p;
	double sum;
};

static int by_sum(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;
	if (x->sum != y->sum)
		return x->sum > y->sum ? -1 : 1;
	return strcmp(x->p->id, y->p->id);
}

json_t *col_risk_rank_opts(struct col_server *srv, const struct col_risk_opts *o)
{
	struct risk_ctx cx;
	struct risk_set set;
	struct ranked *order = NULL;
	json_t *list = NULL, *out = NULL;
	int limit = o->limit > 0 ? o->limit : COL_RISK_DEFAULT_LIMIT;
	int days = o->days > 0 ? o->days : COL_RISK_DEFAULT_DAYS;

	if (days > COL_RISK_MAX_DAYS)
		days = COL_RISK_MAX_DAYS;
	if (ctx_open(srv, o->at_ms, &cx) < 0)
		return NULL;
	if (risk_set_load(srv, o->person, cx.at_ms, &set) < 0) {
		ctx_close(&cx);
		return NULL;
	}
	const struct pol_policy *pol = cx.ref ? cx.ref->pol : NULL;
	if (!(list = json_array()))
		goto oom;
	if (set.npersons && !(order = malloc(set.npersons * sizeof *order)))
		goto oom;
	size_t n = 0;
	for (size_t i = 0; i < set.npersons; i++) {
		double sum = person_sum(&set, &set.persons[i], cx.at_ms, cx.half_life_ms, false);
		if (sum > 0.0)
			order[n++] = (struct ranked){&set.persons[i], sum};
	}
	if (n)
		qsort(order, n, sizeof *order, by_sum);
	for (size_t i = 0; i < n && i < (size_t)limit; i++) {
		json_t *pj = person_json(&set, order[i].p, order[i].p->id, pol, cx.at_ms, days,
		                         cx.half_life_ms);
		if (!pj || json_array_append_new(list, pj) < 0)
			goto oom;
	}
	/* A person asked for by name is listed even when nothing counts. */
	if (n == 0 && o->person) {
		json_t *pj = person_json(&set, NULL, o->person, pol, cx.at_ms, days, cx.half_life_ms);
		if (!pj || json_array_append_new(list, pj) < 0)
			goto oom;
	}
	out = json_object();
	if (!out || set_time(out, "at", cx.at_ms) ||
	    json_object_set_new(out, "half_life_days", days_value(cx.half_life_ms)) ||
	    json_object_set_new(out, "days", json_integer(days)) ||
	    json_object_set_new(out, "persons", list)) {
		list = NULL;
		goto oom;
	}
	list = NULL;
	goto done;
oom:
	vg_err("risk ranking: out of memory");
	json_decref(out);
	out = NULL;
done:
	json_decref(list);
	free(order);
	risk_set_free(&set);
	ctx_close(&cx);
	return out;
}

json_t *col_risk_rank(struct col_server *srv, int64_t at_ms, int limit, const char *person_or_NULL)
{
	struct col_risk_opts o = {.at_ms = at_ms, .limit = limit, .person = person_or_NULL};
	return col_risk_rank_opts(srv, &o);
}

/* ---- Dossier ---------------------------------------------------------------- */

static json_t *string_list(const char *(*get)(const struct pol_person *, size_t),
                           const struct pol_person *ps)
{
	json_t *a = json_array();
	const char *s;
	for (size_t i = 0; a && (s = get(ps, i)); i++)
		if (json_array_append_new(a, json_string(s)) < 0) {
			json_decref(a);
			return NULL;
		}
	return a;
}

static json_t *clearance_json(const struct pol_person *ps)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int rc = json_object_set_new(o, "level", json_string(pol_person_level(ps)));
	rc |= json_object_set_new(o, "status", json_string(pol_person_status(ps)));
	rc |= set_date(o, "granted", pol_person_granted(ps));
	rc |= set_date(o, "review_due", pol_person_review_due(ps));
	rc |= set_date(o, "investigated", pol_person_investigated(ps));
	rc |= set_date(o, "interim_expires", pol_person_interim_expires(ps));
	rc |= set_date(o, "nda_signed", pol_person_nda_signed(ps));
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *compartments_json(const struct pol_policy *pol, const struct pol_person *ps)
{
	json_t *a = json_array();
	int64_t read_on, debriefed;
	const char *name;
	int rc = a ? 0 : -1;

	for (size_t i = 0; rc == 0 && (name = pol_person_compartment(pol, ps, i, &read_on, &debriefed)); i++) {
		json_t *o = json_object();
		rc = o ? 0 : -1;
		if (o) {
			rc |= json_object_set_new(o, "name", json_string(name));
			rc |= set_date(o, "read_on", read_on);
			rc |= set_date(o, "debriefed", debriefed);
			rc |= json_array_append_new(a, o);
		}
	}
	if (rc) {
		json_decref(a);
		return NULL;
	}
	return a;
}

/* Sets the policy facts of the dossier, or nulls when ps is NULL. */
static int policy_facts(json_t *d, const struct pol_policy *pol, const struct pol_person *ps)
{
	static const char *const keys[] = {"accounts", "groups", "clearance", "compartments", "hosts",
	                                   "schedule"};
	int rc = json_object_set_new(d, "name", ps ? json_string(pol_person_name(ps)) : json_null());
	rc |= json_object_set_new(d, "in_policy", json_boolean(ps != NULL));
	if (!ps) {
		for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
			rc |= json_object_set_new(d, keys[i], json_null());
		return rc;
	}
	json_t *v[] = {string_list(pol_person_account, ps), string_list(pol_person_group, ps),
	               clearance_json(ps), compartments_json(pol, ps), string_list(pol_person_host, ps)};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
		rc |= v[i] ? json_object_set_new(d, keys[i], v[i]) : -1;
	const char *sched = pol_person_schedule(ps);
	rc |= json_object_set_new(d, "schedule", sched ? json_string(sched) : json_null());
	return rc;
}

/* Hosts used and the hour-of-week grid over the activity window. */
static json_t *activity(struct col_server *srv, const struct pol_person *ps, int64_t since_ms,
                        int64_t until_ms)
{
	const char *accounts[64];
	size_t n = 0;
	const char *acc;

	while (ps && n < sizeof accounts / sizeof accounts[0] && (acc = pol_person_account(ps, n)))
		accounts[n++] = acc;
	json_t *a = col_store_person_activity(srv->store, accounts, n, since_ms, until_ms);
	if (!a) {
		vg_err("dossier: %s", col_store_error(srv->store));
		return NULL;
	}
	if (set_time(a, "since", since_ms) || set_time(a, "until", until_ms)) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *risk_json(const struct risk_set *set, const char *id, int64_t at_ms, int days,
                         int64_t half_life_ms)
{
	const struct person *p = set->npersons && strcmp(set->persons[0].id, id) == 0 ? &set->persons[0]
	                                                                               : NULL;
	double sum = p ? person_sum(set, p, at_ms, half_life_ms, true) : 0.0;
	json_t *o = json_object();
	if (!o)
		return NULL;
	int rc = json_object_set_new(o, "score", json_real(col_risk_score(sum)));
	rc |= json_object_set_new(o, "half_life_days", days_value(half_life_ms));
	rc |= json_object_set_new(o, "anomalies_counted", json_integer(p ? (json_int_t)p->n : 0));
	json_t *trend = trend_json(set, p, at_ms, days, half_life_ms);
	rc |= trend ? json_object_set_new(o, "trend", trend) : -1;
	json_t *top = top_json(set, p);
	rc |= top ? json_object_set_new(o, "top", top) : -1;
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *col_person_dossier_opts(struct col_server *srv, const char *person,
                                const struct col_dossier_opts *o)
{
	struct risk_ctx cx;
	struct risk_set set;
	int days = o->days > 0 ? (o->days > COL_RISK_MAX_DAYS ? COL_RISK_MAX_DAYS : o->days)
	                       : COL_RISK_DEFAULT_DAYS;
	int adays = o->activity_days > 0 ? o->activity_days : COL_DOSSIER_DEFAULT_ACTIVITY_DAYS;
	int limit = o->anomaly_limit > 0 ? o->anomaly_limit : COL_DOSSIER_DEFAULT_ANOMALIES;
	json_t *d = NULL, *anomalies = NULL;

	if (adays > COL_DOSSIER_MAX_ACTIVITY_DAYS)
		adays = COL_DOSSIER_MAX_ACTIVITY_DAYS;
	if (ctx_open(srv, o->at_ms, &cx) < 0)
		return NULL;
	const struct pol_policy *pol = cx.ref ? cx.ref->pol : NULL;
	const struct pol_person *ps = pol ? pol_find_person(pol, person) : NULL;
	struct col_anomaly_filter f = {.person = person, .min_severity = -1, .since_ms = -1,
	                               .until_ms = cx.at_ms + 1, .limit = limit};
	if (!(anomalies = col_store_anomalies_query(srv->store, &f))) {
		vg_err("dossier: %s", col_store_error(srv->store));
		ctx_close(&cx);
		return NULL;
	}
	if (!ps && json_array_size(anomalies) == 0) {
		json_decref(anomalies);
		ctx_close(&cx);
		return json_null();
	}
	if (risk_set_load(srv, person, cx.at_ms, &set) < 0) {
		json_decref(anomalies);
		ctx_close(&cx);
		return NULL;
	}
	int rc = (d = json_object()) ? 0 : -1;
	if (d) {
		rc |= json_object_set_new(d, "person", json_string(person));
		rc |= set_time(d, "at", cx.at_ms);
		rc |= policy_facts(d, pol, ps);
		json_t *act = activity(srv, ps, cx.at_ms - (int64_t)adays * VG_MS_PER_DAY, cx.at_ms);
		rc |= act ? json_object_set_new(d, "activity", act) : -1;
		rc |= json_object_set_new(d, "anomalies", anomalies);
		anomalies = NULL;
		json_t *risk = risk_json(&set, person, cx.at_ms, days, cx.half_life_ms);
		rc |= risk ? json_object_set_new(d, "risk", risk) : -1;
	}
	json_decref(anomalies);
	risk_set_free(&set);
	ctx_close(&cx);
	if (rc) {
		vg_err("dossier %s: out of memory or storage error", person);
		json_decref(d);
		return NULL;
	}
	return d;
}

json_t *col_person_dossier(struct col_server *srv, const char *person, int64_t at_ms)
{
	struct col_dossier_opts o = {.at_ms = at_ms};
	return col_person_dossier_opts(srv, person, &o);
}

/* ---- HTTP ------------------------------------------------------------------- */

/* A person id from the URL or the query: printable, no '/', at most 255
 * bytes (the policy's ids are shorter; anything else names nobody). */
static bool person_id_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 255)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || s[i] == 0x7f || s[i] == '/')
			return false;
	return true;
}

void col_api_risk(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r)
{
	struct col_risk_opts o = {.person = col_api_query(c, "person")};
	long long limit, days;

	if (col_api_query_time(c, "at", &o.at_ms, r) < 0 ||
	    col_api_query_int(c, "limit", 1, COL_RISK_MAX_LIMIT, COL_RISK_DEFAULT_LIMIT, &limit, r) < 0 ||
	    col_api_query_int(c, "days", 1, COL_RISK_MAX_DAYS, COL_RISK_DEFAULT_DAYS, &days, r) < 0)
		return;
	if (o.person && !person_id_ok(o.person))
		return col_api_error(r, 400, "query 'person': expected a person id");
	o.limit = (int)limit;
	o.days = (int)days;
	json_t *j = col_risk_rank_opts(srv, &o);
	if (!j)
		return col_api_error(r, 500, "risk ranking failed (see the collector log)");
	r->status = 200;
	r->json = j;
}

void col_api_person(struct col_server *srv, struct MHD_Connection *c, const char *id,
                    struct col_reply *r)
{
	struct col_dossier_opts o = {0};
	long long limit, days, adays;

	if (!person_id_ok(id))
		return col_api_error(r, 404, "no such person");
	if (col_api_query_time(c, "at", &o.at_ms, r) < 0 ||
	    col_api_query_int(c, "limit", 1, 10000, COL_DOSSIER_DEFAULT_ANOMALIES, &limit, r) < 0 ||
	    col_api_query_int(c, "days", 1, COL_RISK_MAX_DAYS, COL_RISK_DEFAULT_DAYS, &days, r) < 0 ||
	    col_api_query_int(c, "activity_days", 1, COL_DOSSIER_MAX_ACTIVITY_DAYS,
	                      COL_DOSSIER_DEFAULT_ACTIVITY_DAYS, &adays, r) < 0)
		return;
	o.anomaly_limit = (int)limit;
	o.days = (int)days;
	o.activity_days = (int)adays;
	json_t *j = col_person_dossier_opts(srv, id, &o);
	if (!j)
		return col_api_error(r, 500, "dossier failed (see the collector log)");
	if (json_is_null(j)) {
		json_decref(j);
		return col_api_error(r, 404, "no such person: %.64s", id);
	}
	r->status = 200;
	r->json = j;
}
