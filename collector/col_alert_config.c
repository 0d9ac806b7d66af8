/*
 * col_alert_config: reads and checks the `alerts` group. Webhook URLs are
 * parsed with libcurl's URL parser; plain http is accepted only towards
 * loopback, because the secret header would cross the network in clear.
 */
#include "col_alert_config.h"
#include "col_config.h"
#include "vg_anomaly.h"
#include "vg_cfg.h"
#include "vg_token.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static const char *const facility_names[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "authpriv", "ftp", "ntp", "audit", "alert", "clock",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
};

int col_syslog_facility_parse(const char *name)
{
	for (size_t i = 0; i < sizeof facility_names / sizeof facility_names[0]; i++)
		if (strcmp(name, facility_names[i]) == 0)
			return (int)i;
	return -1;
}

static char *dup_or_null(const char *s, int *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = 1;
	return d;
}

/* "udp:HOST:PORT" or "unix:/PATH". */
static int parse_syslog(const config_setting_t *s, const char *v, struct col_alert_config *cfg,
                        const char *file, char *err, size_t errlen)
{
	if (strncmp(v, "udp:", 4) == 0) {
		if (col_config_parse_listen(v + 4, &cfg->syslog_host, &cfg->syslog_port) < 0 ||
		    cfg->syslog_port == 0)
			return vg_cfg_error(s, file, err, errlen,
			                    "'syslog' = \"%s\": expected udp:HOST:PORT (e.g. udp:127.0.0.1:514)", v);
		cfg->syslog = COL_SYSLOG_UDP;
	} else if (strncmp(v, "unix:", 5) == 0) {
		if (v[5] != '/' || strlen(v + 5) >= 108)
			return vg_cfg_error(s, file, err, errlen, "'syslog' = \"%s\": expected unix:/ABSOLUTE/PATH "
			                    "of at most 107 bytes (e.g. unix:/dev/log)", v);
		if (!(cfg->syslog_path = strdup(v + 5)))
			return vg_cfg_error(s, file, err, errlen, "out of memory");
		cfg->syslog = COL_SYSLOG_UNIX;
	} else {
		return vg_cfg_error(s, file, err, errlen,
		                    "'syslog' = \"%s\": expected udp:HOST:PORT or unix:/PATH", v);
	}
	if (!(cfg->syslog_target = strdup(v)))
		return vg_cfg_error(s, file, err, errlen, "out of memory");
	return 0;
}

static int is_loopback_host(const char *h)
{
	return strcasecmp(h, "localhost") == 0 || strcmp(h, "[::1]") == 0 || strcmp(h, "::1") == 0 ||
	       strncmp(h, "127.", 4) == 0;
}

/* Checks a webhook URL: http or https with a host; http only to loopback.
 * Sets *label to "scheme://host[:port]/..." for logs. */
static int check_url(const config_setting_t *s, const char *url, char **label, const char *file,
                     char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL;
	int rc = -1;

	if (!u)
		return vg_cfg_error(s, file, err, errlen, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host)
		vg_cfg_error(s, file, err, errlen, "'url' = \"%s\": not an absolute http(s) URL", url);
	else if (strcmp(scheme, "https") != 0 && strcmp(scheme, "http") != 0)
		vg_cfg_error(s, file, err, errlen, "'url' = \"%s\": the scheme must be https (or http to "
		             "loopback)", url);
	else if (strcmp(scheme, "http") == 0 && !is_loopback_host(host))
		vg_cfg_error(s, file, err, errlen, "'url' = \"%s\": plain http is only allowed to loopback; "
		             "use https", url);
	else
		rc = 0;
	if (rc == 0) {
		/* No port part when the URL names none. */
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK)
			port = NULL;
		if (asprintf(label, "%s://%s%s%s/...", scheme, host, port ? ":" : "", port ? port : "") < 0) {
			*label = NULL;
			rc = vg_cfg_error(s, file, err, errlen, "out of memory");
		}
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return rc;
}

/* "Name: value": an HTTP token, a colon, a value without control bytes. */
static int check_header(const config_setting_t *s, const char *h, const char *file, char *err,
                        size_t errlen)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";
	size_t n = 0;
	while (h[n] && (('a' <= (h[n] | 0x20) && (h[n] | 0x20) <= 'z') || ('0' <= h[n] && h[n] <= '9') ||
	                strchr(tchar, h[n])))
		n++;
	int ok = n > 0 && h[n] == ':';
	for (const unsigned char *p = (const unsigned char *)h + n; ok && *p; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			ok = 0;
	if (!ok || strlen(h) > 4096)
		return vg_cfg_error(s, file, err, errlen,
		                    "'secret_header' must be \"Name: value\" (an HTTP header, one line)");
	return 0;
}

static int load_webhook(const config_setting_t *w, struct col_alert_webhook *out, const char *file,
                        char *err, size_t errlen)
{
	static const char *const keys[] = {"url", "ca", "secret_header", "timeout", NULL};
	const char *url = NULL, *ca = NULL, *header = NULL;
	long long timeout = 10;
	int oom = 0;

	if (!config_setting_is_group(w))
		return vg_cfg_error(w, file, err, errlen, "each webhook must be a group { url = ...; }");
	if (vg_cfg_check_keys(w, keys, file, err, errlen) < 0 ||
	    vg_cfg_string(w, "url", &url, file, err, errlen) < 0 ||
	    vg_cfg_string(w, "ca", &ca, file, err, errlen) < 0 ||
	    vg_cfg_string(w, "secret_header", &header, file, err, errlen) < 0 ||
	    vg_cfg_int(w, "timeout", 1, 300, &timeout, file, err, errlen) < 0)
		return -1;
	if (!url)
		return vg_cfg_error(w, file, err, errlen, "a webhook needs 'url'");
	if (check_url(config_setting_get_member(w, "url"), url, &out->label, file, err, errlen) < 0)
		return -1;
	if (ca && access(ca, R_OK) != 0)
		return vg_cfg_error(config_setting_get_member(w, "ca"), file, err, errlen,
		                    "'ca' = \"%s\": cannot read the file: %m", ca);
	if (header && check_header(config_setting_get_member(w, "secret_header"), header, file, err,
	                           errlen) < 0)
		return -1;
	out->url = dup_or_null(url, &oom);
	out->ca = dup_or_null(ca, &oom);
	out->header = dup_or_null(header, &oom);
	out->timeout = (int)timeout;
	/* The URL itself may hold a secret (a token in its path): the outbox
	 * and the logs name the webhook without it. */
	char hash[VG_TOKEN_HEX_LEN + 1];
	if (!oom && (vg_sha256_hex(url, strlen(url), hash) < 0 ||
	             asprintf(&out->sink, "webhook:%.16s", hash) < 0)) {
		out->sink = NULL;
		oom = 1;
	}
	return oom ? vg_cfg_error(w, file, err, errlen, "out of memory") : 0;
}

static int load_webhooks(const config_setting_t *list, struct col_alert_config *cfg, const char *file,
                         char *err, size_t errlen)
{
	if (!config_setting_is_list(list) && !config_setting_is_array(list))
		return vg_cfg_error(list, file, err, errlen, "'webhooks' must be a list ( { url = ...; }, ... )");
	int n = config_setting_length(list);
	if (n == 0)
		return 0;
	if (!(cfg->webhooks = calloc((size_t)n, sizeof *cfg->webhooks)))
		return vg_cfg_error(list, file, err, errlen, "out of memory");
	for (int i = 0; i < n; i++) {
		const config_setting_t *w = config_setting_get_elem(list, (unsigned)i);
		cfg->nwebhooks++;
		if (load_webhook(w, &cfg->webhooks[i], file, err, errlen) < 0)
			return -1;
		for (int k = 0; k < i; k++)
			if (strcmp(cfg->webhooks[k].url, cfg->webhooks[i].url) == 0)
				return vg_cfg_error(w, file, err, errlen, "webhook url \"%s\" is listed twice",
				                    cfg->webhooks[i].url);
	}
	return 0;
}

static int load_alerts(const config_setting_t *g, struct col_alert_config *cfg, const char *file,
                       char *err, size_t errlen)
{
	static const char *const keys[] = {"min_severity", "syslog", "facility", "webhooks",
	                                   "backoff_initial", "backoff_max", NULL};
	const char *sev = "high", *target = NULL, *facility = "auth";
	long long initial = 1, max = 300;
	char names[128];

	if (!config_setting_is_group(g))
		return vg_cfg_error(g, file, err, errlen, "'alerts' must be a group { ... }");
	if (vg_cfg_check_keys(g, keys, file, err, errlen) < 0 ||
	    vg_cfg_string(g, "min_severity", &sev, file, err, errlen) < 0 ||
	    vg_cfg_string(g, "syslog", &target, file, err, errlen) < 0 ||
	    vg_cfg_string(g, "facility", &facility, file, err, errlen) < 0 ||
	    vg_cfg_int(g, "backoff_initial", 1, 3600, &initial, file, err, errlen) < 0 ||
	    vg_cfg_int(g, "backoff_max", 1, 86400, &max, file, err, errlen) < 0)
		return -1;
	if ((cfg->min_severity = vg_severity_parse(sev)) < 0)
		return vg_cfg_error(config_setting_get_member(g, "min_severity"), file, err, errlen,
		                    "'min_severity' must be one of %s, got \"%s\"",
		                    vg_names_join(vg_severity_names, VG_SEV_COUNT, names, sizeof names), sev);
	if ((cfg->facility = col_syslog_facility_parse(facility)) < 0)
		return vg_cfg_error(config_setting_get_member(g, "facility"), file, err, errlen,
		                    "'facility' must be a syslog facility (kern, user, daemon, auth, "
		                    "authpriv, audit, local0..local7, ...), got \"%s\"", facility);
	if (max < initial)
		return vg_cfg_error(config_setting_get_member(g, "backoff_max"), file, err, errlen,
		                    "'backoff_max' (%lld) must not be below 'backoff_initial' (%lld)", max,
		                    initial);
	cfg->backoff_initial = (int)initial;
	cfg->backoff_max = (int)max;
	if (target && parse_syslog(config_setting_get_member(g, "syslog"), target, cfg, file, err,
	                           errlen) < 0)
		return -1;
	const config_setting_t *hooks = config_setting_get_member(g, "webhooks");
	if (hooks && load_webhooks(hooks, cfg, file, err, errlen) < 0)
		return -1;
	if (cfg->syslog == COL_SYSLOG_NONE && cfg->nwebhooks == 0)
		return vg_cfg_error(g, file, err, errlen, "'alerts' needs a 'syslog' target or 'webhooks'");
	cfg->enabled = true;
	return 0;
}

int col_alert_config_load(const config_setting_t *root, struct col_alert_config *out,
                          const char *file, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	const config_setting_t *g = config_setting_get_member(root, "alerts");
	if (!g)
		return 0;
	if (load_alerts(g, out, file, err, errlen) < 0) {
		col_alert_config_free(out);
		return -1;
	}
	return 0;
}

void col_alert_config_free(struct col_alert_config *cfg)
{
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		free(cfg->webhooks[i].url);
		free(cfg->webhooks[i].ca);
		free(cfg->webhooks[i].header);
		free(cfg->webhooks[i].sink);
		free(cfg->webhooks[i].label);
	}
	free(cfg->webhooks);
	free(cfg->syslog_target);
	free(cfg->syslog_host);
	free(cfg->syslog_path);
	memset(cfg, 0, sizeof *cfg);
}
