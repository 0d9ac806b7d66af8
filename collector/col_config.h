/*
 * col_config: the collector's configuration file (libconfig).
 */
#ifndef COL_CONFIG_H
#define COL_CONFIG_H

#include "col_alert_config.h"

#include <stddef.h>

struct col_config {
	char *path;            /* the file it was read from */
	char *listen_host;     /* "127.0.0.1" */
	int listen_port;       /* 8470 */
	char *database;
	char *policy;
	size_t max_body;       /* bytes, raw and inflated */
	int threads;
	int connection_timeout; /* seconds a connection may stay idle; 60 */
	int anchor_interval;   /* seconds between chain anchors (col_anchor.h); 60, 0 = start and stop only */
	int log_level;         /* enum vg_log_level */
	char *tls_certificate, *tls_key, *tls_client_ca;  /* NULL when not set */
	char *user;            /* the account to run as (col_privs.h); NULL when not set */
	struct col_alert_config alerts;  /* the alerts group (col_alert_config.h) */
};

/* Reads and validates path. Returns 0, or -1 with "file:line: message". */
int col_config_load(const char *path, struct col_config *cfg, char *err, size_t errlen);
void col_config_free(struct col_config *cfg);

/* Splits "host:port" ("[::1]:8470" for IPv6). Returns 0 or -1. */
int col_config_parse_listen(const char *s, char **host, int *port);

#endif
