/*
 * agent: the vigil-agent daemon's shared state and its event sink.
 *
 * Intake modules (agent_pam.c, agent_audit.c) and the agent's own lifecycle
 * reports build events and pass them to agent_emit(); the shipper thread
 * (agent_ship.c) sends what the spool holds.
 */
#ifndef AGENT_H
#define AGENT_H

#include "agent_config.h"
#include "agent_spool.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

struct pol_policy;

struct agent {
	struct agent_config cfg;
	struct agent_spool *spool;        /* the intake thread's handle */
	pid_t pid;                        /* our own pid, filtered from audit */
	atomic_llong emitted, dropped, rejected;
	/* Of `dropped`: events the spool could not take (its lock held past
	 * the busy timeout, a full disk, an I/O error), and how many of those
	 * agent_report_unspooled has reported. Intake thread only. */
	atomic_llong unspooled;
	long long unspooled_reported;
	int wake_fd;                      /* eventfd that wakes the shipper */
	long long pending;                /* emitted since the last agent_flush */
	/* Login enforcement (agent_query.c): the policy snapshot, or NULL when
	 * cfg.policy is unset or has never loaded. Intake thread only. */
	struct pol_policy *policy;
};

/* Validates ev against schema v1 and stages it in the spool's open
 * transaction (taking the reference); agent_flush commits.
 * An event that fails validation is a bug in the agent: it is logged and
 * counted in `rejected`, never sent. Returns 0 stored, 1 dropped (spool
 * full), -1 error. */
int agent_emit(struct agent *a, json_t *ev);

/* Commits what agent_emit staged since the last flush (one fsync for a
 * burst) and wakes the shipper. The intake loop calls it after each round of
 * input. Returns 0 or -1. */
int agent_flush(struct agent *a);

/* Emits an `agent` event with detail.action = action and an optional
 * detail.message. */
int agent_emit_health(struct agent *a, const char *action, const char *message);

/* Reports the events dropped because the spool could not be written, since
 * the last report, as an `agent` event with detail.action =
 * "spool_write_failed" and detail.lost = the count, once the spool takes
 * writes again. A report that cannot be spooled either is retried on the
 * next call and is not itself counted as a lost event. Returns 1 reported,
 * 0 nothing to report, -1 not yet. */
int agent_report_unspooled(struct agent *a);

#endif
