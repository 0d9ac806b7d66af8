/*
 * rpt_render: anomaly lists as an aligned table, CSV or JSON.
 *
 * The collector is trusted to speak the API but not for the content of the
 * strings it relays, which come from monitored hosts. Field access is
 * therefore tolerant (a missing or mistyped field renders as absent or as
 * its JSON text, never as a crash) and every string is sanitized on the
 * way out by rpt_table / rpt_text.
 */
#include "rpt_render.h"

#include "rpt_anomaly.h"
#include "rpt_html.h"
#include "rpt_table.h"
#include "rpt_text.h"
#include "vg_time.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A field's text, borrowed from the JSON value or held here. */
struct field {
	const char *s; /* NULL: missing or null */
	size_t len;
	char num[40];
	char *owned;
};

static void field_release(struct field *f)
{
	free(f->owned);
	f->owned = NULL;
}

/* Reads a JSON value as text: strings as they are, numbers and booleans
 * formatted, objects and arrays as compact JSON, null and absence as NULL.
 * Returns 0, or -1 when memory runs out. */
static int value_text(const json_t *v, struct field *f)
{
	f->s = NULL;
	f->len = 0;
	f->owned = NULL;
	switch (json_typeof(v ? v : json_null())) {
	case JSON_NULL:
		return 0;
	case JSON_STRING:
		f->s = json_string_value(v);
		f->len = json_string_length(v);
		return 0;
	case JSON_INTEGER:
		snprintf(f->num, sizeof f->num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		break;
	case JSON_REAL:
		snprintf(f->num, sizeof f->num, "%.15g", json_real_value(v));
		break;
	case JSON_TRUE:
		snprintf(f->num, sizeof f->num, "true");
		break;
	case JSON_FALSE:
		snprintf(f->num, sizeof f->num, "false");
		break;
	case JSON_OBJECT:
	case JSON_ARRAY:
		f->owned = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));
		if (!f->owned)
			return -1;
		f->s = f->owned;
		f->len = strlen(f->owned);
		return 0;
	}
	f->s = f->num;
	f->len = strlen(f->num);
	return 0;
}

static int field_get(const json_t *obj, const char *key, struct field *f)
{
	return value_text(json_object_get(obj, key), f);
}

static const char *severity_style(const json_t *anomaly)
{
	static const char *const styles[] = {NULL, "33", "31", "1;31"};
	int rank = rpt_severity_rank(json_string_value(json_object_get(anomaly, "severity")));

	return rank >= 0 ? styles[rank] : NULL;
}

/* Adds a cell from one field of the anomaly. */
static int add_field(struct rpt_table *t, const json_t *anomaly, const char *key,
		     const char *style)
{
	struct field f;
	int rc;

	if (field_get(anomaly, key, &f) < 0)
		return -1;
	rc = rpt_table_add(t, f.s, f.len, style);
	field_release(&f);
	return rc;
}

/* The time cell: "YYYY-MM-DD HH:MM" (UTC) when the field is a timestamp,
 * else whatever the field holds. */
static int add_time(struct rpt_table *t, const json_t *anomaly)
{
	const char *s = json_string_value(json_object_get(anomaly, "time"));
	char iso[VG_TIME_LEN], cell[17];
	int64_t ms;

	if (!s || (vg_time_parse(s, &ms) < 0 && vg_time_parse_loose(s, &ms) < 0))
		return add_field(t, anomaly, "time", NULL);
	vg_time_format(ms, iso);
	memcpy(cell, iso, 16);
	cell[10] = ' ';
	cell[16] = '\0';
	return rpt_table_add(t, cell, 16, NULL);
}

/* The who cell: "person/account", with "-" for an absent side (person is
 * null for accounts that map to no vetted person). */
static int add_who(struct rpt_table *t, const json_t *anomaly)
{
	struct field person, account;
	char *buf = NULL;
	size_t size = 0;
	FILE *m;
	int rc = -1;

	if (field_get(anomaly, "person", &person) < 0)
		return -1;
	if (field_get(anomaly, "account", &account) < 0)
		goto out_person;
	m = open_memstream(&buf, &size);
	if (!m)
		goto out;
	fwrite(person.s ? person.s : "-", 1, person.s ? person.len : 1, m);
	fputc('/', m);
	fwrite(account.s ? account.s : "-", 1, account.s ? account.len : 1, m);
	if (fclose(m) == 0)
		rc = rpt_table_add(t, buf, size, NULL);
	free(buf);
out:
	field_release(&account);
out_person:
	field_release(&person);
	return rc;
}

/* The summary cell, led by the size of the incident when it grouped more
 * than one event: "(12 events) Grace Wilson's periodic review ...". */
static int add_summary(struct rpt_table *t, const json_t *anomaly)
{
	json_int_t count = json_integer_value(json_object_get(anomaly, "count"));
	struct field f;
	char *buf = NULL;
	size_t size = 0;
	int rc = -1;

	if (count <= 1)
		return add_field(t, anomaly, "summary", NULL);
	if (field_get(anomaly, "summary", &f) < 0)
		return -1;
	FILE *m = open_memstream(&buf, &size);
	if (m) {
		fprintf(m, "(%lld events) ", (long long)count);
		fwrite(f.s ? f.s : "", 1, f.s ? f.len : 0, m);
		if (fclose(m) == 0)
			rc = rpt_table_add(t, buf, size, NULL);
	}
	free(buf);
	field_release(&f);
	return rc;
}

static const struct rpt_column anomaly_columns[] = {
	{"ID", RPT_COLUMN_NO_SHRINK, false},
	{"TIME (UTC)", RPT_COLUMN_NO_SHRINK, false},
	{"SEVERITY", RPT_COLUMN_NO_SHRINK, false},
	{"KIND", 12, false},
	{"PERSON/ACCOUNT", 12, false},
	{"HOST", 8, false},
	{"SUMMARY", 0, true},
};

static int add_anomaly_row(struct rpt_table *t, const json_t *a)
{
	if (add_field(t, a, "id", NULL) < 0 || add_time(t, a) < 0 ||
	    add_field(t, a, "severity", severity_style(a)) < 0 ||
	    add_field(t, a, "kind", NULL) < 0 || add_who(t, a) < 0 ||
	    add_field(t, a, "host", NULL) < 0 || add_summary(t, a) < 0)
		return -1;
	return 0;
}

int rpt_render_anomalies_text(FILE *out, const json_t *anomalies,
			      const struct rpt_render_opts *o)
{
	size_t n = json_array_size(anomalies);
	size_t width = o && o->width ? o->width : RPT_TEXT_WIDTH;
	struct rpt_table *t;
	int rc = 0;

	if (n == 0) {
		fputs("no anomalies match\n", out);
		return ferror(out) ? -1 : 0;
	}
	t = rpt_table_new(anomaly_columns, sizeof anomaly_columns / sizeof anomaly_columns[0]);
	if (!t)
		return -1;
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = add_anomaly_row(t, json_array_get(anomalies, i));
	if (rc == 0)
		rc = rpt_table_print(t, out, width, o && o->color);
	rpt_table_free(t);
	if (rc < 0)
		return -1;
	fprintf(out, "%zu %s", n, n == 1 ? "anomaly" : "anomalies");
	if (o && o->limit > 0 && n >= (size_t)o->limit)
		fputs(" (the limit; raise --limit to see more)", out);
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

/* Joins the elements of a JSON array with ';' into one CSV field. Each
 * element is shown by `show`. */
typedef int (*element_text_fn)(FILE *m, const json_t *element);

static int csv_joined_field(FILE *out, const json_t *array, element_text_fn show)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	int rc = 0;

	if (!m)
		return -1;
	for (size_t i = 0; i < json_array_size(array) && rc == 0; i++) {
		if (i)
			fputc(';', m);
		rc = show(m, json_array_get(array, i));
	}
	if (fclose(m) != 0)
		rc = -1;
	if (rc == 0)
		rc = rpt_csv_field(out, buf, size, false);
	free(buf);
	return rc;
}

static int show_value(FILE *m, const json_t *v)
{
	struct field f;

	if (value_text(v, &f) < 0)
		return -1;
	if (f.s)
		fwrite(f.s, 1, f.len, m);
	field_release(&f);
	return 0;
}

/* An event reference {"agent":A,"seq":S} as "A:S". */
static int show_event(FILE *m, const json_t *ev)
{
	if (show_value(m, json_object_get(ev, "agent")) < 0)
		return -1;
	fputc(':', m);
	return show_value(m, json_object_get(ev, "seq"));
}

static int csv_plain_field(FILE *out, const json_t *anomaly, const char *key, bool first)
{
	struct field f;
	int rc;

	if (field_get(anomaly, key, &f) < 0)
		return -1;
	rc = rpt_csv_field(out, f.s, f.len, first);
	field_release(&f);
	return rc;
}

int rpt_render_anomalies_csv(FILE *out, const json_t *anomalies)
{
	static const char *const head[] = {"id", "time", "severity", "kind", "person",
					   "account", "host", "status", "score", "summary"};
	static const char *const tail[] = {"detected", "policy_serial", "count", "first", "last"};
	size_t nh = sizeof head / sizeof head[0], nt = sizeof tail / sizeof tail[0];
	int rc = 0;

	for (size_t i = 0; i < nh; i++)
		rc |= rpt_csv_field(out, head[i], strlen(head[i]), i == 0);
	rc |= rpt_csv_field(out, "reasons", 7, false);
	rc |= rpt_csv_field(out, "events", 6, false);
	for (size_t i = 0; i < nt; i++)
		rc |= rpt_csv_field(out, tail[i], strlen(tail[i]), false);
	rc |= rpt_csv_end_row(out);

	for (size_t r = 0; r < json_array_size(anomalies) && rc == 0; r++) {
		const json_t *a = json_array_get(anomalies, r);

		for (size_t i = 0; i < nh && rc == 0; i++)
			rc = csv_plain_field(out, a, head[i], i == 0);
		if (rc == 0)
			rc = csv_joined_field(out, json_object_get(a, "reasons"), show_value);
		if (rc == 0)
			rc = csv_joined_field(out, json_object_get(a, "events"), show_event);
		for (size_t i = 0; i < nt && rc == 0; i++)
			rc = csv_plain_field(out, a, tail[i], false);
		if (rc == 0)
			rc = rpt_csv_end_row(out);
	}
	return rc ? -1 : 0;
}

/* Streams jansson's output to a FILE, escaping what JSON allows raw but a
 * terminal would act on. jansson emits valid UTF-8, and non-ASCII bytes
 * only occur inside strings, where \uNNNN means the same character; a
 * sequence split across two calls is held in `pend`. */
struct json_sink {
	FILE *out;
	unsigned char pend[4];
	size_t npend, need;
};

static void sink_put_char(struct json_sink *k, const unsigned char *s, size_t n)
{
	uint32_t cp;

	if (rpt_utf8_decode(s, n, &cp) == n && (cp == 0x7f || rpt_text_is_steering(cp)))
		fprintf(k->out, "\\u%04X", (unsigned)cp);
	else
		fwrite(s, 1, n, k->out);
}

static int sink_write(const char *buffer, size_t size, void *data)
{
	struct json_sink *k = data;
	const unsigned char *p = (const unsigned char *)buffer;

	for (size_t i = 0; i < size; i++) {
		if (k->npend) {
			k->pend[k->npend++] = p[i];
			if (k->npend == k->need) {
				sink_put_char(k, k->pend, k->npend);
				k->npend = 0;
			}
		} else if (p[i] >= 0xc0) {
			k->pend[0] = p[i];
			k->npend = 1;
			k->need = p[i] >= 0xf0 ? 4 : p[i] >= 0xe0 ? 3 : 2;
		} else {
			sink_put_char(k, p + i, 1);
		}
	}
	return ferror(k->out) ? -1 : 0;
}

int rpt_render_json(FILE *out, const json_t *value)
{
	struct json_sink k = {.out = out};

	if (json_dump_callback(value, sink_write, &k,
			       JSON_INDENT(2) | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15)) < 0)
		return -1;
	if (k.npend)
		fwrite(k.pend, 1, k.npend, out);
	fputc('\n', out);
	return ferror(out) ? -1 : 0;
}

int rpt_render_anomalies(FILE *out, const json_t *anomalies, enum rpt_format format,
			 const struct rpt_render_opts *o)
{
	switch (format) {
	case RPT_FORMAT_TEXT:
		return rpt_render_anomalies_text(out, anomalies, o);
	case RPT_FORMAT_CSV:
		return rpt_render_anomalies_csv(out, anomalies);
	case RPT_FORMAT_JSON:
		return rpt_render_json(out, anomalies);
	case RPT_FORMAT_HTML:
		return rpt_render_anomalies_html(out, anomalies, o);
	}
	return -1;
}

int rpt_render_anomalies_html(FILE *out, const json_t *anomalies, const struct rpt_render_opts *o)
{
	size_t n = json_array_size(anomalies);
	char sub[160];

	snprintf(sub, sizeof sub, "%zu %s, newest first%s.", n, n == 1 ? "anomaly" : "anomalies",
		 o && o->limit > 0 && n >= (size_t)o->limit ? " (the limit; raise --limit to see more)"
							    : "");
	rpt_html_begin(out, "Anomalies", sub);
	if (n)
		rpt_html_kind_chart(out, anomalies, "Anomalies by kind");
	rpt_html_anomaly_table(out, anomalies);
	return rpt_html_end(out);
}
