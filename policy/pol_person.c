/*
 * pol_person: read-only accessors for a person's grants and permitted
 * hosts, for the dossier (collector/col_risk.c) and reports.
 */
#include "pol_internal.h"

const char *pol_person_host(const struct pol_person *ps, size_t i)
{
	return i < ps->nhosts ? ps->hosts[i].glob : NULL;
}

const char *pol_person_compartment(const struct pol_policy *p, const struct pol_person *ps,
                                   size_t i, int64_t *read_on, int64_t *debriefed)
{
	if (i >= ps->ngrants)
		return NULL;
	*read_on = ps->grants[i].read_on;
	*debriefed = ps->grants[i].debriefed;
	return p->comps[ps->grants[i].comp].name;
}
