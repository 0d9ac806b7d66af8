/*
 * col_http: the collector's HTTP front end on libmicrohttpd.
 *
 * A request goes through three steps: on its headers it is routed and its
 * bearer token checked (so unauthenticated bodies are never read); its body
 * is collected up to max_body (anything beyond is discarded and answered
 * 413); when complete, the route's handler runs and the reply is sent as
 * JSON. Handlers run on the daemon's worker threads.
 */
#include "col_access.h"
#include "col_api.h"
#include "col_api_ident.h"
#include "col_export.h"
#include "col_detect.h"
#include "col_ingest.h"
#include "col_web.h"
#include "col_risk.h"
#include "col_summary.h"
#include "col_server.h"
#include "col_ca.h"
#include "col_ident.h"
#include "col_listen.h"
#include "vg_log.h"
#include "vg_time.h"
#include "vg_token.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum route { R_NONE, R_EVENTS_POST, R_EVENTS_GET, R_ANOMALIES, R_ANOMALY, R_QUARANTINE, R_HEALTH,
             R_METRICS, R_POLICY_RELOAD, R_TRIAGE, R_VETTING, R_RISK,
             R_PERSON, R_SUMMARY, R_EXPORT_EVENTS, R_EXPORT_ANOMALIES, R_ACCESS_LOG,
             R_IDENTITIES };

/* Who may call a route: a bit per enum col_role; ANYONE skips the token. */
#define ROLE(r) (1u << (r))
#define ANYONE 0u
#define READERS (ROLE(COL_ROLE_OFFICER) | ROLE(COL_ROLE_AUDITOR) | ROLE(COL_ROLE_ADMIN))

/* LOGGED: every call is written to the access log (col_access.h) after its
 * handler ran, with the officer, the object and the status; a read whose
 * entry cannot be stored is answered 503 instead of with the data. */
enum { UNLOGGED = 0, LOGGED = 1 };

static const struct route_def {
	const char *method, *path;
	int prefix;              /* path is a prefix followed by an id */
	enum route route;
	unsigned roles;
	int access;              /* LOGGED or UNLOGGED */
} routes[] = {
	{"POST", "/v1/events", 0, R_EVENTS_POST, ROLE(COL_ROLE_AGENT), UNLOGGED},
	{"GET", "/v1/events", 0, R_EVENTS_GET, READERS, LOGGED},
	{"GET", "/v1/anomalies", 0, R_ANOMALIES, READERS, UNLOGGED},
	{"GET", "/v1/anomalies/", 1, R_ANOMALY, READERS, LOGGED},
	{"POST", "/v1/anomalies/", 1, R_TRIAGE, ROLE(COL_ROLE_OFFICER) | ROLE(COL_ROLE_ADMIN), LOGGED},
	{"GET", "/v1/quarantine", 0, R_QUARANTINE, READERS, UNLOGGED},
	{"GET", "/v1/vetting", 0, R_VETTING, READERS | ROLE(COL_ROLE_VETTING), UNLOGGED},
	{"GET", "/v1/risk", 0, R_RISK, READERS, UNLOGGED},
	{"GET", "/v1/persons/", 1, R_PERSON, READERS, LOGGED},
	{"GET", "/v1/summary", 0, R_SUMMARY, READERS, UNLOGGED},
	{"GET", "/healthz", 0, R_HEALTH, ANYONE, UNLOGGED},
	{"GET", "/metrics", 0, R_METRICS, ANYONE, UNLOGGED},
	{"POST", "/v1/policy/reload", 0, R_POLICY_RELOAD, ROLE(COL_ROLE_POLICY) | ROLE(COL_ROLE_ADMIN),
	 UNLOGGED},
	{"GET", "/v1/export/events", 0, R_EXPORT_EVENTS, READERS, LOGGED},
	{"GET", "/v1/export/anomalies", 0, R_EXPORT_ANOMALIES, READERS, LOGGED},
	{"GET", "/v1/access-log", 0, R_ACCESS_LOG, ROLE(COL_ROLE_AUDITOR) | ROLE(COL_ROLE_ADMIN), UNLOGGED},
	{"GET", "/v1/identities", 0, R_IDENTITIES, ROLE(COL_ROLE_AUDITOR) | ROLE(COL_ROLE_ADMIN), LOGGED},
};

struct request {
	const struct route_def *def;
	struct col_principal who;
	int64_t start_ns;
	int status;                /* recorded for metrics */
	int gzip;
	enum col_body_type body_type;
	char *body;
	size_t len, cap;
	size_t expected;           /* Content-Length, 0 when not sent */
	int too_large;
	struct col_web_req *web;   /* a dashboard request (col_web.h) */
	int nul_in_url;            /* the raw URL holds %00 (on_uri) */
};

static enum MHD_Result send_reply(struct MHD_Connection *c, struct request *rq, int status,
                                  const char *ctype, char *body, size_t len)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	rq->status = status;
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Queues a streamed 200 response (an export) and releases it. */
static enum MHD_Result send_stream(struct MHD_Connection *c, struct request *rq,
                                   struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	rq->status = 200;
	enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result send_json(struct MHD_Connection *c, struct request *rq, int status, json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (!text) {
		static const char oom[] = "{\"error\":\"out of memory\"}";
		text = strdup(oom);
		status = 500;
		if (!text)
			return MHD_NO;
	}
	size_t len = strlen(text);
	return send_reply(c, rq, status, "application/json", text, len);
}

static enum MHD_Result send_error(struct MHD_Connection *c, struct request *rq, int status,
                                  const char *msg)
{
	return send_json(c, rq, status, json_pack("{s:s}", "error", msg));
}

static const struct route_def *find_route(const char *method, const char *url, int *path_known)
{
	*path_known = 0;
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route_def *d = &routes[i];
		int match = d->prefix ? strncmp(url, d->path, strlen(d->path)) == 0 && url[strlen(d->path)]
		                      : strcmp(url, d->path) == 0;
		if (!match)
			continue;
		*path_known = 1;
		if (strcmp(method, d->method) == 0)
			return d;
	}
	return NULL;
}

static int is_loopback(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return 0;
	if (ci->client_addr->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ci->client_addr;
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	}
	if (ci->client_addr->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ci->client_addr;
		return IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
	}
	return 0;
}

/* With client_ca configured, a request must come with a certificate that the
 * CA signed (mutual TLS). Returns 0 or 403. */
static int check_client_cert(struct col_server *srv, struct MHD_Connection *c)
{
	unsigned status = 0;
	if (!srv->cfg.tls_client_ca)
		return 0;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session)
		return 403;
	gnutls_session_t tls = (gnutls_session_t)ci->tls_session;
	/* The certificate must also be meant for TLS clients (extended key
	 * usage clientAuth, or none), so the collector's own server
	 * certificate from the same CA is no client credential. */
	gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID,
	                                 .data = (unsigned char *)GNUTLS_KP_TLS_WWW_CLIENT};
	if (gnutls_certificate_type_get(tls) != GNUTLS_CRT_X509 ||
	    gnutls_certificate_verify_peers(tls, &purpose, 1, &status) != GNUTLS_E_SUCCESS || status != 0)
		return 403;
	unsigned n = 0;
	if (!gnutls_certificate_get_peers(tls, &n) || n == 0)
		return 403;
	return 0;
}

/* With mutual TLS, an agent's token is good only together with a client
 * certificate issued for the agent's enrolled host (its common name), so a
 * stolen token cannot be used from another enrolled machine. Returns 0 or
 * 403 with *msg. Officer tokens may come with any certificate of the CA. */
static int check_cert_binding(struct col_server *srv, struct MHD_Connection *c,
                              const struct col_principal *who, const char **msg)
{
	char cn[256];
	if (!srv->cfg.tls_client_ca || who->role != COL_ROLE_AGENT)
		return 0;
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!ci || !ci->tls_session || col_ca_peer_cn(ci->tls_session, cn, sizeof cn) < 0 ||
	    strcmp(cn, who->name) != 0) {
		*msg = "the client certificate was not issued for this token's host";
		return 403;
	}
	return 0;
}

/* Resolves the bearer token. Returns 0, or an HTTP status (401/403/503)
 * with *msg set to the error text. */
static int authorize(struct col_server *srv, struct MHD_Connection *c, struct request *rq,
                     const char **msg)
{
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	char hash[VG_TOKEN_HEX_LEN + 1];
	unsigned roles = rq->def->roles;

	if (rq->def->route == R_METRICS) {
		if (is_loopback(c))
			return 0;
		roles = ROLE(COL_ROLE_ADMIN);
	}
	if (roles == ANYONE)
		return 0;
	*msg = "missing or unknown bearer token";
	if (check_client_cert(srv, c) != 0) {
		*msg = "a client certificate from the vigil CA is required";
		return 403;
	}
	if (!h || strncasecmp(h, "Bearer ", 7) != 0 || !h[7])
		return 401;
	const char *tok = h + 7;
	size_t n = strlen(tok);
	if (n > 512 || vg_sha256_hex(tok, n, hash) < 0)
		return 401;
	int found = col_store_principal_find(srv->store, hash, &rq->who);
	if (found < 0) {
		vg_err("token lookup: %s", col_store_error(srv->store));
		*msg = "storage unavailable";
		return 503;
	}
	if (!found) {
		/* Nothing cached: the store says why, as of this request. */
		int64_t when;
		int state = col_ident_token_state(srv->store, hash, &when);
		if (state > 0)
			*msg = col_token_state_message((enum col_token_state)state);
		return 401;
	}
	if (!(roles & ROLE(rq->who.role))) {
		*msg = "this token's role may not use this endpoint";
		return 403;
	}
	return check_cert_binding(srv, c, &rq->who, msg);
}

/* Officer requests with a body (triage) carry small JSON documents. */
#define COL_SMALL_BODY_MAX (64 * 1024)

static int is_json_request(struct MHD_Connection *c)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	return ct && strcspn(ct, "; ") == 16 && strncasecmp(ct, "application/json", 16) == 0;
}

static enum MHD_Result count_content_length(void *cls, enum MHD_ValueKind kind, const char *key,
                                            const char *value)
{
	(void)kind;
	(void)value;
	if (strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) == 0)
		(*(int *)cls)++;
	return MHD_YES;
}

/* Checks the headers of POST /v1/events. Returns 0 or an HTTP status. */
static int check_upload_headers(struct col_server *srv, struct MHD_Connection *c, struct request *rq)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *ce = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_ENCODING);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (!ct)
		return 415;
	size_t ctlen = strcspn(ct, "; ");
	if (ctlen == 16 && strncasecmp(ct, "application/json", 16) == 0)
		rq->body_type = COL_BODY_JSON;
	else if (ctlen == 20 && strncasecmp(ct, "application/x-ndjson", 20) == 0)
		rq->body_type = COL_BODY_NDJSON;
	else
		return 415;
	if (ce && strcasecmp(ce, "gzip") == 0)
		rq->gzip = 1;
	else if (ce && strcasecmp(ce, "identity") != 0)
		return 415;
	/* A body length announced twice, or both ways, is one that a proxy in
	 * front might read differently (request smuggling): refused. */
	const char *te = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	int ncl = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, count_content_length, &ncl);
	if (ncl > 1 || (cl && te))
		return 400;
	if (cl) {
		unsigned long long n = strtoull(cl, NULL, 10);
		if (n > srv->cfg.max_body)
			return 413;
		rq->expected = (size_t)n;   /* the body buffer is sized once */
	}
	return 0;
}

static enum MHD_Result handle_ingest(struct col_server *srv, struct MHD_Connection *c,
                                     struct request *rq)
{
	struct col_ingest_result res;
	char *plain = rq->body;
	size_t plen = rq->len;

	if (rq->too_large)
		return send_error(c, rq, 413, "body exceeds max_body");
	if (rq->gzip && col_ingest_gunzip(rq->body ? rq->body : "", rq->len, srv->cfg.max_body, &plain,
	                                  &plen, &res) < 0)
		return send_error(c, rq, res.status, res.error);
	col_ingest_body(srv, &rq->who, plain ? plain : "", plen, rq->body_type, &res);
	if (plain != rq->body)
		free(plain);
	if (res.status != 200)
		return send_error(c, rq, res.status, res.error);
	return send_json(c, rq, 200, json_pack("{s:I,s:I,s:I,s:I}", "accepted", (json_int_t)res.accepted,
	                                       "duplicate", (json_int_t)res.duplicate, "quarantined",
	                                       (json_int_t)res.quarantined, "high_seq",
	                                       (json_int_t)res.high_seq));
}

/* POST /v1/policy/reload: 200 with what was installed, or 422 with every
 * diagnostic while the current policy stays. */
static enum MHD_Result handle_policy_reload(struct col_server *srv, struct MHD_Connection *c,
                                            struct request *rq)
{
	struct col_policy_summary sum;
	struct pol_diag diag;
	json_t *j;

	pol_diag_init(&diag);
	if (col_policy_reload(&srv->policy, srv->cfg.policy, &diag, &sum) == 0) {
		j = json_pack("{s:I,s:s,s:I,s:I,s:I}", "serial", (json_int_t)sum.serial, "id", sum.id,
		              "persons", (json_int_t)sum.persons, "resources",
		              (json_int_t)sum.resources, "warnings", (json_int_t)sum.warnings);
		pol_diag_free(&diag);
		return send_json(c, rq, 200, j);
	}
	json_t *list = json_array();
	for (size_t i = 0; list && i < diag.n; i++)
		if (diag.items[i].level == POL_DIAG_ERROR)
			json_array_append_new(list, json_string(diag.items[i].text));
	j = json_pack("{s:s,s:o}", "error", "the policy has errors; the current policy stays",
	              "diagnostics", list);
	pol_diag_free(&diag);
	return send_json(c, rq, 422, j);
}

static enum MHD_Result dispatch(struct col_server *srv, struct MHD_Connection *c, const char *url,
                                struct request *rq)
{
	struct col_reply r = {0, NULL};
	struct MHD_Response *stream = NULL;

	switch (rq->def->route) {
	case R_EVENTS_POST:
		return handle_ingest(srv, c, rq);
	case R_EVENTS_GET:
		col_api_events(srv, c, &r);
		break;
	case R_ANOMALIES:
		col_api_anomalies(srv, c, &r);
		break;
	case R_ANOMALY:
		col_api_anomaly(srv, url + strlen(rq->def->path), &r);
		break;
	case R_QUARANTINE:
		col_api_quarantine(srv, c, &r);
		break;
	case R_VETTING:
		col_api_vetting(srv, c, &r);
		break;
	case R_RISK:
		col_api_risk(srv, c, &r);
		break;
	case R_PERSON:
		col_api_person(srv, c, url + strlen(rq->def->path), &r);
		break;
	case R_SUMMARY:
		col_api_summary(srv, c, &r);
		break;
	case R_HEALTH:
		return send_json(c, rq, 200, json_pack("{s:s}", "status", "ok"));
	case R_POLICY_RELOAD:
		return handle_policy_reload(srv, c, rq);
	case R_TRIAGE:
		if (rq->too_large)
			return send_error(c, rq, 413, "body exceeds 64 KiB");
		col_api_triage(srv, &rq->who, url + strlen(rq->def->path), rq->body ? rq->body : "",
		               rq->len, &r);
		break;
	case R_EXPORT_EVENTS:
	case R_EXPORT_ANOMALIES:
		stream = col_export_response(srv, c, rq->def->route == R_EXPORT_EVENTS ? COL_EXPORT_EVENTS
		                                                                      : COL_EXPORT_ANOMALIES, &r);
		break;
	case R_IDENTITIES:
		col_api_identities(srv, &r);
		break;
	case R_ACCESS_LOG:
		col_api_access_log(srv, c, &r);
		break;
	case R_METRICS: {
		char *text = col_metrics_render(&srv->metrics, vg_akind_name);
		if (!text)
			return send_error(c, rq, 500, "out of memory");
		return send_reply(c, rq, 200, "text/plain; version=0.0.4", text, strlen(text));
	}
	default:
		return send_error(c, rq, 404, "not found");
	}
	if (rq->def->access == LOGGED &&
	    col_access_record(srv, &rq->who, rq->def->method, url, rq->def->prefix ? rq->def->path : NULL,
	                      c, r.status) < 0 &&
	    strcmp(rq->def->method, "GET") == 0) {
		/* What cannot be accounted for is not shown. A triage step has
		 * happened already and is answered as it went. */
		if (stream)
			MHD_destroy_response(stream);
		stream = NULL;
		col_api_error(&r, 503, "the access log is unavailable; try again");
	}
	if (stream)
		return send_stream(c, rq, stream);
	return send_json(c, rq, r.status, r.json);
}

static int append_body(struct col_server *srv, struct request *rq, const char *data, size_t n)
{
	size_t limit = rq->def->route == R_EVENTS_POST ? srv->cfg.max_body : COL_SMALL_BODY_MAX;
	if (rq->too_large || rq->len + n > limit) {
		rq->too_large = 1;          /* keep reading, answer 413 at the end */
		return 0;
	}
	if (rq->len + n > rq->cap) {
		size_t ncap = rq->cap ? rq->cap : rq->expected > 0 ? rq->expected : 65536;
		while (ncap < rq->len + n)
			ncap *= 2;
		if (ncap > limit)
			ncap = limit;
		char *nb = realloc(rq->body, ncap);
		if (!nb)
			return -1;
		rq->body = nb;
		rq->cap = ncap;
	}
	memcpy(rq->body + rq->len, data, n);
	rq->len += n;
	return 0;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls)
{
	struct col_server *srv = cls;
	struct request *rq = *con_cls;
	(void)version;

	if (!rq || !rq->def) {
		int known, status;
		if (!rq && !(rq = calloc(1, sizeof *rq)))
			return MHD_NO;
		rq->start_ns = vg_time_mono_ns();
		*con_cls = rq;
		if (rq->nul_in_url) {
			static const struct route_def bad = {.method = "", .path = "", .route = R_NONE,
			                                     .roles = ANYONE};
			rq->def = &bad;
			return send_error(c, rq, 400, "the URL holds an encoded NUL (%00)");
		}
		if (col_web_owns(url)) {
			/* The dashboard signs officers in with its own sessions. */
			static const struct route_def web = {.method = "", .path = "", .route = R_NONE,
			                                     .roles = ANYONE};
			rq->def = &web;
			if (check_client_cert(srv, c) != 0)
				return send_error(c, rq, 403, "a client certificate from the vigil CA is required");
			return (rq->web = col_web_begin(srv, c, method, url)) ? MHD_YES : MHD_NO;
		}
		rq->def = find_route(method, url, &known);
		if (!rq->def) {
			/* A route must exist to answer; reuse a dummy one for the status. */
			static const struct route_def none = {"", "", 0, R_NONE, ANYONE, UNLOGGED};
			rq->def = &none;
			return known ? send_error(c, rq, 405, "method not allowed")
			             : send_error(c, rq, 404, "not found");
		}
		const char *msg = NULL;
		if ((status = authorize(srv, c, rq, &msg)) != 0) {
			/* The path from the route table, never the request's text;
			 * never the token. */
			vg_debug("%s %s: %d: %s", rq->def->method, rq->def->path, status, msg);
			return send_error(c, rq, status, msg);
		}
		if (rq->def->roles != ANYONE)
			vg_debug("%s %s: %s %lld", rq->def->method, rq->def->path, col_role_name(rq->who.role),
			         (long long)rq->who.id);
		if (rq->def->route == R_TRIAGE && !is_json_request(c))
			return send_error(c, rq, 415, "expected application/json");
		if (rq->def->route == R_EVENTS_POST && (status = check_upload_headers(srv, c, rq)) != 0)
			return send_error(c, rq, status, status == 413 ? "body exceeds max_body" :
			                  status == 400 ? "the body length is announced twice or both ways "
			                                  "(Content-Length, Transfer-Encoding)" :
			                  "expected application/json or application/x-ndjson, "
			                  "optionally with Content-Encoding: gzip");
		return MHD_YES;
	}
	if (rq->web) {
		if (!*upload_size)
			return col_web_finish(rq->web, &rq->status);
		int rc = col_web_upload(rq->web, upload, *upload_size);
		*upload_size = 0;
		return rc < 0 ? MHD_NO : MHD_YES;
	}
	if (*upload_size) {
		if (rq->def->route != R_EVENTS_POST && rq->def->route != R_TRIAGE) {
			*upload_size = 0;            /* other bodies are ignored */
			return MHD_YES;
		}
		if (append_body(srv, rq, upload, *upload_size) < 0)
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	return dispatch(srv, c, url, rq);
}

/* Sees the URL before libmicrohttpd decodes it: a decoded %00 would cut the
 * path or a query parameter short without a trace (/v1/events%00x would be
 * /v1/events), so such a request is marked here and answered 400. The
 * request object made here is the one on_request and on_completed get. */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct request *rq = calloc(1, sizeof *rq);
	(void)cls;
	(void)c;
	if (rq)
		rq->nul_in_url = strstr(uri, "%00") != NULL;
	return rq;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
	struct col_server *srv = cls;
	struct request *rq = *con_cls;
	(void)c;
	(void)toe;
	if (!rq)
		return;
	/* A request libmicrohttpd refused before routing it (rq->def unset) was
	 * never answered by vigil and is not counted. */
	if (rq->def)
		col_metrics_request(&srv->metrics, rq->status, vg_time_mono_ns() - rq->start_ns);
	col_web_end(rq->web);
	free(rq->body);
	free(rq);
	*con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	(void)cls;
	vsnprintf(msg, sizeof msg, fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	vg_warn("http: %s", msg);
}

/* TLS 1.2 and 1.3 only, AEAD ciphers only: no CBC, no SHA-1 MACs. */
#define COL_TLS_PRIORITIES \
	"SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:" \
	"+CHACHA20-POLY1305:-MAC-ALL:+AEAD"

/* Reads a whole PEM file into a NUL-terminated buffer. */
static char *read_pem(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0;
	if (!f) {
		snprintf(err, errlen, "%s: cannot open: %m", path);
		return NULL;
	}
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof chunk, f)) > 0 && len < (1u << 20))
		fwrite(chunk, 1, n, m);
	int bad = ferror(f) || !m || len >= (1u << 20);
	fclose(f);
	if (m && fclose(m) != 0)
		bad = 1;
	if (bad || !buf || !strstr(buf, "-----BEGIN")) {
		snprintf(err, errlen, "%s: not a readable PEM file", path);
		free(buf);
		return NULL;
	}
	return buf;
}

static void tls_files_free(struct col_tls_files *t)
{
	free(t->cert);
	free(t->key);
	free(t->ca);
	memset(t, 0, sizeof *t);
}

int col_http_check_tls(const struct col_config *cfg, char *err, size_t errlen)
{
	const char *files[] = {cfg->tls_certificate, cfg->tls_key, cfg->tls_client_ca};
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		if (!files[i])
			continue;
		char *pem = read_pem(files[i], err, errlen);
		if (!pem)
			return -1;
		free(pem);
	}
	return 0;
}

int col_http_bind(struct col_server *srv, char *err, size_t errlen)
{
	/* The daemon may refer to the PEM text while it runs; it is freed in
	 * col_http_stop. */
	struct col_tls_files tls = {0};
	int ipv6;

	if (srv->cfg.tls_certificate) {
		if (!(tls.cert = read_pem(srv->cfg.tls_certificate, err, errlen)) ||
		    !(tls.key = read_pem(srv->cfg.tls_key, err, errlen)) ||
		    (srv->cfg.tls_client_ca && !(tls.ca = read_pem(srv->cfg.tls_client_ca, err, errlen)))) {
			tls_files_free(&tls);
			return -1;
		}
	}
	srv->listen_fd = col_listen_open(srv->cfg.listen_host, srv->cfg.listen_port, &srv->port, &ipv6,
	                                 err, errlen);
	if (srv->listen_fd < 0) {
		tls_files_free(&tls);
		return -1;
	}
	srv->tls = tls;
	srv->listening = true;
	return 0;
}

int col_http_start(struct col_server *srv, char *err, size_t errlen)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG | MHD_USE_EPOLL;

	if (!srv->listening && col_http_bind(srv, err, errlen) < 0)
		return -1;
	struct col_tls_files tls = srv->tls;
	if (tls.cert)
		flags |= MHD_USE_TLS;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof ss;
	if (getsockname(srv->listen_fd, (struct sockaddr *)&ss, &sslen) == 0 && ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* Options after the TLS ones are skipped when TLS is off by ending the
	 * list early through MHD_OPTION_ARRAY. */
	struct MHD_OptionItem tls_opts[] = {
		{tls.cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, tls.cert},
		{MHD_OPTION_HTTPS_MEM_KEY, 0, tls.key},
		{MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)COL_TLS_PRIORITIES},
		{tls.ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, 0, tls.ca},
		{MHD_OPTION_END, 0, NULL},
	};
	srv->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv,
	                            MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
	                            MHD_OPTION_ARRAY, tls_opts,
	                            MHD_OPTION_LISTEN_SOCKET, srv->listen_fd,
	                            MHD_OPTION_THREAD_POOL_SIZE, (unsigned)srv->cfg.threads,
	                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)srv->cfg.connection_timeout,
	                            MHD_OPTION_CONNECTION_LIMIT, 1024u,
	                            /* Bodies arrive in reads of up to half of this. */
	                            MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(256 * 1024),
	                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
	                            MHD_OPTION_URI_LOG_CALLBACK, on_uri, NULL,
	                            MHD_OPTION_END);
	if (!srv->mhd) {
		snprintf(err, errlen, "cannot serve on %s:%d (see the http: messages above)",
		         srv->cfg.listen_host, srv->port);
		return -1;
	}
	srv->listening = false;   /* the daemon closes it */
	return 0;
}

void col_http_stop(struct col_server *srv)
{
	if (srv->mhd)
		MHD_stop_daemon(srv->mhd);
	srv->mhd = NULL;
	if (srv->listening)
		close(srv->listen_fd);
	srv->listening = false;
	tls_files_free(&srv->tls);
}
