/*
 * rpt_summary: the period digest in text, CSV (one section per part), JSON
 * and HTML.
 */
#include "rpt_summary.h"

#include "rpt_field.h"
#include "rpt_html.h"
#include "rpt_risk.h"
#include "rpt_svg.h"
#include "rpt_table.h"
#include "rpt_text.h"
#include "vg_error.h"
#include "vg_time.h"

#include <stdlib.h>
#include <string.h>

static const char *const kind_keys[] = {"kind", "low", "medium", "high", "critical", "total", "open"};
static const struct rpt_column kind_columns[] = {
	{"KIND", 12, false},     {"LOW", RPT_COLUMN_NO_SHRINK, false},
	{"MEDIUM", RPT_COLUMN_NO_SHRINK, false}, {"HIGH", RPT_COLUMN_NO_SHRINK, false},
	{"CRITICAL", RPT_COLUMN_NO_SHRINK, false}, {"TOTAL", RPT_COLUMN_NO_SHRINK, false},
	{"OPEN", RPT_COLUMN_NO_SHRINK, false},
};
static const struct rpt_column agent_columns[] = {
	{"HOST", 8, false},
	{"AGENT", RPT_COLUMN_NO_SHRINK, false},
	{"LAST EVENT (UTC)", RPT_COLUMN_NO_SHRINK, false},
	{"RECEIVED (UTC)", RPT_COLUMN_NO_SHRINK, false},
	{"OPEN FINDINGS", 6, false},
};
static const char *const person_keys[] = {"person", "name", "score", "anomalies_counted"};
static const char *const anomaly_keys[] = {"id", "time", "severity", "kind", "person", "account",
                                           "host", "status", "count", "summary"};
static const char *const agent_keys[] = {"id", "host", "created", "revoked", "high_seq",
                                         "last_event", "last_received"};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* An agent's open findings as "agent_silent 1, audit_loss 2" ("none"). */
static char *open_text(const json_t *agent)
{
	const json_t *open = json_object_get(agent, "open"), *v;
	const char *k;
	char *buf = NULL;
	size_t size = 0;
	int n = 0;
	FILE *m = open_memstream(&buf, &size);

	if (!m)
		return NULL;
	json_object_foreach((json_t *)open, k, v) {
		if (json_integer_value(v) > 0)
			fprintf(m, "%s%s %lld", n++ ? ", " : "", k, (long long)json_integer_value(v));
	}
	if (!n)
		fputs("none", m);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int print_table(FILE *out, struct rpt_table *t, const struct rpt_render_opts *ro)
{
	int rc = rpt_table_print(t, out, ro && ro->width ? ro->width : RPT_TEXT_WIDTH, ro && ro->color);
	rpt_table_free(t);
	return rc;
}

static int text_kinds(FILE *out, const json_t *kinds, const struct rpt_render_opts *ro)
{
	struct rpt_table *t = rpt_table_new(kind_columns, N(kind_columns));
	const json_t *k;
	size_t i;
	int rc = t ? 0 : -1;
	char b[RPT_FIELD_BUF];

	json_array_foreach(kinds, i, k)
		for (size_t c = 0; c < N(kind_keys) && rc == 0; c++) {
			const char *s = rpt_field_or(k, kind_keys[c], b, "-");
			bool crit = json_integer_value(json_object_get(k, "critical")) > 0;
			bool high = json_integer_value(json_object_get(k, "high")) > 0;
			const char *style = c == 4 && crit ? "1;31" : c == 3 && high ? "31" : NULL;
			rc = rpt_table_add(t, s, strlen(s), style);
		}
	return rc ? (rpt_table_free(t), -1) : print_table(out, t, ro);
}

static int text_agents(FILE *out, const json_t *agents, const struct rpt_render_opts *ro)
{
	struct rpt_table *t = rpt_table_new(agent_columns, N(agent_columns));
	const json_t *a;
	size_t i;
	int rc = t ? 0 : -1;
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF];

	json_array_foreach(agents, i, a) {
		char *open = open_text(a);
		const char *v[5] = {rpt_field(a, "host", b1), rpt_field(a, "id", b2), NULL, NULL, open};
		char b3[RPT_FIELD_BUF], b4[RPT_FIELD_BUF];
		v[2] = rpt_short_time(rpt_field(a, "last_event", b3), b3);
		v[3] = rpt_short_time(rpt_field(a, "last_received", b4), b4);
		rc = open ? rc : -1;
		for (size_t c = 0; c < 5 && rc == 0; c++)
			rc = rpt_table_add(t, v[c], v[c] ? strlen(v[c]) : 0,
			                   c == 4 && open && strcmp(open, "none") != 0 ? "31" : NULL);
		free(open);
	}
	return rc ? (rpt_table_free(t), -1) : print_table(out, t, ro);
}

/* A titled anomaly list, the newest TEXT_LIST_MAX of it on a terminal
 * (CSV, JSON and HTML carry the whole list). */
#define TEXT_LIST_MAX 20
static int text_anomalies(FILE *out, const char *title, const json_t *list,
                          const struct rpt_render_opts *ro)
{
	size_t n = json_array_size(list);
	json_t *head = json_array();
	int rc = head ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < n && i < TEXT_LIST_MAX; i++)
		rc = json_array_append(head, json_array_get(list, i));
	if (n > TEXT_LIST_MAX)
		fprintf(out, "\n%s (%zu; the newest %d)\n", title, n, TEXT_LIST_MAX);
	else
		fprintf(out, "\n%s (%zu)\n", title, n);
	if (rc == 0)
		rc = rpt_render_anomalies_text(out, head, ro);
	json_decref(head);
	return rc;
}

static int summary_text(FILE *out, const json_t *d, const struct rpt_render_opts *ro)
{
	const json_t *sev = json_object_get(d, "by_severity");
	const json_t *kinds = json_object_get(d, "by_kind");
	const json_t *persons = json_object_get(d, "persons");
	const json_t *first = json_object_get(d, "first_access");
	const json_t *agents = json_object_get(d, "agents");
	const json_t *agent_anoms = json_object_get(d, "agent_anomalies");
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF], b4[RPT_FIELD_BUF];
	char b5[RPT_FIELD_BUF], b6[RPT_FIELD_BUF], b7[RPT_FIELD_BUF];
	struct rpt_render_opts nolimit = ro ? *ro : (struct rpt_render_opts){0};

	nolimit.limit = 0;
	const char *since = rpt_short_time(rpt_field(d, "since", b1), b1);
	const char *until = rpt_short_time(rpt_field(d, "until", b2), b2);
	char *s1 = rpt_text_sanitize(since ? since : "-", strlen(since ? since : "-"));
	char *s2 = rpt_text_sanitize(until ? until : "-", strlen(until ? until : "-"));
	fprintf(out, "Summary %s .. %s UTC\n%s anomalies: %s critical, %s high, %s medium, %s low\n\n",
	        s1 ? s1 : "-", s2 ? s2 : "-", rpt_field_or(d, "total", b3, "0"),
	        rpt_field_or(sev, "critical", b4, "0"), rpt_field_or(sev, "high", b5, "0"),
	        rpt_field_or(sev, "medium", b6, "0"), rpt_field_or(sev, "low", b7, "0"));
	free(s1);
	free(s2);
	fputs("Anomalies by kind\n", out);
	if (json_array_size(kinds) == 0)
		fputs("none in this period\n", out);
	else if (text_kinds(out, kinds, ro) < 0)
		return -1;
	fputs("\nTop persons by risk at the end of the period\n", out);
	if (json_array_size(persons) == 0)
		fputs("no person has a risk score above 0\n", out);
	else if (rpt_risk_text_table(out, persons, ro) < 0)
		return -1;
	if (text_anomalies(out, "New first accesses", first, &nolimit) < 0)
		return -1;
	fputs("\nAgent health\n", out);
	if (json_array_size(agents) == 0)
		fputs("no agent is enrolled\n", out);
	else if (text_agents(out, agents, ro) < 0)
		return -1;
	return text_anomalies(out, "Agent and audit anomalies in the period", agent_anoms, &nolimit);
}

static int summary_csv(FILE *out, const json_t *d)
{
	int rc = rpt_csv_section(out, "kind", json_object_get(d, "by_kind"), kind_keys, N(kind_keys));
	rc |= rpt_csv_section(out, "person", json_object_get(d, "persons"), person_keys, N(person_keys));
	rc |= rpt_csv_section(out, "first_access", json_object_get(d, "first_access"), anomaly_keys,
	                      N(anomaly_keys));
	rc |= rpt_csv_section(out, "agent", json_object_get(d, "agents"), agent_keys, N(agent_keys));
	rc |= rpt_csv_section(out, "agent_anomaly", json_object_get(d, "agent_anomalies"), anomaly_keys,
	                      N(anomaly_keys));
	return rc ? -1 : 0;
}

static int html_kinds(FILE *out, const json_t *kinds)
{
	static const char *const sev[] = {"low", "medium", "high", "critical"};
	static const char *const head[] = {"Kind", "Low", "Medium", "High", "Critical", "Total", "Open"};
	size_t n = json_array_size(kinds), i;
	struct rpt_svg_bar *bars = calloc(n ? n : 1, sizeof *bars);
	const json_t *k;
	char b[RPT_FIELD_BUF];

	if (!bars)
		return -1;
	json_array_foreach(kinds, i, k) {
		bars[i].label = json_string_value(json_object_get(k, "kind"));
		if (!bars[i].label)
			bars[i].label = "?";
		for (int s = 0; s < 4; s++)
			bars[i].v[s] = rpt_field_num(k, sev[s], 0);
	}
	int rc = rpt_svg_bars(out, "Anomalies by kind and severity", bars, n, sev, 4);
	free(bars);
	if (n == 0)
		return rc;
	rpt_html_table_begin(out, "kinds", head, N(head));
	json_array_foreach(kinds, i, k) {
		rpt_html_row_begin(out);
		for (size_t c = 0; c < N(kind_keys); c++)
			rpt_html_cell(out, rpt_field(k, kind_keys[c], b), c ? "num" : NULL);
		rpt_html_row_end(out);
	}
	return rpt_html_table_end(out) | rc;
}

static int html_agents(FILE *out, const json_t *agents)
{
	static const char *const head[] = {"Host", "Agent", "Last event (UTC)", "Last received (UTC)",
	                                   "Open agent findings"};
	const json_t *a;
	size_t i;
	char b1[RPT_FIELD_BUF];

	if (json_array_size(agents) == 0)
		return rpt_html_para(out, "muted", "No agent is enrolled.");
	rpt_html_table_begin(out, "agents", head, N(head));
	json_array_foreach(agents, i, a) {
		char *open = open_text(a);
		if (!open)
			return -1;
		rpt_html_row_begin(out);
		rpt_html_cell(out, rpt_field(a, "host", b1), NULL);
		rpt_html_cell(out, rpt_field(a, "id", b1), "num");
		rpt_html_cell(out, rpt_short_time(rpt_field(a, "last_event", b1), b1), "time");
		rpt_html_cell(out, rpt_short_time(rpt_field(a, "last_received", b1), b1), "time");
		rpt_html_cell(out, open, strcmp(open, "none") ? "sev-high" : NULL);
		rpt_html_row_end(out);
		free(open);
	}
	return rpt_html_table_end(out);
}

static int summary_html(FILE *out, const json_t *d)
{
	const json_t *sev = json_object_get(d, "by_severity");
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF], b4[RPT_FIELD_BUF];
	char b5[RPT_FIELD_BUF], b6[RPT_FIELD_BUF], b7[RPT_FIELD_BUF], sub[512];

	snprintf(sub, sizeof sub, "%s to %s UTC: %s anomalies (%s critical, %s high, %s medium, %s low).",
	         rpt_short_time(rpt_field_or(d, "since", b1, "-"), b1),
	         rpt_short_time(rpt_field_or(d, "until", b2, "-"), b2),
	         rpt_field_or(d, "total", b3, "0"), rpt_field_or(sev, "critical", b4, "0"),
	         rpt_field_or(sev, "high", b5, "0"), rpt_field_or(sev, "medium", b6, "0"),
	         rpt_field_or(sev, "low", b7, "0"));
	rpt_html_begin(out, "Security summary", sub);
	rpt_html_h2(out, "Anomalies by kind");
	int rc = html_kinds(out, json_object_get(d, "by_kind"));
	rpt_html_h2(out, "Top persons by risk at the end of the period");
	const json_t *persons = json_object_get(d, "persons");
	rc |= rpt_risk_html_chart(out, persons, "Risk over time");
	rc |= rpt_risk_html_table(out, persons);
	rpt_html_h2(out, "New first accesses");
	rc |= rpt_html_anomaly_table(out, json_object_get(d, "first_access"));
	rpt_html_h2(out, "Agent health");
	rc |= html_agents(out, json_object_get(d, "agents"));
	rpt_html_h2(out, "Agent and audit anomalies in the period");
	rc |= rpt_html_anomaly_table(out, json_object_get(d, "agent_anomalies"));
	return rpt_html_end(out) | rc;
}

int rpt_render_summary(FILE *out, const json_t *doc, enum rpt_format f,
                       const struct rpt_render_opts *ro)
{
	if (!json_is_object(doc) || !json_is_array(json_object_get(doc, "by_kind")))
		return -1;
	switch (f) {
	case RPT_FORMAT_JSON:
		return rpt_render_json(out, doc);
	case RPT_FORMAT_CSV:
		return summary_csv(out, doc);
	case RPT_FORMAT_HTML:
		return summary_html(out, doc);
	case RPT_FORMAT_TEXT:
		break;
	}
	return summary_text(out, doc, ro);
}

int rpt_summary_run(struct rpt_client *c, const struct rpt_args *a, const struct rpt_render_opts *ro,
                    FILE *out, char *err, size_t errlen)
{
	char since[VG_TIME_LEN], until[VG_TIME_LEN], top[24];
	struct rpt_query_param p[3] = {{"since", NULL}, {"until", NULL}, {"top", NULL}};
	json_t *doc = NULL;

	if (a->has_since) {
		vg_time_format(a->since_ms, since);
		p[0].value = since;
	}
	if (a->has_until) {
		vg_time_format(a->until_ms, until);
		p[1].value = until;
	}
	if (a->limit_set) {
		snprintf(top, sizeof top, "%ld", a->limit > 1000 ? 1000 : a->limit);
		p[2].value = top;
	}
	if (rpt_client_get(c, "/v1/summary", p, 3, &doc, NULL, err, errlen) != RPT_CLIENT_OK)
		return -1;
	int rc = rpt_render_summary(out, doc, a->format, ro);
	json_decref(doc);
	if (rc < 0)
		return vg_errf(err, errlen, "GET /v1/summary: unexpected response, or cannot write the report");
	return 0;
}
