/*
 * pol_explain: plain-English sentences for reason codes, used by
 * `vigil-policy explain` and by the collector for anomaly summaries.
 *
 * Reason codes are "name:argument" (the argument may itself hold ':', '<' or
 * '>' separators); the sentence is built from the code, the decision's
 * person, resource and host, and the request.
 */
#include "pol_internal.h"
#include "vg_time.h"

#include <stdio.h>
#include <string.h>

/* Splits "a<b" or "a>b" at sep into two bounded strings. */
static void split2(const char *s, char sep, char *a, char *b, size_t len)
{
	const char *m = strchr(s, sep);
	size_t n = m ? (size_t)(m - s) : strlen(s);
	snprintf(a, len, "%.*s", (int)n, s);
	snprintf(b, len, "%s", m ? m + 1 : "");
}

static bool code_is(const char *code, const char *name, const char **arg)
{
	size_t n = strlen(name);
	if (strncmp(code, name, n) != 0 || (code[n] != ':' && code[n] != '\0'))
		return false;
	*arg = code[n] ? code + n + 1 : "";
	return true;
}

static void resource_words(const struct pol_decision *d, char *buf, size_t len)
{
	if (d->resource)
		snprintf(buf, len, "resource '%s' (%s)", d->resource->id, d->resource->path);
	else
		snprintf(buf, len, "the resource");
}

static int reason_sentence(const struct pol_decision *d, const struct pol_request *req,
                           const struct pol_reason *r, char *buf, size_t len)
{
	const char *who = d->person ? d->person->name : "This person";
	const char *host = req && req->host ? req->host : "this host";
	const char *arg;
	char a[POL_REASON_LEN], b[POL_REASON_LEN], res[POL_PATH_MAX + 128];

	resource_words(d, res, sizeof res);
	if (code_is(r->code, "unknown_account", &arg))
		return snprintf(buf, len, "Account '%s' does not belong to any vetted person in the "
		                "policy.", req && req->account ? req->account : "?");
	if (code_is(r->code, "status", &arg))
		return snprintf(buf, len, "%s's clearance is %s, not active.", who, arg);
	if (code_is(r->code, "not_yet_granted", &arg))
		return snprintf(buf, len, "%s's clearance takes effect only on %s, after this activity.",
		                who, arg);
	if (code_is(r->code, "review_overdue", &arg))
		return snprintf(buf, len, "%s's periodic clearance review was due on %s and is overdue.",
		                who, arg);
	if (code_is(r->code, "level", &arg)) {
		split2(arg, '<', a, b, sizeof a);
		return snprintf(buf, len, "%s is cleared to %s but %s is classified %s.", who, a, res, b);
	}
	if (code_is(r->code, "compartment_level", &arg)) {
		char comp[POL_REASON_LEN], levels[POL_REASON_LEN];
		split2(arg, ':', comp, levels, sizeof comp);
		split2(levels, '<', a, b, sizeof a);
		return snprintf(buf, len, "Compartment %s requires a %s clearance; %s is cleared to %s.",
		                comp, b, who, a);
	}
	if (code_is(r->code, "interim_no_compartments", &arg))
		return snprintf(buf, len, "%s holds an interim clearance, which gives no access to "
		                "compartment %s that %s requires.", who, arg, res);
	if (code_is(r->code, "missing_compartment", &arg))
		return snprintf(buf, len, "%s is not read on to compartment %s, which %s requires.", who,
		                arg, res);
	if (code_is(r->code, "not_yet_read_on", &arg))
		return snprintf(buf, len, "%s was not yet read on to compartment %s at the time of this "
		                "activity.", who, arg);
	if (code_is(r->code, "debriefed", &arg))
		return snprintf(buf, len, "%s was debriefed from compartment %s before this activity.",
		                who, arg);
	if (code_is(r->code, "host_level", &arg)) {
		split2(arg, '>', a, b, sizeof a);
		return snprintf(buf, len, "Host %s is accredited for %s but %s is cleared only to %s.",
		                host, a, who, b);
	}
	if (code_is(r->code, "host_accreditation", &arg)) {
		split2(arg, '>', a, b, sizeof a);
		return snprintf(buf, len, "Host %s is accredited to process up to %s, but %s is "
		                "classified %s.", host, b, res, a);
	}
	if (code_is(r->code, "host_not_permitted", &arg))
		return snprintf(buf, len, "%s is not permitted to log in to host %s.", who, arg);
	if (code_is(r->code, "host_unlisted", &arg))
		return snprintf(buf, len, "Host %s matches no host rule, so no one may log in to it.",
		                arg);
	if (code_is(r->code, "outside_schedule", &arg)) {
		char when[VG_TIME_LEN];
		vg_time_format(req ? req->time_ms : 0, when);
		return snprintf(buf, len, "The activity at %s is outside %s's permitted schedule '%s'.",
		                when, who, arg);
	}
	if (code_is(r->code, "interim_expired", &arg))
		return snprintf(buf, len, "%s's interim clearance expired on %s.", who, arg);
	if (code_is(r->code, "caveat", &arg))
		return snprintf(buf, len, "%s is marked %s and %s holds no citizenship it may be "
		                "released to.", res, arg, who);
	if (code_is(r->code, "releasability", &arg))
		return snprintf(buf, len, "%s is not releasable to %s (citizenship: %s).", res, who,
		                arg);
	if (code_is(r->code, "not_in_access_group", &arg))
		return snprintf(buf, len, "%s is not a member of %s %s, which alone may access %s.",
		                who, strchr(arg, ',') ? "any of the groups" : "group", arg, res);
	if (code_is(r->code, "holiday", &arg)) {
		split2(arg, ':', a, b, sizeof a);
		return snprintf(buf, len, "%s is a holiday in %s's schedule '%s'.", b, who, a);
	}
	if (code_is(r->code, "privilege_target_not_granted", &arg)) {
		split2(arg, ':', a, b, sizeof a);
		return snprintf(buf, len, "%s may use %s only towards the target accounts the policy "
		                "names, and '%s' is not one of them.", who, a, b);
	}
	if (code_is(r->code, "privilege_target_unknown", &arg))
		return snprintf(buf, len, "%s may use %s only towards named target accounts, and the "
		                "event does not say which account was the target.", who, arg);
	if (code_is(r->code, "privilege_not_granted", &arg))
		return snprintf(buf, len, "%s has not been granted the %s privilege.", who, arg);
	if (code_is(r->code, "removable_media_forbidden", &arg))
		return snprintf(buf, len, "Removable media are forbidden on %s (host rule '%s').", host,
		                arg);
	return snprintf(buf, len, "%s (%s).", r->code, pol_class_kind(r->cls));
}

/* A waived reason says which exception waived it. */
int pol_reason_text(const struct pol_decision *d, const struct pol_request *req,
                    const struct pol_reason *r, char *buf, size_t len)
{
	const struct pol_exception *x;
	int n = reason_sentence(d, req, r, buf, len);
	char day[11];
	if (r < d->waived || r >= d->waived + d->nwaived || n < 0)
		return n;
	x = d->waived_by[r - d->waived];
	vg_date_format(x->expires, day);
	return n + snprintf(len > (size_t)n ? buf + n : NULL, len > (size_t)n ? len - (size_t)n : 0,
	                    " Waived by exception %s for '%s' on '%s', approved by %s, until %s: %s.",
	                    x->ticket, x->subject, x->resource->id, x->approver, day,
	                    x->justification);
}
