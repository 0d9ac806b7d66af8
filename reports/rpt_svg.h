/*
 * rpt_svg: the charts of the HTML reports, as inline SVG.
 *
 * Three shapes cover every report: lines over days (risk over time), stacked
 * horizontal bars (anomalies by kind, split by severity) and the 7 x 24
 * hour-of-week heat-map. Each is written as <figure><figcaption>title
 * </figcaption><svg viewBox=...>...</svg></figure> with a <title> on every
 * mark for screen readers and hover, fixed colours that print, and no
 * namespace URL or any other reference (inline SVG in HTML needs none).
 * All text goes through rpt_html_escape.
 */
#ifndef RPT_SVG_H
#define RPT_SVG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RPT_SVG_MAX_SEGMENTS 4
#define RPT_SVG_MAX_SERIES 8

struct rpt_svg_series {
	const char *name;         /* legend text */
	const double *y;          /* one value per x label */
};

/* Lines for up to RPT_SVG_MAX_SERIES series over n x labels (dates), the y
 * axis from 0 to ymax (> 0; values are clamped to it). n may be 0 (an
 * empty frame with a note). Returns 0 or -1 on a write error. */
int rpt_svg_lines(FILE *out, const char *title, const char *const *xlabels, size_t n,
                  const struct rpt_svg_series *series, size_t nseries, double ymax);

struct rpt_svg_bar {
	const char *label;
	double v[RPT_SVG_MAX_SEGMENTS];   /* stacked left to right */
};

/* Horizontal bars, one per entry, each split into nseg (<= 4) segments
 * named for the legend; segment colours are the severity colours (low,
 * medium, high, critical) in order. Returns 0 or -1. */
int rpt_svg_bars(FILE *out, const char *title, const struct rpt_svg_bar *bars, size_t n,
                 const char *const *segment_names, size_t nseg);

/* The hour-of-week heat-map: cells[day][hour], day 0 = Monday, hours UTC;
 * a cell's shade is its count relative to the busiest cell. Returns 0 or -1. */
int rpt_svg_heatmap(FILE *out, const char *title, const int64_t cells[7][24]);

#endif
