/*
 * col_found: recording what the detectors found.
 *
 * Both detection paths (the per-event policy checks in col_ingest and the
 * behavioural engine in col_behave) record anomalies through
 * col_found_record, inside the write transaction; what was new is tallied
 * and published to the metrics by col_found_publish once the transaction
 * has committed, so a rolled-back batch counts nothing.
 */
#ifndef COL_FOUND_H
#define COL_FOUND_H

#include "col_behave.h"
#include "col_server.h"

struct col_found {
	struct col_server *srv;
	const struct pol_policy *pol;    /* for its suppression rules; may be NULL */
	long anomalies;                  /* new anomalies */
	long suppressed;                 /* findings a suppression rule covered */
	long by_kind[VG_AK_COUNT];
};

/* Records a (of kind) into its incident, unless one of the policy's
 * suppression rules covers it (then it is only counted). Returns 0 or -1
 * (store error). */
int col_found_record(struct col_found *f, const struct col_anomaly *a, enum vg_akind kind);

/* A sink for col_behave that records into f. */
struct col_behave_sink col_found_sink(struct col_found *f);

/* Adds the tally to the collector's metrics (after commit). */
void col_found_publish(const struct col_found *f);

/* Behavioural detection in the running collector: restores the engine from
 * the store and starts the thread that decides events whose wall-clock wait
 * is over and writes the state (every second at most). Returns 0 or -1
 * with err. */
int col_found_start(struct col_server *srv, char *err, size_t errlen);
/* Stops the thread and writes the state a last time. */
void col_found_stop(struct col_server *srv);
/* After a write transaction that fed the engine rolled back: rebuilds the
 * engine from the store, so memory and store agree again. */
void col_found_recover(struct col_server *srv);

#endif
