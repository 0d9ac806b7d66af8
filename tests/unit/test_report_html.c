/*
 * test_report_html: the HTML reports' one escaping function, the page
 * frame, and the SVG charts (reports/rpt_html.c, reports/rpt_svg.c), plus
 * the new report renderers on documents shaped like the collector's.
 *
 * What matters: nothing from the data reaches the page unescaped (a host
 * name cannot open a tag, an attribute or a script), the page references
 * nothing outside itself, and the charts put marks where the numbers say.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "rpt_html.h"
#include "rpt_person.h"
#include "rpt_risk.h"
#include "rpt_summary.h"
#include "rpt_svg.h"
#include "rpt_text.h"

/* Output captured in memory. */
struct capture {
	char *buf;
	size_t size;
	FILE *f;
};

static void cap_open(struct capture *c)
{
	c->buf = NULL;
	c->size = 0;
	c->f = open_memstream(&c->buf, &c->size);
	assert_non_null(c->f);
}

static char *cap_close(struct capture *c)
{
	assert_int_equal(fclose(c->f), 0);
	return c->buf;
}

static char *escaped(const char *s, size_t len)
{
	struct capture c;
	cap_open(&c);
	assert_int_equal(rpt_html_escape(c.f, s, len), 0);
	return cap_close(&c);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* ---- escaping ------------------------------------------------------------ */

/* The five characters that matter in HTML text and quoted attributes. */
static void escape_markup_characters(void **state)
{
	(void)state;
	const char *in = "<script>alert(\"x\")</script> & 'q'";
	char *out = escaped(in, strlen(in));
	assert_string_equal(out, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;");
	free(out);
	out = escaped("<img src=x onerror=alert(1)>", 28);
	assert_null(strchr(out, '<'));
	assert_null(strchr(out, '>'));
	free(out);
	out = escaped(NULL, 0);
	assert_string_equal(out, "-");
	free(out);
	out = escaped("Zoë Łukasz 日本", strlen("Zoë Łukasz 日本"));
	assert_string_equal(out, "Zoë Łukasz 日本");
	free(out);
}

/* Controls, bidirectional overrides, NUL and bytes that are not UTF-8 are
 * shown as visible escapes, as on a terminal. */
static void escape_neutralises_controls(void **state)
{
	(void)state;
	const char in[] = "a\x1b[31mb\xe2\x80\xae" "c\x00" "d\xff\n";
	char *out = escaped(in, sizeof in - 1);
	assert_string_equal(out, "a\\x1b[31mb\\u202ec\\x00d\\xff\\n");
	free(out);
}

/* ---- the page ------------------------------------------------------------- */

static void page_is_self_contained(void **state)
{
	struct capture c;
	(void)state;
	cap_open(&c);
	assert_int_equal(rpt_html_begin(c.f, "Risk <ranking>", "as of \"now\""), 0);
	assert_int_equal(rpt_html_para(c.f, "muted", "x & y"), 0);
	assert_int_equal(rpt_html_end(c.f), 0);
	char *out = cap_close(&c);
	assert_int_equal(strncmp(out, "<!DOCTYPE html>\n", 16), 0);
	assert_non_null(strstr(out, "<title>vigil: Risk &lt;ranking&gt;</title>"));
	assert_non_null(strstr(out, "<h1>Risk &lt;ranking&gt;</h1>"));
	assert_non_null(strstr(out, "as of &quot;now&quot;"));
	assert_non_null(strstr(out, "<p class=\"muted\">x &amp; y</p>"));
	assert_non_null(strstr(out, "Content-Security-Policy"));
	assert_non_null(strstr(out, "default-src 'none'"));
	assert_non_null(strstr(out, "@media print"));
	assert_null(strstr(out, "http://"));
	assert_null(strstr(out, "https://"));
	assert_null(strstr(out, "<script"));
	assert_null(strstr(out, "<link"));
	assert_int_equal(count(out, "<html"), 1);
	assert_non_null(strstr(out, "</body>\n</html>\n"));
	free(out);
}

/* ---- charts ---------------------------------------------------------------- */

/* Two points, 0 and 100 on a 0..100 axis: the line runs from the bottom
 * left to the top right of the plot area (x 40..550, y 216..12); values
 * outside the axis are clamped; names are escaped. */
static void line_chart_places_points(void **state)
{
	struct capture c;
	const char *days[] = {"2026-11-01", "2026-11-02"};
	double a[] = {0, 100}, b[] = {-5, 250};
	struct rpt_svg_series s[] = {{"<b>Ann</b>", a}, {"Ben", b}};
	(void)state;
	cap_open(&c);
	assert_int_equal(rpt_svg_lines(c.f, "Risk over time", days, 2, s, 2, 100), 0);
	char *out = cap_close(&c);
	assert_non_null(strstr(out, "<figure class=\"chart\"><figcaption>Risk over time</figcaption>"));
	assert_int_equal(count(out, "points=\"40.0,216.0 550.0,12.0\""), 2);
	assert_non_null(strstr(out, "&lt;b&gt;Ann&lt;/b&gt;"));
	assert_null(strstr(out, "<b>"));
	assert_non_null(strstr(out, ">2026-11-01</text>"));
	assert_non_null(strstr(out, ">2026-11-02</text>"));
	assert_int_equal(count(out, "<svg"), 1);
	assert_int_equal(count(out, "</svg>"), 1);
	assert_null(strstr(out, "http"));
	free(out);

	cap_open(&c);
	assert_int_equal(rpt_svg_lines(c.f, "Empty", NULL, 0, NULL, 0, 100), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out, "no data"));
	assert_null(strstr(out, "<polyline"));
	free(out);
}

/* Bars are scaled to the longest total (490 units); segments stack. */
static void bar_chart_scales_and_stacks(void **state)
{
	struct capture c;
	const char *seg[] = {"low", "medium", "high", "critical"};
	struct rpt_svg_bar bars[] = {{"need_to_know", {1, 0, 0, 1}}, {"x<y", {0, 0, 4, 0}}};
	(void)state;
	cap_open(&c);
	assert_int_equal(rpt_svg_bars(c.f, "Anomalies by kind", bars, 2, seg, 4), 0);
	char *out = cap_close(&c);
	assert_int_equal(count(out, "width=\"122.5\""), 2);
	assert_int_equal(count(out, "width=\"490.0\""), 1);
	assert_non_null(strstr(out, "<rect x=\"292.5\""));          /* 170 + 122.5: stacked */
	assert_non_null(strstr(out, ">x&lt;y</text>"));
	assert_non_null(strstr(out, "<title>need_to_know: 1 critical</title>"));
	free(out);
}

/* The busiest cell is fully shaded, empty cells are grey, every cell says
 * what it counts. */
static void heatmap_shades_by_count(void **state)
{
	struct capture c;
	int64_t cells[7][24];
	(void)state;
	memset(cells, 0, sizeof cells);
	cells[0][9] = 8;
	cells[6][23] = 2;
	cap_open(&c);
	assert_int_equal(rpt_svg_heatmap(c.f, "Activity", cells), 0);
	char *out = cap_close(&c);
	assert_int_equal(count(out, "<rect"), 7 * 24);
	assert_int_equal(count(out, "fill-opacity=\"1.00\""), 7 * 24 - 1);   /* 166 empty + the busiest */
	assert_int_equal(count(out, "fill=\"#f6f8fa\""), 7 * 24 - 2);
	assert_non_null(strstr(out, "<title>Mon 09:00-09:59 UTC: 8 events</title>"));
	assert_non_null(strstr(out, "fill-opacity=\"0.36\" stroke=\"#d1d9e0\"><title>Sun 23:00-23:59 UTC: 2 events"));
	free(out);
}

/* ---- renderers on collector documents ----------------------------------- */

static json_t *load(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, 0, &je);
	if (!j)
		fail_msg("%d: %s", je.line, je.text);
	return j;
}

static const char risk_doc[] =
	"{\"at\":\"2026-11-20T17:47:11.000Z\",\"half_life_days\":14,\"days\":2,\"persons\":["
	"{\"person\":\"p1\",\"name\":\"<Ann>\",\"score\":71.5,\"anomalies_counted\":1,"
	" \"trend\":[{\"day\":\"2026-11-19\",\"score\":0},{\"day\":\"2026-11-20\",\"score\":71.5}],"
	" \"anomalies\":[{\"id\":7,\"kind\":\"need_to_know\",\"severity\":\"high\","
	"  \"time\":\"2026-11-20T10:00:00.000Z\",\"count\":3,\"contribution\":31.02}]}]}";

/* Every format of the ranking: the text fits 80 columns, CSV has a row
 * per person, HTML carries a chart and escapes the name. */
static void risk_renders_every_format(void **state)
{
	struct capture c;
	struct rpt_render_opts ro = {.width = 80};
	json_t *doc = load(risk_doc);
	(void)state;

	cap_open(&c);
	assert_int_equal(rpt_render_risk(c.f, doc, RPT_FORMAT_TEXT, &ro), 0);
	char *out = cap_close(&c);
	assert_non_null(strstr(out, "Risk as of 2026-11-20 17:47 UTC (half-life 14 days"));
	assert_non_null(strstr(out, "<Ann>"));        /* text is not HTML: shown as it is */
	assert_non_null(strstr(out, "71.5"));
	assert_non_null(strstr(out, "#7 need_to_know high 31.0"));
	assert_non_null(strstr(out, "\u2581\u2586"));  /* sparkline: 0, then 71.5 of 100 */
	free(out);

	cap_open(&c);
	assert_int_equal(rpt_render_risk(c.f, doc, RPT_FORMAT_CSV, NULL), 0);
	out = cap_close(&c);
	assert_string_equal(out, "rank,person,name,score,anomalies_counted,trend,top_anomalies\r\n"
	                         "1,p1,<Ann>,71.5,1,2026-11-19:0;2026-11-20:71.5,#7 need_to_know high 31.0\r\n");
	free(out);

	cap_open(&c);
	assert_int_equal(rpt_render_risk(c.f, doc, RPT_FORMAT_HTML, NULL), 0);
	out = cap_close(&c);
	assert_int_equal(strncmp(out, "<!DOCTYPE html>", 15), 0);
	assert_non_null(strstr(out, "<svg"));
	assert_non_null(strstr(out, "<polyline"));
	assert_non_null(strstr(out, "&lt;Ann&gt;"));
	assert_null(strstr(out, "<Ann>"));
	free(out);
	json_decref(doc);
}

static const char person_doc[] =
	"{\"person\":\"p1\",\"at\":\"2026-11-20T17:47:11.000Z\",\"name\":\"Ann\",\"in_policy\":true,"
	" \"accounts\":[\"ann\"],\"groups\":[\"eng\"],"
	" \"clearance\":{\"level\":\"SECRET\",\"status\":\"active\",\"granted\":\"2020-01-01\","
	"  \"review_due\":\"2030-01-01\",\"investigated\":null,\"interim_expires\":null,\"nda_signed\":null},"
	" \"compartments\":[{\"name\":\"FALCON\",\"read_on\":\"2021-02-03\",\"debriefed\":null}],"
	" \"hosts\":[\"ws-*\"],\"schedule\":\"office\","
	" \"activity\":{\"since\":\"2026-08-22T17:47:11.000Z\",\"until\":\"2026-11-20T17:47:11.000Z\","
	"  \"events\":5,\"hosts\":[{\"host\":\"ws-1\\u001b[2J\",\"events\":5,\"first\":\"2026-11-16T08:39:32.000Z\","
	"  \"last\":\"2026-11-17T17:36:52.712Z\"}],"
	"  \"hour_of_week\":[[0,0,0,0,0,0,0,0,0,5,0,0,0,0,0,0,0,0,0,0,0,0,0,0]]},"
	" \"anomalies\":[],"
	" \"risk\":{\"score\":0,\"half_life_days\":14,\"anomalies_counted\":0,"
	"  \"trend\":[{\"day\":\"2026-11-20\",\"score\":0}],\"top\":[]}}";

/* The dossier: facts in the text, the heat-map in every format, a hostile
 * host name neutralised in text and HTML. */
static void person_renders_every_format(void **state)
{
	struct capture c;
	struct rpt_render_opts ro = {.width = 80};
	json_t *doc = load(person_doc);
	int64_t cells[7][24];
	(void)state;

	rpt_person_hours(doc, cells);
	assert_int_equal(cells[0][9], 5);
	assert_int_equal(cells[1][9], 0);             /* a missing row counts 0 */

	cap_open(&c);
	assert_int_equal(rpt_render_person(c.f, doc, RPT_FORMAT_TEXT, &ro), 0);
	char *out = cap_close(&c);
	assert_non_null(strstr(out, "Clearance     SECRET, active; granted 2020-01-01, review due 2030-01-01\n"));
	assert_non_null(strstr(out, "Compartments  FALCON (read on 2021-02-03)\n"));
	assert_non_null(strstr(out, "ws-1\\x1b[2J"));
	assert_null(strchr(out, '\x1b'));
	assert_non_null(strstr(out, "Mon  \u00b7\u00b7"));
	assert_non_null(strstr(out, "no anomalies match"));
	for (char *line = out; *line;) {
		char *nl = strchr(line, '\n');
		assert_non_null(nl);
		*nl = '\0';
		assert_true(rpt_text_width(line) <= 80);
		line = nl + 1;
	}
	free(out);

	cap_open(&c);
	assert_int_equal(rpt_render_person(c.f, doc, RPT_FORMAT_CSV, NULL), 0);
	out = cap_close(&c);
	assert_non_null(strstr(out, "section,field,value\r\nfact,Person,p1 Ann\r\n"));
	assert_non_null(strstr(out, "hour,Mon,0,0,0,0,0,0,0,0,0,5,0"));
	assert_non_null(strstr(out, "hour,Tue,0,"));
	free(out);

	cap_open(&c);
	assert_int_equal(rpt_render_person(c.f, doc, RPT_FORMAT_HTML, NULL), 0);
	out = cap_close(&c);
	assert_int_equal(count(out, "<svg"), 2);      /* risk over time, heat-map */
	assert_non_null(strstr(out, "Mon 09:00-09:59 UTC: 5 events"));
	assert_null(strchr(out, '\x1b'));
	assert_int_equal(count(out, "<table"), count(out, "</table>"));
	free(out);
	json_decref(doc);
}

/* A document of the wrong shape is refused, not half rendered. */
static void renderers_refuse_wrong_shapes(void **state)
{
	struct capture c;
	json_t *bad = load("{\"persons\":3}");
	(void)state;
	cap_open(&c);
	assert_int_equal(rpt_render_risk(c.f, bad, RPT_FORMAT_HTML, NULL), -1);
	assert_int_equal(rpt_render_person(c.f, bad, RPT_FORMAT_TEXT, NULL), -1);
	assert_int_equal(rpt_render_summary(c.f, bad, RPT_FORMAT_CSV, NULL), -1);
	free(cap_close(&c));
	json_decref(bad);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape_markup_characters),
		cmocka_unit_test(escape_neutralises_controls),
		cmocka_unit_test(page_is_self_contained),
		cmocka_unit_test(line_chart_places_points),
		cmocka_unit_test(bar_chart_scales_and_stacks),
		cmocka_unit_test(heatmap_shades_by_count),
		cmocka_unit_test(risk_renders_every_format),
		cmocka_unit_test(person_renders_every_format),
		cmocka_unit_test(renderers_refuse_wrong_shapes),
	};
	return cmocka_run_group_tests_name("report_html", tests, NULL, NULL);
}
