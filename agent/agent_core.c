/*
 * agent_core: the agent's event sink. Every event passes the same schema
 * validation the collector applies before it is spooled, so the agent never
 * ships something the collector would quarantine.
 */
#include "agent.h"
#include "agent_event.h"
#include "vg_log.h"
#include "vg_time.h"

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static void wake_shipper(struct agent *a)
{
	uint64_t one = 1;
	if (a->wake_fd >= 0) {
		ssize_t n = write(a->wake_fd, &one, sizeof one);
		(void)n;   /* eventfd counter overflow is impossible at this rate */
	}
}

/* An event the spool could not take is lost: count it, never silently. */
static void count_unspooled(struct agent *a, long long n)
{
	atomic_fetch_add(&a->dropped, n);
	atomic_fetch_add(&a->unspooled, n);
}

int agent_emit(struct agent *a, json_t *ev)
{
	struct vg_event check;
	char err[512];
	int rc;

	if (!ev)
		return -1;
	/* The spool assigns seq; validate with a provisional one. */
	if (json_object_set_new(ev, "seq", json_integer(0)) < 0 ||
	    vg_event_decode(ev, &check, err, sizeof err) < 0) {
		vg_err("internal: event failed schema validation, not spooled: %s", err);
		atomic_fetch_add(&a->rejected, 1);
		json_decref(ev);
		return -1;
	}
	if (agent_spool_begin(a->spool, err, sizeof err) < 0) {
		vg_err("%s; an event was dropped", err);
		count_unspooled(a, 1);
		json_decref(ev);
		return -1;
	}
	rc = agent_spool_append(a->spool, ev, err, sizeof err);
	json_decref(ev);
	if (rc < 0) {
		vg_err("%s; an event was dropped", err);
		count_unspooled(a, 1);
		return -1;
	}
	if (rc == 1) {
		atomic_fetch_add(&a->dropped, 1);
		return 1;
	}
	atomic_fetch_add(&a->emitted, 1);
	a->pending++;
	return 0;
}

int agent_flush(struct agent *a)
{
	char err[512];
	if (agent_spool_commit(a->spool, err, sizeof err) < 0) {
		vg_err("%s; %lld events of this burst were not spooled", err, (long long)a->pending);
		count_unspooled(a, a->pending);
		a->pending = 0;
		return -1;
	}
	if (a->pending)
		wake_shipper(a);
	a->pending = 0;
	return 0;
}

int agent_emit_health(struct agent *a, const char *action, const char *message)
{
	json_t *ev = agent_event_new(VG_KIND_AGENT, vg_time_now(), a->cfg.host);
	if (!ev || agent_event_detail(ev, "action", action) < 0 ||
	    agent_event_detail(ev, "message", message) < 0 ||
	    agent_event_int(ev, "pid", (int64_t)a->pid) < 0) {
		json_decref(ev);
		return -1;
	}
	return agent_emit(a, ev);
}

int agent_report_unspooled(struct agent *a)
{
	long long n = atomic_load(&a->unspooled) - a->unspooled_reported;
	long long unspooled = atomic_load(&a->unspooled), dropped = atomic_load(&a->dropped);
	char msg[128];

	if (n <= 0)
		return 0;
	snprintf(msg, sizeof msg, "%lld events dropped: the spool could not be written", n);
	json_t *ev = agent_event_new(VG_KIND_AGENT, vg_time_now(), a->cfg.host);
	if (!ev || agent_event_detail(ev, "action", "spool_write_failed") < 0 ||
	    agent_event_detail(ev, "message", msg) < 0 || agent_event_detail_int(ev, "lost", n) < 0 ||
	    agent_event_int(ev, "pid", (int64_t)a->pid) < 0) {
		json_decref(ev);
		return -1;
	}
	/* agent_emit takes the event, spooled or not. */
	if (agent_emit(a, ev) == 0 && agent_flush(a) == 0) {
		a->unspooled_reported += n;
		vg_warn("%s", msg);
		return 1;
	}
	/* Not spooled either: retried on the next call, not itself a loss. */
	atomic_store(&a->unspooled, unspooled);
	atomic_store(&a->dropped, dropped);
	return -1;
}
