/*
 * col_alert: alerts for anomalies at or above alerts.min_severity, sent to
 * syslog (RFC 5424, col_alert_syslog.h) and to webhooks (JSON POST,
 * col_alert_webhook.h), delivered at least once and never on ingest's time.
 *
 * Queueing is part of the transaction that records the anomaly: the alert
 * is a row in the store's outbox (one per anomaly and sink), so an alert for
 * a committed anomaly survives a crash, and a rolled-back batch leaves no
 * alert behind. A worker thread delivers the outbox oldest first, marks each
 * delivered row, and retries a failing sink with exponential back-off
 * (backoff_initial doubling up to backoff_max) without holding up the other
 * sinks' alerts or ingest.
 */
#ifndef COL_ALERT_H
#define COL_ALERT_H

#include "col_server.h"

#include <stdint.h>

/* Queues the alerts for anomaly anomaly_id, whose stored severity is now
 * severity (enum vg_severity). Call it inside the write transaction right
 * after col_store_anomaly_record() returns 0 or 1 — when an anomaly is
 * created, and again whenever a later event may have raised its severity:
 * an anomaly alerts once per sink, the first time it is recorded at or
 * above min_severity, never for a count increment. Safe from any thread
 * that holds the transaction; does nothing when alerts are not configured.
 * Returns 0, or -1 with col_store_error() set (the caller rolls back). */
int col_alert_enqueue(struct col_server *srv, int64_t anomaly_id, int severity);

/* Starts the delivery worker when alerts are configured (no-op otherwise);
 * alerts left in the outbox by an earlier run are delivered first. Call
 * after the store is open. Returns 0, or -1 with err. */
int col_alert_start(struct col_server *srv, char *err, size_t errlen);

/* Stops the worker, aborting a webhook transfer in progress; undelivered
 * alerts stay in the outbox for the next start. */
void col_alert_stop(struct col_server *srv);

#endif
