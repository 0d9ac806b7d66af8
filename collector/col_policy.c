/*
 * col_policy: reference-counted current policy.
 */
#include "col_policy.h"

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
