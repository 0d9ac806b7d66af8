/*
 * test_report: vigil-report's renderers, text safety and command line.
 *
 * Renderer cases read collector responses from the JSON files in tests/data/report/
 * (or $VIGIL_TEST_DATA/report) and compare with expected output files there
 * where the exact bytes matter; hostile.json holds the strings a compromised
 * host could plant in an anomaly.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "rpt_anomaly.h"
#include "rpt_args.h"
#include "rpt_render.h"
#include "rpt_table.h"
#include "rpt_text.h"

/* ---- helpers ---------------------------------------------------------- */

static const char *data_dir(void)
{
	const char *d = getenv("VIGIL_TEST_DATA");

	return d && *d ? d : "tests/data";
}

static char *data_path(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/report/%s", data_dir(), name) > 0);
	return p;
}

/* The "anomalies" array of a stored collector response (caller decrefs). */
static json_t *load_anomalies(const char *name)
{
	char *path = data_path(name);
	json_error_t je;
	json_t *body = json_load_file(path, JSON_ALLOW_NUL, &je);
	json_t *list;

	if (!body)
		fail_msg("%s:%d: %s", path, je.line, je.text);
	free(path);
	list = json_incref(json_object_get(body, "anomalies"));
	json_decref(body);
	assert_true(json_is_array(list));
	return list;
}

static char *read_expected(const char *name)
{
	char *path = data_path(name), *buf = NULL;
	size_t size = 0;
	FILE *f = fopen(path, "rb"), *m = open_memstream(&buf, &size);
	char chunk[4096];
	size_t n;

	if (!f)
		fail_msg("cannot open %s", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, n, m);
	fclose(f);
	fclose(m);
	free(path);
	return buf;
}

enum which { TEXT, CSV, JSON };

static char *render(const json_t *list, enum which w, const struct rpt_render_opts *o)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	int rc;

	assert_non_null(m);
	switch (w) {
	case TEXT: rc = rpt_render_anomalies_text(m, list, o); break;
	case CSV: rc = rpt_render_anomalies_csv(m, list); break;
	default: rc = rpt_render_json(m, list); break;
	}
	assert_int_equal(rc, 0);
	assert_int_equal(fclose(m), 0);
	return buf;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Display width of one line of s starting at p (up to '\n'). */
static size_t line_width(const char *p)
{
	size_t len = strcspn(p, "\n");
	char *line = strndup(p, len);
	size_t w = rpt_text_width(line);

	free(line);
	return w;
}

static void assert_no_terminal_controls(const char *out)
{
	for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
		if (*p == '\n' || (*p == '\r' && p[1] == '\n'))
			continue;
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("raw control byte 0x%02x at offset %zu", *p, (size_t)(p - (const unsigned char *)out));
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fail_msg("raw C1 control at offset %zu", (size_t)(p - (const unsigned char *)out));
		if (*p == 0xe2 && p[1] == 0x80 && p[2] >= 0xaa && p[2] <= 0xae)
			fail_msg("raw bidi override at offset %zu", (size_t)(p - (const unsigned char *)out));
	}
}

/* Removes "ESC [ ... m" sequences (the colours the renderer itself adds). */
static char *strip_sgr(const char *s)
{
	char *out = malloc(strlen(s) + 1), *o = out;

	while (*s) {
		if (s[0] == '\033' && s[1] == '[') {
			s += 2;
			while (*s && *s != 'm')
				s++;
			if (*s)
				s++;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
	return out;
}

static const struct rpt_render_opts plain80 = {.width = 80, .color = false, .limit = 0};

/* ---- text safety -------------------------------------------------------- */

/* A host name carrying terminal escapes comes out as visible text. */
static void sanitize_makes_controls_visible(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{"ws-0042", 7, "ws-0042"},
		{"ws\x1b[2J", 6, "ws\\x1b[2J"},
		{"a\tb\nc\rd", 7, "a\\tb\\nc\\rd"},
		{"nul\0x", 5, "nul\\x00x"},
		{"del\x7f", 4, "del\\x7f"},
		{"csi\xc2\x9b" "31m", 8, "csi\\u009b31m"},
		{"rlo\xe2\x80\xae" "txt", 9, "rlo\\u202etxt"},
		{"bad\xff\xfe", 5, "bad\\xff\\xfe"},
		{"overlong\xc0\xaf", 10, "overlong\\xc0\\xaf"},
		{"zo\xc3\xab", 4, "zo\xc3\xab"},
		{"cut\xe2\x80", 5, "cut\\xe2\\x80"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = rpt_text_sanitize(cases[i].in, cases[i].len);

		assert_string_equal(s, cases[i].out);
		free(s);
	}
}

/* Widths count columns, not bytes; cells are cut with an ellipsis. */
static void cells_measure_columns_and_cut_with_ellipsis(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m;

	(void)state;
	assert_int_equal(rpt_text_width("zo\xc3\xab"), 3);
	assert_int_equal(rpt_text_width("\xe5\xb1\xb1\xe7\x94\xb0"), 4); /* two CJK */
	assert_int_equal(rpt_text_width("e\xcc\x81"), 1);		   /* e + combining acute */

	m = open_memstream(&buf, &size);
	rpt_text_put_cell(m, "abcdef", 4, true);
	fputc('|', m);
	rpt_text_put_cell(m, "ab", 4, true);
	fputc('|', m);
	rpt_text_put_cell(m, "abcd", 4, true);
	fputc('|', m);
	rpt_text_put_cell(m, "\xe5\xb1\xb1\xe7\x94\xb0x", 4, true); /* 5 columns */
	fputc('|', m);
	rpt_text_put_cell(m, "ab", 4, false);
	fclose(m);
	assert_string_equal(buf, "abc\u2026|ab  |abcd|\xe5\xb1\xb1\u2026 |ab");
	free(buf);
}

/* Colour needs a terminal and an unset NO_COLOR. */
static void colour_only_on_a_terminal_without_no_color(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);

	(void)state;
	assert_false(rpt_text_want_color(m, NULL));
	assert_false(rpt_text_want_color(m, "1"));
	fclose(m);
	free(buf);
}

/* ---- text renderer ------------------------------------------------------ */

/* The reference list renders exactly as the expected file shows. */
static void text_matches_expected_output(void **state)
{
	json_t *list = load_anomalies("anomalies.json");
	char *out = render(list, TEXT, &plain80), *want = read_expected("anomalies.txt");

	(void)state;
	assert_string_equal(out, want);
	free(out);
	free(want);
	json_decref(list);
}

/* Every line fits 80 columns and each main line has its severity right
 * under the header's SEVERITY, whatever the data (including the hostile
 * fixture). Ids, times and severities are ASCII, so bytes are columns there. */
static void text_fits_80_columns_and_aligns(void **state)
{
	static const char *const fixtures[] = {"anomalies.json", "hostile.json"};

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		json_t *list = load_anomalies(fixtures[f]);
		char *out = render(list, TEXT, &plain80);
		size_t sev_col = (size_t)(strstr(out, "SEVERITY") - out);
		size_t lines = count_lines(out), mains = 0;
		const char *p = out;

		for (size_t i = 0; i < lines; i++, p = strchr(p, '\n') + 1) {
			assert_true(line_width(p) <= 80);
			if (i == 0 || i == lines - 1 || *p == ' ')
				continue; /* header, count line, summary lines */
			assert_true(p[sev_col - 1] == ' ' && p[sev_col] != ' ');
			mains++;
		}
		assert_int_equal(mains, json_array_size(list));
		free(out);
		json_decref(list);
	}
}

/* Wider output gives the summary more room, still cut with an ellipsis. */
static void text_uses_a_wider_line_when_given(void **state)
{
	json_t *list = load_anomalies("anomalies.json");
	struct rpt_render_opts wide = {.width = 120};
	char *out = render(list, TEXT, &wide);

	(void)state;
	assert_non_null(strstr(out, "    alice read /srv/atlas/plan.txt, classified TOP SECRET, "
				    "above her SECRET clearance\n"));
	free(out);
	json_decref(list);
}

/* Nothing matched: one plain sentence, no table. */
static void text_empty_list_says_no_anomalies_match(void **state)
{
	json_t *list = load_anomalies("empty.json");
	char *out = render(list, TEXT, &plain80);

	(void)state;
	assert_string_equal(out, "no anomalies match\n");
	free(out);
	free((out = render(list, CSV, NULL)));
	out = render(list, JSON, NULL);
	assert_string_equal(out, "[]\n");
	free(out);
	json_decref(list);
}

/* An account that maps to no person shows as "-/account". */
static void text_null_person_shows_a_dash(void **state)
{
	json_t *list = load_anomalies("anomalies.json");
	char *out = render(list, TEXT, &plain80);

	(void)state;
	assert_non_null(strstr(out, "  -/bob  "));
	free(out);
	json_decref(list);
}

/* An anomaly that groups a burst of events (one incident) says how many,
 * ahead of its summary; a single-event anomaly does not. */
static void text_shows_the_size_of_an_incident(void **state)
{
	json_t *list = load_anomalies("anomalies.json");
	struct rpt_render_opts wide = {.width = 200};

	(void)state;
	json_object_set_new(json_array_get(list, 0), "count", json_integer(12));
	json_object_set_new(json_array_get(list, 1), "count", json_integer(1));
	char *out = render(list, TEXT, &wide);
	const char *summary = json_string_value(json_object_get(json_array_get(list, 0), "summary"));
	char want[512];
	snprintf(want, sizeof want, "(12 events) %.60s", summary);
	assert_non_null(strstr(out, want));
	assert_null(strstr(out, "(1 events)"));
	free(out);
	json_decref(list);
}

/* Escapes in host, person, account and summary cannot reach the terminal,
 * and an embedded newline cannot forge an extra report line. */
static void text_neutralises_hostile_strings(void **state)
{
	json_t *list = load_anomalies("hostile.json");
	struct rpt_render_opts wide = {.width = 200};
	char *out = render(list, TEXT, &wide);

	(void)state;
	assert_no_terminal_controls(out);
	assert_non_null(strstr(out, "ws-1\\x1b]0;owned\\x07\\x1b[2J"));
	assert_non_null(strstr(out, "p6\\x1b[31m/mallory\\u009b2J"));
	assert_non_null(strstr(out, "\\nforged line\\u202eevil"));
	assert_non_null(strstr(out, "ws-\\x00hidden"));
	/* header + 3 anomalies of 2 lines + count line */
	assert_int_equal(count_lines(out), 1 + 3 * 2 + 1);
	free(out);
	json_decref(list);
}

/* Missing fields render as "-", a number where a string belongs as its
 * text, an unparseable time as it was sent. */
static void text_tolerates_missing_and_mistyped_fields(void **state)
{
	json_t *list = load_anomalies("hostile.json");
	struct rpt_render_opts wide = {.width = 200};
	char *out = render(list, TEXT, &wide);
	const char *row = strstr(out, "\n67 ");

	(void)state;
	assert_non_null(row);
	assert_non_null(strstr(row, "yesterday"));
	assert_non_null(strstr(row, "bogus"));
	assert_non_null(strstr(row, "-/-"));
	assert_non_null(strstr(row, "  42\n    -\n"));
	free(out);
	json_decref(list);
}

/* Colour wraps only the severity and does not disturb alignment. */
static void text_colour_keeps_alignment(void **state)
{
	json_t *list = load_anomalies("anomalies.json");
	struct rpt_render_opts col = {.width = 80, .color = true};
	char *plain = render(list, TEXT, &plain80), *coloured = render(list, TEXT, &col);
	char *stripped = strip_sgr(coloured);

	(void)state;
	assert_non_null(strstr(coloured, "\033[1;31mcritical\033[0m"));
	assert_non_null(strstr(coloured, "\033[31mhigh\033[0m"));
	assert_string_equal(stripped, plain);
	free(plain);
	free(coloured);
	free(stripped);
	json_decref(list);
}

/* A full page says so, since more may exist beyond the limit. */
static void text_count_line_notes_the_limit(void **state)
{
	json_t *list = load_anomalies("anomalies.json");
	struct rpt_render_opts lim = {.width = 80, .limit = 4};
	char *out = render(list, TEXT, &lim);

	(void)state;
	assert_non_null(strstr(out, "\n4 anomalies (the limit; raise --limit to see more)\n"));
	free(out);
	json_array_remove(list, 0);
	json_array_remove(list, 0);
	json_array_remove(list, 0);
	out = render(list, TEXT, &plain80);
	assert_non_null(strstr(out, "\n1 anomaly\n"));
	free(out);
	json_decref(list);
}

/* ---- CSV renderer ------------------------------------------------------- */

static void csv_matches_expected_output(void **state)
{
	json_t *list = load_anomalies("anomalies.json");
	char *out = render(list, CSV, NULL), *want = read_expected("anomalies.csv");

	(void)state;
	assert_string_equal(out, want);
	free(out);
	free(want);
	json_decref(list);
}

/* Fields a spreadsheet would evaluate get a leading quote; quotes, commas
 * and escapes are handled; rows end in CRLF. */
static void csv_guards_formulas_and_quotes(void **state)
{
	json_t *list = load_anomalies("hostile.json");
	char *out = render(list, CSV, NULL);

	(void)state;
	assert_no_terminal_controls(out);
	assert_non_null(strstr(out, ",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\\nforged "
				    "line\\u202eevil\","));
	assert_non_null(strstr(out, ",\"'+cmd;1;-2;@SUM(A1);\\tx;a,\"\"b\"\"\",1:2,"));
	assert_non_null(strstr(out, ",p6\\x1b[31m,mallory\\u009b2J,"));
	assert_non_null(strstr(out, "\r\n67,yesterday,bogus,,,,42,,,,,,,,,,\r\n"));
	free(out);
	json_decref(list);
}

static void csv_field_rules(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{"plain", "plain"},	  {"=1+1", "'=1+1"},	    {"+1", "'+1"},
		{"-1", "'-1"},		  {"@A1", "'@A1"},	    {"a,b", "\"a,b\""},
		{"say \"hi\"", "\"say \"\"hi\"\"\""}, {"\tx", "\\tx"}, {"", ""},
		{"=a,b", "\"'=a,b\""},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *buf = NULL;
		size_t size = 0;
		FILE *m = open_memstream(&buf, &size);

		assert_int_equal(rpt_csv_field(m, cases[i].in, strlen(cases[i].in), true), 0);
		fclose(m);
		assert_string_equal(buf, cases[i].out);
		free(buf);
	}
}

/* A null person is an empty field; reasons and events are joined by ';'. */
static void csv_null_person_and_joined_lists(void **state)
{
	json_t *list = load_anomalies("anomalies.json");
	char *out = render(list, CSV, NULL);

	(void)state;
	assert_non_null(strstr(out, "\r\n12,2026-11-21T22:01:05.000Z,high,unknown_account,,bob,"));
	assert_non_null(strstr(out, ",4:88;4:89,"));
	assert_non_null(strstr(out, ",level:SECRET<TOP SECRET;resource:atlas-plans,3:1042,"));
	free(out);
	json_decref(list);
}

/* ---- JSON renderer ------------------------------------------------------ */

/* The array comes back unchanged in meaning and in key order. */
static void json_round_trips(void **state)
{
	static const char *const fixtures[] = {"anomalies.json", "hostile.json"};

	(void)state;
	for (size_t f = 0; f < 2; f++) {
		json_t *list = load_anomalies(fixtures[f]), *back;
		char *out = render(list, JSON, NULL);

		back = json_loads(out, JSON_ALLOW_NUL, NULL);
		assert_non_null(back);
		assert_true(json_equal(list, back));
		json_decref(back);
		free(out);
		json_decref(list);
	}
	{
		json_t *list = load_anomalies("anomalies.json");
		char *out = render(list, JSON, NULL);
		const char *id = strstr(out, "\"id\""), *kind = strstr(out, "\"kind\"");

		assert_true(id && kind && id < kind);
		assert_non_null(strstr(out, "\"score\": 0.1,"));
		assert_non_null(strstr(out, "\"person\": null,"));
		free(out);
		json_decref(list);
	}
}

/* JSON output is as safe on a terminal as the table. */
static void json_escapes_terminal_controls(void **state)
{
	json_t *list = load_anomalies("hostile.json");
	char *out = render(list, JSON, NULL);

	(void)state;
	assert_no_terminal_controls(out);
	assert_non_null(strstr(out, "\"mallory\\u009B2J\""));
	assert_non_null(strstr(out, "line\\u202Eevil"));
	assert_non_null(strstr(out, "ws-\\u0000hidden"));
	free(out);
	json_decref(list);
}

/* ---- command line ------------------------------------------------------- */

static int parse(struct rpt_args *a, char *err, size_t errlen, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;

	argv[argc++] = "vigil-report";
	va_start(ap, errlen);
	for (char *s; (s = va_arg(ap, char *)) != NULL && argc < 31;)
		argv[argc++] = s;
	va_end(ap);
	argv[argc] = NULL;
	err[0] = '\0';
	return rpt_args_parse(argc, argv, a, err, errlen);
}

static struct rpt_args args; /* large (token buffer) */

/* Options on both sides of the command, values kept as typed and parsed. */
static void args_accepts_a_full_command_line(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(parse(&args, err, sizeof err, "--collector", "https://c.example:8470",
			       "--token-file", "/etc/vigil/officer.token", "anomalies", "--since",
			       "2026-11-01", "--until", "2026-11-22T12:00Z", "--severity", "high",
			       "--kind", "need_to_know", "--person", "p1001", "--status", "open",
			       "--limit", "500", "--format", "csv", "--ca", "/etc/ssl/ca.pem",
			       NULL),
			 0);
	assert_int_equal(args.command, RPT_CMD_ANOMALIES);
	assert_string_equal(args.collector, "https://c.example:8470");
	assert_string_equal(args.token_file, "/etc/vigil/officer.token");
	assert_true(args.has_since && args.has_until);
	assert_int_equal(args.since_ms, 1793491200000LL);
	assert_int_equal(args.until_ms, 1795348800000LL);
	assert_string_equal(args.severity, "high");
	assert_string_equal(args.kind, "need_to_know");
	assert_string_equal(args.person, "p1001");
	assert_string_equal(args.status, "open");
	assert_int_equal(args.limit, 500);
	assert_int_equal(args.format, RPT_FORMAT_CSV);
	assert_string_equal(args.ca_file, "/etc/ssl/ca.pem");

	assert_int_equal(parse(&args, err, sizeof err, "anomalies", NULL), 0);
	assert_int_equal(args.limit, RPT_DEFAULT_LIMIT);
	assert_int_equal(args.format, RPT_FORMAT_TEXT);
	assert_false(args.has_since);
	assert_null(args.collector);

	assert_int_equal(parse(&args, err, sizeof err, "--help", NULL), 0);
	assert_true(args.help);
}

/* The officer's views: person P, risk and summary, each in every format. */
static void args_accepts_the_officer_views(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(parse(&args, err, sizeof err, "person", "p1006", "--at", "2026-11-20",
			       "--days", "14", "--limit", "20", "--format", "html", NULL),
			 0);
	assert_int_equal(args.command, RPT_CMD_PERSON);
	assert_string_equal(args.person, "p1006");
	assert_true(args.has_at);
	assert_int_equal(args.at_ms, 1795132800000LL);
	assert_int_equal(args.days, 14);
	assert_int_equal(args.format, RPT_FORMAT_HTML);
	assert_int_equal(parse(&args, err, sizeof err, "risk", "--person", "p1", "--format", "csv", NULL), 0);
	assert_int_equal(args.command, RPT_CMD_RISK);
	assert_string_equal(args.person, "p1");
	assert_false(args.limit_set);
	assert_int_equal(parse(&args, err, sizeof err, "summary", "--since", "2026-11-01", "--limit", "5",
			       "--format", "json", NULL),
			 0);
	assert_int_equal(args.command, RPT_CMD_SUMMARY);
	assert_true(args.limit_set);
	for (const char *const *f = (const char *const[]){"text", "csv", "json", "html", NULL}; *f; f++) {
		assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--format", *f, NULL), 0);
		assert_int_equal(parse(&args, err, sizeof err, "vetting", "--format", *f, NULL), 0);
		assert_int_equal(parse(&args, err, sizeof err, "triage", "3", "--status", "resolved",
				       "--note", "n", "--format", *f, NULL),
				 0);
	}
}

/* Each mistake is caught locally with a message naming what was wrong. */
/* A triage step: the id, the new status, the note and an assignee. */
static void args_accepts_a_triage_step(void **state)
{
	char *argv[] = {"vigil-report", "triage", "42", "--status", "acknowledged", "--note",
	                "Asked the manager.", "--assignee", "J. Doe", NULL};
	char err[512];

	(void)state;
	assert_int_equal(rpt_args_parse(9, argv, &args, err, sizeof err), 0);
	assert_int_equal(args.command, RPT_CMD_TRIAGE);
	assert_string_equal(args.anomaly_id, "42");
	assert_string_equal(args.status, "acknowledged");
	assert_string_equal(args.note, "Asked the manager.");
	assert_string_equal(args.assignee, "J. Doe");
}

static void args_rejects_usage_errors(void **state)
{
	static const struct {
		const char *argv[4];
		const char *message;
	} cases[] = {
		{{NULL}, "no command given"},
		{{"anomaly"}, "unknown command 'anomaly'"},
		{{"anomalies", "extra"}, "unexpected argument 'extra'"},
		{{"anomalies", "--severity", "severe"},
		 "--severity: 'severe' is not a severity (low, medium, high, critical)"},
		{{"anomalies", "--since", "2026-13-01"}, "--since: '2026-13-01' is not a time"},
		{{"anomalies", "--until", "yesterday"}, "--until: 'yesterday' is not a time"},
		{{"anomalies", "--kind", "need-to-know"}, "--kind: 'need-to-know' is not an anomaly kind"},
		{{"anomalies", "--status", "closed"}, "--status: 'closed' is not a status"},
		{{"anomalies", "--limit", "0"}, "--limit: '0' is not a number from 1 to 10000"},
		{{"anomalies", "--limit", "10001"}, "--limit: '10001'"},
		{{"anomalies", "--limit", "12x"}, "--limit: '12x'"},
		{{"anomalies", "--format", "xml"}, "--format: 'xml' is not a format"},
		{{"person"}, "person needs a person id"},
		{{"person", "p1/../x"}, "person: 'p1/../x' is not a person id"},
		{{"person", "p1", "p2"}, "unexpected argument 'p2' after command 'person'"},
		{{"person", "p1", "--severity", "high"}, "command 'person' does not take --severity"},
		{{"risk", "--days", "0"}, "--days: '0' is not a number of days from 1 to 366"},
		{{"risk", "--at", "soon"}, "--at: 'soon' is not a time"},
		{{"summary", "--person", "p1"}, "command 'summary' does not take --person"},
		{{"vetting", "--at", "2026-11-01"}, "command 'vetting' does not take --at"},
		{{"anomalies", "--person", ""}, "--person needs a non-empty value"},
		{{"anomalies", "--since"}, "option '--since' needs a value"},
		{{"anomalies", "--bogus"}, "unknown option '--bogus'"},
		{{"anomalies", "-x"}, "unknown option '-x'"},
		{{"anomalies", "--timeout", "0"}, "--timeout: '0'"},
		{{"--token", "t", "--token-file", "f"}, "no command given"},
		{{"triage", "12", "--status", "resolved"}, "triage needs an anomaly id, --status and --note"},
		{{"triage", "--status", "resolved"}, "triage needs an anomaly id"},
		{{"triage", "12x"}, "triage: '12x' is not an anomaly id"},
		{{"triage", "012"}, "triage: '012' is not an anomaly id"},
		{{"triage", "12", "--severity", "high"}, "command 'triage' does not take --severity"},
		{{"triage", "12", "--status", "closed"}, "--status: 'closed' is not a status"},
		{{"anomalies", "--note", "x"}, "command 'anomalies' does not take --note"},
	};
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *argv[6] = {"vigil-report"};
		int argc = 1;

		for (int j = 0; j < 4 && cases[i].argv[j]; j++)
			argv[argc++] = (char *)cases[i].argv[j];
		argv[argc] = NULL;
		err[0] = '\0';
		assert_int_equal(rpt_args_parse(argc, argv, &args, err, sizeof err), -1);
		if (!strstr(err, cases[i].message))
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, cases[i].message);
	}
	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--token", "t",
			       "--token-file", "f", NULL),
			 -1);
	assert_string_equal(err, "give either --token or --token-file, not both");
	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--since", "2026-11-22",
			       "--until", "2026-11-01", NULL),
			 -1);
	assert_string_equal(err, "--since 2026-11-22 is later than --until 2026-11-01");
}

/* The collector and token fall back to the environment, then the default;
 * a missing or unsendable token is a usage error. */
static void args_resolve_uses_environment_and_token_file(void **state)
{
	char err[512], path[] = "/tmp/vigil-test-token-XXXXXX";
	int fd;

	(void)state;
	assert_int_equal(parse(&args, err, sizeof err, "anomalies", NULL), 0);
	assert_int_equal(rpt_args_resolve(&args, NULL, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "no officer token"));

	assert_int_equal(parse(&args, err, sizeof err, "anomalies", NULL), 0);
	assert_int_equal(rpt_args_resolve(&args, "", "envtok", err, sizeof err), 0);
	assert_string_equal(args.collector, RPT_DEFAULT_COLLECTOR);
	assert_string_equal(args.token, "envtok");

	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--token", "cli", NULL), 0);
	assert_int_equal(rpt_args_resolve(&args, "https://env:1", "envtok", err, sizeof err), 0);
	assert_string_equal(args.collector, "https://env:1");
	assert_string_equal(args.token, "cli");

	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--token", "a\r\nX-Evil: 1",
			       NULL),
			 0);
	assert_int_equal(rpt_args_resolve(&args, NULL, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "the token from --token contains spaces or control"));

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "  vgo_0123abcd \r\nsecond line\n", 29), 29);
	close(fd);
	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--token-file", path, NULL), 0);
	assert_int_equal(rpt_args_resolve(&args, NULL, "envtok", err, sizeof err), 0);
	assert_string_equal(args.token, "vgo_0123abcd");

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--token-file", path, NULL), 0);
	assert_int_equal(rpt_args_resolve(&args, NULL, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "no token on the first line"));
	unlink(path);

	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--token-file", path, NULL), 0);
	assert_int_equal(rpt_args_resolve(&args, NULL, NULL, err, sizeof err), -1);
	assert_non_null(strstr(err, "No such file or directory"));

	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--token", "t", "--ca",
			       "/nonexistent/ca.pem", NULL),
			 0);
	assert_int_equal(rpt_args_resolve(&args, NULL, NULL, err, sizeof err), -1);
	assert_string_equal(err, "--ca /nonexistent/ca.pem: No such file or directory");
}

/* Times go to the collector in the full event format, whatever was typed;
 * the limit is always sent so the report knows when it was cut. */
static void query_normalises_times_and_sends_the_limit(void **state)
{
	struct rpt_anomaly_query q;
	char err[256];

	(void)state;
	assert_int_equal(parse(&args, err, sizeof err, "anomalies", "--since", "2026-11-01",
			       "--until", "2026-11-22 08:30", "--person", "p1001", NULL),
			 0);
	rpt_anomaly_query_build(&args, &q);
	assert_int_equal(q.n, 4);
	assert_string_equal(q.params[0].name, "since");
	assert_string_equal(q.params[0].value, "2026-11-01T00:00:00.000Z");
	assert_string_equal(q.params[1].name, "until");
	assert_string_equal(q.params[1].value, "2026-11-22T08:30:00.000Z");
	assert_string_equal(q.params[2].name, "person");
	assert_string_equal(q.params[3].name, "limit");
	assert_string_equal(q.params[3].value, "100");
}

static void vocabulary_matches_the_design(void **state)
{
	(void)state;
	assert_int_equal(rpt_severity_rank("low"), 0);
	assert_int_equal(rpt_severity_rank("critical"), 3);
	assert_int_equal(rpt_severity_rank("Critical"), -1);
	assert_int_equal(rpt_severity_rank(NULL), -1);
	assert_true(rpt_anomaly_kind_known("audit_tamper"));
	assert_true(rpt_anomaly_kind_known("clearance_exceeded"));
	assert_false(rpt_anomaly_kind_known("audit"));
	assert_true(rpt_anomaly_status_known("false_positive"));
	assert_false(rpt_anomaly_status_known("closed"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(sanitize_makes_controls_visible),
		cmocka_unit_test(cells_measure_columns_and_cut_with_ellipsis),
		cmocka_unit_test(colour_only_on_a_terminal_without_no_color),
		cmocka_unit_test(text_matches_expected_output),
		cmocka_unit_test(text_fits_80_columns_and_aligns),
		cmocka_unit_test(text_uses_a_wider_line_when_given),
		cmocka_unit_test(text_empty_list_says_no_anomalies_match),
		cmocka_unit_test(text_null_person_shows_a_dash),
		cmocka_unit_test(text_shows_the_size_of_an_incident),
		cmocka_unit_test(text_neutralises_hostile_strings),
		cmocka_unit_test(text_tolerates_missing_and_mistyped_fields),
		cmocka_unit_test(text_colour_keeps_alignment),
		cmocka_unit_test(text_count_line_notes_the_limit),
		cmocka_unit_test(csv_matches_expected_output),
		cmocka_unit_test(csv_guards_formulas_and_quotes),
		cmocka_unit_test(csv_field_rules),
		cmocka_unit_test(csv_null_person_and_joined_lists),
		cmocka_unit_test(json_round_trips),
		cmocka_unit_test(json_escapes_terminal_controls),
		cmocka_unit_test(args_accepts_a_full_command_line),
		cmocka_unit_test(args_accepts_a_triage_step),
		cmocka_unit_test(args_accepts_the_officer_views),
		cmocka_unit_test(args_rejects_usage_errors),
		cmocka_unit_test(args_resolve_uses_environment_and_token_file),
		cmocka_unit_test(query_normalises_times_and_sends_the_limit),
		cmocka_unit_test(vocabulary_matches_the_design),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
