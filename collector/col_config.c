/*
 * col_config: reads collector.conf. Every key is known and checked; a
 * misspelt key is an error, never a silent default.
 */
#include "col_config.h"
#include "vg_cfg.h"
#include "vg_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int col_config_parse_listen(const char *s, char **host, int *port)
{
	const char *colon;
	size_t hlen;
	char *end;
	long p;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close || close[1] != ':')
			return -1;
		hlen = (size_t)(close - s - 1);
		colon = close + 1;
		s++;
	} else {
		colon = strrchr(s, ':');
		if (!colon)
			return -1;
		hlen = (size_t)(colon - s);
	}
	if (colon[1] < '0' || colon[1] > '9')
		return -1;
	p = strtol(colon + 1, &end, 10);
	if (hlen == 0 || *end || p < 0 || p > 65535)
		return -1;
	*host = strndup(s, hlen);
	if (!*host)
		return -1;
	*port = (int)p;
	return 0;
}

static int dup_setting(const config_setting_t *root, const char *name, char **out, int required,
                       const char *file, char *err, size_t errlen)
{
	const char *v = NULL;
	int rc = vg_cfg_string(root, name, &v, file, err, errlen);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (required) {
			snprintf(err, errlen, "%s: required setting '%s' is missing", file, name);
			return -1;
		}
		return 0;
	}
	*out = strdup(v);
	if (!*out) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -1;
	}
	return 0;
}

static int load_tls(const config_setting_t *root, struct col_config *cfg, const char *file,
                    char *err, size_t errlen)
{
	static const char *const keys[] = {"certificate", "key", "client_ca", NULL};
	const config_setting_t *tls = config_setting_get_member(root, "tls");
	if (!tls)
		return 0;
	if (!config_setting_is_group(tls))
		return vg_cfg_error(tls, file, err, errlen, "'tls' must be a group { ... }");
	if (vg_cfg_check_keys(tls, keys, file, err, errlen) < 0 ||
	    dup_setting(tls, "certificate", &cfg->tls_certificate, 1, file, err, errlen) < 0 ||
	    dup_setting(tls, "key", &cfg->tls_key, 1, file, err, errlen) < 0 ||
	    dup_setting(tls, "client_ca", &cfg->tls_client_ca, 0, file, err, errlen) < 0)
		return -1;
	return 0;
}

static int load_settings(config_t *c, struct col_config *cfg, const char *file, char *err,
                         size_t errlen)
{
	static const char *const keys[] = {"listen", "database", "policy", "max_body", "threads",
	                                   "connection_timeout", "log_level", "tls", "alerts",
	                                   "anchor_interval", "user", NULL};
	const config_setting_t *root = config_root_setting(c);
	const char *s;
	long long n;
	int rc;

	if (vg_cfg_check_keys(root, keys, file, err, errlen) < 0)
		return -1;
	s = "127.0.0.1:8470";
	if (vg_cfg_string(root, "listen", &s, file, err, errlen) < 0)
		return -1;
	if (col_config_parse_listen(s, &cfg->listen_host, &cfg->listen_port) < 0)
		return vg_cfg_error(config_setting_get_member(root, "listen"), file, err, errlen,
		                    "'listen' must be address:port, got \"%s\"", s);
	if (dup_setting(root, "database", &cfg->database, 1, file, err, errlen) < 0 ||
	    dup_setting(root, "policy", &cfg->policy, 1, file, err, errlen) < 0)
		return -1;
	if ((rc = vg_cfg_int(root, "max_body", 1024, 1LL << 30, &n, file, err, errlen)) < 0)
		return -1;
	if (rc)
		cfg->max_body = (size_t)n;
	if ((rc = vg_cfg_int(root, "threads", 1, 64, &n, file, err, errlen)) < 0)
		return -1;
	if (rc)
		cfg->threads = (int)n;
	if ((rc = vg_cfg_int(root, "connection_timeout", 1, 3600, &n, file, err, errlen)) < 0)
		return -1;
	if (rc)
		cfg->connection_timeout = (int)n;
	if ((rc = vg_cfg_int(root, "anchor_interval", 0, 86400, &n, file, err, errlen)) < 0)
		return -1;
	if (rc)
		cfg->anchor_interval = (int)n;
	s = NULL;
	if (vg_cfg_string(root, "log_level", &s, file, err, errlen) < 0)
		return -1;
	if (s && (cfg->log_level = vg_log_level_parse(s)) < 0)
		return vg_cfg_error(config_setting_get_member(root, "log_level"), file, err, errlen,
		                    "'log_level' must be debug, info, warn or error, got \"%s\"", s);
	if (load_tls(root, cfg, file, err, errlen) < 0)
		return -1;
	/* Whom the collector runs as after binding (col_privs.h). */
	if (dup_setting(root, "user", &cfg->user, 0, file, err, errlen) < 0)
		return -1;
	if (cfg->user && (!cfg->user[0] || strlen(cfg->user) > 32))
		return vg_cfg_error(config_setting_get_member(root, "user"), file, err, errlen,
		                    "'user' must be an account name of 1..32 characters");
	if (col_alert_config_load(root, &cfg->alerts, file, err, errlen) < 0)
		return -1;
	/* Bearer tokens cross the network in the clear without TLS. */
	if (!cfg->tls_certificate && strcmp(cfg->listen_host, "127.0.0.1") != 0 &&
	    strcmp(cfg->listen_host, "::1") != 0 && strcmp(cfg->listen_host, "localhost") != 0)
		return vg_cfg_error(config_setting_get_member(root, "listen"), file, err, errlen,
		                    "plain HTTP is only allowed on loopback; configure 'tls' to listen on %s",
		                    cfg->listen_host);
	return 0;
}

int col_config_load(const char *path, struct col_config *cfg, char *err, size_t errlen)
{
	config_t c;

	memset(cfg, 0, sizeof *cfg);
	cfg->max_body = 16u << 20;
	cfg->threads = 4;
	cfg->connection_timeout = 60;
	cfg->anchor_interval = 60;
	cfg->log_level = VG_LOG_INFO;
	if (!(cfg->path = strdup(path))) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	if (vg_cfg_read(&c, path, err, errlen) < 0) {
		col_config_free(cfg);
		return -1;
	}
	int rc = load_settings(&c, cfg, path, err, errlen);
	config_destroy(&c);
	if (rc < 0)
		col_config_free(cfg);
	return rc;
}

void col_config_free(struct col_config *cfg)
{
	free(cfg->path);
	free(cfg->listen_host);
	free(cfg->database);
	free(cfg->policy);
	free(cfg->tls_certificate);
	free(cfg->tls_key);
	free(cfg->tls_client_ca);
	free(cfg->user);
	col_alert_config_free(&cfg->alerts);
	memset(cfg, 0, sizeof *cfg);
}
