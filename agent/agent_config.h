/*
 * agent_config: the agent's configuration file (libconfig).
 */
#ifndef AGENT_CONFIG_H
#define AGENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

enum agent_audit_mode { AGENT_AUDIT_OFF, AGENT_AUDIT_NETLINK, AGENT_AUDIT_STDIN };

struct agent_config {
	char *path;
	char *collector;           /* base URL */
	char *token_file;
	char *host;                /* defaults to the machine's host name */
	char *spool;
	char *socket;
	char *ca;                  /* CA bundle for https, NULL = system default */
	char *certificate, *key;   /* client certificate and key for mutual TLS, or NULL */
	char *policy;              /* policy for login enforcement, NULL = never enforce */
	enum agent_audit_mode audit;
	int64_t spool_max_events;  /* bound of the spool */
	int batch_events;          /* events per batch */
	size_t batch_bytes;        /* uncompressed bytes per batch */
	int batch_delay_ms;        /* a partial batch waits at most this long */
	int heartbeat_s;           /* agent heartbeat interval */
	int backoff_max_s;         /* retry back-off cap */
	int log_level;
};

/* Reads and validates path. Returns 0 or -1 with "file:line: message". */
int agent_config_load(const char *path, struct agent_config *cfg, char *err, size_t errlen);
void agent_config_free(struct agent_config *cfg);

#endif
