/*
 * pol_suppress: suppression rules, the policy's way of saying "this finding
 * is known and accepted until a date" (docs/policy.md, "suppressions").
 */
#include "pol_internal.h"

#include <fnmatch.h>
#include <string.h>

static bool subject_matches(const struct pol_suppression *s, const struct pol_person *ps)
{
	if (!s->subject)
		return true;
	if (!ps)
		return false;
	if (strcmp(pol_person_id(ps), s->subject) == 0)
		return true;
	const char *g;
	for (size_t i = 0; (g = pol_person_group(ps, i)); i++)
		if (strcmp(g, s->subject) == 0)
			return true;
	return false;
}

static bool reason_matches(const struct pol_suppression *s, const char *const *reasons, int n)
{
	if (!s->reason)
		return true;
	size_t len = strlen(s->reason);
	for (int i = 0; i < n; i++)
		if (reasons[i] && strncmp(reasons[i], s->reason, len) == 0)
			return true;
	return false;
}

const struct pol_suppression *pol_suppressed(const struct pol_policy *p, const char *kind,
                                             const struct pol_person *ps, const char *host,
                                             const char *const *reasons, int nreasons,
                                             int64_t t)
{
	for (size_t i = 0; p && i < p->nsuppressions; i++) {
		const struct pol_suppression *s = &p->suppressions[i];
		if (t < s->created || t >= s->expires || strcmp(s->kind, kind) != 0)
			continue;
		if (s->host && (!host || fnmatch(s->host, host, 0) != 0))
			continue;
		if (subject_matches(s, ps) && reason_matches(s, reasons, nreasons))
			return s;
	}
	return NULL;
}

const struct pol_suppression *pol_suppression_at(const struct pol_policy *p, size_t i)
{
	return i < p->nsuppressions ? &p->suppressions[i] : NULL;
}

const char *pol_suppression_kind(const struct pol_suppression *s) { return s->kind; }
const char *pol_suppression_subject(const struct pol_suppression *s) { return s->subject; }
const char *pol_suppression_host(const struct pol_suppression *s) { return s->host; }
const char *pol_suppression_reason(const struct pol_suppression *s) { return s->reason; }
const char *pol_suppression_ticket(const struct pol_suppression *s) { return s->ticket; }
int64_t pol_suppression_expires(const struct pol_suppression *s) { return s->expires; }
