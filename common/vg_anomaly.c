/*
 * vg_anomaly: names of anomaly kinds, severities and statuses.
 */
#include "vg_anomaly.h"

#include <string.h>

const char *const vg_akind_names[VG_AK_COUNT] = {
	"clearance_exceeded", "need_to_know", "vetting_lapsed", "unknown_account",
	"host_not_accredited", "outside_schedule", "unauthorized_privilege", "removable_media",
	"failed_login_burst", "volume_spike", "first_access", "unusual_hour",
	"concurrent_sessions", "dormant_account", "agent_silent", "audit_loss", "audit_tamper",
};
const char *const vg_severity_names[VG_SEV_COUNT] = {"low", "medium", "high", "critical"};
const char *const vg_status_names[VG_STATUS_COUNT] = {"open", "acknowledged", "resolved",
                                                      "false_positive"};

static const char *name_of(const char *const *names, int n, int v)
{
	return v >= 0 && v < n ? names[v] : NULL;
}

static int index_of(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

const char *vg_akind_name(int kind) { return name_of(vg_akind_names, VG_AK_COUNT, kind); }
const char *vg_severity_name(int sev) { return name_of(vg_severity_names, VG_SEV_COUNT, sev); }
const char *vg_status_name(int st) { return name_of(vg_status_names, VG_STATUS_COUNT, st); }

double vg_severity_score(int sev)
{
	static const double score[VG_SEV_COUNT] = {10, 25, 50, 80};
	return sev >= 0 && sev < VG_SEV_COUNT ? score[sev] : 0;
}
int vg_akind_parse(const char *s) { return index_of(vg_akind_names, VG_AK_COUNT, s); }
int vg_severity_parse(const char *s) { return index_of(vg_severity_names, VG_SEV_COUNT, s); }
int vg_status_parse(const char *s) { return index_of(vg_status_names, VG_STATUS_COUNT, s); }

char *vg_names_join(const char *const *names, size_t n, char *buf, size_t len)
{
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++) {
		size_t k = strlen(names[i]) + (i ? 2 : 0);
		if (used + k + 1 > len)
			break;
		if (i) {
			memcpy(buf + used, ", ", 2);
			used += 2;
		}
		memcpy(buf + used, names[i], strlen(names[i]) + 1);
		used += strlen(names[i]);
	}
	return buf;
}
