/*
 * rpt_triage: one triage step, sent and confirmed.
 */
#include "rpt_triage.h"
#include "rpt_field.h"
#include "rpt_html.h"
#include "rpt_table.h"
#include "rpt_text.h"

#include <stdlib.h>
#include <string.h>

/* Writes a field sanitised for the terminal ("-" when absent). */
static void put(FILE *out, const json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	char *safe = v ? rpt_text_sanitize(v, strlen(v)) : NULL;
	fputs(safe ? safe : "-", out);
	free(safe);
}

static const char *const history_keys[] = {"time", "officer", "status", "assignee", "note"};

/* The anomaly's history, one row per step. */
static int triage_csv(FILE *out, const json_t *anomaly)
{
	return rpt_csv_section(out, "history", json_object_get(anomaly, "history"), history_keys, 5);
}

/* The anomaly as triaged, with its history. */
static int triage_html(FILE *out, const json_t *anomaly)
{
	static const char *const facts[] = {"id", "kind", "severity", "status", "assignee", "person",
	                                    "account", "host", "time", "first", "last", "count",
	                                    "summary"};
	const json_t *history = json_object_get(anomaly, "history"), *h;
	char b[RPT_FIELD_BUF], title[96];
	size_t i;

	snprintf(title, sizeof title, "Anomaly %s", rpt_field_or(anomaly, "id", b, "?"));
	rpt_html_begin(out, title, "Triage recorded; the anomaly and its full history.");
	fputs("<table class=\"facts\"><tbody>\n", out);
	for (size_t k = 0; k < sizeof facts / sizeof facts[0]; k++)
		rpt_html_fact(out, facts[k], rpt_field(anomaly, facts[k], b));
	fputs("</tbody></table>\n", out);
	rpt_html_h2(out, "History");
	rpt_html_table_begin(out, "history", history_keys, 5);
	json_array_foreach(history, i, h) {
		rpt_html_row_begin(out);
		for (size_t k = 0; k < 5; k++)
			rpt_html_cell(out, rpt_field(h, history_keys[k], b), k == 0 ? "time" : NULL);
		rpt_html_row_end(out);
	}
	rpt_html_table_end(out);
	return rpt_html_end(out);
}

int rpt_triage_run(struct rpt_client *c, const struct rpt_args *a,
                   const struct rpt_render_opts *ro, FILE *out, char *err, size_t errlen)
{
	char path[64];
	json_t *body, *reply = NULL;
	(void)ro;

	snprintf(path, sizeof path, "/v1/anomalies/%s/triage", a->anomaly_id);
	body = json_pack("{s:s,s:s}", "status", a->status, "note", a->note);
	if (!body || (a->assignee && json_object_set_new(body, "assignee", json_string(a->assignee)) < 0)) {
		json_decref(body);
		return vg_errf(err, errlen, "out of memory");
	}
	enum rpt_client_status st = rpt_client_post(c, path, body, &reply, NULL, err, errlen);
	json_decref(body);
	if (st != RPT_CLIENT_OK)
		return -1;
	if (a->format == RPT_FORMAT_JSON) {
		int rc = rpt_render_json(out, reply);
		json_decref(reply);
		return rc < 0 || fputc('\n', out) == EOF ? vg_errf(err, errlen, "cannot write the output") : 0;
	}
	if (a->format == RPT_FORMAT_CSV || a->format == RPT_FORMAT_HTML) {
		int rc = a->format == RPT_FORMAT_CSV ? triage_csv(out, reply) : triage_html(out, reply);
		json_decref(reply);
		return rc < 0 ? vg_errf(err, errlen, "cannot write the output") : 0;
	}
	json_t *history = json_object_get(reply, "history");
	json_t *last = json_array_get(history, json_array_size(history) ? json_array_size(history) - 1 : 0);
	fprintf(out, "anomaly %s: ", a->anomaly_id);
	put(out, reply, "status");
	fputs(", assigned to ", out);
	put(out, reply, "assignee");
	fprintf(out, "; %zu step%s in its history\n", json_array_size(history),
	        json_array_size(history) == 1 ? "" : "s");
	if (last) {
		fputs("  ", out);
		put(out, last, "time");
		fputc(' ', out);
		put(out, last, "officer");
		fputs(": ", out);
		put(out, last, "note");
		fputc('\n', out);
	}
	json_decref(reply);
	return ferror(out) ? vg_errf(err, errlen, "cannot write the output") : 0;
}
