/*
 * col_alert_webhook: delivers one alert to a webhook as a JSON POST over
 * libcurl (TLS verified against the configured CA or the system's).
 *
 * A delivery succeeds on any 2xx answer; anything else (no connection, a
 * timeout, 3xx, 4xx, 5xx) is a failure that the outbox retries. Redirects
 * are not followed. The receiver may see an alert twice (at-least-once):
 * the anomaly's "id" identifies it.
 */
#ifndef COL_ALERT_WEBHOOK_H
#define COL_ALERT_WEBHOOK_H

#include "col_alert_config.h"

#include <curl/curl.h>
#include <stddef.h>

struct col_webhook_sender {
	const struct col_alert_webhook *cfg;
	CURL *curl;                      /* kept: the connection is reused */
	struct curl_slist *headers;
	int (*cancelled)(void *ctx);     /* non-zero aborts a transfer in progress */
	void *ctx;
	char errbuf[CURL_ERROR_SIZE];
};

/* Prepares a sender for webhook cfg (which must outlive it). cancelled(ctx)
 * is polled during a transfer. Returns 0, or -1 with err. */
int col_webhook_open(struct col_webhook_sender *w, const struct col_alert_webhook *cfg,
                     int (*cancelled)(void *ctx), void *ctx, char *err, size_t errlen);
/* POSTs body (application/json). Returns 0 on a 2xx answer, -1 with err. */
int col_webhook_post(struct col_webhook_sender *w, const char *body, size_t len, char *err,
                     size_t errlen);
void col_webhook_close(struct col_webhook_sender *w);

#endif
