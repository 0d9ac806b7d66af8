/*
 * col_web_risk: the risk ranking and the person dossier pages, drawn from
 * the JSON of col_risk.c (GET /v1/risk and /v1/persons/ID answer with the
 * same documents, through the same handlers and query strings).
 */
#include "col_api.h"
#include "col_risk.h"
#include "col_web_page.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RISK_CHART_PERSONS 20

/* A trend [{"day","score"}..] as arrays; returns how many points (at most
 * max). */
static size_t trend_points(json_t *trend, double *ys, const char **days, size_t max)
{
	size_t i, n = 0;
	json_t *t;
	json_array_foreach(trend, i, t) {
		if (n == max)
			break;
		ys[n] = json_number_value(json_object_get(t, "score"));
		days[n] = col_web_jstr(t, "day");
		n++;
	}
	return n;
}

/* Contributing anomalies: [{"id","kind","severity","time","count","contribution"}..]. */
static const struct col_web_col contribution_cols[] = {
	{"id", "anomaly", CELL_ANOMALY},       {"kind", "kind", CELL_TEXT},
	{"severity", "severity", CELL_SEVERITY}, {"time", "time", CELL_TIME},
	{"count", "events", CELL_NUM},         {"contribution", "contribution", CELL_NUM},
};

/* The same, short, in a table cell: "#id kind severity" per line. */
static void contributions_brief(struct col_web_page *p, json_t *list)
{
	size_t i;
	json_t *a;
	if (json_array_size(list) == 0)
		col_html_raw(&p->h, "\xe2\x80\x94");
	json_array_foreach(list, i, a) {
		for (size_t c = 0; c < 3; c++) {
			col_web_cell(p, a, &contribution_cols[c]);
			col_html_raw(&p->h, c < 2 ? " " : "<br>");
		}
	}
}

void col_web_page_risk(struct col_web_page *p)
{
	struct col_reply r = {0, NULL};
	struct col_web_bar bars[RISK_CHART_PERSONS];
	char hrefs[RISK_CHART_PERSONS][300];
	struct col_html *h = &p->h;
	size_t i, n = 0;
	json_t *e;

	col_web_head(p, "Risk ranking", "risk");
	col_api_risk(p->srv, p->conn, &r);
	if (r.status != 200) {
		p->status = r.status;
		col_web_message(p, "error", col_web_jstr(r.json, "error"));
		json_decref(r.json);
		col_web_foot(p);
		return;
	}
	json_t *persons = json_object_get(r.json, "persons");
	col_html_raw(h, "<p>Scores from 0 to 100 as of ");
	col_web_time(p, col_web_jstr(r.json, "at"));
	col_html_raw(h, " (the newest event stored); an anomaly's weight halves every ");
	col_web_jtext(p, r.json, "half_life_days");
	col_html_raw(h, " days, and false positives do not count. Trends cover the last ");
	col_web_jtext(p, r.json, "days");
	col_html_raw(h, " days.</p>\n");
	if (json_array_size(persons) == 0) {
		col_html_raw(h, "<p class=\"empty\">No person has anomalies that count.</p>");
		json_decref(r.json);
		col_web_foot(p);
		return;
	}
	json_array_foreach(persons, i, e) {
		if (n == RISK_CHART_PERSONS)
			break;
		const char *person = col_web_jstr(e, "person");
		/* The href is escaped again when written; here it is built from
		 * the percent-encoded id so that it holds no markup. */
		struct col_html enc;
		size_t len;
		col_html_init(&enc);
		col_html_url_arg(&enc, person);
		char *q = col_html_take(&enc, &len);
		snprintf(hrefs[n], sizeof hrefs[n], "/ui/persons/%s", q ? q : "");
		free(q);
		bars[n] = (struct col_web_bar){person, json_number_value(json_object_get(e, "score")),
		                               "bar sev-high", hrefs[n]};
		n++;
	}
	col_html_raw(h, "<section class=\"card\">");
	col_web_svg_bars(p, "Highest risk scores", bars, n);
	col_html_raw(h, "</section>\n<table class=\"list\" id=\"risk\"><thead><tr><th class=\"num\">#</th>"
	                "<th>person</th><th>name</th><th class=\"num\">score</th><th>trend</th>"
	                "<th class=\"num\">anomalies</th><th>top contributions</th></tr></thead><tbody>");
	json_array_foreach(persons, i, e) {
		double ys[COL_RISK_MAX_DAYS + 1];
		const char *days[COL_RISK_MAX_DAYS + 1];
		size_t np = trend_points(json_object_get(e, "trend"), ys, days, COL_RISK_MAX_DAYS + 1);
		col_html_raw(h, "<tr><td class=\"num\">");
		col_html_int(h, (long long)i + 1);
		col_html_raw(h, "</td><td>");
		col_web_person_link(p, col_web_jstr(e, "person"));
		col_html_raw(h, "</td><td>");
		col_web_jtext(p, e, "name");
		col_html_raw(h, "</td><td class=\"num\">");
		col_html_num(h, json_number_value(json_object_get(e, "score")), 1);
		col_html_raw(h, "</td><td>");
		col_web_svg_spark(p, ys, np, 100);
		col_html_raw(h, "</td><td class=\"num\">");
		col_web_jtext(p, e, "anomalies_counted");
		col_html_raw(h, "</td><td>");
		contributions_brief(p, json_object_get(e, "anomalies"));
		col_html_raw(h, "</td></tr>\n");
	}
	col_html_raw(h, "</tbody></table>\n");
	json_decref(r.json);
	col_web_foot(p);
}

/* A JSON array of strings as "a, b, c", or a dash. */
static void string_list(struct col_web_page *p, json_t *list)
{
	size_t i;
	json_t *v;
	if (json_array_size(list) == 0) {
		col_html_raw(&p->h, "\xe2\x80\x94");
		return;
	}
	json_array_foreach(list, i, v) {
		if (i)
			col_html_raw(&p->h, ", ");
		col_html_textn(&p->h, json_string_value(v), json_string_length(v));
	}
}

static void dossier_facts(struct col_web_page *p, json_t *d)
{
	static const struct col_web_col person[] = {
		{"person", "person", CELL_TEXT}, {"name", "name", CELL_TEXT},
		{"schedule", "schedule", CELL_TEXT},
	};
	static const struct col_web_col clearance[] = {
		{"level", "clearance level", CELL_TEXT},   {"status", "clearance status", CELL_TEXT},
		{"granted", "granted", CELL_TEXT},         {"investigated", "investigated", CELL_TEXT},
		{"review_due", "review due", CELL_TEXT},   {"interim_expires", "interim expires", CELL_TEXT},
		{"nda_signed", "NDA signed", CELL_TEXT},
	};
	static const struct col_web_col comp_cols[] = {
		{"name", "compartment", CELL_TEXT}, {"read_on", "read on", CELL_TEXT},
		{"debriefed", "debriefed", CELL_TEXT},
	};
	struct col_html *h = &p->h;

	col_html_raw(h, "<section class=\"card\"><h2>Clearance and vetting</h2>");
	if (!json_is_true(json_object_get(d, "in_policy")))
		col_web_message(p, "error", "This person is no longer in the policy; anomalies still name them.");
	col_web_kv(p, d, person, sizeof person / sizeof person[0]);
	col_web_kv(p, json_object_get(d, "clearance"), clearance, sizeof clearance / sizeof clearance[0]);
	col_html_raw(h, "<p>Accounts: ");
	string_list(p, json_object_get(d, "accounts"));
	col_html_raw(h, ". Groups: ");
	string_list(p, json_object_get(d, "groups"));
	col_html_raw(h, ". Hosts allowed: ");
	string_list(p, json_object_get(d, "hosts"));
	col_html_raw(h, ".</p>");
	col_web_table(p, "compartments", json_object_get(d, "compartments"), comp_cols,
	              sizeof comp_cols / sizeof comp_cols[0], "Read on to no compartment.");
	col_html_raw(h, "</section>\n");
}

static void dossier_risk(struct col_web_page *p, json_t *risk)
{
	double ys[COL_RISK_MAX_DAYS + 1];
	const char *days[COL_RISK_MAX_DAYS + 1];
	size_t n = trend_points(json_object_get(risk, "trend"), ys, days, COL_RISK_MAX_DAYS + 1);

	col_html_raw(&p->h, "<section class=\"card\"><h2>Risk</h2><div class=\"tiles\"><div class=\"tile\">"
	                    "<div class=\"n\" id=\"risk-score\">");
	col_html_num(&p->h, json_number_value(json_object_get(risk, "score")), 1);
	col_html_raw(&p->h, "</div><div class=\"l\">score of 100</div></div><div class=\"tile\"><div class=\"n\">");
	col_web_jtext(p, risk, "anomalies_counted");
	col_html_raw(&p->h, "</div><div class=\"l\">anomalies counted</div></div></div>");
	col_web_svg_line(p, "Risk score at the end of each day", ys, days, n);
	col_html_raw(&p->h, "<h2>Top contributions</h2>");
	col_web_table(p, "contributions", json_object_get(risk, "top"), contribution_cols,
	              sizeof contribution_cols / sizeof contribution_cols[0], "Nothing counts.");
	col_html_raw(&p->h, "</section>\n");
}

static void dossier_activity(struct col_web_page *p, json_t *act)
{
	struct col_html *h = &p->h;
	double v[7][24];
	json_t *row, *x;
	size_t d, hr;

	memset(v, 0, sizeof v);
	json_array_foreach(json_object_get(act, "hour_of_week"), d, row) {
		if (d >= 7)
			break;
		json_array_foreach(row, hr, x)
			if (hr < 24)
				v[d][hr] = json_number_value(x);
	}
	col_html_raw(h, "<section class=\"card\"><h2>Activity</h2><p>");
	col_web_jtext(p, act, "events");
	col_html_raw(h, " events from ");
	col_web_time(p, col_web_jstr(act, "since"));
	col_html_raw(h, " to ");
	col_web_time(p, col_web_jstr(act, "until"));
	col_html_raw(h, ".</p>");
	col_web_svg_heatmap(p, "Activity by hour of the week (UTC)", (const double (*)[24])v);
	static const struct col_web_col host_cols[] = {
		{"host", "host used", CELL_TEXT}, {"events", "events", CELL_NUM},
		{"first", "first", CELL_TIME},    {"last", "last", CELL_TIME},
	};
	col_web_table(p, "hosts-used", json_object_get(act, "hosts"), host_cols,
	              sizeof host_cols / sizeof host_cols[0], "No activity in the window.");
	col_html_raw(h, "</section>\n");
}

void col_web_page_person(struct col_web_page *p, const char *person)
{
	struct col_reply r = {0, NULL};
	char title[320];

	col_api_person(p->srv, p->conn, person, &r);
	if (r.status != 200) {
		col_web_page_error(p, r.status, col_web_jstr(r.json, "error"));
		json_decref(r.json);
		return;
	}
	const char *name = col_web_jstr(r.json, "name"), *id = col_web_jstr(r.json, "person");
	if (name)
		snprintf(title, sizeof title, "%.150s (%.150s)", name, id ? id : person);
	else
		snprintf(title, sizeof title, "%.300s", id ? id : person);
	col_web_head(p, title, "risk");
	col_html_raw(&p->h, "<p>As of ");
	col_web_time(p, col_web_jstr(r.json, "at"));
	col_html_raw(&p->h, ".</p><div class=\"grid\">");
	dossier_facts(p, r.json);
	dossier_risk(p, json_object_get(r.json, "risk"));
	col_html_raw(&p->h, "</div>\n");
	dossier_activity(p, json_object_get(r.json, "activity"));
	col_html_raw(&p->h, "<section class=\"card\"><h2>Anomalies</h2>");
	col_web_anomaly_table(p, json_object_get(r.json, "anomalies"));
	col_html_raw(&p->h, "</section>\n");
	json_decref(r.json);
	col_web_foot(p);
}
