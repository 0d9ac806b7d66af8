/*
 * col_detect: policy-matching detection (v0) and anomaly wording.
 */
#include "col_detect.h"

#include <stdio.h>
#include <string.h>

/* pol_class -> anomaly kind, in enum pol_class order. */
static const enum vg_akind class_kind[POL_CLASS_COUNT] = {
	VG_AK_UNKNOWN_ACCOUNT, VG_AK_CLEARANCE_EXCEEDED, VG_AK_NEED_TO_KNOW,
	VG_AK_VETTING_LAPSED, VG_AK_HOST_NOT_ACCREDITED, VG_AK_OUTSIDE_SCHEDULE,
	VG_AK_UNAUTHORIZED_PRIVILEGE, VG_AK_REMOVABLE_MEDIA,
};

static const double severity_score[] = {10, 25, 50, 80};

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Maps an event to the action the policy decides; false when the event is
 * not activity by an account (agent health, failed logins, logouts). */
static bool event_action(const struct vg_event *ev, enum pol_action *act)
{
	if (!ev->user || !*ev->user)
		return false;
	switch (ev->kind) {
	case VG_KIND_AUTH_SUCCESS:
	case VG_KIND_SESSION_OPEN:
		*act = POL_ACT_LOGIN;
		return true;
	case VG_KIND_FILE_ACCESS:
		*act = ev->op == VG_OP_WRITE ? POL_ACT_WRITE : ev->op == VG_OP_EXEC ? POL_ACT_EXEC :
		       ev->op == VG_OP_ATTR ? POL_ACT_ATTR : ev->op == VG_OP_MOUNT ? POL_ACT_MEDIA :
		       POL_ACT_READ;
		return ev->path != NULL;
	case VG_KIND_EXEC:
		*act = POL_ACT_EXEC;
		return true;
	case VG_KIND_PRIVILEGE:
		*act = POL_ACT_PRIVILEGE;
		return true;
	case VG_KIND_MEDIA:
		*act = POL_ACT_MEDIA;
		return true;
	default:
		return false;
	}
}

/* How serious one reason is; a finding takes its worst reason. */
static int reason_severity(enum vg_akind kind, const char *code)
{
	switch (kind) {
	case VG_AK_VETTING_LAPSED:
		if (starts(code, "status:suspended") || starts(code, "status:revoked") ||
		    starts(code, "status:denied") || starts(code, "status:debriefed"))
			return VG_SEV_CRITICAL;
		if (starts(code, "review_overdue:"))
			return VG_SEV_MEDIUM;
		return VG_SEV_HIGH;
	case VG_AK_CLEARANCE_EXCEEDED:
	case VG_AK_NEED_TO_KNOW:
	case VG_AK_UNAUTHORIZED_PRIVILEGE:
	case VG_AK_REMOVABLE_MEDIA:
	case VG_AK_HOST_NOT_ACCREDITED:
		return VG_SEV_HIGH;
	case VG_AK_UNKNOWN_ACCOUNT:
		return VG_SEV_MEDIUM;
	default:
		return VG_SEV_LOW;
	}
}

/* Writes a reason code as words into buf ("not read on to FALCON"). */
static void reason_words(const char *code, char *buf, size_t n)
{
	static const struct { const char *prefix, *words; } table[] = {
		{"level:", "clearance "},
		{"host_level:", "host classification "},
		{"missing_compartment:", "not read on to "},
		{"not_yet_read_on:", "not yet read on to "},
		{"debriefed:", "debriefed from "},
		{"interim_no_compartments:", "interim clearance gives no access to "},
		{"status:", "clearance status is "},
		{"review_overdue:", "periodic review overdue since "},
		{"not_yet_granted:", "clearance not granted until "},
		{"host_not_permitted:", "not permitted on host "},
		{"outside_schedule:", "outside schedule "},
		{"privilege_not_granted:", "no privilege for "},
		{"removable_media_forbidden:", "removable media forbidden on "},
		{"unknown_account", "account maps to no vetted person"},
	};
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		if (starts(code, table[i].prefix)) {
			snprintf(buf, n, "%s%s", table[i].words, code + strlen(table[i].prefix));
			return;
		}
	}
	snprintf(buf, n, "%s", code);
}

static const char *action_verb(const struct vg_event *ev)
{
	switch (ev->kind) {
	case VG_KIND_AUTH_SUCCESS: return "authenticated";
	case VG_KIND_SESSION_OPEN: return "logged in";
	case VG_KIND_EXEC: return "ran";
	case VG_KIND_PRIVILEGE: return "used";
	case VG_KIND_MEDIA: return "mounted";
	default:
		return ev->op == VG_OP_WRITE ? "wrote" : ev->op == VG_OP_EXEC ? "ran" :
		       ev->op == VG_OP_ATTR ? "changed" : "read";
	}
}

static void write_summary(const struct vg_event *ev, const struct pol_decision *d,
                          struct col_finding *f)
{
	char who[160], what[600], why[400] = "";
	size_t used = 0;
	const char *object = ev->path ? ev->path : ev->exe;

	if (d->person)
		snprintf(who, sizeof who, "%s (%s, %s)", ev->user, pol_person_name(d->person),
		         pol_person_id(d->person));
	else
		snprintf(who, sizeof who, "%s", ev->user);
	if (object && ev->kind != VG_KIND_AUTH_SUCCESS && ev->kind != VG_KIND_SESSION_OPEN)
		snprintf(what, sizeof what, "%s %s", action_verb(ev), object);
	else if (ev->kind == VG_KIND_PRIVILEGE)
		snprintf(what, sizeof what, "used %s", ev->service ? ev->service : "a privilege");
	else
		snprintf(what, sizeof what, "%s", action_verb(ev));
	for (int i = 0; i < f->nreasons && used < sizeof why - 1; i++) {
		char w[160];
		reason_words(f->reasons[i], w, sizeof w);
		int k = snprintf(why + used, sizeof why - used, "%s%s", i ? "; " : "", w);
		if (k < 0)
			break;
		used += (size_t)k;
	}
	snprintf(f->summary, sizeof f->summary, "%s %s%s%s: %s.", who, what, ev->host ? " on " : "",
	         ev->host ? ev->host : "", why);
}

int col_detect_event(const struct pol_policy *p, const struct vg_event *ev,
                     struct col_detect_result *out)
{
	struct pol_request req = {0};
	struct col_finding *byclass[POL_CLASS_COUNT] = {0};
	struct pol_decision *d = &out->decision;

	out->n = 0;
	if (!p || !event_action(ev, &req.action))
		return 0;
	req.account = ev->user;
	req.host = ev->host;
	req.path = ev->path ? ev->path : (req.action == POL_ACT_EXEC ? ev->exe : NULL);
	req.time_ms = ev->time_ms;
	if (req.action == POL_ACT_PRIVILEGE)
		req.target_account = ev->ruser;
	pol_decide(p, &req, d);
	if (d->allow)
		return 0;

	for (int i = 0; i < d->nreasons; i++) {
		enum pol_class cls = d->reasons[i].cls;
		if ((unsigned)cls >= POL_CLASS_COUNT)
			continue;
		struct col_finding *f = byclass[cls];
		if (!f) {
			f = byclass[cls] = &out->findings[out->n++];
			f->kind = class_kind[cls];
			f->severity = VG_SEV_LOW;
			f->nreasons = 0;
		}
		int sev = reason_severity(f->kind, d->reasons[i].code);
		if (sev > f->severity)
			f->severity = sev;
		f->reasons[f->nreasons++] = d->reasons[i].code;
	}
	for (int i = 0; i < out->n; i++) {
		struct col_finding *f = &out->findings[i];
		f->score = severity_score[f->severity];
		write_summary(ev, d, f);
	}
	return out->n;
}
