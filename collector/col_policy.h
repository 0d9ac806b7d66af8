/*
 * col_policy: the collector's current policy, swappable while ingest runs.
 *
 * Readers take a counted reference for the duration of a batch; a reload
 * installs a new compiled policy and the old one is freed when its last
 * reader releases it. Ingest never waits for a reload to parse.
 */
#ifndef COL_POLICY_H
#define COL_POLICY_H

#include "pol.h"

#include <pthread.h>
#include <stdatomic.h>

struct col_policy_ref {
	struct pol_policy *pol;
	atomic_int refs;
};

struct col_policy_slot {
	pthread_mutex_t lock;
	struct col_policy_ref *cur;
};

int col_policy_slot_init(struct col_policy_slot *slot);
void col_policy_slot_destroy(struct col_policy_slot *slot);

/* Installs pol (taking ownership). Returns 0 or -1 on allocation failure. */
int col_policy_install(struct col_policy_slot *slot, struct pol_policy *pol);

/* What a successful reload installed. */
struct col_policy_summary {
	char id[65];
	long long serial;
	size_t persons, resources, warnings;
};

/* Loads the policy file at path in a child process (pol_load_isolated, so
 * the parser's memory never enters the collector) and installs it when it
 * has no errors; on errors the current policy stays. Every diagnostic and
 * the outcome are logged; diag (initialised by the caller) receives the
 * diagnostics too. Readers holding the old policy finish with it, so each
 * batch is decided by exactly one version. Used by SIGHUP and
 * POST /v1/policy/reload. Returns 0 with *sum filled, or -1. */
int col_policy_reload(struct col_policy_slot *slot, const char *path, struct pol_diag *diag,
                      struct col_policy_summary *sum);

/* Returns the current policy with a reference held, or NULL when none. */
struct col_policy_ref *col_policy_acquire(struct col_policy_slot *slot);
void col_policy_release(struct col_policy_ref *ref);

#endif
