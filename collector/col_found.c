/*
 * col_found: recording anomalies, publishing their counts, and running the
 * behavioural engine inside the collector (see col_found.h).
 */
#include "col_found.h"
#include "col_alert.h"
#include "vg_log.h"
#include "vg_time.h"

#include <errno.h>
#include <string.h>
#include <time.h>

int col_found_record(struct col_found *f, const struct col_anomaly *a, enum vg_akind kind)
{
	int64_t id;
	if (f->pol) {
		const struct pol_person *ps = a->person ? pol_find_person(f->pol, a->person) : NULL;
		if (pol_suppressed(f->pol, a->kind, ps, a->host, a->reasons, a->nreasons, a->time_ms)) {
			f->suppressed++;
			return 0;
		}
	}
	int created = col_store_anomaly_record(f->srv->store, a, &id);
	if (created < 0 || col_alert_enqueue(f->srv, id, a->severity) < 0)
		return -1;
	if (created) {
		f->anomalies++;
		if ((unsigned)kind < VG_AK_COUNT)
			f->by_kind[kind]++;
	}
	return 0;
}

static int sink_emit(void *ctx, const struct col_anomaly *a, enum vg_akind kind)
{
	return col_found_record(ctx, a, kind);
}

struct col_behave_sink col_found_sink(struct col_found *f)
{
	return (struct col_behave_sink){sink_emit, f};
}

void col_found_publish(const struct col_found *f)
{
	if (f->suppressed)
		atomic_fetch_add(&f->srv->metrics.suppressed, (unsigned long long)f->suppressed);
	for (int k = 0; k < VG_AK_COUNT && k < COL_METRICS_KINDS; k++)
		if (f->by_kind[k])
			atomic_fetch_add(&f->srv->metrics.anomalies[k], (unsigned long long)f->by_kind[k]);
}

/* Runs one transaction of the engine: restore (when restore is set) or a
 * flush. Returns 0 or -1 (logged). */
static int behave_txn(struct col_server *srv, bool restore, bool force)
{
	struct col_policy_ref *pref = col_policy_acquire(&srv->policy);
	const struct pol_policy *p = pref ? pref->pol : NULL;
	struct col_found found = {.srv = srv, .pol = p};
	struct col_behave_sink sink = col_found_sink(&found);
	int64_t now = vg_time_now();
	int rc = -1;

	if (col_store_begin(srv->store) < 0)
		goto out;
	rc = restore ? col_behave_restore(srv->behave, srv->store, p, now, &sink)
	             : col_behave_flush(srv->behave, srv->store, p, now, force, &sink);
	if (rc < 0) {
		/* Before the lock goes: an ingest thread may come first. */
		if (!restore)
			col_behave_abandon(srv->behave);
		col_store_rollback(srv->store);
		goto out;
	}
	if ((rc = col_store_commit(srv->store)) == 0)
		col_found_publish(&found);
out:
	if (rc < 0)
		vg_err("detection: %s", col_store_error(srv->store));
	col_policy_release(pref);
	return rc;
}

void col_found_recover(struct col_server *srv)
{
	if (behave_txn(srv, true, true) < 0)
		vg_err("detection: the behavioural state could not be read back; events are "
		       "journalled and decided once it can (retried every second)");
}

static void *ticker(void *arg)
{
	struct col_server *srv = arg;
	pthread_mutex_lock(&srv->behave_lock);
	while (!srv->behave_stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&srv->behave_cond, &srv->behave_lock, &ts);
		if (srv->behave_stop)
			break;
		pthread_mutex_unlock(&srv->behave_lock);
		/* The flush runs under the store's write lock like every feed. */
		if (col_behave_broken(srv->behave))
			col_found_recover(srv);
		if (col_behave_due(srv->behave, vg_time_now()) && behave_txn(srv, false, false) < 0)
			col_found_recover(srv);
		pthread_mutex_lock(&srv->behave_lock);
	}
	pthread_mutex_unlock(&srv->behave_lock);
	return NULL;
}

int col_found_start(struct col_server *srv, char *err, size_t errlen)
{
	if (!(srv->behave = col_behave_new())) {
		snprintf(err, errlen, "detection: out of memory");
		return -1;
	}
	if (behave_txn(srv, true, true) < 0) {
		snprintf(err, errlen, "detection: cannot restore the detectors' state: %s",
		         col_store_error(srv->store));
		return -1;
	}
	pthread_mutex_init(&srv->behave_lock, NULL);
	pthread_cond_init(&srv->behave_cond, NULL);
	srv->behave_stop = false;
	int e = pthread_create(&srv->behave_thread, NULL, ticker, srv);
	if (e != 0) {
		snprintf(err, errlen, "detection: cannot start its thread: %s", strerror(e));
		return -1;
	}
	srv->behave_running = true;
	return 0;
}

void col_found_stop(struct col_server *srv)
{
	if (!srv->behave)
		return;
	if (srv->behave_running) {
		pthread_mutex_lock(&srv->behave_lock);
		srv->behave_stop = true;
		pthread_cond_signal(&srv->behave_cond);
		pthread_mutex_unlock(&srv->behave_lock);
		pthread_join(srv->behave_thread, NULL);
		srv->behave_running = false;
		pthread_mutex_destroy(&srv->behave_lock);
		pthread_cond_destroy(&srv->behave_cond);
	}
	if (srv->store)
		behave_txn(srv, false, true);
	col_behave_free(srv->behave);
	srv->behave = NULL;
}
