/*
 * col_metrics: counters and the request latency histogram behind /metrics.
 *
 * All fields are atomics updated without locks from the HTTP threads.
 */
#ifndef COL_METRICS_H
#define COL_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define COL_METRICS_BUCKETS 12
#define COL_METRICS_CODES 12
#define COL_METRICS_KINDS 32

struct col_metrics {
	atomic_ullong accepted, duplicate, quarantined, host_mismatch;
	atomic_ullong anomalies[COL_METRICS_KINDS];        /* by enum col_akind */
	atomic_ullong suppressed;                          /* findings a suppression covered */
	atomic_ullong codes[COL_METRICS_CODES];             /* by col_metrics_code_index */
	atomic_ullong latency[COL_METRICS_BUCKETS + 1];     /* last bucket is +Inf */
	atomic_ullong latency_sum_us, requests;
};

/* Records one finished request with its status and duration. */
void col_metrics_request(struct col_metrics *m, int status, int64_t duration_ns);

/* Renders the Prometheus text exposition; returns a malloc'd string or NULL.
 * kind_name maps an anomaly kind index to its name (NULL past the end). */
char *col_metrics_render(struct col_metrics *m, const char *(*kind_name)(int));

#endif
