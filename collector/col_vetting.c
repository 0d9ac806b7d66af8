/*
 * col_vetting: GET /v1/vetting, the vetting officer's view of the policy:
 * who is not currently vetted (status, overdue review, expired interim), who
 * holds an interim clearance, whose review falls due soon, which exceptions
 * expire soon, and how much activity each person logged while not vetted
 * (their vetting_lapsed anomalies).
 */
#include "col_api.h"
#include "vg_time.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DUE_DAYS 90
#define MAX_DUE_DAYS 3650

static int set_date(json_t *o, const char *key, int64_t ms)
{
	char d[11];
	if (ms == INT64_MIN || ms == INT64_MAX)
		return json_object_set_new(o, key, json_null());
	vg_date_format(ms, d);
	return json_object_set_new(o, key, json_string(d));
}

/* Events a person's vetting_lapsed anomalies hold, summed over incidents. */
static long long lapsed_activity(struct col_store *st, const char *person)
{
	int64_t n;
	return col_store_anomaly_event_total(st, "vetting_lapsed", person, &n) < 0 ? -1 : (long long)n;
}

/* Why a person's vetting is not current on day now, or NULL when it is. */
static const char *not_current(const struct pol_person *ps, int64_t now)
{
	const char *status = pol_person_status(ps);
	if (strcmp(status, "active") != 0 && strcmp(status, "interim") != 0)
		return "status";
	if (pol_person_review_due(ps) < now)
		return "review_overdue";
	if (strcmp(status, "interim") == 0 && pol_person_interim_expires(ps) < now)
		return "interim_expired";
	return NULL;
}

static json_t *person_entry(struct col_store *st, const struct pol_person *ps, const char *state,
                            const char *why)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	int rc = json_object_set_new(o, "person", json_string(pol_person_id(ps)));
	rc |= json_object_set_new(o, "name", json_string(pol_person_name(ps)));
	rc |= json_object_set_new(o, "level", json_string(pol_person_level(ps)));
	rc |= json_object_set_new(o, "status", json_string(pol_person_status(ps)));
	rc |= set_date(o, "granted", pol_person_granted(ps));
	rc |= set_date(o, "review_due", pol_person_review_due(ps));
	rc |= set_date(o, "interim_expires", pol_person_interim_expires(ps));
	rc |= json_object_set_new(o, "state", json_string(state));
	rc |= json_object_set_new(o, "why", why ? json_string(why) : json_null());
	long long act = lapsed_activity(st, pol_person_id(ps));
	rc |= json_object_set_new(o, "lapsed_activity", act >= 0 ? json_integer(act) : json_null());
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

void col_api_vetting(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r)
{
	const char *arg = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "due_within");
	long long days = DEFAULT_DUE_DAYS;
	char *end;

	if (arg && *arg) {
		days = strtoll(arg, &end, 10);
		if (*end || arg[0] < '0' || arg[0] > '9' || days > MAX_DUE_DAYS)
			return col_api_error(r, 400, "query 'due_within': expected days from 0 to %d",
			                     MAX_DUE_DAYS);
	}
	struct col_policy_ref *ref = col_policy_acquire(&srv->policy);
	if (!ref)
		return col_api_error(r, 503, "no policy loaded");
	int64_t now = vg_time_now(), horizon = now + days * VG_MS_PER_DAY;
	json_t *persons = json_array(), *exceptions = json_array();
	int rc = persons && exceptions ? 0 : -1;

	for (size_t i = 0; rc == 0; i++) {
		const struct pol_person *ps = pol_person_at(ref->pol, i);
		if (!ps)
			break;
		const char *why = not_current(ps, now), *state = NULL;
		if (why)
			state = "not_current";
		else if (strcmp(pol_person_status(ps), "interim") == 0)
			state = "interim";
		else if (pol_person_review_due(ps) < horizon)
			state = "review_due";
		if (!state)
			continue;
		json_t *e = person_entry(srv->store, ps, state, why);
		rc = e ? json_array_append_new(persons, e) : -1;
	}
	for (size_t i = 0; rc == 0; i++) {
		const struct pol_exception *ex = pol_exception_at(ref->pol, i);
		if (!ex)
			break;
		if (pol_exception_expires(ex) >= horizon)
			continue;
		json_t *e = json_object();
		rc = e ? 0 : -1;
		if (e) {
			rc |= json_object_set_new(e, "subject", json_string(pol_exception_subject(ex)));
			rc |= json_object_set_new(e, "resource", json_string(pol_exception_resource(ex)));
			rc |= json_object_set_new(e, "ticket", json_string(pol_exception_ticket(ex)));
			rc |= json_object_set_new(e, "approver", json_string(pol_exception_approver(ex)));
			rc |= set_date(e, "expires", pol_exception_expires(ex));
			rc |= json_object_set_new(e, "expired", json_boolean(pol_exception_expires(ex) <= now));
			rc |= json_array_append_new(exceptions, e);
		}
	}
	long long serial = pol_serial(ref->pol);
	col_policy_release(ref);
	if (rc) {
		json_decref(persons);
		json_decref(exceptions);
		return col_api_error(r, 500, "out of memory");
	}
	char ts[VG_TIME_LEN];
	vg_time_format(now, ts);
	r->status = 200;
	r->json = json_pack("{s:s,s:I,s:I,s:o,s:o}", "as_of", ts, "due_within_days", (json_int_t)days,
	                    "policy_serial", (json_int_t)serial, "persons", persons, "exceptions",
	                    exceptions);
	if (!r->json)
		col_api_error(r, 500, "out of memory");
}
