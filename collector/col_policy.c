/*
 * col_policy: reference-counted current policy.
 */
#include "col_policy.h"
#include "vg_log.h"

#include <stdio.h>
#include <stdlib.h>

int col_policy_slot_init(struct col_policy_slot *slot)
{
	slot->cur = NULL;
	return pthread_mutex_init(&slot->lock, NULL) == 0 ? 0 : -1;
}

void col_policy_release(struct col_policy_ref *ref)
{
	if (ref && atomic_fetch_sub(&ref->refs, 1) == 1) {
		pol_free(ref->pol);
		free(ref);
	}
}

void col_policy_slot_destroy(struct col_policy_slot *slot)
{
	col_policy_release(slot->cur);
	slot->cur = NULL;
	pthread_mutex_destroy(&slot->lock);
}

int col_policy_install(struct col_policy_slot *slot, struct pol_policy *pol)
{
	struct col_policy_ref *ref = malloc(sizeof *ref), *old;
	if (!ref)
		return -1;
	ref->pol = pol;
	atomic_init(&ref->refs, 1);       /* the slot's own reference */
	pthread_mutex_lock(&slot->lock);
	old = slot->cur;
	slot->cur = ref;
	pthread_mutex_unlock(&slot->lock);
	col_policy_release(old);
	return 0;
}

struct col_policy_ref *col_policy_acquire(struct col_policy_slot *slot)
{
	struct col_policy_ref *ref;
	pthread_mutex_lock(&slot->lock);
	ref = slot->cur;
	if (ref)
		atomic_fetch_add(&ref->refs, 1);
	pthread_mutex_unlock(&slot->lock);
	return ref;
}

int col_policy_reload(struct col_policy_slot *slot, const char *path, struct pol_diag *diag,
                      struct col_policy_summary *sum)
{
	struct pol_policy *p = NULL;
	int rc = pol_load_isolated(path, &p, diag);
	for (size_t i = 0; i < diag->n; i++)
		vg_log(diag->items[i].level == POL_DIAG_ERROR ? VG_LOG_ERR : VG_LOG_WARN, "%s",
		       diag->items[i].text);
	if (rc != 0 || !p) {
		vg_err("policy reload of %s failed; keeping the current policy", path);
		return -1;
	}
	snprintf(sum->id, sizeof sum->id, "%s", pol_id(p));
	sum->serial = pol_serial(p);
	sum->persons = pol_person_count(p);
	sum->resources = pol_resource_count(p);
	sum->warnings = diag->warnings;
	if (col_policy_install(slot, p) < 0) {
		pol_free(p);
		vg_err("policy reload: out of memory; keeping the current policy");
		return -1;
	}
	vg_info("policy %s serial %lld installed from %s", sum->id, sum->serial, path);
	return 0;
}
