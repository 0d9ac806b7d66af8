/*
 * col_detect: policy-matching detection (v0) and anomaly wording.
 */
#include "col_detect.h"
#include "vg_time.h"

#include <stdio.h>
#include <string.h>

/* pol_class -> anomaly kind, in enum pol_class order. */
static const enum vg_akind class_kind[POL_CLASS_COUNT] = {
	VG_AK_UNKNOWN_ACCOUNT, VG_AK_CLEARANCE_EXCEEDED, VG_AK_NEED_TO_KNOW,
	VG_AK_VETTING_LAPSED, VG_AK_HOST_NOT_ACCREDITED, VG_AK_OUTSIDE_SCHEDULE,
	VG_AK_UNAUTHORIZED_PRIVILEGE, VG_AK_REMOVABLE_MEDIA,
};

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
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

/* One sentence: the finding's first reason in the policy's own words, with
 * a count of the others (all of them are in the reason codes). */
static void write_summary(const struct pol_decision *d, const struct pol_request *req,
                          struct col_finding *f)
{
	const struct pol_reason *first = &d->reasons[f->reason_index[0]];
	int n = pol_reason_text(d, req, first, f->summary, sizeof f->summary);
	if (n < 0) {
		size_t k = strnlen(first->code, sizeof first->code);
		if (k >= sizeof f->summary)
			k = sizeof f->summary - 1;
		memcpy(f->summary, first->code, k);
		f->summary[k] = '\0';
		n = (int)k;
	}
	if (f->nreasons > 1 && (size_t)n < sizeof f->summary && n > 0) {
		/* "...; and 2 more reasons." replaces the final period. */
		if (f->summary[n - 1] == '.')
			n--;
		snprintf(f->summary + n, sizeof f->summary - (size_t)n, "; and %d more reason%s.",
		         f->nreasons - 1, f->nreasons > 2 ? "s" : "");
	}
}

/* What an agent's own report says about the audit trail: lost records and
 * changes to auditing are anomalies of the host, not of a person. */
static const struct {
	const char *action;
	enum vg_akind kind;
	int severity;
	const char *words;
} agent_findings[] = {
	{"audit_loss", VG_AK_AUDIT_LOSS, VG_SEV_HIGH, "The kernel lost audit records"},
	{"audit_netlink_overrun", VG_AK_AUDIT_LOSS, VG_SEV_MEDIUM,
	 "The agent fell behind the audit stream and records were lost"},
	{"spool_drop", VG_AK_AUDIT_LOSS, VG_SEV_MEDIUM, "The agent's spool was full and dropped events"},
	{"spool_write_failed", VG_AK_AUDIT_LOSS, VG_SEV_MEDIUM,
	 "The agent could not write its spool (locked, disk full) and dropped events"},
	{"audit_config_change", VG_AK_AUDIT_TAMPER, VG_SEV_HIGH, "The audit rules or settings changed"},
	{"audit_disabled", VG_AK_AUDIT_TAMPER, VG_SEV_CRITICAL, "Kernel auditing was switched off"},
	{"auditd_end", VG_AK_AUDIT_TAMPER, VG_SEV_HIGH, "auditd stopped"},
	{"auditd_abort", VG_AK_AUDIT_TAMPER, VG_SEV_HIGH, "auditd aborted"},
	{"auditd_config", VG_AK_AUDIT_TAMPER, VG_SEV_MEDIUM, "auditd reloaded its configuration"},
};

/* One finding for an agent event that reports audit loss or tampering. */
static int detect_agent_event(const struct vg_event *ev, struct col_detect_result *out)
{
	const char *action = json_string_value(json_object_get(ev->detail, "action"));
	if (!action)
		return 0;
	for (size_t i = 0; i < sizeof agent_findings / sizeof agent_findings[0]; i++) {
		if (strcmp(action, agent_findings[i].action) != 0)
			continue;
		struct col_finding *f = &out->findings[out->n++];
		f->kind = agent_findings[i].kind;
		f->severity = agent_findings[i].severity;
		f->score = vg_severity_score(f->severity);
		f->reasons[0] = agent_findings[i].action;
		f->reason_index[0] = -1;
		f->nreasons = 1;
		json_int_t lost = json_integer_value(json_object_get(ev->detail, "lost"));
		if (lost > 0)
			snprintf(f->summary, sizeof f->summary, "%s on %s: %lld.", agent_findings[i].words,
			         ev->host ? ev->host : "an unnamed host", (long long)lost);
		else
			snprintf(f->summary, sizeof f->summary, "%s on %s.", agent_findings[i].words,
			         ev->host ? ev->host : "an unnamed host");
		return 1;
	}
	return 0;
}

int col_detect_event(const struct pol_policy *p, const struct vg_event *ev,
                     struct col_detect_result *out)
{
	struct pol_request req;
	struct col_finding *byclass[POL_CLASS_COUNT] = {0};
	struct pol_decision *d = &out->decision;

	out->n = 0;
	if (ev->kind == VG_KIND_AGENT) {
		out->decision.person = NULL;   /* a host's finding, no person's */
		return ev->detail ? detect_agent_event(ev, out) : 0;
	}
	if (!p || !pol_request_from_event(ev, &req))
		return 0;
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
		f->reason_index[f->nreasons] = i;
		f->reasons[f->nreasons++] = d->reasons[i].code;
	}
	for (int i = 0; i < out->n; i++) {
		struct col_finding *f = &out->findings[i];
		f->score = vg_severity_score(f->severity);
		write_summary(d, &req, f);
	}
	return out->n;
}

void col_detect_incident_key(const struct vg_event *ev, const struct col_finding *f, char *buf,
                             size_t len)
{
	size_t used;
	int n = snprintf(buf, len, "%s|%s|%s|%lld", vg_akind_name(f->kind), ev->user ? ev->user : "",
	                 ev->host ? ev->host : "", (long long)(ev->time_ms / VG_MS_PER_DAY));
	used = n > 0 ? (size_t)n : 0;
	for (int i = 0; i < f->nreasons && used < len; i++) {
		n = snprintf(buf + used, len - used, "|%s", f->reasons[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
