/*
 * col_server: the running collector's state, shared by the HTTP handlers.
 */
#ifndef COL_SERVER_H
#define COL_SERVER_H

#include "col_config.h"
#include "col_metrics.h"
#include "col_policy.h"
#include "col_store.h"

struct MHD_Daemon;

/* PEM text of the TLS credentials, kept for the daemon's lifetime. */
struct col_tls_files {
	char *cert, *key, *ca;
};

struct col_server {
	struct col_config cfg;
	struct col_store *store;
	struct col_policy_slot policy;
	struct col_metrics metrics;
	struct MHD_Daemon *mhd;
	int port;                  /* the bound port */
	struct col_tls_files tls;
};

/* Starts the HTTP daemon on cfg.listen. Returns 0 or -1 with err. */
int col_http_start(struct col_server *srv, char *err, size_t errlen);
void col_http_stop(struct col_server *srv);

/* Checks that the configured TLS files are readable PEM (for -t). Returns 0
 * or -1 with "FILE: reason" in err. */
int col_http_check_tls(const struct col_config *cfg, char *err, size_t errlen);

#endif
