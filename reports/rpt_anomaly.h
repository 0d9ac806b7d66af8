/*
 * rpt_anomaly: the `anomalies` command and the anomaly vocabulary.
 *
 * The vocabulary (severities, kinds, statuses) is the one DESIGN.md fixes;
 * the command line checks against it so that a typo is reported locally
 * instead of silently matching nothing on the collector.
 */
#ifndef RPT_ANOMALY_H
#define RPT_ANOMALY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_render.h"

#include "vg_time.h"

/* Rank of a severity name: 0 low, 1 medium, 2 high, 3 critical; -1 for
 * anything else (including NULL). */
int rpt_severity_rank(const char *s);

/* Whether s is one of the anomaly kinds DESIGN.md lists. */
bool rpt_anomaly_kind_known(const char *s);

/* Whether s is a triage status: open, acknowledged, resolved,
 * false_positive. */
bool rpt_anomaly_status_known(const char *s);

/* The query string parameters of GET /v1/anomalies for a set of arguments,
 * with the storage they point into. Times are sent in the full event format
 * whatever the person typed. */
struct rpt_anomaly_query {
	struct rpt_query_param params[8];
	size_t n;
	char since[VG_TIME_LEN], until[VG_TIME_LEN], limit[24];
};

/* Fills q from a; a must outlive q. */
void rpt_anomaly_query_build(const struct rpt_args *a, struct rpt_anomaly_query *q);

/* Runs `anomalies`: fetches the list from the collector and renders it to
 * out in a->format. Returns 0, or -1 with a message in err (collector,
 * network or write error). */
int rpt_anomalies_run(struct rpt_client *c, const struct rpt_args *a,
		      const struct rpt_render_opts *ro, FILE *out, char *err, size_t errlen);

#endif
