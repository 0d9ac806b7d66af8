/*
 * scen_org: the synthetic organisation and its vigil policy.
 *
 * Three sites in two time zones; every person has a workstation at their
 * site, each site has hot desks (for visitors), servers and a transfer
 * station (the only hosts where removable media is allowed). Departments own
 * projects; a project is a directory under /srv/proj/ or, when it belongs to
 * a compartment, /srv/comp/<compartment>/, and is one resource of the
 * policy. A person works on a few projects of their department at or below
 * their clearance and is read on to the compartments of those projects
 * (sometimes to one more). Ordinary work stays inside that: the policy
 * findings of benign persons are the ordinary ones (outside schedule on a
 * late evening), never a violation.
 */
#include "scen.h"
#include "vg_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct site scen_sites[NSITES] = {
	{"hq", 60, "+01:00"},
	{"north", 60, "+01:00"},
	{"west", -300, "-05:00"},
};
static const double site_share[NSITES] = {0.5, 0.3, 0.2};

const char *const scen_level_names[NLEVELS] = {"UNCLASSIFIED", "CONFIDENTIAL", "SECRET",
                                               "TOP SECRET"};
const char *const scen_dept_names[NDEPTS] = {"eng", "research", "analysis", "ops", "mgmt",
                                             "support"};
static const double dept_share[NDEPTS] = {0.32, 0.14, 0.20, 0.07, 0.09, 0.18};
/* Median file accesses on a working day, by department. */
static const double dept_reads[NDEPTS] = {60, 70, 90, 25, 15, 20};
/* Clearance level shares by department: C, S, TS. */
static const double dept_levels[NDEPTS][3] = {
	{0.15, 0.50, 0.35}, {0.0, 0.60, 0.40}, {0.0, 0.45, 0.55},
	{0.0, 0.40, 0.60},  {0.2, 0.40, 0.40}, {0.6, 0.35, 0.05},
};

const char *const scen_scenario_names[SC_COUNT] = {
	"", "night_mass_read", "need_to_know", "debriefed_access", "suspended_working",
	"departing_media", "su_other_account", "password_guessing", "dormant_wakes", "two_sites",
};

static const char *const comp_names[] = {
	"FALCON", "ORCA", "LYNX", "MARLIN", "HERON", "BISON", "CEDAR", "QUARTZ",
	"KESTREL", "TUNDRA", "SABLE", "COBALT", "ONYX", "AURORA", "GRANITE", "CIRRUS",
};
#define MAXCOMP ((int)(sizeof comp_names / sizeof comp_names[0]))

static const char *const project_words[] = {
	"atlas", "beacon", "cinder", "delta", "ember", "fjord", "glacier", "harbor", "iris",
	"juniper", "keystone", "lantern", "meridian", "nimbus", "obsidian", "polaris", "quill",
	"rampart", "sextant", "tidewater", "umber", "vantage", "willow", "zephyr", "anvil",
	"bramble", "compass", "drift", "echo", "flint", "garnet", "hollow", "ironwood", "jetty",
	"kite", "larch", "mosaic", "north-star", "outpost", "pinnacle",
};
#define NWORDS ((int)(sizeof project_words / sizeof project_words[0]))

static const char *const first_names[] = {
	"Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
	"Kira", "Liam", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tara", "Umar",
	"Vera", "Wes", "Xenia", "Yusuf", "Zoe", "Aaron", "Beth", "Carlos", "Dana", "Emil", "Fiona",
	"Gil", "Hana", "Ivo", "Jana", "Karl", "Lena", "Marco", "Nora", "Oscar", "Petra", "Rafael",
	"Sara", "Tomas", "Uma", "Victor", "Wanda",
};
static const char *const last_names[] = {
	"Smith", "Novak", "Garcia", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Kowalski", "Haddad",
	"Brennan", "Silva", "Petrov", "Nguyen", "Fischer", "Rossi", "Jensen", "Mbeki", "Olsen",
	"Duarte", "Keller", "Adler", "Bauer", "Costa", "Dalton", "Eriksen", "Ferreira", "Gallo",
	"Horvat", "Ivanova", "Jovanovic", "Kaur", "Larsen", "Meyer", "Nakamura", "Oliveira", "Park",
	"Quint", "Richter", "Sato", "Toth", "Usman", "Varga", "Weber", "Young", "Zeller",
};
#define NFIRST ((int)(sizeof first_names / sizeof first_names[0]))
#define NLAST ((int)(sizeof last_names / sizeof last_names[0]))

/* Public holidays the organisation observes (none fall on weekends here). */
static const char *const holidays[] = {
	"2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-08-03",
	"2026-10-12", "2026-12-24", "2026-12-25", "2026-12-31", "2027-01-01", "2027-03-26",
	"2027-03-29",
};
#define NHOLIDAYS ((int)(sizeof holidays / sizeof holidays[0]))

/* Policy schedules: office hours and night shifts per time zone. */
enum { SCH_OFFICE_CET, SCH_OFFICE_EST, SCH_NIGHT_CET, SCH_NIGHT_EST, NSCHED };
static const char *const sched_names[NSCHED] = {"office-cet", "office-est", "night-cet",
                                                "night-est"};

int scen_weekday(int day)
{
	return day % 7;            /* the period starts on a Monday */
}

int64_t scen_day_ms(const struct scen *S, int day)
{
	return S->start_ms + (int64_t)day * DAY_MS;
}

int64_t scen_local_ms(const struct scen *S, int day, int site, int minute)
{
	return scen_day_ms(S, day) + ((int64_t)minute - scen_sites[site].tz_min) * MIN_MS;
}

bool scen_is_holiday(const struct scen *S, int day)
{
	char d[11];
	vg_date_format(scen_day_ms(S, day), d);
	for (int i = 0; i < NHOLIDAYS; i++)
		if (strcmp(holidays[i], d) == 0)
			return true;
	return false;
}

static int pick_share(struct rng *r, const double *share, int n)
{
	double u = rng_unit(r), acc = 0;
	for (int i = 0; i < n; i++) {
		acc += share[i];
		if (u < acc)
			return i;
	}
	return n - 1;
}

static int comp_min_level(int c)
{
	return c % 3 == 1 ? L_TOP_SECRET : L_SECRET;
}

static int clampi(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void *grow(void *p, size_t n, size_t size)
{
	void *q = realloc(p, n * size);
	if (!q) {
		fprintf(stderr, "vigil-scenario-gen: out of memory (%zu x %zu bytes)\n", n, size);
		exit(1);
	}
	return q;
}

static int add_host(struct scen *S, int site, enum host_type type, int num, int owner)
{
	static const char *const type_names[NHOSTTYPES] = {"ws", "hd", "srv", "xfer"};
	struct host *h;
	S->hosts = grow(S->hosts, (size_t)S->nhosts + 1, sizeof *S->hosts);
	h = &S->hosts[S->nhosts];
	memset(h, 0, sizeof *h);
	snprintf(h->name, sizeof h->name, "%s-%s-%0*d", scen_sites[site].name, type_names[type],
	         type == H_WS ? 4 : 2, num);
	h->site = site;
	h->type = type;
	h->owner = owner;
	rng_seed(&h->rng, S->seed, 0x10000000ULL + (uint64_t)S->nhosts);
	/* Servers, hot desks and transfer stations run all the time; about a
	 * fifth of the workstations are left on overnight. */
	h->always_on = type != H_WS || rng_chance(&h->rng, 0.2);
	h->next_pid = 2000 + rng_int(&h->rng, 30000);
	h->audit_serial = 1000 + (uint64_t)rng_int(&h->rng, 100000);
	h->next_session = rng_int(&h->rng, 50);
	return S->nhosts++;
}

static void build_projects(struct scen *S)
{
	static const double proj_dept[3] = {0.45, 0.25, 0.30};
	static const double proj_levels[3][3] = {{0.25, 0.45, 0.30}, {0.0, 0.7, 0.3}, {0.0, 0.5, 0.5}};
	struct rng r;
	rng_seed(&r, S->seed, 1);
	S->nprojects = S->npersons / 7 > 12 ? S->npersons / 7 : 12;
	S->projects = grow(NULL, (size_t)S->nprojects, sizeof *S->projects);
	for (int j = 0; j < S->nprojects; j++) {
		struct project *pj = &S->projects[j];
		int d = pick_share(&r, proj_dept, 3);
		pj->dept = d == 0 ? D_ENG : d == 1 ? D_RESEARCH : D_ANALYSIS;
		pj->level = L_CONFIDENTIAL + pick_share(&r, proj_levels[d], 3);
		pj->comp = -1;
		if (pj->level >= L_SECRET && rng_chance(&r, 0.45)) {
			int c;
			do
				c = rng_int(&r, S->ncomps);
			while (comp_min_level(c) > pj->level);
			pj->comp = c;
		}
		if (j < NWORDS)
			snprintf(pj->name, sizeof pj->name, "%s", project_words[j]);
		else
			snprintf(pj->name, sizeof pj->name, "%s-%d", project_words[j % NWORDS], j / NWORDS + 1);
		if (pj->comp >= 0) {
			char lc[16];
			size_t k;
			for (k = 0; comp_names[pj->comp][k] && k + 1 < sizeof lc; k++)
				lc[k] = (char)tolower((unsigned char)comp_names[pj->comp][k]);
			lc[k] = '\0';
			snprintf(pj->path, sizeof pj->path, "/srv/comp/%s/%s/", lc, pj->name);
		} else {
			snprintf(pj->path, sizeof pj->path, "/srv/proj/%s/", pj->name);
		}
		pj->nfiles = clampi((int)(300 * rng_lognormal(&r, 0.7)), 60, 4000);
	}
}

static void make_account(struct scen *S, int i, const char *first, const char *last)
{
	struct person *p = &S->persons[i];
	char base[16];
	size_t k = 0;
	base[k++] = (char)tolower((unsigned char)first[0]);
	for (const char *c = last; *c && k + 1 < sizeof base; c++)
		base[k++] = (char)tolower((unsigned char)*c);
	base[k] = '\0';
	snprintf(p->account, sizeof p->account, "%s", base);
	for (int n = 2;; n++) {
		bool taken = false;
		for (int j = 0; j < i && !taken; j++)
			taken = strcmp(S->persons[j].account, p->account) == 0;
		if (!taken)
			break;
		snprintf(p->account, sizeof p->account, "%s%d", base, n);
	}
}

static bool project_fits(const struct scen *S, const struct person *p, int j, bool any_dept,
                         bool allow_comp)
{
	const struct project *pj = &S->projects[j];
	if (!any_dept && pj->dept != p->dept)
		return false;
	if (pj->level > p->level)
		return false;
	if (pj->comp >= 0 && (!allow_comp || p->interim || comp_min_level(pj->comp) > p->level))
		return false;
	for (int k = 0; k < p->nproj; k++)
		if (p->projects[k] == j)
			return false;
	return true;
}

static void choose_projects(struct scen *S, struct person *p, struct rng *r)
{
	int want;
	bool any_dept = false, allow_comp = true;
	switch (p->dept) {
	case D_ENG:
	case D_RESEARCH:
	case D_ANALYSIS:
		want = rng_range(r, 1, 4);
		break;
	case D_MGMT:
		want = rng_range(r, 1, 2);
		any_dept = true;
		break;
	default:
		want = rng_int(r, 2);
		any_dept = true;
		allow_comp = false;
		break;
	}
	for (int tries = 0; p->nproj < want && tries < 400; tries++) {
		int j = rng_int(r, S->nprojects);
		if (!project_fits(S, p, j, any_dept, allow_comp))
			continue;
		p->projects[p->nproj++] = j;
		if (S->projects[j].comp >= 0)
			p->read_on |= 1u << S->projects[j].comp;
	}
	/* Read on to a compartment they do not work in at the moment. */
	if (!p->interim && p->level >= L_SECRET && rng_chance(r, 0.15)) {
		int c = rng_int(r, S->ncomps);
		if (comp_min_level(c) <= p->level)
			p->read_on |= 1u << c;
	}
}

static void plan_leave(struct scen *S, struct person *p, struct rng *r)
{
	p->leave_from[0] = p->leave_from[1] = -1;
	p->leave_to[0] = p->leave_to[1] = -2;
	int blocks = rng_chance(r, 0.45) ? (rng_chance(r, 0.2) ? 2 : 1) : 0;
	for (int b = 0; b < blocks; b++) {
		/* up to two weeks, weekends included */
		int len = rng_range(r, 3, 14);
		int from = rng_int(r, S->ndays - len > 1 ? S->ndays - len : 1);
		if (b == 1 && from <= p->leave_to[0] + 7 && from + len >= p->leave_from[0] - 7)
			break;             /* no overlapping or adjoining leave */
		p->leave_from[b] = from;
		p->leave_to[b] = from + len - 1;
	}
}

static void build_person(struct scen *S, int i, int *ws_num)
{
	struct person *p = &S->persons[i];
	struct rng *r = &p->rng;
	memset(p, 0, sizeof *p);
	rng_seed(r, S->seed, 0x20000000ULL + (uint64_t)i);
	snprintf(p->id, sizeof p->id, "p%04d", i + 1);
	const char *first = first_names[rng_int(r, NFIRST)], *last = last_names[rng_int(r, NLAST)];
	snprintf(p->name, sizeof p->name, "%s %s", first, last);
	make_account(S, i, first, last);
	p->uid = 10001 + i;
	p->dept = (enum dept)pick_share(r, dept_share, NDEPTS);
	p->site = pick_share(r, site_share, NSITES);
	p->level = L_CONFIDENTIAL + pick_share(r, dept_levels[p->dept], 3);
	p->interim = p->level == L_SECRET && p->dept != D_OPS && p->dept != D_MGMT && rng_chance(r, 0.04);
	p->debrief_comp = -1;
	choose_projects(S, p, r);
	p->srv_access = p->level >= L_SECRET &&
	                (p->dept == D_OPS || ((p->dept == D_ENG || p->dept == D_RESEARCH ||
	                                       p->dept == D_ANALYSIS) && rng_chance(r, 0.55)));
	p->xfer_access = p->level >= L_SECRET && rng_chance(r, p->dept == D_OPS ? 0.5 : 0.12);
	p->sudo = p->dept == D_OPS || (p->dept == D_ENG && rng_chance(r, 0.25));
	p->granted_days_before = rng_range(r, 200, 4000);
	p->review_days_after = rng_chance(r, 0.01) ? -rng_range(r, 1, 60) : rng_range(r, 120, 2000);

	/* Working hours: most start around 08:30, some early, some late. */
	double u = rng_unit(r);
	double start = u < 0.1 ? 375 + 20 * rng_normal(r) : u < 0.2 ? 615 + 25 * rng_normal(r)
	                                                             : 510 + 35 * rng_normal(r);
	p->start_min = clampi((int)start, 330, 690);
	p->len_min = clampi((int)(480 + 30 * rng_normal(r)) + (p->dept == D_MGMT ? 45 : 0), 400, 600);
	p->reads = dept_reads[p->dept] * rng_lognormal(r, 0.6) * (rng_chance(r, 0.04) ? 5 : 1);
	if (p->reads < 3)
		p->reads = 3;
	p->weekend_p = rng_chance(r, 0.1) ? 0.12 : 0.03;
	plan_leave(S, p, r);
	p->trip_until = -1;
	p->first_day = S->ndays >= 28 && rng_chance(r, 0.02) ? rng_range(r, 7, S->ndays - 14) : 0;
	p->last_day = S->ndays;
	p->schedule = -1;
	p->ws = add_host(S, p->site, H_WS, ++ws_num[p->site], i);
}

/* A few people work nights, consistently; analysts and operators. */
static void assign_night_shift(struct scen *S)
{
	int want = S->npersons / 100 > 2 ? S->npersons / 100 : 2;
	for (int i = 0; i < S->npersons && want > 0; i++) {
		struct person *p = &S->persons[i];
		if ((p->dept != D_ANALYSIS && p->dept != D_OPS) || p->first_day)
			continue;
		p->night = true;
		S->hosts[p->ws].always_on = true;
		p->start_min = 22 * 60 + rng_range(&p->rng, -20, 20);
		p->len_min = 480;
		want--;
	}
}

static void assign_schedules(struct scen *S)
{
	for (int i = 0; i < S->npersons; i++) {
		struct person *p = &S->persons[i];
		bool cet = scen_sites[p->site].tz_min == 60;
		if (p->night)
			p->schedule = cet ? SCH_NIGHT_CET : SCH_NIGHT_EST;
		else if (p->dept != D_OPS && rng_chance(&p->rng, 0.65))
			p->schedule = cet ? SCH_OFFICE_CET : SCH_OFFICE_EST;
	}
}

static double median(double *v, int n)
{
	for (int i = 1; i < n; i++)            /* insertion sort: n is small */
		for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			double t = v[j];
			v[j] = v[j - 1];
			v[j - 1] = t;
		}
	return n ? (n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2) : 0;
}

double scen_peer_reads(const struct scen *S, const struct person *p)
{
	return S->dept_reads[p->dept];
}

int scen_org_build(struct scen *S)
{
	int ws_num[NSITES] = {0};
	S->ncomps = clampi(S->npersons / 40, 4, MAXCOMP);
	build_projects(S);
	S->persons = grow(NULL, (size_t)S->npersons, sizeof *S->persons);
	for (int i = 0; i < S->npersons; i++)
		build_person(S, i, ws_num);
	assign_night_shift(S);
	assign_schedules(S);
	for (int s = 0; s < NSITES; s++) {
		int here = ws_num[s];
		S->hd_first[s] = S->nhosts;
		S->hd_count[s] = 2 + here / 60;
		for (int k = 1; k <= S->hd_count[s]; k++)
			add_host(S, s, H_HOTDESK, k, -1);
		S->srv_first[s] = S->nhosts;
		S->srv_count[s] = here / 40 > 2 ? here / 40 : 2;
		for (int k = 1; k <= S->srv_count[s]; k++)
			add_host(S, s, H_SRV, k, -1);
		S->xfer[s] = add_host(S, s, H_XFER, 1, -1);
	}
	for (int d = 0; d < NDEPTS; d++) {
		double *v = grow(NULL, (size_t)S->npersons + 1, sizeof *v);
		int n = 0;
		for (int i = 0; i < S->npersons; i++)
			if (S->persons[i].dept == (enum dept)d)
				v[n++] = S->persons[i].reads;
		S->dept_reads[d] = n ? median(v, n) : dept_reads[d];
		free(v);
	}
	return 0;
}

void scen_project_file_k(const struct project *pj, int k, char *out, size_t n)
{
	static const char *const areas[] = {"docs", "data", "reviews", "src", "minutes", "reports"};
	static const char *const stems[] = {"design", "notes", "results", "plan", "summary", "draft",
	                                    "model", "review", "brief", "analysis", "spec", "log"};
	static const char *const exts[] = {"odt", "pdf", "txt", "csv", "xlsx", "md", "c", "py"};
	snprintf(out, n, "%s%s/%s-%d.%s", pj->path, areas[k % 6], stems[(k / 6) % 12], k,
	         exts[(k / 72 + k) % 8]);
}

void scen_project_file(struct rng *r, const struct project *pj, char *out, size_t n)
{
	/* Files are popular unevenly: a few are read all the time. */
	scen_project_file_k(pj, (int)(pj->nfiles * rng_unit(r) * rng_unit(r)), out, n);
}

/* ---- insiders ------------------------------------------------------------ */

static bool has_comp_project(const struct scen *S, const struct person *p)
{
	for (int k = 0; k < p->nproj; k++)
		if (S->projects[p->projects[k]].comp >= 0)
			return true;
	return false;
}

/* A compartment project the person may see by level but is not read on to. */
static int foreign_comp_project(const struct scen *S, const struct person *p)
{
	for (int k = 0; k < S->nprojects; k++) {
		int j = (k + p->uid * 7) % S->nprojects;
		const struct project *pj = &S->projects[j];
		if (pj->comp >= 0 && !(p->read_on & (1u << pj->comp)) && pj->level <= p->level &&
		    comp_min_level(pj->comp) <= p->level)
			return j;
	}
	return -1;
}

static bool eligible(const struct scen *S, const struct person *p, enum scenario sc)
{
	if (p->scenario != SC_NONE || p->night || p->first_day || p->victim)
		return false;
	switch (sc) {
	case SC_NIGHT_MASS_READ:
	case SC_DEBRIEFED:
		return !p->interim && has_comp_project(S, p);
	case SC_NEED_TO_KNOW:
		return !p->interim && p->level >= L_SECRET && foreign_comp_project(S, p) >= 0;
	case SC_DEPARTING_MEDIA:
		return p->nproj > 0;
	case SC_SU_OTHER:
		return p->dept == D_OPS && p->srv_access && p->sudo;
	case SC_DORMANT_WAKE:
		return S->ndays >= 38;
	default:
		return true;
	}
}

/* A colleague at the same site whose account an administrator abuses. */
static int pick_victim(struct scen *S, const struct person *admin)
{
	for (int tries = 0; tries < 10000; tries++) {
		int v = rng_int(&S->rng, S->npersons);
		struct person *p = &S->persons[v];
		if (p->site == admin->site && p->scenario == SC_NONE && !p->victim && p->nproj > 0 &&
		    !p->night && !p->first_day) {
			p->victim = true;
			return v;
		}
	}
	return -1;
}

int scen_org_pick_insiders(struct scen *S)
{
	int per = clampi((S->npersons + 50) / 100, 2, 4);
	for (int sc = 1; sc < SC_COUNT; sc++) {
		int got = 0;
		for (int tries = 0; got < per && tries < 20 * S->npersons; tries++) {
			int i = rng_int(&S->rng, S->npersons);
			struct person *p = &S->persons[i];
			if (!eligible(S, p, (enum scenario)sc))
				continue;
			if (sc == SC_SU_OTHER && (p->sc_other = pick_victim(S, p)) < 0)
				continue;
			p->scenario = (enum scenario)sc;
			/* After the three-week learning period, leaving a week. */
			p->sc_start = 21 + rng_int(&S->rng, S->ndays - 28 > 1 ? S->ndays - 28 : 1);
			switch (sc) {
			case SC_NEED_TO_KNOW:
				p->sc_other = foreign_comp_project(S, p);
				break;
			case SC_DEBRIEFED:
				for (int k = 0; k < p->nproj; k++)
					if (S->projects[p->projects[k]].comp >= 0)
						p->debrief_comp = S->projects[p->projects[k]].comp;
				p->debrief_day = p->sc_start;
				break;
			case SC_SUSPENDED:
				p->suspended = true;
				break;
			case SC_DORMANT_WAKE:
				/* Works the first days, then nothing for over 30 days. */
				p->last_day = rng_range(&S->rng, 1, 3);
				p->sc_start = p->last_day + 32 + rng_int(&S->rng, S->ndays - p->last_day - 33);
				break;
			case SC_TWO_SITES:
				p->sc_other = (p->site + 1 + rng_int(&S->rng, NSITES - 1)) % NSITES;
				break;
			default:
				break;
			}
			got++;
		}
		if (got < per)
			fprintf(stderr, "vigil-scenario-gen: only %d of %d insiders for %s (%s)\n", got, per,
			        scen_scenario_names[sc],
			        sc == SC_DORMANT_WAKE && S->ndays < 38 ? "needs at least 6 weeks" :
			                                                 "too few eligible persons");
	}
	return 0;
}

/* ---- policy.cfg ---------------------------------------------------------- */

static void date_of(const struct scen *S, int day, char out[11])
{
	vg_date_format(scen_day_ms(S, day), out);
}

static void write_person(FILE *f, const struct scen *S, const struct person *p, bool last)
{
	char granted[11], review[11], d1[11], d2[11];
	date_of(S, -p->granted_days_before, granted);
	date_of(S, p->review_days_after, review);
	fprintf(f, "  { id = \"%s\"; name = \"%s\"; accounts = [\"%s\"]; groups = [\"%s\"];\n", p->id,
	        p->name, p->account, scen_dept_names[p->dept]);
	const char *status = p->suspended ? "suspended" : p->interim ? "interim" : "active";
	fprintf(f, "    clearance = { level = \"%s\"; status = \"%s\"; granted = \"%s\";",
	        scen_level_names[p->level], status, granted);
	if (!p->interim)
		fprintf(f, " nda_signed = \"%s\";", granted);
	else {
		date_of(S, S->ndays + 90, d1);
		fprintf(f, " interim_expires = \"%s\";", d1);
	}
	fprintf(f, " review_due = \"%s\"; };\n", review);
	uint32_t comps = p->read_on;
	if (p->debrief_comp >= 0)
		comps |= 1u << p->debrief_comp;
	if (comps) {
		const char *sep = "";
		fprintf(f, "    compartments = (");
		for (int c = 0; c < S->ncomps; c++) {
			if (!(comps & (1u << c)))
				continue;
			/* read on after the clearance, at least a month before the period */
			date_of(S, -p->granted_days_before + 30 + (c * 37) % (p->granted_days_before - 60), d1);
			fprintf(f, "%s { name = \"%s\"; read_on = \"%s\";", sep, comp_names[c], d1);
			if (c == p->debrief_comp) {
				date_of(S, p->debrief_day, d2);
				fprintf(f, " debriefed = \"%s\";", d2);
			}
			fprintf(f, " }");
			sep = ",";
		}
		fprintf(f, " );\n");
	}
	fprintf(f, "    hosts = [\"*-ws-*\", \"*-hd-*\"%s%s];", p->srv_access ? ", \"*-srv-*\"" : "",
	        p->xfer_access ? ", \"*-xfer-*\"" : "");
	if (p->schedule >= 0)
		fprintf(f, " schedule = \"%s\";", sched_names[p->schedule]);
	if (p->dept == D_OPS)
		fprintf(f, " privileges = [\"sudo\", \"su:root\"];");
	else if (p->sudo)
		fprintf(f, " privileges = [\"sudo\"];");
	fprintf(f, " }%s\n", last ? "" : ",");
}

static void write_holidays(FILE *f, const struct scen *S)
{
	const char *sep = "";
	fprintf(f, " holidays = [");
	for (int d = 0; d < S->ndays; d++) {
		char day[11];
		if (!scen_is_holiday(S, d))
			continue;
		date_of(S, d, day);
		fprintf(f, "%s\"%s\"", sep, day);
		sep = ", ";
	}
	fprintf(f, "];");
}

int scen_org_write_policy(const struct scen *S, const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "vigil-scenario-gen: %s: %s\n", path, strerror(errno));
		return -1;
	}
	fprintf(f, "# A synthetic organisation written by vigil-scenario-gen (seed %llu, %d persons,\n"
	           "# %d weeks). tests/scenarios/ explains it.\n"
	           "policy = { id = \"scenario-%llu\"; serial = 1; };\n\n",
	        (unsigned long long)S->seed, S->npersons, S->weeks, (unsigned long long)S->seed);
	fprintf(f, "levels = (\n");
	for (int l = 0; l < NLEVELS; l++)
		fprintf(f, "  { name = \"%s\"; rank = %d; }%s\n", scen_level_names[l], l * 10,
		        l + 1 < NLEVELS ? "," : "");
	fprintf(f, ");\n\ncompartments = (\n");
	for (int c = 0; c < S->ncomps; c++)
		fprintf(f, "  { name = \"%s\"; min_level = \"%s\"; }%s\n", comp_names[c],
		        scen_level_names[comp_min_level(c)], c + 1 < S->ncomps ? "," : "");
	fprintf(f, ");\n\nschedules = (\n");
	for (int s = 0; s < NSCHED; s++) {
		bool night = s >= SCH_NIGHT_CET, cet = s == SCH_OFFICE_CET || s == SCH_NIGHT_CET;
		fprintf(f, "  { name = \"%s\"; days = [%s]; start = \"%s\"; end = \"%s\"; tz = \"%s\";",
		        sched_names[s],
		        night ? "\"sun\", \"mon\", \"tue\", \"wed\", \"thu\"" :
		                "\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"",
		        night ? "21:00" : "06:00", night ? "07:00" : "20:00", cet ? "+01:00" : "-05:00");
		if (!night)
			write_holidays(f, S);
		fprintf(f, " }%s\n", s + 1 < NSCHED ? "," : "");
	}
	fprintf(f, ");\n\nhosts = (\n");
	for (int s = 0; s < NSITES; s++) {
		const char *n = scen_sites[s].name;
		fprintf(f, "  { name = \"%s-ws-*\"; level = \"CONFIDENTIAL\"; site = \"%s\"; removable_media = false; },\n"
		           "  { name = \"%s-hd-*\"; level = \"CONFIDENTIAL\"; site = \"%s\"; removable_media = false; },\n"
		           "  { name = \"%s-srv-*\"; level = \"SECRET\"; site = \"%s\"; removable_media = false; },\n"
		           "  { name = \"%s-xfer-*\"; level = \"SECRET\"; site = \"%s\"; removable_media = true; }%s\n",
		        n, n, n, n, n, n, n, n, s + 1 < NSITES ? "," : "");
	}
	fprintf(f, ");\n\npersons = (\n");
	for (int i = 0; i < S->npersons; i++)
		write_person(f, S, &S->persons[i], i + 1 == S->npersons);
	fprintf(f, ");\n\nresources = (\n"
	           "  { id = \"shared\"; path = \"/srv/shared/\"; level = \"UNCLASSIFIED\"; },\n"
	           "  { id = \"policies\"; path = \"/srv/policies/\"; level = \"CONFIDENTIAL\"; },\n");
	for (int j = 0; j < S->nprojects; j++) {
		const struct project *pj = &S->projects[j];
		fprintf(f, "  { id = \"proj-%s\"; path = \"%s\"; level = \"%s\";", pj->name, pj->path,
		        scen_level_names[pj->level]);
		if (pj->comp >= 0)
			fprintf(f, " compartments = [\"%s\"];", comp_names[pj->comp]);
		fprintf(f, " }%s\n", j + 1 < S->nprojects ? "," : "");
	}
	fprintf(f, ");\n");
	if (S->reorder)
		fprintf(f, "\nthresholds = { reorder = { window = \"%s\"; }; };\n", S->reorder);
	if (ferror(f) | fclose(f)) {
		fprintf(stderr, "vigil-scenario-gen: %s: write failed\n", path);
		return -1;
	}
	return 0;
}

void scen_org_free(struct scen *S)
{
	for (int h = 0; h < S->nhosts; h++)
		free(S->hosts[h].spans);
	free(S->hosts);
	free(S->projects);
	free(S->persons);
}
