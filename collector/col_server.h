/*
 * col_server: the running collector's state, shared by the HTTP handlers.
 */
#ifndef COL_SERVER_H
#define COL_SERVER_H

#include "col_config.h"
#include "col_metrics.h"
#include "col_policy.h"
#include "col_store.h"

#include <pthread.h>
#include <stdbool.h>

struct MHD_Daemon;
struct col_behave;
struct col_alert;
struct col_anchor;

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
	/* The listening socket, opened by col_http_bind before privileges are
	 * dropped; the daemon owns it once started. */
	int listen_fd;
	bool listening;
	/* behavioural detection (col_found.c) */
	struct col_behave *behave;
	pthread_t behave_thread;
	pthread_mutex_t behave_lock;
	pthread_cond_t behave_cond;
	bool behave_stop, behave_running;
	/* alert delivery (col_alert.c); NULL when alerts are off */
	struct col_alert *alert;
	/* chain anchors (col_anchor.c) */
	struct col_anchor *anchor;
};

/* Reads the TLS files and opens the listening socket (sets port): the
 * steps that may need root. Returns 0 or -1 with err. */
int col_http_bind(struct col_server *srv, char *err, size_t errlen);

/* Starts the HTTP daemon on cfg.listen (binding first unless col_http_bind
 * did). Returns 0 or -1 with err. */
int col_http_start(struct col_server *srv, char *err, size_t errlen);
void col_http_stop(struct col_server *srv);

/* Checks that the configured TLS files are readable PEM (for -t). Returns 0
 * or -1 with "FILE: reason" in err. */
int col_http_check_tls(const struct col_config *cfg, char *err, size_t errlen);

#endif
