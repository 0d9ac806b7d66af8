/*
 * agent_caps: dropping the agent's capabilities with libcap-ng (see
 * agent_caps.h for which are kept and why).
 */
#include "agent_caps.h"

#include <cap-ng.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

int agent_caps_restrict(int keep_audit_control, char *err, size_t errlen)
{
	if (capng_get_caps_process() < 0) {
		snprintf(err, errlen, "capabilities: cannot read this process's: %s", strerror(errno));
		return -1;
	}
	int had_bounding = capng_have_capabilities(CAPNG_SELECT_BOUNDS) != CAPNG_NONE;
	int had = capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE;
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep_audit_control && had &&
	    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_AUDIT_CONTROL) < 0) {
		snprintf(err, errlen, "capabilities: cannot keep CAP_AUDIT_CONTROL");
		return -1;
	}
	/* Emptying the bounding set needs CAP_SETPCAP, which root has; an
	 * agent started without it keeps the bounding set it was given. */
	int rc = capng_apply(had_bounding && had ? CAPNG_SELECT_BOTH : CAPNG_SELECT_CAPS);
	if (rc < 0) {
		snprintf(err, errlen, "capabilities: cannot drop them (capng_apply %d): %s", rc,
		         strerror(errno));
		return -1;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s", strerror(errno));
		return -1;
	}
	/* Check what the kernel now holds for this thread. */
	if (capng_get_caps_process() < 0) {
		snprintf(err, errlen, "capabilities: cannot read them back: %s", strerror(errno));
		return -1;
	}
	for (unsigned cap = 0; cap <= CAP_LAST_CAP; cap++) {
		if (keep_audit_control && cap == CAP_AUDIT_CONTROL)
			continue;
		if (capng_have_capability(CAPNG_EFFECTIVE, cap) || capng_have_capability(CAPNG_PERMITTED, cap)) {
			snprintf(err, errlen, "capabilities: %s is still held after dropping it",
			         capng_capability_to_name(cap));
			return -1;
		}
	}
	return 0;
}

const char *agent_caps_describe(int keep_audit_control)
{
	return keep_audit_control ? "CAP_AUDIT_CONTROL" : "none";
}
