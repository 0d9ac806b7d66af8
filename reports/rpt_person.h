/*
 * rpt_person: `vigil-report person P`, the dossier of one person from GET
 * /v1/persons/P: clearance and vetting state, compartments, permitted and
 * used hosts, an hour-of-week activity heat-map, anomalies and the risk
 * trend.
 */
#ifndef RPT_PERSON_H
#define RPT_PERSON_H

#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_render.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* Reads a dossier's activity.hour_of_week (7 rows of 24 counts, Monday
 * first) into cells; missing or malformed parts count 0. */
void rpt_person_hours(const json_t *dossier, int64_t cells[7][24]);

/* Renders the dossier in format f. Returns 0 or -1. */
int rpt_render_person(FILE *out, const json_t *doc, enum rpt_format f, const struct rpt_render_opts *ro);

int rpt_person_run(struct rpt_client *c, const struct rpt_args *a, const struct rpt_render_opts *ro,
                   FILE *out, char *err, size_t errlen);

#endif
