/*
 * col_metrics: Prometheus text format for the collector's counters.
 */
#include "col_metrics.h"

#include <stdio.h>
#include <stdlib.h>

static const double bucket_s[COL_METRICS_BUCKETS] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                     0.05, 0.1, 0.25, 0.5, 1, 2.5};
static const int codes[COL_METRICS_CODES] = {200, 400, 401, 403, 404, 405, 409, 413, 415, 500, 503, 0};

static int code_index(int status)
{
	for (int i = 0; i < COL_METRICS_CODES - 1; i++)
		if (codes[i] == status)
			return i;
	return COL_METRICS_CODES - 1;   /* "other" */
}

void col_metrics_request(struct col_metrics *m, int status, int64_t ns)
{
	int b = 0;
	double s = (double)ns / 1e9;
	while (b < COL_METRICS_BUCKETS && s > bucket_s[b])
		b++;
	atomic_fetch_add(&m->latency[b], 1);
	atomic_fetch_add(&m->latency_sum_us, (unsigned long long)(ns / 1000));
	atomic_fetch_add(&m->requests, 1);
	atomic_fetch_add(&m->codes[code_index(status)], 1);
}

/* One unlabelled counter with its HELP and TYPE lines. */
static void put_counter(FILE *f, const char *name, const char *help, unsigned long long v)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name, v);
}

char *col_metrics_render(struct col_metrics *m, const char *(*kind_name)(int))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	unsigned long long cum = 0;

	if (!f)
		return NULL;
	put_counter(f, "vigil_events_accepted_total", "Events stored for the first time.",
	            atomic_load(&m->accepted));
	put_counter(f, "vigil_events_duplicate_total", "Events received again and stored once.",
	            atomic_load(&m->duplicate));
	put_counter(f, "vigil_events_quarantined_total", "Events that failed validation, kept raw.",
	            atomic_load(&m->quarantined));
	put_counter(f, "vigil_events_host_mismatch_total",
	            "Events naming a host other than their agent's enrolled host.",
	            atomic_load(&m->host_mismatch));
	fprintf(f, "# HELP vigil_anomalies_total Anomalies recorded, by kind.\n"
	           "# TYPE vigil_anomalies_total counter\n");
	for (int k = 0; k < COL_METRICS_KINDS && kind_name(k); k++)
		fprintf(f, "vigil_anomalies_total{kind=\"%s\"} %llu\n", kind_name(k),
		        atomic_load(&m->anomalies[k]));
	put_counter(f, "vigil_anomalies_suppressed_total",
	            "Findings not recorded because a suppression rule of the policy covers them.",
	            atomic_load(&m->suppressed));
	fprintf(f, "# HELP vigil_http_requests_total HTTP requests answered, by status code.\n"
	           "# TYPE vigil_http_requests_total counter\n");
	for (int i = 0; i < COL_METRICS_CODES; i++) {
		unsigned long long v = atomic_load(&m->codes[i]);
		if (codes[i])
			fprintf(f, "vigil_http_requests_total{code=\"%d\"} %llu\n", codes[i], v);
		else
			fprintf(f, "vigil_http_requests_total{code=\"other\"} %llu\n", v);
	}
	fprintf(f, "# HELP vigil_http_request_duration_seconds Time from request start to response.\n"
	           "# TYPE vigil_http_request_duration_seconds histogram\n");
	for (int b = 0; b < COL_METRICS_BUCKETS; b++) {
		cum += atomic_load(&m->latency[b]);
		fprintf(f, "vigil_http_request_duration_seconds_bucket{le=\"%g\"} %llu\n", bucket_s[b], cum);
	}
	cum += atomic_load(&m->latency[COL_METRICS_BUCKETS]);
	fprintf(f, "vigil_http_request_duration_seconds_bucket{le=\"+Inf\"} %llu\n", cum);
	fprintf(f, "vigil_http_request_duration_seconds_sum %.6f\n",
	        (double)atomic_load(&m->latency_sum_us) / 1e6);
	fprintf(f, "vigil_http_request_duration_seconds_count %llu\n", cum);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}
