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

static const double severity_score[] = {10, 25, 50, 80};

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

int col_detect_event(const struct pol_policy *p, const struct vg_event *ev,
                     struct col_detect_result *out)
{
	struct pol_request req;
	struct col_finding *byclass[POL_CLASS_COUNT] = {0};
	struct pol_decision *d = &out->decision;

	out->n = 0;
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
		f->score = severity_score[f->severity];
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
