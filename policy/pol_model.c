/*
 * pol_model: read-only accessors of a compiled policy, for the collector's
 * reports, the CLI and tests. The structures themselves stay private to
 * the library (pol_internal.h) so that the language can grow without
 * breaking callers.
 */
#include "pol_internal.h"

#include <string.h>

const char *pol_id(const struct pol_policy *p)
{
	return p->id;
}

long long pol_serial(const struct pol_policy *p)
{
	return p->serial;
}

const char *pol_source_hash(const struct pol_policy *p)
{
	return p->source_hash;
}

size_t pol_person_count(const struct pol_policy *p)
{
	return p->npersons;
}

size_t pol_resource_count(const struct pol_policy *p)
{
	return p->nresources;
}

const struct pol_person *pol_person_at(const struct pol_policy *p, size_t i)
{
	return i < p->npersons ? &p->persons[i] : NULL;
}

const char *pol_person_id(const struct pol_person *ps)
{
	return ps->id;
}

const char *pol_person_name(const struct pol_person *ps)
{
	return ps->name;
}

const char *pol_person_level(const struct pol_person *ps)
{
	return ps->level ? ps->level->name : "";
}

const char *pol_person_status(const struct pol_person *ps)
{
	return pol_status_names[ps->status];
}

const char *pol_person_account(const struct pol_person *ps, size_t i)
{
	return i < ps->naccounts ? ps->accounts[i] : NULL;
}

const char *pol_person_schedule(const struct pol_person *ps)
{
	return ps->schedule ? ps->schedule->name : NULL;
}

int64_t pol_person_granted(const struct pol_person *ps)
{
	return ps->granted;
}

int64_t pol_person_review_due(const struct pol_person *ps)
{
	return ps->review_due;
}

const struct pol_resource *pol_resource_at(const struct pol_policy *p, size_t i)
{
	return i < p->nresources ? &p->resources[i] : NULL;
}

const char *pol_resource_id(const struct pol_resource *r)
{
	return r->id;
}

const char *pol_resource_level(const struct pol_resource *r)
{
	return r->level->name;
}

const char *pol_resource_path(const struct pol_resource *r)
{
	return r->path;
}

const char *pol_resource_compartment(const struct pol_policy *p, const struct pol_resource *r,
                                     size_t i)
{
	return i < r->ncomps ? p->comps[r->comps[i]].name : NULL;
}

const char *pol_host_name(const struct pol_host *h)
{
	return h->pat.glob;
}

const char *pol_host_site(const struct pol_host *h)
{
	return h->site;
}

const char *pol_host_level(const struct pol_host *h)
{
	return h->level ? h->level->name : NULL;
}

const char *pol_host_max_level(const struct pol_host *h)
{
	return h->max_level ? h->max_level->name : NULL;
}

const char *pol_resource_owner(const struct pol_resource *r, size_t i)
{
	return i < r->nowners ? r->owners[i]->id : NULL;
}

bool pol_host_removable_media(const struct pol_host *h)
{
	return h->removable_media;
}

static const char *const action_names[] = {
	[POL_ACT_LOGIN] = "login", [POL_ACT_READ] = "read",           [POL_ACT_WRITE] = "write",
	[POL_ACT_EXEC] = "exec",   [POL_ACT_ATTR] = "attr",           [POL_ACT_PRIVILEGE] = "privilege",
	[POL_ACT_MEDIA] = "media", [POL_ACT_OTHER] = "other",
};

const char *pol_action_name(enum pol_action a)
{
	if ((unsigned)a >= sizeof action_names / sizeof action_names[0])
		return "other";
	return action_names[a];
}

int pol_action_parse(const char *name)
{
	for (size_t i = 0; i < sizeof action_names / sizeof action_names[0]; i++)
		if (strcmp(name, action_names[i]) == 0)
			return (int)i;
	return -1;
}

/* ---- Exceptions --------------------------------------------------------- */

const struct pol_exception *pol_exception_at(const struct pol_policy *p, size_t i)
{
	return i < p->nexceptions ? &p->exceptions[i] : NULL;
}

const char *pol_exception_subject(const struct pol_exception *e)
{
	return e->subject;
}

const char *pol_exception_resource(const struct pol_exception *e)
{
	return e->resource->id;
}

const char *pol_exception_ticket(const struct pol_exception *e)
{
	return e->ticket;
}

const char *pol_exception_approver(const struct pol_exception *e)
{
	return e->approver;
}

const char *pol_exception_justification(const struct pol_exception *e)
{
	return e->justification;
}

int64_t pol_exception_created(const struct pol_exception *e)
{
	return e->created;
}

int64_t pol_exception_expires(const struct pol_exception *e)
{
	return e->expires;
}

/* ---- Further person, resource and host settings ------------------------- */

int64_t pol_person_investigated(const struct pol_person *ps)
{
	return ps->investigated;
}

int64_t pol_person_interim_expires(const struct pol_person *ps)
{
	return ps->interim_expires;
}

int64_t pol_person_nda_signed(const struct pol_person *ps)
{
	return ps->nda_signed;
}

/* The i-th member of set, in country id order, or NULL. */
static const char *cset_at(const struct pol_policy *p, const struct pol_cset *set, size_t i)
{
	for (size_t id = 0; id < p->ncountries; id++)
		if (pol_cset_has(set, (unsigned)id) && i-- == 0)
			return p->countries[id];
	return NULL;
}

const char *pol_person_citizenship(const struct pol_policy *p, const struct pol_person *ps,
                                   size_t i)
{
	return cset_at(p, &ps->citizen, i);
}

const char *pol_person_group(const struct pol_person *ps, size_t i)
{
	return i < ps->ngroups ? ps->groups[i] : NULL;
}

const char *pol_resource_caveat(const struct pol_policy *p, const struct pol_resource *r,
                                size_t i)
{
	return i < r->ncaveats ? p->caveats[r->caveats[i]].name : NULL;
}

const char *pol_resource_group(const struct pol_policy *p, const struct pol_resource *r,
                               size_t i)
{
	return i < r->nagroups ? p->group_names[r->agroups[i]] : NULL;
}

const char *pol_resource_releasable(const struct pol_policy *p, const struct pol_resource *r,
                                    size_t i)
{
	return r->rel ? cset_at(p, r->rel, i) : NULL;
}

bool pol_host_enforce_login(const struct pol_host *h)
{
	return h->enforce_login;
}

bool pol_host_fail_closed(const struct pol_host *h)
{
	return h->fail_closed;
}

size_t pol_compartment_count(const struct pol_policy *p)
{
	return p->ncomps;
}

const char *pol_compartment_name(const struct pol_policy *p, size_t i)
{
	return i < p->ncomps ? p->comps[i].name : NULL;
}

const char *pol_compartment_parent(const struct pol_policy *p, size_t i)
{
	return i < p->ncomps && p->comps[i].parent >= 0 ? p->comps[p->comps[i].parent].name : NULL;
}

bool pol_person_holds_compartment(const struct pol_policy *p, const struct pol_person *ps,
                                  size_t i, int64_t t)
{
	(void)p;
	if (ps->status != POL_ST_ACTIVE)
		return false;
	for (uint16_t k = 0; k < ps->ngrants; k++)
		if (ps->grants[k].comp == i)
			return ps->grants[k].read_on <= t && t < ps->grants[k].debriefed;
	return false;
}

const struct pol_thresholds *pol_get_thresholds(const struct pol_policy *p)
{
	return &p->thresholds;
}

const struct pol_host *pol_host_at(const struct pol_policy *p, size_t i)
{
	return i < p->nhosts ? &p->hosts[i] : NULL;
}

const struct pol_host *pol_host_named(const struct pol_policy *p, const char *glob)
{
	for (size_t i = 0; i < p->nhosts; i++)
		if (strcmp(p->hosts[i].pat.glob, glob) == 0)
			return &p->hosts[i];
	return NULL;
}
