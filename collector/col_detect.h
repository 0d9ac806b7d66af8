/*
 * col_detect: turns stored events into anomalies.
 *
 * Detection v0 is policy matching: each new event that a person (or an
 * unknown account) performs is decided against the policy at the event's
 * own time, and every class of reason found becomes one anomaly with a
 * severity, a score, its reason codes and a one-sentence summary. An
 * agent's own reports of lost audit records or changed auditing become
 * audit_loss and audit_tamper anomalies of the host. Because
 * it depends only on the event and the policy, replaying a stream in any
 * batch split yields the same anomalies.
 */
#ifndef COL_DETECT_H
#define COL_DETECT_H

#include "pol.h"
#include "vg_anomaly.h"
#include "vg_event.h"

struct col_finding {
	enum vg_akind kind;
	int severity;                               /* enum vg_severity */
	double score;
	const char *reasons[POL_MAX_REASONS];       /* point into the decision */
	int reason_index[POL_MAX_REASONS];          /* positions in decision.reasons */
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

/* Writes the incident key of finding f for event ev: findings of the same
 * kind, account, host and reason codes on the same UTC day are one incident
 * (a burst of 500 forbidden reads is one anomaly with a count). The key
 * depends only on the event, so any batch split groups the same way. */
void col_detect_incident_key(const struct vg_event *ev, const struct col_finding *f, char *buf,
                             size_t len);

#endif
