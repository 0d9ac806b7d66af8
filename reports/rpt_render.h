/*
 * rpt_render: anomaly lists as text, CSV, JSON and HTML.
 *
 * Renderers take the jansson array the collector returned and write to any
 * FILE*. They trust nothing in it: fields may be missing, null or of the
 * wrong type, and strings may carry terminal escapes; every string goes out
 * sanitized (text, CSV) or escaped (JSON).
 */
#ifndef RPT_RENDER_H
#define RPT_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "rpt_args.h"

#define RPT_TEXT_WIDTH 80

struct rpt_render_opts {
	size_t width; /* text: line width; 0 means RPT_TEXT_WIDTH */
	bool color;   /* text: ANSI colours for severities */
	long limit;   /* the limit asked for, to say when a list was cut; 0: none */
};

/* Aligned table, one line per anomaly with ID, time (UTC, to the minute),
 * severity, kind, person/account and host, and under it the summary cut to
 * the width with an ellipsis; then a count line.
 * An empty list prints "no anomalies match". Returns 0, or -1 on a write
 * error or when memory runs out. */
int rpt_render_anomalies_text(FILE *out, const json_t *anomalies,
			      const struct rpt_render_opts *o);

/* CSV with a header row: id, time, severity, kind, person, account, host,
 * status, score, summary, reasons (joined with ';'), events (agent:seq
 * joined with ';'), detected, policy_serial. Returns 0 or -1. */
int rpt_render_anomalies_csv(FILE *out, const json_t *anomalies);

/* Any JSON value, pretty-printed, with object keys in the order received.
 * Besides the escapes JSON requires, DEL, C1 controls and bidirectional
 * controls are written as \uNNNN so the output is safe on a terminal.
 * Returns 0 or -1. */
int rpt_render_json(FILE *out, const json_t *value);

/* One self-contained HTML page: a chart of the anomalies by kind and
 * severity, then a table of them. Returns 0 or -1. */
int rpt_render_anomalies_html(FILE *out, const json_t *anomalies, const struct rpt_render_opts *o);

/* Dispatches on format (text, csv, json or html). Returns 0 or -1. */
int rpt_render_anomalies(FILE *out, const json_t *anomalies, enum rpt_format format,
			 const struct rpt_render_opts *o);

#endif
