/*
 * col_web_pages: the dashboard's pages other than risk and dossiers
 * (col_web_risk.c): sign-in, overview, the anomaly list and an anomaly with
 * its evidence, history and triage form, vetting, and agent health.
 *
 * Where the API already answers the question (anomaly list and detail,
 * vetting), a page calls the same handler with the same query string and
 * renders its JSON, so the page and GET /v1/... never disagree and query
 * strings have one owner (col_api.c).
 */
#include "col_api.h"
#include "col_risk.h"
#include "col_web_auth.h"
#include "col_web_page.h"
#include "vg_time.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define OVERVIEW_NEWEST 10
#define OVERVIEW_TOP_PERSONS 5
#define OVERVIEW_DAYS 30
#define EVIDENCE_SHOWN 100
/* An agent that has sent nothing for this long is shown as silent. */
#define AGENT_QUIET_MS (60LL * 60 * 1000)

static const char *qarg(struct col_web_page *p, const char *name)
{
	const char *v = MHD_lookup_connection_value(p->conn, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

void col_web_page_error(struct col_web_page *p, int status, const char *msg)
{
	const char *title = status == 404 ? "Not found" : status == 403 ? "Not allowed" :
	                    status == 400 ? "Bad request" : status == 405 ? "Method not allowed" :
	                    status == 413 ? "Too large" : status == 415 ? "Not a form" :
	                    status >= 500 ? "Server error" : "Error";
	p->status = status;
	col_web_head(p, title, NULL);
	col_web_message(p, "error", msg);
	col_html_raw(&p->h, p->sess ? "<p><a href=\"/ui/\">Back to the overview</a></p>\n"
	                            : "<p><a href=\"/ui/login\">Sign in</a></p>\n");
	col_web_foot(p);
}

/* ---- sign-in ----------------------------------------------------------- */

static void nonce_field(struct col_web_page *p, const char *nonce)
{
	col_html_raw(&p->h, "<input type=\"hidden\" name=\"csrf\" value=\"");
	col_html_text(&p->h, nonce);
	col_html_raw(&p->h, "\">");
}

void col_web_page_login(struct col_web_page *p, const char *nonce, const char *error)
{
	struct col_html *h = &p->h;
	col_web_head(p, "Sign in", NULL);
	col_html_raw(h, "<div class=\"login card\">");
	if (error)
		col_web_message(p, "error", error);
	col_html_raw(h, "<form method=\"post\" action=\"/ui/login\" id=\"login-token\">");
	nonce_field(p, nonce);
	col_html_raw(h, "<label for=\"token\">Officer token</label>"
	                "<input type=\"password\" id=\"token\" name=\"token\" autocomplete=\"off\" "
	                "spellcheck=\"false\" required>"
	                "<button type=\"submit\" id=\"signin-token\">Sign in with token</button></form>"
	                "<p class=\"or\">or</p>"
	                "<form method=\"post\" action=\"/ui/login\" id=\"login-password\">");
	nonce_field(p, nonce);
	col_html_raw(h, "<label for=\"name\">Officer name</label>"
	                "<input type=\"text\" id=\"name\" name=\"name\" autocomplete=\"username\" required>"
	                "<label for=\"password\">Password</label>"
	                "<input type=\"password\" id=\"password\" name=\"password\" "
	                "autocomplete=\"current-password\" required>"
	                "<button type=\"submit\" id=\"signin-password\">Sign in with password</button></form>"
	                "<p class=\"empty\">Tokens come from <code>vigil-collector officer add</code>; "
	                "passwords are set with <code>vigil-collector officer passwd</code>.</p></div>\n");
	col_web_foot(p);
}

/* ---- overview ---------------------------------------------------------- */

struct counts {
	long long total, open, sev[VG_SEV_COUNT], open_sev[VG_SEV_COUNT];
	long long kind[VG_AK_COUNT];
};

static void count_groups(json_t *groups, struct counts *c)
{
	size_t i;
	json_t *g;
	memset(c, 0, sizeof *c);
	json_array_foreach(groups, i, g) {
		long long n = (long long)json_integer_value(json_object_get(g, "n"));
		int sev = vg_severity_parse(col_web_jstr(g, "severity"));
		int kind = vg_akind_parse(col_web_jstr(g, "kind"));
		const char *st = col_web_jstr(g, "status");
		int open = st && strcmp(st, "open") == 0;
		c->total += n;
		c->open += open ? n : 0;
		if (sev >= 0) {
			c->sev[sev] += n;
			c->open_sev[sev] += open ? n : 0;
		}
		if (kind >= 0)
			c->kind[kind] += n;
	}
}

static void tile(struct col_web_page *p, long long n, const char *label, const char *href)
{
	col_html_raw(&p->h, "<a class=\"tile\" href=\"");
	col_html_raw(&p->h, href);
	col_html_raw(&p->h, "\"><div class=\"n\">");
	col_html_int(&p->h, n);
	col_html_raw(&p->h, "</div><div class=\"l\">");
	col_html_raw(&p->h, label);
	col_html_raw(&p->h, "</div></a>");
}

static void overview_charts(struct col_web_page *p, const struct counts *c, json_t *days)
{
	static const char *const sev_cls[VG_SEV_COUNT] = {"bar sev-low", "bar sev-medium", "bar sev-high",
	                                                  "bar sev-critical"};
	static const char *const sev_href[VG_SEV_COUNT] = {
		"/ui/anomalies?severity=low", "/ui/anomalies?severity=medium",
		"/ui/anomalies?severity=high", "/ui/anomalies?severity=critical"};
	struct col_web_bar bars[VG_AK_COUNT];
	char hrefs[VG_AK_COUNT][64];
	size_t n = 0;

	col_html_raw(&p->h, "<div class=\"grid\"><section class=\"card\"><h2>By severity</h2>");
	for (int s = VG_SEV_CRITICAL; s >= 0; s--)
		bars[n++] = (struct col_web_bar){vg_severity_name(s), (double)c->sev[s], sev_cls[s],
		                                 sev_href[s]};
	col_web_svg_bars(p, "Anomalies by severity (a bar links to that severity and above)", bars, n);
	col_html_raw(&p->h, "</section><section class=\"card\"><h2>By kind</h2>");
	n = 0;
	for (int k = 0; k < VG_AK_COUNT; k++) {
		if (!c->kind[k])
			continue;
		snprintf(hrefs[n], sizeof hrefs[n], "/ui/anomalies?kind=%s", vg_akind_name(k));
		bars[n] = (struct col_web_bar){vg_akind_name(k), (double)c->kind[k], NULL, hrefs[n]};
		n++;
	}
	col_web_svg_bars(p, "Anomalies by kind", bars, n);
	col_html_raw(&p->h, "</section></div>\n");

	/* Per day, the last OVERVIEW_DAYS days up to the newest day with any. */
	size_t nd = json_array_size(days);
	int64_t last = -1;
	if (nd > 0 && vg_date_parse(col_web_jstr(json_array_get(days, nd - 1), "day"), &last) < 0)
		last = -1;
	if (last < 0)
		return;
	const char *lp[OVERVIEW_DAYS];
	char lbl[OVERVIEW_DAYS][11];
	double v[OVERVIEW_DAYS][4];
	int64_t first = last - (OVERVIEW_DAYS - 1) * VG_MS_PER_DAY;
	memset(v, 0, sizeof v);
	for (int d = 0; d < OVERVIEW_DAYS; d++) {
		vg_date_format(first + d * VG_MS_PER_DAY, lbl[d]);
		lp[d] = lbl[d];
	}
	size_t i;
	json_t *e;
	json_array_foreach(days, i, e) {
		int64_t day;
		int sev = vg_severity_parse(col_web_jstr(e, "severity"));
		if (sev < 0 || vg_date_parse(col_web_jstr(e, "day"), &day) < 0 || day < first || day > last)
			continue;
		v[(day - first) / VG_MS_PER_DAY][sev] += (double)json_integer_value(json_object_get(e, "n"));
	}
	col_html_raw(&p->h, "<section class=\"card\"><h2>Per day</h2>");
	col_web_svg_days(p, "Anomalies per day by severity, the last 30 days with the newest",
	                 lp, (const double (*)[4])v, OVERVIEW_DAYS);
	col_html_raw(&p->h, "</section>\n");
}

static void overview_risk(struct col_web_page *p)
{
	json_t *rank = col_risk_rank(p->srv, -1, OVERVIEW_TOP_PERSONS, NULL);
	json_t *persons = json_object_get(rank, "persons"), *e;
	size_t i;

	col_html_raw(&p->h, "<section class=\"card\"><h2>Highest risk</h2>");
	if (!rank) {
		col_web_message(p, "error", "The risk ranking could not be computed (see the collector's log).");
	} else if (json_array_size(persons) == 0) {
		col_html_raw(&p->h, "<p class=\"empty\">No person has anomalies that count.</p>");
	} else {
		col_html_raw(&p->h, "<table class=\"list\"><thead><tr><th>person</th><th>name</th>"
		                    "<th class=\"num\">score</th><th class=\"num\">anomalies</th></tr></thead><tbody>");
		json_array_foreach(persons, i, e) {
			col_html_raw(&p->h, "<tr><td>");
			col_web_person_link(p, col_web_jstr(e, "person"));
			col_html_raw(&p->h, "</td><td>");
			col_web_jtext(p, e, "name");
			col_html_raw(&p->h, "</td><td class=\"num\">");
			col_html_num(&p->h, json_number_value(json_object_get(e, "score")), 1);
			col_html_raw(&p->h, "</td><td class=\"num\">");
			col_web_jtext(p, e, "anomalies_counted");
			col_html_raw(&p->h, "</td></tr>");
		}
		col_html_raw(&p->h, "</tbody></table><p><a href=\"/ui/risk\">The full ranking</a></p>");
	}
	col_html_raw(&p->h, "</section>\n");
	json_decref(rank);
}

/* Whether an agent looks unwell now: revoked agents are not counted;
 * otherwise open agent anomalies, or nothing received for a while. */
static int agent_unwell(json_t *a, int64_t now)
{
	int64_t t;
	if (!json_is_null(json_object_get(a, "revoked")))
		return 0;
	if (json_object_size(json_object_get(a, "open")) > 0)
		return 1;
	const char *last = col_web_jstr(a, "last_received");
	return !last || vg_time_parse(last, &t) < 0 || now - t > AGENT_QUIET_MS;
}

static void overview_agents(struct col_web_page *p, json_t *agents)
{
	size_t i, unwell = 0;
	json_t *a;
	int64_t now = vg_time_now();

	col_html_raw(&p->h, "<section class=\"card\"><h2>Agent health</h2>");
	if (!agents) {
		col_web_message(p, "error", "Agent health could not be read (see the collector's log).");
		col_html_raw(&p->h, "</section>\n");
		return;
	}
	json_array_foreach(agents, i, a)
		unwell += (size_t)agent_unwell(a, now);
	col_html_raw(&p->h, "<div class=\"tiles\">");
	tile(p, (long long)json_array_size(agents), "agents enrolled", "/ui/agents");
	tile(p, (long long)unwell, "needing a look", "/ui/agents");
	col_html_raw(&p->h, "</div><p>An agent needs a look when nothing arrived from it for an hour, or "
	                    "when its host has open audit loss, audit tampering or silence anomalies.</p>"
	                    "</section>\n");
}

void col_web_page_overview(struct col_web_page *p)
{
	struct counts c;
	json_t *counts = col_store_anomaly_counts(p->srv->store, -1, -1);
	json_t *agents = col_store_agents_health(p->srv->store);
	struct col_anomaly_filter f = {.status = "open", .min_severity = VG_SEV_HIGH, .since_ms = -1,
	                               .until_ms = -1, .limit = OVERVIEW_NEWEST};
	json_t *newest = col_store_anomalies_query(p->srv->store, &f);

	col_web_head(p, "Overview", "overview");
	if (!counts || !newest) {
		p->status = 500;
		col_web_message(p, "error", "The anomaly counts could not be read (see the collector's log).");
	} else {
		count_groups(json_object_get(counts, "groups"), &c);
		col_html_raw(&p->h, "<div class=\"tiles\">");
		tile(p, c.total, "anomalies", "/ui/anomalies");
		tile(p, c.open, "open", "/ui/anomalies?status=open");
		tile(p, c.open_sev[VG_SEV_HIGH] + c.open_sev[VG_SEV_CRITICAL], "open, high or critical",
		     "/ui/anomalies?status=open&amp;severity=high");
		tile(p, c.open_sev[VG_SEV_CRITICAL], "open, critical",
		     "/ui/anomalies?status=open&amp;severity=critical");
		col_html_raw(&p->h, "</div>\n<section class=\"card\"><h2>Newest open high and critical "
		                    "anomalies</h2>");
		col_web_anomaly_table(p, newest);
		col_html_raw(&p->h, "</section>\n");
		overview_charts(p, &c, json_object_get(counts, "days"));
	}
	col_html_raw(&p->h, "<div class=\"grid\">");
	overview_risk(p);
	overview_agents(p, agents);
	col_html_raw(&p->h, "</div>\n");
	col_web_foot(p);
	json_decref(counts);
	json_decref(agents);
	json_decref(newest);
}

/* ---- anomaly list ------------------------------------------------------ */

static void text_input(struct col_web_page *p, const char *name, const char *label,
                       const char *placeholder)
{
	col_html_raw(&p->h, "<label>");
	col_html_raw(&p->h, label);
	col_html_raw(&p->h, "<input type=\"text\" name=\"");
	col_html_raw(&p->h, name);
	col_html_raw(&p->h, "\" placeholder=\"");
	col_html_raw(&p->h, placeholder);
	col_html_raw(&p->h, "\" value=\"");
	col_html_text(&p->h, qarg(p, name));
	col_html_raw(&p->h, "\"></label>");
}

static void select_input(struct col_web_page *p, const char *name, const char *label,
                         const char *const *names, size_t n)
{
	const char *cur = qarg(p, name);
	col_html_raw(&p->h, "<label>");
	col_html_raw(&p->h, label);
	col_html_raw(&p->h, "<select name=\"");
	col_html_raw(&p->h, name);
	col_html_raw(&p->h, "\"><option value=\"\">any</option>");
	for (size_t i = 0; i < n; i++) {
		col_html_raw(&p->h, "<option");
		if (cur && strcmp(cur, names[i]) == 0)
			col_html_raw(&p->h, " selected");
		col_html_raw(&p->h, ">");
		col_html_text(&p->h, names[i]);
		col_html_raw(&p->h, "</option>");
	}
	col_html_raw(&p->h, "</select></label>");
}

void col_web_page_anomalies(struct col_web_page *p)
{
	static const char *const limits[] = {"50", "100", "500", "1000", "10000"};
	struct col_reply r = {0, NULL};

	col_web_head(p, "Anomalies", "anomalies");
	col_html_raw(&p->h, "<form class=\"filters\" method=\"get\" action=\"/ui/anomalies\">");
	text_input(p, "since", "since", "YYYY-MM-DD");
	text_input(p, "until", "until (before)", "YYYY-MM-DD");
	select_input(p, "severity", "severity at least", vg_severity_names, VG_SEV_COUNT);
	select_input(p, "kind", "kind", vg_akind_names, VG_AK_COUNT);
	text_input(p, "person", "person", "person id");
	select_input(p, "status", "status", vg_status_names, VG_STATUS_COUNT);
	select_input(p, "limit", "at most", limits, sizeof limits / sizeof limits[0]);
	col_html_raw(&p->h, "<button type=\"submit\">Filter</button> "
	                    "<a href=\"/ui/anomalies\">clear</a></form>\n");
	col_api_anomalies(p->srv, p->conn, &r);
	if (r.status != 200) {
		p->status = r.status;
		col_web_message(p, "error", col_web_jstr(r.json, "error"));
	} else {
		json_t *list = json_object_get(r.json, "anomalies");
		col_html_raw(&p->h, "<p>");
		col_html_int(&p->h, (long long)json_array_size(list));
		col_html_raw(&p->h, " shown, newest first.</p>\n");
		col_web_anomaly_table(p, list);
	}
	json_decref(r.json);
	col_web_foot(p);
}

/* ---- one anomaly ------------------------------------------------------- */

static void anomaly_facts(struct col_web_page *p, json_t *a)
{
	static const struct col_web_col rows[] = {
		{"kind", "kind", CELL_TEXT},          {"severity", "severity", CELL_SEVERITY},
		{"score", "score", CELL_TEXT},        {"status", "status", CELL_STATUS},
		{"assignee", "assignee", CELL_TEXT},  {"person", "person", CELL_PERSON},
		{"account", "account", CELL_TEXT},    {"host", "host", CELL_TEXT},
		{"first", "first event", CELL_TIME},  {"last", "last event", CELL_TIME},
		{"detected", "detected", CELL_TIME},  {"count", "events", CELL_TEXT},
		{"policy_serial", "policy serial", CELL_TEXT},
	};
	struct col_html *h = &p->h;
	size_t i;
	json_t *v;

	col_html_raw(h, "<p class=\"lead\">");
	col_web_jtext(p, a, "summary");
	col_html_raw(h, "</p>\n");
	col_web_kv(p, a, rows, sizeof rows / sizeof rows[0]);
	col_html_raw(h, "<h2>Reasons</h2><ul class=\"reasons\">");
	json_array_foreach(json_object_get(a, "reasons"), i, v) {
		col_html_raw(h, "<li>");
		col_html_textn(h, json_string_value(v), json_string_length(v));
		col_html_raw(h, "</li>");
	}
	col_html_raw(h, "</ul>\n");
}

static void triage_form(struct col_web_page *p, json_t *a, long long id)
{
	static const struct {
		const char *action, *label, *cls;
	} buttons[] = {
		{"acknowledge", "Acknowledge", ""},
		{"assign", "Assign", ""},
		{"resolve", "Resolve", ""},
		{"false_positive", "False positive", " class=\"secondary\""},
		{"reopen", "Reopen", " class=\"secondary\""},
	};
	struct col_html *h = &p->h;

	col_html_raw(h, "<section class=\"card\"><h2>Triage</h2>");
	if (!col_web_role_may_triage(p->sess->who.role)) {
		col_html_raw(h, "<p class=\"empty\">Your role may read anomalies but not triage them.</p>"
		                "</section>\n");
		return;
	}
	col_html_raw(h, "<form method=\"post\" class=\"triage\" id=\"triage\" action=\"/ui/anomalies/");
	col_html_int(h, id);
	col_html_raw(h, "/triage\">");
	col_web_csrf_field(p);
	col_html_raw(h, "<label for=\"note\">Note (required; it is kept in the history)</label>"
	                "<textarea id=\"note\" name=\"note\" required maxlength=\"4096\"></textarea>"
	                "<label for=\"assignee\">Assign to (leave empty to keep ");
	const char *cur = col_web_jstr(a, "assignee");
	if (cur)
		col_html_text(h, cur);
	else
		col_html_raw(h, "it unassigned");
	col_html_raw(h, ")</label><input type=\"text\" id=\"assignee\" name=\"assignee\" maxlength=\"255\">"
	                "<div class=\"buttons\">");
	for (size_t i = 0; i < sizeof buttons / sizeof buttons[0]; i++) {
		col_html_raw(h, "<button type=\"submit\" name=\"action\" value=\"");
		col_html_raw(h, buttons[i].action);
		col_html_raw(h, "\" id=\"do-");
		col_html_raw(h, buttons[i].action);
		col_html_raw(h, "\"");
		col_html_raw(h, buttons[i].cls);
		col_html_raw(h, ">");
		col_html_raw(h, buttons[i].label);
		col_html_raw(h, "</button>");
	}
	col_html_raw(h, "</div></form></section>\n");
}

static void history_table(struct col_web_page *p, json_t *history)
{
	static const struct col_web_col cols[] = {
		{"time", "time", CELL_TIME},         {"officer", "officer", CELL_TEXT},
		{"status", "status", CELL_STATUS},   {"assignee", "assignee", CELL_TEXT},
		{"note", "note", CELL_TEXT},
	};
	col_html_raw(&p->h, "<section class=\"card\"><h2>History</h2>");
	col_web_table(p, "history", history, cols, sizeof cols / sizeof cols[0], "Not triaged yet.");
	col_html_raw(&p->h, "</section>\n");
}

/* The fields of an event worth a column; the whole event is in a <details>. */
static void evidence_table(struct col_web_page *p, long long id, long long count)
{
	static const char *const cols[] = {"kind", "host", "user", "service", "rhost", "path", "op",
	                                   "result", "exe"};
	struct col_html *h = &p->h;
	json_t *list = col_store_anomaly_evidence(p->srv->store, id, EVIDENCE_SHOWN), *e;
	size_t i, c;

	col_html_raw(h, "<section class=\"card\"><h2>Evidence</h2>");
	if (!list) {
		col_web_message(p, "error", "The evidence could not be read (see the collector's log).");
		col_html_raw(h, "</section>\n");
		return;
	}
	col_html_raw(h, "<p>");
	col_html_int(h, (long long)json_array_size(list));
	col_html_raw(h, " of ");
	col_html_int(h, count);
	col_html_raw(h, " events shown, oldest first.</p><table class=\"list evidence\" id=\"evidence\">"
	                "<thead><tr><th>time</th><th>agent/seq</th>");
	for (c = 0; c < sizeof cols / sizeof cols[0]; c++) {
		col_html_raw(h, "<th>");
		col_html_raw(h, cols[c]);
		col_html_raw(h, "</th>");
	}
	col_html_raw(h, "<th>event</th></tr></thead><tbody>");
	json_array_foreach(list, i, e) {
		col_html_raw(h, "<tr><td class=\"nowrap\">");
		col_web_time(p, col_web_jstr(e, "time"));
		col_html_raw(h, "</td><td>");
		col_web_jtext(p, e, "agent");
		col_html_raw(h, "/");
		col_web_jtext(p, e, "seq");
		col_html_raw(h, "</td>");
		for (c = 0; c < sizeof cols / sizeof cols[0]; c++) {
			col_html_raw(h, "<td>");
			col_web_jtext(p, e, cols[c]);
			col_html_raw(h, "</td>");
		}
		char *text = json_dumps(e, JSON_INDENT(1) | JSON_SORT_KEYS);
		col_html_raw(h, "<td><details><summary>all fields</summary><pre class=\"json\">");
		col_html_text(h, text);
		col_html_raw(h, "</pre></details></td></tr>");
		free(text);
	}
	col_html_raw(h, "</tbody></table></section>\n");
	json_decref(list);
}

void col_web_page_anomaly(struct col_web_page *p, const char *id, const char *notice,
                          const char *error)
{
	struct col_reply r = {0, NULL};
	char title[64];
	int status = p->status;

	col_api_anomaly(p->srv, id, &r);
	if (r.status != 200) {
		col_web_page_error(p, r.status, col_web_jstr(r.json, "error"));
		json_decref(r.json);
		return;
	}
	long long n = (long long)json_integer_value(json_object_get(r.json, "id"));
	snprintf(title, sizeof title, "Anomaly #%lld", n);
	col_web_head(p, title, "anomalies");
	p->status = status;
	if (notice)
		col_web_message(p, "notice", notice);
	if (error)
		col_web_message(p, "error", error);
	anomaly_facts(p, r.json);
	col_html_raw(&p->h, "<div class=\"grid\">");
	triage_form(p, r.json, n);
	history_table(p, json_object_get(r.json, "history"));
	col_html_raw(&p->h, "</div>\n");
	evidence_table(p, n, (long long)json_integer_value(json_object_get(r.json, "count")));
	col_web_foot(p);
	json_decref(r.json);
}

/* ---- vetting ----------------------------------------------------------- */

void col_web_page_vetting(struct col_web_page *p)
{
	static const struct col_web_col person_cols[] = {
		{"person", "person", CELL_PERSON},   {"name", "name", CELL_TEXT},
		{"level", "level", CELL_TEXT},       {"status", "status", CELL_TEXT},
		{"state", "state", CELL_TEXT},       {"why", "why", CELL_TEXT},
		{"granted", "granted", CELL_TEXT},   {"review_due", "review due", CELL_TEXT},
		{"interim_expires", "interim expires", CELL_TEXT},
		{"lapsed_activity", "events while not vetted", CELL_NUM},
	};
	static const struct col_web_col ex_cols[] = {
		{"subject", "subject", CELL_TEXT},   {"resource", "resource", CELL_TEXT},
		{"ticket", "ticket", CELL_TEXT},     {"approver", "approver", CELL_TEXT},
		{"expires", "expires", CELL_TEXT},   {"expired", "expired", CELL_TEXT},
	};
	struct col_reply r = {0, NULL};
	struct col_html *h = &p->h;

	col_web_head(p, "Vetting", "vetting");
	col_html_raw(h, "<form class=\"filters\" method=\"get\" action=\"/ui/vetting\">");
	text_input(p, "due_within", "reviews due within (days)", "90");
	col_html_raw(h, "<button type=\"submit\">Show</button></form>\n");
	col_api_vetting(p->srv, p->conn, &r);
	if (r.status != 200) {
		p->status = r.status;
		col_web_message(p, "error", col_web_jstr(r.json, "error"));
	} else {
		col_html_raw(h, "<p>As of ");
		col_web_time(p, col_web_jstr(r.json, "as_of"));
		col_html_raw(h, ", policy serial ");
		col_web_jtext(p, r.json, "policy_serial");
		col_html_raw(h, "; reviews due within ");
		col_web_jtext(p, r.json, "due_within_days");
		col_html_raw(h, " days.</p>\n<section class=\"card\"><h2>Persons</h2>");
		col_web_table(p, "vetting-persons", json_object_get(r.json, "persons"), person_cols,
		              sizeof person_cols / sizeof person_cols[0],
		              "Everyone's vetting is current, and no review falls due.");
		col_html_raw(h, "</section>\n<section class=\"card\"><h2>Exceptions expiring</h2>");
		col_web_table(p, "vetting-exceptions", json_object_get(r.json, "exceptions"), ex_cols,
		              sizeof ex_cols / sizeof ex_cols[0], "No exception expires in the window.");
		col_html_raw(h, "</section>\n");
	}
	json_decref(r.json);
	col_web_foot(p);
}

/* ---- agents ------------------------------------------------------------ */

/* "3 h 20 min" since the time iso, at now. */
static void age_text(struct col_web_page *p, const char *iso, int64_t now)
{
	int64_t t;
	char b[64];
	if (!iso || vg_time_parse(iso, &t) < 0) {
		col_html_raw(&p->h, "never");
		return;
	}
	long long min = (long long)((now - t) / 60000);
	if (min < 0)
		min = 0;
	if (min < 60)
		snprintf(b, sizeof b, "%lld min ago", min);
	else if (min < 48 * 60)
		snprintf(b, sizeof b, "%lld h %lld min ago", min / 60, min % 60);
	else
		snprintf(b, sizeof b, "%lld days ago", min / (24 * 60));
	col_html_text(&p->h, b);
}

void col_web_page_agents(struct col_web_page *p)
{
	struct col_html *h = &p->h;
	json_t *agents = col_store_agents_health(p->srv->store), *a, *n;
	int64_t now = vg_time_now();
	const char *kind;
	size_t i;

	col_web_head(p, "Agents", "agents");
	if (!agents) {
		p->status = 500;
		col_web_message(p, "error", "Agent health could not be read (see the collector's log).");
		col_web_foot(p);
		return;
	}
	col_html_raw(h, "<p>An agent is <em>silent</em> when nothing has arrived from it for an hour "
	                "(an agent sends a heartbeat every minute unless agent.conf says otherwise). Open "
	                "anomalies are the open or "
	                "acknowledged agent_silent, audit_loss and audit_tamper anomalies of its host.</p>\n");
	if (json_array_size(agents) == 0) {
		col_html_raw(h, "<p class=\"empty\">No agent is enrolled.</p>");
		col_web_foot(p);
		json_decref(agents);
		return;
	}
	col_html_raw(h, "<table class=\"list\" id=\"agents\"><thead><tr><th>agent</th><th>host</th>"
	                "<th>state</th><th>last received</th><th>newest event time</th>"
	                "<th class=\"num\">high seq</th><th>enrolled</th><th>open anomalies</th>"
	                "</tr></thead><tbody>");
	json_array_foreach(agents, i, a) {
		int revoked = !json_is_null(json_object_get(a, "revoked"));
		col_html_raw(h, "<tr><td>");
		col_web_jtext(p, a, "id");
		col_html_raw(h, "</td><td>");
		col_web_jtext(p, a, "host");
		col_html_raw(h, "</td><td>");
		if (revoked)
			col_html_raw(h, "<span class=\"badge\">revoked</span>");
		else if (!col_web_jstr(a, "last_received"))
			col_html_raw(h, "<span class=\"badge sev-medium\">never reported</span>");
		else if (agent_unwell(a, now))
			col_html_raw(h, "<span class=\"badge sev-high\">needs a look</span>");
		else
			col_html_raw(h, "<span class=\"badge st-resolved\">reporting</span>");
		col_html_raw(h, "</td><td>");
		age_text(p, col_web_jstr(a, "last_received"), now);
		col_html_raw(h, "</td><td class=\"nowrap\">");
		col_web_time(p, col_web_jstr(a, "last_event"));
		col_html_raw(h, "</td><td class=\"num\">");
		col_web_jtext(p, a, "high_seq");
		col_html_raw(h, "</td><td class=\"nowrap\">");
		col_web_time(p, col_web_jstr(a, "created"));
		col_html_raw(h, "</td><td>");
		json_object_foreach(json_object_get(a, "open"), kind, n) {
			col_html_raw(h, "<a href=\"/ui/anomalies?kind=");
			col_html_url_arg(h, kind);
			col_html_raw(h, "\">");
			col_html_text(h, kind);
			col_html_raw(h, "</a> ");
			col_html_int(h, (long long)json_integer_value(n));
			col_html_raw(h, " ");
		}
		col_html_raw(h, "</td></tr>");
	}
	col_html_raw(h, "</tbody></table>\n");
	json_decref(agents);
	col_web_foot(p);
}
