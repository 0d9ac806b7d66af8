/*
 * rpt_client: the officer side of the collector's HTTP API.
 *
 * One libcurl easy handle per client, reused across requests. Every request
 * carries the officer's bearer token (GET for reports, POST for triage); the response is read into a
 * bounded buffer and parsed as JSON. Errors come back as a code and a
 * one-line message naming the request, with the collector's own
 * {"error": ...} text and HTTP status when it sent one.
 */
#ifndef RPT_CLIENT_H
#define RPT_CLIENT_H

#include <stddef.h>

#include <jansson.h>

/* Responses larger than this are refused rather than held in memory. */
#define RPT_MAX_RESPONSE ((size_t)256 << 20)

enum rpt_client_status {
	RPT_CLIENT_OK = 0,
	RPT_CLIENT_CONFIG,    /* bad URL, unusable CA file, libcurl setup */
	RPT_CLIENT_NETWORK,   /* could not connect, TLS failure, timeout */
	RPT_CLIENT_HTTP,      /* the collector answered with a non-2xx status */
	RPT_CLIENT_TOO_LARGE, /* response above the size cap */
	RPT_CLIENT_BAD_JSON,  /* 2xx but the body is not JSON */
	RPT_CLIENT_NOMEM,
};

/* A short description of a status, e.g. "collector refused the request". */
const char *rpt_client_strerror(enum rpt_client_status st);

struct rpt_client_opts {
	const char *base_url; /* "https://collector:8470" (a path prefix is kept) */
	const char *token;    /* sent as "Authorization: Bearer TOKEN" */
	const char *ca_file;  /* NULL: the system's CA store */
	long timeout_s;	      /* whole request; 0 means 60 */
	size_t max_response;  /* 0 means RPT_MAX_RESPONSE */
};

/* One query string parameter; value NULL means "leave it out". */
struct rpt_query_param {
	const char *name;
	const char *value;
};

struct rpt_client;

/* Checks that url is an http or https URL without query or fragment, and
 * that plain http goes only to a loopback host (the token would otherwise
 * cross the network in clear). Returns 0, or -1 with a message in err. */
int rpt_client_check_url(const char *url, char *err, size_t errlen);

/* Builds base + path + "?name=value&..." with every name and value
 * percent-encoded, dropping a trailing '/' from base. Returns a string to
 * free with free(), or NULL when memory runs out. */
char *rpt_client_url(const char *base, const char *path, const struct rpt_query_param *params,
		     size_t nparams);

/* Creates a client; opts' strings must outlive it. curl_global_init must
 * have been called. Returns RPT_CLIENT_OK, or RPT_CLIENT_CONFIG /
 * RPT_CLIENT_NOMEM with a message in err. */
enum rpt_client_status rpt_client_new(const struct rpt_client_opts *opts, struct rpt_client **out,
				      char *err, size_t errlen);

void rpt_client_free(struct rpt_client *c);

/* GETs path with the given query parameters and parses the JSON body into
 * *out (the caller owns it, json_decref). *http_status, when not NULL, gets
 * the HTTP status (0 if none was received). On failure returns the status
 * and a message in err such as
 *   "GET http://127.0.0.1:8470/v1/anomalies: HTTP 401: unknown token". */
enum rpt_client_status rpt_client_get(struct rpt_client *c, const char *path,
				      const struct rpt_query_param *params, size_t nparams,
				      json_t **out, long *http_status, char *err, size_t errlen);

/* POSTs body (serialised as JSON) to path and parses the JSON answer into
 * *out, with the same statuses and messages as rpt_client_get. */
enum rpt_client_status rpt_client_post(struct rpt_client *c, const char *path, const json_t *body,
				       json_t **out, long *http_status, char *err, size_t errlen);

#endif
