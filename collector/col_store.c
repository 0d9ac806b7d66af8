/*
 * col_store: names shared by every storage backend (roles).
 */
#include "col_store.h"

#include <string.h>

static const char *const role_names[COL_ROLE_COUNT] = {"agent", "officer", "policy", "auditor", "admin",
                                                           "vetting"};

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
