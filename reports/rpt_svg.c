/*
 * rpt_svg: line, bar and heat-map charts as inline SVG.
 *
 * Coordinates are computed here and written with one decimal; the viewBox
 * makes the chart scale to the page, and sizes are chosen to read well on
 * A4 paper. Numbers are formatted by printf in the C locale (vigil-report
 * never calls setlocale), so decimal points stay points.
 */
#include "rpt_svg.h"

#include "rpt_html.h"

#include <string.h>

static const char *const series_colours[RPT_SVG_MAX_SERIES] = {
	"#0969da", "#cf222e", "#1a7f37", "#8250df", "#bc4c00", "#1b7c83", "#9a6700", "#57606a",
};
static const char *const severity_colours[RPT_SVG_MAX_SEGMENTS] = {
	"#8c959f", "#d4a72c", "#cf222e", "#82071e",
};

static void figure_begin(FILE *out, const char *title, int w, int h)
{
	fputs("<figure class=\"chart\"><figcaption>", out);
	rpt_html_text(out, title);
	fprintf(out, "</figcaption>\n<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\">"
	        "<title>", w, h, w, h);
	rpt_html_text(out, title);
	fputs("</title>\n", out);
}

static int figure_end(FILE *out)
{
	fputs("</svg></figure>\n", out);
	return ferror(out) ? -1 : 0;
}

/* Text at (x, y); anchor "start", "middle" or "end". */
static void text_at(FILE *out, double x, double y, const char *anchor, const char *fill, const char *s)
{
	fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" fill=\"%s\">", x, y, anchor, fill);
	rpt_html_text(out, s);
	fputs("</text>", out);
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int rpt_svg_lines(FILE *out, const char *title, const char *const *xlabels, size_t n,
                  const struct rpt_svg_series *series, size_t nseries, double ymax)
{
	const int W = 760, H = 250, L = 40, R = 210, T = 12, B = 34;
	const double pw = W - L - R, ph = H - T - B;
	char buf[32];

	if (!(ymax > 0))
		ymax = 1;
	if (nseries > RPT_SVG_MAX_SERIES)
		nseries = RPT_SVG_MAX_SERIES;
	figure_begin(out, title, W, H);
	/* Grid and y axis: four bands. */
	for (int k = 0; k <= 4; k++) {
		double y = T + ph - ph * k / 4.0;
		fprintf(out, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#d1d9e0\"/>", L, y,
		        L + pw, y);
		snprintf(buf, sizeof buf, "%g", ymax * k / 4.0);
		text_at(out, L - 4, y + 4, "end", "#59636e", buf);
	}
	fputc('\n', out);
	if (n == 0) {
		text_at(out, L + pw / 2, T + ph / 2, "middle", "#59636e", "no data");
		return figure_end(out);
	}
	/* Six date labels at most, evenly spaced, the first and the last among
	 * them. */
	size_t nl = n < 6 ? n : 6;
	for (size_t k = 0; k < nl; k++) {
		size_t i = nl == 1 ? n - 1 : (k * (n - 1) + (nl - 1) / 2) / (nl - 1);
		double x = n == 1 ? L + pw / 2 : L + pw * (double)i / (double)(n - 1);
		const char *anchor = n > 1 && k == 0 ? "start" : n > 1 && k == nl - 1 ? "end" : "middle";
		text_at(out, x, T + ph + 16, anchor, "#59636e", xlabels[i]);
	}
	fputc('\n', out);
	for (size_t s = 0; s < nseries; s++) {
		const char *c = series_colours[s];
		fprintf(out, "<g><title>");
		rpt_html_text(out, series[s].name);
		fprintf(out, "</title><polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"", c);
		for (size_t i = 0; i < n; i++) {
			double x = n == 1 ? L + pw / 2 : L + pw * (double)i / (double)(n - 1);
			double y = T + ph - ph * clamp(series[s].y[i], 0, ymax) / ymax;
			fprintf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
		}
		fputs("\"/>", out);
		/* The last point marked and labelled with its value. */
		double lx = n == 1 ? L + pw / 2 : L + pw;
		double ly = T + ph - ph * clamp(series[s].y[n - 1], 0, ymax) / ymax;
		fprintf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/></g>\n", lx, ly, c);
		/* Legend. */
		double gy = T + 8 + 16.0 * (double)s;
		fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"12\" height=\"3\" fill=\"%s\"/>", L + pw + 12,
		        gy - 4, c);
		snprintf(buf, sizeof buf, " %.1f", series[s].y[n - 1]);
		fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" fill=\"#1f2328\">", L + pw + 28, gy);
		rpt_html_text(out, series[s].name);
		rpt_html_text(out, buf);
		fputs("</text>\n", out);
	}
	return figure_end(out);
}

int rpt_svg_bars(FILE *out, const char *title, const struct rpt_svg_bar *bars, size_t n,
                 const char *const *segment_names, size_t nseg)
{
	const int W = 720, L = 170, R = 60, T = 26, ROW = 20;
	const int H = T + ROW * (int)(n ? n : 1) + 8;
	const double pw = W - L - R;
	double max = 0;
	char buf[32];

	if (nseg > RPT_SVG_MAX_SEGMENTS)
		nseg = RPT_SVG_MAX_SEGMENTS;
	for (size_t i = 0; i < n; i++) {
		double t = 0;
		for (size_t k = 0; k < nseg; k++)
			t += bars[i].v[k] > 0 ? bars[i].v[k] : 0;
		max = t > max ? t : max;
	}
	figure_begin(out, title, W, H);
	for (size_t k = 0; k < nseg; k++) {
		double x = L + 90.0 * (double)k;
		fprintf(out, "<rect x=\"%.1f\" y=\"6\" width=\"10\" height=\"10\" fill=\"%s\"/>", x,
		        severity_colours[k]);
		text_at(out, x + 14, 15, "start", "#1f2328", segment_names[k]);
	}
	fputc('\n', out);
	if (n == 0 || max <= 0) {
		text_at(out, L + pw / 2, T + 14, "middle", "#59636e", "none");
		return figure_end(out);
	}
	for (size_t i = 0; i < n; i++) {
		double y = T + ROW * (double)i, x = L, total = 0;
		text_at(out, L - 6, y + 14, "end", "#1f2328", bars[i].label);
		for (size_t k = 0; k < nseg; k++) {
			double v = bars[i].v[k] > 0 ? bars[i].v[k] : 0, w = pw * v / max;
			if (v <= 0)
				continue;
			fprintf(out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%d\" fill=\"%s\"><title>",
			        x, y + 3, w, ROW - 6, severity_colours[k]);
			rpt_html_text(out, bars[i].label);
			snprintf(buf, sizeof buf, ": %g ", v);
			rpt_html_text(out, buf);
			rpt_html_text(out, segment_names[k]);
			fputs("</title></rect>", out);
			x += w;
			total += v;
		}
		snprintf(buf, sizeof buf, "%g", total);
		text_at(out, x + 4, y + 14, "start", "#1f2328", buf);
		fputc('\n', out);
	}
	return figure_end(out);
}

int rpt_svg_heatmap(FILE *out, const char *title, const int64_t cells[7][24])
{
	static const char *const days[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	const int CW = 26, CH = 20, L = 40, T = 8;
	const int W = L + 24 * CW + 8, H = T + 7 * CH + 24;
	int64_t max = 0;
	char buf[64];

	for (int d = 0; d < 7; d++)
		for (int h = 0; h < 24; h++)
			max = cells[d][h] > max ? cells[d][h] : max;
	figure_begin(out, title, W, H);
	for (int d = 0; d < 7; d++) {
		text_at(out, L - 6, T + CH * d + 14, "end", "#1f2328", days[d]);
		for (int h = 0; h < 24; h++) {
			int64_t v = cells[d][h];
			double shade = max > 0 && v > 0 ? 0.15 + 0.85 * (double)v / (double)max : 0;
			fprintf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\" "
			        "fill-opacity=\"%.2f\" stroke=\"#d1d9e0\"><title>", L + CW * h, T + CH * d, CW, CH,
			        v > 0 ? "#0969da" : "#f6f8fa", v > 0 ? shade : 1.0);
			snprintf(buf, sizeof buf, "%s %02d:00-%02d:59 UTC: %lld events", days[d], h, h,
			         (long long)v);
			rpt_html_text(out, buf);
			fputs("</title></rect>", out);
		}
		fputc('\n', out);
	}
	for (int h = 0; h < 24; h += 3) {
		snprintf(buf, sizeof buf, "%02d", h);
		text_at(out, L + CW * h + CW / 2.0, T + 7 * CH + 16, "middle", "#59636e", buf);
	}
	fputc('\n', out);
	return figure_end(out);
}
