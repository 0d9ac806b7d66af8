/*
 * rpt_risk: `vigil-report risk`, persons ranked by risk score (GET
 * /v1/risk) with their top contributing anomalies and trend, and the trend
 * helpers the dossier and the digest share.
 */
#ifndef RPT_RISK_H
#define RPT_RISK_H

#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_render.h"

#include <jansson.h>
#include <stdio.h>

/* A risk history [{"day","score"}..] as parallel arrays. */
struct rpt_trend {
	size_t n;
	const char **days;   /* borrowed from the JSON; "-" for a missing day */
	double *scores;
};

/* Reads a trend array (anything else gives n = 0). Returns 0, or -1 when
 * memory runs out. Free with rpt_trend_free. */
int rpt_trend_load(const json_t *trend, struct rpt_trend *t);
void rpt_trend_free(struct rpt_trend *t);

/* The top anomalies of a ranking entry as one line of text:
 * "#9 vetting_lapsed critical 54.2; #8 ..." (a new string, NULL on ENOMEM). */
char *rpt_risk_top_text(const json_t *anomalies);

/* Renders the /v1/risk document in format f. Returns 0 or -1. */
int rpt_render_risk(FILE *out, const json_t *doc, enum rpt_format f, const struct rpt_render_opts *ro);

/* The HTML pieces the digest reuses: a line chart of the first persons'
 * trends, and the ranking table. */
int rpt_risk_html_chart(FILE *out, const json_t *persons, const char *title);
int rpt_risk_html_table(FILE *out, const json_t *persons);

/* The text ranking table (rank, person, name, score, trend sparkline,
 * anomalies counted; the top anomalies on a line below). */
int rpt_risk_text_table(FILE *out, const json_t *persons, const struct rpt_render_opts *ro);

int rpt_risk_run(struct rpt_client *c, const struct rpt_args *a, const struct rpt_render_opts *ro,
                 FILE *out, char *err, size_t errlen);

#endif
