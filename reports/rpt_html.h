/*
 * rpt_html: the HTML shape of every vigil-report command.
 *
 * A report is one self-contained file: inline CSS (screen and print), inline
 * SVG charts (rpt_svg), no script, no external reference of any kind, and a
 * Content-Security-Policy that forbids fetching anything should a string
 * ever slip through. Every piece of data goes out through rpt_html_escape,
 * the one escaping function, which first makes the text as safe as the
 * terminal renderers do (no controls, no bidirectional overrides, valid
 * UTF-8) and then writes & < > " ' as character references, so it is safe
 * in element content and in quoted attributes of HTML and SVG alike.
 */
#ifndef RPT_HTML_H
#define RPT_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* Writes s[0..len) escaped (see above); s NULL writes "-". Returns 0, or -1
 * on a write error or when memory runs out. */
int rpt_html_escape(FILE *out, const char *s, size_t len);

/* rpt_html_escape for a NUL-terminated string (NULL writes "-"). */
int rpt_html_text(FILE *out, const char *s);

/* Starts the document: doctype, head with title, CSS and CSP, and a header
 * with the title and an optional subtitle line (both escaped). */
int rpt_html_begin(FILE *out, const char *title, const char *subtitle);

/* Ends the document with a footer naming vigil-report. Returns 0 or -1
 * when anything written to out failed. */
int rpt_html_end(FILE *out);

/* <h2>text</h2> and <p class="cls">text</p> (cls: a constant class name or
 * NULL). */
int rpt_html_h2(FILE *out, const char *text);
int rpt_html_para(FILE *out, const char *cls, const char *text);

/* A table: headers, then rows of cells. cls of a cell is a constant class
 * name (e.g. "num", "sev-high") or NULL. */
int rpt_html_table_begin(FILE *out, const char *cls, const char *const *headers, size_t n);
int rpt_html_row_begin(FILE *out);
int rpt_html_cell(FILE *out, const char *text, const char *cls);
int rpt_html_row_end(FILE *out);
int rpt_html_table_end(FILE *out);

/* A row of a two-column fact table: <tr><th>key</th><td>value</td></tr>. */
int rpt_html_fact(FILE *out, const char *key, const char *value);

/* The CSS class of a severity name: "sev-low" .. "sev-critical", or NULL. */
const char *rpt_html_severity_class(const char *severity);

/* A table of anomalies (id, time, severity, kind, person/account, host,
 * status, events, summary) from a collector anomaly array; an empty list
 * writes a paragraph saying so. */
int rpt_html_anomaly_table(FILE *out, const json_t *anomalies);

/* A bar chart of an anomaly list: one bar per kind (first seen first),
 * split by severity. */
int rpt_html_kind_chart(FILE *out, const json_t *anomalies, const char *title);

#endif
