/*
 * rpt_summary: `vigil-report summary [--since T] [--until T]`, the security
 * officer's period digest from GET /v1/summary: anomaly counts by kind and
 * severity, the persons with the highest risk, new first accesses and agent
 * health.
 */
#ifndef RPT_SUMMARY_H
#define RPT_SUMMARY_H

#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_render.h"

#include <jansson.h>
#include <stdio.h>

/* Renders the /v1/summary document in format f. Returns 0 or -1. */
int rpt_render_summary(FILE *out, const json_t *doc, enum rpt_format f,
                       const struct rpt_render_opts *ro);

int rpt_summary_run(struct rpt_client *c, const struct rpt_args *a, const struct rpt_render_opts *ro,
                    FILE *out, char *err, size_t errlen);

#endif
