/*
 * col_behave: the behavioural detection engine: the reorder buffer, the
 * event-time watermark, and keeping the detectors' state in the store
 * (see col_behave.h; the rules are in col_behave_rules.c).
 */
#include "col_behave_internal.h"
#include "vg_log.h"
#include "vg_time.h"

#include <stdlib.h>
#include <string.h>

/* Events dated further ahead of the collector's clock are ordered as if
 * they were this far ahead, so a wrong clock cannot hold events back. */
#define BH_FUTURE_MS (10 * 60000)
/* The state is written at least this often, and when this many events were
 * fed since the last write. */
#define BH_WRITE_MS 10000
#define BH_WRITE_EVENTS 200000

static void ev_free(struct col_behave *b, struct bh_ev *e);
static int close_batch(struct col_behave *b);
static void set_due(struct col_behave *b);

/* An engine that knows nothing (b zeroed before). */
static void init_empty(struct col_behave *b)
{
	vg_intern_init(&b->in);
	vg_strmap_init(&b->persons);
	vg_strmap_init(&b->accounts);
	vg_strmap_init(&b->sources);
	vg_strmap_init(&b->hosts);
	b->max_seen = b->watermark = INT64_MIN;
	b->peer_bucket = INT64_MIN;
	b->sweep_ms = INT64_MIN / 2;
	b->cur_received = INT64_MAX;
	b->cur_max = INT64_MIN;
	atomic_init(&b->due_at, INT64_MAX);
}

struct col_behave *col_behave_new(void)
{
	struct col_behave *b = calloc(1, sizeof *b);
	if (!b)
		return NULL;
	init_empty(b);
	pol_thresholds_default(&b->defaults);
	return b;
}

/* Frees everything the engine holds, leaving it as col_behave_new made it. */
static void clear(struct col_behave *b)
{
	struct pol_thresholds d = b->defaults;
	bool broken = atomic_load(&b->broken);
	int64_t batch_no = b->batch_no;     /* journal batches are never numbered twice */
	vg_strmap_free(&b->persons, bh_free_entity);
	vg_strmap_free(&b->accounts, bh_free_entity);
	vg_strmap_free(&b->sources, bh_free_entity);
	vg_strmap_free(&b->hosts, bh_free_entity);
	vg_intern_free(&b->in);
	for (size_t i = 0; i < b->nheap; i++)
		ev_free(b, b->heap[i]);
	free(b->block);
	free(b->heap);
	free(b->batches);
	free(b->dirty);
	free(b->peer_med);
	vg_buf_free(&b->journal);
	vg_buf_free(&b->scratch);
	memset(b, 0, sizeof *b);
	init_empty(b);
	b->defaults = d;
	b->batch_no = batch_no;
	atomic_store(&b->broken, broken);
}

void col_behave_free(struct col_behave *b)
{
	if (!b)
		return;
	clear(b);
	vg_intern_free(&b->in);
	free(b);
}

size_t col_behave_pending(const struct col_behave *b)
{
	return b->nheap;
}

/* ---- The reorder buffer ---------------------------------------------------- */

/* Decision order: event time (as ordered), host, seq, agent. */
static bool before(const struct bh_ev *x, const struct bh_ev *y)
{
	if (x->order_ms != y->order_ms)
		return x->order_ms < y->order_ms;
	int c = strcmp(x->host, y->host);
	if (c)
		return c < 0;
	if (x->seq != y->seq)
		return x->seq < y->seq;
	return x->agent < y->agent;
}

static int heap_push(struct col_behave *b, struct bh_ev *ev)
{
	if (b->nheap == b->capheap) {
		size_t ncap = b->capheap ? b->capheap * 2 : 1024;
		struct bh_ev **nh = realloc(b->heap, ncap * sizeof *nh);
		if (!nh)
			return -1;
		b->heap = nh;
		b->capheap = ncap;
	}
	size_t i = b->nheap++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!before(ev, b->heap[parent]))
			break;
		b->heap[i] = b->heap[parent];
		i = parent;
	}
	b->heap[i] = ev;
	return 0;
}

static struct bh_ev *heap_pop(struct col_behave *b)
{
	struct bh_ev *top = b->heap[0], *last = b->heap[--b->nheap];
	size_t i = 0, n = b->nheap;
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		const struct bh_ev *best = last;
		if (l < n && before(b->heap[l], best))
			m = l, best = b->heap[l];
		if (r < n && before(b->heap[r], best))
			m = r;
		if (m == i)
			break;
		b->heap[i] = b->heap[m];
		i = m;
	}
	if (n)
		b->heap[i] = last;
	return top;
}

/* Room for an event of size bytes, from the current block or a new one. */
static struct bh_ev *ev_alloc(struct col_behave *b, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	struct bh_block *k = b->block;
	if (!k || k->cap - k->used < size) {
		size_t cap = size > BH_BLOCK ? size : BH_BLOCK;
		struct bh_block *nk = malloc(sizeof *nk + cap);
		if (!nk)
			return NULL;
		nk->used = 0;
		nk->cap = cap;
		nk->live = 0;
		/* The old block now only empties; it goes when its last event
		 * has been decided. */
		if (k && k->live == 0)
			free(k);
		b->block = k = nk;
	}
	struct bh_ev *e = (struct bh_ev *)(void *)(k->data + k->used);
	k->used += size;
	k->live++;
	e->block = k;
	return e;
}

/* An event has been decided (or dropped): its block goes when empty, unless
 * new events are still carved from it. */
static void ev_free(struct col_behave *b, struct bh_ev *e)
{
	struct bh_block *k = e->block;
	if (--k->live == 0 && k != b->block)
		free(k);
}

/* Copies s into the event's trailing storage at *at; returns the copy. */
static const char *put_str(char **at, const char *s)
{
	char *dst = *at;
	size_t n = s ? strlen(s) : 0;
	memcpy(dst, s ? s : "", n);
	dst[n] = '\0';
	*at += n + 1;
	return dst;
}

static size_t slen(const char *s)
{
	return s ? strlen(s) + 1 : 1;
}

/* Adds the event without journalling it (restore uses it for events already
 * journalled or pending). */
static int enqueue(struct col_behave *b, int64_t agent, const struct vg_event *ev,
                   int64_t received_ms, const struct pol_policy *p,
                   const struct pol_resource *res)
{
	const char *action = ev->kind == VG_KIND_AGENT && ev->detail
	                             ? json_string_value(json_object_get(ev->detail, "action"))
	                             : NULL;
	const char *area = res ? pol_resource_id(res) : NULL, *comp;
	size_t ncomps = 0;
	if (res)
		for (size_t i = 0; (comp = pol_resource_compartment(p, res, i)); i++)
			ncomps += strlen(comp) + 1;
	size_t need = slen(ev->host) + slen(ev->user) + slen(ev->rhost) + slen(ev->ruser) +
	              slen(ev->path) + slen(ev->service) + slen(action) + slen(area) + ncomps + 1;
	struct bh_ev *e = ev_alloc(b, sizeof *e + need);
	if (!e)
		return -1;
	char *at = e->data;
	e->time_ms = ev->time_ms;
	e->order_ms = ev->time_ms > received_ms + BH_FUTURE_MS ? received_ms + BH_FUTURE_MS
	                                                       : ev->time_ms;
	e->agent = agent;
	e->seq = ev->seq;
	e->kind = (uint8_t)ev->kind;
	e->op = (uint8_t)ev->op;
	e->result = (uint8_t)ev->result;
	e->host = put_str(&at, ev->host);
	e->user = put_str(&at, ev->user);
	e->rhost = put_str(&at, ev->rhost);
	e->ruser = put_str(&at, ev->ruser);
	e->path = put_str(&at, ev->path);
	e->service = put_str(&at, ev->service);
	e->action = put_str(&at, action);
	e->resolved = p != NULL;
	e->area = put_str(&at, area);
	e->comps = at;
	if (res)
		for (size_t i = 0; (comp = pol_resource_compartment(p, res, i)); i++) {
			size_t n = strlen(comp);
			memcpy(at, comp, n);
			at[n] = '\n';
			at += n + 1;
		}
	*at = '\0';
	if (heap_push(b, e) < 0) {
		ev_free(b, e);
		return -1;
	}
	if (received_ms < b->cur_received)
		b->cur_received = received_ms;
	if (e->order_ms > b->cur_max)
		b->cur_max = e->order_ms;
	return 0;
}

int col_behave_feed(struct col_behave *b, int64_t agent, const struct vg_event *ev,
                    int64_t received_ms, const struct pol_policy *p,
                    const struct pol_resource *res)
{
	/* A broken engine only journals: the restore that mends it replays. */
	if (!atomic_load(&b->broken) && enqueue(b, agent, ev, received_ms, p, res) < 0)
		return -1;
	vg_buf_i64(&b->journal, agent);
	vg_buf_i64(&b->journal, ev->seq);
	return b->journal.oom ? -1 : 0;
}

/* ---- Writing and reading the state -------------------------------------------- */

#define BH_META_VERSION 1

static void encode_meta(struct col_behave *b, struct vg_buf *o)
{
	vg_buf_reset(o);
	vg_buf_u8(o, BH_META_VERSION);
	vg_buf_i64(o, b->max_seen);
	vg_buf_i64(o, b->watermark);
	vg_buf_i64(o, b->batch_no);
	vg_buf_i64(o, b->peer_bucket);
	vg_buf_i64(o, b->sweep_ms);
	uint32_t npeer = 0;
	for (uint32_t g = 0; g < b->npeer; g++)
		npeer += b->peer_med[g] != 0;
	vg_buf_u32(o, npeer);
	for (uint32_t g = 0; g < b->npeer; g++) {
		if (!b->peer_med[g])
			continue;
		vg_buf_str(o, vg_intern_str(&b->in, g));
		vg_buf_u32(o, b->peer_med[g]);
	}
	vg_buf_u32(o, (uint32_t)b->nheap);
	for (size_t i = 0; i < b->nheap; i++) {
		vg_buf_i64(o, b->heap[i]->agent);
		vg_buf_i64(o, b->heap[i]->seq);
	}
}

/* Whether a failure ring and its burst say nothing any more at time t. */
static bool fails_idle(const struct bh_ring *r, const struct bh_burst *bu, int64_t t,
                       int64_t window)
{
	return (r->n == 0 || r->v[r->n - 1].time_ms < t - window) &&
	       (bu->start_ms == 0 || t - bu->last_ms > window);
}

/* Forgets what no longer matters, so that memory follows the organisation,
 * not the variety of what agents send: accounts that map to no person and
 * sources, once their failures have aged out of the window. (An account
 * of a person is kept: its last activity is what dormant_account needs.)
 * Their records are deleted from the store in the same transaction. */
static int prune(struct col_behave *b, struct col_store *s, const struct pol_policy *p,
                 const struct pol_thresholds *t)
{
	int64_t now = b->watermark, window = t->failed_login_burst.window_ms;
	struct vg_strmap *maps[] = {&b->accounts, &b->sources};
	char **gone = NULL;
	size_t ngone = 0, cap = 0;
	int rc = 0;

	if (now == INT64_MIN)
		return 0;
	for (int m = 0; m < 2; m++) {
		ngone = 0;
		for (size_t i = 0; i < maps[m]->cap; i++) {
			struct bh_entity *e = maps[m]->slots[i].value;
			if (!maps[m]->slots[i].key || !e || e->dirty)
				continue;
			bool idle;
			if (m == 0) {
				struct bh_account *a = (struct bh_account *)e;
				idle = fails_idle(&a->fails, &a->burst, now, window) &&
				       (!p || !pol_find_account(p, e->key));
			} else {
				struct bh_source *src = (struct bh_source *)e;
				idle = fails_idle(&src->fails, &src->burst, now, window);
			}
			if (!idle)
				continue;
			if (ngone == cap) {
				size_t ncap = cap ? cap * 2 : 64;
				char **ng = realloc(gone, ncap * sizeof *ng);
				if (!ng) {
					rc = -1;
					break;
				}
				gone = ng;
				cap = ncap;
			}
			gone[ngone++] = (char *)e->key;
		}
		for (size_t i = 0; i < ngone && rc == 0; i++) {
			if (col_store_state_put(s, m == 0 ? BH_ACCOUNT : BH_SOURCE, gone[i], NULL, 0) < 0) {
				rc = -1;
				break;
			}
		}
		for (size_t i = 0; i < ngone && rc == 0; i++) {
			/* The key string belongs to the map: look it up by a copy. */
			char *key = strdup(gone[i]);
			if (!key) {
				rc = -1;
				break;
			}
			bh_free_entity(vg_strmap_remove(maps[m], key));
			free(key);
		}
		if (rc)
			break;
	}
	free(gone);
	if (rc && !s->err[0])
		snprintf(s->err, sizeof s->err, "detection: out of memory");
	return rc;
}

static int write_state(struct col_behave *b, struct col_store *s, int64_t now,
                       const struct pol_policy *p, const struct pol_thresholds *t)
{
	for (size_t i = 0; i < b->ndirty; i++) {
		struct bh_entity *e = b->dirty[i];
		bh_encode(b, e, &b->scratch);
		if (b->scratch.oom) {
			snprintf(s->err, sizeof s->err, "detector state: out of memory");
			return -1;
		}
		if (col_store_state_put(s, e->kind, e->key, b->scratch.p, b->scratch.n) < 0)
			return -1;
		e->dirty = false;
	}
	b->ndirty = 0;
	encode_meta(b, &b->scratch);
	if (b->scratch.oom) {
		snprintf(s->err, sizeof s->err, "detector state: out of memory");
		return -1;
	}
	if (col_store_state_put(s, BH_META, "engine", b->scratch.p, b->scratch.n) < 0 ||
	    col_store_journal_clear(s) < 0)
		return -1;
	b->meta_dirty = false;
	b->journal_events = 0;
	b->last_write_ms = now;
	return prune(b, s, p, t);
}

/* Reads the stored event (agent, seq) back into the buffer. Returns 0, or
 * -1 on a store error; an event that is gone or unreadable is logged and
 * skipped (it was validated when stored, so this means outside damage). */
static int requeue(struct col_behave *b, struct col_store *s, int64_t agent, int64_t seq,
                   int64_t *max_received)
{
	char *text, err[300];
	int64_t received;
	int rc = col_store_event_get(s, agent, seq, &text, &received);
	if (rc <= 0) {
		if (rc == 0)
			vg_warn("detection: event %lld/%lld in the detector journal is not stored; skipped",
			        (long long)agent, (long long)seq);
		return rc;
	}
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);
	struct vg_event ev;
	if (!j || vg_event_decode(j, &ev, err, sizeof err) < 0) {
		vg_warn("detection: stored event %lld/%lld is unreadable (%s); skipped", (long long)agent,
		        (long long)seq, j ? err : jerr.text);
		json_decref(j);
		free(text);
		return 0;
	}
	rc = enqueue(b, agent, &ev, received, NULL, NULL);
	if (received > *max_received)
		*max_received = received;
	json_decref(j);
	free(text);
	if (rc < 0)
		snprintf(s->err, sizeof s->err, "detection: out of memory");
	return rc;
}

struct restore {
	struct col_behave *b;
	struct col_store *s;
	struct vg_buf pending;      /* (agent, seq) pairs from the meta record */
	int64_t max_received;       /* the latest arrival of an event read back */
	int records;
	int old;                    /* records in an older layout, skipped */
};

static int restore_meta(struct restore *R, const void *blob, size_t len)
{
	struct col_behave *b = R->b;
	struct vg_rd r;
	char group[VG_EVENT_MAX_STR + 1];

	vg_rd_init(&r, blob, len);
	if (vg_rd_u8(&r) != BH_META_VERSION)
		return -1;
	b->max_seen = vg_rd_i64(&r);
	b->watermark = vg_rd_i64(&r);
	b->batch_no = vg_rd_i64(&r);
	b->peer_bucket = vg_rd_i64(&r);
	b->sweep_ms = vg_rd_i64(&r);
	uint32_t npeer = vg_rd_u32(&r);
	if (r.bad || npeer > len)
		return -1;
	for (uint32_t i = 0; i < npeer; i++) {
		uint32_t g = vg_intern(&b->in, vg_rd_str(&r, group, sizeof group));
		uint32_t med = vg_rd_u32(&r);
		if (r.bad || g == UINT32_MAX)
			return -1;
		if (g >= b->npeer) {
			uint32_t n = g + 64;
			uint32_t *nm = realloc(b->peer_med, n * sizeof *nm);
			if (!nm)
				return -1;
			memset(nm + b->npeer, 0, (n - b->npeer) * sizeof *nm);
			b->peer_med = nm;
			b->npeer = n;
		}
		b->peer_med[g] = med;
	}
	uint32_t npend = vg_rd_u32(&r);
	if (r.bad || (size_t)npend * 16 != r.n - r.pos)
		return -1;
	vg_buf_reset(&R->pending);
	for (uint32_t i = 0; i < npend; i++) {
		vg_buf_i64(&R->pending, vg_rd_i64(&r));
		vg_buf_i64(&R->pending, vg_rd_i64(&r));
	}
	return R->pending.oom || !vg_rd_done(&r) ? -1 : 0;
}

static int restore_record(void *ctx, char kind, const char *key, const void *blob, size_t len)
{
	struct restore *R = ctx;
	R->records++;
	if (kind == BH_META)
		return restore_meta(R, blob, len);
	int rc = bh_decode(R->b, kind, key, blob, len);
	if (rc == BH_DECODE_OLD) {
		/* State an older vigil wrote in another layout: learnt afresh. */
		if (!R->old++)
			vg_warn("detection: state records from an older vigil are ignored; the "
			        "detectors learn those persons, accounts and hosts afresh");
		return 0;
	}
	return rc;
}

/* Requeues the (agent, seq) pairs of a journal or pending list. */
static int requeue_pairs(struct restore *R, const void *blob, size_t len)
{
	struct vg_rd r;
	vg_rd_init(&r, blob, len);
	if (len % 16)
		return -1;
	while (r.pos < r.n) {
		int64_t agent = vg_rd_i64(&r), seq = vg_rd_i64(&r);
		if (requeue(R->b, R->s, agent, seq, &R->max_received) < 0)
			return -1;
	}
	return 0;
}

static int restore_journal(void *ctx, int64_t batch, const void *blob, size_t len)
{
	struct restore *R = ctx;
	if (batch > R->b->batch_no)
		R->b->batch_no = batch;
	return requeue_pairs(R, blob, len);
}

int col_behave_restore(struct col_behave *b, struct col_store *s, const struct pol_policy *p,
                       int64_t now_ms, const struct col_behave_sink *sink)
{
	struct restore R = {.b = b, .s = s, .max_received = INT64_MIN};
	int64_t batch_no = b->batch_no;
	int rc = -1;

	clear(b);
	atomic_store(&b->broken, false);
	if (col_store_state_load(s, restore_record, &R) < 0)
		goto out;
	if (requeue_pairs(&R, R.pending.p, R.pending.n) < 0 ||
	    col_store_journal_load(s, restore_journal, &R) < 0)
		goto out;
	/* What was read back waits as one batch of its own (not merged with
	 * the next transaction's), received when the latest of its events
	 * was: their own batches, now unknown, were received no later, so
	 * none is decided before its window has passed. (Received with the
	 * earliest, events that arrived just before the restart, and the next
	 * transaction's, were decided at once, and events on time after them
	 * came too late.) */
	if (R.max_received != INT64_MIN)
		b->cur_received = R.max_received;
	if (close_batch(b) < 0) {
		snprintf(s->err, sizeof s->err, "detection: out of memory");
		goto out;
	}
	b->window_ms = (p ? pol_get_thresholds(p) : &b->defaults)->reorder.window_ms;
	set_due(b);
	if (R.records)
		vg_info("detection: state restored (%d records); %zu events to decide", R.records,
		        b->nheap);
	/* Only reads: the engine now equals what the store holds, so a restore
	 * after a failed transaction (a full disk, say) cannot fail for want of
	 * room. What was requeued is already journalled or pending; the next
	 * flush decides what is due, and its state write records the rest as
	 * pending and empties the journal. */
	(void)now_ms;
	(void)sink;
	rc = 0;
out:
	vg_buf_free(&R.pending);
	if (rc < 0) {
		clear(b);
		if (b->batch_no < batch_no)
			b->batch_no = batch_no;
		atomic_store(&b->broken, true);
	}
	return rc;
}

void col_behave_abandon(struct col_behave *b)
{
	clear(b);
	atomic_store(&b->broken, true);
}

bool col_behave_broken(const struct col_behave *b)
{
	return atomic_load(&b->broken);
}

/* ---- Deciding ---------------------------------------------------------------- */

bool col_behave_due(const struct col_behave *b, int64_t now_ms)
{
	return now_ms >= atomic_load(&b->due_at);
}

/* When the next flush has work without new events: the oldest batch's wait
 * ends, or the state is due to be written. */
static void set_due(struct col_behave *b)
{
	int64_t due = INT64_MAX;
	if (b->nbatch)
		due = b->batches[b->batch0].received_ms + b->window_ms;
	if ((b->ndirty || b->meta_dirty || b->journal_events) && b->last_write_ms + BH_WRITE_MS < due)
		due = b->last_write_ms + BH_WRITE_MS;
	atomic_store(&b->due_at, due);
}

static int batch_push(struct col_behave *b, int64_t received, int64_t max_time)
{
	if (b->batch0 + b->nbatch == b->capbatch) {
		if (b->batch0) {
			memmove(b->batches, b->batches + b->batch0, b->nbatch * sizeof *b->batches);
			b->batch0 = 0;
		} else {
			size_t ncap = b->capbatch ? b->capbatch * 2 : 64;
			struct bh_batch *nb = realloc(b->batches, ncap * sizeof *nb);
			if (!nb)
				return -1;
			b->batches = nb;
			b->capbatch = ncap;
		}
	}
	b->batches[b->batch0 + b->nbatch++] = (struct bh_batch){received, max_time};
	return 0;
}

/* Ends the batch being fed: it joins the FIFO that the wall-clock rule
 * reads. Returns 0 or -1 (OOM). */
static int close_batch(struct col_behave *b)
{
	if (b->cur_max == INT64_MIN)
		return 0;
	if (batch_push(b, b->cur_received, b->cur_max) < 0)
		return -1;
	if (b->cur_max > b->max_seen)
		b->max_seen = b->cur_max;
	b->cur_max = INT64_MIN;
	b->cur_received = INT64_MAX;
	b->meta_dirty = true;
	return 0;
}

int col_behave_flush(struct col_behave *b, struct col_store *s, const struct pol_policy *p,
                     int64_t now_ms, bool force, const struct col_behave_sink *sink)
{
	const struct pol_thresholds *t = p ? pol_get_thresholds(p) : &b->defaults;
	struct bh_ctx c = {.b = b, .p = p, .t = t, .now = now_ms, .sink = sink};
	int64_t window = t->reorder.window_ms;

	b->window_ms = window;
	if (b->journal.n) {
		size_t n = b->journal.n / 16;
		/* While broken the last batch number stored is unknown: the
		 * wall clock is above any (the journal is ordered by it), and
		 * above the last one used, so that two transactions in one
		 * millisecond do not share a number (the second replaced the
		 * first's events). */
		int64_t batch = ++b->batch_no, wall = vg_time_now();
		if (atomic_load(&b->broken) && batch < wall)
			batch = b->batch_no = wall;
		if (col_store_journal_add(s, batch, b->journal.p, b->journal.n) < 0)
			return -1;
		b->journal_events += n;
		vg_buf_reset(&b->journal);
	}
	if (atomic_load(&b->broken))
		return 0;
	if (close_batch(b) < 0)
		goto oom;

	/* How far the decisions may go: a window behind the latest event, or
	 * up to the latest event of every batch that has waited a window. */
	int64_t target = b->max_seen == INT64_MIN ? INT64_MIN : b->max_seen - window;
	while (b->nbatch && now_ms - b->batches[b->batch0].received_ms >= window) {
		if (b->batches[b->batch0].max_time > target)
			target = b->batches[b->batch0].max_time;
		b->batch0++;
		b->nbatch--;
	}
	if (!b->nbatch)
		b->batch0 = 0;
	if (target > b->watermark) {
		b->watermark = target;
		b->meta_dirty = true;
	}
	while (b->nheap && b->heap[0]->order_ms <= b->watermark && !c.err) {
		struct bh_ev *ev = heap_pop(b);
		bh_decide(&c, ev);
		ev_free(b, ev);
	}
	if (!c.err && b->watermark != INT64_MIN && b->watermark - b->sweep_ms >= BH_SWEEP_MS)
		bh_sweep_silence(&c, b->watermark);
	if (c.err == BH_ERR_OOM)
		goto oom;
	if (c.err)
		return -1;              /* the sink left the store's error */
	int rc = 0;
	if (force || ((b->ndirty || b->meta_dirty || b->journal_events) &&
	              (now_ms - b->last_write_ms >= BH_WRITE_MS || b->journal_events >= BH_WRITE_EVENTS)))
		rc = write_state(b, s, now_ms, p, t);
	set_due(b);
	return rc;
oom:
	snprintf(s->err, sizeof s->err, "detection: out of memory");
	return -1;
}
