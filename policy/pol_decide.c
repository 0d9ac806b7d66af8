/*
 * pol_decide: the decision for one request against a compiled policy.
 *
 * Default deny: a request is allowed only when no check finds a reason, and
 * every check runs, so a decision lists all of its reasons. Each check is one
 * function over resolved data (ranks, compartment ids, country sets, group
 * ids, time windows). Exceptions waive resource reasons only, and are
 * looked at only once such a reason turns up.
 *
 * pol_decide runs for every event the collector stores, so it allocates
 * nothing and formats text only when it adds a reason; the allowed path is
 * a hash probe for the account, one pass over the path and a few compares.
 */
#include "pol_internal.h"
#include "vg_time.h"

#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

/* ---- Reasons ------------------------------------------------------------ */

static void add_reason(struct pol_decision *d, enum pol_class cls, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_reason(struct pol_decision *d, enum pol_class cls, const char *fmt, ...)
{
	struct pol_reason *r;
	va_list ap;
	if (d->nreasons >= POL_MAX_REASONS) {
		d->truncated = true;
		return;
	}
	r = &d->reasons[d->nreasons++];
	r->cls = cls;
	va_start(ap, fmt);
	vsnprintf(r->code, sizeof r->code, fmt, ap);
	va_end(ap);
}

static void add_date_reason(struct pol_decision *d, enum pol_class cls, const char *what,
                            int64_t ms)
{
	char day[11];
	vg_date_format(ms, day);
	add_reason(d, cls, "%s:%s", what, day);
}

/* ---- Resources: every rule covering the path applies -------------------- */

#define ACC_MAX_COMPS 64
#define ACC_MAX_COVER 16
#define ACC_MAX_CAVEATS 16

/* The combined requirement of all resources covering a path. */
struct res_acc {
	const struct pol_resource *best;      /* the most restrictive, reported */
	const struct pol_level *level;        /* the highest level */
	uint16_t comps[ACC_MAX_COMPS];        /* union of compartments */
	unsigned ncomps;
	uint8_t caveats[ACC_MAX_CAVEATS];     /* union of caveats */
	unsigned ncaveats;
	struct pol_cset rel;                  /* intersection of releasable_to */
	bool has_rel;
	/* Every covering resource (for exceptions and access groups); more
	 * than ACC_MAX_COVER are judged but cannot be excepted. */
	const struct pol_resource *cover[ACC_MAX_COVER];
	unsigned ncover, ntotal;
};

static void acc_visit(void *ctx, const struct pol_resource *r)
{
	struct res_acc *a = ctx;
	if (!a->level || r->level->rank > a->level->rank)
		a->level = r->level;
	/* Most restrictive first; on a tie the longer prefix (visited later). */
	if (!a->best || r->level->rank > a->best->level->rank ||
	    (r->level->rank == a->best->level->rank &&
	     (r->ncomps > a->best->ncomps || (r->ncomps == a->best->ncomps && r->prefix))))
		a->best = r;
	for (uint16_t i = 0; i < r->ncomps; i++) {
		unsigned j;
		for (j = 0; j < a->ncomps && a->comps[j] != r->comps[i]; j++)
			;
		if (j == a->ncomps && a->ncomps < ACC_MAX_COMPS)
			a->comps[a->ncomps++] = r->comps[i];
	}
	for (uint8_t i = 0; i < r->ncaveats; i++) {
		unsigned j;
		for (j = 0; j < a->ncaveats && a->caveats[j] != r->caveats[i]; j++)
			;
		if (j == a->ncaveats && a->ncaveats < ACC_MAX_CAVEATS)
			a->caveats[a->ncaveats++] = r->caveats[i];
	}
	if (r->rel) {
		if (!a->has_rel)
			a->rel = *r->rel;
		else
			for (unsigned i = 0; i < POL_MAX_COUNTRIES / 64; i++)
				a->rel.w[i] &= r->rel->w[i];
		a->has_rel = true;
	}
	if (a->ncover < ACC_MAX_COVER)
		a->cover[a->ncover++] = r;
	a->ntotal++;
}

static const struct pol_grant *find_grant(const struct pol_person *ps, uint16_t comp)
{
	for (uint16_t i = 0; i < ps->ngrants && ps->grants[i].comp <= comp; i++)
		if (ps->grants[i].comp == comp)
			return &ps->grants[i];
	return NULL;
}

static bool in_group(const struct pol_person *ps, uint16_t gid)
{
	for (uint16_t i = 0; i < ps->ngroups; i++)
		if (ps->gids[i] == gid)
			return true;
	return false;
}

/* ---- Exceptions ----------------------------------------------------------- */

#define MAX_CANDIDATES 8

/* State for waiving resource reasons by exception. The candidates (the
 * exceptions for this person, time and covering resources) are found only
 * when the first waivable reason turns up, so an allowed request never
 * looks at exceptions. */
struct waiver {
	const struct pol_policy *p;
	const struct pol_person *ps;
	const struct res_acc *a;
	int64_t t;
	bool searched;
	const struct pol_exception *cand[MAX_CANDIDATES];
	unsigned ncand;
};

static bool exception_matches(const struct waiver *w, const struct pol_exception *x)
{
	if (w->t < x->created || w->t >= x->expires)
		return false;
	if (x->person >= 0 ? &w->p->persons[x->person] != w->ps : !in_group(w->ps, (uint16_t)x->group))
		return false;
	for (unsigned i = 0; i < w->a->ncover; i++)
		if (w->a->cover[i] == x->resource)
			return true;
	return false;
}

static void find_candidates(struct waiver *w)
{
	w->searched = true;
	for (size_t i = 0; i < w->p->nexceptions && w->ncand < MAX_CANDIDATES; i++)
		if (exception_matches(w, &w->p->exceptions[i]))
			w->cand[w->ncand++] = &w->p->exceptions[i];
}

/* What a waivable reason is about: the combined level, a compartment, or
 * one resource's access groups. */
enum waive_kind { W_LEVEL, W_COMP, W_GROUPS };

static bool exception_covers(const struct pol_exception *x, const struct res_acc *a,
                             enum waive_kind kind, const void *item)
{
	const struct pol_resource *r = x->resource;
	switch (kind) {
	case W_LEVEL:
		return r->level->rank >= a->level->rank;
	case W_COMP:
		for (uint16_t i = 0; i < r->ncomps; i++)
			if (r->comps[i] == *(const uint16_t *)item)
				return true;
		return false;
	default:
		return r == item;
	}
}

/* Adds a resource reason, or records it as waived when an exception for
 * this person names a covering resource that gives rise to it. */
static void add_waivable(struct waiver *w, struct pol_decision *d, enum waive_kind kind,
                         const void *item, enum pol_class cls, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void add_waivable(struct waiver *w, struct pol_decision *d, enum waive_kind kind,
                         const void *item, enum pol_class cls, const char *fmt, ...)
{
	struct pol_reason *r;
	va_list ap;
	unsigned i;

	if (!w->searched && w->p->nexceptions)
		find_candidates(w);
	for (i = 0; i < w->ncand && !exception_covers(w->cand[i], w->a, kind, item); i++)
		;
	if (i < w->ncand && d->nwaived < POL_MAX_WAIVED) {
		if (!d->exception)
			d->exception = w->cand[i];
		d->waived_by[d->nwaived] = w->cand[i];
		r = &d->waived[d->nwaived++];
	} else if (d->nreasons < POL_MAX_REASONS) {
		r = &d->reasons[d->nreasons++];
	} else {
		d->truncated = true;
		return;
	}
	r->cls = cls;
	va_start(ap, fmt);
	vsnprintf(r->code, sizeof r->code, fmt, ap);
	va_end(ap);
}

/* ---- Resource checks -------------------------------------------------------- */

/* "FRA,DEU" (the person's citizenships), or "none". */
static void citizenships_text(const struct pol_policy *p, const struct pol_person *ps, char *buf,
                              size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < p->ncountries && o < len; i++)
		if (pol_cset_has(&ps->citizen, (unsigned)i))
			o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? "," : "", p->countries[i]);
	if (!buf[0])
		snprintf(buf, len, "none");
}

/* Caveats and releasability are dissemination controls: never waived. */
static void check_release(const struct pol_policy *p, const struct pol_person *ps,
                          const struct res_acc *a, struct pol_decision *d)
{
	char who[POL_REASON_LEN - 16];
	for (unsigned i = 0; i < a->ncaveats; i++) {
		const struct pol_caveat *c = &p->caveats[a->caveats[i]];
		if (!pol_cset_meets(&c->rel, &ps->citizen))
			add_reason(d, POL_CLASS_NEED_TO_KNOW, "caveat:%s", c->name);
	}
	if (a->has_rel && !pol_cset_meets(&a->rel, &ps->citizen)) {
		citizenships_text(p, ps, who, sizeof who);
		add_reason(d, POL_CLASS_NEED_TO_KNOW, "releasability:%s", who);
	}
}

/* "eng,ops": a resource's access groups for a reason code. */
static void groups_text(const struct pol_policy *p, const struct pol_resource *r, char *buf,
                        size_t len)
{
	size_t o = 0;
	buf[0] = '\0';
	for (uint8_t i = 0; i < r->nagroups && o < len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i ? "," : "",
		                      p->group_names[r->agroups[i]]);
}

static void check_resource(const struct pol_policy *p, const struct pol_person *ps,
                           const struct res_acc *a, int64_t t, struct pol_decision *d)
{
	struct waiver w = {.p = p, .ps = ps, .a = a, .t = t, .searched = false, .ncand = 0};
	if (!a->level)
		return;
	if (a->level->rank > ps->rank)
		add_waivable(&w, d, W_LEVEL, NULL, POL_CLASS_CLEARANCE, "level:%s<%s", ps->level->name,
		             a->level->name);
	for (unsigned i = 0; i < a->ncomps; i++) {
		const struct pol_compartment *c = &p->comps[a->comps[i]];
		const struct pol_grant *g;
		if (c->min_level && c->min_level->rank > ps->rank)
			add_waivable(&w, d, W_COMP, &a->comps[i], POL_CLASS_CLEARANCE,
			             "compartment_level:%s:%s<%s", c->name, ps->level->name,
			             c->min_level->name);
		if (ps->status == POL_ST_INTERIM) {
			add_waivable(&w, d, W_COMP, &a->comps[i], POL_CLASS_NEED_TO_KNOW,
			             "interim_no_compartments:%s", c->name);
			continue;
		}
		g = find_grant(ps, a->comps[i]);
		if (!g)
			add_waivable(&w, d, W_COMP, &a->comps[i], POL_CLASS_NEED_TO_KNOW,
			             "missing_compartment:%s", c->name);
		else if (t < g->read_on)
			add_waivable(&w, d, W_COMP, &a->comps[i], POL_CLASS_NEED_TO_KNOW,
			             "not_yet_read_on:%s", c->name);
		else if (g->debriefed <= t)
			add_reason(d, POL_CLASS_NEED_TO_KNOW, "debriefed:%s", c->name);
	}
	check_release(p, ps, a, d);
	for (unsigned i = 0; i < a->ncover; i++) {
		const struct pol_resource *r = a->cover[i];
		bool member = r->nagroups == 0;
		char names[POL_REASON_LEN - 24];
		for (uint8_t k = 0; k < r->nagroups && !member; k++)
			member = in_group(ps, r->agroups[k]);
		/* An owner is accountable for the resource: past its groups. */
		for (uint16_t k = 0; k < r->nowners && !member; k++)
			member = r->owners[k] == ps;
		if (member)
			continue;
		groups_text(p, r, names, sizeof names);
		add_waivable(&w, d, W_GROUPS, r, POL_CLASS_NEED_TO_KNOW, "not_in_access_group:%s",
		             names);
	}
}

/* ---- Vetting, hosts, schedule, privilege, media ------------------------- */

static void check_vetting(const struct pol_person *ps, int64_t t, struct pol_decision *d)
{
	/* interim is current vetting; its limit (no compartments) is applied
	 * with the resource. */
	if (ps->status != POL_ST_ACTIVE && ps->status != POL_ST_INTERIM)
		add_reason(d, POL_CLASS_VETTING, "status:%s", pol_status_names[ps->status]);
	if (ps->granted != POL_DATE_NONE_PAST && t < ps->granted)
		add_date_reason(d, POL_CLASS_VETTING, "not_yet_granted", ps->granted);
	/* A review is due by the end of its day. */
	if (ps->review_due != POL_DATE_NONE_FUTURE && t >= ps->review_due + VG_MS_PER_DAY)
		add_date_reason(d, POL_CLASS_VETTING, "review_overdue", ps->review_due);
	/* An interim clearance holds until 00:00 UTC on interim_expires. */
	if (ps->status == POL_ST_INTERIM && t >= ps->interim_expires)
		add_date_reason(d, POL_CLASS_VETTING, "interim_expired", ps->interim_expires);
}

/* The first host rule, in file order, whose glob matches the host name. */
static const struct pol_host *host_rule(const struct pol_policy *p, const char *host)
{
	for (size_t i = 0; i < p->nhosts; i++)
		if (pol_pattern_match(&p->hosts[i].pat, host))
			return &p->hosts[i];
	return NULL;
}

static void check_login(const struct pol_person *ps, const char *host, const struct pol_host *h,
                        struct pol_decision *d)
{
	bool permitted = false;
	if (!h)
		add_reason(d, POL_CLASS_HOST, "host_unlisted:%s", host);
	else if (h->level && h->level->rank > ps->rank)
		add_reason(d, POL_CLASS_CLEARANCE, "host_level:%s>%s", h->level->name, ps->level->name);
	for (uint16_t i = 0; i < ps->nhosts && !permitted; i++)
		permitted = pol_pattern_match(&ps->hosts[i], host);
	if (!permitted)
		add_reason(d, POL_CLASS_HOST, "host_not_permitted:%s", host);
}

static bool is_holiday(const struct pol_schedule *sc, int64_t local_day)
{
	size_t lo = 0, hi = sc->nholidays;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (sc->holidays[mid] < local_day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < sc->nholidays && sc->holidays[lo] == local_day;
}

/* Local wall-clock of t in the schedule's zone against its window. A window
 * whose end is before its start runs overnight into the next day. A window
 * does not open on a holiday (the day it would start). Returns 1 inside a
 * window, 0 outside, -1 outside because the day is a holiday. */
/* The schedule zone's UTC offset at t: fixed, or found by binary search
 * in the spans the loader precomputed for a named zone. */
static int32_t schedule_offset(const struct pol_schedule *sc, int64_t t)
{
	size_t lo = 0, hi = sc->nspans;
	if (hi == 0)
		return sc->tz_offset_ms;
	/* spans[0].at is INT64_MIN: find the last span starting at or before t. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (sc->spans[mid].at <= t)
			lo = mid;
		else
			hi = mid;
	}
	return sc->spans[lo].offset_ms;
}

static int schedule_allows(const struct pol_schedule *sc, int64_t t, int64_t *holiday)
{
	int64_t local = t + schedule_offset(sc, t);
	int64_t ms_of_day = local % VG_MS_PER_DAY, day;
	int wd = vg_time_weekday(local), prev = (wd + 6) % 7, minute;
	bool today, yesterday = false;

	if (ms_of_day < 0)
		ms_of_day += VG_MS_PER_DAY;
	day = (local - ms_of_day) / VG_MS_PER_DAY;
	minute = (int)(ms_of_day / 60000);
	if (sc->start_min < sc->end_min)
		today = (sc->days & (1u << wd)) && minute >= sc->start_min && minute < sc->end_min;
	else {
		today = (sc->days & (1u << wd)) && minute >= sc->start_min;
		yesterday = (sc->days & (1u << prev)) && minute < sc->end_min;
	}
	if (!today && !yesterday)
		return 0;
	if (sc->nholidays == 0)
		return 1;
	*holiday = today ? day : day - 1;
	return is_holiday(sc, *holiday) ? -1 : 1;
}

/* The privilege tool: the PAM service, else the basename of the path;
 * Debian's "sudo-i" and "su-l" services are sudo and su. */
static const char *privilege_tool(const struct pol_request *req)
{
	const char *tool = req->service;
	if (!tool || !*tool) {
		const char *slash;
		if (!req->path)
			return NULL;
		slash = strrchr(req->path, '/');
		tool = slash ? slash + 1 : req->path;
	}
	if (strcmp(tool, "sudo-i") == 0)
		return "sudo";
	if (strcmp(tool, "su-l") == 0)
		return "su";
	return *tool ? tool : NULL;
}

static bool target_matches(const struct pol_priv_target *pt, const char *account)
{
	switch (pt->kind) {
	case POL_PAT_ANY:
		return true;
	case POL_PAT_EXACT:
		return strcmp(pt->glob, account) == 0;
	case POL_PAT_PREFIX_STAR:
		return strncmp(pt->glob, account, pt->lit) == 0;
	default:
		return fnmatch(pt->glob, account, 0) == 0;
	}
}

/* A tool granted alone allows any target; a tool granted only "to whom"
 * allows the targets its grants match, and needs the target to be known. */
static void check_privilege(const struct pol_person *ps, const struct pol_request *req,
                            struct pol_decision *d)
{
	const char *tool = privilege_tool(req), *target = req->target_account;
	int k = -1;
	if (tool)
		for (int i = 0; i < POL_PRIV_COUNT && k < 0; i++)
			if (strcmp(tool, pol_priv_names[i]) == 0)
				k = i;
	if (k >= 0 && (ps->privs & (1u << k)))
		return;
	if (k < 0 || !(ps->target_privs & (1u << k))) {
		add_reason(d, POL_CLASS_PRIVILEGE, "privilege_not_granted:%s", tool ? tool : "unknown");
		return;
	}
	if (!target || !*target) {
		add_reason(d, POL_CLASS_PRIVILEGE, "privilege_target_unknown:%s", tool);
		return;
	}
	for (uint16_t i = 0; i < ps->nptargets; i++)
		if (ps->ptargets[i].priv == k && target_matches(&ps->ptargets[i], target))
			return;
	add_reason(d, POL_CLASS_PRIVILEGE, "privilege_target_not_granted:%s:%s", tool, target);
}

static void check_media(const char *host, const struct pol_host *h, struct pol_decision *d)
{
	if (h && h->removable_media)
		return;
	add_reason(d, POL_CLASS_MEDIA, "removable_media_forbidden:%s",
	           h ? h->pat.glob : host ? host : "unknown");
}

static bool is_file_action(enum pol_action a)
{
	return a == POL_ACT_READ || a == POL_ACT_WRITE || a == POL_ACT_EXEC || a == POL_ACT_ATTR ||
	       a == POL_ACT_OTHER;
}

/* ---- The decision ------------------------------------------------------- */

void pol_decide(const struct pol_policy *p, const struct pol_request *req,
                struct pol_decision *d)
{
	const struct pol_person *ps;
	struct res_acc acc;

	/* The reasons array is written only as reasons are added. */
	d->allow = false;
	d->person = NULL;
	d->resource = NULL;
	d->host = NULL;
	d->nreasons = 0;
	d->truncated = false;
	d->exception = NULL;
	d->nwaived = 0;
	d->serial = p->serial;
	d->source_hash = p->source_hash;

	d->host = req->host ? host_rule(p, req->host) : NULL;
	acc.best = NULL;
	acc.level = NULL;
	acc.ncomps = 0;
	acc.ncaveats = 0;
	acc.has_rel = false;
	acc.ncover = 0;
	acc.ntotal = 0;
	if (req->path && is_file_action(req->action)) {
		pol_index_walk(p, req->path, acc_visit, &acc);
		d->resource = acc.best;
	}

	ps = req->account ? pol_find_account(p, req->account) : NULL;
	if (!ps) {
		add_reason(d, POL_CLASS_UNKNOWN_ACCOUNT, "unknown_account");
		return;
	}
	d->person = ps;

	check_vetting(ps, req->time_ms, d);
	if (req->action == POL_ACT_LOGIN && req->host)
		check_login(ps, req->host, d->host, d);
	check_resource(p, ps, &acc, req->time_ms, d);
	/* A host processes nothing above its accreditation, whoever asks. */
	if (d->host && d->host->max_level && acc.level && acc.level->rank > d->host->max_level->rank &&
	    (req->action == POL_ACT_READ || req->action == POL_ACT_WRITE ||
	     req->action == POL_ACT_EXEC))
		add_reason(d, POL_CLASS_CLEARANCE, "host_accreditation:%s>%s", acc.level->name,
		           d->host->max_level->name);
	if (req->action == POL_ACT_PRIVILEGE)
		check_privilege(ps, req, d);
	if (req->action == POL_ACT_MEDIA)
		check_media(req->host, d->host, d);
	if (ps->schedule) {
		int64_t holiday = 0;
		int in = schedule_allows(ps->schedule, req->time_ms, &holiday);
		if (in == 0)
			add_reason(d, POL_CLASS_SCHEDULE, "outside_schedule:%s", ps->schedule->name);
		else if (in < 0) {
			char day[11];
			vg_date_format(holiday * VG_MS_PER_DAY, day);
			add_reason(d, POL_CLASS_SCHEDULE, "holiday:%s:%s", ps->schedule->name, day);
		}
	}

	d->allow = d->nreasons == 0 && !d->truncated;
}

/* ---- Lookups ------------------------------------------------------------ */

const struct pol_person *pol_find_account(const struct pol_policy *p, const char *account)
{
	size_t len = strlen(account);
	const struct pol_htab_entry *e = pol_htab_find(&p->accounts, account, len, pol_hash(account, len));
	return e ? &p->persons[e->a] : NULL;
}

const struct pol_resource *pol_find_resource(const struct pol_policy *p, const char *id)
{
	size_t len = strlen(id);
	const struct pol_htab_entry *e =
	    pol_htab_find(&p->resource_ids, id, len, pol_hash(id, len));
	return e ? &p->resources[e->a] : NULL;
}

const struct pol_host *pol_find_host(const struct pol_policy *p, const char *host)
{
	return host_rule(p, host);
}

const struct pol_person *pol_find_person(const struct pol_policy *p, const char *id)
{
	size_t len = strlen(id);
	const struct pol_htab_entry *e = pol_htab_find(&p->person_ids, id, len, pol_hash(id, len));
	return e ? &p->persons[e->a] : NULL;
}

/* Longest prefix first, then globs in file order. */
static bool listed_before(const struct pol_resource *a, const struct pol_resource *b)
{
	if (a->prefix != b->prefix)
		return a->prefix;
	if (a->prefix)
		return strlen(a->path) > strlen(b->path);
	return a->index < b->index;
}

struct res_list {
	const struct pol_resource *v[256];
	size_t n;
};

static void list_visit(void *ctx, const struct pol_resource *r)
{
	struct res_list *l = ctx;
	size_t i;
	if (l->n == sizeof l->v / sizeof l->v[0])
		return;
	for (i = l->n; i > 0 && listed_before(r, l->v[i - 1]); i--)
		l->v[i] = l->v[i - 1];
	l->v[i] = r;
	l->n++;
}

size_t pol_match_resources(const struct pol_policy *p, const char *path,
                           const struct pol_resource **out, size_t max)
{
	struct res_list l;
	size_t total;
	l.n = 0;
	total = pol_index_walk(p, path, list_visit, &l);
	for (size_t i = 0; i < l.n && i < max; i++)
		out[i] = l.v[i];
	return total;
}
