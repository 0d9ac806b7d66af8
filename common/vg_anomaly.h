/*
 * vg_anomaly: the anomaly vocabulary shared by the collector and reports:
 * kinds, severities and triage statuses, with their stable wire names
 * (../shared/DESIGN.md "Anomaly kinds").
 */
#ifndef VG_ANOMALY_H
#define VG_ANOMALY_H

#include <stddef.h>

enum vg_akind {
	VG_AK_CLEARANCE_EXCEEDED, VG_AK_NEED_TO_KNOW, VG_AK_VETTING_LAPSED,
	VG_AK_UNKNOWN_ACCOUNT, VG_AK_HOST_NOT_ACCREDITED, VG_AK_OUTSIDE_SCHEDULE,
	VG_AK_UNAUTHORIZED_PRIVILEGE, VG_AK_REMOVABLE_MEDIA, VG_AK_FAILED_LOGIN_BURST,
	VG_AK_VOLUME_SPIKE, VG_AK_FIRST_ACCESS, VG_AK_UNUSUAL_HOUR,
	VG_AK_CONCURRENT_SESSIONS, VG_AK_DORMANT_ACCOUNT, VG_AK_AGENT_SILENT,
	VG_AK_AUDIT_LOSS, VG_AK_AUDIT_TAMPER, VG_AK_COUNT
};

enum vg_severity { VG_SEV_LOW, VG_SEV_MEDIUM, VG_SEV_HIGH, VG_SEV_CRITICAL, VG_SEV_COUNT };

enum vg_status { VG_STATUS_OPEN, VG_STATUS_ACKNOWLEDGED, VG_STATUS_RESOLVED,
                 VG_STATUS_FALSE_POSITIVE, VG_STATUS_COUNT };

extern const char *const vg_akind_names[VG_AK_COUNT];
extern const char *const vg_severity_names[VG_SEV_COUNT];
extern const char *const vg_status_names[VG_STATUS_COUNT];

/* Names by value; NULL when out of range. */
const char *vg_akind_name(int kind);
const char *vg_severity_name(int sev);
const char *vg_status_name(int status);

/* The score an anomaly of severity sev carries: 10, 25, 50, 80 from low to
 * critical; 0 when out of range. */
double vg_severity_score(int sev);

/* Values by name; -1 when s is NULL or unknown (names are case-sensitive). */
int vg_akind_parse(const char *s);
int vg_severity_parse(const char *s);
int vg_status_parse(const char *s);

/* Writes "a, b, c" for names[0..n) into buf, for messages that list the
 * accepted values. Returns buf. */
char *vg_names_join(const char *const *names, size_t n, char *buf, size_t len);

#endif
