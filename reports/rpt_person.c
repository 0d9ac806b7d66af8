/*
 * rpt_person: the dossier in text, CSV (one section per part, each with
 * its own header row led by "section"), JSON and HTML.
 */
#include "rpt_person.h"

#include "rpt_field.h"
#include "rpt_html.h"
#include "rpt_risk.h"
#include "rpt_svg.h"
#include "rpt_table.h"
#include "rpt_text.h"
#include "vg_error.h"
#include "vg_time.h"

#include <curl/curl.h>

#include <stdlib.h>
#include <string.h>

#define LABEL_WIDTH 14
#define SPARK_WIDTH 30

static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

void rpt_person_hours(const json_t *dossier, int64_t cells[7][24])
{
	const json_t *grid = json_object_get(json_object_get(dossier, "activity"), "hour_of_week");

	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++) {
			const json_t *v = json_array_get(json_array_get(grid, (size_t)d), (size_t)h);
			cells[d][h] = json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
		}
}

/* ---- fact lines, shared by text and HTML --------------------------------- */

/* Joins the strings of an array with ", " ("none" when empty). */
static void put_joined(FILE *m, const json_t *list)
{
	const json_t *v;
	size_t i;
	json_array_foreach(list, i, v)
		fprintf(m, "%s%s", i ? ", " : "", json_is_string(v) ? json_string_value(v) : "?");
	if (json_array_size(list) == 0)
		fputs("none", m);
}

static void put_clearance(FILE *m, const json_t *c)
{
	static const struct { const char *key, *label; } dates[] = {
		{"granted", "granted"}, {"review_due", "review due"}, {"interim_expires", "interim expires"},
		{"investigated", "investigated"}, {"nda_signed", "NDA signed"},
	};
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF];

	if (!json_is_object(c)) {
		fputs("-", m);
		return;
	}
	fprintf(m, "%s, %s", rpt_field_or(c, "level", b1, "?"), rpt_field_or(c, "status", b2, "?"));
	int n = 0;
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++) {
		const char *d = rpt_field(c, dates[i].key, b1);
		if (d)
			fprintf(m, "%s%s %s", n++ ? ", " : "; ", dates[i].label, d);
	}
}

static void put_compartments(FILE *m, const json_t *list)
{
	const json_t *c;
	size_t i;
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF];

	json_array_foreach(list, i, c) {
		const char *deb = rpt_field(c, "debriefed", b3);
		fprintf(m, "%s%s (read on %s%s%s)", i ? ", " : "", rpt_field_or(c, "name", b1, "?"),
		        rpt_field_or(c, "read_on", b2, "?"), deb ? ", debriefed " : "", deb ? deb : "");
	}
	if (json_array_size(list) == 0)
		fputs(json_is_array(list) ? "none" : "-", m);
}

enum fact { F_PERSON, F_CLEARANCE, F_ACCOUNTS, F_GROUPS, F_COMPARTMENTS, F_HOSTS, F_SCHEDULE,
            F_RISK, F_COUNT };
static const char *const fact_labels[F_COUNT] = {"Person", "Clearance", "Accounts", "Groups",
                                                 "Compartments", "Hosts", "Schedule", "Risk"};

/* The text of fact f (a new string, NULL when memory runs out). */
static char *fact_text(const json_t *d, enum fact f)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF];
	bool in_policy = json_is_true(json_object_get(d, "in_policy"));
	const json_t *risk = json_object_get(d, "risk");

	if (!m)
		return NULL;
	switch (f) {
	case F_PERSON:
		fprintf(m, "%s %s", rpt_field_or(d, "person", b1, "?"),
		        in_policy ? rpt_field_or(d, "name", b2, "") : "(not in the current policy)");
		break;
	case F_CLEARANCE:
		put_clearance(m, json_object_get(d, "clearance"));
		break;
	case F_ACCOUNTS:
	case F_GROUPS:
	case F_HOSTS:
		if (in_policy)
			put_joined(m, json_object_get(d, f == F_ACCOUNTS ? "accounts" :
			                                 f == F_GROUPS ? "groups" : "hosts"));
		else
			fputs("-", m);
		break;
	case F_COMPARTMENTS:
		put_compartments(m, json_object_get(d, "compartments"));
		break;
	case F_SCHEDULE:
		fputs(in_policy ? rpt_field_or(d, "schedule", b1, "any time") : "-", m);
		break;
	case F_RISK:
		fprintf(m, "%s of 100 (%s anomalies counted; half-life %s days)",
		        rpt_num_text(rpt_field_num(risk, "score", 0), b1),
		        rpt_field_or(risk, "anomalies_counted", b2, "0"),
		        rpt_field_or(risk, "half_life_days", b3, "?"));
		break;
	case F_COUNT:
		break;
	}
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- text ------------------------------------------------------------------ */

static int text_line(FILE *out, const char *label, const char *value, size_t width)
{
	char *safe = rpt_text_sanitize(value, strlen(value));
	if (!safe)
		return -1;
	rpt_text_put_cell(out, label, LABEL_WIDTH, true);
	rpt_text_put_cell(out, safe, width > LABEL_WIDTH ? width - LABEL_WIDTH : 1, false);
	fputc('\n', out);
	free(safe);
	return ferror(out) ? -1 : 0;
}

static int text_trend(FILE *out, const json_t *risk)
{
	struct rpt_trend t;

	if (rpt_trend_load(json_object_get(risk, "trend"), &t) < 0)
		return -1;
	rpt_text_put_cell(out, "Trend", LABEL_WIDTH, true);
	if (t.n == 0) {
		fputs("-\n", out);
		return ferror(out) ? -1 : 0;
	}
	rpt_text_sparkline(out, t.scores, t.n, 100, SPARK_WIDTH);
	char *first = rpt_text_sanitize(t.days[0], strlen(t.days[0]));
	char *last = rpt_text_sanitize(t.days[t.n - 1], strlen(t.days[t.n - 1]));
	fprintf(out, "  %s..%s\n", first ? first : "-", last ? last : "-");
	free(first);
	free(last);
	rpt_trend_free(&t);
	return ferror(out) ? -1 : 0;
}

static const struct rpt_column host_columns[] = {
	{"HOST", 8, false}, {"EVENTS", RPT_COLUMN_NO_SHRINK, false},
	{"FIRST (UTC)", RPT_COLUMN_NO_SHRINK, false}, {"LAST (UTC)", RPT_COLUMN_NO_SHRINK, false},
};

static int text_hosts(FILE *out, const json_t *hosts, const struct rpt_render_opts *ro)
{
	struct rpt_table *t = rpt_table_new(host_columns, 4);
	const json_t *h;
	size_t i;
	int rc = t ? 0 : -1;
	char b[RPT_FIELD_BUF];

	json_array_foreach(hosts, i, h) {
		const char *v[4];
		v[0] = rpt_field(h, "host", b);
		v[0] = v[0] ? v[0] : "-";
		for (int k = 0; k < 4 && rc == 0; k++) {
			char bk[RPT_FIELD_BUF];
			const char *s = k == 0 ? v[0] : k == 1 ? rpt_field(h, "events", bk) :
			                rpt_short_time(rpt_field(h, k == 2 ? "first" : "last", bk), bk);
			rc = rpt_table_add(t, s, s ? strlen(s) : 0, NULL);
		}
	}
	if (rc == 0)
		rc = rpt_table_print(t, out, ro && ro->width ? ro->width : RPT_TEXT_WIDTH, ro && ro->color);
	rpt_table_free(t);
	return rc;
}

/* The heat-map as shaded blocks, two columns an hour. */
static int text_heatmap(FILE *out, const int64_t cells[7][24])
{
	static const char *const shades[5] = {"\u00b7\u00b7", "\u2591\u2591", "\u2592\u2592",
	                                      "\u2593\u2593", "\u2588\u2588"};
	int64_t max = 0;

	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			max = cells[d][h] > max ? cells[d][h] : max;
	fputs("     ", out);
	for (int h = 0; h < 24; h += 3)
		fprintf(out, h < 21 ? "%02d    " : "%02d\n", h);
	for (int d = 0; d < 7; d++) {
		fprintf(out, "%s  ", day_names[d]);
		for (int h = 0; h < 24; h++) {
			int64_t v = cells[d][h];
			int level = v <= 0 || max <= 0 ? 0 : 1 + (int)((v * 4 - 1) / max);
			fputs(shades[level > 4 ? 4 : level], out);
		}
		fputc('\n', out);
	}
	fputs("     \u00b7\u00b7 none  \u2591\u2591 \u2592\u2592 \u2593\u2593 \u2588\u2588 busier\n", out);
	return ferror(out) ? -1 : 0;
}

static int person_text(FILE *out, const json_t *d, const struct rpt_render_opts *ro)
{
	size_t width = ro && ro->width ? ro->width : RPT_TEXT_WIDTH;
	const json_t *act = json_object_get(d, "activity");
	const json_t *anomalies = json_object_get(d, "anomalies");
	int64_t cells[7][24];
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF];
	int rc = 0;

	const char *at = rpt_short_time(rpt_field(d, "at", b1), b1);
	char *safe_at = rpt_text_sanitize(at ? at : "-", strlen(at ? at : "-"));
	fprintf(out, "Dossier as of %s UTC\n\n", safe_at ? safe_at : "-");
	free(safe_at);
	for (int f = 0; f < F_COUNT && rc == 0; f++) {
		char *v = fact_text(d, (enum fact)f);
		rc = v ? text_line(out, fact_labels[f], v, width) : -1;
		free(v);
	}
	if (rc == 0)
		rc = text_trend(out, json_object_get(d, "risk"));
	if (rc)
		return -1;

	const char *since = rpt_short_time(rpt_field(act, "since", b2), b2);
	const char *until = rpt_short_time(rpt_field(act, "until", b3), b3);
	char *s1 = rpt_text_sanitize(since ? since : "-", strlen(since ? since : "-"));
	char *s2 = rpt_text_sanitize(until ? until : "-", strlen(until ? until : "-"));
	fprintf(out, "\nActivity %s .. %s UTC: %s events\n", s1 ? s1 : "-", s2 ? s2 : "-",
	        rpt_field_or(act, "events", b1, "0"));
	free(s1);
	free(s2);
	const json_t *hosts = json_object_get(act, "hosts");
	if (json_array_size(hosts) == 0)
		fputs("no activity recorded in that time\n", out);
	else if (text_hosts(out, hosts, ro) < 0)
		return -1;
	fputs("\nActivity by hour of week (UTC)\n", out);
	rpt_person_hours(d, cells);
	if (text_heatmap(out, cells) < 0)
		return -1;
	fputs("\nAnomalies, newest first\n", out);
	return rpt_render_anomalies_text(out, anomalies, ro);
}

/* ---- CSV -------------------------------------------------------------------- */

static int person_csv(FILE *out, const json_t *d)
{
	static const char *const host_keys[] = {"host", "events", "first", "last"};
	static const char *const trend_keys[] = {"day", "score"};
	static const char *const anomaly_keys[] = {"id", "time", "severity", "kind", "account", "host",
	                                           "status", "count", "summary"};
	const char *v[26];
	char hours[24][12], b[24][RPT_FIELD_BUF];
	int64_t cells[7][24];
	int rc;

	v[0] = "section", v[1] = "field", v[2] = "value";
	rc = rpt_csv_row(out, v, 3);
	for (int f = 0; f < F_COUNT; f++) {
		char *t = fact_text(d, (enum fact)f);
		if (!t)
			return -1;
		v[0] = "fact", v[1] = fact_labels[f], v[2] = t;
		rc |= rpt_csv_row(out, v, 3);
		free(t);
	}
	rc |= rpt_csv_section(out, "host", json_object_get(json_object_get(d, "activity"), "hosts"), host_keys, 4);
	v[0] = "section", v[1] = "day";
	for (int h = 0; h < 24; h++) {
		snprintf(hours[h], sizeof hours[h], "%02d", h);
		v[h + 2] = hours[h];
	}
	rc |= rpt_csv_row(out, v, 26);
	rpt_person_hours(d, cells);
	for (int dd = 0; dd < 7; dd++) {
		v[0] = "hour", v[1] = day_names[dd];
		for (int h = 0; h < 24; h++) {
			snprintf(b[h], sizeof b[h], "%lld", (long long)cells[dd][h]);
			v[h + 2] = b[h];
		}
		rc |= rpt_csv_row(out, v, 26);
	}
	rc |= rpt_csv_section(out, "trend", json_object_get(json_object_get(d, "risk"), "trend"), trend_keys, 2);
	rc |= rpt_csv_section(out, "anomaly", json_object_get(d, "anomalies"), anomaly_keys, 9);
	return rc ? -1 : 0;
}

/* ---- HTML ------------------------------------------------------------------- */

static int person_html(FILE *out, const json_t *d)
{
	static const char *const host_head[] = {"Host", "Events", "First (UTC)", "Last (UTC)"};
	const json_t *act = json_object_get(d, "activity"), *h;
	const json_t *risk = json_object_get(d, "risk");
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF], title[512], sub[256];
	int64_t cells[7][24];
	struct rpt_trend t;
	size_t i;

	snprintf(title, sizeof title, "Dossier: %s%s%s", rpt_field_or(d, "name", b1, ""),
	         json_is_string(json_object_get(d, "name")) ? " " : "", rpt_field_or(d, "person", b2, "?"));
	snprintf(sub, sizeof sub, "As of %s UTC.", rpt_short_time(rpt_field_or(d, "at", b3, "-"), b3));
	rpt_html_begin(out, title, sub);
	fputs("<div class=\"cols\"><section>\n", out);
	rpt_html_h2(out, "Clearance and access");
	fputs("<table class=\"facts\"><tbody>\n", out);
	for (int f = 0; f < F_COUNT; f++) {
		char *v = fact_text(d, (enum fact)f);
		if (!v)
			return -1;
		rpt_html_fact(out, fact_labels[f], v);
		free(v);
	}
	fputs("</tbody></table>\n</section><section>\n", out);
	if (rpt_trend_load(json_object_get(risk, "trend"), &t) < 0)
		return -1;
	struct rpt_svg_series s = {"risk score", t.scores};
	snprintf(sub, sizeof sub, "Risk over time (now %s of 100)", rpt_num_text(rpt_field_num(risk, "score", 0), b1));
	rpt_svg_lines(out, sub, t.days, t.n, &s, 1, 100);
	rpt_trend_free(&t);
	fputs("</section></div>\n", out);

	snprintf(sub, sizeof sub, "Activity %s to %s UTC (%s events)",
	         rpt_short_time(rpt_field_or(act, "since", b1, "-"), b1),
	         rpt_short_time(rpt_field_or(act, "until", b2, "-"), b2), rpt_field_or(act, "events", b3, "0"));
	rpt_html_h2(out, sub);
	rpt_person_hours(d, cells);
	rpt_svg_heatmap(out, "Activity by hour of week (UTC)", cells);
	const json_t *hosts = json_object_get(act, "hosts");
	if (json_array_size(hosts) == 0) {
		rpt_html_para(out, "muted", "No activity recorded in that time.");
	} else {
		rpt_html_table_begin(out, "hosts", host_head, 4);
		json_array_foreach(hosts, i, h) {
			rpt_html_row_begin(out);
			rpt_html_cell(out, rpt_field(h, "host", b1), NULL);
			rpt_html_cell(out, rpt_field(h, "events", b1), "num");
			rpt_html_cell(out, rpt_short_time(rpt_field(h, "first", b1), b1), "time");
			rpt_html_cell(out, rpt_short_time(rpt_field(h, "last", b2), b2), "time");
			rpt_html_row_end(out);
		}
		rpt_html_table_end(out);
	}
	const json_t *anomalies = json_object_get(d, "anomalies");
	rpt_html_h2(out, "Anomalies, newest first");
	if (json_array_size(anomalies))
		rpt_html_kind_chart(out, anomalies, "Anomalies by kind");
	rpt_html_anomaly_table(out, anomalies);
	rpt_html_h2(out, "Top contributions to the risk score");
	char *top = rpt_risk_top_text(json_object_get(risk, "top"));
	if (!top)
		return -1;
	rpt_html_para(out, NULL, top);
	free(top);
	return rpt_html_end(out);
}

int rpt_render_person(FILE *out, const json_t *doc, enum rpt_format f, const struct rpt_render_opts *ro)
{
	if (!json_is_object(doc) || !json_is_string(json_object_get(doc, "person")))
		return -1;
	switch (f) {
	case RPT_FORMAT_JSON:
		return rpt_render_json(out, doc);
	case RPT_FORMAT_CSV:
		return person_csv(out, doc);
	case RPT_FORMAT_HTML:
		return person_html(out, doc);
	case RPT_FORMAT_TEXT:
		break;
	}
	return person_text(out, doc, ro);
}

int rpt_person_run(struct rpt_client *c, const struct rpt_args *a, const struct rpt_render_opts *ro,
                   FILE *out, char *err, size_t errlen)
{
	char at[VG_TIME_LEN], limit[24], days[24];
	struct rpt_query_param p[3] = {{"at", NULL}, {"limit", limit}, {"days", NULL}};
	json_t *doc = NULL;

	if (a->has_at) {
		vg_time_format(a->at_ms, at);
		p[0].value = at;
	}
	snprintf(limit, sizeof limit, "%ld", a->limit);
	if (a->days > 0) {
		snprintf(days, sizeof days, "%ld", a->days);
		p[2].value = days;
	}
	/* The id is percent-encoded as a whole, so it cannot add a path
	 * segment or a query. */
	char *seg = curl_easy_escape(NULL, a->person, 0), full[1024];
	if (!seg)
		return vg_errf(err, errlen, "out of memory");
	snprintf(full, sizeof full, "/v1/persons/%s", seg);
	curl_free(seg);
	enum rpt_client_status st = rpt_client_get(c, full, p, 3, &doc, NULL, err, errlen);
	if (st != RPT_CLIENT_OK)
		return -1;
	int rc = rpt_render_person(out, doc, a->format, ro);
	json_decref(doc);
	if (rc < 0)
		return vg_errf(err, errlen, "GET %s: unexpected response, or cannot write the report", full);
	return 0;
}
