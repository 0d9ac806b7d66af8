/*
 * col_summary: the security officer's period digest (GET /v1/summary and
 * `vigil-report summary`): anomaly counts by kind and severity, the persons
 * with the highest risk at the end of the period, the new first accesses,
 * and agent health.
 */
#ifndef COL_SUMMARY_H
#define COL_SUMMARY_H

#include "col_server.h"

#include <jansson.h>
#include <stdint.h>

#define COL_SUMMARY_DEFAULT_DAYS 7
#define COL_SUMMARY_DEFAULT_TOP 10
#define COL_SUMMARY_LIST_MAX 200      /* first accesses and agent anomalies listed */

/* The digest of anomalies that began in [since_ms, until_ms):
 *   {"since","until","total","by_severity":{"low":n,..},
 *    "by_kind":[{"kind","low","medium","high","critical","total","open"}..],
 *    "days":[{"day","severity","n"}..],
 *    "persons":[the top ranking entries of col_risk_rank at until - 1 ms],
 *    "first_access":[anomaly..], "agents":[{"id","host","created","revoked",
 *    "high_seq","last_event","last_received","open":{kind:n}}..],
 *    "agent_anomalies":[agent_silent, audit_loss and audit_tamper anomalies..]}
 * until_ms < 0: one millisecond after the newest event stored; since_ms < 0:
 * COL_SUMMARY_DEFAULT_DAYS before until. top <= 0: the default. Returns a
 * new object or NULL on error (logged). */
json_t *col_summary(struct col_server *srv, int64_t since_ms, int64_t until_ms, int top);

struct MHD_Connection;
struct col_reply;

/* GET /v1/summary?since=&until=&top= */
void col_api_summary(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r);

#endif
