/*
 * pol_decide: the decision for one request against a compiled policy.
 *
 * Default deny: a request is allowed only when no check finds a reason, and
 * every check runs, so a decision lists all of its reasons. Each check is one
 * function over resolved data (ranks, compartment ids, time windows); new
 * rules of the policy language (caveats, exceptions, thresholds) become new
 * check functions here.
 *
 * pol_decide runs for every event the collector stores, so it allocates
 * nothing and formats text only when it adds a reason; the allowed path is
 * a hash probe for the account, one pass over the path and a few compares.
 */
#include "pol_internal.h"
#include "vg_time.h"

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

/* The combined requirement of all resources covering a path. */
struct res_acc {
	const struct pol_resource *best;      /* the most restrictive, reported */
	const struct pol_level *level;        /* the highest level */
	uint16_t comps[ACC_MAX_COMPS];        /* union of compartments */
	unsigned ncomps;
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
}

static const struct pol_grant *find_grant(const struct pol_person *ps, uint16_t comp)
{
	for (uint16_t i = 0; i < ps->ngrants && ps->grants[i].comp <= comp; i++)
		if (ps->grants[i].comp == comp)
			return &ps->grants[i];
	return NULL;
}

static void check_resource(const struct pol_policy *p, const struct pol_person *ps,
                           const struct res_acc *a, int64_t t, struct pol_decision *d)
{
	if (!a->level)
		return;
	if (a->level->rank > ps->rank)
		add_reason(d, POL_CLASS_CLEARANCE, "level:%s<%s", ps->level->name, a->level->name);
	for (unsigned i = 0; i < a->ncomps; i++) {
		const struct pol_compartment *c = &p->comps[a->comps[i]];
		const struct pol_grant *g;
		if (c->min_level && c->min_level->rank > ps->rank)
			add_reason(d, POL_CLASS_CLEARANCE, "compartment_level:%s:%s<%s", c->name,
			           ps->level->name, c->min_level->name);
		if (ps->status == POL_ST_INTERIM) {
			add_reason(d, POL_CLASS_NEED_TO_KNOW, "interim_no_compartments:%s", c->name);
			continue;
		}
		g = find_grant(ps, a->comps[i]);
		if (!g)
			add_reason(d, POL_CLASS_NEED_TO_KNOW, "missing_compartment:%s", c->name);
		else if (t < g->read_on)
			add_reason(d, POL_CLASS_NEED_TO_KNOW, "not_yet_read_on:%s", c->name);
		else if (g->debriefed <= t)
			add_reason(d, POL_CLASS_NEED_TO_KNOW, "debriefed:%s", c->name);
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

/* Local wall-clock of t in the schedule's zone against its window. A window
 * whose end is before its start runs overnight into the next day. */
static bool schedule_allows(const struct pol_schedule *sc, int64_t t)
{
	int64_t local = t + sc->tz_offset_ms;
	int64_t ms_of_day = local % VG_MS_PER_DAY;
	int wd = vg_time_weekday(local), prev = (wd + 6) % 7, minute;

	if (ms_of_day < 0)
		ms_of_day += VG_MS_PER_DAY;
	minute = (int)(ms_of_day / 60000);
	if (sc->start_min < sc->end_min)
		return (sc->days & (1u << wd)) && minute >= sc->start_min && minute < sc->end_min;
	return ((sc->days & (1u << wd)) && minute >= sc->start_min) ||
	       ((sc->days & (1u << prev)) && minute < sc->end_min);
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

static void check_privilege(const struct pol_person *ps, const struct pol_request *req,
                            struct pol_decision *d)
{
	const char *tool = privilege_tool(req);
	if (tool) {
		for (int i = 0; i < POL_PRIV_COUNT; i++)
			if (strcmp(tool, pol_priv_names[i]) == 0 && (ps->privs & (1u << i)))
				return;
	}
	add_reason(d, POL_CLASS_PRIVILEGE, "privilege_not_granted:%s", tool ? tool : "unknown");
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

	d->host = req->host ? host_rule(p, req->host) : NULL;
	acc.best = NULL;
	acc.level = NULL;
	acc.ncomps = 0;
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
	if (req->action == POL_ACT_PRIVILEGE)
		check_privilege(ps, req, d);
	if (req->action == POL_ACT_MEDIA)
		check_media(req->host, d->host, d);
	if (ps->schedule && !schedule_allows(ps->schedule, req->time_ms))
		add_reason(d, POL_CLASS_SCHEDULE, "outside_schedule:%s", ps->schedule->name);

	d->allow = d->nreasons == 0 && !d->truncated;
}

/* ---- Lookups ------------------------------------------------------------ */

const struct pol_person *pol_find_account(const struct pol_policy *p, const char *account)
{
	size_t len = strlen(account);
	const struct pol_htab_entry *e = pol_htab_find(&p->accounts, account, len, pol_hash(account, len));
	return e ? &p->persons[e->a] : NULL;
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
