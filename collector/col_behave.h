/*
 * col_behave: behavioural detection on event time.
 *
 * The policy-class detectors (col_detect) judge each event alone. The
 * behavioural ones (failed_login_burst, volume_spike, first_access,
 * unusual_hour, concurrent_sessions, dormant_account, agent_silent) learn
 * from what came before, so they must see events in one order whatever the
 * order of arrival: event time, ties broken by host, seq and agent.
 *
 * Accepted events are fed in as they are stored and wait in a reorder
 * buffer. An event is decided once the reorder window (policy threshold
 * `reorder.window`, default 5 minutes) has passed over it: when an event at
 * least a window later has been seen, or when its batch has waited a window
 * of wall-clock time. Replaying a stream in any batch split, or interleaved
 * across agents within the window, therefore yields the same anomalies. An
 * event arriving later than that is decided at once, after the events it
 * should have preceded (docs/detection.md).
 *
 * State lives in memory and in the store: every call runs inside the
 * store's write transaction; each transaction's fed events are journalled,
 * and the changed state is written every few seconds (and at shutdown),
 * emptying the journal. After a restart, or after a transaction rolled back,
 * col_behave_restore rebuilds the state from the last write and replays the
 * journal; anomalies are recorded idempotently (an event joins an incident
 * once), so replay never counts twice.
 */
#ifndef COL_BEHAVE_H
#define COL_BEHAVE_H

#include "col_store.h"
#include "pol.h"
#include "vg_anomaly.h"
#include "vg_event.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where findings go: emit records one anomaly (col_store_anomaly_record
 * and whatever else the collector does with anomalies). Returns 0 or -1. */
struct col_behave_sink {
	int (*emit)(void *ctx, const struct col_anomaly *a, enum vg_akind kind);
	void *ctx;
};

struct col_behave;

struct col_behave *col_behave_new(void);
void col_behave_free(struct col_behave *b);

/* Forgets everything in memory and reloads the state from the store, with
 * the journalled and pending events back in the reorder buffer, as one
 * batch received when the latest of them was; flushes decide them as they
 * come due. Only reads the store (so it works when the disk is full); p
 * gives the reorder window; now_ms and sink are for the caller's symmetry
 * with flush and unused. Returns 0, or -1 with the reason in the store's
 * error (the engine is then empty). */
int col_behave_restore(struct col_behave *b, struct col_store *s, const struct pol_policy *p,
                       int64_t now_ms, const struct col_behave_sink *sink);

/* Feeds one stored (not duplicate) event of agent. When the caller has
 * decided the event against policy p, res is the decision's resource (NULL
 * when none covers the path): the detectors then use it instead of looking
 * the path up again. p NULL: they look it up when they decide. Returns 0,
 * or -1 when memory runs out. */
int col_behave_feed(struct col_behave *b, int64_t agent, const struct vg_event *ev,
                    int64_t received_ms, const struct pol_policy *p,
                    const struct pol_resource *res);

/* Ends an ingest transaction's feeding: journals the events fed, decides
 * every event that is due, and writes the state when it is due (or when
 * force is set). Inside the transaction. Returns 0 or -1. */
int col_behave_flush(struct col_behave *b, struct col_store *s, const struct pol_policy *p,
                     int64_t now_ms, bool force, const struct col_behave_sink *sink);

/* True when col_behave_flush would have anything to do at now_ms: events
 * waiting whose wall-clock wait is over, or state to write. Safe to call
 * from any thread without the store's lock (it reads one atomic), so a
 * timer can skip opening a transaction. */
bool col_behave_due(const struct col_behave *b, int64_t now_ms);

/* After a transaction that fed the engine failed, before the store's lock
 * is released (col_store_rollback): forgets everything in memory, so that
 * another thread's transaction, which may come before the restore that
 * mends the engine, neither decides nor journals what was rolled back.
 * Until that restore the engine only journals (col_behave_broken). */
void col_behave_abandon(struct col_behave *b);

/* True after a failed restore: the engine then only journals what it is
 * fed (nothing is decided or written) until a restore succeeds, so that
 * nothing is lost and the store is not overwritten from an empty memory.
 * Safe to call from any thread without the store's lock. */
bool col_behave_broken(const struct col_behave *b);

/* Events waiting in the reorder buffer. */
size_t col_behave_pending(const struct col_behave *b);

#endif
