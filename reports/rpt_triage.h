/*
 * rpt_triage: `vigil-report triage ID --status S --note TEXT [--assignee A]`,
 * an officer's triage step through POST /v1/anomalies/ID/triage.
 */
#ifndef RPT_TRIAGE_H
#define RPT_TRIAGE_H

#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_render.h"

#include <stdio.h>

/* Sends the step and writes the anomaly as it now stands (text: its status,
 * assignee and latest history entry; json: the whole object). Returns 0, or
 * -1 with a message in err. */
int rpt_triage_run(struct rpt_client *c, const struct rpt_args *a,
                   const struct rpt_render_opts *ro, FILE *out, char *err, size_t errlen);

#endif
