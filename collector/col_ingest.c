/*
 * col_ingest: body decoding, quarantine and the per-request transaction.
 */
#include "col_ingest.h"
#include "col_detect.h"
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

/* One item of a batch: a parsed JSON value, or raw text that did not parse. */
struct item {
	json_t *json;
	const char *raw;
	size_t rawlen;
	char reason[200];
};

struct items {
	struct item *v;
	size_t n, cap;
};

static int items_push(struct items *it, json_t *json, const char *raw, size_t rawlen, const char *reason)
{
	if (it->n == it->cap) {
		size_t ncap = it->cap ? it->cap * 2 : 64;
		struct item *nv = realloc(it->v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		it->v = nv;
		it->cap = ncap;
	}
	struct item *x = &it->v[it->n++];
	x->json = json;
	x->raw = raw;
	x->rawlen = rawlen;
	snprintf(x->reason, sizeof x->reason, "%s", reason ? reason : "");
	return 0;
}

static void items_free(struct items *it)
{
	for (size_t i = 0; i < it->n; i++)
		json_decref(it->v[i].json);
	free(it->v);
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
			json_error_t jerr;
			char reason[200];
			json_t *j = json_loadb(p, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
			if (!j)
				snprintf(reason, sizeof reason, "line %zu: invalid JSON at column %d: %s", line,
				         jerr.column, jerr.text);
			if (items_push(it, j, p, n, j ? NULL : reason) < 0) {
				json_decref(j);
				return -1;
			}
		}
		p = e + 1;
	}
	return 0;
}

static int split_json(const char *body, size_t len, struct items *it)
{
	json_error_t jerr;
	char reason[200];
	json_t *j = json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);

	if (!j) {
		snprintf(reason, sizeof reason, "body: invalid JSON at line %d column %d: %s", jerr.line,
		         jerr.column, jerr.text);
		return items_push(it, NULL, body, len, reason);
	}
	if (!json_is_array(j)) {
		if (items_push(it, j, NULL, 0, NULL) < 0) {
			json_decref(j);
			return -1;
		}
		return 0;
	}
	size_t i;
	json_t *v;
	json_array_foreach(j, i, v) {
		json_incref(v);
		if (items_push(it, v, NULL, 0, NULL) < 0) {
			json_decref(v);
			json_decref(j);
			return -1;
		}
	}
	json_decref(j);
	return 0;
}

static int quarantine(struct col_server *srv, const struct col_principal *agent, int64_t now,
                      const struct item *x, const char *reason)
{
	char *dumped = NULL;
	const char *raw = x->raw;
	size_t rawlen = x->rawlen;
	if (!raw && x->json) {
		dumped = json_dumps(x->json, JSON_COMPACT | JSON_ENCODE_ANY);
		raw = dumped ? dumped : "";
		rawlen = dumped ? strlen(dumped) : 0;
	}
	int rc = col_store_quarantine_insert(srv->store, agent->id, now, reason, raw, rawlen);
	free(dumped);
	return rc;
}

static int record_findings(struct col_server *srv, const struct col_principal *agent,
                           const struct vg_event *ev, const struct col_policy_ref *pref,
                           int64_t now, struct col_ingest_result *res)
{
	struct col_detect_result dr;
	struct col_event_ref ref = {agent->id, ev->seq};

	if (!pref || col_detect_event(pref->pol, ev, &dr) == 0)
		return 0;
	for (int i = 0; i < dr.n; i++) {
		const struct col_finding *f = &dr.findings[i];
		char incident[1024];
		col_detect_incident_key(ev, f, incident, sizeof incident);
		struct col_anomaly a = {
			.incident = incident,
			.kind = vg_akind_name(f->kind),
			.severity = f->severity,
			.score = f->score,
			.time_ms = ev->time_ms,
			.detected_ms = now,
			.person = dr.decision.person ? pol_person_id(dr.decision.person) : NULL,
			.account = ev->user,
			.host = ev->host,
			.summary = f->summary,
			.reasons = f->reasons,
			.nreasons = f->nreasons,
			.events = &ref,
			.nevents = 1,
			.policy_serial = pol_serial(pref->pol),
		};
		int64_t id;
		int created = col_store_anomaly_record(srv->store, &a, &id);
		if (created < 0)
			return -1;
		if (created) {
			res->anomalies++;
			res->by_kind[f->kind]++;
		}
	}
	return 0;
}

/* Validates and stores one item inside the open transaction. */
static int store_item(struct col_server *srv, const struct col_principal *agent, struct item *x,
                      size_t index, const struct col_policy_ref *pref, int64_t now,
                      struct col_ingest_result *res)
{
	struct vg_event ev;
	char err[300], reason[360];

	if (!x->json) {
		res->quarantined++;
		return quarantine(srv, agent, now, x, x->reason);
	}
	/* Validation sees exactly what the agent sent; the enrolled host stands
	 * in for a missing one only once the event is valid. */
	if (vg_event_decode(x->json, &ev, err, sizeof err) < 0) {
		snprintf(reason, sizeof reason, "event %zu: %s", index, err);
		res->quarantined++;
		return quarantine(srv, agent, now, x, reason);
	}
	bool edited = false;
	if (!ev.host) {
		json_t *h = json_string(agent->name);
		if (!h || json_object_set_new(x->json, "host", h) < 0) {
			snprintf(srv->store->err, sizeof srv->store->err, "out of memory adding host");
			return -1;
		}
		ev.host = json_string_value(h);
		edited = true;
	}
	/* An NDJSON line that parsed into this very object is stored as sent;
	 * otherwise the object is serialised. */
	char *text = NULL;
	const char *stored = x->raw;
	size_t storedlen = x->rawlen;
	if (!stored || edited) {
		if (!(text = json_dumps(x->json, JSON_COMPACT))) {
			snprintf(srv->store->err, sizeof srv->store->err, "out of memory encoding event");
			return -1;
		}
		stored = text;
		storedlen = strlen(text);
	}
	int rc = col_store_event_insert(srv->store, agent->id, &ev, stored, storedlen, now);
	free(text);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		res->duplicate++;
		return 0;
	}
	res->accepted++;
	return record_findings(srv, agent, &ev, pref, now, res);
}

int col_ingest_body(struct col_server *srv, const struct col_principal *agent, const char *body,
                    size_t len, enum col_body_type type, struct col_ingest_result *res)
{
	struct items it = {0};
	struct col_policy_ref *pref = NULL;
	int64_t now = vg_time_now();
	int rc = -1;

	memset(res, 0, sizeof *res);
	res->high_seq = -1;
	if ((type == COL_BODY_NDJSON ? split_ndjson(body, len, &it) : split_json(body, len, &it)) < 0) {
		set_status(res, 500, "out of memory");
		goto out;
	}
	pref = col_policy_acquire(&srv->policy);
	if (col_store_begin(srv->store) < 0) {
		vg_err("ingest from agent %lld: %s", (long long)agent->id, col_store_error(srv->store));
		set_status(res, 503, "storage unavailable");
		goto out;
	}
	for (size_t i = 0; i < it.n; i++) {
		if (store_item(srv, agent, &it.v[i], i, pref, now, res) < 0)
			goto fail;
	}
	if (col_store_agent_high_seq(srv->store, agent->id, &res->high_seq) < 0)
		goto fail;
	if (col_store_commit(srv->store) < 0) {
		vg_err("ingest from agent %lld: commit: %s", (long long)agent->id, col_store_error(srv->store));
		set_status(res, 503, "storage commit failed");
		goto out;
	}
	atomic_fetch_add(&srv->metrics.accepted, (unsigned long long)res->accepted);
	atomic_fetch_add(&srv->metrics.duplicate, (unsigned long long)res->duplicate);
	atomic_fetch_add(&srv->metrics.quarantined, (unsigned long long)res->quarantined);
	for (int k = 0; k < VG_AK_COUNT && k < COL_METRICS_KINDS; k++)
		if (res->by_kind[k])
			atomic_fetch_add(&srv->metrics.anomalies[k], (unsigned long long)res->by_kind[k]);
	res->status = 200;
	rc = 0;
	goto out;
fail:
	vg_err("ingest from agent %lld: %s", (long long)agent->id, col_store_error(srv->store));
	col_store_rollback(srv->store);
	set_status(res, 503, "storage failure; the batch was not stored, retry");
out:
	col_policy_release(pref);
	items_free(&it);
	return rc;
}
