/*
 * rpt_html: escaping, the page frame and tables for the HTML reports.
 *
 * The stylesheet is written inline so a report can be mailed, archived or
 * printed to PDF as one file; @media print drops the screen chrome, keeps
 * table headers on every page and keeps a chart or a table row from being
 * split across pages.
 */
#include "rpt_html.h"

#include "rpt_field.h"
#include "rpt_svg.h"
#include "rpt_text.h"
#include "vg_time.h"

#include <stdlib.h>
#include <string.h>

int rpt_html_escape(FILE *out, const char *s, size_t len)
{
	if (!s)
		return fputs("-", out) == EOF ? -1 : 0;
	char *safe = rpt_text_sanitize(s, len);
	if (!safe)
		return -1;
	for (const char *p = safe; *p; p++) {
		switch (*p) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*p, out);
		}
	}
	free(safe);
	return ferror(out) ? -1 : 0;
}

int rpt_html_text(FILE *out, const char *s)
{
	return rpt_html_escape(out, s, s ? strlen(s) : 0);
}

static const char css[] =
	":root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--head:#f6f8fa;"
	"--low:#57606a;--medium:#9a6700;--high:#cf222e;--critical:#82071e}"
	"*{box-sizing:border-box}"
	"body{font:14px/1.45 -apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:var(--fg);"
	"background:var(--bg);margin:0 auto;max-width:1100px;padding:16px 24px}"
	"header{border-bottom:2px solid var(--fg);margin-bottom:16px}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:24px 0 8px;"
	"border-bottom:1px solid var(--line);padding-bottom:4px}"
	".sub{color:var(--muted);margin:0 0 8px}.muted{color:var(--muted)}"
	"table{border-collapse:collapse;width:100%;margin:8px 0}"
	"th,td{border:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}"
	"thead th{background:var(--head)}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}"
	"table.facts{width:auto}table.facts th{background:var(--head);font-weight:600;white-space:nowrap}"
	"td{white-space:nowrap}td.sum,td.wrap,table.facts td{white-space:normal}td.sum{min-width:18em}"
	".sev-low{color:var(--low)}.sev-medium{color:var(--medium);font-weight:600}"
	".sev-high{color:var(--high);font-weight:600}"
	".sev-critical{color:#fff;background:var(--critical);font-weight:700}"
	"figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}"
	"svg{max-width:100%;height:auto;font:11px Helvetica,Arial,sans-serif}"
	".cols{display:flex;flex-wrap:wrap;gap:24px}.cols>*{flex:1 1 420px}"
	"footer{margin-top:24px;border-top:1px solid var(--line);color:var(--muted);font-size:12px}"
	"@page{size:A4;margin:14mm}"
	"@media print{body{max-width:none;padding:0;font-size:10pt}"
	"header{border-bottom-width:1px}thead{display:table-header-group}"
	"tr,figure,svg,table.facts{break-inside:avoid;page-break-inside:avoid}"
	"h2{break-after:avoid;page-break-after:avoid}"
	".sev-critical{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
	"footer{position:static}}";

int rpt_html_begin(FILE *out, const char *title, const char *subtitle)
{
	char now[VG_TIME_LEN];

	vg_time_format(vg_time_now(), now);
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"generator\" content=\"vigil-report\">\n<title>vigil: ", out);
	rpt_html_text(out, title);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>", css);
	rpt_html_text(out, title);
	fputs("</h1>\n", out);
	if (subtitle) {
		fputs("<p class=\"sub\">", out);
		rpt_html_text(out, subtitle);
		fputs("</p>\n", out);
	}
	fprintf(out, "<p class=\"sub\">Generated %s by vigil-report.</p>\n</header>\n<main>\n", now);
	return ferror(out) ? -1 : 0;
}

int rpt_html_end(FILE *out)
{
	fputs("</main>\n<footer><p>vigil: personnel vetting and insider-threat monitoring. "
	      "Times are UTC.</p></footer>\n</body>\n</html>\n", out);
	return ferror(out) ? -1 : 0;
}

int rpt_html_h2(FILE *out, const char *text)
{
	fputs("<h2>", out);
	rpt_html_text(out, text);
	fputs("</h2>\n", out);
	return ferror(out) ? -1 : 0;
}

static void class_attr(FILE *out, const char *cls)
{
	if (cls) {
		fputs(" class=\"", out);
		rpt_html_text(out, cls);
		fputc('"', out);
	}
}

int rpt_html_para(FILE *out, const char *cls, const char *text)
{
	fputs("<p", out);
	class_attr(out, cls);
	fputc('>', out);
	rpt_html_text(out, text);
	fputs("</p>\n", out);
	return ferror(out) ? -1 : 0;
}

int rpt_html_table_begin(FILE *out, const char *cls, const char *const *headers, size_t n)
{
	fputs("<table", out);
	class_attr(out, cls);
	fputs(">\n<thead><tr>", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<th>", out);
		rpt_html_text(out, headers[i]);
		fputs("</th>", out);
	}
	fputs("</tr></thead>\n<tbody>\n", out);
	return ferror(out) ? -1 : 0;
}

int rpt_html_row_begin(FILE *out)
{
	return fputs("<tr>", out) == EOF ? -1 : 0;
}

int rpt_html_cell(FILE *out, const char *text, const char *cls)
{
	fputs("<td", out);
	class_attr(out, cls);
	fputc('>', out);
	rpt_html_text(out, text);
	fputs("</td>", out);
	return ferror(out) ? -1 : 0;
}

int rpt_html_row_end(FILE *out)
{
	return fputs("</tr>\n", out) == EOF ? -1 : 0;
}

int rpt_html_table_end(FILE *out)
{
	return fputs("</tbody>\n</table>\n", out) == EOF ? -1 : 0;
}

int rpt_html_fact(FILE *out, const char *key, const char *value)
{
	fputs("<tr><th>", out);
	rpt_html_text(out, key);
	fputs("</th><td>", out);
	rpt_html_text(out, value);
	fputs("</td></tr>\n", out);
	return ferror(out) ? -1 : 0;
}

const char *rpt_html_severity_class(const char *severity)
{
	static const char *const names[] = {"low", "medium", "high", "critical"};
	static const char *const classes[] = {"sev-low", "sev-medium", "sev-high", "sev-critical"};
	for (size_t i = 0; severity && i < sizeof names / sizeof names[0]; i++)
		if (strcmp(severity, names[i]) == 0)
			return classes[i];
	return NULL;
}

int rpt_html_anomaly_table(FILE *out, const json_t *anomalies)
{
	static const char *const head[] = {"ID", "Time (UTC)", "Severity", "Kind", "Person/account",
	                                   "Host", "Status", "Events", "Summary"};
	const json_t *a;
	size_t i;
	char b1[RPT_FIELD_BUF], b2[RPT_FIELD_BUF];

	if (json_array_size(anomalies) == 0)
		return rpt_html_para(out, "muted", "No anomalies.");
	rpt_html_table_begin(out, "anomalies", head, sizeof head / sizeof head[0]);
	json_array_foreach(anomalies, i, a) {
		const char *sev = rpt_field(a, "severity", b1);
		rpt_html_row_begin(out);
		rpt_html_cell(out, rpt_field(a, "id", b1), "num");
		rpt_html_cell(out, rpt_short_time(rpt_field(a, "time", b2), b2), "time");
		sev = json_string_value(json_object_get(a, "severity"));
		rpt_html_cell(out, sev, rpt_html_severity_class(sev));
		rpt_html_cell(out, rpt_field(a, "kind", b1), NULL);
		fputs("<td>", out);
		rpt_html_text(out, rpt_field(a, "person", b1));
		fputc('/', out);
		rpt_html_text(out, rpt_field(a, "account", b2));
		fputs("</td>", out);
		rpt_html_cell(out, rpt_field(a, "host", b1), NULL);
		rpt_html_cell(out, rpt_field(a, "status", b1), NULL);
		rpt_html_cell(out, rpt_field_or(a, "count", b1, "1"), "num");
		rpt_html_cell(out, rpt_field(a, "summary", b2), "sum");
		rpt_html_row_end(out);
	}
	return rpt_html_table_end(out);
}

int rpt_html_kind_chart(FILE *out, const json_t *anomalies, const char *title)
{
	static const char *const sev[] = {"low", "medium", "high", "critical"};
	struct rpt_svg_bar bars[64];
	size_t n = 0, i;
	const json_t *a;

	memset(bars, 0, sizeof bars);
	json_array_foreach(anomalies, i, a) {
		const char *kind = json_string_value(json_object_get(a, "kind"));
		const char *s = json_string_value(json_object_get(a, "severity"));
		size_t k = 0;
		if (!kind)
			continue;
		while (k < n && strcmp(bars[k].label, kind) != 0)
			k++;
		if (k == n) {
			if (n == sizeof bars / sizeof bars[0])
				continue;
			bars[n++].label = kind;
		}
		for (int j = 0; j < 4; j++)
			if (s && strcmp(s, sev[j]) == 0)
				bars[k].v[j] += 1;
	}
	return rpt_svg_bars(out, title, bars, n, sev, 4);
}
