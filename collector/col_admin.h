/*
 * col_admin: the collector's identity commands.
 *
 *   agent add HOST [--expires DUR]              print a new agent token
 *   agent rotate ID|HOST [--grace DUR] [--expires DUR]   print a replacement
 *   agent revoke ID|HOST                        every active identity matched
 *   agent list [--json]                         no secrets
 *   officer add NAME --role ROLE [--expires DUR]
 *   officer rotate ID|NAME [--grace DUR] [--expires DUR]
 *   officer revoke ID|NAME
 *   officer list [--json]
 *   ca init|issue ...                           (col_ca.h)
 *
 * DUR is N followed by s, m, h or d. An argument of digits only is an id.
 * A new token is printed alone on one line of standard output and nowhere
 * else. Run as root, the commands first become the collector's user
 * (col_privs.h), so the database they create or change stays its own.
 */
#ifndef COL_ADMIN_H
#define COL_ADMIN_H

#include "col_config.h"

#include <stdio.h>

/* Runs the command in argv[0..argc) ("agent", "officer" or "ca" first).
 * Returns the exit status: 0, 1 on failure, 2 on a usage error. */
int col_admin_main(const struct col_config *cfg, int argc, char **argv);

/* Prints the usage lines of these commands. */
void col_admin_usage(FILE *f);

#endif
