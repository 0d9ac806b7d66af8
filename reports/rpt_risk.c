/*
 * rpt_risk: the risk ranking in text, CSV, JSON and HTML.
 */
#include "rpt_risk.h"

#include "rpt_field.h"
#include "rpt_html.h"
#include "rpt_svg.h"
#include "rpt_table.h"
#include "rpt_text.h"
#include "vg_error.h"
#include "vg_time.h"

#include <stdlib.h>
#include <string.h>

#define SPARK_WIDTH 20

int rpt_trend_load(const json_t *trend, struct rpt_trend *t)
{
	size_t n = json_is_array(trend) ? json_array_size(trend) : 0;

	memset(t, 0, sizeof *t);
	if (n == 0)
		return 0;
	t->days = calloc(n, sizeof *t->days);
	t->scores = calloc(n, sizeof *t->scores);
	if (!t->days || !t->scores) {
		rpt_trend_free(t);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *p = json_array_get(trend, i);
		const char *d = json_string_value(json_object_get(p, "day"));
		t->days[i] = d ? d : "-";
		t->scores[i] = rpt_field_num(p, "score", 0);
	}
	t->n = n;
	return 0;
}

void rpt_trend_free(struct rpt_trend *t)
{
	free(t->days);
	free(t->scores);
	memset(t, 0, sizeof *t);
}

char *rpt_risk_top_text(const json_t *anomalies)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	const json_t *a;
	size_t i;
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF], b4[RPT_FIELD_BUF];

	if (!m)
		return NULL;
	json_array_foreach(anomalies, i, a) {
		fprintf(m, "%s#%s %s %s %s", i ? "; " : "", rpt_field_or(a, "id", b1, "?"),
		        rpt_field_or(a, "kind", b2, "?"), rpt_field_or(a, "severity", b3, "?"),
		        rpt_num_text(rpt_field_num(a, "contribution", 0), b4));
	}
	if (i == 0)
		fputs("no anomaly counts", m);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* The sparkline of a ranking entry's trend as a string. */
static char *spark_text(const json_t *trend)
{
	struct rpt_trend t;
	char *buf = NULL;
	size_t size = 0;

	if (rpt_trend_load(trend, &t) < 0)
		return NULL;
	FILE *m = open_memstream(&buf, &size);
	if (m) {
		rpt_text_sparkline(m, t.scores, t.n, 100, SPARK_WIDTH);
		if (fclose(m) != 0) {
			free(buf);
			buf = NULL;
		}
	}
	rpt_trend_free(&t);
	return buf;
}

static const struct rpt_column rank_columns[] = {
	{"RANK", RPT_COLUMN_NO_SHRINK, false}, {"PERSON", 8, false},
	{"NAME", 8, false},                    {"SCORE", RPT_COLUMN_NO_SHRINK, false},
	{"TREND", RPT_COLUMN_NO_SHRINK, false}, {"COUNTED", RPT_COLUMN_NO_SHRINK, false},
	{"TOP", 0, true},
};

static const char *score_style(double score)
{
	return score >= 75 ? "1;31" : score >= 50 ? "31" : score >= 25 ? "33" : NULL;
}

static int add_text(struct rpt_table *t, const char *s, const char *style)
{
	return rpt_table_add(t, s, s ? strlen(s) : 0, style);
}

int rpt_risk_text_table(FILE *out, const json_t *persons, const struct rpt_render_opts *ro)
{
	struct rpt_table *t = rpt_table_new(rank_columns, sizeof rank_columns / sizeof rank_columns[0]);
	const json_t *p;
	size_t i;
	int rc = t ? 0 : -1;
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF];

	json_array_foreach(persons, i, p) {
		if (rc)
			break;
		double score = rpt_field_num(p, "score", 0);
		char *spark = spark_text(json_object_get(p, "trend"));
		char *top = rpt_risk_top_text(json_object_get(p, "anomalies"));
		snprintf(b1, sizeof b1, "%zu", i + 1);
		snprintf(b2, sizeof b2, "%5.1f", score);
		rc = spark && top ? 0 : -1;
		rc = rc ? rc : add_text(t, b1, NULL);
		rc = rc ? rc : add_text(t, json_string_value(json_object_get(p, "person")), NULL);
		rc = rc ? rc : add_text(t, json_string_value(json_object_get(p, "name")), NULL);
		rc = rc ? rc : add_text(t, b2, score_style(score));
		rc = rc ? rc : add_text(t, spark, NULL);
		rc = rc ? rc : add_text(t, rpt_field_or(p, "anomalies_counted", b1, "-"), NULL);
		rc = rc ? rc : add_text(t, top, NULL);
		free(spark);
		free(top);
	}
	if (rc == 0)
		rc = rpt_table_print(t, out, ro && ro->width ? ro->width : RPT_TEXT_WIDTH, ro && ro->color);
	rpt_table_free(t);
	return rc;
}

static int risk_text(FILE *out, const json_t *doc, const json_t *persons, const struct rpt_render_opts *ro)
{
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF];
	const char *at = rpt_short_time(rpt_field(doc, "at", b1), b1);
	char *safe_at = rpt_text_sanitize(at ? at : "-", strlen(at ? at : "-"));

	fprintf(out, "Risk as of %s UTC (half-life %s days; trend over %s days)\n\n",
	        safe_at ? safe_at : "-", rpt_field_or(doc, "half_life_days", b2, "?"),
	        rpt_field_or(doc, "days", b3, "?"));
	free(safe_at);
	if (json_array_size(persons) == 0) {
		fputs("no person has a risk score above 0\n", out);
		return ferror(out) ? -1 : 0;
	}
	if (rpt_risk_text_table(out, persons, ro) < 0)
		return -1;
	fprintf(out, "%zu %s\n", json_array_size(persons), json_array_size(persons) == 1 ? "person" : "persons");
	return ferror(out) ? -1 : 0;
}

static int risk_csv(FILE *out, const json_t *persons)
{
	static const char *const head[] = {"rank", "person", "name", "score", "anomalies_counted",
	                                   "trend", "top_anomalies"};
	const json_t *p;
	size_t i;
	int rc = 0;
	char b[RPT_FIELD_BUF];

	for (size_t k = 0; k < sizeof head / sizeof head[0]; k++)
		rc |= rpt_csv_field(out, head[k], strlen(head[k]), k == 0);
	rc |= rpt_csv_end_row(out);
	json_array_foreach(persons, i, p) {
		const char *v;
		snprintf(b, sizeof b, "%zu", i + 1);
		rc |= rpt_csv_field(out, b, strlen(b), true);
		static const char *const keys[] = {"person", "name", "score", "anomalies_counted"};
		for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
			v = rpt_field(p, keys[k], b);
			rc |= rpt_csv_field(out, v, v ? strlen(v) : 0, false);
		}
		/* trend as day:score;... */
		char *buf = NULL;
		size_t size = 0;
		FILE *m = open_memstream(&buf, &size);
		const json_t *pt;
		size_t j;
		if (!m)
			return -1;
		json_array_foreach(json_object_get(p, "trend"), j, pt) {
			char bd[RPT_FIELD_BUF], bs[RPT_FIELD_BUF];
			fprintf(m, "%s%s:%s", j ? ";" : "", rpt_field_or(pt, "day", bd, "-"),
			        rpt_field_or(pt, "score", bs, "0"));
		}
		if (fclose(m) != 0) {
			free(buf);
			return -1;
		}
		rc |= rpt_csv_field(out, buf, size, false);
		free(buf);
		char *top = rpt_risk_top_text(json_object_get(p, "anomalies"));
		if (!top)
			return -1;
		rc |= rpt_csv_field(out, top, strlen(top), false);
		free(top);
		rc |= rpt_csv_end_row(out);
	}
	return rc ? -1 : 0;
}

int rpt_risk_html_chart(FILE *out, const json_t *persons, const char *title)
{
	struct rpt_trend trends[RPT_SVG_MAX_SERIES];
	struct rpt_svg_series series[RPT_SVG_MAX_SERIES];
	char names[RPT_SVG_MAX_SERIES][300];
	size_t ns = 0, n = 0;
	int rc = 0;

	for (size_t i = 0; i < json_array_size(persons) && ns < RPT_SVG_MAX_SERIES; i++) {
		const json_t *p = json_array_get(persons, i);
		if (rpt_trend_load(json_object_get(p, "trend"), &trends[ns]) < 0) {
			rc = -1;
			break;
		}
		if (ns == 0)
			n = trends[0].n;
		if (trends[ns].n != n) {     /* every series must share the days */
			rpt_trend_free(&trends[ns]);
			continue;
		}
		const char *id = json_string_value(json_object_get(p, "person"));
		const char *name = json_string_value(json_object_get(p, "name"));
		snprintf(names[ns], sizeof names[ns], "%s%s%s%s", name ? name : "", name ? " (" : "",
		         id ? id : "?", name ? ")" : "");
		series[ns].name = names[ns];
		series[ns].y = trends[ns].scores;
		ns++;
	}
	if (rc == 0)
		rc = rpt_svg_lines(out, title, ns ? trends[0].days : NULL, ns ? n : 0, series, ns, 100);
	for (size_t i = 0; i < ns; i++)
		rpt_trend_free(&trends[i]);
	return rc;
}

int rpt_risk_html_table(FILE *out, const json_t *persons)
{
	static const char *const head[] = {"Rank", "Person", "Name", "Score", "Counted",
	                                   "Top contributing anomalies"};
	const json_t *p;
	size_t i;
	char b[RPT_FIELD_BUF];

	if (json_array_size(persons) == 0)
		return rpt_html_para(out, "muted", "No person has a risk score above 0.");
	rpt_html_table_begin(out, "risk", head, sizeof head / sizeof head[0]);
	json_array_foreach(persons, i, p) {
		double score = rpt_field_num(p, "score", 0);
		char *top = rpt_risk_top_text(json_object_get(p, "anomalies"));
		if (!top)
			return -1;
		snprintf(b, sizeof b, "%zu", i + 1);
		rpt_html_row_begin(out);
		rpt_html_cell(out, b, "num");
		rpt_html_cell(out, json_string_value(json_object_get(p, "person")), NULL);
		rpt_html_cell(out, json_string_value(json_object_get(p, "name")), NULL);
		snprintf(b, sizeof b, "%.1f", score);
		rpt_html_cell(out, b, score >= 75 ? "num sev-critical" : score >= 50 ? "num sev-high" :
		              score >= 25 ? "num sev-medium" : "num");
		rpt_html_cell(out, rpt_field(p, "anomalies_counted", b), "num");
		rpt_html_cell(out, top, "wrap");
		rpt_html_row_end(out);
		free(top);
	}
	return rpt_html_table_end(out);
}

static int risk_html(FILE *out, const json_t *doc, const json_t *persons)
{
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF], b3[RPT_FIELD_BUF], sub[256];

	snprintf(sub, sizeof sub, "As of %s UTC; half-life %s days; history of %s days.",
	         rpt_short_time(rpt_field_or(doc, "at", b1, "-"), b1), rpt_field_or(doc, "half_life_days", b2, "?"),
	         rpt_field_or(doc, "days", b3, "?"));
	rpt_html_begin(out, "Risk ranking", sub);
	rpt_risk_html_chart(out, persons, "Risk over time (highest first)");
	rpt_html_h2(out, "Persons ranked by risk");
	rpt_risk_html_table(out, persons);
	return rpt_html_end(out);
}

int rpt_render_risk(FILE *out, const json_t *doc, enum rpt_format f, const struct rpt_render_opts *ro)
{
	const json_t *persons = json_object_get(doc, "persons");

	if (!json_is_array(persons))
		return -1;
	switch (f) {
	case RPT_FORMAT_JSON:
		return rpt_render_json(out, doc);
	case RPT_FORMAT_CSV:
		return risk_csv(out, persons);
	case RPT_FORMAT_HTML:
		return risk_html(out, doc, persons);
	case RPT_FORMAT_TEXT:
		break;
	}
	return risk_text(out, doc, persons, ro);
}

int rpt_risk_run(struct rpt_client *c, const struct rpt_args *a, const struct rpt_render_opts *ro,
                 FILE *out, char *err, size_t errlen)
{
	char at[VG_TIME_LEN], limit[24], days[24];
	struct rpt_query_param p[4] = {{"person", a->person}, {"at", NULL}, {"limit", limit}, {"days", NULL}};
	json_t *doc = NULL;

	if (a->has_at) {
		vg_time_format(a->at_ms, at);
		p[1].value = at;
	}
	snprintf(limit, sizeof limit, "%ld", a->limit);
	if (a->days > 0) {
		snprintf(days, sizeof days, "%ld", a->days);
		p[3].value = days;
	}
	if (rpt_client_get(c, "/v1/risk", p, 4, &doc, NULL, err, errlen) != RPT_CLIENT_OK)
		return -1;
	int rc = rpt_render_risk(out, doc, a->format, ro);
	json_decref(doc);
	if (rc < 0)
		return vg_errf(err, errlen, "GET /v1/risk: unexpected response, or cannot write the report");
	return 0;
}
