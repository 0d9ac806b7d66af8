/*
 * rpt_suggest: suppression rules suggested by false-positive triage.
 *
 * `vigil-report suggest` reads the anomalies officers marked
 * false_positive and groups them by kind, person, host and the family of
 * their first reason code ("first_host:", "hour_of_week:", ...). Every
 * group seen at least twice is printed with the suppression rule (in the
 * policy's libconfig syntax, docs/policy.md) that would cover it, for a
 * policy author to review, justify and paste.
 */
#ifndef RPT_SUGGEST_H
#define RPT_SUGGEST_H

#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_render.h"

#include <jansson.h>
#include <stdio.h>

/* Groups the anomalies (an array as GET /v1/anomalies returns them) into
 * suggestions: a new JSON array of {"kind","person","host","reason",
 * "count","anomalies":[id...],"rule"} with count >= min_count, most
 * frequent first; rule's dates run from created_day for 90 days. NULL when
 * memory runs out. */
json_t *rpt_suggest_group(const json_t *anomalies, int min_count, const char *created_day);

int rpt_suggest_run(struct rpt_client *c, const struct rpt_args *a,
                    const struct rpt_render_opts *ro, FILE *out, char *err, size_t errlen);

#endif
