/*
 * agent_config: reads agent.conf; every key known, numbers range-checked.
 */
#include "agent_config.h"
#include "vg_cfg.h"
#include "vg_log.h"
#include "agent_pam_proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int dup_str(const config_setting_t *root, const char *name, const char *def, char **out,
                   const char *file, char *err, size_t errlen)
{
	const char *v = def;
	if (vg_cfg_string(root, name, &v, file, err, errlen) < 0)
		return -1;
	if (!v) {
		*out = NULL;
		return 0;
	}
	if (!(*out = strdup(v))) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	return 0;
}

static int get_int(const config_setting_t *root, const char *name, long long min, long long max,
                   long long *v, const char *file, char *err, size_t errlen)
{
	return vg_cfg_int(root, name, min, max, v, file, err, errlen) < 0 ? -1 : 0;
}

static int load(config_t *c, struct agent_config *cfg, const char *file, char *err, size_t errlen)
{
	static const char *const keys[] = {"collector", "token_file", "host", "spool", "socket", "ca",
	                                   "audit", "spool_max_events", "batch_events", "batch_bytes",
	                                   "batch_delay_ms", "heartbeat", "backoff_max", "log_level", "policy",
	                                   "certificate", "key",
	                                   NULL};
	const config_setting_t *root = config_root_setting(c);
	const char *audit = "netlink", *level = NULL;
	long long n;
	char hostname[256];

	if (vg_cfg_check_keys(root, keys, file, err, errlen) < 0)
		return -1;
	if (gethostname(hostname, sizeof hostname) < 0)
		snprintf(hostname, sizeof hostname, "localhost");
	hostname[sizeof hostname - 1] = '\0';
	if (dup_str(root, "collector", NULL, &cfg->collector, file, err, errlen) < 0 ||
	    dup_str(root, "token_file", "/etc/vigil/agent.token", &cfg->token_file, file, err, errlen) < 0 ||
	    dup_str(root, "host", hostname, &cfg->host, file, err, errlen) < 0 ||
	    dup_str(root, "spool", "/var/lib/vigil/spool.db", &cfg->spool, file, err, errlen) < 0 ||
	    dup_str(root, "socket", AGENT_PAM_DEFAULT_SOCKET, &cfg->socket, file, err, errlen) < 0 ||
	    dup_str(root, "ca", NULL, &cfg->ca, file, err, errlen) < 0 ||
	    dup_str(root, "policy", NULL, &cfg->policy, file, err, errlen) < 0 ||
	    dup_str(root, "certificate", NULL, &cfg->certificate, file, err, errlen) < 0 ||
	    dup_str(root, "key", NULL, &cfg->key, file, err, errlen) < 0)
		return -1;
	/* Mutual TLS: a certificate from the vigil CA (vigil-collector ca issue)
	 * with its key, both or neither, and only over https. */
	if (!cfg->certificate != !cfg->key)
		return vg_cfg_error(config_setting_get_member(root, cfg->key ? "key" : "certificate"), file,
		                    err, errlen, "'certificate' and 'key' go together (mutual TLS)");
	if (strlen(cfg->socket) + sizeof AGENT_PAM_QUERY_SUFFIX > 108)
		return vg_cfg_error(config_setting_get_member(root, "socket"), file, err, errlen,
		                    "'socket' must be shorter than %zu bytes (the query socket adds \"%s\")",
		                    108 - sizeof AGENT_PAM_QUERY_SUFFIX + 1, AGENT_PAM_QUERY_SUFFIX);
	if (!cfg->collector) {
		snprintf(err, errlen, "%s: required setting 'collector' is missing", file);
		return -1;
	}
	if (strncmp(cfg->collector, "https://", 8) != 0 && strncmp(cfg->collector, "http://127.", 11) != 0 &&
	    strncmp(cfg->collector, "http://localhost", 16) != 0 && strncmp(cfg->collector, "http://[::1]", 12) != 0)
		return vg_cfg_error(config_setting_get_member(root, "collector"), file, err, errlen,
		                    "'collector' must be an https:// URL (plain http only to loopback)");
	if (cfg->certificate && strncmp(cfg->collector, "https://", 8) != 0)
		return vg_cfg_error(config_setting_get_member(root, "certificate"), file, err, errlen,
		                    "a client 'certificate' needs an https:// collector");
	if (vg_cfg_string(root, "audit", &audit, file, err, errlen) < 0)
		return -1;
	if (strcmp(audit, "netlink") == 0)
		cfg->audit = AGENT_AUDIT_NETLINK;
	else if (strcmp(audit, "stdin") == 0)
		cfg->audit = AGENT_AUDIT_STDIN;
	else if (strcmp(audit, "off") == 0)
		cfg->audit = AGENT_AUDIT_OFF;
	else
		return vg_cfg_error(config_setting_get_member(root, "audit"), file, err, errlen,
		                    "'audit' must be \"netlink\", \"stdin\" or \"off\", got \"%s\"", audit);
	n = cfg->spool_max_events;
	if (get_int(root, "spool_max_events", 100, 100000000, &n, file, err, errlen) < 0)
		return -1;
	cfg->spool_max_events = n;
	n = cfg->batch_events;
	if (get_int(root, "batch_events", 1, 100000, &n, file, err, errlen) < 0)
		return -1;
	cfg->batch_events = (int)n;
	n = (long long)cfg->batch_bytes;
	if (get_int(root, "batch_bytes", 1024, 64 << 20, &n, file, err, errlen) < 0)
		return -1;
	cfg->batch_bytes = (size_t)n;
	n = cfg->batch_delay_ms;
	if (get_int(root, "batch_delay_ms", 0, 600000, &n, file, err, errlen) < 0)
		return -1;
	cfg->batch_delay_ms = (int)n;
	n = cfg->heartbeat_s;
	if (get_int(root, "heartbeat", 1, 86400, &n, file, err, errlen) < 0)
		return -1;
	cfg->heartbeat_s = (int)n;
	n = cfg->backoff_max_s;
	if (get_int(root, "backoff_max", 1, 3600, &n, file, err, errlen) < 0)
		return -1;
	cfg->backoff_max_s = (int)n;
	if (vg_cfg_string(root, "log_level", &level, file, err, errlen) < 0)
		return -1;
	if (level && (cfg->log_level = vg_log_level_parse(level)) < 0)
		return vg_cfg_error(config_setting_get_member(root, "log_level"), file, err, errlen,
		                    "'log_level' must be debug, info, warn or error");
	return 0;
}

int agent_config_load(const char *path, struct agent_config *cfg, char *err, size_t errlen)
{
	config_t c;

	memset(cfg, 0, sizeof *cfg);
	cfg->audit = AGENT_AUDIT_NETLINK;
	cfg->spool_max_events = 1000000;
	cfg->batch_events = 1000;
	cfg->batch_bytes = 1u << 20;
	cfg->batch_delay_ms = 1000;
	cfg->heartbeat_s = 60;
	cfg->backoff_max_s = 60;
	cfg->log_level = VG_LOG_INFO;
	if (!(cfg->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (vg_cfg_read(&c, path, err, errlen) < 0) {
		agent_config_free(cfg);
		return -1;
	}
	int rc = load(&c, cfg, path, err, errlen);
	config_destroy(&c);
	if (rc < 0)
		agent_config_free(cfg);
	return rc;
}

void agent_config_free(struct agent_config *cfg)
{
	free(cfg->path);
	free(cfg->collector);
	free(cfg->token_file);
	free(cfg->host);
	free(cfg->spool);
	free(cfg->socket);
	free(cfg->ca);
	free(cfg->policy);
	free(cfg->certificate);
	free(cfg->key);
	memset(cfg, 0, sizeof *cfg);
}
