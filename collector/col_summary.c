/*
 * col_summary: the period digest for the security officer. Everything here
 * is assembled from store reads that other views use too (anomaly counts,
 * the anomaly list, agent health) and the risk ranking, so the digest never
 * disagrees with the pages it summarises.
 */
#include "col_summary.h"
#include "col_api.h"
#include "col_risk.h"
#include "vg_anomaly.h"
#include "vg_log.h"
#include "vg_time.h"

#include <stdlib.h>
#include <string.h>

static int set_time(json_t *o, const char *key, int64_t ms)
{
	char ts[VG_TIME_LEN];
	vg_time_format(ms < 0 ? 0 : ms, ts);
	return json_object_set_new(o, key, json_string(ts));
}

/* Adds n to the integer member key of o. */
static int add_to(json_t *o, const char *key, json_int_t n)
{
	return json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o, key)) + n));
}

/* Folds the store's {kind, severity, status, n} groups into one row per
 * kind with a column per severity, and totals per severity. */
static int fold_counts(const json_t *groups, json_t *d)
{
	json_int_t by_sev[VG_SEV_COUNT] = {0}, total = 0;
	json_t *kinds = json_array(), *row, *g;
	size_t i;
	int rc = kinds ? 0 : -1;

	json_array_foreach(groups, i, g) {
		const char *kind = json_string_value(json_object_get(g, "kind"));
		int sev = vg_severity_parse(json_string_value(json_object_get(g, "severity")));
		const char *status = json_string_value(json_object_get(g, "status"));
		json_int_t n = json_integer_value(json_object_get(g, "n"));
		if (!kind || sev < 0 || rc)
			continue;
		row = NULL;
		for (size_t k = 0; k < json_array_size(kinds); k++) {
			json_t *r = json_array_get(kinds, k);
			if (strcmp(json_string_value(json_object_get(r, "kind")), kind) == 0)
				row = r;
		}
		if (!row) {
			row = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:I}", "kind", kind, "low", (json_int_t)0,
			                "medium", (json_int_t)0, "high", (json_int_t)0, "critical", (json_int_t)0,
			                "total", (json_int_t)0, "open", (json_int_t)0);
			if (!row || json_array_append_new(kinds, row) < 0) {
				rc = -1;
				continue;
			}
		}
		rc |= add_to(row, vg_severity_name(sev), n);
		rc |= add_to(row, "total", n);
		if (status && strcmp(status, "open") == 0)
			rc |= add_to(row, "open", n);
		by_sev[sev] += n;
		total += n;
	}
	json_t *sev = json_object();
	rc |= sev ? 0 : -1;
	for (int s = 0; sev && s < VG_SEV_COUNT; s++)
		rc |= json_object_set_new(sev, vg_severity_name(s), json_integer(by_sev[s]));
	rc |= json_object_set_new(d, "total", json_integer(total));
	rc |= sev ? json_object_set_new(d, "by_severity", sev) : -1;
	rc |= kinds ? json_object_set_new(d, "by_kind", kinds) : -1;
	return rc;
}

static int by_time_desc(const void *a, const void *b)
{
	const char *x = json_string_value(json_object_get(*(json_t *const *)a, "time"));
	const char *y = json_string_value(json_object_get(*(json_t *const *)b, "time"));
	return strcmp(y ? y : "", x ? x : "");
}

/* The anomalies of one kind in the period (up to COL_SUMMARY_LIST_MAX). */
static json_t *kind_list(struct col_server *srv, const char *kind, int64_t since_ms, int64_t until_ms)
{
	struct col_anomaly_filter f = {.kind = kind, .min_severity = -1, .since_ms = since_ms,
	                               .until_ms = until_ms, .limit = COL_SUMMARY_LIST_MAX};
	json_t *l = col_store_anomalies_query(srv->store, &f);
	if (!l)
		vg_err("summary: %s", col_store_error(srv->store));
	return l;
}

/* agent_silent, audit_loss and audit_tamper anomalies, newest first. */
static json_t *agent_anomalies(struct col_server *srv, int64_t since_ms, int64_t until_ms)
{
	static const char *const kinds[] = {"agent_silent", "audit_loss", "audit_tamper"};
	json_t *all[3 * COL_SUMMARY_LIST_MAX], *out = json_array(), *a;
	size_t n = 0, i;
	int rc = out ? 0 : -1;

	for (size_t k = 0; rc == 0 && k < sizeof kinds / sizeof kinds[0]; k++) {
		json_t *l = kind_list(srv, kinds[k], since_ms, until_ms);
		if (!l) {
			rc = -1;
			break;
		}
		json_array_foreach(l, i, a)
			all[n++] = json_incref(a);
		json_decref(l);
	}
	qsort(all, n, sizeof all[0], by_time_desc);
	for (i = 0; i < n; i++) {
		if (rc == 0 && i < COL_SUMMARY_LIST_MAX)
			rc = json_array_append(out, all[i]);
		json_decref(all[i]);
	}
	if (rc) {
		json_decref(out);
		return NULL;
	}
	return out;
}

json_t *col_summary(struct col_server *srv, int64_t since_ms, int64_t until_ms, int top)
{
	if (until_ms < 0) {
		int64_t latest;
		int rc = col_store_latest_event_time(srv->store, &latest);
		if (rc < 0) {
			vg_err("summary: %s", col_store_error(srv->store));
			return NULL;
		}
		until_ms = rc ? latest + 1 : vg_time_now();
	}
	if (since_ms < 0)
		since_ms = until_ms - COL_SUMMARY_DEFAULT_DAYS * VG_MS_PER_DAY;
	if (since_ms < 0)
		since_ms = 0;
	if (top <= 0)
		top = COL_SUMMARY_DEFAULT_TOP;

	json_t *d = json_object();
	json_t *counts = col_store_anomaly_counts(srv->store, since_ms, until_ms);
	json_t *rank = col_risk_rank(srv, until_ms > 0 ? until_ms - 1 : 0, top, NULL);
	json_t *first = kind_list(srv, "first_access", since_ms, until_ms);
	json_t *agents = col_store_agents_health(srv->store);
	json_t *agent_anoms = agent_anomalies(srv, since_ms, until_ms);
	int rc = d && counts && rank && first && agents && agent_anoms ? 0 : -1;

	if (!counts || !agents)
		vg_err("summary: %s", col_store_error(srv->store));
	if (rc == 0) {
		rc |= set_time(d, "since", since_ms);
		rc |= set_time(d, "until", until_ms);
		rc |= fold_counts(json_object_get(counts, "groups"), d);
		rc |= json_object_set(d, "days", json_object_get(counts, "days"));
		rc |= json_object_set(d, "half_life_days", json_object_get(rank, "half_life_days"));
		rc |= json_object_set(d, "persons", json_object_get(rank, "persons"));
		rc |= json_object_set(d, "first_access", first);
		rc |= json_object_set(d, "agents", agents);
		rc |= json_object_set(d, "agent_anomalies", agent_anoms);
	}
	json_decref(counts);
	json_decref(rank);
	json_decref(first);
	json_decref(agents);
	json_decref(agent_anoms);
	if (rc) {
		vg_err("summary: out of memory or storage error");
		json_decref(d);
		return NULL;
	}
	return d;
}

void col_api_summary(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r)
{
	int64_t since, until;
	long long top;

	if (col_api_query_time(c, "since", &since, r) < 0 || col_api_query_time(c, "until", &until, r) < 0 ||
	    col_api_query_int(c, "top", 1, 1000, COL_SUMMARY_DEFAULT_TOP, &top, r) < 0)
		return;
	if (since >= 0 && until >= 0 && since > until)
		return col_api_error(r, 400, "query 'since' is later than 'until'");
	json_t *j = col_summary(srv, since, until, (int)top);
	if (!j)
		return col_api_error(r, 500, "summary failed (see the collector log)");
	r->status = 200;
	r->json = j;
}
