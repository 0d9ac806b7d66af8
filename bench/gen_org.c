/*
 * gen_org: deterministic synthetic organisation for vigil benchmarks.
 *
 *   gen_org OUTDIR [PERSONS [RESOURCES [EVENTS]]]
 *
 * Writes into OUTDIR:
 *   policy.cfg     a policy in the core format (levels, compartments,
 *                  schedules, PERSONS persons, RESOURCES resources, hosts)
 *   events.ndjson  EVENTS schema v1 events (one object per line) in event
 *                  time order, with a per-host seq starting at 1
 *   hosts.txt      the agent hosts that appear in events.ndjson, one a line
 *
 * Defaults: 10000 persons, 100000 resources, 400000 events. The output is a
 * pure function of the arguments (fixed seed, no clock), so runs compare.
 *
 * Most events are what a vetted person does every day: reads and writes
 * inside the projects they are read on to, on their own workstation, in
 * office hours. About 3% are deliberate violations, spread over the policy
 * classes (clearance, need-to-know, vetting, unknown account, host,
 * schedule, privilege), so the collector's decision and anomaly paths are
 * exercised at a realistic rate.
 */
#include "vg_time.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SEED 0x5eed0f0c1a55ULL
#define NWS 32                 /* workstations ws-0001.. */
#define NLAB 4                 /* lab hosts lab-0001.. (TOP SECRET) */
#define NHOSTS (NWS + NLAB)
#define AREAS 10               /* resources per project: /srv/proj/NNNN/areaK/ */
#define MAXPROJ 8              /* projects a person works on */
#define MAXCOMP 6              /* compartments a person is read on to */
#define VIOLATION_PERMILLE 30  /* ~3% of events */

enum { L_U, L_C, L_S, L_TS, NLEVELS };
static const char *const level_names[NLEVELS] = {"UNCLASSIFIED", "CONFIDENTIAL", "SECRET",
                                                 "TOP SECRET"};
static const int level_rank[NLEVELS] = {0, 10, 20, 30};

static const char *const comp_names[] = {
	"FALCON", "HAWK", "KESTREL", "OSPREY", "HARRIER", "MERLIN", "CONDOR", "EAGLE", "RAVEN",
	"HERON", "IBIS", "PLOVER", "EGRET", "CRANE", "SWIFT", "TERN", "PETREL", "GANNET",
	"CORMORANT", "BITTERN", "CURLEW", "DUNLIN", "GODWIT", "LAPWING", "SANDERLING", "KNOT",
	"TURNSTONE", "REDSHANK", "GREENSHANK", "WHIMBREL", "AVOCET", "STILT", "JACANA",
	"SKUA", "FULMAR", "SHEARWATER",
};
#define NCOMP ((int)(sizeof comp_names / sizeof comp_names[0]))

enum { SCH_OFFICE, SCH_EXTENDED, SCH_EARLY, SCH_NONE };
enum { ST_ACTIVE, ST_INTERIM, ST_PENDING, ST_SUSPENDED, ST_REVOKED, ST_EXPIRED };
static const char *const status_names[] = {"active", "interim", "pending", "suspended", "revoked",
                                           "expired"};

static const char *const first_names[] = {
	"Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas",
	"Kira", "Liam", "Maya", "Nils", "Olga", "Pavel", "Quinn", "Rosa", "Sven", "Tara",
	"Umar", "Vera", "Wes", "Xenia", "Yusuf", "Zoe",
};
static const char *const last_names[] = {
	"Smith", "Novak", "Garcia", "Okafor", "Lindqvist", "Moreau", "Tanaka", "Kowalski",
	"Haddad", "Brennan", "Silva", "Petrov", "Nguyen", "Fischer", "Rossi", "Jensen",
	"Mbeki", "Olsen", "Duarte", "Keller",
};
static const char *const groups[] = {"eng", "ops", "analysis", "admin", "research", "legal"};

struct person {
	int level, status, sched;
	bool sudo, lab;            /* has sudo; may use lab-* hosts */
	uint64_t comps;            /* read on (bit per compartment) */
	int debriefed;             /* compartment debriefed from, or -1 */
	int proj[MAXPROJ], nproj;
	int ws;                    /* home workstation */
};

struct project {
	int level, comp;           /* comp -1 when none */
};

/* splitmix64: small, fast, and the same on every platform. */
static uint64_t rng_state = SEED;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
static int rn(int n) { return (int)(rnd() % (uint64_t)n); }
static bool chance(int permille) { return rn(1000) < permille; }

static int comp_min_level(int c) { return c % 3 == 0 ? L_TS : c % 3 == 1 ? L_S : L_C; }

static void die(const char *what)
{
	fprintf(stderr, "gen_org: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long parse_count(const char *s, const char *what, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < min || v > max) {
		fprintf(stderr, "gen_org: %s must be an integer in [%ld, %ld], got \"%s\"\n", what, min,
		        max, s);
		exit(2);
	}
	return v;
}

static void date_str(int y, int m, int d, char out[11])
{
	vg_date_format(vg_days_from_civil(y, (unsigned)m, (unsigned)d) * VG_MS_PER_DAY, out);
}

/* A random date in [y0-01-01, y1-12-28]. */
static void rand_date(int y0, int y1, char out[11])
{
	date_str(y0 + rn(y1 - y0 + 1), 1 + rn(12), 1 + rn(28), out);
}

static struct project *projects;
static int nprojects;
static struct person *persons;
static int npersons;

static void build_projects(long nres)
{
	nprojects = (int)((nres + AREAS - 1) / AREAS);
	projects = calloc((size_t)nprojects, sizeof *projects);
	if (!projects)
		die("calloc");
	for (int j = 0; j < nprojects; j++) {
		int r = rn(100);
		struct project *pj = &projects[j];
		pj->level = r < 5 ? L_U : r < 30 ? L_C : r < 80 ? L_S : L_TS;
		pj->comp = -1;
		if (pj->level >= L_S && chance(300)) {
			int c;
			do
				c = rn(NCOMP);
			while (comp_min_level(c) > pj->level);
			pj->comp = c;
		}
	}
}

static int popcount64(uint64_t v) { return __builtin_popcountll(v); }

static void build_persons(void)
{
	persons = calloc((size_t)npersons, sizeof *persons);
	if (!persons)
		die("calloc");
	for (int i = 0; i < npersons; i++) {
		struct person *p = &persons[i];
		int r = rn(100);
		p->level = r < 3 ? L_U : r < 25 ? L_C : r < 75 ? L_S : L_TS;
		r = rn(1000);
		p->status = r < 960 ? ST_ACTIVE : r < 975 ? ST_INTERIM : r < 980 ? ST_PENDING :
		            r < 990 ? ST_SUSPENDED : r < 993 ? ST_REVOKED : ST_EXPIRED;
		r = rn(100);
		p->sched = r < 70 ? SCH_OFFICE : r < 85 ? SCH_EXTENDED : r < 90 ? SCH_EARLY : SCH_NONE;
		p->sudo = chance(100);
		p->lab = p->level == L_TS && chance(600);
		p->ws = i % NWS;
		p->debriefed = -1;
		/* Projects at or below the person's level; read on to their
		 * compartment, up to MAXCOMP compartments. */
		int want = 3 + rn(MAXPROJ - 2);
		for (int tries = 0; p->nproj < want && tries < 200; tries++) {
			int j = rn(nprojects);
			const struct project *pj = &projects[j];
			if (pj->level > p->level)
				continue;
			if (pj->comp >= 0 && !(p->comps & (1ULL << pj->comp))) {
				if (popcount64(p->comps) >= MAXCOMP || p->status == ST_INTERIM)
					continue;
				p->comps |= 1ULL << pj->comp;
			}
			p->proj[p->nproj++] = j;
		}
		if (p->level >= L_S && chance(20)) {
			int c = rn(NCOMP);
			if (!(p->comps & (1ULL << c)) && comp_min_level(c) <= p->level)
				p->debriefed = c;
		}
	}
}

static void write_policy(FILE *f, long nres)
{
	char d1[11], d2[11];

	fprintf(f, "# Synthetic organisation generated by bench/gen_org (deterministic).\n"
	           "policy = { id = \"bench-org\"; serial = 1; };\n\nlevels = (\n");
	for (int l = 0; l < NLEVELS; l++)
		fprintf(f, "  { name = \"%s\"; rank = %d; }%s\n", level_names[l], level_rank[l],
		        l + 1 < NLEVELS ? "," : "");
	fprintf(f, ");\n\ncompartments = (\n");
	for (int c = 0; c < NCOMP; c++)
		fprintf(f, "  { name = \"%s\"; min_level = \"%s\"; }%s\n", comp_names[c],
		        level_names[comp_min_level(c)], c + 1 < NCOMP ? "," : "");
	fprintf(f, ");\n\nschedules = (\n"
	           "  { name = \"office\"; days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"];"
	           " start = \"07:00\"; end = \"19:00\"; tz = \"UTC\"; },\n"
	           "  { name = \"extended\"; days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"];"
	           " start = \"06:00\"; end = \"22:00\"; tz = \"UTC\"; },\n"
	           "  { name = \"early\"; days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"];"
	           " start = \"05:00\"; end = \"13:00\"; tz = \"UTC\"; }\n);\n\npersons = (\n");
	static const char *const sched_names[] = {"office", "extended", "early"};
	for (int i = 0; i < npersons; i++) {
		const struct person *p = &persons[i];
		/* Granted before the review falls due, also for expired clearances. */
		int gy = p->status == ST_EXPIRED ? 2015 + rn(6) : 2015 + rn(10);
		date_str(gy, 1 + rn(12), 1 + rn(28), d1);
		if (p->status == ST_EXPIRED)
			rand_date(2024, 2025, d2);
		else
			rand_date(2027, 2031, d2);
		fprintf(f, "  { id = \"p%05d\"; name = \"%s %s\"; accounts = [\"u%05d\"]; groups = [\"%s\"];\n"
		           "    clearance = { level = \"%s\"; status = \"%s\"; granted = \"%s\"; nda_signed = \"%s\"; review_due = \"%s\"; };\n",
		        i + 1, first_names[rn((int)(sizeof first_names / sizeof *first_names))],
		        last_names[rn((int)(sizeof last_names / sizeof *last_names))], i + 1,
		        groups[i % (int)(sizeof groups / sizeof *groups)], level_names[p->level],
		        status_names[p->status], d1, d1, d2);
		if (p->comps || p->debriefed >= 0) {
			fprintf(f, "    compartments = (");
			int first = 1;
			for (int c = 0; c < NCOMP; c++) {
				if (!(p->comps & (1ULL << c)))
					continue;
				rand_date(2020, 2025, d1);
				fprintf(f, "%s{ name = \"%s\"; read_on = \"%s\"; }", first ? " " : ", ",
				        comp_names[c], d1);
				first = 0;
			}
			if (p->debriefed >= 0) {
				rand_date(2019, 2020, d1);
				rand_date(2022, 2024, d2);
				fprintf(f, "%s{ name = \"%s\"; read_on = \"%s\"; debriefed = \"%s\"; }",
				        first ? " " : ", ", comp_names[p->debriefed], d1, d2);
			}
			fprintf(f, " );\n");
		}
		fprintf(f, "    hosts = [\"ws-*\"%s];", p->lab ? ", \"lab-*\"" : "");
		if (p->sched != SCH_NONE)
			fprintf(f, " schedule = \"%s\";", sched_names[p->sched]);
		if (p->sudo)
			fprintf(f, " privileges = [\"sudo\"];");
		fprintf(f, " }%s\n", i + 1 < npersons ? "," : "");
	}
	fprintf(f, ");\n\nresources = (\n");
	/* Mostly project areas (path prefixes); about one in a thousand is a
	 * glob over a drop zone. */
	long nglob = nres / 1000 > 0 ? nres / 1000 : (nres > 1 ? 1 : 0);
	long nprefix = nres - nglob;
	for (long r = 0; r < nprefix; r++) {
		const struct project *pj = &projects[r / AREAS];
		int area = (int)(r % AREAS);
		int lvl = area < 8 ? pj->level : (pj->level > 0 ? pj->level - 1 : 0);
		if (pj->comp >= 0 && lvl < comp_min_level(pj->comp))
			lvl = comp_min_level(pj->comp);   /* a compartment sets a floor */
		fprintf(f, "  { id = \"r%06ld\"; path = \"/srv/proj/%04ld/area%d/\"; level = \"%s\";",
		        r + 1, r / AREAS, area, level_names[lvl]);
		if (pj->comp >= 0)
			fprintf(f, " compartments = [\"%s\"];", comp_names[pj->comp]);
		fprintf(f, " }%s\n", r + 1 < nres ? "," : "");
	}
	for (long g = 0; g < nglob; g++) {
		long r = nprefix + g;
		fprintf(f, "  { id = \"r%06ld\"; path = \"/srv/drop/g%03ld/*/export-*.tar\"; level = \"%s\"; }%s\n",
		        r + 1, g, level_names[g % 2 ? L_C : L_S], r + 1 < nres ? "," : "");
	}
	fprintf(f, ");\n\nhosts = (\n"
	           "  { name = \"ws-*\"; level = \"CONFIDENTIAL\"; site = \"hq\"; removable_media = false; },\n"
	           "  { name = \"lab-*\"; level = \"TOP SECRET\"; site = \"lab\"; removable_media = false; },\n"
	           "  { name = \"kiosk-*\"; level = \"UNCLASSIFIED\"; site = \"hq\"; removable_media = true; }\n"
	           ");\n");
}

/* ---- events ------------------------------------------------------------- */

static int64_t host_seq[NHOSTS];
static int64_t now_ms;
static uint64_t audit_serial = 100000;

static void host_name(int h, char out[16])
{
	if (h < NWS)
		snprintf(out, 16, "ws-%04d", h + 1);
	else
		snprintf(out, 16, "lab-%04d", h - NWS + 1);
}

/* Advances the clock by a few hundred ms; outside 07:00-19:00 on weekdays it
 * jumps to the next weekday 07:00, so ordinary activity is office activity. */
static void tick(void)
{
	now_ms += 1 + rn(400);
	int64_t tod = now_ms % VG_MS_PER_DAY;
	int wd = vg_time_weekday(now_ms);
	if (wd >= 5 || tod >= 19 * 3600000LL) {
		int64_t day = now_ms / VG_MS_PER_DAY + 1;
		while (vg_time_weekday(day * VG_MS_PER_DAY) >= 5)
			day++;
		now_ms = day * VG_MS_PER_DAY + 7 * 3600000LL + rn(1000);
	} else if (tod < 7 * 3600000LL) {
		now_ms = now_ms - tod + 7 * 3600000LL;
	}
}

struct ev {
	int host;
	const char *kind, *op, *result, *service, *exe, *key, *tty, *ruser;
	char user[16], path[128], rhost[32];
	int uid;
};

static void emit(FILE *f, struct ev *e)
{
	char ts[VG_TIME_LEN], hn[16];
	vg_time_format(now_ms, ts);
	host_name(e->host, hn);
	fprintf(f, "{\"seq\":%" PRId64 ",\"time\":\"%s\",\"kind\":\"%s\",\"host\":\"%s\"",
	        ++host_seq[e->host], ts, e->kind, hn);
	if (e->user[0])
		fprintf(f, ",\"user\":\"%s\"", e->user);
	if (e->uid >= 0)
		fprintf(f, ",\"uid\":%d,\"auid\":%d", e->uid, e->uid);
	if (e->service)
		fprintf(f, ",\"service\":\"%s\"", e->service);
	if (e->rhost[0])
		fprintf(f, ",\"rhost\":\"%s\"", e->rhost);
	if (e->ruser)
		fprintf(f, ",\"ruser\":\"%s\"", e->ruser);
	if (e->tty)
		fprintf(f, ",\"tty\":\"%s\"", e->tty);
	if (e->path[0])
		fprintf(f, ",\"path\":\"%s\"", e->path);
	if (e->op)
		fprintf(f, ",\"op\":\"%s\"", e->op);
	if (e->result)
		fprintf(f, ",\"result\":\"%s\"", e->result);
	if (e->exe) {
		fprintf(f, ",\"exe\":\"%s\",\"pid\":%d", e->exe, 1000 + rn(60000));
		if (e->key)
			fprintf(f, ",\"key\":\"%s\"", e->key);
		fprintf(f, ",\"audit_id\":\"%" PRId64 ".%03d:%" PRIu64 "\"", now_ms / 1000,
		        (int)(now_ms % 1000), audit_serial++);
	}
	if (strcmp(e->kind, "agent") == 0)
		fprintf(f, ",\"detail\":{\"event\":\"heartbeat\",\"spool_depth\":%d}", rn(50));
	fputs("}\n", f);
}

static void ev_reset(struct ev *e, int person, int host)
{
	memset(e, 0, sizeof *e);
	e->host = host;
	e->uid = -1;
	if (person >= 0) {
		snprintf(e->user, sizeof e->user, "u%05d", person + 1);
		e->uid = 10000 + person + 1;
	}
}

static const char *const doc_exts[] = {"odt", "pdf", "txt", "csv", "c", "py", "xlsx", "png"};
static const char *const doc_stems[] = {"report", "notes", "design", "data", "summary", "draft",
                                        "minutes", "plan", "model", "review"};
static const char *const read_exes[] = {"/usr/bin/libreoffice", "/usr/bin/evince", "/usr/bin/less",
                                        "/usr/bin/python3", "/usr/bin/vim", "/usr/bin/cp"};
static const char *const run_exes[] = {"/usr/bin/ssh", "/usr/bin/make", "/usr/bin/gcc",
                                       "/usr/bin/git", "/usr/bin/rsync", "/usr/bin/tar"};

static void file_in_project(struct ev *e, int proj, bool write)
{
	int area = rn(100) < 85 ? rn(8) : 8 + rn(2);
	snprintf(e->path, sizeof e->path, "/srv/proj/%04d/area%d/%s-%d.%s", proj, area,
	         doc_stems[rn(10)], rn(200), doc_exts[rn(8)]);
	e->kind = "file_access";
	e->op = write ? "write" : "read";
	e->result = "success";
	e->exe = read_exes[rn(6)];
	e->key = "vigil-srv";
}

static void login_event(struct ev *e, int person, const char *kind)
{
	e->kind = kind;
	e->result = "success";
	if (chance(500)) {
		e->service = "sshd";
		snprintf(e->rhost, sizeof e->rhost, "10.%d.%d.%d", 1 + rn(20), rn(256), 1 + rn(254));
		e->tty = "ssh";
	} else {
		e->service = "gdm-password";
		e->tty = ":0";
	}
	(void)person;
}

static int pick_person(int status_ok(const struct person *))
{
	for (int tries = 0; tries < 10000; tries++) {
		int i = rn(npersons);
		if (status_ok(&persons[i]))
			return i;
	}
	return -1;
}

/* Who acts. UNCLASSIFIED persons have no workstation access (ws-* is
 * CONFIDENTIAL), so they never act; each violation kind picks people for
 * whom it is the only thing wrong. */
static bool usable(const struct person *p) { return p->level >= L_C && p->nproj > 0; }
static int ok_normal(const struct person *p) { return usable(p) && p->status == ST_ACTIVE; }
static int ok_lapsed(const struct person *p)
{
	return usable(p) &&
	       (p->status == ST_SUSPENDED || p->status == ST_REVOKED || p->status == ST_EXPIRED);
}
static int ok_below_ts(const struct person *p) { return ok_normal(p) && p->level < L_TS; }
static int ok_cleared(const struct person *p) { return ok_normal(p) && p->level >= L_S; }
static int ok_early(const struct person *p) { return ok_normal(p) && p->sched == SCH_EARLY; }
static int ok_nolab(const struct person *p) { return ok_normal(p) && !p->lab; }
static int ok_nosudo(const struct person *p) { return ok_normal(p) && !p->sudo; }

static int person_host(const struct person *p)
{
	return p->lab && chance(200) ? NWS + rn(NLAB) : p->ws;
}

/* One ordinary event by an active person. */
static void normal_event(struct ev *e)
{
	int i;
	const struct person *p;
	int64_t tod = now_ms % VG_MS_PER_DAY;
	do {
		if ((i = pick_person(ok_normal)) < 0) {
			ev_reset(e, -1, rn(NWS));   /* nobody can act: a heartbeat */
			e->kind = "agent";
			return;
		}
		p = &persons[i];
	} while (p->sched == SCH_EARLY && tod >= 13 * 3600000LL);
	ev_reset(e, i, person_host(p));
	int r = rn(1000);
	if (r < 700) {
		file_in_project(e, p->proj[rn(p->nproj)], false);
	} else if (r < 820) {
		file_in_project(e, p->proj[rn(p->nproj)], true);
	} else if (r < 830 && p->level >= L_S) {
		snprintf(e->path, sizeof e->path, "/srv/drop/g%03d/u%05d/export-%d.tar", 0, i + 1, rn(99));
		e->kind = "file_access";
		e->op = "write";
		e->result = "success";
		e->exe = "/usr/bin/tar";
		e->key = "vigil-srv";
	} else if (r < 890) {
		e->kind = "exec";
		e->exe = run_exes[rn(6)];
		snprintf(e->path, sizeof e->path, "%s", e->exe);
		e->op = "exec";
		e->result = "success";
		e->key = "vigil-exec";
	} else if (r < 930) {
		login_event(e, i, "session_open");
	} else if (r < 960) {
		login_event(e, i, "session_close");
	} else if (r < 990) {
		login_event(e, i, "auth_success");
	} else if (r < 995) {
		login_event(e, i, "auth_failure");
		e->result = "failure";
	} else if (p->sudo) {
		e->kind = "privilege";
		e->service = "sudo";
		e->ruser = "root";
		e->result = "success";
		e->tty = "pts/1";
		e->exe = "/usr/bin/sudo";
	} else {
		ev_reset(e, -1, e->host);
		e->kind = "agent";
	}
}

/* One deliberate violation; false when the chosen kind does not fit now. */
static bool violation_event(struct ev *e)
{
	int i = -1, j;
	const struct person *p;
	int64_t tod = now_ms % VG_MS_PER_DAY;

	switch (rn(7)) {
	case 0:   /* clearance_exceeded: a project above the person's level */
		if ((i = pick_person(ok_below_ts)) < 0)
			return false;
		p = &persons[i];
		for (int tries = 0; tries < 100000; tries++) {
			j = rn(nprojects);
			if (projects[j].level > p->level) {
				ev_reset(e, i, p->ws);
				file_in_project(e, j, false);
				return true;
			}
		}
		return false;
	case 1:   /* need_to_know: a compartment the person is not read on to */
		if ((i = pick_person(ok_cleared)) < 0)
			return false;
		p = &persons[i];
		for (int tries = 0; tries < 100000; tries++) {
			j = rn(nprojects);
			if (projects[j].comp >= 0 && projects[j].level <= p->level &&
			    !(p->comps & (1ULL << projects[j].comp))) {
				ev_reset(e, i, p->ws);
				file_in_project(e, j, false);
				return true;
			}
		}
		return false;
	case 2:   /* vetting_lapsed: activity while suspended, revoked or expired */
		if ((i = pick_person(ok_lapsed)) < 0)
			return false;
		p = &persons[i];
		ev_reset(e, i, p->ws);
		file_in_project(e, p->proj[rn(p->nproj)], false);
		return true;
	case 3:   /* unknown_account */
		ev_reset(e, -1, rn(NWS));
		snprintf(e->user, sizeof e->user, "x%05d", rn(99999));
		login_event(e, -1, "session_open");
		return true;
	case 4:   /* host_not_accredited: login on a lab host */
		if ((i = pick_person(ok_nolab)) < 0)
			return false;
		ev_reset(e, i, NWS + rn(NLAB));
		login_event(e, i, "session_open");
		return true;
	case 5:   /* outside_schedule: an early-shift person in the afternoon */
		if (tod < 13 * 3600000LL || (i = pick_person(ok_early)) < 0)
			return false;
		p = &persons[i];
		ev_reset(e, i, p->ws);
		file_in_project(e, p->proj[rn(p->nproj)], false);
		return true;
	default:  /* unauthorized_privilege */
		if ((i = pick_person(ok_nosudo)) < 0)
			return false;
		ev_reset(e, i, persons[i].ws);
		e->kind = "privilege";
		e->service = "sudo";
		e->ruser = "root";
		e->result = "success";
		e->tty = "pts/0";
		e->exe = "/usr/bin/sudo";
		return true;
	}
}

static FILE *open_out(const char *dir, const char *name, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		die(path);
	static char bufs[3][1 << 20];
	static int k;
	setvbuf(f, bufs[k++ % 3], _IOFBF, sizeof bufs[0]);
	return f;
}

static void close_out(FILE *f, const char *path)
{
	if (ferror(f) || fclose(f) != 0)
		die(path);
}

int main(int argc, char **argv)
{
	char path[4096];

	if (argc < 2 || argc > 5) {
		fprintf(stderr, "usage: gen_org OUTDIR [PERSONS=10000 [RESOURCES=100000 [EVENTS=400000]]]\n");
		return 2;
	}
	const char *dir = argv[1];
	npersons = argc > 2 ? (int)parse_count(argv[2], "PERSONS", 10, 99999) : 10000;
	long nres = argc > 3 ? parse_count(argv[3], "RESOURCES", 20, 9999000) : 100000;
	long nev = argc > 4 ? parse_count(argv[4], "EVENTS", 1, 100000000) : 400000;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		die(dir);

	build_projects(nres);
	build_persons();

	FILE *f = open_out(dir, "policy.cfg", path, sizeof path);
	write_policy(f, nres);
	close_out(f, path);

	/* Monday 2026-03-02 07:00 UTC. */
	now_ms = vg_days_from_civil(2026, 3, 2) * VG_MS_PER_DAY + 7 * 3600000LL;
	f = open_out(dir, "events.ndjson", path, sizeof path);
	long nviol = 0;
	struct ev e;
	for (long k = 0; k < nev; k++) {
		tick();
		if (chance(VIOLATION_PERMILLE) && violation_event(&e))
			nviol++;
		else
			normal_event(&e);
		emit(f, &e);
	}
	close_out(f, path);

	f = open_out(dir, "hosts.txt", path, sizeof path);
	for (int h = 0; h < NHOSTS; h++) {
		char hn[16];
		host_name(h, hn);
		if (host_seq[h])
			fprintf(f, "%s\n", hn);
	}
	close_out(f, path);

	char t0[VG_TIME_LEN];
	vg_time_format(now_ms, t0);
	printf("gen_org persons=%d resources=%ld events=%ld violations=%ld hosts=%d last_time=%s\n",
	       npersons, nres, nev, nviol, NHOSTS, t0);
	return 0;
}
