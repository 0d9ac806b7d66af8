/*
 * unit_tmpdir.h: a temporary directory for a cmocka group, made before the
 * group runs and removed after it (the group setup and teardown). Included
 * by tests/unit/test_*.c after cmocka.h.
 */
#ifndef UNIT_TMPDIR_H
#define UNIT_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vigil-unit.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

#endif
