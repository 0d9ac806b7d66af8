/*
 * col_anchor: a thread that logs the chain's head now and then.
 *
 * The head is read through the store's reader, so logging an anchor never
 * waits for an ingest transaction; the periodic anchor is skipped while the
 * head has not moved, so an idle collector does not fill its log.
 */
#include "col_anchor.h"
#include "col_alert_syslog.h"
#include "col_chain.h"
#include "vg_log.h"
#include "vg_time.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct col_anchor {
	struct col_server *srv;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;              /* on CLOCK_MONOTONIC */
	bool stop, running;
	int64_t last_block;               /* the head last logged; -1 before the first */
	struct col_syslog_origin origin;
	struct col_syslog_sender sender;  /* the alerts' syslog target */
	bool sender_open;
};

/* Sends the anchor to the configured syslog target as RFC 5424. */
static void send_remote(struct col_anchor *an, int64_t block, const char *hex)
{
	char ts[VG_TIME_LEN], msg[COL_SYSLOG_MAX + 1], why[256];
	vg_time_format(vg_time_now(), ts);
	int n = snprintf(msg, sizeof msg, "<%d>1 %s %s %s %ld %s [%s block=\"%lld\" hash=\"%s\"] "
	                 "chain-anchor block=%lld hash=%s", an->origin.facility * 8 + 5, ts, an->origin.hostname,
	                 COL_SYSLOG_APP, an->origin.procid, COL_ANCHOR_MSGID, COL_SYSLOG_SD_ID, (long long)block,
	                 hex, (long long)block, hex);
	if (n < 0 || (size_t)n >= sizeof msg)
		return;
	if (!an->sender_open) {
		if (col_syslog_open(&an->sender, &an->srv->cfg.alerts, why, sizeof why) < 0) {
			vg_warn("chain anchor: syslog %s: %s", an->srv->cfg.alerts.syslog_target, why);
			return;
		}
		an->sender_open = true;
	}
	if (col_syslog_send(&an->sender, msg, (size_t)n, why, sizeof why) < 0)
		vg_warn("chain anchor: syslog %s: %s", an->srv->cfg.alerts.syslog_target, why);
}

/* Reads the head and logs it (always when force, else when it moved). */
static void anchor_now(struct col_anchor *an, const char *why, bool force)
{
	char hex[COL_CHAIN_HEX_LEN + 1];
	int64_t block;

	if (col_store_chain_head(an->srv->store, &block, hex) < 0) {
		vg_err("chain anchor: %s", col_store_error(an->srv->store));
		return;
	}
	if (!force && block == an->last_block)
		return;
	an->last_block = block;
	col_chain_anchor_log(block, hex, why);
	if (an->srv->cfg.alerts.syslog != COL_SYSLOG_NONE)
		send_remote(an, block, hex);
}

static void *anchor_main(void *arg)
{
	struct col_anchor *an = arg;
	int64_t interval_ns = (int64_t)an->srv->cfg.anchor_interval * 1000000000;
	struct timespec due;

	clock_gettime(CLOCK_MONOTONIC, &due);
	pthread_mutex_lock(&an->lock);
	while (!an->stop) {
		int64_t ns = due.tv_nsec + interval_ns;
		due.tv_sec += (time_t)(ns / 1000000000);
		due.tv_nsec = (long)(ns % 1000000000);
		int rc = 0;
		while (!an->stop && rc == 0)
			rc = pthread_cond_timedwait(&an->cond, &an->lock, &due);
		if (an->stop)
			break;
		pthread_mutex_unlock(&an->lock);
		anchor_now(an, "periodic", false);
		pthread_mutex_lock(&an->lock);
	}
	pthread_mutex_unlock(&an->lock);
	return NULL;
}

int col_anchor_start(struct col_server *srv, char *err, size_t errlen)
{
	struct col_anchor *an = calloc(1, sizeof *an);
	pthread_condattr_t ca;

	if (!an) {
		snprintf(err, errlen, "chain anchors: out of memory");
		return -1;
	}
	an->srv = srv;
	an->last_block = -1;
	col_syslog_origin_init(&an->origin, srv->cfg.alerts.facility);
	pthread_mutex_init(&an->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&an->cond, &ca);
	pthread_condattr_destroy(&ca);
	srv->anchor = an;
	anchor_now(an, "start", true);
	if (srv->cfg.anchor_interval > 0) {
		int e = pthread_create(&an->thread, NULL, anchor_main, an);
		if (e != 0) {
			snprintf(err, errlen, "chain anchors: cannot start the thread: %s", strerror(e));
			return -1;
		}
		an->running = true;
	}
	return 0;
}

void col_anchor_stop(struct col_server *srv)
{
	struct col_anchor *an = srv->anchor;
	if (!an)
		return;
	if (an->running) {
		pthread_mutex_lock(&an->lock);
		an->stop = true;
		pthread_cond_signal(&an->cond);
		pthread_mutex_unlock(&an->lock);
		pthread_join(an->thread, NULL);
	}
	if (srv->store)
		anchor_now(an, "shutdown", true);
	if (an->sender_open)
		col_syslog_close(&an->sender);
	pthread_cond_destroy(&an->cond);
	pthread_mutex_destroy(&an->lock);
	free(an);
	srv->anchor = NULL;
}
