/*
 * col_alert: the outbox worker.
 *
 * One thread, one loop: wait for a kick (an alert was queued) or for the
 * earliest retry time, then, for each sink that is not backing off, deliver
 * its pending alerts oldest first until one fails. A failure backs that
 * sink off (initial, doubling, capped) and leaves its alerts queued in
 * order; the other sinks go on. Back-off is kept per sink in memory: after
 * a restart every sink is tried at once.
 */
#include "col_alert.h"
#include "col_alert_syslog.h"
#include "col_alert_webhook.h"
#include "vg_log.h"
#include "vg_time.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 32                       /* alerts read from the outbox at a time */
#define POLL_MS 30000                  /* look at the outbox at least this often */

struct sink {
	const char *name;                  /* the outbox's name for it */
	const char *label;                 /* for logs: the target or URL */
	struct col_webhook_sender hook;    /* unused for syslog */
	int is_syslog;
	int failures;                      /* consecutive */
	int64_t retry_at_ms;               /* 0 = not backing off */
};

struct col_alert {
	struct col_server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;               /* on CLOCK_MONOTONIC */
	int kick;
	atomic_int stop;
	struct col_syslog_origin origin;
	struct col_syslog_sender syslog;
	int syslog_ready;
	struct sink *sinks;
	size_t nsinks;
};

int col_alert_enqueue(struct col_server *srv, int64_t anomaly_id, int severity)
{
	const struct col_alert_config *cfg = &srv->cfg.alerts;
	int queued = 0;

	if (!cfg->enabled || severity < cfg->min_severity)
		return 0;
	int64_t now = vg_time_now();
	if (cfg->syslog != COL_SYSLOG_NONE) {
		int rc = col_store_outbox_add(srv->store, anomaly_id, COL_ALERT_SYSLOG_SINK, now);
		if (rc < 0)
			return -1;
		queued |= rc;
	}
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		int rc = col_store_outbox_add(srv->store, anomaly_id, cfg->webhooks[i].sink, now);
		if (rc < 0)
			return -1;
		queued |= rc;
	}
	struct col_alert *al = srv->alert;
	if (queued && al) {
		/* The worker reads the outbox through the writer's lock, so it
		 * sees these rows once the caller's transaction commits. */
		pthread_mutex_lock(&al->lock);
		al->kick = 1;
		pthread_cond_signal(&al->cond);
		pthread_mutex_unlock(&al->lock);
	}
	return 0;
}

static int cancelled(void *ctx)
{
	struct col_alert *al = ctx;
	return atomic_load(&al->stop);
}

static int64_t mono_ms(void)
{
	return vg_time_mono_ns() / 1000000;
}

/* Sends anomaly a to sink s. Returns 0, or -1 with err. */
static int deliver(struct col_alert *al, struct sink *s, const json_t *a, int64_t queued_ms, char *err,
                   size_t errlen)
{
	if (s->is_syslog) {
		char msg[COL_SYSLOG_MAX + 1];
		if (!al->syslog_ready) {
			if (col_syslog_open(&al->syslog, &al->srv->cfg.alerts, err, errlen) < 0)
				return -1;
			al->syslog_ready = 1;
		}
		int n = col_syslog_format(&al->origin, a, queued_ms, msg, sizeof msg);
		if (n < 0) {
			snprintf(err, errlen, "the anomaly lacks id, kind or severity");
			return -1;
		}
		return col_syslog_send(&al->syslog, msg, (size_t)n, err, errlen);
	}
	char *body = json_dumps(a, JSON_COMPACT);
	if (!body) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = col_webhook_post(&s->hook, body, strlen(body), err, errlen);
	free(body);
	return rc;
}

static void back_off(struct col_alert *al, struct sink *s, int64_t anomaly, const char *why)
{
	const struct col_alert_config *cfg = &al->srv->cfg.alerts;
	int shift = s->failures < 20 ? s->failures : 20;
	int64_t delay = (int64_t)cfg->backoff_initial * 1000 << shift;
	if (delay > (int64_t)cfg->backoff_max * 1000)
		delay = (int64_t)cfg->backoff_max * 1000;
	s->failures++;
	s->retry_at_ms = mono_ms() + delay;
	vg_warn("alert for anomaly %lld to %s failed (%s); retrying in %lld ms", (long long)anomaly,
	        s->label, why, (long long)delay);
}

/* Delivers sink s's pending alerts until one fails. Returns 1 when more
 * may be pending, 0 otherwise. */
static int drain_sink(struct col_alert *al, struct sink *s)
{
	struct col_store *store = al->srv->store;
	struct col_outbox_item items[BATCH];
	char err[512];

	int n = col_store_outbox_pending(store, s->name, items, BATCH);
	if (n < 0) {
		back_off(al, s, 0, col_store_error(store));
		return 0;
	}
	if (n == 0)
		s->retry_at_ms = 0;            /* nothing left to retry */
	for (int i = 0; i < n && !atomic_load(&al->stop); i++) {
		json_t *a = col_store_anomaly_get(store, items[i].anomaly);
		int rc;
		if (!a) {
			back_off(al, s, items[i].anomaly, col_store_error(store));
			return 0;
		}
		if (json_is_null(a)) {
			/* Only a hand-edited database loses an anomaly; nothing to send. */
			vg_warn("alert %lld: anomaly %lld no longer exists; dropped", (long long)items[i].id,
			        (long long)items[i].anomaly);
			rc = col_store_outbox_result(store, items[i].id, vg_time_now(), NULL);
		} else if (deliver(al, s, a, items[i].queued_ms, err, sizeof err) < 0) {
			json_decref(a);
			if (col_store_outbox_result(store, items[i].id, -1, err) < 0)
				vg_err("alert %lld: %s", (long long)items[i].id, col_store_error(store));
			back_off(al, s, items[i].anomaly, err);
			return 0;
		} else {
			rc = col_store_outbox_result(store, items[i].id, vg_time_now(), NULL);
			if (s->failures)
				vg_info("alerts to %s are delivered again", s->label);
			s->failures = 0;
			s->retry_at_ms = 0;
		}
		json_decref(a);
		if (rc < 0) {
			/* Delivered but not marked: it will be sent again (at least once). */
			back_off(al, s, items[i].anomaly, col_store_error(store));
			return 0;
		}
	}
	return n == BATCH;
}

static void wait_for_work(struct col_alert *al)
{
	pthread_mutex_lock(&al->lock);
	while (!al->kick && !atomic_load(&al->stop)) {
		int64_t now = mono_ms(), next = now + POLL_MS;
		for (size_t i = 0; i < al->nsinks; i++)
			if (al->sinks[i].retry_at_ms && al->sinks[i].retry_at_ms < next)
				next = al->sinks[i].retry_at_ms;
		if (next <= now)
			break;
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t ns = (int64_t)ts.tv_nsec + (next - now) * 1000000;
		ts.tv_sec += (time_t)(ns / 1000000000);
		ts.tv_nsec = (long)(ns % 1000000000);
		if (pthread_cond_timedwait(&al->cond, &al->lock, &ts) != 0)
			break;                     /* timed out: a retry or the poll is due */
	}
	al->kick = 0;
	pthread_mutex_unlock(&al->lock);
}

static void *worker_main(void *arg)
{
	struct col_alert *al = arg;

	while (!atomic_load(&al->stop)) {
		wait_for_work(al);
		int more = 0;
		for (size_t i = 0; i < al->nsinks && !atomic_load(&al->stop); i++) {
			struct sink *s = &al->sinks[i];
			if (s->retry_at_ms && s->retry_at_ms > mono_ms())
				continue;
			more |= drain_sink(al, s);
		}
		if (more) {
			pthread_mutex_lock(&al->lock);
			al->kick = 1;
			pthread_mutex_unlock(&al->lock);
		}
	}
	return NULL;
}

static void alert_free(struct col_alert *al)
{
	for (size_t i = 0; i < al->nsinks; i++)
		if (!al->sinks[i].is_syslog)
			col_webhook_close(&al->sinks[i].hook);
	if (al->syslog_ready)
		col_syslog_close(&al->syslog);
	free(al->sinks);
	pthread_cond_destroy(&al->cond);
	pthread_mutex_destroy(&al->lock);
	free(al);
	curl_global_cleanup();
}

int col_alert_start(struct col_server *srv, char *err, size_t errlen)
{
	const struct col_alert_config *cfg = &srv->cfg.alerts;
	pthread_condattr_t ca;
	struct col_alert *al;

	if (!cfg->enabled)
		return 0;
	/* Before any thread of ours uses libcurl; paired in col_alert_stop. */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		snprintf(err, errlen, "alerts: cannot initialise libcurl");
		return -1;
	}
	if (!(al = calloc(1, sizeof *al)) ||
	    !(al->sinks = calloc(cfg->nwebhooks + 1, sizeof *al->sinks))) {
		free(al);
		curl_global_cleanup();
		snprintf(err, errlen, "alerts: out of memory");
		return -1;
	}
	al->srv = srv;
	al->kick = 1;                      /* deliver what an earlier run left */
	pthread_mutex_init(&al->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&al->cond, &ca);
	pthread_condattr_destroy(&ca);
	col_syslog_origin_init(&al->origin, cfg->facility);
	if (cfg->syslog != COL_SYSLOG_NONE) {
		struct sink *s = &al->sinks[al->nsinks++];
		s->name = COL_ALERT_SYSLOG_SINK;
		s->label = cfg->syslog_target;
		s->is_syslog = 1;
		char why[256];
		/* A target that does not resolve yet is retried at delivery. */
		if (col_syslog_open(&al->syslog, cfg, why, sizeof why) == 0)
			al->syslog_ready = 1;
		else
			vg_warn("alerts: %s", why);
	}
	for (size_t i = 0; i < cfg->nwebhooks; i++) {
		struct sink *s = &al->sinks[al->nsinks];
		s->name = cfg->webhooks[i].sink;
		s->label = cfg->webhooks[i].label;
		if (col_webhook_open(&s->hook, &cfg->webhooks[i], cancelled, al, err, errlen) < 0) {
			alert_free(al);
			return -1;
		}
		al->nsinks++;
	}
	if (pthread_create(&al->thread, NULL, worker_main, al) != 0) {
		snprintf(err, errlen, "alerts: cannot start the delivery thread");
		alert_free(al);
		return -1;
	}
	srv->alert = al;
	vg_info("alerts: anomalies of severity %s or above go to %s%s%zu webhook%s",
	        vg_severity_name(cfg->min_severity), cfg->syslog_target ? cfg->syslog_target : "",
	        cfg->syslog_target ? " and " : "", cfg->nwebhooks, cfg->nwebhooks == 1 ? "" : "s");
	return 0;
}

void col_alert_stop(struct col_server *srv)
{
	struct col_alert *al = srv->alert;
	if (!al)
		return;
	pthread_mutex_lock(&al->lock);
	atomic_store(&al->stop, 1);
	pthread_cond_signal(&al->cond);
	pthread_mutex_unlock(&al->lock);
	pthread_join(al->thread, NULL);
	srv->alert = NULL;
	alert_free(al);
}
