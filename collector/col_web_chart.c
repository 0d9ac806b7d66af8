/*
 * col_web_chart: the dashboard's charts as inline SVG drawn on the server.
 *
 * Colours come from CSS classes and presentation attributes (fill-opacity),
 * never from style attributes, so the pages keep a Content-Security-Policy
 * without 'unsafe-inline'. Every label is escaped like any other text.
 */
#include "col_web_page.h"

#include <stdio.h>
#include <string.h>

#define WIDTH 640

/* Opens <figure><svg> with a title read by screen readers. */
static void svg_open(struct col_web_page *p, const char *title, int height)
{
	col_html_raw(&p->h, "<figure class=\"chart\"><svg viewBox=\"0 0 ");
	col_html_int(&p->h, WIDTH);
	col_html_raw(&p->h, " ");
	col_html_int(&p->h, height);
	col_html_raw(&p->h, "\" role=\"img\" aria-label=\"");
	col_html_text(&p->h, title);
	col_html_raw(&p->h, "\"><title>");
	col_html_text(&p->h, title);
	col_html_raw(&p->h, "</title>");
}

static void svg_close(struct col_web_page *p, const char *title)
{
	col_html_raw(&p->h, "</svg><figcaption>");
	col_html_text(&p->h, title);
	col_html_raw(&p->h, "</figcaption></figure>\n");
}

/* <text x y [anchor]>s</text>, s cut to at most max bytes on a character
 * boundary with an ellipsis. */
static void svg_text(struct col_web_page *p, double x, double y, const char *anchor, const char *cls,
                     const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	int cut = n > max;
	if (cut) {
		n = max;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
	}
	col_html_raw(&p->h, "<text x=\"");
	col_html_num(&p->h, x, 1);
	col_html_raw(&p->h, "\" y=\"");
	col_html_num(&p->h, y, 1);
	col_html_raw(&p->h, "\"");
	if (anchor) {
		col_html_raw(&p->h, " text-anchor=\"");
		col_html_raw(&p->h, anchor);
		col_html_raw(&p->h, "\"");
	}
	if (cls) {
		col_html_raw(&p->h, " class=\"");
		col_html_raw(&p->h, cls);
		col_html_raw(&p->h, "\"");
	}
	col_html_raw(&p->h, ">");
	col_html_textn(&p->h, s ? s : "", n);
	if (cut)
		col_html_raw(&p->h, "\xe2\x80\xa6");
	col_html_raw(&p->h, "</text>");
}

static void svg_rect(struct col_web_page *p, double x, double y, double w, double hgt, const char *cls)
{
	col_html_raw(&p->h, "<rect x=\"");
	col_html_num(&p->h, x, 1);
	col_html_raw(&p->h, "\" y=\"");
	col_html_num(&p->h, y, 1);
	col_html_raw(&p->h, "\" width=\"");
	col_html_num(&p->h, w, 1);
	col_html_raw(&p->h, "\" height=\"");
	col_html_num(&p->h, hgt, 1);
	col_html_raw(&p->h, "\" class=\"");
	col_html_raw(&p->h, cls ? cls : "bar");
	col_html_raw(&p->h, "\"/>");
}

static void svg_value(struct col_web_page *p, double x, double y, double v)
{
	char b[32];
	double r = v < 0 ? -v : v;
	snprintf(b, sizeof b, r == (double)(long long)r ? "%.0f" : "%.1f", v);
	svg_text(p, x, y, NULL, "val", b, sizeof b);
}

/* The first and last labels under a plot whose axis is at y, or "nothing
 * to show" at empty_y when there are no points. */
static void svg_x_ends(struct col_web_page *p, const char *const *labels, size_t n, double left,
                       double y, double empty_y)
{
	if (n == 0) {
		svg_text(p, WIDTH / 2.0, empty_y, "middle", "empty", "nothing to show", 32);
		return;
	}
	svg_text(p, left, y + 18, "start", NULL, labels[0], 10);
	if (n > 1)
		svg_text(p, WIDTH - 10, y + 18, "end", NULL, labels[n - 1], 10);
}

/* A polyline through ys[0..n) in the box at (x0, y0) of w x hgt, with max
 * at its top. */
static void svg_polyline(struct col_web_page *p, const double *ys, size_t n, double max, double x0,
                         double y0, double w, double hgt)
{
	col_html_raw(&p->h, "<polyline class=\"line\" points=\"");
	for (size_t i = 0; i < n; i++) {
		double x = x0 + (n > 1 ? w * (double)i / (double)(n - 1) : w / 2);
		double y = y0 + hgt - (max > 0 ? hgt * ys[i] / max : 0);
		col_html_num(&p->h, x, 1);
		col_html_raw(&p->h, ",");
		col_html_num(&p->h, y, 1);
		col_html_raw(&p->h, " ");
	}
	col_html_raw(&p->h, "\"/>");
}

void col_web_svg_bars(struct col_web_page *p, const char *title, const struct col_web_bar *bars,
                      size_t n)
{
	const double label_w = 200, bar_w = 360, row = 24;
	double max = 0;

	for (size_t i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	svg_open(p, title, (int)(row * (double)(n ? n : 1) + 8));
	for (size_t i = 0; i < n; i++) {
		double y = 4 + row * (double)i, w = max > 0 ? bar_w * bars[i].value / max : 0;
		if (bars[i].href) {
			col_html_raw(&p->h, "<a href=\"");
			col_html_text(&p->h, bars[i].href);
			col_html_raw(&p->h, "\">");
		}
		svg_text(p, label_w - 8, y + 15, "end", NULL, bars[i].label, 30);
		svg_rect(p, label_w, y + 3, w > 0 && w < 2 ? 2 : w, row - 8, bars[i].cls);
		svg_value(p, label_w + w + 6, y + 15, bars[i].value);
		if (bars[i].href)
			col_html_raw(&p->h, "</a>");
	}
	if (n == 0)
		svg_text(p, WIDTH / 2.0, 18, "middle", "empty", "nothing to show", 32);
	svg_close(p, title);
}

void col_web_svg_days(struct col_web_page *p, const char *title, const char *const *days,
                      const double (*values)[4], size_t n)
{
	static const char *const cls[4] = {"bar sev-low", "bar sev-medium", "bar sev-high",
	                                   "bar sev-critical"};
	const double left = 40, top = 10, plot_h = 140, plot_w = WIDTH - left - 10;
	double max = 0;

	for (size_t i = 0; i < n; i++) {
		double t = values[i][0] + values[i][1] + values[i][2] + values[i][3];
		if (t > max)
			max = t;
	}
	svg_open(p, title, (int)(top + plot_h + 30));
	col_html_raw(&p->h, "<line class=\"axis\" x1=\"40\" y1=\"150\" x2=\"630\" y2=\"150\"/>");
	svg_value(p, 2, top + 10, max);
	double slot = n ? plot_w / (double)n : plot_w, bw = slot > 4 ? slot - 2 : slot;
	for (size_t i = 0; i < n; i++) {
		double y = top + plot_h;
		for (int s = 0; s < 4; s++) {
			double hgt = max > 0 ? plot_h * values[i][s] / max : 0;
			if (hgt <= 0)
				continue;
			y -= hgt;
			svg_rect(p, left + slot * (double)i, y, bw, hgt, cls[s]);
		}
	}
	svg_x_ends(p, days, n, left, top + plot_h, 80);
	svg_close(p, title);
}

void col_web_svg_line(struct col_web_page *p, const char *title, const double *ys,
                      const char *const *xlabels, size_t n)
{
	const double left = 40, top = 10, plot_h = 110, plot_w = WIDTH - left - 10;
	double max = 0;

	for (size_t i = 0; i < n; i++)
		if (ys[i] > max)
			max = ys[i];
	svg_open(p, title, (int)(top + plot_h + 30));
	col_html_raw(&p->h, "<line class=\"axis\" x1=\"40\" y1=\"120\" x2=\"630\" y2=\"120\"/>");
	svg_value(p, 2, top + 10, max);
	if (n > 0)
		svg_polyline(p, ys, n, max, left, top, plot_w, plot_h);
	svg_x_ends(p, xlabels, n, left, top + plot_h, 60);
	svg_close(p, title);
}

void col_web_svg_heatmap(struct col_web_page *p, const char *title, const double v[7][24])
{
	static const char *const day[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
	const double left = 40, top = 18, cw = 24, chh = 20;
	double max = 0;

	for (int d = 0; d < 7; d++)
		for (int hr = 0; hr < 24; hr++)
			if (v[d][hr] > max)
				max = v[d][hr];
	svg_open(p, title, (int)(top + 7 * chh + 6));
	for (int hr = 0; hr < 24; hr += 3) {
		char b[12];
		snprintf(b, sizeof b, "%02d", hr);
		svg_text(p, left + cw * hr + cw / 2, 12, "middle", "tick", b, 3);
	}
	for (int d = 0; d < 7; d++) {
		svg_text(p, left - 6, top + chh * d + 14, "end", "tick", day[d], 3);
		for (int hr = 0; hr < 24; hr++) {
			double x = left + cw * hr, y = top + chh * d;
			col_html_raw(&p->h, "<rect x=\"");
			col_html_num(&p->h, x, 1);
			col_html_raw(&p->h, "\" y=\"");
			col_html_num(&p->h, y, 1);
			col_html_raw(&p->h, "\" width=\"22\" height=\"18\" class=\"");
			col_html_raw(&p->h, v[d][hr] > 0 ? "heat" : "heat none");
			col_html_raw(&p->h, "\" fill-opacity=\"");
			col_html_num(&p->h, v[d][hr] > 0 && max > 0 ? 0.15 + 0.85 * v[d][hr] / max : 1, 2);
			col_html_raw(&p->h, "\"><title>");
			col_html_text(&p->h, day[d]);
			char b[48];
			snprintf(b, sizeof b, " %02d:00: %.0f", hr, v[d][hr]);
			col_html_text(&p->h, b);
			col_html_raw(&p->h, "</title></rect>");
		}
	}
	svg_close(p, title);
}

void col_web_svg_spark(struct col_web_page *p, const double *ys, size_t n, double max)
{
	col_html_raw(&p->h, "<svg class=\"spark\" viewBox=\"0 0 120 24\" width=\"120\" height=\"24\" "
	                    "aria-hidden=\"true\">");
	svg_polyline(p, ys, n, max, 0, 1, 120, 22);
	col_html_raw(&p->h, "</svg>");
}
