/*
 * rpt_vetting: the vetting report in text, CSV, JSON and HTML.
 */
#include "rpt_vetting.h"
#include "rpt_html.h"
#include "rpt_svg.h"
#include "rpt_table.h"
#include "rpt_text.h"

#include <stdlib.h>
#include <string.h>

/* CSV and JSON carry every field; the 80-column text table the most useful. */
static const char *const person_keys[] = {"person", "name", "level", "status", "granted",
                                          "review_due", "interim_expires", "state", "why",
                                          "lapsed_activity"};
static const char *const person_text_keys[] = {"person", "name", "status", "review_due", "state",
                                               "why", "lapsed_activity"};
static const struct rpt_column person_columns[] = {
	{"PERSON", RPT_COLUMN_NO_SHRINK, false}, {"NAME", 8, false},
	{"STATUS", RPT_COLUMN_NO_SHRINK, false}, {"REVIEW DUE", RPT_COLUMN_NO_SHRINK, false},
	{"STATE", RPT_COLUMN_NO_SHRINK, false},  {"WHY", RPT_COLUMN_NO_SHRINK, false},
	{"LAPSED", RPT_COLUMN_NO_SHRINK, false},
};
static const char *const exception_keys[] = {"subject", "resource", "ticket", "approver", "expires"};
static const struct rpt_column exception_columns[] = {
	{"SUBJECT", RPT_COLUMN_NO_SHRINK, false}, {"RESOURCE", 8, false},
	{"TICKET", 8, false},                     {"APPROVER", 8, false},
	{"EXPIRES", RPT_COLUMN_NO_SHRINK, false},
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A member as text: strings as they are, integers in decimal, else none
 * (what stands for an absent value differs between text and CSV). */
static const char *cell_or(const json_t *o, const char *key, char buf[32], const char *none)
{
	const json_t *v = json_object_get(o, key);
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(buf, 32, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return none;
}

static const char *cell(const json_t *o, const char *key, char buf[32])
{
	return cell_or(o, key, buf, "-");
}

static int table(FILE *out, const json_t *list, const struct rpt_column *cols,
                 const char *const *keys, size_t n, const struct rpt_render_opts *ro)
{
	struct rpt_table *t = rpt_table_new(cols, n);
	const json_t *o;
	size_t i;
	int rc = t ? 0 : -1;
	char buf[32];

	json_array_foreach(list, i, o) {
		for (size_t k = 0; k < n && rc == 0; k++) {
			const char *s = cell(o, keys[k], buf);
			rc = rpt_table_add(t, s, strlen(s), NULL);
		}
	}
	if (rc == 0)
		rc = rpt_table_print(t, out, ro && ro->width ? ro->width : RPT_TEXT_WIDTH, ro && ro->color);
	rpt_table_free(t);
	return rc;
}

static int csv(FILE *out, const json_t *list, const char *section, const char *const *keys, size_t n)
{
	const json_t *o;
	size_t i;
	int rc = rpt_csv_field(out, "section", 7, true);
	char buf[32];

	for (size_t k = 0; k < n; k++)
		rc |= rpt_csv_field(out, keys[k], strlen(keys[k]), false);
	rc |= rpt_csv_end_row(out);
	json_array_foreach(list, i, o) {
		rc |= rpt_csv_field(out, section, strlen(section), true);
		for (size_t k = 0; k < n; k++) {
			const char *s = cell_or(o, keys[k], buf, "");
			rc |= rpt_csv_field(out, s, strlen(s), false);
		}
		rc |= rpt_csv_end_row(out);
	}
	return rc ? -1 : 0;
}

/* An HTML table of list with the given keys as columns. */
static void html_table(FILE *out, const json_t *list, const char *const *keys, size_t n)
{
	const json_t *o;
	size_t i;
	char buf[32];

	rpt_html_table_begin(out, NULL, keys, n);
	json_array_foreach(list, i, o) {
		rpt_html_row_begin(out);
		for (size_t k = 0; k < n; k++)
			rpt_html_cell(out, cell(o, keys[k], buf), NULL);
		rpt_html_row_end(out);
	}
	rpt_html_table_end(out);
}

static int vetting_html(FILE *out, const json_t *doc, const json_t *persons, const json_t *exceptions)
{
	static const char *const states[] = {"not_current", "interim", "review_due"};
	static const char *const seg[] = {"persons"};
	struct rpt_svg_bar bars[3];
	char b1[32], b2[32], b3[32], sub[200];
	const json_t *o;
	size_t i;

	memset(bars, 0, sizeof bars);
	for (size_t k = 0; k < 3; k++)
		bars[k].label = states[k];
	json_array_foreach(persons, i, o) {
		const char *st = json_string_value(json_object_get(o, "state"));
		for (size_t k = 0; st && k < 3; k++)
			if (strcmp(st, states[k]) == 0)
				bars[k].v[0] += 1;
	}
	snprintf(sub, sizeof sub, "As of %s; reviews due within %s days; policy serial %s.",
	         cell(doc, "as_of", b1), cell(doc, "due_within_days", b2), cell(doc, "policy_serial", b3));
	rpt_html_begin(out, "Vetting", sub);
	rpt_svg_bars(out, "Persons by vetting state", bars, 3, seg, 1);
	rpt_html_h2(out, "Clearances needing attention");
	if (json_array_size(persons) == 0)
		rpt_html_para(out, "muted", "Everyone's vetting is current and no review falls due.");
	else
		html_table(out, persons, person_keys, N(person_keys));
	rpt_html_h2(out, "Exceptions expiring");
	if (json_array_size(exceptions) == 0)
		rpt_html_para(out, "muted", "No exception expires in that time.");
	else
		html_table(out, exceptions, exception_keys, N(exception_keys));
	return rpt_html_end(out);
}

int rpt_render_vetting(FILE *out, const json_t *doc, enum rpt_format f,
                       const struct rpt_render_opts *ro)
{
	const json_t *persons = json_object_get(doc, "persons");
	const json_t *exceptions = json_object_get(doc, "exceptions");
	char buf[32];

	if (!json_is_array(persons) || !json_is_array(exceptions))
		return -1;
	if (f == RPT_FORMAT_JSON)
		return rpt_render_json(out, doc) < 0 || fputc('\n', out) == EOF ? -1 : 0;
	if (f == RPT_FORMAT_HTML)
		return vetting_html(out, doc, persons, exceptions);
	if (f == RPT_FORMAT_CSV) {
		if (csv(out, persons, "person", person_keys, N(person_keys)) < 0)
			return -1;
		return csv(out, exceptions, "exception", exception_keys, N(exception_keys));
	}
	char *asof = rpt_text_sanitize(cell(doc, "as_of", buf), strlen(cell(doc, "as_of", buf)));
	fprintf(out, "Vetting as of %s (reviews due within %s days)\n\n", asof ? asof : "-",
	        cell(doc, "due_within_days", buf));
	free(asof);
	if (json_array_size(persons) == 0)
		fputs("everyone's vetting is current and no review falls due\n", out);
	else if (table(out, persons, person_columns, person_text_keys, N(person_text_keys), ro) < 0)
		return -1;
	fputc('\n', out);
	if (json_array_size(exceptions) == 0)
		fputs("no exception expires in that time\n", out);
	else {
		fputs("Exceptions expiring:\n", out);
		if (table(out, exceptions, exception_columns, exception_keys, N(exception_keys), ro) < 0)
			return -1;
	}
	return ferror(out) ? -1 : 0;
}

int rpt_vetting_run(struct rpt_client *c, const struct rpt_args *a,
                    const struct rpt_render_opts *ro, FILE *out, char *err, size_t errlen)
{
	char days[24];
	struct rpt_query_param p[] = {{"due_within", NULL}};
	json_t *doc = NULL;

	if (a->due_within >= 0) {
		snprintf(days, sizeof days, "%ld", a->due_within);
		p[0].value = days;
	}
	if (rpt_client_get(c, "/v1/vetting", p, 1, &doc, NULL, err, errlen) != RPT_CLIENT_OK)
		return -1;
	int rc = rpt_render_vetting(out, doc, a->format, ro);
	json_decref(doc);
	if (rc < 0)
		return vg_errf(err, errlen, "GET /v1/vetting: unexpected response, or cannot write the report");
	return 0;
}
