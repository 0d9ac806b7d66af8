/*
 * col_behave_rules: the behavioural detectors, deciding one event at a time
 * in event-time order, and the encoding of their state.
 *
 * The rules and their thresholds are described in docs/detection.md. Every
 * incident key is built from the event and the state alone, so the same
 * stream always gives the same incidents.
 */
#include "col_behave_internal.h"
#include "vg_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Entities -------------------------------------------------------------- */

static size_t entity_size(char kind)
{
	switch (kind) {
	case BH_PERSON: return sizeof(struct bh_person);
	case BH_ACCOUNT: return sizeof(struct bh_account);
	case BH_SOURCE: return sizeof(struct bh_source);
	default: return sizeof(struct bh_host);
	}
}

static struct vg_strmap *entity_map(struct col_behave *b, char kind)
{
	switch (kind) {
	case BH_PERSON: return &b->persons;
	case BH_ACCOUNT: return &b->accounts;
	case BH_SOURCE: return &b->sources;
	default: return &b->hosts;
	}
}

static struct bh_entity *entity_get(struct col_behave *b, char kind, const char *key)
{
	struct vg_strmap *m = entity_map(b, kind);
	struct vg_strmap_slot *sl = vg_strmap_upsert(m, key);
	if (!sl)
		return NULL;
	if (!sl->value) {
		struct bh_entity *e = calloc(1, entity_size(kind));
		if (!e)
			return NULL;
		e->kind = kind;
		e->key = sl->key;
		sl->value = e;
	}
	return sl->value;
}

struct bh_person *bh_person_get(struct col_behave *b, const char *key)
{
	return (struct bh_person *)entity_get(b, BH_PERSON, key);
}

struct bh_account *bh_account_get(struct col_behave *b, const char *key)
{
	return (struct bh_account *)entity_get(b, BH_ACCOUNT, key);
}

struct bh_source *bh_source_get(struct col_behave *b, const char *key)
{
	return (struct bh_source *)entity_get(b, BH_SOURCE, key);
}

struct bh_host *bh_host_get(struct col_behave *b, const char *key)
{
	return (struct bh_host *)entity_get(b, BH_HOST, key);
}

void bh_touch(struct col_behave *b, struct bh_entity *e)
{
	if (e->dirty)
		return;
	if (b->ndirty == b->capdirty) {
		size_t ncap = b->capdirty ? b->capdirty * 2 : 256;
		struct bh_entity **nd = realloc(b->dirty, ncap * sizeof *nd);
		if (!nd)
			return;            /* stays clean: written at the next touch that fits */
		b->dirty = nd;
		b->capdirty = ncap;
	}
	b->dirty[b->ndirty++] = e;
	e->dirty = true;
}

void bh_free_entity(void *ent)
{
	struct bh_entity *e = ent;
	if (!e)
		return;
	if (e->kind == BH_PERSON) {
		struct bh_person *ps = ent;
		free(ps->hosts.v);
		free(ps->areas.v);
		free(ps->comps.v);
		free(ps->sess);
	} else if (e->kind == BH_ACCOUNT) {
		free(((struct bh_account *)ent)->fails.v);
	} else if (e->kind == BH_SOURCE) {
		free(((struct bh_source *)ent)->fails.v);
	}
	free(e);
}

/* ---- Small structures ---------------------------------------------------------- */

/* What a person has used is kept as 32-bit hashes of the names (FNV-1a),
 * not the names: a person's hosts, areas and compartments are few, so a
 * collision (a first use missed) is a chance of about n in 4 billion, and
 * the many resource names of a large policy never enter memory. */
static uint32_t name_hash(const char *s)
{
	return vg_fnv1a(s);
}

/* Adds id to a sorted set; returns 1 when it was new, 0 when present, -1 OOM. */
static int idset_add(struct bh_idset *s, uint32_t id)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = (lo + hi) / 2;
		if (s->v[mid] == id)
			return 0;
		if (s->v[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (s->n == s->cap) {
		uint32_t ncap = s->cap ? s->cap * 2 : 8;
		uint32_t *nv = realloc(s->v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		s->v = nv;
		s->cap = ncap;
	}
	memmove(s->v + lo + 1, s->v + lo, (s->n - lo) * sizeof *s->v);
	s->v[lo] = id;
	s->n++;
	return 1;
}

/* Appends a failure and drops those older than window (and the oldest
 * beyond BH_RING_MAX). Returns 0 or -1 (OOM). */
static int ring_push(struct bh_ring *r, const struct bh_ref *ref, int64_t window_ms)
{
	uint32_t drop = 0;
	while (drop < r->n && r->v[drop].time_ms < ref->time_ms - window_ms)
		drop++;
	if (r->n - drop >= BH_RING_MAX)
		drop = r->n - BH_RING_MAX + 1;
	if (drop) {
		memmove(r->v, r->v + drop, (r->n - drop) * sizeof *r->v);
		r->n -= drop;
	}
	if (r->n == r->cap) {
		uint32_t ncap = r->cap ? r->cap * 2 : 8;
		struct bh_ref *nv = realloc(r->v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		r->v = nv;
		r->cap = ncap;
	}
	r->v[r->n++] = *ref;
	return 0;
}

/* Whether the ring names at least k distinct accounts. */
static bool ring_accounts_at_least(const struct bh_ring *r, uint32_t k)
{
	uint32_t seen[BH_SOURCE_ACCOUNTS];
	uint32_t n = 0;
	for (uint32_t i = 0; i < r->n && n < k; i++) {
		bool dup = false;
		for (uint32_t j = 0; j < n; j++)
			dup |= seen[j] == r->v[i].account;
		if (!dup && n < BH_SOURCE_ACCOUNTS)
			seen[n++] = r->v[i].account;
	}
	return n >= k;
}

static uint32_t median_u32(const uint32_t *v, uint32_t n)
{
	uint32_t t[BH_VOL_DAYS];
	if (n == 0)
		return 0;
	if (n > BH_VOL_DAYS)
		n = BH_VOL_DAYS;
	memcpy(t, v, n * sizeof *t);
	for (uint32_t i = 1; i < n; i++)
		for (uint32_t j = i; j > 0 && t[j - 1] > t[j]; j--) {
			uint32_t x = t[j];
			t[j] = t[j - 1];
			t[j - 1] = x;
		}
	return t[n / 2];
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* UTC hour of the week, Monday 00:00 = 0 (1970-01-01 was a Thursday). */
static int hour_of_week(int64_t t)
{
	int64_t day = floor_div(t, VG_MS_PER_DAY);
	int64_t hour = floor_div(t - day * VG_MS_PER_DAY, 3600000);
	int64_t dow = ((day + 3) % 7 + 7) % 7;
	return (int)(dow * 24 + hour);
}

static void day_text(int64_t t, char *buf, size_t len)
{
	char iso[32];
	vg_time_format(t, iso);
	snprintf(buf, len, "%.10s", iso);
}

/* ---- Emitting -------------------------------------------------------------- */

struct finding {
	enum vg_akind kind;
	int severity;
	int64_t time_ms;
	const char *person, *account, *host;
	char incident[600];
	char summary[600];
	const char *reasons[4];
	int nreasons;
	const struct col_event_ref *refs;
	size_t nrefs;
};

static void emit(struct bh_ctx *c, const struct finding *f)
{
	struct col_anomaly a = {
		.incident = f->incident,
		.kind = vg_akind_name(f->kind),
		.severity = f->severity,
		.score = vg_severity_score(f->severity),
		.time_ms = f->time_ms,
		.detected_ms = c->now,
		.person = f->person,
		.account = f->account && *f->account ? f->account : NULL,
		.host = f->host && *f->host ? f->host : NULL,
		.summary = f->summary,
		.reasons = f->reasons,
		.nreasons = f->nreasons,
		.events = f->refs,
		.nevents = f->nrefs,
		.policy_serial = c->p ? pol_serial(c->p) : 0,
	};
	if (c->sink->emit(c->sink->ctx, &a, f->kind) < 0)
		c->err = BH_ERR_STORE;
}

/* The person's display name: "Alice Smith (p1001)". */
static void who(const struct pol_person *ps, char *buf, size_t len)
{
	snprintf(buf, len, "%s (%s)", pol_person_name(ps), pol_person_id(ps));
}

/* ---- failed_login_burst ----------------------------------------------------------- */

/* Joins the newest failure to the burst's incident, or starts one when the
 * ring holds enough failures. Returns the number of references to report
 * (0: none): the newest failure, or every failure in the ring when an
 * incident starts. */
static size_t burst_step(struct bh_burst *bu, const struct bh_ring *r, bool enough, int64_t t,
                         int64_t window_ms, struct col_event_ref *refs)
{
	if (bu->start_ms && t - bu->last_ms <= window_ms) {
		bu->last_ms = t;
		refs[0] = (struct col_event_ref){r->v[r->n - 1].agent, r->v[r->n - 1].seq};
		return 1;
	}
	if (!enough)
		return 0;
	bu->start_ms = r->v[0].time_ms;
	bu->last_ms = t;
	for (uint32_t i = 0; i < r->n; i++)
		refs[i] = (struct col_event_ref){r->v[i].agent, r->v[i].seq};
	return r->n;
}

static void rule_failed_account(struct bh_ctx *c, const struct bh_ev *ev)
{
	const struct pol_thresholds *t = c->t;
	struct col_event_ref refs[BH_RING_MAX];
	struct bh_ref ref = {ev->time_ms, ev->agent, ev->seq, 0};
	struct bh_account *a;

	if (!*ev->user || !(a = bh_account_get(c->b, ev->user)) ||
	    ring_push(&a->fails, &ref, t->failed_login_burst.window_ms) < 0) {
		c->err = BH_ERR_OOM;
		return;
	}
	bh_touch(c->b, &a->e);
	size_t nrefs = burst_step(&a->burst, &a->fails, a->fails.n >= t->failed_login_burst.count,
	                          ev->time_ms, t->failed_login_burst.window_ms, refs);
	if (!nrefs)
		return;
	const struct pol_person *ps = c->p ? pol_find_account(c->p, ev->user) : NULL;
	struct finding f = {
		.kind = VG_AK_FAILED_LOGIN_BURST,
		.severity = a->fails.n >= 4 * t->failed_login_burst.count ? VG_SEV_HIGH : VG_SEV_MEDIUM,
		.time_ms = a->burst.start_ms,
		.person = ps ? pol_person_id(ps) : NULL,
		.account = ev->user,
		.host = ev->host,
		.refs = refs,
		.nrefs = nrefs,
	};
	char reason[64];
	snprintf(reason, sizeof reason, "failures:%u/%llds", a->fails.n,
	         (long long)(t->failed_login_burst.window_ms / 1000));
	f.reasons[f.nreasons++] = "per_account";
	f.reasons[f.nreasons++] = reason;
	snprintf(f.incident, sizeof f.incident, "failed_login_burst|account|%s|%" PRId64, ev->user,
	         a->burst.start_ms);
	snprintf(f.summary, sizeof f.summary,
	         "Account %s failed to authenticate %u times within %lld minutes on %s.", ev->user,
	         a->fails.n, (long long)(t->failed_login_burst.window_ms / 60000), ev->host);
	emit(c, &f);
}

/* The person behind a source host: whoever has a session open there, else
 * the requesting user's person. */
static const struct pol_person *source_person(struct bh_ctx *c, const struct bh_ev *ev,
                                              const char *source)
{
	if (!c->p)
		return NULL;
	struct bh_host *h = vg_strmap_get(&c->b->hosts, source);
	if (h && h->sess_person && ev->time_ms - h->sess_open <= BH_SESSION_MAX_MS &&
	    (h->sess_close < h->sess_open))
		return pol_find_person(c->p, vg_intern_str(&c->b->in, h->sess_person));
	return *ev->ruser ? pol_find_account(c->p, ev->ruser) : NULL;
}

static void rule_failed_source(struct bh_ctx *c, const struct bh_ev *ev)
{
	const struct pol_thresholds *t = c->t;
	const char *source = *ev->rhost ? ev->rhost : ev->host;
	struct col_event_ref refs[BH_RING_MAX];
	struct bh_ref ref = {ev->time_ms, ev->agent, ev->seq, name_hash(ev->user)};
	struct bh_source *s;

	if (!*source || !(s = bh_source_get(c->b, source)) ||
	    ring_push(&s->fails, &ref, t->failed_login_burst.window_ms) < 0) {
		c->err = *source ? BH_ERR_OOM : c->err;
		return;
	}
	bh_touch(c->b, &s->e);
	bool enough = s->fails.n >= t->failed_login_burst.count &&
	              ring_accounts_at_least(&s->fails, BH_SOURCE_ACCOUNTS);
	size_t nrefs = burst_step(&s->burst, &s->fails, enough, ev->time_ms,
	                          t->failed_login_burst.window_ms, refs);
	if (!nrefs)
		return;
	const struct pol_person *ps = source_person(c, ev, source);
	struct finding f = {
		.kind = VG_AK_FAILED_LOGIN_BURST,
		.severity = VG_SEV_HIGH,
		.time_ms = s->burst.start_ms,
		.person = ps ? pol_person_id(ps) : NULL,
		.account = *ev->ruser ? ev->ruser : NULL,
		.host = source,
		.refs = refs,
		.nrefs = nrefs,
	};
	char reason[300], name[300];
	snprintf(reason, sizeof reason, "source:%s", source);
	f.reasons[f.nreasons++] = "per_source";
	f.reasons[f.nreasons++] = reason;
	snprintf(f.incident, sizeof f.incident, "failed_login_burst|source|%s|%" PRId64, source,
	         s->burst.start_ms);
	if (ps) {
		who(ps, name, sizeof name);
		snprintf(f.summary, sizeof f.summary,
		         "%u failed authentications to several accounts came from %s within %lld "
		         "minutes, where %s was logged in.", s->fails.n, source,
		         (long long)(t->failed_login_burst.window_ms / 60000), name);
	} else {
		snprintf(f.summary, sizeof f.summary,
		         "%u failed authentications to several accounts came from %s within %lld "
		         "minutes.", s->fails.n, source,
		         (long long)(t->failed_login_burst.window_ms / 60000));
	}
	emit(c, &f);
}

/* ---- dormant_account ------------------------------------------------------------ */

/* *last is the account's last activity, kept in the entity e. */
static void rule_dormant(struct bh_ctx *c, const struct bh_ev *ev, int64_t *last_ms,
                         struct bh_entity *e)
{
	int64_t gap = ev->time_ms - *last_ms;
	if (*last_ms && gap >= c->t->dormant_account.after_ms) {
		const struct pol_person *ps = c->p ? pol_find_account(c->p, ev->user) : NULL;
		struct col_event_ref ref = {ev->agent, ev->seq};
		char reason[64], day[16], last[16];
		struct finding f = {
			.kind = VG_AK_DORMANT_ACCOUNT,
			.severity = VG_SEV_HIGH,
			.time_ms = ev->time_ms,
			.person = ps ? pol_person_id(ps) : NULL,
			.account = ev->user,
			.host = ev->host,
			.refs = &ref,
			.nrefs = 1,
		};
		snprintf(reason, sizeof reason, "silent_days:%lld", (long long)(gap / VG_MS_PER_DAY));
		f.reasons[f.nreasons++] = reason;
		day_text(ev->time_ms, day, sizeof day);
		day_text(*last_ms, last, sizeof last);
		snprintf(f.incident, sizeof f.incident, "dormant_account|%s|%s", ev->user, day);
		snprintf(f.summary, sizeof f.summary,
		         "Account %s was used on %s after %lld days without activity (last on %s).",
		         ev->user, ev->host, (long long)(gap / VG_MS_PER_DAY), last);
		emit(c, &f);
	}
	if (ev->time_ms > *last_ms)
		*last_ms = ev->time_ms;
	bh_touch(c->b, e);
}

/* The last activity of one of P's accounts, kept with the person (an
 * account of nobody is kept in the account map). NULL when P already keeps
 * BH_PERSON_ACCOUNTS accounts. */
static int64_t *person_account_last(struct bh_person *P, const char *account)
{
	uint32_t h = name_hash(account);
	for (uint8_t i = 0; i < P->naccts; i++)
		if (P->acct_hash[i] == h)
			return &P->acct_last[i];
	if (P->naccts == BH_PERSON_ACCOUNTS)
		return NULL;
	P->acct_hash[P->naccts] = h;
	P->acct_last[P->naccts] = 0;
	return &P->acct_last[P->naccts++];
}

/* ---- Person rules ------------------------------------------------------------------ */

static void person_finding(struct finding *f, enum vg_akind kind, int sev, const struct bh_ev *ev,
                           const struct pol_person *ps, const struct col_event_ref *ref)
{
	memset(f, 0, sizeof *f);
	f->kind = kind;
	f->severity = sev;
	f->time_ms = ev->time_ms;
	f->person = pol_person_id(ps);
	f->account = ev->user;
	f->host = ev->host;
	f->refs = ref;
	f->nrefs = 1;
}

/* Whether the person is rarely active at this hour of the day on any day
 * of the week (under 2% of their activity): working a Saturday morning is
 * new, working at 03:00 is unusual. */
static bool hour_rare_any_day(const struct bh_person *P, int hour)
{
	unsigned at = 0, all = 0;
	for (int i = 0; i < 168; i++) {
		all += P->hour[i];
		if (i % 24 == hour)
			at += P->hour[i];
	}
	return at * 50 < all;
}

static void rule_unusual_hour(struct bh_ctx *c, const struct bh_ev *ev, struct bh_person *P,
                              const struct pol_person *ps)
{
	int h = hour_of_week(ev->time_ms);
	int before = (h + 167) % 168, after = (h + 1) % 168;

	if (ev->time_ms >= P->first_ms + c->t->unusual_hour.learning_ms &&
	    P->total >= BH_HOUR_MIN_EVENTS && !P->hour[h] && !P->hour[before] && !P->hour[after] &&
	    hour_rare_any_day(P, h % 24)) {
		static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
		struct col_event_ref ref = {ev->agent, ev->seq};
		struct finding f;
		char reason[32], day[16], name[300];
		person_finding(&f, VG_AK_UNUSUAL_HOUR, VG_SEV_MEDIUM, ev, ps, &ref);
		snprintf(reason, sizeof reason, "hour_of_week:%s-%02d", days[h / 24], h % 24);
		f.reasons[f.nreasons++] = reason;
		day_text(ev->time_ms, day, sizeof day);
		snprintf(f.incident, sizeof f.incident, "unusual_hour|%s|%s", f.person, day);
		who(ps, name, sizeof name);
		snprintf(f.summary, sizeof f.summary,
		         "%s was active on %s at %02d:00 UTC on a %s, an hour they have not worked in "
		         "before.", name, ev->host, h % 24, days[h / 24]);
		emit(c, &f);
	}
	if (P->hour[h] < UINT8_MAX)
		P->hour[h]++;
	if (P->total < UINT32_MAX)
		P->total++;
}

/* first_access: what (a host, a resource area or a compartment) is new to
 * the person. Learning only records. */
static void first_access(struct bh_ctx *c, const struct bh_ev *ev, struct bh_person *P,
                         const struct pol_person *ps, struct bh_idset *set, const char *what,
                         const char *label, int sev)
{
	int added = idset_add(set, name_hash(what));
	if (added < 0) {
		c->err = BH_ERR_OOM;
		return;
	}
	if (!added || ev->time_ms < P->first_ms + c->t->first_access.learning_ms)
		return;
	struct col_event_ref ref = {ev->agent, ev->seq};
	struct finding f;
	char reason[400], name[300];
	person_finding(&f, VG_AK_FIRST_ACCESS, sev, ev, ps, &ref);
	snprintf(reason, sizeof reason, "first_%s:%s", label, what);
	f.reasons[f.nreasons++] = reason;
	snprintf(f.incident, sizeof f.incident, "first_access|%s|%s:%s", f.person, label, what);
	who(ps, name, sizeof name);
	snprintf(f.summary, sizeof f.summary, "%s used %s %s for the first time (on %s).", name,
	         strcmp(label, "host") == 0 ? "host" : strcmp(label, "area") == 0 ? "resource"
	                                                                      : "compartment",
	         what, ev->host);
	emit(c, &f);
}

static void rule_first_access(struct bh_ctx *c, const struct bh_ev *ev, struct bh_person *P,
                              const struct pol_person *ps)
{
	if (ev->kind == VG_KIND_AUTH_SUCCESS || ev->kind == VG_KIND_SESSION_OPEN) {
		if (*ev->host)
			first_access(c, ev, P, ps, &P->hosts, ev->host, "host", VG_SEV_LOW);
		return;
	}
	if (ev->kind != VG_KIND_FILE_ACCESS || !*ev->path || ev->result == VG_RESULT_FAILURE)
		return;
	if (ev->resolved) {
		/* The resource the ingest decision found, and its compartments. */
		char comp[POL_REASON_LEN];
		if (!*ev->area)
			return;
		first_access(c, ev, P, ps, &P->areas, ev->area, "area", VG_SEV_LOW);
		for (const char *s = ev->comps, *nl; (nl = strchr(s, '\n')); s = nl + 1) {
			size_t n = (size_t)(nl - s) < sizeof comp - 1 ? (size_t)(nl - s) : sizeof comp - 1;
			memcpy(comp, s, n);
			comp[n] = '\0';
			first_access(c, ev, P, ps, &P->comps, comp, "compartment", VG_SEV_MEDIUM);
		}
		return;
	}
	/* Fed without a decision (replayed from the journal after a restart):
	 * the resource the ingest decision finds, the most restrictive one
	 * covering the path (not the longest prefix), and only its
	 * compartments, so that a replay sees what live delivery saw. Any
	 * file action gives the same resource. */
	struct pol_request req = {.account = ev->user, .host = ev->host, .path = ev->path,
	                          .time_ms = ev->time_ms, .action = POL_ACT_READ};
	struct pol_decision d;
	pol_decide(c->p, &req, &d);
	if (!d.resource)
		return;
	first_access(c, ev, P, ps, &P->areas, pol_resource_id(d.resource), "area", VG_SEV_LOW);
	const char *comp;
	for (size_t j = 0; (comp = pol_resource_compartment(c->p, d.resource, j)); j++)
		first_access(c, ev, P, ps, &P->comps, comp, "compartment", VG_SEV_MEDIUM);
}

/* Closes the person's volume window: its count joins the history. */
static void volume_close(struct bh_person *P, int64_t bucket)
{
	if (P->vol_count) {
		if (P->vol_n == BH_VOL_DAYS) {
			memmove(P->vol_hist, P->vol_hist + 1, (BH_VOL_DAYS - 1) * sizeof *P->vol_hist);
			P->vol_n--;
		}
		P->vol_hist[P->vol_n++] = P->vol_count;
	}
	P->vol_bucket = bucket;
	P->vol_count = 0;
	P->vol_sev = 0;
}

static uint32_t spike_threshold(const struct pol_thresholds *t, uint32_t median)
{
	uint64_t thr = (uint64_t)t->volume_spike.factor * ((uint64_t)median + 1);
	if (thr > UINT32_MAX)
		thr = UINT32_MAX;
	return thr < t->volume_spike.min_events ? t->volume_spike.min_events : (uint32_t)thr;
}

/* The thresholds of the window now open: from the person's own median (once
 * there are BH_VOL_MIN_DAYS active windows) and the peer group's. */
static void volume_thresholds(struct bh_ctx *c, struct bh_person *P)
{
	P->vol_own_thr = P->vol_n >= BH_VOL_MIN_DAYS
	                         ? spike_threshold(c->t, median_u32(P->vol_hist, P->vol_n))
	                         : 0;
	P->vol_peer_thr = P->group && P->group < c->b->npeer && c->b->peer_med[P->group]
	                          ? spike_threshold(c->t, c->b->peer_med[P->group])
	                          : 0;
}

struct peer_row {
	uint32_t group, median;
};

static int peer_cmp(const void *a, const void *b)
{
	const struct peer_row *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return x->median < y->median ? -1 : x->median > y->median;
}

/* At the first file access of a new window: every person's window closes,
 * each group's baseline becomes the median of its members' own medians,
 * and every person's thresholds for the new window are set. */
static void peers_recompute(struct bh_ctx *c, int64_t bucket)
{
	struct col_behave *b = c->b;
	struct peer_row *rows = malloc((b->persons.n + 1) * sizeof *rows);
	size_t n = 0;

	if (!rows) {
		c->err = BH_ERR_OOM;
		return;
	}
	b->peer_bucket = bucket;
	b->meta_dirty = true;
	for (size_t i = 0; i < b->persons.cap; i++) {
		struct bh_person *P = b->persons.slots[i].value;
		if (!b->persons.slots[i].key || !P)
			continue;
		if (P->vol_bucket < bucket)
			volume_close(P, bucket);
		if (P->group && P->vol_n >= BH_VOL_MIN_DAYS)
			rows[n++] = (struct peer_row){P->group, median_u32(P->vol_hist, P->vol_n)};
	}
	qsort(rows, n, sizeof *rows, peer_cmp);
	if (b->in.n > b->npeer) {
		uint32_t *nm = realloc(b->peer_med, b->in.n * sizeof *nm);
		if (!nm) {
			free(rows);
			c->err = BH_ERR_OOM;
			return;
		}
		b->peer_med = nm;
		b->npeer = b->in.n;
	}
	memset(b->peer_med, 0, b->npeer * sizeof *b->peer_med);
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && rows[j].group == rows[i].group)
			j++;
		/* A group of one has no peers to compare with. */
		if (j - i >= 2)
			b->peer_med[rows[i].group] = rows[i + (j - i) / 2].median;
		i = j;
	}
	free(rows);
	for (size_t i = 0; i < b->persons.cap; i++) {
		struct bh_person *P = b->persons.slots[i].value;
		if (!b->persons.slots[i].key || !P)
			continue;
		volume_thresholds(c, P);
		bh_touch(b, &P->e);
	}
}

static void rule_volume(struct bh_ctx *c, const struct bh_ev *ev, struct bh_person *P,
                        const struct pol_person *ps)
{
	const struct pol_thresholds *t = c->t;
	int64_t bucket = floor_div(ev->time_ms, t->volume_spike.window_ms);

	if (bucket > c->b->peer_bucket)
		peers_recompute(c, bucket);
	if (bucket < P->vol_bucket)
		return;                     /* a late event of a closed window */
	if (bucket > P->vol_bucket) {
		volume_close(P, bucket);
		volume_thresholds(c, P);
	}
	P->vol_count++;

	bool own = P->vol_own_thr && P->vol_count > P->vol_own_thr;
	bool peer = P->vol_peer_thr && P->vol_count > P->vol_peer_thr;
	int sev;
	if (P->vol_own_thr)
		sev = !own ? -1 : (peer || !P->vol_peer_thr) ? VG_SEV_HIGH : VG_SEV_MEDIUM;
	else
		sev = peer ? VG_SEV_MEDIUM : -1;
	if (sev < 0 && !P->vol_sev)
		return;
	if (sev < P->vol_sev - 1)
		sev = P->vol_sev - 1;       /* later events of the window keep joining */
	P->vol_sev = (uint8_t)(sev + 1);

	struct col_event_ref ref = {ev->agent, ev->seq};
	struct finding f;
	char r1[64], r2[64], day[16], name[300];
	person_finding(&f, VG_AK_VOLUME_SPIKE, sev, ev, ps, &ref);
	uint32_t own_med = median_u32(P->vol_hist, P->vol_n);
	uint32_t peer_med = P->group < c->b->npeer ? c->b->peer_med[P->group] : 0;
	if (P->vol_own_thr) {
		snprintf(r1, sizeof r1, "own_median:%u", own_med);
		f.reasons[f.nreasons++] = r1;
	}
	if (P->vol_peer_thr) {
		snprintf(r2, sizeof r2, "peer_median:%u", peer_med);
		f.reasons[f.nreasons++] = r2;
	}
	uint32_t base = P->vol_own_thr ? own_med : peer_med;
	day_text(ev->time_ms, day, sizeof day);
	snprintf(f.incident, sizeof f.incident, "volume_spike|%s|%" PRId64, f.person, bucket);
	who(ps, name, sizeof name);
	snprintf(f.summary, sizeof f.summary,
	         "%s accessed more than %u files in the window starting %s, over %u times %s "
	         "of %u.", name, P->vol_count - 1, day, t->volume_spike.factor,
	         P->vol_own_thr ? "their median" : "their peer group's median", base);
	emit(c, &f);
}

/* Room for n sessions in P->sess. Returns 0 or -1 (OOM). */
static int sess_reserve(struct bh_person *P, uint8_t n)
{
	if (n <= P->capsess)
		return 0;
	uint8_t ncap = P->capsess ? P->capsess * 2 : 2;
	if (ncap < n)
		ncap = n;
	if (ncap > BH_MAX_SESS)
		ncap = BH_MAX_SESS;
	if (n > ncap)
		return -1;
	struct bh_sess *ns = realloc(P->sess, ncap * sizeof *ns);
	if (!ns)
		return -1;
	P->sess = ns;
	P->capsess = ncap;
	return 0;
}

static void rule_sessions(struct bh_ctx *c, const struct bh_ev *ev, struct bh_person *P,
                          const struct pol_person *ps)
{
	struct col_behave *b = c->b;
	uint32_t host = vg_intern(&b->in, ev->host);
	if (host == UINT32_MAX) {
		c->err = BH_ERR_OOM;
		return;
	}
	if (ev->kind == VG_KIND_SESSION_CLOSE) {
		for (int i = P->nsess - 1; i >= 0; i--)
			if (P->sess[i].host == host && !P->sess[i].close_ms) {
				P->sess[i].close_ms = ev->time_ms;
				break;
			}
		struct bh_host *h = bh_host_get(b, ev->host);
		if (h && h->sess_person == vg_intern_find(&b->in, pol_person_id(ps))) {
			h->sess_close = ev->time_ms;
			bh_touch(b, &h->e);
		}
		return;
	}
	/* Forget sessions that ended (or are presumed ended). */
	uint8_t k = 0;
	for (uint8_t i = 0; i < P->nsess; i++) {
		const struct bh_sess *s = &P->sess[i];
		bool gone = s->close_ms ? ev->time_ms - s->close_ms > c->t->concurrent_sessions.window_ms
		                        : ev->time_ms - s->open_ms > BH_SESSION_MAX_MS;
		if (!gone)
			P->sess[k++] = *s;
	}
	P->nsess = k;

	/* Where the person is: a remote session (with an rhost the policy
	 * places at a site) puts them at the rhost's site, not the server's;
	 * two ssh sessions from one workstation to servers at two sites are
	 * one presence. A session from an unknown source counts where it
	 * lands. */
	const struct pol_host *ph = *ev->rhost ? pol_find_host(c->p, ev->rhost) : NULL;
	const char *site_name = ph ? pol_host_site(ph) : NULL;
	if (!site_name) {
		ph = pol_find_host(c->p, ev->host);
		site_name = ph ? pol_host_site(ph) : NULL;
	}
	uint32_t site = vg_intern(&b->in, site_name);
	uint32_t rhost = vg_intern(&b->in, ev->rhost);
	if (site == UINT32_MAX || rhost == UINT32_MAX) {
		c->err = BH_ERR_OOM;
		return;
	}
	for (uint8_t i = 0; site && i < P->nsess; i++) {
		const struct bh_sess *s = &P->sess[i];
		/* A session opened from the person's other host (ssh from their
		 * workstation) is a chain, not a second presence. */
		if (s->host == host || !s->site || s->site == site || s->host == rhost || s->rhost == host)
			continue;
		struct col_event_ref ref = {ev->agent, ev->seq};
		struct finding f;
		char r1[300], r2[600], day[16], name[300];
		person_finding(&f, VG_AK_CONCURRENT_SESSIONS, VG_SEV_HIGH, ev, ps, &ref);
		snprintf(r1, sizeof r1, "sites:%s,%s", vg_intern_str(&b->in, s->site), site_name);
		snprintf(r2, sizeof r2, "hosts:%s,%s", vg_intern_str(&b->in, s->host), ev->host);
		f.reasons[f.nreasons++] = r1;
		f.reasons[f.nreasons++] = r2;
		day_text(ev->time_ms, day, sizeof day);
		snprintf(f.incident, sizeof f.incident, "concurrent_sessions|%s|%s", f.person, day);
		who(ps, name, sizeof name);
		snprintf(f.summary, sizeof f.summary,
		         "%s opened a session on %s (from site %s) while a session on %s (from site %s) "
		         "was open.", name, ev->host, site_name, vg_intern_str(&b->in, s->host),
		         vg_intern_str(&b->in, s->site));
		emit(c, &f);
		break;
	}
	if (P->nsess == BH_MAX_SESS) {
		memmove(P->sess, P->sess + 1, (BH_MAX_SESS - 1) * sizeof *P->sess);
		P->nsess--;
	}
	if (sess_reserve(P, P->nsess + 1) < 0) {
		c->err = BH_ERR_OOM;
		return;
	}
	P->sess[P->nsess++] = (struct bh_sess){host, site, rhost, ev->time_ms, 0};

	struct bh_host *h = bh_host_get(b, ev->host);
	uint32_t pid = vg_intern(&b->in, pol_person_id(ps));
	if (!h || pid == UINT32_MAX) {
		c->err = BH_ERR_OOM;
		return;
	}
	h->sess_person = pid;
	h->sess_open = ev->time_ms;
	bh_touch(b, &h->e);
}

static bool is_activity(uint8_t kind)
{
	return kind == VG_KIND_AUTH_SUCCESS || kind == VG_KIND_SESSION_OPEN ||
	       kind == VG_KIND_FILE_ACCESS || kind == VG_KIND_EXEC || kind == VG_KIND_PRIVILEGE ||
	       kind == VG_KIND_MEDIA;
}

/* ---- agent_silent ----------------------------------------------------------- */

static void report_silence(struct bh_ctx *c, struct bh_host *h)
{
	int64_t after = c->t->agent_silent.after_ms;
	struct col_event_ref ref = {h->last_agent, h->last_seq};
	char last[32];
	struct finding f = {
		.kind = VG_AK_AGENT_SILENT,
		.severity = VG_SEV_HIGH,
		.time_ms = h->last_ms + after,
		.host = h->e.key,
		.refs = &ref,
		.nrefs = 1,
	};
	f.reasons[f.nreasons++] = "no_events";
	vg_time_format(h->last_ms, last);
	snprintf(f.incident, sizeof f.incident, "agent_silent|%s|%" PRId64, h->e.key, h->last_ms);
	snprintf(f.summary, sizeof f.summary,
	         "The agent on %s sent nothing for more than %lld minutes after %s, without a clean "
	         "stop.", h->e.key, (long long)(after / 60000), last);
	h->silent_flagged = h->last_ms;
	bh_touch(c->b, &h->e);
	emit(c, &f);
}

static bool host_silent(const struct bh_ctx *c, const struct bh_host *h, int64_t t)
{
	return h->last_ms && h->monitored && !h->stopped && h->silent_flagged != h->last_ms &&
	       t - h->last_ms >= c->t->agent_silent.after_ms;
}

void bh_sweep_silence(struct bh_ctx *c, int64_t t)
{
	struct vg_strmap *m = &c->b->hosts;
	c->b->sweep_ms = t;
	c->b->meta_dirty = true;
	for (size_t i = 0; i < m->cap; i++) {
		struct bh_host *h = m->slots[i].value;
		if (m->slots[i].key && h && host_silent(c, h, t))
			report_silence(c, h);
	}
}

static void rule_host(struct bh_ctx *c, const struct bh_ev *ev)
{
	struct bh_host *h = bh_host_get(c->b, ev->host);
	if (!h) {
		c->err = BH_ERR_OOM;
		return;
	}
	/* The silence this event ends, if no sweep has reported it yet. */
	if (host_silent(c, h, ev->time_ms))
		report_silence(c, h);
	if (ev->time_ms >= h->last_ms) {
		h->last_ms = ev->time_ms;
		h->last_agent = ev->agent;
		h->last_seq = ev->seq;
		h->stopped = ev->kind == VG_KIND_AGENT && strcmp(ev->action, "stop") == 0;
	}
	/* Silence is judged only for agents that send heartbeats, as
	 * vigil-agent does: a stream without them, such as a forwarder's or a
	 * recording's, promises nothing about its rhythm. */
	if (ev->kind == VG_KIND_AGENT && strcmp(ev->action, "heartbeat") == 0)
		h->monitored = true;
	bh_touch(c->b, &h->e);
}

/* ---- Dispatch ------------------------------------------------------------------ */

void bh_decide(struct bh_ctx *c, const struct bh_ev *ev)
{
	if (ev->time_ms - c->b->sweep_ms >= BH_SWEEP_MS)
		bh_sweep_silence(c, ev->time_ms);
	if (*ev->host)
		rule_host(c, ev);
	if (ev->kind == VG_KIND_AUTH_FAILURE) {
		rule_failed_account(c, ev);
		rule_failed_source(c, ev);
		return;
	}
	if (!*ev->user || !(is_activity(ev->kind) || ev->kind == VG_KIND_SESSION_CLOSE))
		return;
	const struct pol_person *ps = c->p ? pol_find_account(c->p, ev->user) : NULL;
	struct bh_person *P = ps ? bh_person_get(c->b, pol_person_id(ps)) : NULL;
	if (ps && !P) {
		c->err = BH_ERR_OOM;
		return;
	}
	if (!P)
		return;
	/* dormant_account judges the accounts of persons: an account of no
	 * person is forgotten once idle (prune, in col_behave.c), at a moment
	 * the wall clock chooses, so its last activity cannot be relied on
	 * (live delivery and a fast replay would disagree). */
	if (ev->kind != VG_KIND_SESSION_CLOSE) {
		int64_t *last = person_account_last(P, ev->user);
		if (last) {
			rule_dormant(c, ev, last, &P->e);
		} else {
			struct bh_account *a = bh_account_get(c->b, ev->user);
			if (!a) {
				c->err = BH_ERR_OOM;
				return;
			}
			rule_dormant(c, ev, &a->last_ms, &a->e);
		}
	}
	bh_touch(c->b, &P->e);
	if (ev->kind == VG_KIND_SESSION_CLOSE) {
		rule_sessions(c, ev, P, ps);
		return;
	}
	/* The peer group, looked up again only when the policy changed. */
	if (P->group_serial != pol_serial(c->p) + 1) {
		uint32_t g = vg_intern(&c->b->in, pol_person_group(ps, 0));
		if (g == UINT32_MAX) {
			c->err = BH_ERR_OOM;
			return;
		}
		P->group = g;
		P->group_serial = pol_serial(c->p) + 1;
	}
	if (!P->first_ms) {
		/* Someone new is compared with their peers until they have a
		 * history of their own. */
		P->first_ms = ev->time_ms;
		P->vol_bucket = floor_div(ev->time_ms, c->t->volume_spike.window_ms);
		volume_thresholds(c, P);
	}
	rule_unusual_hour(c, ev, P, ps);
	rule_first_access(c, ev, P, ps);
	if (ev->kind == VG_KIND_FILE_ACCESS)
		rule_volume(c, ev, P, ps);
	if (ev->kind == VG_KIND_SESSION_OPEN)
		rule_sessions(c, ev, P, ps);
}

/* ---- Encoding ------------------------------------------------------------------ */


static void put_idset(struct vg_buf *o, const struct bh_idset *s)
{
	vg_buf_u32(o, s->n);
	for (uint32_t i = 0; i < s->n; i++)
		vg_buf_u32(o, s->v[i]);
}

static void put_ring(struct vg_buf *o, const struct bh_ring *r, const struct bh_burst *bu)
{
	vg_buf_u32(o, r->n);
	for (uint32_t i = 0; i < r->n; i++) {
		vg_buf_i64(o, r->v[i].time_ms);
		vg_buf_i64(o, r->v[i].agent);
		vg_buf_i64(o, r->v[i].seq);
		vg_buf_u32(o, r->v[i].account);
	}
	vg_buf_i64(o, bu->start_ms);
	vg_buf_i64(o, bu->last_ms);
}

void bh_encode(const struct col_behave *b, const struct bh_entity *e, struct vg_buf *o)
{
	vg_buf_reset(o);
	vg_buf_u8(o, BH_VERSION);
	switch (e->kind) {
	case BH_PERSON: {
		const struct bh_person *P = (const void *)e;
		vg_buf_i64(o, P->first_ms);
		vg_buf_u32(o, P->total);
		uint8_t cells = 0;
		for (int i = 0; i < 168; i++)
			cells += P->hour[i] != 0;
		vg_buf_u8(o, cells);
		for (int i = 0; i < 168; i++)
			if (P->hour[i]) {
				vg_buf_u8(o, (uint8_t)i);
				vg_buf_u8(o, P->hour[i]);
			}
		vg_buf_i64(o, P->vol_bucket);
		vg_buf_u32(o, P->vol_count);
		vg_buf_u32(o, P->vol_own_thr);
		vg_buf_u32(o, P->vol_peer_thr);
		vg_buf_u8(o, P->vol_sev);
		vg_buf_u8(o, P->vol_n);
		for (uint8_t i = 0; i < P->vol_n; i++)
			vg_buf_u32(o, P->vol_hist[i]);
		vg_buf_str(o, vg_intern_str(&b->in, P->group));
		put_idset(o, &P->hosts);
		put_idset(o, &P->areas);
		put_idset(o, &P->comps);
		vg_buf_u8(o, P->naccts);
		for (uint8_t i = 0; i < P->naccts; i++) {
			vg_buf_u32(o, P->acct_hash[i]);
			vg_buf_i64(o, P->acct_last[i]);
		}
		vg_buf_u8(o, P->nsess);
		for (uint8_t i = 0; i < P->nsess; i++) {
			vg_buf_str(o, vg_intern_str(&b->in, P->sess[i].host));
			vg_buf_str(o, vg_intern_str(&b->in, P->sess[i].site));
			vg_buf_str(o, vg_intern_str(&b->in, P->sess[i].rhost));
			vg_buf_i64(o, P->sess[i].open_ms);
			vg_buf_i64(o, P->sess[i].close_ms);
		}
		break;
	}
	case BH_ACCOUNT: {
		const struct bh_account *a = (const void *)e;
		vg_buf_i64(o, a->last_ms);
		put_ring(o, &a->fails, &a->burst);
		break;
	}
	case BH_SOURCE: {
		const struct bh_source *s = (const void *)e;
		put_ring(o, &s->fails, &s->burst);
		break;
	}
	default: {
		const struct bh_host *h = (const void *)e;
		vg_buf_i64(o, h->last_ms);
		vg_buf_i64(o, h->last_agent);
		vg_buf_i64(o, h->last_seq);
		vg_buf_u8(o, (uint8_t)(h->stopped | h->monitored << 1));
		vg_buf_i64(o, h->silent_flagged);
		vg_buf_str(o, vg_intern_str(&b->in, h->sess_person));
		vg_buf_i64(o, h->sess_open);
		vg_buf_i64(o, h->sess_close);
		break;
	}
	}
}

/* Reads an interned string; -1 on a damaged record or OOM. */
static int get_id(struct col_behave *b, struct vg_rd *r, uint32_t *id)
{
	char s[VG_EVENT_MAX_PATH + 1];
	vg_rd_str(r, s, sizeof s);
	if (r->bad)
		return -1;
	*id = vg_intern(&b->in, s);
	return *id == UINT32_MAX ? -1 : 0;
}

static int get_idset(struct vg_rd *r, struct bh_idset *s)
{
	uint32_t n = vg_rd_u32(r);
	if (r->bad || n > (r->n - r->pos) / 4)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		if (idset_add(s, vg_rd_u32(r)) < 0)
			return -1;
	return 0;
}

/* version: the record's layout (BH_VERSION_MIN wrote account names). */
static int get_ring(struct vg_rd *r, struct bh_ring *ring, struct bh_burst *bu, uint8_t version)
{
	char name[VG_EVENT_MAX_STR + 1];
	uint32_t n = vg_rd_u32(r);
	if (r->bad || n > BH_RING_MAX)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		struct bh_ref ref;
		ref.time_ms = vg_rd_i64(r);
		ref.agent = vg_rd_i64(r);
		ref.seq = vg_rd_i64(r);
		ref.account = version == BH_VERSION_MIN ? name_hash(vg_rd_str(r, name, sizeof name))
		                                        : vg_rd_u32(r);
		if (r->bad || ring_push(ring, &ref, INT64_MAX / 2) < 0)
			return -1;
	}
	bu->start_ms = vg_rd_i64(r);
	bu->last_ms = vg_rd_i64(r);
	return r->bad ? -1 : 0;
}

int bh_decode(struct col_behave *b, char kind, const char *key, const void *blob, size_t len)
{
	struct vg_rd r;
	struct bh_entity *e;

	if (kind != BH_PERSON && kind != BH_ACCOUNT && kind != BH_SOURCE && kind != BH_HOST)
		return -1;
	if (!(e = entity_get(b, kind, key)))
		return -1;
	vg_rd_init(&r, blob, len);
	if (len && ((const unsigned char *)blob)[0] < BH_VERSION_MIN)
		return BH_DECODE_OLD;
	uint8_t version = vg_rd_u8(&r);
	if (version != BH_VERSION && version != BH_VERSION_MIN)
		return -1;
	switch (kind) {
	case BH_PERSON: {
		struct bh_person *P = (void *)e;
		P->first_ms = vg_rd_i64(&r);
		P->total = vg_rd_u32(&r);
		uint8_t cells = vg_rd_u8(&r);
		for (uint8_t i = 0; i < cells && !r.bad; i++) {
			uint8_t h = vg_rd_u8(&r);
			if (h >= 168)
				return -1;
			P->hour[h] = vg_rd_u8(&r);
		}
		P->vol_bucket = vg_rd_i64(&r);
		P->vol_count = vg_rd_u32(&r);
		P->vol_own_thr = vg_rd_u32(&r);
		P->vol_peer_thr = vg_rd_u32(&r);
		P->vol_sev = vg_rd_u8(&r);
		P->vol_n = vg_rd_u8(&r);
		if (P->vol_n > BH_VOL_DAYS || P->vol_sev > VG_SEV_COUNT)
			return -1;
		for (uint8_t i = 0; i < P->vol_n; i++)
			P->vol_hist[i] = vg_rd_u32(&r);
		if (get_id(b, &r, &P->group) < 0 || get_idset(&r, &P->hosts) < 0 ||
		    get_idset(&r, &P->areas) < 0 || get_idset(&r, &P->comps) < 0)
			return -1;
		P->naccts = vg_rd_u8(&r);
		if (P->naccts > BH_PERSON_ACCOUNTS)
			return -1;
		for (uint8_t i = 0; i < P->naccts; i++) {
			P->acct_hash[i] = vg_rd_u32(&r);
			P->acct_last[i] = vg_rd_i64(&r);
		}
		uint8_t nsess = vg_rd_u8(&r);
		if (nsess > BH_MAX_SESS || sess_reserve(P, nsess) < 0)
			return -1;
		P->nsess = nsess;
		for (uint8_t i = 0; i < P->nsess; i++) {
			struct bh_sess *s = &P->sess[i];
			if (get_id(b, &r, &s->host) < 0 || get_id(b, &r, &s->site) < 0 ||
			    get_id(b, &r, &s->rhost) < 0)
				return -1;
			s->open_ms = vg_rd_i64(&r);
			s->close_ms = vg_rd_i64(&r);
		}
		break;
	}
	case BH_ACCOUNT: {
		struct bh_account *a = (void *)e;
		a->last_ms = vg_rd_i64(&r);
		if (get_ring(&r, &a->fails, &a->burst, version) < 0)
			return -1;
		break;
	}
	case BH_SOURCE: {
		struct bh_source *s = (void *)e;
		if (get_ring(&r, &s->fails, &s->burst, version) < 0)
			return -1;
		break;
	}
	default: {
		struct bh_host *h = (void *)e;
		h->last_ms = vg_rd_i64(&r);
		h->last_agent = vg_rd_i64(&r);
		h->last_seq = vg_rd_i64(&r);
		uint8_t flags = vg_rd_u8(&r);
		h->stopped = flags & 1;
		h->monitored = (flags & 2) != 0;
		h->silent_flagged = vg_rd_i64(&r);
		if (get_id(b, &r, &h->sess_person) < 0)
			return -1;
		h->sess_open = vg_rd_i64(&r);
		h->sess_close = vg_rd_i64(&r);
		break;
	}
	}
	return vg_rd_done(&r) ? 0 : -1;
}
