/*
 * rpt_vetting: `vigil-report vetting [--due-within DAYS]`, the vetting
 * officer's report from GET /v1/vetting: people whose vetting is not
 * current (and how much they did while so), interim clearances, reviews
 * falling due, and exceptions expiring.
 */
#ifndef RPT_VETTING_H
#define RPT_VETTING_H

#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_render.h"

#include <jansson.h>
#include <stdio.h>

/* Renders the /v1/vetting document (text, csv, json or html). Returns 0 or -1. */
int rpt_render_vetting(FILE *out, const json_t *doc, enum rpt_format f,
                       const struct rpt_render_opts *ro);

int rpt_vetting_run(struct rpt_client *c, const struct rpt_args *a,
                    const struct rpt_render_opts *ro, FILE *out, char *err, size_t errlen);

#endif
