/*
 * col_web_page: what the dashboard's pages share — the page being built,
 * the layout around it, small widgets, the SVG charts — and the page
 * renderers that col_web.c routes to. Every piece of data goes into the
 * page through col_html_text (col_web_html.h).
 */
#ifndef COL_WEB_PAGE_H
#define COL_WEB_PAGE_H

#include "col_server.h"
#include "col_web_html.h"

#include <jansson.h>

struct MHD_Connection;

struct col_web_page {
	struct col_server *srv;
	struct MHD_Connection *conn;     /* for the query string */
	const struct col_session *sess;  /* NULL before sign-in */
	struct col_html h;
	int status;                      /* the HTTP status to answer with */
};

/* ---- layout and widgets (col_web_layout.c) ---- */

/* Opens the page: head, the top bar with the navigation (nav names the
 * current section: "overview", "anomalies", "risk", "vetting", "agents",
 * or NULL) and the signed-in officer with a sign-out form; then <main> and
 * an <h1> with title. */
void col_web_head(struct col_web_page *p, const char *title, const char *nav);
/* Closes what col_web_head opened. */
void col_web_foot(struct col_web_page *p);

/* The hidden CSRF field every form of a signed-in page carries. */
void col_web_csrf_field(struct col_web_page *p);
/* A message box; kind is "notice" or "error". */
void col_web_message(struct col_web_page *p, const char *kind, const char *text);

/* A JSON member as a string, or NULL when absent or not a string. */
const char *col_web_jstr(json_t *o, const char *key);
/* A JSON member as text: strings escaped, numbers formatted, null or
 * absent as an em dash. */
void col_web_jtext(struct col_web_page *p, json_t *o, const char *key);
/* An RFC 3339 time as a <time> element, shown as "YYYY-MM-DD HH:MM:SS". */
void col_web_time(struct col_web_page *p, const char *iso);
/* Badges for a severity and a triage status. */
void col_web_severity(struct col_web_page *p, const char *sev);
void col_web_status(struct col_web_page *p, const char *status);
/* Links to a person's dossier and to an anomaly; NULL shows a dash. */
void col_web_person_link(struct col_web_page *p, const char *person);
void col_web_anomaly_link(struct col_web_page *p, long long id);
/* How a JSON member is shown in a table cell. */
enum col_web_cell {
	CELL_TEXT,          /* col_web_jtext */
	CELL_NUM,           /* col_web_jtext, right-aligned */
	CELL_TIME,          /* col_web_time */
	CELL_SEVERITY,      /* a severity badge */
	CELL_STATUS,        /* a triage status badge */
	CELL_PERSON,        /* a link to the dossier */
	CELL_ANOMALY,       /* "#id" linking to the anomaly */
};

/* One column of a table (or one row of a key-value table): the member,
 * its heading and how it is shown. */
struct col_web_col {
	const char *key, *head;
	enum col_web_cell cell;
};

/* Writes o's member as a cell of that kind (the content only). */
void col_web_cell(struct col_web_page *p, json_t *o, const struct col_web_col *c);
/* A table with a row per object of list; empty, when there are none, is
 * shown instead (a constant sentence). id is the table's element id or
 * NULL. */
void col_web_table(struct col_web_page *p, const char *id, json_t *list,
                   const struct col_web_col *cols, size_t ncols, const char *empty);
/* A two-column table of o's members, one row per entry of rows. */
void col_web_kv(struct col_web_page *p, json_t *o, const struct col_web_col *rows, size_t nrows);
/* A table of anomalies (the API's objects) with the usual columns. */
void col_web_anomaly_table(struct col_web_page *p, json_t *list);

/* ---- charts (col_web_chart.c), all inline SVG ---- */

struct col_web_bar {
	const char *label;
	double value;
	const char *cls;                 /* CSS class of the bar, or NULL */
	const char *href;                /* the bar links here, or NULL */
};

/* Horizontal bars, one per item, with its label and value. */
void col_web_svg_bars(struct col_web_page *p, const char *title, const struct col_web_bar *bars,
                      size_t n);
/* Columns over days, each stacked by severity: values[day][severity]. */
void col_web_svg_days(struct col_web_page *p, const char *title, const char *const *days,
                      const double (*values)[4], size_t n);
/* A line over points ys[0..n) with a label under the first and last. */
void col_web_svg_line(struct col_web_page *p, const char *title, const double *ys,
                      const char *const *xlabels, size_t n);
/* A small line without axes for a table cell, scaled to max. */
void col_web_svg_spark(struct col_web_page *p, const double *ys, size_t n, double max);
/* An hour-of-week heat map: v[day][hour], Monday first, hours UTC. */
void col_web_svg_heatmap(struct col_web_page *p, const char *title, const double v[7][24]);

/* ---- pages ---- */

/* The sign-in form; nonce is the login cookie's value (the form's CSRF
 * field); error, when not NULL, says why the last attempt failed. */
void col_web_page_login(struct col_web_page *p, const char *nonce, const char *error);
void col_web_page_overview(struct col_web_page *p);
void col_web_page_anomalies(struct col_web_page *p);
/* notice or error (either may be NULL) is shown above the triage form. */
void col_web_page_anomaly(struct col_web_page *p, const char *id, const char *notice,
                          const char *error);
void col_web_page_vetting(struct col_web_page *p);
void col_web_page_agents(struct col_web_page *p);
void col_web_page_risk(struct col_web_page *p);
void col_web_page_person(struct col_web_page *p, const char *person);
/* A page that only says what went wrong, with status. */
void col_web_page_error(struct col_web_page *p, int status, const char *msg);

/* The compiled-in static files (col_web_static.c): NULL when name is not
 * one of them. */
const char *col_web_static_file(const char *name, const char **ctype);

#endif
