/*
 * col_alert_config: the `alerts` group of collector.conf.
 *
 *   alerts = {
 *     min_severity = "high";                 # low|medium|high|critical
 *     syslog = "udp:127.0.0.1:5514";         # or "unix:/dev/log"
 *     facility = "auth";                     # syslog facility name
 *     webhooks = ( { url = "https://siem.example/hook"; ca = "/etc/vigil/siem-ca.pem";
 *                    secret_header = "X-Vigil-Token: ..."; timeout = 10; } );
 *     backoff_initial = 1; backoff_max = 300;  # seconds between retries
 *   };
 *
 * Every key is known and checked (file:line on error); an alerts group
 * needs at least one sink.
 */
#ifndef COL_ALERT_CONFIG_H
#define COL_ALERT_CONFIG_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

enum col_syslog_transport { COL_SYSLOG_NONE, COL_SYSLOG_UDP, COL_SYSLOG_UNIX };

struct col_alert_webhook {
	char *url;
	char *ca;                  /* PEM bundle to trust; NULL = the system's CAs */
	char *header;              /* "Name: value" sent with every POST, or NULL */
	int timeout;               /* seconds for one delivery */
	char *sink;                /* "webhook:" + 16 hex digits of the URL's SHA-256: its
	                            * name in the outbox, stable while the URL is */
	char *label;               /* "scheme://host[:port]/...": the URL for logs, without
	                            * the user, path or query that may hold a secret */
};

struct col_alert_config {
	bool enabled;              /* an alerts group with at least one sink */
	int min_severity;          /* enum vg_severity */
	int facility;              /* syslog facility number 0..23 */
	enum col_syslog_transport syslog;
	char *syslog_target;       /* as written, for messages */
	char *syslog_host;         /* UDP */
	int syslog_port;
	char *syslog_path;         /* unix datagram socket */
	struct col_alert_webhook *webhooks;
	size_t nwebhooks;
	int backoff_initial, backoff_max;   /* seconds */
};

/* The outbox's name for the syslog sink. */
#define COL_ALERT_SYSLOG_SINK "syslog"

/* Reads the optional `alerts` group under root. Absent, *out is disabled.
 * Returns 0, or -1 with "file:line: message" in err. */
int col_alert_config_load(const config_setting_t *root, struct col_alert_config *out,
                          const char *file, char *err, size_t errlen);
void col_alert_config_free(struct col_alert_config *cfg);

/* The facility number of a syslog facility name ("auth", "local0", ...),
 * or -1. */
int col_syslog_facility_parse(const char *name);

#endif
