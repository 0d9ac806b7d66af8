/*
 * rpt_client: libcurl GETs against the collector, JSON back.
 *
 * The response is buffered whole (reports need the complete list before they
 * can lay out a table) but never beyond a cap, checked both against
 * Content-Length and as bytes arrive, after any gzip decoding. Redirects are
 * not followed and only http and https are allowed, so the token goes only
 * where the officer pointed it.
 */
#include "rpt_client.h"

#include "rpt_text.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define CONNECT_TIMEOUT_S 10L
#define ERROR_BODY_SHOWN 200 /* bytes of a non-JSON error body quoted */

struct rpt_client {
	CURL *curl;
	struct curl_slist *headers;
	const char *base_url;
	size_t max_response;
	char curl_err[CURL_ERROR_SIZE];
};

struct response {
	char *data;
	size_t len, cap, max;
	bool too_large;
};

const char *rpt_client_strerror(enum rpt_client_status st)
{
	switch (st) {
	case RPT_CLIENT_OK: return "success";
	case RPT_CLIENT_CONFIG: return "bad client configuration";
	case RPT_CLIENT_NETWORK: return "cannot reach the collector";
	case RPT_CLIENT_HTTP: return "collector refused the request";
	case RPT_CLIENT_TOO_LARGE: return "response too large";
	case RPT_CLIENT_BAD_JSON: return "response is not JSON";
	case RPT_CLIENT_NOMEM: return "out of memory";
	}
	return "unknown error";
}

static bool host_is_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

int rpt_client_check_url(const char *url, char *err, size_t errlen)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *query = NULL, *fragment = NULL;
	int rc = 0;

	if (!u)
		return vg_errf(err, errlen, "out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		rc = vg_errf(err, errlen, "collector URL '%s' is not a URL like "
			  "https://collector.example:8470", url);
	} else if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		rc = vg_errf(err, errlen, "collector URL '%s': scheme must be http or https", url);
	} else if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
		   curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK) {
		rc = vg_errf(err, errlen, "collector URL '%s' must not have a query or fragment",
			  url);
	} else if (strcmp(scheme, "http") == 0 && !host_is_loopback(host)) {
		rc = vg_errf(err, errlen, "collector URL '%s': plain http would send the token "
			  "in clear; use https:// (http is only for a loopback collector)",
			  url);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(query);
	curl_free(fragment);
	curl_url_cleanup(u);
	return rc;
}

char *rpt_client_url(const char *base, const char *path, const struct rpt_query_param *params,
		     size_t nparams)
{
	size_t blen = strlen(base);
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	char sep = '?';

	if (!f)
		return NULL;
	while (blen && base[blen - 1] == '/')
		blen--;
	fwrite(base, 1, blen, f);
	fputs(path, f);
	for (size_t i = 0; i < nparams; i++) {
		char *name, *value;

		if (!params[i].value)
			continue;
		/* The handle argument is ignored by libcurl since 7.82. */
		name = curl_easy_escape(NULL, params[i].name, 0);
		value = curl_easy_escape(NULL, params[i].value, 0);
		if (name && value)
			fprintf(f, "%c%s=%s", sep, name, value);
		else
			fputc('\0', f); /* marks the failure below */
		curl_free(name);
		curl_free(value);
		sep = '&';
	}
	if (fclose(f) != 0 || strlen(buf) != size) {
		free(buf);
		return NULL;
	}
	return buf;
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct response *r = userdata;
	size_t n = size * nmemb;

	if (n > r->max - r->len) {
		r->too_large = true;
		return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
	}
	if (r->len + n + 1 > r->cap) {
		size_t cap = r->cap ? r->cap : 16384;
		char *data;

		while (cap < r->len + n + 1)
			cap *= 2;
		data = realloc(r->data, cap);
		if (!data)
			return 0;
		r->data = data;
		r->cap = cap;
	}
	memcpy(r->data + r->len, ptr, n);
	r->len += n;
	r->data[r->len] = '\0';
	return n;
}

enum rpt_client_status rpt_client_new(const struct rpt_client_opts *opts, struct rpt_client **out,
				      char *err, size_t errlen)
{
	struct rpt_client *c;
	char *auth = NULL;
	CURLcode cc = CURLE_OK;

	*out = NULL;
	if (rpt_client_check_url(opts->base_url, err, errlen) < 0)
		return RPT_CLIENT_CONFIG;
	c = calloc(1, sizeof *c);
	if (!c || !(c->curl = curl_easy_init()) ||
	    asprintf(&auth, "Authorization: Bearer %s", opts->token) < 0) {
		rpt_client_free(c);
		vg_errf(err, errlen, "out of memory");
		return RPT_CLIENT_NOMEM;
	}
	c->base_url = opts->base_url;
	c->max_response = opts->max_response ? opts->max_response : RPT_MAX_RESPONSE;
	c->headers = curl_slist_append(NULL, auth);
	free(auth);
	if (c->headers)
		c->headers = curl_slist_append(c->headers, "Accept: application/json");
	if (!c->headers) {
		rpt_client_free(c);
		vg_errf(err, errlen, "out of memory");
		return RPT_CLIENT_NOMEM;
	}

	CURL *h = c->curl;
	long timeout = opts->timeout_s > 0 ? opts->timeout_s : 60;
	cc |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->headers);
	cc |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->curl_err);
	cc |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	cc |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	cc |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
	cc |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	cc |= curl_easy_setopt(h, CURLOPT_TIMEOUT, timeout);
	cc |= curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	cc |= curl_easy_setopt(h, CURLOPT_USERAGENT, "vigil-report/1");
	cc |= curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response);
	cc |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	if (opts->ca_file)
		cc |= curl_easy_setopt(h, CURLOPT_CAINFO, opts->ca_file);
	if (cc != CURLE_OK) {
		/* The OR of codes is only tested against zero. */
		rpt_client_free(c);
		vg_errf(err, errlen, "libcurl lacks an option vigil-report needs");
		return RPT_CLIENT_CONFIG;
	}
	*out = c;
	return RPT_CLIENT_OK;
}

void rpt_client_free(struct rpt_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->headers);
	free(c);
}

/* The method, base URL and path, without the query, for messages. */
static void describe_request(const struct rpt_client *c, const char *method, const char *path,
			     char *buf, size_t size)
{
	size_t blen = strlen(c->base_url);

	while (blen && c->base_url[blen - 1] == '/')
		blen--;
	snprintf(buf, size, "%s %.*s%s", method, (int)blen, c->base_url, path);
}

/* Explains a non-2xx answer: the collector's {"error": "..."} text when the
 * body is such an object, else the start of the body, else a hint. */
static void explain_http_error(const struct response *r, long status, const char *what,
			       char *err, size_t errlen)
{
	json_t *body = r->len ? json_loadb(r->data, r->len, 0, NULL) : NULL;
	json_t *msg = json_object_get(body, "error");
	const char *hint = status == 401   ? "check the token"
			   : status == 403 ? "the token's role may not read this report"
					   : "no error message";
	char *text;

	if (json_is_string(msg))
		text = rpt_text_sanitize(json_string_value(msg), json_string_length(msg));
	else
		text = rpt_text_sanitize(r->data ? r->data : "",
					 r->len > ERROR_BODY_SHOWN ? ERROR_BODY_SHOWN : r->len);
	vg_errf(err, errlen, "%s: HTTP %ld: %s", what, status, text && *text ? text : hint);
	free(text);
	json_decref(body);
}

/* One request: GET when body is NULL, else POST of body as JSON. */
static enum rpt_client_status perform(struct rpt_client *c, const char *path,
				      const struct rpt_query_param *params, size_t nparams,
				      const char *body, json_t **out, long *http_status, char *err,
				      size_t errlen)
{
	struct response r = {.max = c->max_response};
	enum rpt_client_status st = RPT_CLIENT_OK;
	struct curl_slist *headers = c->headers, *post_headers = NULL;
	char what[512];
	char *url;
	long status = 0;
	CURLcode cc;

	*out = NULL;
	if (http_status)
		*http_status = 0;
	describe_request(c, body ? "POST" : "GET", path, what, sizeof what);
	url = rpt_client_url(c->base_url, path, params, nparams);
	if (body) {
		/* The shared list stays as it is: a copy gains Content-Type. */
		for (struct curl_slist *h = c->headers; h; h = h->next)
			if (!(post_headers = curl_slist_append(post_headers, h->data)))
				break;
		headers = post_headers ? curl_slist_append(post_headers, "Content-Type: application/json")
				       : NULL;
		if (headers)
			post_headers = headers;
	}
	if (!url || !headers) {
		curl_slist_free_all(post_headers);
		free(url);
		vg_errf(err, errlen, "%s: out of memory", what);
		return RPT_CLIENT_NOMEM;
	}
	c->curl_err[0] = '\0';
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	if (body) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	} else {
		curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	}
	cc = curl_easy_perform(c->curl);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
	curl_slist_free_all(post_headers);
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	if (http_status)
		*http_status = status;

	if (r.too_large || cc == CURLE_FILESIZE_EXCEEDED) {
		vg_errf(err, errlen, "%s: response larger than %zu MiB", what,
		     c->max_response >> 20);
		st = RPT_CLIENT_TOO_LARGE;
	} else if (cc != CURLE_OK) {
		vg_errf(err, errlen, "%s: %s", what,
		     c->curl_err[0] ? c->curl_err : curl_easy_strerror(cc));
		st = cc == CURLE_OUT_OF_MEMORY ? RPT_CLIENT_NOMEM : RPT_CLIENT_NETWORK;
	} else if (status < 200 || status > 299) {
		explain_http_error(&r, status, what, err, errlen);
		st = RPT_CLIENT_HTTP;
	} else {
		json_error_t je;

		/* JSON_ALLOW_NUL: a hostile "\u0000" in a host name must not
		 * hide the whole report; the renderers escape it. */
		*out = json_loadb(r.data ? r.data : "", r.len, JSON_ALLOW_NUL, &je);
		if (!*out) {
			char *text = rpt_text_sanitize(je.text, strlen(je.text));

			vg_errf(err, errlen, "%s: HTTP %ld but the body is not JSON: line %d column "
			     "%d: %s", what, status, je.line, je.column, text ? text : "");
			free(text);
			st = RPT_CLIENT_BAD_JSON;
		}
	}
	free(r.data);
	free(url);
	return st;
}

enum rpt_client_status rpt_client_get(struct rpt_client *c, const char *path,
				      const struct rpt_query_param *params, size_t nparams,
				      json_t **out, long *http_status, char *err, size_t errlen)
{
	return perform(c, path, params, nparams, NULL, out, http_status, err, errlen);
}

enum rpt_client_status rpt_client_post(struct rpt_client *c, const char *path, const json_t *body,
				       json_t **out, long *http_status, char *err, size_t errlen)
{
	char *text = json_dumps(body, JSON_COMPACT);
	if (!text) {
		*out = NULL;
		vg_errf(err, errlen, "out of memory");
		return RPT_CLIENT_NOMEM;
	}
	enum rpt_client_status st = perform(c, path, NULL, 0, text, out, http_status, err, errlen);
	free(text);
	return st;
}
