/*
 * col_store: names shared by every storage backend (roles, severities).
 */
#include "col_store.h"

#include <string.h>

static const char *const role_names[COL_ROLE_COUNT] = {"agent", "officer", "policy", "auditor", "admin"};
static const char *const severity_names[] = {"low", "medium", "high", "critical"};

const char *col_role_name(enum col_role r)
{
	return (unsigned)r < COL_ROLE_COUNT ? role_names[r] : "none";
}

int col_role_parse(const char *s)
{
	for (int i = COL_ROLE_OFFICER; i < COL_ROLE_COUNT; i++)
		if (strcmp(s, role_names[i]) == 0)
			return i;
	return -1;
}

const char *col_severity_name(int sev)
{
	return sev >= COL_SEV_LOW && sev <= COL_SEV_CRITICAL ? severity_names[sev] : "unknown";
}

int col_severity_parse(const char *s)
{
	for (int i = COL_SEV_LOW; i <= COL_SEV_CRITICAL; i++)
		if (strcmp(s, severity_names[i]) == 0)
			return i;
	return -1;
}
