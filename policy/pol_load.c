/*
 * pol_load: reads a policy with libconfig, checks all of it, and compiles it.
 *
 * A policy weakens silently when a typo is ignored, so the loader is strict:
 * every key must be known, every name referenced must be defined, numbers are
 * range-checked (libconfig 1.5 wraps integers above 2^31) and dates are
 * "YYYY-MM-DD" strings. It never stops at the first problem: each error and
 * warning is collected as "file:line: message" so that `vigil-policy check`
 * shows an author everything at once.
 *
 * Sections are read in dependency order (policy, levels, compartments,
 * schedules, hosts, persons, resources), whatever their order in the file;
 * pol_diag_sort puts the messages back into source order. Counts are known
 * before anything is stored, so every array is carved once from the arena
 * and the libconfig tree is destroyed as soon as compiling is done.
 *
 * @include paths are resolved against the directory of the policy file
 * (libconfig's include directory), so a policy can be split into files that
 * sit next to it wherever the collector runs from.
 */
#include "pol_internal.h"
#include "vg_time.h"

#include <errno.h>
#include <libconfig.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

const char *const pol_status_names[POL_ST_COUNT] = {
	"pending", "interim", "active", "suspended", "revoked", "denied", "expired", "debriefed",
};

const char *const pol_priv_names[POL_PRIV_COUNT] = {"su", "sudo"};

static const char *const day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

#define MAX_FILES 64

/* Loader state: the policy being built and where problems are reported. */
struct ld {
	struct pol_policy *p;
	struct pol_diag *diag;
	const char *path;                 /* the policy file as given */
	char *incdir;                     /* its directory, or NULL for "." */
	int64_t now;
	const char *files[MAX_FILES];     /* @include files seen, for file_index */
	unsigned nfiles;
	bool oom;
	size_t errors;                    /* counted here too: diag may be NULL */
	/* Where each definition came from, for "first defined at" notes. */
	const config_setting_t **level_src, **comp_src, **sched_src, **host_src;
	const config_setting_t **person_src, **res_src;
	/* Pools the persons and resources point into, and their fill levels. */
	const char **strs;
	struct pol_pattern *pats;
	struct pol_grant *grants;
	uint16_t *rcomps;
	size_t nstrs, npats, ngrants, nrcomps;
};

/* ---- Reporting ---------------------------------------------------------- */

/* The file name to print for s and its index for sorting. Included files
 * are named by libconfig as written in @include; print them as opened. */
static void ld_where(struct ld *L, const config_setting_t *s, char *file, size_t flen,
                     unsigned *idx, unsigned *line)
{
	const char *f = s ? config_setting_source_file(s) : NULL;
	*line = s ? config_setting_source_line(s) : 0;
	*idx = 0;
	if (!f || strcmp(f, L->path) == 0) {
		snprintf(file, flen, "%s", L->path);
		return;
	}
	for (*idx = 0; *idx < L->nfiles && strcmp(L->files[*idx], f) != 0; (*idx)++)
		;
	if (*idx == L->nfiles && L->nfiles < MAX_FILES)
		L->files[L->nfiles++] = f;
	(*idx)++;
	if (L->incdir && f[0] != '/')
		snprintf(file, flen, "%s/%s", L->incdir, f);
	else
		snprintf(file, flen, "%s", f);
}

static void ld_diag(struct ld *L, enum pol_diag_level lvl, const config_setting_t *s,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void ld_diag(struct ld *L, enum pol_diag_level lvl, const config_setting_t *s,
                    const char *fmt, ...)
{
	char file[1024];
	unsigned idx, line;
	va_list ap;

	ld_where(L, s, file, sizeof file, &idx, &line);
	va_start(ap, fmt);
	if (pol_diag_addv(L->diag, lvl, file, idx, line, fmt, ap) < 0)
		L->oom = true;
	va_end(ap);
	if (lvl == POL_DIAG_ERROR)
		L->errors++;
}

#define ld_error(L, s, ...) ld_diag(L, POL_DIAG_ERROR, s, __VA_ARGS__)
#define ld_warn(L, s, ...) ld_diag(L, POL_DIAG_WARNING, s, __VA_ARGS__)

/* "file:line" of s, for notes like "first defined at policy.cfg:12". */
static const char *ld_at(struct ld *L, const config_setting_t *s, char *buf, size_t len)
{
	char file[1024];
	unsigned idx, line;
	ld_where(L, s, file, sizeof file, &idx, &line);
	snprintf(buf, len, "%s:%u", file, line);
	return buf;
}

static void *ld_alloc(struct ld *L, size_t n)
{
	void *m = pol_arena_alloc(&L->p->arena, n);
	if (!m)
		L->oom = true;
	return m;
}

static const char *ld_strdup(struct ld *L, const char *s)
{
	char *d = pol_arena_strdup(&L->p->arena, s);
	if (!d)
		L->oom = true;
	return d ? d : "";
}

/* ---- Typed access to settings ------------------------------------------ */

static const config_setting_t *ld_get(struct ld *L, const config_setting_t *g, const char *name,
                                      bool required, const char *what)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s && required)
		ld_error(L, g, "missing required setting '%s' in %s", name, what);
	return s;
}

/* Rejects members of g not in known[], suggesting the nearest known key. */
static void ld_keys(struct ld *L, const config_setting_t *g, const char *const known[],
                    size_t nknown, const char *what)
{
	int n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *name = config_setting_name(s);
		const char *sug;
		size_t k;
		if (!name)
			continue;
		for (k = 0; k < nknown && strcmp(name, known[k]) != 0; k++)
			;
		if (k < nknown)
			continue;
		sug = pol_suggest(name, known, nknown, sizeof known[0]);
		if (sug)
			ld_error(L, s, "unknown setting '%s' in %s (did you mean '%s'?)", name, what, sug);
		else
			ld_error(L, s, "unknown setting '%s' in %s", name, what);
	}
}

/* A string member: NULL when absent (an error if required) or invalid. */
static const char *ld_string(struct ld *L, const config_setting_t *g, const char *name,
                             bool required, const char *what, size_t maxlen)
{
	const config_setting_t *s = ld_get(L, g, name, required, what);
	const char *v;
	if (!s)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		ld_error(L, s, "'%s' must be a string", name);
		return NULL;
	}
	v = config_setting_get_string(s);
	if (!*v) {
		ld_error(L, s, "'%s' must not be empty", name);
		return NULL;
	}
	if (strlen(v) > maxlen) {
		ld_error(L, s, "'%s' is longer than %zu characters", name, maxlen);
		return NULL;
	}
	return v;
}

static bool ld_int(struct ld *L, const config_setting_t *g, const char *name, bool required,
                   const char *what, long long min, long long max, long long *out)
{
	const config_setting_t *s = ld_get(L, g, name, required, what);
	long long v;
	if (!s)
		return false;
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else {
		ld_error(L, s, "'%s' must be an integer", name);
		return false;
	}
	if (v < min || v > max) {
		ld_error(L, s, "'%s' = %lld is outside %lld..%lld", name, v, min, max);
		return false;
	}
	*out = v;
	return true;
}

static bool ld_bool(struct ld *L, const config_setting_t *g, const char *name, bool *out)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return false;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		ld_error(L, s, "'%s' must be true or false", name);
		return false;
	}
	*out = config_setting_get_bool(s);
	return true;
}

/* A "YYYY-MM-DD" member as ms at the start of that UTC day. */
static bool ld_date(struct ld *L, const config_setting_t *g, const char *name, bool required,
                    const char *what, int64_t *out)
{
	const config_setting_t *s = ld_get(L, g, name, required, what);
	const char *v;
	if (!s)
		return false;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		ld_error(L, s, "'%s' must be a date string \"YYYY-MM-DD\"", name);
		return false;
	}
	v = config_setting_get_string(s);
	if (vg_date_parse(v, out) < 0) {
		ld_error(L, s, "'%s' must be a date \"YYYY-MM-DD\", not '%s'", name, v);
		return false;
	}
	return true;
}

/* Checks that s is an array or list of non-empty strings, reporting each
 * bad element. Returns the number of elements, or -1. */
static int ld_string_list(struct ld *L, const config_setting_t *s, size_t maxlen)
{
	const char *name = config_setting_name(s);
	int n, bad = 0;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY && config_setting_type(s) != CONFIG_TYPE_LIST) {
		ld_error(L, s, "'%s' must be a list of strings, e.g. [\"a\", \"b\"]", name);
		return -1;
	}
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_type(e) == CONFIG_TYPE_STRING ? config_setting_get_string(e) : NULL;
		if (!v) {
			ld_error(L, e, "elements of '%s' must be strings", name);
			bad++;
		} else if (!*v || strlen(v) > maxlen) {
			ld_error(L, e, "elements of '%s' must be 1 to %zu characters long", name, maxlen);
			bad++;
		}
	}
	return bad ? -1 : n;
}

/* A root section: a list of groups, or NULL when absent or malformed. */
static const config_setting_t *ld_section(struct ld *L, const config_setting_t *root,
                                          const char *name, bool required)
{
	const config_setting_t *s = ld_get(L, root, name, required, "the policy");
	int n;
	if (!s)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		ld_error(L, s, "'%s' must be a list of groups: %s = ( { ... }, { ... } );", name, name);
		return NULL;
	}
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		if (!config_setting_is_group(e)) {
			ld_error(L, e, "elements of '%s' must be groups { ... }", name);
			return NULL;
		}
	}
	return s;
}

static unsigned section_len(const config_setting_t *s)
{
	return s ? (unsigned)config_setting_length(s) : 0;
}

/* Level, compartment and schedule names appear inside reason codes such as
 * "level:SECRET<TOP SECRET", so they are kept to a plain alphabet. */
static bool ld_name_ok(struct ld *L, const config_setting_t *g, const char *kind, const char *v)
{
	size_t len = strlen(v);
	if (strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 _-.") != len ||
	    v[0] == ' ' || v[len - 1] == ' ') {
		ld_error(L, config_setting_get_member(g, "name"),
		         "%s name '%s' may hold only letters, digits, inner spaces, '_', '-' and '.'",
		         kind, v);
		return false;
	}
	return true;
}

/* Account names and host globs: no spaces or control characters. */
static bool word_ok(const char *v)
{
	for (const unsigned char *c = (const unsigned char *)v; *c; c++)
		if (*c <= ' ' || *c == 0x7f)
			return false;
	return true;
}

/* ---- Reference resolution ----------------------------------------------- */

/* "unknown level 'SECRT' (did you mean 'SECRET'?)" */
static void ld_unknown(struct ld *L, const config_setting_t *s, const char *what,
                       const char *name, const char *suggestion)
{
	if (suggestion)
		ld_error(L, s, "unknown %s '%s' (did you mean '%s'?)", what, name, suggestion);
	else
		ld_error(L, s, "unknown %s '%s'", what, name);
}

/* "duplicate level 'SECRET' (first defined at policy.cfg:4)" */
static void ld_duplicate(struct ld *L, const config_setting_t *s, const char *what,
                         const char *name, const config_setting_t *first)
{
	char at[1100];
	ld_error(L, s, "duplicate %s '%s' (first defined at %s)", what, name,
	         ld_at(L, first, at, sizeof at));
}

static const struct pol_level *ld_level_ref(struct ld *L, const config_setting_t *s,
                                            const char *name)
{
	const struct pol_level *lv = pol_level_find(L->p, name);
	if (lv)
		return lv;
	ld_unknown(L, s, "level", name, pol_suggest(name, L->p->levels, L->p->nlevels,
	                                            sizeof *L->p->levels));
	return NULL;
}

/* A level named by member `name` of group g. */
static const struct pol_level *ld_level_member(struct ld *L, const config_setting_t *g,
                                               const char *name, bool required, const char *what)
{
	const char *v = ld_string(L, g, name, required, what, POL_TEXT_MAX);
	return v ? ld_level_ref(L, config_setting_get_member(g, name), v) : NULL;
}

static int ld_comp_ref(struct ld *L, const config_setting_t *s, const char *name)
{
	int id = pol_compartment_find(L->p, name);
	if (id < 0)
		ld_unknown(L, s, "compartment", name,
		           pol_suggest(name, L->p->comps, L->p->ncomps, sizeof *L->p->comps));
	return id;
}

/* ---- Sections ----------------------------------------------------------- */

static void load_header(struct ld *L, const config_setting_t *root)
{
	static const char *const keys[] = {"id", "serial"};
	const config_setting_t *g = ld_get(L, root, "policy", true, "the policy");
	const char *id;
	long long serial = 0;

	L->p->id = "";
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		ld_error(L, g, "'policy' must be a group: policy = { id = \"...\"; serial = 1; };");
		return;
	}
	ld_keys(L, g, keys, 2, "policy");
	id = ld_string(L, g, "id", true, "policy", POL_ID_MAX);
	if (id)
		L->p->id = ld_strdup(L, id);
	if (ld_int(L, g, "serial", true, "policy", 0, 9007199254740991LL, &serial))
		L->p->serial = serial;
}

static void load_levels(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"name", "rank"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);
	char at[1100];

	if (n == 0 && sec)
		ld_error(L, sec, "'levels' must define at least one level");
	p->levels = ld_alloc(L, (n ? n : 1) * sizeof *p->levels);
	L->level_src = ld_alloc(L, (n ? n : 1) * sizeof *L->level_src);
	if (L->oom)
		return;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		const char *name;
		long long rank;
		bool rank_ok;
		ld_keys(L, g, keys, 2, "level");
		name = ld_string(L, g, "name", true, "level", POL_NAME_MAX);
		rank_ok = ld_int(L, g, "rank", true, "level", 0, POL_RANK_MAX, &rank);
		if (!name || !ld_name_ok(L, g, "level", name) || !rank_ok)
			continue;
		for (size_t j = 0; j < p->nlevels; j++) {
			if (strcmp(p->levels[j].name, name) == 0) {
				ld_duplicate(L, g, "level", name, L->level_src[j]);
				name = NULL;
				break;
			}
			if (p->levels[j].rank == rank) {
				ld_error(L, config_setting_get_member(g, "rank"),
				         "duplicate level rank %lld ('%s' and '%s' at %s)", rank, name,
				         p->levels[j].name, ld_at(L, L->level_src[j], at, sizeof at));
				name = NULL;
				break;
			}
		}
		if (!name)
			continue;
		L->level_src[p->nlevels] = g;
		p->levels[p->nlevels].name = ld_strdup(L, name);
		p->levels[p->nlevels].rank = (int32_t)rank;
		p->nlevels++;
	}
}

static void load_compartments(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"name", "min_level"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);

	if (n > POL_MAX_COMPARTMENTS) {
		ld_error(L, sec, "too many compartments (%u, at most %d)", n, POL_MAX_COMPARTMENTS);
		n = POL_MAX_COMPARTMENTS;
	}
	p->comps = ld_alloc(L, (n ? n : 1) * sizeof *p->comps);
	L->comp_src = ld_alloc(L, (n ? n : 1) * sizeof *L->comp_src);
	if (L->oom || pol_htab_init(&p->comp_names, n, &p->arena) < 0) {
		L->oom = true;
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_compartment *c = &p->comps[p->ncomps];
		const struct pol_htab_entry *e;
		const char *name;
		bool existed;

		ld_keys(L, g, keys, 2, "compartment");
		name = ld_string(L, g, "name", true, "compartment", POL_NAME_MAX);
		c->min_level = ld_level_member(L, g, "min_level", false, "compartment");
		if (!name || !ld_name_ok(L, g, "compartment", name))
			continue;
		c->name = ld_strdup(L, name);
		e = pol_htab_insert(&p->comp_names, c->name, strlen(c->name), (int32_t)p->ncomps, 0,
		                    &existed);
		if (!e) {
			L->oom = true;
			return;
		}
		if (existed) {
			ld_duplicate(L, g, "compartment", name, L->comp_src[e->a]);
			continue;
		}
		L->comp_src[p->ncomps++] = g;
	}
}

/* "HH:MM" to minutes; "24:00" only when allow24 (a window's end). */
static int parse_hhmm(const char *s, bool allow24)
{
	int h, m;
	if (strlen(s) != 5 || s[2] != ':' || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' ||
	    s[3] < '0' || s[3] > '5' || s[4] < '0' || s[4] > '9')
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (h == 24 && m == 0 && allow24)
		return 1440;
	return h < 24 ? h * 60 + m : -1;
}

/* "UTC" or a fixed offset "+HH:MM" / "-HH:MM" up to 14 hours. */
static int parse_tz(const char *s, int32_t *off_ms)
{
	int mins;
	if (strcmp(s, "UTC") == 0) {
		*off_ms = 0;
		return 0;
	}
	if ((s[0] != '+' && s[0] != '-') || (mins = parse_hhmm(s + 1, false)) < 0 || mins > 14 * 60)
		return -1;
	*off_ms = (s[0] == '-' ? -mins : mins) * 60000;
	return 0;
}

static void load_schedule_days(struct ld *L, const config_setting_t *g, struct pol_schedule *sc)
{
	const config_setting_t *s = ld_get(L, g, "days", true, "schedule");
	int n;
	if (!s || (n = ld_string_list(L, s, POL_NAME_MAX)) < 0)
		return;
	if (n == 0)
		ld_error(L, s, "'days' must name at least one day");
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *d = config_setting_get_string(e);
		int k;
		for (k = 0; k < 7 && strcmp(d, day_names[k]) != 0; k++)
			;
		if (k == 7)
			ld_error(L, e, "invalid day '%s' (expected mon, tue, wed, thu, fri, sat or sun)", d);
		else if (sc->days & (1u << k))
			ld_error(L, e, "day '%s' is listed twice", d);
		else
			sc->days |= (uint8_t)(1u << k);
	}
}

static void load_schedules(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"name", "days", "start", "end", "tz"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);

	p->schedules = ld_alloc(L, (n ? n : 1) * sizeof *p->schedules);
	L->sched_src = ld_alloc(L, (n ? n : 1) * sizeof *L->sched_src);
	if (L->oom)
		return;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_schedule *sc = &p->schedules[p->nschedules];
		const char *name, *start, *end, *tz;
		bool ok = true;

		ld_keys(L, g, keys, 5, "schedule");
		name = ld_string(L, g, "name", true, "schedule", POL_NAME_MAX);
		memset(sc, 0, sizeof *sc);
		load_schedule_days(L, g, sc);
		start = ld_string(L, g, "start", true, "schedule", 16);
		end = ld_string(L, g, "end", true, "schedule", 16);
		tz = ld_string(L, g, "tz", false, "schedule", 16);
		if (start && (sc->start_min = parse_hhmm(start, false)) < 0) {
			ld_error(L, config_setting_get_member(g, "start"),
			         "'start' must be a time \"HH:MM\" (00:00 to 23:59), not '%s'", start);
			ok = false;
		}
		if (end && (sc->end_min = parse_hhmm(end, true)) < 0) {
			ld_error(L, config_setting_get_member(g, "end"),
			         "'end' must be a time \"HH:MM\" (00:00 to 24:00), not '%s'", end);
			ok = false;
		}
		if (start && end && ok && sc->start_min == sc->end_min) {
			ld_error(L, config_setting_get_member(g, "end"),
			         "'start' and 'end' are both %s: the window is empty", start);
			ok = false;
		}
		if (tz && parse_tz(tz, &sc->tz_offset_ms) < 0) {
			ld_error(L, config_setting_get_member(g, "tz"),
			         "invalid time zone '%s': use \"UTC\" or a fixed offset such as \"+02:00\"",
			         tz);
			ok = false;
		}
		if (!name || !ld_name_ok(L, g, "schedule", name) || !start || !end || !ok)
			continue;
		for (size_t j = 0; j < p->nschedules; j++) {
			if (strcmp(p->schedules[j].name, name) == 0) {
				ld_duplicate(L, g, "schedule", name, L->sched_src[j]);
				name = NULL;
				break;
			}
		}
		if (!name)
			continue;
		sc->name = ld_strdup(L, name);
		sc->tz = ld_strdup(L, tz ? tz : "UTC");
		L->sched_src[p->nschedules++] = g;
	}
}

static void load_hosts(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"name", "level", "site", "removable_media"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);

	p->hosts = ld_alloc(L, (n ? n : 1) * sizeof *p->hosts);
	L->host_src = ld_alloc(L, (n ? n : 1) * sizeof *L->host_src);
	if (L->oom)
		return;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_host *h = &p->hosts[p->nhosts];
		const char *name, *site;

		ld_keys(L, g, keys, 4, "host");
		name = ld_string(L, g, "name", true, "host", POL_TEXT_MAX);
		h->level = ld_level_member(L, g, "level", false, "host");
		site = ld_string(L, g, "site", false, "host", POL_TEXT_MAX);
		h->removable_media = false;
		ld_bool(L, g, "removable_media", &h->removable_media);
		if (!name)
			continue;
		if (!word_ok(name)) {
			ld_error(L, config_setting_get_member(g, "name"),
			         "host name '%s' must not contain spaces", name);
			continue;
		}
		for (size_t j = 0; j < p->nhosts; j++) {
			if (strcmp(p->hosts[j].pat.glob, name) == 0) {
				ld_duplicate(L, g, "host", name, L->host_src[j]);
				name = NULL;
				break;
			}
		}
		if (!name)
			continue;
		pol_pattern_init(&h->pat, ld_strdup(L, name));
		h->site = site ? ld_strdup(L, site) : NULL;
		L->host_src[p->nhosts++] = g;
	}
}

/* ---- Persons ------------------------------------------------------------ */

static size_t member_len(const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	return s && config_setting_is_aggregate(s) ? (size_t)config_setting_length(s) : 0;
}

static int status_parse(const char *s)
{
	for (int i = 0; i < POL_ST_COUNT; i++)
		if (strcmp(s, pol_status_names[i]) == 0)
			return i;
	return -1;
}

static void load_clearance(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	static const char *const keys[] = {"level", "status", "granted", "review_due"};
	const config_setting_t *g = ld_get(L, pg, "clearance", true, "person");
	const char *status;
	bool has_granted, has_review;
	int st;

	ps->status = POL_ST_DENIED;
	ps->granted = POL_DATE_NONE_PAST;
	ps->review_due = POL_DATE_NONE_FUTURE;
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		ld_error(L, g, "'clearance' must be a group { level = ...; status = ...; }");
		return;
	}
	ld_keys(L, g, keys, 4, "clearance");
	ps->level = ld_level_member(L, g, "level", true, "clearance");
	ps->rank = ps->level ? ps->level->rank : -1;
	status = ld_string(L, g, "status", true, "clearance", POL_TEXT_MAX);
	if (status && (st = status_parse(status)) >= 0) {
		ps->status = (uint8_t)st;
	} else if (status) {
		const char *sug = pol_suggest(status, pol_status_names, POL_ST_COUNT, sizeof(char *));
		const config_setting_t *s = config_setting_get_member(g, "status");
		if (sug)
			ld_error(L, s, "invalid status '%s' (did you mean '%s'?)", status, sug);
		else
			ld_error(L, s, "invalid status '%s' (expected pending, interim, active, "
			         "suspended, revoked, denied, expired or debriefed)", status);
		status = NULL;
	}
	has_granted = ld_date(L, g, "granted", false, "clearance", &ps->granted);
	has_review = ld_date(L, g, "review_due", false, "clearance", &ps->review_due);
	if (status && !has_granted && !config_setting_get_member(g, "granted") &&
	    (ps->status == POL_ST_ACTIVE || ps->status == POL_ST_INTERIM))
		ld_error(L, g, "an %s clearance needs 'granted' (the date it took effect)", status);
	if (has_granted && has_review && ps->review_due < ps->granted)
		ld_error(L, config_setting_get_member(g, "review_due"),
		         "'review_due' is before 'granted'");
	/* The review is due by the end of review_due's day. */
	if (has_review && status && (ps->status == POL_ST_ACTIVE || ps->status == POL_ST_INTERIM) &&
	    ps->review_due + VG_MS_PER_DAY <= L->now) {
		char day[11];
		vg_date_format(ps->review_due, day);
		ld_warn(L, config_setting_get_member(g, "review_due"),
		        "clearance review of person '%s' was due %s and is overdue", ps->id, day);
	}
}

static void load_grants(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	static const char *const keys[] = {"name", "read_on", "debriefed"};
	const config_setting_t *s = config_setting_get_member(pg, "compartments");
	struct pol_grant *gr = L->grants + L->ngrants;
	int n;

	ps->grants = gr;
	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_LIST) {
		ld_error(L, s, "'compartments' of a person must be a list of groups: "
		         "( { name = \"...\"; read_on = \"YYYY-MM-DD\"; } )");
		return;
	}
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		const char *name;
		int id = -1;
		int64_t read_on = 0, debriefed = POL_DATE_NONE_FUTURE;
		bool ok;

		if (!config_setting_is_group(g)) {
			ld_error(L, g, "elements of 'compartments' must be groups { name = ...; read_on = ...; }");
			continue;
		}
		ld_keys(L, g, keys, 3, "compartment read-on");
		name = ld_string(L, g, "name", true, "compartment read-on", POL_TEXT_MAX);
		if (name)
			id = ld_comp_ref(L, config_setting_get_member(g, "name"), name);
		ok = ld_date(L, g, "read_on", true, "compartment read-on", &read_on);
		if (config_setting_get_member(g, "debriefed") &&
		    ld_date(L, g, "debriefed", false, "compartment read-on", &debriefed) && ok &&
		    debriefed < read_on) {
			ld_error(L, config_setting_get_member(g, "debriefed"),
			         "'debriefed' is before 'read_on'");
			ok = false;
		}
		if (id < 0 || !ok)
			continue;
		for (uint16_t j = 0; j < ps->ngrants; j++) {
			if (gr[j].comp == id) {
				ld_error(L, g, "compartment '%s' is listed twice for person '%s'", name,
				         ps->id);
				id = -1;
				break;
			}
		}
		if (id < 0)
			continue;
		/* Keep the slice sorted by compartment id: insertion sort. */
		uint16_t k = ps->ngrants;
		while (k > 0 && gr[k - 1].comp > id) {
			gr[k] = gr[k - 1];
			k--;
		}
		gr[k].comp = (uint16_t)id;
		gr[k].read_on = read_on;
		gr[k].debriefed = debriefed;
		ps->ngrants++;

		const struct pol_level *min = L->p->comps[id].min_level;
		if (min && ps->level && ps->rank < min->rank)
			ld_warn(L, g, "person '%s' is read on to '%s', which needs %s, but is cleared "
			        "to %s", ps->id, name, min->name, ps->level->name);
		if (ps->status == POL_ST_INTERIM && debriefed == POL_DATE_NONE_FUTURE)
			ld_warn(L, g, "person '%s' holds an interim clearance, which gives no "
			        "compartment access; the read-on to '%s' takes effect when it is active",
			        ps->id, name);
	}
	L->ngrants += ps->ngrants;
}

static void load_accounts(struct ld *L, const config_setting_t *pg, struct pol_person *ps,
                          uint32_t idx)
{
	const config_setting_t *s = ld_get(L, pg, "accounts", true, "person");
	const char **acc = L->strs + L->nstrs;
	char at[1100];
	int n;

	ps->accounts = acc;
	if (!s || (n = ld_string_list(L, s, POL_ID_MAX)) < 0)
		return;
	if (n == 0)
		ld_warn(L, s, "person '%s' has no accounts, so no activity can be attributed to them",
		        ps->id);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_get_string(e);
		struct pol_htab_entry *ent;
		bool existed;
		if (!word_ok(name)) {
			ld_error(L, e, "account '%s' must not contain spaces", name);
			continue;
		}
		acc[ps->naccounts] = ld_strdup(L, name);
		ent = pol_htab_insert(&L->p->accounts, acc[ps->naccounts], strlen(name), (int32_t)idx, 0,
		                      &existed);
		if (!ent) {
			L->oom = true;
			return;
		}
		if (existed && (uint32_t)ent->a == idx) {
			ld_error(L, e, "account '%s' is listed twice", name);
			continue;
		}
		if (existed) {
			ld_error(L, e, "account '%s' already belongs to person '%s' (%s)", name,
			         L->p->persons[ent->a].id, ld_at(L, L->person_src[ent->a], at, sizeof at));
			continue;
		}
		ps->naccounts++;
	}
	L->nstrs += ps->naccounts;
}

static void load_person_hosts(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	const config_setting_t *s = config_setting_get_member(pg, "hosts");
	struct pol_pattern *pats = L->pats + L->npats;
	int n;

	ps->hosts = pats;
	if (!s) {
		if (ps->naccounts)
			ld_warn(L, pg, "person '%s' has no 'hosts', so every login is reported as "
			        "host_not_permitted (use hosts = [\"*\"] for any host)", ps->id);
		return;
	}
	if ((n = ld_string_list(L, s, POL_TEXT_MAX)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *glob = config_setting_get_string(e);
		if (!word_ok(glob)) {
			ld_error(L, e, "host '%s' must not contain spaces", glob);
			continue;
		}
		pol_pattern_init(&pats[ps->nhosts++], ld_strdup(L, glob));
	}
	L->npats += ps->nhosts;
}

static void load_privileges(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	const config_setting_t *s = config_setting_get_member(pg, "privileges");
	int n;
	if (!s || (n = ld_string_list(L, s, POL_NAME_MAX)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e), *sug;
		int k;
		for (k = 0; k < POL_PRIV_COUNT && strcmp(v, pol_priv_names[k]) != 0; k++)
			;
		if (k < POL_PRIV_COUNT) {
			ps->privs |= (uint8_t)(1u << k);
			continue;
		}
		sug = pol_suggest(v, pol_priv_names, POL_PRIV_COUNT, sizeof(char *));
		if (sug)
			ld_error(L, e, "unknown privilege '%s' (did you mean '%s'?)", v, sug);
		else
			ld_error(L, e, "unknown privilege '%s' (expected su or sudo)", v);
	}
}

static void load_groups(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	const config_setting_t *s = config_setting_get_member(pg, "groups");
	const char **groups = L->strs + L->nstrs;
	int n;
	ps->groups = groups;
	if (!s || (n = ld_string_list(L, s, POL_ID_MAX)) < 0)
		return;
	for (int i = 0; i < n; i++)
		groups[ps->ngroups++] =
		    ld_strdup(L, config_setting_get_string(config_setting_get_elem(s, (unsigned)i)));
	L->nstrs += ps->ngroups;
}

static void load_person_schedule(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	const char *name = ld_string(L, pg, "schedule", false, "person", POL_TEXT_MAX);
	const struct pol_policy *p = L->p;
	if (!name)
		return;
	for (size_t i = 0; i < p->nschedules; i++) {
		if (strcmp(p->schedules[i].name, name) == 0) {
			ps->schedule = &p->schedules[i];
			return;
		}
	}
	ld_unknown(L, config_setting_get_member(pg, "schedule"), "schedule", name,
	           pol_suggest(name, p->schedules, p->nschedules, sizeof *p->schedules));
}

static void load_persons(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"id", "name", "accounts", "groups", "clearance",
	                                   "compartments", "hosts", "schedule", "privileges"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);
	size_t nstrs = 0, npats = 0, ngrants = 0;

	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		nstrs += member_len(g, "accounts") + member_len(g, "groups");
		npats += member_len(g, "hosts");
		ngrants += member_len(g, "compartments");
	}
	p->persons = ld_alloc(L, (n ? n : 1) * sizeof *p->persons);
	L->person_src = ld_alloc(L, (n ? n : 1) * sizeof *L->person_src);
	L->strs = ld_alloc(L, (nstrs ? nstrs : 1) * sizeof *L->strs);
	L->pats = ld_alloc(L, (npats ? npats : 1) * sizeof *L->pats);
	L->grants = ld_alloc(L, (ngrants ? ngrants : 1) * sizeof *L->grants);
	if (L->oom || pol_htab_init(&p->person_ids, n, &p->arena) < 0 ||
	    pol_htab_init(&p->accounts, nstrs, &p->arena) < 0) {
		L->oom = true;
		return;
	}
	for (unsigned i = 0; i < n && !L->oom; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_person *ps = &p->persons[p->npersons];
		const struct pol_htab_entry *e;
		const char *id, *name;
		bool existed;

		memset(ps, 0, sizeof *ps);
		ld_keys(L, g, keys, sizeof keys / sizeof keys[0], "person");
		id = ld_string(L, g, "id", true, "person", POL_ID_MAX);
		name = ld_string(L, g, "name", false, "person", POL_TEXT_MAX);
		/* A person without a usable id is still checked through, so that
		 * all of its problems show at once; the load fails anyway. */
		ps->id = id ? ld_strdup(L, id) : "(no id)";
		e = id ? pol_htab_insert(&p->person_ids, ps->id, strlen(ps->id), (int32_t)p->npersons,
		                         0, &existed)
		       : NULL;
		if (id && !e) {
			L->oom = true;
			return;
		}
		if (e && existed)
			ld_duplicate(L, config_setting_get_member(g, "id"), "person id", id,
			             L->person_src[e->a]);
		L->person_src[p->npersons] = g;
		ps->name = name ? ld_strdup(L, name) : ps->id;
		ps->line = config_setting_source_line(g);
		load_clearance(L, g, ps);
		load_accounts(L, g, ps, (uint32_t)p->npersons);
		load_grants(L, g, ps);
		load_person_hosts(L, g, ps);
		load_privileges(L, g, ps);
		load_groups(L, g, ps);
		load_person_schedule(L, g, ps);
		p->npersons++;
	}
}

/* ---- Resources ---------------------------------------------------------- */

static bool path_is_canonical(const char *path)
{
	char buf[POL_PATH_MAX + 2];
	long n = pol_path_normalize(path, buf, sizeof buf);
	return n >= 0 && strcmp(buf, path) == 0;
}

static void load_resource_comps(struct ld *L, const config_setting_t *g, struct pol_resource *r)
{
	const config_setting_t *s = config_setting_get_member(g, "compartments");
	uint16_t *comps = L->rcomps + L->nrcomps;
	int n;

	r->comps = comps;
	if (!s || (n = ld_string_list(L, s, POL_TEXT_MAX)) < 0)
		return;
	if (n > POL_MAX_RESOURCE_COMPARTMENTS) {
		ld_error(L, s, "a resource may name at most %d compartments",
		         POL_MAX_RESOURCE_COMPARTMENTS);
		return;
	}
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_get_string(e);
		int id = ld_comp_ref(L, e, name);
		const struct pol_level *min;
		bool dup = false;
		if (id < 0)
			continue;
		for (uint16_t j = 0; j < r->ncomps; j++)
			dup = dup || comps[j] == id;
		if (dup) {
			ld_error(L, e, "compartment '%s' is listed twice", name);
			continue;
		}
		comps[r->ncomps++] = (uint16_t)id;
		min = L->p->comps[id].min_level;
		if (min && r->level && r->level->rank < min->rank)
			ld_warn(L, e, "resource '%s' is classified %s but compartment '%s' needs %s; "
			        "%s applies", r->id, r->level->name, name, min->name, min->name);
	}
	L->nrcomps += r->ncomps;
}

static void load_resources(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"id", "path", "level", "compartments"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);
	size_t nrcomps = 0;
	struct pol_htab ids, paths;
	char at[1100];

	for (unsigned i = 0; i < n; i++)
		nrcomps += member_len(config_setting_get_elem(sec, i), "compartments");
	p->resources = ld_alloc(L, (n ? n : 1) * sizeof *p->resources);
	L->res_src = ld_alloc(L, (n ? n : 1) * sizeof *L->res_src);
	L->rcomps = ld_alloc(L, (nrcomps ? nrcomps : 1) * sizeof *L->rcomps);
	if (L->oom)
		return;
	/* Ids and paths are only checked for uniqueness here; decisions look
	 * resources up through the directory index instead. */
	if (pol_htab_init(&ids, n, NULL) < 0) {
		L->oom = true;
		return;
	}
	if (pol_htab_init(&paths, n, NULL) < 0) {
		pol_htab_free(&ids);
		L->oom = true;
		return;
	}
	for (unsigned i = 0; i < n && !L->oom; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_resource *r = &p->resources[p->nresources];
		const struct pol_htab_entry *e;
		const char *id, *path;
		bool existed;

		memset(r, 0, sizeof *r);
		ld_keys(L, g, keys, 4, "resource");
		id = ld_string(L, g, "id", true, "resource", POL_ID_MAX);
		path = ld_string(L, g, "path", true, "resource", POL_PATH_MAX);
		r->level = ld_level_member(L, g, "level", true, "resource");
		r->id = id ? ld_strdup(L, id) : "";
		load_resource_comps(L, g, r);
		if (path && path[0] != '/') {
			ld_error(L, config_setting_get_member(g, "path"),
			         "resource path '%s' must be absolute", path);
			path = NULL;
		} else if (path && !path_is_canonical(path)) {
			ld_error(L, config_setting_get_member(g, "path"),
			         "resource path '%s' must not contain '//', '/./' or '/../'", path);
			path = NULL;
		}
		if (!id || !path || !r->level)
			continue;
		e = pol_htab_find(&ids, id, strlen(id), pol_hash(id, strlen(id)));
		if (e) {
			ld_duplicate(L, config_setting_get_member(g, "id"), "resource id", id,
			             L->res_src[e->a]);
			continue;
		}
		e = pol_htab_find(&paths, path, strlen(path), pol_hash(path, strlen(path)));
		if (e) {
			ld_error(L, config_setting_get_member(g, "path"),
			         "resource path '%s' is already used by resource '%s' (%s)", path,
			         p->resources[e->a].id, ld_at(L, L->res_src[e->a], at, sizeof at));
			continue;
		}
		r->path = ld_strdup(L, path);
		if (!pol_htab_insert(&ids, r->id, strlen(r->id), (int32_t)p->nresources, 0, &existed) ||
		    !pol_htab_insert(&paths, r->path, strlen(r->path), (int32_t)p->nresources, 0,
		                     &existed)) {
			L->oom = true;
			break;
		}
		r->prefix = path[strlen(path) - 1] == '/';
		r->index = (uint32_t)p->nresources;
		L->res_src[p->nresources++] = g;
	}
	pol_htab_free(&ids);
	pol_htab_free(&paths);
}

/* ---- Entry points ------------------------------------------------------- */

static void load_root(struct ld *L, const config_setting_t *root)
{
	static const char *const keys[] = {"policy", "levels", "compartments", "schedules",
	                                   "persons", "resources", "hosts"};
	const config_setting_t *levels = ld_section(L, root, "levels", true);
	const config_setting_t *comps = ld_section(L, root, "compartments", false);
	const config_setting_t *scheds = ld_section(L, root, "schedules", false);
	const config_setting_t *hosts = ld_section(L, root, "hosts", false);
	const config_setting_t *persons = ld_section(L, root, "persons", false);
	const config_setting_t *resources = ld_section(L, root, "resources", false);

	ld_keys(L, root, keys, sizeof keys / sizeof keys[0], "the policy");
	load_header(L, root);
	load_levels(L, levels);
	if (!L->oom)
		load_compartments(L, comps);
	if (!L->oom)
		load_schedules(L, scheds);
	if (!L->oom)
		load_hosts(L, hosts);
	if (!L->oom)
		load_persons(L, persons);
	if (!L->oom)
		load_resources(L, resources);
}

void pol_free(struct pol_policy *p)
{
	if (!p)
		return;
	if (p->map_base) {
		munmap(p->map_base, p->map_size);
		return;
	}
	/* The hash tables are carved from the arena. */
	pol_arena_free(&p->arena);
	free(p);
}

/* Opens the file first so that a missing file gets errno's words rather
 * than libconfig's "file I/O error". */
static int read_config(struct ld *L, config_t *cfg)
{
	FILE *f = fopen(L->path, "r");
	if (!f) {
		ld_error(L, NULL, "cannot open policy: %s", strerror(errno));
		return -1;
	}
	fclose(f);
	config_init(cfg);
	if (L->incdir)
		config_set_include_dir(cfg, L->incdir);
	if (config_read_file(cfg, L->path) == CONFIG_TRUE)
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO) {
		ld_error(L, NULL, "cannot read policy");
	} else {
		const char *f2 = config_error_file(cfg);
		char file[1024];
		unsigned idx = 0;
		if (!f2 || strcmp(f2, L->path) == 0)
			snprintf(file, sizeof file, "%s", L->path);
		else if (L->incdir && f2[0] != '/')
			snprintf(file, sizeof file, "%s/%s", L->incdir, f2), idx = 1;
		else
			snprintf(file, sizeof file, "%s", f2), idx = 1;
		L->errors++;
		if (pol_diag_add(L->diag, POL_DIAG_ERROR, file, idx, (unsigned)config_error_line(cfg),
		                 "%s", config_error_text(cfg)) < 0)
			L->oom = true;
	}
	config_destroy(cfg);
	return -1;
}

int pol_load_region(const char *path, int64_t now_ms, void *region, size_t region_size,
                    struct pol_policy **out, struct pol_diag *diag)
{
	struct ld L;
	config_t cfg;
	const char *slash = strrchr(path, '/');
	int rc = -1;

	*out = NULL;
	memset(&L, 0, sizeof L);
	L.path = path;
	L.diag = diag;
	L.now = now_ms;
	if (slash) {
		L.incdir = slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
		if (!L.incdir) {
			pol_diag_add(diag, POL_DIAG_ERROR, path, 0, 0, "out of memory");
			return -1;
		}
	}
	if (region) {
		size_t head = (sizeof *L.p + 63) & ~(size_t)63;
		L.p = region_size > head ? region : NULL;
		if (L.p) {
			memset(L.p, 0, sizeof *L.p);
			L.p->arena.region = (unsigned char *)region + head;
			L.p->arena.region_size = region_size - head;
			L.p->map_base = region;
			L.p->map_size = region_size;
		}
	} else {
		L.p = calloc(1, sizeof *L.p);
	}
	if (!L.p) {
		pol_diag_add(diag, POL_DIAG_ERROR, path, 0, 0, "out of memory");
		free(L.incdir);
		return -1;
	}
	if (read_config(&L, &cfg) == 0) {
		load_root(&L, config_root_setting(&cfg));
		config_destroy(&cfg);
		if (!L.oom && L.errors == 0 && pol_index_build(L.p) < 0)
			L.oom = true;
		/* libconfig's many small blocks are gone; give the pages back. */
		malloc_trim(0);
	}
	if (L.oom)
		ld_error(&L, NULL, "out of memory while loading the policy");
	pol_diag_sort(diag);
	if (L.errors == 0) {
		*out = L.p;
		rc = 0;
	} else if (!region) {
		pol_free(L.p);   /* a region belongs to the caller */
	}
	free(L.incdir);
	return rc;
}

int pol_load_at(const char *path, int64_t now_ms, struct pol_policy **out, struct pol_diag *diag)
{
	return pol_load_region(path, now_ms, NULL, 0, out, diag);
}

int pol_load(const char *path, struct pol_policy **out, struct pol_diag *diag)
{
	return pol_load_at(path, vg_time_now(), out, diag);
}
