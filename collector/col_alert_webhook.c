/*
 * col_alert_webhook: one libcurl easy handle per webhook, reused so that
 * a burst of alerts shares one connection.
 */
#include "col_alert_webhook.h"

#include <stdio.h>
#include <string.h>

/* The receiver's answer is not needed; reading it keeps the connection
 * reusable. */
static size_t discard(char *data, size_t size, size_t n, void *ctx)
{
	(void)data;
	(void)ctx;
	return size * n;
}

static int progress(void *ctx, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                    curl_off_t ulnow)
{
	struct col_webhook_sender *w = ctx;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return w->cancelled && w->cancelled(w->ctx) ? 1 : 0;
}

static int add_header(struct col_webhook_sender *w, const char *h)
{
	struct curl_slist *n = curl_slist_append(w->headers, h);
	if (!n)
		return -1;
	w->headers = n;
	return 0;
}

int col_webhook_open(struct col_webhook_sender *w, const struct col_alert_webhook *cfg,
                     int (*cancelled)(void *ctx), void *ctx, char *err, size_t errlen)
{
	memset(w, 0, sizeof *w);
	w->cfg = cfg;
	w->cancelled = cancelled;
	w->ctx = ctx;
	if (!(w->curl = curl_easy_init())) {
		snprintf(err, errlen, "webhook %s: cannot create a libcurl handle", cfg->url);
		return -1;
	}
	/* "Expect:" turns off 100-continue: one round trip per alert. */
	if (add_header(w, "Content-Type: application/json") < 0 || add_header(w, "Expect:") < 0 ||
	    (cfg->header && add_header(w, cfg->header) < 0)) {
		snprintf(err, errlen, "webhook %s: out of memory", cfg->url);
		col_webhook_close(w);
		return -1;
	}
	CURL *c = w->curl;
	if (curl_easy_setopt(c, CURLOPT_URL, cfg->url) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_HTTPHEADER, w->headers) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_USERAGENT, "vigil-collector") != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)(cfg->timeout < 5 ? cfg->timeout : 5)) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)cfg->timeout) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, progress) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_XFERINFODATA, w) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK ||
	    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, w->errbuf) != CURLE_OK ||
	    (cfg->ca && curl_easy_setopt(c, CURLOPT_CAINFO, cfg->ca) != CURLE_OK)) {
		snprintf(err, errlen, "webhook %s: libcurl refuses an option", cfg->url);
		col_webhook_close(w);
		return -1;
	}
	return 0;
}

int col_webhook_post(struct col_webhook_sender *w, const char *body, size_t len, char *err,
                     size_t errlen)
{
	long status = 0;

	w->errbuf[0] = '\0';
	if (curl_easy_setopt(w->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK ||
	    curl_easy_setopt(w->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK) {
		snprintf(err, errlen, "libcurl refuses the body");
		return -1;
	}
	CURLcode rc = curl_easy_perform(w->curl);
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", w->errbuf[0] ? w->errbuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299) {
		snprintf(err, errlen, "HTTP status %ld", status);
		return -1;
	}
	return 0;
}

void col_webhook_close(struct col_webhook_sender *w)
{
	if (w->curl)
		curl_easy_cleanup(w->curl);
	curl_slist_free_all(w->headers);
	w->curl = NULL;
	w->headers = NULL;
}
