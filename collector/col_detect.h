/*
 * col_detect: turns stored events into anomalies.
 *
 * Detection v0 is policy matching: each new event that a person (or an
 * unknown account) performs is decided against the policy at the event's
 * own time, and every class of reason found becomes one anomaly with a
 * severity, a score, its reason codes and a one-sentence summary. Because
 * it depends only on the event and the policy, replaying a stream in any
 * batch split yields the same anomalies.
 */
#ifndef COL_DETECT_H
#define COL_DETECT_H

#include "pol.h"
#include "vg_event.h"

enum col_akind {
	COL_AK_CLEARANCE_EXCEEDED, COL_AK_NEED_TO_KNOW, COL_AK_VETTING_LAPSED,
	COL_AK_UNKNOWN_ACCOUNT, COL_AK_HOST_NOT_ACCREDITED, COL_AK_OUTSIDE_SCHEDULE,
	COL_AK_UNAUTHORIZED_PRIVILEGE, COL_AK_REMOVABLE_MEDIA, COL_AK_FAILED_LOGIN_BURST,
	COL_AK_VOLUME_SPIKE, COL_AK_FIRST_ACCESS, COL_AK_UNUSUAL_HOUR,
	COL_AK_CONCURRENT_SESSIONS, COL_AK_DORMANT_ACCOUNT, COL_AK_AGENT_SILENT,
	COL_AK_AUDIT_LOSS, COL_AK_AUDIT_TAMPER, COL_AK_COUNT
};

/* Stable names from DESIGN.md ("clearance_exceeded", ...); NULL past the end. */
const char *col_akind_name(int kind);
int col_akind_parse(const char *name);          /* -1 when unknown */

struct col_finding {
	enum col_akind kind;
	int severity;                               /* enum col_severity */
	double score;
	const char *reasons[POL_MAX_REASONS];       /* point into the decision */
	int nreasons;
	char summary[1536];
};

struct col_detect_result {
	struct pol_decision decision;
	int n;
	struct col_finding findings[POL_CLASS_COUNT];
};

/* Decides ev against p and fills out with one finding per anomaly kind.
 * Returns the number of findings (0 for allowed or undecidable events such
 * as agent health records). */
int col_detect_event(const struct pol_policy *p, const struct vg_event *ev,
                     struct col_detect_result *out);

#endif
