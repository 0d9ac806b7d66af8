/*
 * scen_emit: events as the vigil agent writes them, and their delivery to
 * one NDJSON file per host.
 *
 * Activity is generated person by person, a day at a time, so events come
 * out of order; they wait in a buffer until the day is over, are sorted by
 * time and written with the host's next seq (an agent's seq follows its
 * spool, which follows time). The members of each event are written in the
 * order the agent's builders add them (agent_event_new, syscall_event,
 * login_event, agent_emit_health), so the files read like a real spool.
 *
 * The agent's own events come from the host's power spans: "start" when it
 * boots, a heartbeat every heartbeat_s while it is on, "stop" when it shuts
 * down cleanly, nothing when the power is cut.
 */
#include "scen.h"
#include "vg_time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum ev_type { EV_PLAIN, EV_START, EV_HEARTBEAT };

struct ev {
	int64_t t;
	uint64_t order;            /* generation order breaks ties */
	int host;
	enum ev_type type;
	int pid;                   /* the agent's, for heartbeats */
	char *body;                /* the members after "seq" (not for heartbeats) */
};

/* ---- the builder --------------------------------------------------------- */

static void evb_raw(struct evb *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n + 1 >= sizeof b->buf) {
		b->bad = true;
		return;
	}
	memcpy(b->buf + b->len, s, n + 1);
	b->len += n;
}

static void evb_name(struct evb *b, const char *name)
{
	if (b->depth == 1 && b->first_in_detail)
		b->first_in_detail = false;
	else
		evb_raw(b, ",");
	evb_raw(b, "\"");
	evb_raw(b, name);
	evb_raw(b, "\":");
}

/* Every string the generator writes is plain: no quote, backslash or
 * control character, so no escaping is needed; anything else is a bug. */
static void evb_quoted(struct evb *b, const char *v)
{
	for (const char *c = v; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			b->bad = true;
	evb_raw(b, "\"");
	evb_raw(b, v);
	evb_raw(b, "\"");
}

void evb_begin(struct evb *b, int64_t t, const char *kind, const char *host)
{
	char ts[VG_TIME_LEN];
	b->len = 0;
	b->buf[0] = '\0';
	b->depth = 0;
	b->bad = false;
	vg_time_format(t, ts);
	evb_raw(b, "\"time\":\"");
	evb_raw(b, ts);
	evb_raw(b, "\"");
	evb_str(b, "kind", kind);
	evb_str(b, "host", host);
}

void evb_str(struct evb *b, const char *name, const char *value)
{
	if (!value)
		return;
	evb_name(b, name);
	evb_quoted(b, value);
}

void evb_int(struct evb *b, const char *name, long long value)
{
	char num[24];
	snprintf(num, sizeof num, "%lld", value);
	evb_name(b, name);
	evb_raw(b, num);
}

void evb_detail_open(struct evb *b)
{
	evb_name(b, "detail");
	evb_raw(b, "{");
	b->depth = 1;
	b->first_in_detail = true;
}

void evb_detail_close(struct evb *b)
{
	evb_raw(b, "}");
	b->depth = 0;
}

void evb_argv(struct evb *b, const char *const *argv, int argc)
{
	evb_int(b, "argc", argc);
	evb_name(b, "argv");
	evb_raw(b, "[");
	for (int i = 0; i < argc; i++) {
		if (i)
			evb_raw(b, ",");
		evb_quoted(b, argv[i]);
	}
	evb_raw(b, "]");
}

/* ---- the day buffer ------------------------------------------------------ */

static struct ev *push(struct scen *S)
{
	if (S->nevs == S->capevs) {
		size_t cap = S->capevs ? S->capevs * 2 : 65536;
		struct ev *n = realloc(S->evs, cap * sizeof *n);
		if (!n) {
			fprintf(stderr, "vigil-scenario-gen: out of memory (%zu events buffered)\n", cap);
			return NULL;
		}
		S->evs = n;
		S->capevs = cap;
	}
	struct ev *e = &S->evs[S->nevs++];
	memset(e, 0, sizeof *e);
	e->order = S->order++;
	return e;
}

static int check_time(const struct scen *S, int host, int64_t t)
{
	char ts[VG_TIME_LEN], fl[VG_TIME_LEN];
	if (t >= S->floor_ms)
		return 0;
	vg_time_format(t, ts);
	vg_time_format(S->floor_ms, fl);
	fprintf(stderr, "vigil-scenario-gen: internal error: event at %s on %s, before %s, which is "
	                "already written\n", ts, S->hosts[host].name, fl);
	return -1;
}

int scen_emit(struct scen *S, int host, int64_t t, struct evb *b)
{
	struct ev *e;
	if (b->bad) {
		fprintf(stderr, "vigil-scenario-gen: internal error: unwritable event on %s: %.200s\n",
		        S->hosts[host].name, b->buf);
		return -1;
	}
	if (check_time(S, host, t) < 0 || !(e = push(S)))
		return -1;
	e->t = t;
	e->host = host;
	e->type = EV_PLAIN;
	if (!(e->body = strdup(b->buf))) {
		fprintf(stderr, "vigil-scenario-gen: out of memory\n");
		return -1;
	}
	return 0;
}

/* ---- ids ------------------------------------------------------------------ */

/* Process ids, audit serials and login sessions of a host run on across
 * its reboots here: activity is generated before the day's power events,
 * so a restart cannot reset them in step. */

int scen_pid(struct scen *S, int host)
{
	struct host *h = &S->hosts[host];
	h->next_pid += 1 + rng_int(&h->rng, 12);
	if (h->next_pid > 4000000)
		h->next_pid = 1000;
	return h->next_pid;
}

int scen_session(struct scen *S, int host)
{
	return ++S->hosts[host].next_session;
}

void scen_audit_id(struct scen *S, int host, int64_t t, char out[48])
{
	struct host *h = &S->hosts[host];
	h->audit_serial += 1 + (uint64_t)rng_int(&h->rng, 3);
	snprintf(out, 48, "%" PRId64 ".%03d:%" PRIu64, t / 1000, (int)(t % 1000), h->audit_serial);
}

/* ---- power and the agent's own events ------------------------------------ */

static int add_span(struct host *h, int64_t on, int64_t off, bool crash)
{
	if (h->nspans == h->capspans) {
		int cap = h->capspans ? h->capspans * 2 : 8;
		struct span *n = realloc(h->spans, (size_t)cap * sizeof *n);
		if (!n)
			return -1;
		h->spans = n;
		h->capspans = cap;
	}
	int i = h->nspans;
	while (i > 0 && h->spans[i - 1].on > on) {
		h->spans[i] = h->spans[i - 1];
		i--;
	}
	h->spans[i] = (struct span){on, off, crash};
	h->nspans++;
	/* Merge spans that overlap or nearly touch: nobody switches a machine
	 * off for half an hour between two sessions. */
	for (int k = 0; k + 1 < h->nspans;) {
		struct span *a = &h->spans[k], *b = &h->spans[k + 1];
		if (b->on <= a->off + 30 * MIN_MS) {
			if (b->off > a->off) {
				a->off = b->off;
				a->crash = b->crash;
			}
			memmove(b, b + 1, (size_t)(h->nspans - k - 2) * sizeof *b);
			h->nspans--;
		} else {
			k++;
		}
	}
	return 0;
}

int scen_power(struct scen *S, int host, int64_t on, int64_t off, bool crash)
{
	struct host *h = &S->hosts[host];
	/* A span from before the period is a host running when it begins. */
	if (!h->on && on < S->floor_ms && on >= S->start_ms && check_time(S, host, on) < 0)
		return -1;
	if (add_span(h, on, off, crash) < 0) {
		fprintf(stderr, "vigil-scenario-gen: out of memory\n");
		return -1;
	}
	return 0;
}

static int emit_health(struct scen *S, int host, int64_t t, const char *action, const char *msg)
{
	struct host *h = &S->hosts[host];
	struct evb b;
	evb_begin(&b, t, "agent", h->name);
	evb_detail_open(&b);
	evb_str(&b, "action", action);
	evb_str(&b, "message", msg);
	evb_detail_close(&b);
	evb_int(&b, "pid", h->agent_pid);
	if (scen_emit(S, host, t, &b) < 0)
		return -1;
	if (strcmp(action, "start") == 0)
		S->evs[S->nevs - 1].type = EV_START;
	return 0;
}

static int boot(struct scen *S, int host, int64_t t)
{
	struct host *h = &S->hosts[host];
	h->on = true;
	h->agent_pid = 380 + rng_int(&h->rng, 900);
	h->next_hb = t + (int64_t)S->heartbeat_s * 1000 + rng_int(&h->rng, 40);
	return emit_health(S, host, t, "start", "vigil-agent 0.1");
}

/* The agent events of one host up to `until`. */
static int emit_host(struct scen *S, int host, int64_t until)
{
	struct host *h = &S->hosts[host];
	for (;;) {
		if (!h->on) {
			if (h->nspans == 0 || h->spans[0].on >= until)
				return 0;
			if (h->spans[0].on < S->start_ms) {
				/* Running since before the period: no start event. */
				h->on = true;
				h->agent_pid = 380 + rng_int(&h->rng, 900);
				h->next_hb = S->start_ms + rng_int(&h->rng, S->heartbeat_s * 1000);
				continue;
			}
			if (boot(S, host, h->spans[0].on) < 0)
				return -1;
			continue;
		}
		struct span *cur = &h->spans[0];
		int64_t next = h->next_hb < cur->off ? h->next_hb : cur->off;
		if (next >= until)
			return 0;
		if (h->next_hb < cur->off) {
			struct ev *e;
			if (check_time(S, host, h->next_hb) < 0 || !(e = push(S)))
				return -1;
			e->t = h->next_hb;
			e->host = host;
			e->type = EV_HEARTBEAT;
			e->pid = h->agent_pid;
			h->next_hb += (int64_t)S->heartbeat_s * 1000 + rng_int(&h->rng, 40);
			continue;
		}
		if (!cur->crash && emit_health(S, host, cur->off, "stop", "clean stop") < 0)
			return -1;
		h->on = false;
		memmove(h->spans, h->spans + 1, (size_t)(h->nspans - 1) * sizeof *h->spans);
		h->nspans--;
	}
}

int scen_emit_agents(struct scen *S, int64_t until)
{
	for (int h = 0; h < S->nhosts; h++)
		if (emit_host(S, h, until) < 0)
			return -1;
	return 0;
}

/* ---- output --------------------------------------------------------------- */

static int by_time(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->t != y->t)
		return x->t < y->t ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static int by_host(const void *a, const void *b)
{
	const struct ev *x = a, *y = b;
	if (x->host != y->host)
		return x->host < y->host ? -1 : 1;
	return by_time(a, b);
}

static void host_path(const struct scen *S, int host, char *out, size_t n)
{
	snprintf(out, n, "%s/events/%s.ndjson", S->outdir, S->hosts[host].name);
}

int scen_open_outputs(struct scen *S)
{
	char path[4096];
	for (int h = 0; h < S->nhosts; h++) {
		host_path(S, h, path, sizeof path);
		FILE *f = fopen(path, "w");
		if (!f || fclose(f) != 0) {
			fprintf(stderr, "vigil-scenario-gen: %s: %s\n", path, strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int write_event(struct scen *S, FILE *f, struct ev *e)
{
	struct host *h = &S->hosts[e->host];
	int rc;
	h->seq++;
	if (e->type == EV_HEARTBEAT) {
		char ts[VG_TIME_LEN];
		vg_time_format(e->t, ts);
		/* agent_emit_health: the counters of the agent process so far. */
		rc = fprintf(f, "{\"seq\":%" PRId64 ",\"time\":\"%s\",\"kind\":\"agent\",\"host\":\"%s\","
		                "\"detail\":{\"action\":\"heartbeat\",\"message\":\"emitted %" PRId64
		                ", dropped 0, shipped %" PRId64 " in %" PRId64 " batches\"},\"pid\":%d}\n",
		             h->seq, ts, h->name, h->since_start, h->since_start,
		             h->heartbeats_since_start + (h->since_start + 24) / 25, e->pid);
		h->heartbeats_since_start++;
	} else {
		rc = fprintf(f, "{\"seq\":%" PRId64 ",%s}\n", h->seq, e->body);
	}
	if (e->type == EV_START) {
		h->since_start = 0;
		h->heartbeats_since_start = 0;
	}
	h->since_start++;
	if (S->nwritten++ == 0 || e->t < S->first_written)
		S->first_written = e->t;
	if (e->t > S->last_written)
		S->last_written = e->t;
	free(e->body);
	e->body = NULL;
	return rc < 0 ? -1 : 0;
}

int scen_flush(struct scen *S, int64_t until)
{
	char path[4096];
	size_t cut = 0;
	qsort(S->evs, S->nevs, sizeof *S->evs, by_time);
	while (cut < S->nevs && S->evs[cut].t < until)
		cut++;
	/* One open per host and flush: group by host, keeping time order. */
	qsort(S->evs, cut, sizeof *S->evs, by_host);
	for (size_t i = 0; i < cut;) {
		int host = S->evs[i].host;
		host_path(S, host, path, sizeof path);
		FILE *f = fopen(path, "a");
		if (!f) {
			fprintf(stderr, "vigil-scenario-gen: %s: %s\n", path, strerror(errno));
			return -1;
		}
		int rc = 0;
		for (; i < cut && S->evs[i].host == host; i++)
			rc |= write_event(S, f, &S->evs[i]);
		if (rc < 0 || ferror(f) || fclose(f) != 0) {
			fprintf(stderr, "vigil-scenario-gen: %s: write failed\n", path);
			return -1;
		}
	}
	memmove(S->evs, S->evs + cut, (S->nevs - cut) * sizeof *S->evs);
	S->nevs -= cut;
	if (until > S->floor_ms)
		S->floor_ms = until;
	return 0;
}

int64_t scen_last_buffered(const struct scen *S)
{
	int64_t last = 0;
	for (size_t k = 0; k < S->nevs; k++)
		if (S->evs[k].t > last)
			last = S->evs[k].t;
	return last;
}

int scen_close_outputs(struct scen *S)
{
	int rc = scen_flush(S, INT64_MAX);
	free(S->evs);
	S->evs = NULL;
	S->nevs = S->capevs = 0;
	return rc;
}
