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
