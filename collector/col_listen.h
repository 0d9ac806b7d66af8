/*
 * col_listen: the collector's listening socket, opened before the
 * collector gives up root (col_privs.h), so that it may listen on a
 * privileged port and still serve as an unprivileged user.
 */
#ifndef COL_LISTEN_H
#define COL_LISTEN_H

#include <stddef.h>

/* Opens a TCP socket listening on host (a numeric address, or localhost)
 * and port (0: any free port). Returns the descriptor with *bound_port and
 * *ipv6 set, or -1 with "HOST:PORT: reason" in err. */
int col_listen_open(const char *host, int port, int *bound_port, int *ipv6, char *err, size_t errlen);

#endif
