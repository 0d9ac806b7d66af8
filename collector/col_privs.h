/*
 * col_privs: the collector gives up root.
 *
 * Started as root, the collector reads its TLS files and binds its socket,
 * then becomes the configured unprivileged user (`user`, default "vigil")
 * before it opens the database, loads the policy or starts a thread; the
 * command-line tools that write the database do the same, so that every
 * file they create belongs to that user. `user = "root";` keeps root (an
 * explicit choice); without the setting, and without a "vigil" account, the
 * collector stays root and says so.
 */
#ifndef COL_PRIVS_H
#define COL_PRIVS_H

#include "col_config.h"

#include <stdio.h>
#include <sys/types.h>

struct col_runas {
	int drop;              /* 1: switch to uid/gid */
	uid_t uid;
	gid_t gid;
	char name[64];
	const char *note;      /* why not, when drop is 0 and it matters; NULL otherwise */
};

/* Decides who the collector runs as. Returns 0, or -1 with err when the
 * configured user does not exist. */
int col_privs_resolve(const struct col_config *cfg, struct col_runas *ra, char *err, size_t errlen);

/* Checks, before the switch, that the user can keep the database: its
 * directory must be writable and searchable by the user and existing
 * database files (with -wal and -shm) must belong to it. Returns 0, or -1
 * with a message that says which chown fixes it. */
int col_privs_check_database(const struct col_config *cfg, const struct col_runas *ra, char *err,
                             size_t errlen);

/* Switches to ra (when ra->drop): supplementary groups, gid, uid, each
 * checked, and then checks that root cannot be regained. Returns 0 or -1
 * with err. */
int col_privs_drop(const struct col_runas *ra, char *err, size_t errlen);

/* resolve + check + drop, for the daemon and the tools. */
int col_privs_become(const struct col_config *cfg, char *err, size_t errlen);

#endif
