/*
 * col_ingest: body decoding, quarantine and the per-request transaction.
 */
#include "col_ingest.h"
#include "col_detect.h"
#include "col_found.h"
#include "vg_arena.h"
#include "vg_log.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

static int set_status(struct col_ingest_result *res, int status, const char *msg)
{
	res->status = status;
	snprintf(res->error, sizeof res->error, "%s", msg);
	return -1;
}

/* A 503 that says what failed and why ("database is locked", "database or
 * disk is full"), so that the agent's log and an operator can tell. */
static void storage_failed(struct col_ingest_result *res, const char *what, const char *why)
{
	res->status = 503;
	snprintf(res->error, sizeof res->error, "%.60s (%.150s); the batch was not stored, retry", what, why);
}

int col_ingest_gunzip(const char *in, size_t inlen, size_t limit, char **out, size_t *outlen,
                      struct col_ingest_result *res)
{
	z_stream z;
	size_t cap = inlen * 4 < limit ? inlen * 4 + 1024 : limit + 1;
	char *buf;
	int rc;

	if (cap > limit + 1)
		cap = limit + 1;
	if (!(buf = malloc(cap)))
		return set_status(res, 500, "out of memory");
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(buf);
		return set_status(res, 500, "cannot initialise zlib");
	}
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	for (;;) {
		if (z.total_out >= cap) {
			/* Grow, but never past limit + 1: one byte over proves the body
			 * is too large without inflating the rest of a bomb. */
			if (cap > limit) {
				inflateEnd(&z);
				free(buf);
				return set_status(res, 413, "inflated body exceeds max_body");
			}
			size_t ncap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
			char *nb = realloc(buf, ncap);
			if (!nb) {
				inflateEnd(&z);
				free(buf);
				return set_status(res, 500, "out of memory");
			}
			buf = nb;
			cap = ncap;
		}
		z.next_out = (Bytef *)buf + z.total_out;
		z.avail_out = (uInt)(cap - z.total_out);
		rc = inflate(&z, Z_NO_FLUSH);
		if (rc == Z_STREAM_END) {
			if (z.total_out > limit) {
				inflateEnd(&z);
				free(buf);
				return set_status(res, 413, "inflated body exceeds max_body");
			}
			if (z.avail_in == 0)
				break;
			/* Another gzip member follows (concatenated files are valid
			 * gzip): keep inflating into the same buffer and bound. */
			uLong total = z.total_out;
			if (inflateReset(&z) != Z_OK) {
				inflateEnd(&z);
				free(buf);
				return set_status(res, 400, "gzip body is corrupt");
			}
			z.total_out = total;
			continue;
		}
		if (rc != Z_OK && !(rc == Z_BUF_ERROR && z.avail_out == 0)) {
			inflateEnd(&z);
			free(buf);
			return set_status(res, 400, rc == Z_BUF_ERROR ? "gzip body is truncated"
			                                             : "gzip body is corrupt");
		}
	}
	*outlen = z.total_out;
	*out = buf;
	inflateEnd(&z);
	return 0;
}

/* One item of a batch: an NDJSON line (raw text), an element of a JSON
 * array (a jansson value), or a body that did not parse at all. Items are
 * validated before the write transaction starts, so concurrent requests
 * only serialise on the inserts. */
struct item {
	json_t *json;               /* array element, or NULL */
	const char *raw;            /* NDJSON line or unparseable body, or NULL */
	size_t rawlen;
	size_t line;                /* NDJSON line number, 0 otherwise */
	const char *reason;         /* why it is quarantined (arena), or NULL */
	const char *text;           /* what is stored when valid */
	size_t textlen;
	char *owned;                /* text allocated for this item, or NULL */
	struct vg_event ev;
};

struct items {
	struct item *v;
	size_t n, cap;
	struct vg_arena arena;      /* event strings and reasons */
};

static struct item *items_push(struct items *it)
{
	if (it->n == it->cap) {
		size_t ncap = it->cap ? it->cap * 2 : 256;
		struct item *nv = realloc(it->v, ncap * sizeof *nv);
		if (!nv)
			return NULL;
		it->v = nv;
		it->cap = ncap;
	}
	struct item *x = &it->v[it->n++];
	memset(x, 0, sizeof *x);
	return x;
}

static void items_free(struct items *it)
{
	for (size_t i = 0; i < it->n; i++) {
		json_decref(it->v[i].json);
		free(it->v[i].owned);
	}
	free(it->v);
	vg_arena_free(&it->arena);
}

/* Sets x's quarantine reason (copied into the arena). Returns 0 or -1. */
static int set_reason(struct items *it, struct item *x, const char *reason)
{
	x->reason = vg_arena_strndup(&it->arena, reason, strlen(reason));
	return x->reason ? 0 : -1;
}

static int split_ndjson(const char *body, size_t len, struct items *it)
{
	size_t line = 0;
	const char *p = body, *end = body + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		size_t n = (size_t)(e - p);
		line++;
		if (n && p[n - 1] == '\r')
			n--;
		size_t blank = 0;
		while (blank < n && (p[blank] == ' ' || p[blank] == '\t'))
			blank++;
		if (blank < n) {
			struct item *x = items_push(it);
			if (!x)
				return -1;
			x->raw = p;
			x->rawlen = n;
			x->line = line;
		}
		p = e + 1;
	}
	return 0;
}

static int split_json(const char *body, size_t len, struct items *it)
{
	json_error_t jerr;
	char reason[200];
	struct item *x;
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);

	if (!j) {
		snprintf(reason, sizeof reason, "body: invalid JSON at line %d column %d: %s", jerr.line,
		         jerr.column, jerr.text);
		if (!(x = items_push(it)))
			return -1;
		x->raw = body;
		x->rawlen = len;
		return set_reason(it, x, reason);
	}
	if (!json_is_array(j)) {
		if (!(x = items_push(it))) {
			json_decref(j);
			return -1;
		}
		x->json = j;
		return 0;
	}
	size_t i;
	json_t *v;
	json_array_foreach(j, i, v) {
		if (!(x = items_push(it))) {
			json_decref(j);
			return -1;
		}
		x->json = json_incref(v);
	}
	json_decref(j);
	return 0;
}

/* Serialises x->json as the stored text. Returns 0 or -1. */
static int own_text(struct item *x)
{
	if (!(x->owned = json_dumps(x->json, JSON_COMPACT | JSON_ENCODE_ANY)))
		return -1;
	x->text = x->owned;
	x->textlen = strlen(x->owned);
	return 0;
}

/* Reads an NDJSON line that vg_event_parse accepted again as a jansson tree.
 * The two parsers are meant to agree; should they not, the line is
 * quarantined with jansson's reason rather than failing the whole batch.
 * Returns -1 only when memory runs out. */
static int reread_line(struct items *it, struct item *x)
{
	json_error_t jerr;
	char reason[300];

	if ((x->json = json_loadb(x->raw, x->rawlen, 0, &jerr)))
		return 0;
	if (json_error_code(&jerr) == json_error_out_of_memory)
		return -1;
	snprintf(reason, sizeof reason, "line %zu: invalid JSON: %s", x->line, jerr.text);
	return set_reason(it, x, reason);
}

/* Validates one item (outside the transaction). An invalid item gets its
 * reason; a valid one its event and the text to store. An NDJSON line is
 * stored as sent; when it lacks a host, the enrolled host is added. Returns
 * -1 only when memory runs out. */
static int validate_item(const struct col_principal *agent, struct items *it, struct item *x,
                         size_t index)
{
	char err[300], reason[400];

	if (x->reason)
		return 0;
	if (x->raw) {
		if (vg_event_parse(x->raw, x->rawlen, &x->ev, &it->arena, err, sizeof err) < 0) {
			snprintf(reason, sizeof reason, "line %zu: %s", x->line, err);
			return set_reason(it, x, reason);
		}
		x->text = x->raw;
		x->textlen = x->rawlen;
		/* An agent's own report (rare) is read again as a tree, so that
		 * detection can look into its detail. */
		if (x->ev.kind == VG_KIND_AGENT) {
			if (reread_line(it, x) < 0)
				return -1;
			if (x->reason)
				return 0;
			x->ev.detail = json_object_get(x->json, "detail");
		}
		if (x->ev.host)
			return 0;
		/* Rare: re-read the line as a tree to add the host. */
		if (!x->json) {
			if (reread_line(it, x) < 0)
				return -1;
			if (x->reason)
				return 0;
		}
	} else if (vg_event_decode(x->json, &x->ev, err, sizeof err) < 0) {
		snprintf(reason, sizeof reason, "event %zu: %s", index, err);
		return set_reason(it, x, reason);
	}
	if (!x->ev.host) {
		if (json_object_set_new(x->json, "host", json_string(agent->name)) < 0)
			return -1;
		x->ev.host = agent->name;
	}
	return own_text(x);
}

static int quarantine(struct col_server *srv, const struct col_principal *agent, int64_t now,
                      struct item *x)
{
	if (!x->raw && x->json && own_text(x) < 0) {
		snprintf(srv->store->err, sizeof srv->store->err, "out of memory");
		return -1;
	}
	const char *raw = x->raw ? x->raw : x->text ? x->text : "";
	size_t rawlen = x->raw ? x->rawlen : x->text ? x->textlen : 0;
	return col_store_quarantine_insert(srv->store, agent->id, now, x->reason, raw, rawlen);
}

/* Decides ev against the policy and records what it breaks. The decision
 * stays in dr for the behavioural detectors (its resource). */
static int record_findings(struct col_found *found, const struct col_principal *agent,
                           const struct vg_event *ev, const struct col_policy_ref *pref,
                           int64_t now, struct col_detect_result *dr_out)
{
	struct col_detect_result *dr = dr_out;
	struct col_event_ref ref = {agent->id, ev->seq};

	if (!pref || col_detect_event(pref->pol, ev, dr) == 0)
		return 0;
	for (int i = 0; i < dr->n; i++) {
		const struct col_finding *f = &dr->findings[i];
		char incident[1024];
		col_detect_incident_key(ev, f, incident, sizeof incident);
		struct col_anomaly a = {
			.incident = incident,
			.kind = vg_akind_name(f->kind),
			.severity = f->severity,
			.score = f->score,
			.time_ms = ev->time_ms,
			.detected_ms = now,
			.person = dr->decision.person ? pol_person_id(dr->decision.person) : NULL,
			.account = ev->user,
			.host = ev->host,
			.summary = f->summary,
			.reasons = f->reasons,
			.nreasons = f->nreasons,
			.events = &ref,
			.nevents = 1,
			.policy_serial = pol_serial(pref->pol),
		};
		if (col_found_record(found, &a, f->kind) < 0)
			return -1;
	}
	return 0;
}

/* Stores one validated item inside the open transaction: the event, its
 * policy findings, and its feeding to behavioural detection. */
static int store_item(struct col_found *found, const struct col_principal *agent, struct item *x,
                      const struct col_policy_ref *pref, int64_t now, struct col_ingest_result *res)
{
	struct col_server *srv = found->srv;
	if (x->reason) {
		res->quarantined++;
		return quarantine(srv, agent, now, x);
	}
	/* An agent speaks for the host it was enrolled as; an event naming
	 * another host is stored as sent and flagged. */
	const char *mismatch = strcmp(x->ev.host, agent->name) != 0 ? agent->name : NULL;
	int rc = col_store_event_insert(srv->store, agent->id, &x->ev, x->text, x->textlen, now, mismatch);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		res->duplicate++;
		return 0;
	}
	res->accepted++;
	if (mismatch)
		res->host_mismatch++;
	struct col_detect_result dr;
	dr.decision.resource = NULL;
	if (record_findings(found, agent, &x->ev, pref, now, &dr) < 0)
		return -1;
	if (srv->behave && col_behave_feed(srv->behave, agent->id, &x->ev, now,
	                                   pref ? pref->pol : NULL, dr.decision.resource) < 0) {
		snprintf(srv->store->err, sizeof srv->store->err, "detection: out of memory");
		return -1;
	}
	return 0;
}

int col_ingest_body(struct col_server *srv, const struct col_principal *agent, const char *body,
                    size_t len, enum col_body_type type, struct col_ingest_result *res)
{
	struct items it = {0};
	struct col_policy_ref *pref = NULL;
	struct col_found found = {.srv = srv};
	int64_t now = vg_time_now();
	int rc = -1;

	memset(res, 0, sizeof *res);
	res->high_seq = -1;
	if ((type == COL_BODY_NDJSON ? split_ndjson(body, len, &it) : split_json(body, len, &it)) < 0) {
		set_status(res, 500, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < it.n; i++) {
		if (validate_item(agent, &it, &it.v[i], i) < 0) {
			set_status(res, 500, "out of memory");
			goto out;
		}
	}
	pref = col_policy_acquire(&srv->policy);
	found.pol = pref ? pref->pol : NULL;
	if (col_store_begin(srv->store) < 0) {
		vg_err("ingest from agent %lld: %s", (long long)agent->id, col_store_error(srv->store));
		storage_failed(res, "storage unavailable", col_store_error(srv->store));
		goto out;
	}
	for (size_t i = 0; i < it.n; i++) {
		if (store_item(&found, agent, &it.v[i], pref, now, res) < 0)
			goto fail;
	}
	if (srv->behave) {
		struct col_behave_sink sink = col_found_sink(&found);
		if (col_behave_flush(srv->behave, srv->store, pref ? pref->pol : NULL, now, false,
		                     &sink) < 0)
			goto fail;
	}
	if (col_store_agent_high_seq(srv->store, agent->id, &res->high_seq) < 0)
		goto fail;
	if (col_store_commit(srv->store) < 0) {
		vg_err("ingest from agent %lld: commit: %s", (long long)agent->id, col_store_error(srv->store));
		storage_failed(res, "storage commit failed", col_store_error(srv->store));
		if (srv->behave)
			col_found_recover(srv);
		goto out;
	}
	atomic_fetch_add(&srv->metrics.accepted, (unsigned long long)res->accepted);
	atomic_fetch_add(&srv->metrics.duplicate, (unsigned long long)res->duplicate);
	atomic_fetch_add(&srv->metrics.quarantined, (unsigned long long)res->quarantined);
	atomic_fetch_add(&srv->metrics.host_mismatch, (unsigned long long)res->host_mismatch);
	col_found_publish(&found);
	res->anomalies = found.anomalies;
	res->status = 200;
	rc = 0;
	goto out;
fail:
	vg_err("ingest from agent %lld: %s", (long long)agent->id, col_store_error(srv->store));
	storage_failed(res, "storage failure", col_store_error(srv->store));   /* before rollback */
	/* What this batch fed must not reach another thread's transaction,
	 * which may take the lock before col_found_recover does. */
	if (srv->behave)
		col_behave_abandon(srv->behave);
	col_store_rollback(srv->store);
	if (srv->behave)
		col_found_recover(srv);
out:
	col_policy_release(pref);
	items_free(&it);
	return rc;
}
