/*
 * bench_detect: what detection costs per event, apart from HTTP and the
 * event store.
 *
 *   bench_detect POLICY EVENTS [BATCH]
 *
 * Reads EVENTS (NDJSON, e.g. bench/gen_org's events.ndjson), parses every
 * line as the collector's ingest does, and runs detection over them in
 * batches of BATCH (1000) events, each batch one transaction on a real
 * SQLite store in a temporary directory: the policy decision and its
 * findings (col_detect), then feeding and flushing the behavioural engine
 * (col_behave) with its journal and state writes. Prints one line:
 *
 *   detect events=N batches=B decide_us=X behave_us=Y anomalies=A
 *          pending=P state_records=S vmhwm_mb=M
 *
 * decide_us and behave_us are CPU microseconds per event of each part (of
 * the whole process, so SQLite's checkpoint thread counts too).
 */
#include "col_behave.h"
#include "col_detect.h"
#include "col_store.h"
#include "pol.h"
#include "vg_arena.h"
#include "vg_event.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static long anomalies;

static int count_emit(void *ctx, const struct col_anomaly *a, enum vg_akind kind)
{
	struct col_store *s = ctx;
	int64_t id;
	(void)kind;
	int rc = col_store_anomaly_record(s, a, &id);
	if (rc > 0)
		anomalies++;
	return rc < 0 ? -1 : 0;
}

static int count_state(void *ctx, char kind, const char *key, const void *blob, size_t len)
{
	(void)kind, (void)key, (void)blob, (void)len;
	(*(long *)ctx)++;
	return 0;
}

static long vmhwm_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	while (f && fgets(line, sizeof line, f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	struct pol_policy *p = NULL;
	struct pol_diag diag;
	char dir[] = "/tmp/vigil-bench-detect.XXXXXX", path[300], err[512], perr[300];
	size_t batch = argc > 3 ? strtoul(argv[3], NULL, 10) : 1000;

	if (argc < 3 || batch == 0) {
		fprintf(stderr, "usage: bench_detect POLICY EVENTS [BATCH]\n");
		return 2;
	}
	pol_diag_init(&diag);
	if (pol_load_isolated(argv[1], &p, &diag) != 0) {
		pol_diag_print(&diag, stderr);
		return 1;
	}
	pol_diag_free(&diag);
	FILE *in = fopen(argv[2], "r");
	if (!in) {
		perror(argv[2]);
		return 1;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof path, "%s/detect.db", dir);
	struct col_store *s = col_store_sqlite_open(path, err, sizeof err);
	struct col_behave *b = col_behave_new();
	if (!s || !b) {
		fprintf(stderr, "bench_detect: %s\n", s ? "out of memory" : err);
		return 1;
	}
	struct col_behave_sink sink = {count_emit, s};
	struct vg_arena arena = {0};
	struct vg_event *evs = calloc(batch, sizeof *evs);
	const struct pol_resource **res = calloc(batch, sizeof *res);
	size_t cap = 0, n, total = 0, nbatches = 0;
	char *line = NULL;
	ssize_t len;
	int64_t decide_ns = 0, behave_ns = 0, t;
	int rc = 0;

	if (!evs || !res)
		return 1;
	for (;;) {
		n = 0;
		vg_arena_free(&arena);
		while (n < batch && (len = getline(&line, &cap, in)) > 0) {
			if (vg_event_parse(line, (size_t)len, &evs[n], &arena, perr, sizeof perr) < 0)
				continue;
			if (!evs[n].host)
				evs[n].host = "unknown";
			n++;
		}
		if (n == 0)
			break;
		if (col_store_begin(s) < 0) {
			rc = 1;
			break;
		}
		/* Two passes, each timed as a whole: the policy decisions with
		 * their findings, then feeding and flushing the engine (as the
		 * collector does, with the wall clock as arrival time). */
		t = cpu_ns();
		for (size_t i = 0; i < n && rc == 0; i++) {
			struct col_detect_result dr;
			dr.decision.resource = NULL;
			int nf = col_detect_event(p, &evs[i], &dr);
			res[i] = dr.decision.resource;
			for (int f = 0; f < nf; f++) {
				char incident[1024];
				struct col_event_ref ref = {1, evs[i].seq};
				col_detect_incident_key(&evs[i], &dr.findings[f], incident, sizeof incident);
				struct col_anomaly a = {
					.incident = incident, .kind = vg_akind_name(dr.findings[f].kind),
					.severity = dr.findings[f].severity, .score = dr.findings[f].score,
					.time_ms = evs[i].time_ms, .detected_ms = evs[i].time_ms,
					.person = dr.decision.person ? pol_person_id(dr.decision.person) : NULL,
					.account = evs[i].user, .host = evs[i].host,
					.summary = dr.findings[f].summary, .reasons = dr.findings[f].reasons,
					.nreasons = dr.findings[f].nreasons, .events = &ref, .nevents = 1,
				};
				if (count_emit(s, &a, dr.findings[f].kind) < 0)
					rc = 1;
			}
		}
		decide_ns += cpu_ns() - t;
		t = cpu_ns();
		int64_t now = vg_time_now();
		/* Every host as agent 1: seqs of different hosts may repeat,
		 * which only matters for the anomaly evidence links. */
		for (size_t i = 0; i < n && rc == 0; i++)
			if (col_behave_feed(b, 1, &evs[i], now, p, res[i]) < 0)
				rc = 1;
		if (rc || col_behave_flush(b, s, p, now, false, &sink) < 0) {
			fprintf(stderr, "bench_detect: %s\n", col_store_error(s));
			col_store_rollback(s);
			rc = 1;
			break;
		}
		behave_ns += cpu_ns() - t;
		if (col_store_commit(s) < 0) {
			rc = 1;
			break;
		}
		total += n;
		nbatches++;
	}
	long records = 0;
	if (rc == 0 && col_store_begin(s) == 0) {
		t = cpu_ns();
		/* The reorder window's wall-clock wait, over: everything decided. */
		if (col_behave_flush(b, s, p, vg_time_now() + 3600000, true, &sink) < 0)
			rc = 1;
		behave_ns += cpu_ns() - t;
		col_store_state_load(s, count_state, &records);
		col_store_commit(s);
	}
	if (rc == 0 && total)
		printf("detect events=%zu batches=%zu decide_us=%.2f behave_us=%.2f anomalies=%ld "
		       "pending=%zu state_records=%ld vmhwm_mb=%.1f\n",
		       total, nbatches, decide_ns / 1e3 / (double)total, behave_ns / 1e3 / (double)total,
		       anomalies, col_behave_pending(b), records, vmhwm_kb() / 1024.0);
	free(line);
	free(evs);
	free(res);
	fclose(in);
	vg_arena_free(&arena);
	col_behave_free(b);
	col_store_close(s);
	pol_free(p);
	char cmd[400];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_detect: could not remove %s\n", dir);
	return rc;
}
