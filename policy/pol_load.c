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
 * Sections are read in dependency order (policy, levels, thresholds,
 * compartments, caveats, schedules, hosts, persons, resources, exceptions),
 * whatever their order in the file;
 * pol_diag_sort puts the messages back into source order. Counts are known
 * before anything is stored, so every array is carved once from the arena
 * and the libconfig tree is destroyed as soon as compiling is done.
 *
 * @include paths are resolved against the directory of the policy file
 * (libconfig's include directory), so a policy can be split into files that
 * sit next to it wherever the collector runs from.
 */
#include "pol_internal.h"
#include "vg_anomaly.h"
#include "vg_time.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <libconfig.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>

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
	const char *hfiles[MAX_FILES];    /* @include files in first-seen order, to hash */
	unsigned nhfiles;
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
	/* Country codes seen anywhere, name -> id (names in p->countries). */
	struct pol_htab countries;
	size_t max_countries, max_groups;
	const config_setting_t **caveat_src;
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

/* Whether name is already defined among n elements whose first member is
 * their name (elements stride bytes apart, defined at src[]); reports the
 * duplicate. */
static bool ld_defined_before(struct ld *L, const config_setting_t *g, const char *what,
                              const char *name, const void *base, size_t n, size_t stride,
                              const config_setting_t *const *src)
{
	for (size_t j = 0; j < n; j++) {
		const char *other = *(const char *const *)((const char *)base + j * stride);
		if (strcmp(other, name) == 0) {
			ld_duplicate(L, g, what, name, src[j]);
			return true;
		}
	}
	return false;
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

/* Resolves each compartment's parent (which may be defined after it),
 * rejects cycles, and raises a sub-compartment's min_level to the highest
 * of its ancestors'. */
static void link_compartments(struct ld *L)
{
	struct pol_policy *p = L->p;
	for (size_t i = 0; i < p->ncomps; i++) {
		const config_setting_t *s = config_setting_get_member(L->comp_src[i], "parent");
		const char *name;
		int id;
		p->comps[i].parent = -1;
		if (!s)
			continue;
		if (config_setting_type(s) != CONFIG_TYPE_STRING || !*(name = config_setting_get_string(s))) {
			ld_error(L, s, "'parent' must be the name of another compartment");
			continue;
		}
		if ((id = ld_comp_ref(L, s, name)) < 0)
			continue;
		if ((size_t)id == i) {
			ld_error(L, s, "compartment '%s' cannot be its own parent", name);
			continue;
		}
		p->comps[i].parent = id;
	}
	for (size_t i = 0; i < p->ncomps; i++) {
		size_t steps = 0;
		int32_t a = p->comps[i].parent;
		while (a >= 0 && steps <= p->ncomps) {
			const struct pol_level *m = p->comps[a].min_level;
			if (m && (!p->comps[i].min_level || m->rank > p->comps[i].min_level->rank))
				p->comps[i].min_level = m;
			a = p->comps[a].parent;
			steps++;
		}
		if (a >= 0) {
			ld_error(L, config_setting_get_member(L->comp_src[i], "parent"),
			         "compartment '%s' is its own ancestor (a cycle of 'parent')",
			         p->comps[i].name);
			p->comps[i].parent = -1;
		}
	}
}

static void load_compartments(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"name", "min_level", "parent"};
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

		ld_keys(L, g, keys, 3, "compartment");
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
	if (!L->oom)
		link_compartments(L);
}

/* ---- Countries and caveats ---------------------------------------------- */

/* A country code: 2 to 8 capital letters ("USA", "GBR", "FVEY"). Returns
 * its id, or -1 (reported). */
static int ld_country(struct ld *L, const config_setting_t *e, const char *code)
{
	struct pol_policy *p = L->p;
	size_t len = strlen(code);
	struct pol_htab_entry *ent;
	bool existed;
	if (len < 2 || len > 8 || strspn(code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != len) {
		ld_error(L, e, "country code '%s' must be 2 to 8 capital letters, e.g. \"USA\"", code);
		return -1;
	}
	if (p->ncountries >= POL_MAX_COUNTRIES &&
	    !pol_htab_find(&L->countries, code, len, pol_hash(code, len))) {
		ld_error(L, e, "too many distinct country codes (at most %d)", POL_MAX_COUNTRIES);
		return -1;
	}
	ent = pol_htab_insert(&L->countries, code, len, (int32_t)p->ncountries, 0, &existed);
	if (!ent) {
		L->oom = true;
		return -1;
	}
	if (!existed) {
		p->countries[p->ncountries] = ld_strdup(L, code);
		ent->key = p->countries[p->ncountries];
		p->ncountries++;
	}
	return ent->a;
}

/* A list of country codes into set; returns the number of valid codes, or
 * -1 when s is not a list of strings. Duplicates are errors. */
static int ld_country_list(struct ld *L, const config_setting_t *s, struct pol_cset *set)
{
	int n, good = 0;
	if ((n = ld_string_list(L, s, 8)) < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		int id = ld_country(L, e, config_setting_get_string(e));
		if (id < 0)
			continue;
		if (pol_cset_has(set, (unsigned)id)) {
			ld_error(L, e, "'%s' is listed twice", config_setting_get_string(e));
			continue;
		}
		pol_cset_add(set, (unsigned)id);
		good++;
	}
	return good;
}

static void load_caveats(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"name", "releasable_to"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);

	if (n > POL_MAX_CAVEATS) {
		ld_error(L, sec, "too many caveats (%u, at most %d)", n, POL_MAX_CAVEATS);
		n = POL_MAX_CAVEATS;
	}
	p->caveats = ld_alloc(L, (n ? n : 1) * sizeof *p->caveats);
	L->caveat_src = ld_alloc(L, (n ? n : 1) * sizeof *L->caveat_src);
	if (L->oom)
		return;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_caveat *c = &p->caveats[p->ncaveats];
		const config_setting_t *rel;
		const char *name;
		int nrel = -1;

		memset(c, 0, sizeof *c);
		ld_keys(L, g, keys, 2, "caveat");
		name = ld_string(L, g, "name", true, "caveat", POL_NAME_MAX);
		rel = ld_get(L, g, "releasable_to", true, "caveat");
		if (rel && (nrel = ld_country_list(L, rel, &c->rel)) == 0 &&
		    config_setting_length(rel) == 0)
			ld_error(L, rel, "'releasable_to' of a caveat must name at least one country");
		if (!name || !ld_name_ok(L, g, "caveat", name) || nrel <= 0)
			continue;
		if (ld_defined_before(L, g, "caveat", name, p->caveats, p->ncaveats, sizeof *p->caveats,
		                      L->caveat_src))
			continue;
		c->name = ld_strdup(L, name);
		L->caveat_src[p->ncaveats++] = g;
	}
}

/* ---- Groups ------------------------------------------------------------- */

/* The id of group name, creating it when new. -1 on ENOMEM or overflow. */
static int ld_group_id(struct ld *L, const char *name)
{
	struct pol_policy *p = L->p;
	size_t len = strlen(name);
	const struct pol_htab_entry *e = pol_htab_find(&p->group_ids, name, len, pol_hash(name, len));
	struct pol_htab_entry *ne;
	bool existed;
	const char *copy;
	if (e)
		return e->a;
	if (p->ngroups >= L->max_groups || p->ngroups >= POL_MAX_GROUPS) {
		L->oom = true;
		return -1;
	}
	copy = ld_strdup(L, name);
	ne = pol_htab_insert(&p->group_ids, copy, len, (int32_t)p->ngroups, 0, &existed);
	if (!ne) {
		L->oom = true;
		return -1;
	}
	p->group_names[p->ngroups] = copy;
	return (int)p->ngroups++;
}

static int ld_group_find(const struct pol_policy *p, const char *name)
{
	size_t len = strlen(name);
	const struct pol_htab_entry *e = pol_htab_find(&p->group_ids, name, len, pol_hash(name, len));
	return e ? e->a : -1;
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

/* "UTC" or a fixed offset "+HH:MM" / "-HH:MM" up to 14 hours. Returns 0,
 * or -1 when s is neither (it may still be a zone name). */
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

/* A zone name as the zone database spells it ("Europe/London",
 * "Etc/GMT+5"): letters, digits, '_', '+', '-' and '/', not starting with
 * '/', no "..", so that it can only name a file under POL_ZONEINFO_DIR. */
static bool tz_name_ok(const char *s)
{
	size_t len = strlen(s);
	return len > 0 && s[0] != '/' && s[len - 1] != '/' && !strstr(s, "..") &&
	       !strstr(s, "//") &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/-") == len;
}

/* Whether POL_ZONEINFO_DIR/name is a regular file holding a compiled zone
 * ("TZif" magic). */
static bool tz_file_ok(const char *name)
{
	char path[sizeof POL_ZONEINFO_DIR + POL_TZ_NAME_MAX + 2], magic[4];
	struct stat st;
	FILE *f;
	bool ok;
	snprintf(path, sizeof path, "%s/%s", POL_ZONEINFO_DIR, name);
	if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || !(f = fopen(path, "rb")))
		return false;
	ok = fread(magic, 1, sizeof magic, f) == sizeof magic && memcmp(magic, "TZif", 4) == 0;
	fclose(f);
	return ok;
}

/* The zone's offsets (seconds east of UTC) at t, with TZ already set. */
static long tz_offset_at(time_t t)
{
	struct tm tm;
	return localtime_r(&t, &tm) ? tm.tm_gmtoff : 0;
}

#define TZ_FIRST_YEAR_T ((time_t)0)            /* 1970-01-01T00:00:00Z */
#define TZ_END_T ((time_t)4133980800LL)       /* 2101-01-01T00:00:00Z */

/* Precomputes the offset spans of zone name for 1970..2100 from the system
 * zone database: TZ is pointed at the zone file for the duration (the
 * loader runs single-threaded: in the CLI, or in the child process of
 * pol_load_isolated) and restored afterwards. The offset is sampled every
 * day and each change is located to the second by bisection. Before 1970
 * the 1970 offset holds; after 2100 the last one does. */
static int tz_compute_spans(struct ld *L, const char *name, struct pol_schedule *sc)
{
	char tzval[sizeof POL_ZONEINFO_DIR + POL_TZ_NAME_MAX + 3];
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	struct pol_tz_span *v = NULL, *nv;
	size_t n = 0, cap = 0;
	long off;
	int rc = 0;

	if (old && !saved)
		return -1;
	snprintf(tzval, sizeof tzval, ":%s/%s", POL_ZONEINFO_DIR, name);
	if (setenv("TZ", tzval, 1) < 0) {
		free(saved);
		return -1;
	}
	tzset();
	off = tz_offset_at(TZ_FIRST_YEAR_T);
	for (time_t t = TZ_FIRST_YEAR_T; rc == 0 && t < TZ_END_T; t += 86400) {
		time_t lo = t, hi = t + 86400;
		while (rc == 0 && tz_offset_at(hi) != off) {
			/* A change in (lo, hi]: find the first second with a new offset. */
			time_t a = lo, b = hi;
			while (b - a > 1) {
				time_t mid = a + (b - a) / 2;
				if (tz_offset_at(mid) == off)
					a = mid;
				else
					b = mid;
			}
			if (n + 1 >= cap) {
				cap = cap ? cap * 2 : 512;
				if (!(nv = realloc(v, cap * sizeof *v))) {
					rc = -1;
					break;
				}
				v = nv;
			}
			if (n == 0)
				v[n++] = (struct pol_tz_span){INT64_MIN, (int32_t)(off * 1000)};
			off = tz_offset_at(b);
			v[n++] = (struct pol_tz_span){(int64_t)b * 1000, (int32_t)(off * 1000)};
			lo = b;
		}
	}
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else
		unsetenv("TZ");
	tzset();
	if (rc == 0 && n == 0) {
		/* No change at all: a fixed zone. */
		sc->tz_offset_ms = (int32_t)(off * 1000);
	} else if (rc == 0) {
		struct pol_tz_span *spans = ld_alloc(L, n * sizeof *spans);
		if (spans) {
			memcpy(spans, v, n * sizeof *spans);
			sc->spans = spans;
			sc->nspans = (uint32_t)n;
		}
	}
	free(v);
	return rc;
}

/* Resolves tz for sc: "UTC", a fixed offset or a zone name. Zone names are
 * resolved once per load; schedules sharing a zone share its spans. */
static bool load_tz(struct ld *L, const config_setting_t *g, const char *tz,
                    struct pol_schedule *sc)
{
	const config_setting_t *s = config_setting_get_member(g, "tz");
	const struct pol_policy *p = L->p;
	if (parse_tz(tz, &sc->tz_offset_ms) == 0)
		return true;
	if ((tz[0] == '+' || tz[0] == '-') && strchr(tz, ':')) {
		ld_error(L, s, "invalid time zone offset '%s': use \"+HH:MM\" or \"-HH:MM\", "
		         "at most 14:00", tz);
		return false;
	}
	if (!tz_name_ok(tz)) {
		ld_error(L, s, "invalid time zone '%s': use \"UTC\", a fixed offset such as "
		         "\"+02:00\" or a zone name such as \"Europe/London\"", tz);
		return false;
	}
	if (!tz_file_ok(tz)) {
		ld_error(L, s, "unknown time zone '%s' (no such zone in %s)", tz, POL_ZONEINFO_DIR);
		return false;
	}
	for (size_t i = 0; i < p->nschedules; i++) {
		if (strcmp(p->schedules[i].tz, tz) == 0) {
			sc->tz_offset_ms = p->schedules[i].tz_offset_ms;
			sc->spans = p->schedules[i].spans;
			sc->nspans = p->schedules[i].nspans;
			return true;
		}
	}
	if (tz_compute_spans(L, tz, sc) < 0)
		L->oom = true;
	return true;
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

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* holidays = ["2026-12-25", ...]: local days on which the schedule's
 * windows do not open. */
static void load_holidays(struct ld *L, const config_setting_t *g, struct pol_schedule *sc)
{
	const config_setting_t *s = config_setting_get_member(g, "holidays");
	int32_t *days;
	int n;
	if (!s || (n = ld_string_list(L, s, 10)) <= 0)
		return;
	if (n > POL_MAX_HOLIDAYS) {
		ld_error(L, s, "a schedule may list at most %d holidays", POL_MAX_HOLIDAYS);
		return;
	}
	if (!(days = ld_alloc(L, (size_t)n * sizeof *days)))
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e);
		int64_t ms;
		bool dup = false;
		if (vg_date_parse(v, &ms) < 0) {
			ld_error(L, e, "holiday must be a date \"YYYY-MM-DD\", not '%s'", v);
			continue;
		}
		for (uint16_t j = 0; j < sc->nholidays; j++)
			dup = dup || days[j] == (int32_t)(ms / VG_MS_PER_DAY);
		if (dup) {
			ld_error(L, e, "holiday '%s' is listed twice", v);
			continue;
		}
		days[sc->nholidays++] = (int32_t)(ms / VG_MS_PER_DAY);
	}
	qsort(days, sc->nholidays, sizeof *days, cmp_i32);
	sc->holidays = days;
}

static void load_schedules(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"name", "days", "start", "end", "tz", "holidays"};
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

		ld_keys(L, g, keys, 6, "schedule");
		name = ld_string(L, g, "name", true, "schedule", POL_NAME_MAX);
		memset(sc, 0, sizeof *sc);
		load_schedule_days(L, g, sc);
		load_holidays(L, g, sc);
		start = ld_string(L, g, "start", true, "schedule", 16);
		end = ld_string(L, g, "end", true, "schedule", 16);
		tz = ld_string(L, g, "tz", false, "schedule", POL_TZ_NAME_MAX);
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
		if (tz && !load_tz(L, g, tz, sc))
			ok = false;
		if (!name || !ld_name_ok(L, g, "schedule", name) || !start || !end || !ok)
			continue;
		if (ld_defined_before(L, g, "schedule", name, p->schedules, p->nschedules,
		                      sizeof *p->schedules, L->sched_src))
			continue;
		sc->name = ld_strdup(L, name);
		sc->tz = ld_strdup(L, tz ? tz : "UTC");
		L->sched_src[p->nschedules++] = g;
	}
}

static void load_hosts(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"name",          "level", "max_level", "site",
	                                   "removable_media", "enforce_login", "fail"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);

	p->hosts = ld_alloc(L, (n ? n : 1) * sizeof *p->hosts);
	L->host_src = ld_alloc(L, (n ? n : 1) * sizeof *L->host_src);
	if (L->oom)
		return;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_host *h = &p->hosts[p->nhosts];
		const char *name, *site, *fail;
		const config_setting_t *enforce;

		ld_keys(L, g, keys, sizeof keys / sizeof keys[0], "host");
		name = ld_string(L, g, "name", true, "host", POL_TEXT_MAX);
		h->level = ld_level_member(L, g, "level", false, "host");
		h->max_level = ld_level_member(L, g, "max_level", false, "host");
		if (h->level && h->max_level && h->max_level->rank < h->level->rank)
			ld_error(L, config_setting_get_member(g, "max_level"),
			         "host max_level '%s' is below its level '%s'", h->max_level->name,
			         h->level->name);
		site = ld_string(L, g, "site", false, "host", POL_TEXT_MAX);
		h->removable_media = false;
		ld_bool(L, g, "removable_media", &h->removable_media);
		h->enforce_login = false;
		h->fail_closed = false;
		ld_bool(L, g, "enforce_login", &h->enforce_login);
		fail = ld_string(L, g, "fail", false, "host", 16);
		if (fail && strcmp(fail, "closed") != 0 && strcmp(fail, "open") != 0)
			ld_error(L, config_setting_get_member(g, "fail"),
			         "'fail' must be \"open\" or \"closed\", not '%s'", fail);
		else if (fail)
			h->fail_closed = strcmp(fail, "closed") == 0;
		/* A mistyped enforce_login is reported above; say nothing more. */
		enforce = config_setting_get_member(g, "enforce_login");
		if (fail && !h->enforce_login &&
		    (!enforce || config_setting_type(enforce) == CONFIG_TYPE_BOOL))
			ld_warn(L, config_setting_get_member(g, "fail"),
			        "'fail' has no effect on host '%s' without enforce_login = true",
			        name ? name : "?");
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
	static const char *const keys[] = {"level",      "status",          "granted",
	                                   "review_due", "investigated",    "interim_expires",
	                                   "nda_signed"};
	const config_setting_t *g = ld_get(L, pg, "clearance", true, "person");
	const char *status;
	bool has_granted, has_review;
	int st;

	ps->status = POL_ST_DENIED;
	ps->granted = POL_DATE_NONE_PAST;
	ps->review_due = POL_DATE_NONE_FUTURE;
	ps->investigated = POL_DATE_NONE_PAST;
	ps->interim_expires = POL_DATE_NONE_FUTURE;
	ps->nda_signed = POL_DATE_NONE_PAST;
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		ld_error(L, g, "'clearance' must be a group { level = ...; status = ...; }");
		return;
	}
	ld_keys(L, g, keys, sizeof keys / sizeof keys[0], "clearance");
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
	if (ld_date(L, g, "investigated", false, "clearance", &ps->investigated) && has_granted &&
	    ps->investigated > ps->granted)
		ld_warn(L, config_setting_get_member(g, "investigated"),
		        "person '%s' was investigated after the clearance was granted", ps->id);
	if (ld_date(L, g, "interim_expires", false, "clearance", &ps->interim_expires) && status &&
	    ps->status != POL_ST_INTERIM)
		ld_warn(L, config_setting_get_member(g, "interim_expires"),
		        "'interim_expires' applies only to an interim clearance; person '%s' is %s",
		        ps->id, status);
	if (!ld_date(L, g, "nda_signed", false, "clearance", &ps->nda_signed) && status &&
	    ps->status == POL_ST_ACTIVE && !config_setting_get_member(g, "nda_signed"))
		ld_warn(L, g, "person '%s' holds an active clearance but no 'nda_signed' date is "
		        "recorded", ps->id);
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

/* privileges = ["sudo", "su:root", "sudo:svc-*"]: a tool alone grants it
 * towards any target account ("TOOL:*" means the same); "TOOL:TARGET"
 * grants it only towards the accounts TARGET (a name or glob) matches. */
static void load_privileges(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	const config_setting_t *s = config_setting_get_member(pg, "privileges");
	struct pol_priv_target *targets = NULL;
	int n;
	if (!s || (n = ld_string_list(L, s, POL_NAME_MAX + 1 + POL_ID_MAX)) < 0)
		return;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *v = config_setting_get_string(e), *sug, *colon = strchr(v, ':');
		char tool[POL_NAME_MAX + 1];
		const char *target = colon ? colon + 1 : NULL;
		bool dup = false;
		int k;

		snprintf(tool, sizeof tool, "%.*s", (int)(colon ? (size_t)(colon - v) : strlen(v)), v);
		for (k = 0; k < POL_PRIV_COUNT && strcmp(tool, pol_priv_names[k]) != 0; k++)
			;
		if (k == POL_PRIV_COUNT) {
			sug = pol_suggest(tool, pol_priv_names, POL_PRIV_COUNT, sizeof(char *));
			if (sug)
				ld_error(L, e, "unknown privilege '%s' (did you mean '%s'?)", tool, sug);
			else
				ld_error(L, e, "unknown privilege '%s' (expected su or sudo)", tool);
			continue;
		}
		if (target && (!*target || strlen(target) > POL_ID_MAX || !word_ok(target) ||
		               strchr(target, ':'))) {
			ld_error(L, e, "invalid privilege target in '%s': write \"%s:ACCOUNT\" with an "
			         "account name or glob of 1 to %d characters, no spaces or ':'",
			         v, tool, POL_ID_MAX);
			continue;
		}
		if (target && strcmp(target, "*") == 0)
			target = NULL;
		if (!target) {
			if (ps->privs & (1u << k))
				ld_error(L, e, "privilege '%s' is listed twice", v);
			else if (ps->target_privs & (1u << k))
				ld_warn(L, e, "privilege '%s' grants %s to any target, which makes the "
				        "targeted %s grants of this person redundant", v, tool, tool);
			ps->privs |= (uint8_t)(1u << k);
			continue;
		}
		for (uint16_t j = 0; j < ps->nptargets; j++)
			dup = dup || (targets[j].priv == k && strcmp(targets[j].glob, target) == 0);
		if (dup) {
			ld_error(L, e, "privilege '%s' is listed twice", v);
			continue;
		}
		if (ps->privs & (1u << k))
			ld_warn(L, e, "privilege '%s' is redundant: '%s' already grants %s to any target",
			        v, tool, tool);
		if (!targets && !(targets = ld_alloc(L, (size_t)n * sizeof *targets)))
			return;
		{
			struct pol_pattern pt;
			struct pol_priv_target *t = &targets[ps->nptargets++];
			pol_pattern_init(&pt, ld_strdup(L, target));
			t->glob = pt.glob;
			t->lit = pt.lit;
			t->kind = pt.kind;
			t->priv = (uint8_t)k;
		}
		ps->target_privs |= (uint8_t)(1u << k);
	}
	ps->ptargets = targets;
}

static void load_groups(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	const config_setting_t *s = config_setting_get_member(pg, "groups");
	const char **groups = L->strs + L->nstrs;
	uint16_t *gids;
	int n;
	ps->groups = groups;
	if (!s || (n = ld_string_list(L, s, POL_ID_MAX)) <= 0)
		return;
	if (!(gids = ld_alloc(L, (size_t)n * sizeof *gids)))
		return;
	ps->gids = gids;
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_get_string(e);
		int id = ld_group_id(L, name);
		bool dup = false;
		if (id < 0)
			return;
		for (uint16_t j = 0; j < ps->ngroups; j++)
			dup = dup || gids[j] == id;
		if (dup) {
			ld_error(L, e, "group '%s' is listed twice", name);
			continue;
		}
		gids[ps->ngroups] = (uint16_t)id;
		groups[ps->ngroups++] = L->p->group_names[id];
	}
	L->nstrs += ps->ngroups;
}

static void load_citizenships(struct ld *L, const config_setting_t *pg, struct pol_person *ps)
{
	const config_setting_t *s = config_setting_get_member(pg, "citizenships");
	int n;
	if (s && (n = ld_country_list(L, s, &ps->citizen)) > 0)
		ps->ncitizen = (uint16_t)n;
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
			p->schedules[i].used = true;
			return;
		}
	}
	ld_unknown(L, config_setting_get_member(pg, "schedule"), "schedule", name,
	           pol_suggest(name, p->schedules, p->nschedules, sizeof *p->schedules));
}

static void load_persons(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"id",    "name",         "accounts",  "groups",
	                                   "clearance", "compartments", "hosts", "schedule",
	                                   "privileges", "citizenships"};
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
		load_citizenships(L, g, ps);
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

/* caveats = ["NOFORN"]; releasable_to = ["USA", "GBR"]; groups = ["eng"] */
static void load_resource_controls(struct ld *L, const config_setting_t *g, struct pol_resource *r)
{
	struct pol_policy *p = L->p;
	const config_setting_t *s;
	int n;

	if ((s = config_setting_get_member(g, "caveats")) && (n = ld_string_list(L, s, POL_TEXT_MAX)) > 0) {
		uint8_t *cv = n <= POL_MAX_RESOURCE_CAVEATS ? ld_alloc(L, (size_t)n) : NULL;
		if (n > POL_MAX_RESOURCE_CAVEATS)
			ld_error(L, s, "a resource may name at most %d caveats", POL_MAX_RESOURCE_CAVEATS);
		for (int i = 0; cv && i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			const char *name = config_setting_get_string(e);
			size_t k;
			bool dup = false;
			for (k = 0; k < p->ncaveats && strcmp(p->caveats[k].name, name) != 0; k++)
				;
			if (k == p->ncaveats) {
				ld_unknown(L, e, "caveat", name,
				           pol_suggest(name, p->caveats, p->ncaveats, sizeof *p->caveats));
				continue;
			}
			for (uint8_t j = 0; j < r->ncaveats; j++)
				dup = dup || cv[j] == k;
			if (dup) {
				ld_error(L, e, "caveat '%s' is listed twice", name);
				continue;
			}
			cv[r->ncaveats++] = (uint8_t)k;
		}
		r->caveats = cv;
	}
	if ((s = config_setting_get_member(g, "releasable_to"))) {
		struct pol_cset *rel = ld_alloc(L, sizeof *rel);
		if (rel && ld_country_list(L, s, rel) >= 0) {
			if (config_setting_length(s) == 0)
				ld_error(L, s, "'releasable_to' must name at least one country "
				         "(leave it out for no restriction)");
			r->rel = rel;
		}
	}
	if ((s = config_setting_get_member(g, "groups")) && (n = ld_string_list(L, s, POL_ID_MAX)) > 0) {
		uint16_t *ag = n <= POL_MAX_RESOURCE_GROUPS ? ld_alloc(L, (size_t)n * sizeof *ag) : NULL;
		if (n > POL_MAX_RESOURCE_GROUPS)
			ld_error(L, s, "a resource may name at most %d access groups",
			         POL_MAX_RESOURCE_GROUPS);
		for (int i = 0; ag && i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			const char *name = config_setting_get_string(e);
			int id = ld_group_find(p, name);
			bool dup = false;
			if (id < 0) {
				const char *sug = pol_suggest(name, p->group_names, p->ngroups, sizeof(char *));
				if (sug)
					ld_warn(L, e, "group '%s' has no members, so no one may access resource "
					        "'%s' (did you mean '%s'?)", name, r->id, sug);
				else
					ld_warn(L, e, "group '%s' has no members, so no one may access resource "
					        "'%s'", name, r->id);
				if ((id = ld_group_id(L, name)) < 0)
					return;
			}
			for (uint8_t j = 0; j < r->nagroups; j++)
				dup = dup || ag[j] == id;
			if (dup) {
				ld_error(L, e, "group '%s' is listed twice", name);
				continue;
			}
			ag[r->nagroups++] = (uint16_t)id;
		}
		r->agroups = ag;
	}
	if ((s = config_setting_get_member(g, "owners")) && (n = ld_string_list(L, s, POL_ID_MAX)) > 0) {
		const struct pol_person **ow =
		    n <= POL_MAX_RESOURCE_OWNERS ? ld_alloc(L, (size_t)n * sizeof *ow) : NULL;
		if (n > POL_MAX_RESOURCE_OWNERS)
			ld_error(L, s, "a resource may name at most %d owners", POL_MAX_RESOURCE_OWNERS);
		for (int i = 0; ow && i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			const char *name = config_setting_get_string(e);
			const struct pol_person *ps = pol_find_person(p, name);
			bool dup = false;
			if (!ps) {
				ld_unknown(L, e, "person", name,
				           pol_suggest(name, p->persons, p->npersons, sizeof *p->persons));
				continue;
			}
			for (uint16_t j = 0; j < r->nowners; j++)
				dup = dup || ow[j] == ps;
			if (dup) {
				ld_error(L, e, "owner '%s' is listed twice", name);
				continue;
			}
			ow[r->nowners++] = ps;
		}
		r->owners = ow;
	}
}

static void load_resources(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"id",      "path",          "level",  "compartments",
	                                   "caveats", "releasable_to", "groups", "owners"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);
	size_t nrcomps = 0;
	struct pol_htab paths;
	struct pol_htab *ids = &p->resource_ids;
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
	if (pol_htab_init(ids, n, &p->arena) < 0 || pol_htab_init(&paths, n, NULL) < 0) {
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
		ld_keys(L, g, keys, sizeof keys / sizeof keys[0], "resource");
		id = ld_string(L, g, "id", true, "resource", POL_ID_MAX);
		path = ld_string(L, g, "path", true, "resource", POL_PATH_MAX);
		r->level = ld_level_member(L, g, "level", true, "resource");
		r->id = id ? ld_strdup(L, id) : "";
		load_resource_comps(L, g, r);
		load_resource_controls(L, g, r);
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
		e = pol_htab_find(ids, id, strlen(id), pol_hash(id, strlen(id)));
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
		if (!pol_htab_insert(ids, r->id, strlen(r->id), (int32_t)p->nresources, 0, &existed) ||
		    !pol_htab_insert(&paths, r->path, strlen(r->path), (int32_t)p->nresources, 0,
		                     &existed)) {
			L->oom = true;
			break;
		}
		r->prefix = path[strlen(path) - 1] == '/';
		r->index = (uint32_t)p->nresources;
		L->res_src[p->nresources++] = g;
	}
	pol_htab_free(&paths);
}

/* ---- Exceptions ---------------------------------------------------------- */

#define EXPIRY_WARN_DAYS 14

static void load_exceptions(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"subject", "resource", "justification", "approver",
	                                   "ticket",  "created",  "expires"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);

	p->exceptions = ld_alloc(L, (n ? n : 1) * sizeof *p->exceptions);
	if (L->oom)
		return;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_exception *x = &p->exceptions[p->nexceptions];
		const char *subject, *resource, *just, *approver, *ticket;
		const struct pol_person *ps;
		const struct pol_resource *r = NULL;
		bool has_created, has_expires, ok = true;
		char day[11];

		memset(x, 0, sizeof *x);
		ld_keys(L, g, keys, sizeof keys / sizeof keys[0], "exception");
		subject = ld_string(L, g, "subject", true, "exception", POL_ID_MAX);
		resource = ld_string(L, g, "resource", true, "exception", POL_ID_MAX);
		just = ld_string(L, g, "justification", true, "exception", 1024);
		approver = ld_string(L, g, "approver", true, "exception", POL_TEXT_MAX);
		ticket = ld_string(L, g, "ticket", true, "exception", POL_ID_MAX);
		has_created = ld_date(L, g, "created", true, "exception", &x->created);
		has_expires = ld_date(L, g, "expires", true, "exception", &x->expires);
		x->person = -1;
		x->group = -1;
		if (subject) {
			int gid = ld_group_find(p, subject);
			ps = pol_find_person(p, subject);
			if (ps && gid >= 0) {
				ld_error(L, config_setting_get_member(g, "subject"),
				         "subject '%s' is both a person id and a group", subject);
				ok = false;
			} else if (ps) {
				x->person = (int32_t)(ps - p->persons);
			} else if (gid >= 0) {
				x->group = gid;
			} else {
				ld_error(L, config_setting_get_member(g, "subject"),
				         "unknown subject '%s' (expected a person id or a group)", subject);
				ok = false;
			}
		}
		if (resource && !(r = pol_find_resource(p, resource))) {
			ld_unknown(L, config_setting_get_member(g, "resource"), "resource", resource,
			           NULL);
			ok = false;
		}
		if (has_created && has_expires && x->expires <= x->created) {
			ld_error(L, config_setting_get_member(g, "expires"),
			         "'expires' must be after 'created'");
			ok = false;
		}
		if (!subject || !r || !just || !approver || !ticket || !has_created || !has_expires ||
		    !ok)
			continue;
		vg_date_format(x->expires, day);
		if (x->expires <= L->now)
			ld_warn(L, config_setting_get_member(g, "expires"),
			        "exception %s for '%s' on '%s' expired on %s", ticket, subject, resource,
			        day);
		else if (x->expires - L->now <= (int64_t)EXPIRY_WARN_DAYS * VG_MS_PER_DAY)
			ld_warn(L, config_setting_get_member(g, "expires"),
			        "exception %s for '%s' on '%s' expires on %s, within %d days", ticket,
			        subject, resource, day, EXPIRY_WARN_DAYS);
		x->subject = ld_strdup(L, subject);
		x->justification = ld_strdup(L, just);
		x->approver = ld_strdup(L, approver);
		x->ticket = ld_strdup(L, ticket);
		x->resource = r;
		x->line = config_setting_source_line(g);
		p->nexceptions++;
	}
}

/* ---- Suppressions ---------------------------------------------------------- */

/* suppressions = ( { kind = "first_access"; subject = "p1001"; host = "lab-*";
 *                    reason = "first_host:"; justification = "..."; approver = "...";
 *                    ticket = "SEC-12"; created = "2026-11-01"; expires = "2027-01-01"; } ); */
static void load_suppressions(struct ld *L, const config_setting_t *sec)
{
	static const char *const keys[] = {"kind",     "subject", "host",    "reason",  "justification",
	                                   "approver", "ticket",  "created", "expires"};
	struct pol_policy *p = L->p;
	unsigned n = section_len(sec);

	p->suppressions = ld_alloc(L, (n ? n : 1) * sizeof *p->suppressions);
	if (L->oom)
		return;
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(sec, i);
		struct pol_suppression *x = &p->suppressions[p->nsuppressions];
		const char *kind, *subject, *host, *reason, *just, *approver, *ticket;
		bool has_created, has_expires, ok = true;
		char day[11], names[600];

		memset(x, 0, sizeof *x);
		ld_keys(L, g, keys, sizeof keys / sizeof keys[0], "suppression");
		kind = ld_string(L, g, "kind", true, "suppression", POL_ID_MAX);
		subject = ld_string(L, g, "subject", false, "suppression", POL_ID_MAX);
		host = ld_string(L, g, "host", false, "suppression", POL_ID_MAX);
		reason = ld_string(L, g, "reason", false, "suppression", POL_REASON_LEN - 1);
		just = ld_string(L, g, "justification", true, "suppression", 1024);
		approver = ld_string(L, g, "approver", true, "suppression", POL_TEXT_MAX);
		ticket = ld_string(L, g, "ticket", true, "suppression", POL_ID_MAX);
		has_created = ld_date(L, g, "created", true, "suppression", &x->created);
		has_expires = ld_date(L, g, "expires", true, "suppression", &x->expires);
		if (kind && vg_akind_parse(kind) < 0) {
			ld_error(L, config_setting_get_member(g, "kind"),
			         "unknown anomaly kind '%s' (one of %s)", kind,
			         vg_names_join(vg_akind_names, VG_AK_COUNT, names, sizeof names));
			ok = false;
		}
		if (subject && !pol_find_person(p, subject) && ld_group_find(p, subject) < 0) {
			ld_error(L, config_setting_get_member(g, "subject"),
			         "unknown subject '%s' (expected a person id or a group)", subject);
			ok = false;
		}
		if (has_created && has_expires && x->expires <= x->created) {
			ld_error(L, config_setting_get_member(g, "expires"),
			         "'expires' must be after 'created'");
			ok = false;
		}
		if (!kind || !just || !approver || !ticket || !has_created || !has_expires || !ok)
			continue;
		vg_date_format(x->expires, day);
		if (x->expires <= L->now)
			ld_warn(L, config_setting_get_member(g, "expires"),
			        "suppression %s of %s expired on %s", ticket, kind, day);
		else if (x->expires - L->now <= (int64_t)EXPIRY_WARN_DAYS * VG_MS_PER_DAY)
			ld_warn(L, config_setting_get_member(g, "expires"),
			        "suppression %s of %s expires on %s, within %d days", ticket, kind, day,
			        EXPIRY_WARN_DAYS);
		x->kind = ld_strdup(L, kind);
		x->subject = subject ? ld_strdup(L, subject) : NULL;
		x->host = host ? ld_strdup(L, host) : NULL;
		x->reason = reason ? ld_strdup(L, reason) : NULL;
		x->justification = ld_strdup(L, just);
		x->approver = ld_strdup(L, approver);
		x->ticket = ld_strdup(L, ticket);
		x->line = config_setting_source_line(g);
		p->nsuppressions++;
	}
}

/* ---- Thresholds --------------------------------------------------------- */

/* "30s", "10m", "2h", "14d" as ms; -1 when malformed. */
static int64_t parse_duration(const char *s)
{
	char *end;
	long long v;
	if (*s < '0' || *s > '9')
		return -1;
	v = strtoll(s, &end, 10);
	if (end[0] == '\0' || end[1] != '\0' || v <= 0 || v > 100000)
		return -1;
	switch (end[0]) {
	case 's': return v * 1000;
	case 'm': return v * 60000;
	case 'h': return v * 3600000;
	case 'd': return v * VG_MS_PER_DAY;
	default: return -1;
	}
}

/* Durations from one second to a year. */
static void ld_duration(struct ld *L, const config_setting_t *g, const char *name, int64_t *out)
{
	const char *v = ld_string(L, g, name, false, "thresholds", 16);
	int64_t ms;
	if (!v)
		return;
	ms = parse_duration(v);
	if (ms < 1000 || ms > 366 * VG_MS_PER_DAY) {
		ld_error(L, config_setting_get_member(g, name),
		         "'%s' must be a duration from \"1s\" to \"366d\" such as \"10m\", "
		         "\"2h\" or \"14d\", not '%s'", name, v);
		return;
	}
	*out = ms;
}

static void ld_count(struct ld *L, const config_setting_t *g, const char *name, long long max,
                     uint32_t *out)
{
	long long v;
	if (ld_int(L, g, name, false, "thresholds", 1, max, &v))
		*out = (uint32_t)v;
}

void pol_thresholds_default(struct pol_thresholds *t)
{
	memset(t, 0, sizeof *t);
	t->failed_login_burst.count = 5;
	t->failed_login_burst.window_ms = 10 * 60000;
	t->volume_spike.factor = 10;
	t->volume_spike.min_events = 100;
	t->volume_spike.window_ms = VG_MS_PER_DAY;
	t->first_access.learning_ms = 14 * VG_MS_PER_DAY;
	t->unusual_hour.learning_ms = 14 * VG_MS_PER_DAY;
	t->concurrent_sessions.window_ms = 5 * 60000;
	t->dormant_account.after_ms = 30 * VG_MS_PER_DAY;
	t->agent_silent.after_ms = 15 * 60000;
	t->reorder.window_ms = 5 * 60000;
	t->risk.half_life_ms = 14 * VG_MS_PER_DAY;
}

/* thresholds = { failed_login_burst = { count = 5; window = "10m"; }; ... }; */
static void load_thresholds(struct ld *L, const config_setting_t *root)
{
	static const char *const keys[] = {"failed_login_burst", "volume_spike", "first_access",
	                                   "unusual_hour",       "concurrent_sessions",
	                                   "dormant_account",    "agent_silent",
	                                   "reorder",            "risk"};
	static const char *const burst_keys[] = {"count", "window"};
	static const char *const spike_keys[] = {"factor", "min_events", "window"};
	static const char *const learn_keys[] = {"learning"};
	static const char *const window_keys[] = {"window"};
	static const char *const after_keys[] = {"after"};
	static const char *const half_life_keys[] = {"half_life"};
	const config_setting_t *g = config_setting_get_member(root, "thresholds");
	struct pol_thresholds *t = &L->p->thresholds;
	const config_setting_t *d;

	pol_thresholds_default(t);
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		ld_error(L, g, "'thresholds' must be a group: thresholds = { failed_login_burst = "
		         "{ count = 5; window = \"10m\"; }; };");
		return;
	}
	ld_keys(L, g, keys, sizeof keys / sizeof keys[0], "thresholds");
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		d = config_setting_get_member(g, keys[i]);
		if (d && !config_setting_is_group(d)) {
			ld_error(L, d, "'%s' must be a group { ... }", keys[i]);
			continue;
		}
		if (!d)
			continue;
		switch (i) {
		case 0:
			ld_keys(L, d, burst_keys, 2, keys[i]);
			ld_count(L, d, "count", 100000, &t->failed_login_burst.count);
			ld_duration(L, d, "window", &t->failed_login_burst.window_ms);
			break;
		case 1:
			ld_keys(L, d, spike_keys, 3, keys[i]);
			ld_count(L, d, "factor", 1000, &t->volume_spike.factor);
			ld_count(L, d, "min_events", 100000000, &t->volume_spike.min_events);
			ld_duration(L, d, "window", &t->volume_spike.window_ms);
			break;
		case 2:
		case 3:
			ld_keys(L, d, learn_keys, 1, keys[i]);
			ld_duration(L, d, "learning", i == 2 ? &t->first_access.learning_ms
			                                     : &t->unusual_hour.learning_ms);
			break;
		case 4:
			ld_keys(L, d, window_keys, 1, keys[i]);
			ld_duration(L, d, "window", &t->concurrent_sessions.window_ms);
			break;
		case 5:
		case 6:
			ld_keys(L, d, after_keys, 1, keys[i]);
			ld_duration(L, d, "after", i == 5 ? &t->dormant_account.after_ms
			                                  : &t->agent_silent.after_ms);
			break;
		case 7:
			ld_keys(L, d, window_keys, 1, keys[i]);
			ld_duration(L, d, "window", &t->reorder.window_ms);
			break;
		case 8:
			ld_keys(L, d, half_life_keys, 1, keys[i]);
			ld_duration(L, d, "half_life", &t->risk.half_life_ms);
			break;
		}
	}
}

/* ---- Whole-policy warnings ------------------------------------------------ */

/* Compartments no one is read on to now, and schedules no one follows:
 * usually leftovers or typos elsewhere. */
static void warn_unused(struct ld *L)
{
	struct pol_policy *p = L->p;
	bool *held = calloc(p->ncomps ? p->ncomps : 1, sizeof *held);
	if (!held) {
		L->oom = true;
		return;
	}
	for (size_t i = 0; i < p->npersons; i++)
		for (uint16_t j = 0; j < p->persons[i].ngrants; j++)
			if (p->persons[i].grants[j].debriefed > L->now)
				held[p->persons[i].grants[j].comp] = true;
	for (size_t i = 0; i < p->ncomps; i++)
		if (!held[i])
			ld_warn(L, L->comp_src[i], "no one is read on to compartment '%s'",
			        p->comps[i].name);
	free(held);
	for (size_t i = 0; i < p->nschedules; i++)
		if (!p->schedules[i].used)
			ld_warn(L, L->sched_src[i], "schedule '%s' is not used by any person",
			        p->schedules[i].name);
}

/* ---- Entry points ------------------------------------------------------- */

/* Sum of the lengths of member `name` of each group in sec. */
static size_t members_total(const config_setting_t *sec, const char *name)
{
	size_t n = 0;
	for (unsigned i = 0; i < section_len(sec); i++)
		n += member_len(config_setting_get_elem(sec, i), name);
	return n;
}

/* The country and group tables, sized from the whole tree. */
static void init_name_tables(struct ld *L, const config_setting_t *caveats,
                             const config_setting_t *persons, const config_setting_t *resources,
                             const config_setting_t *exceptions)
{
	struct pol_policy *p = L->p;
	size_t nc = members_total(caveats, "releasable_to") + members_total(persons, "citizenships") +
	            members_total(resources, "releasable_to");
	size_t ng = members_total(persons, "groups") + members_total(resources, "groups") +
	            section_len(exceptions);
	L->max_countries = nc;
	L->max_groups = ng;
	p->countries = ld_alloc(L, (nc ? nc : 1) * sizeof *p->countries);
	p->group_names = ld_alloc(L, (ng ? ng : 1) * sizeof *p->group_names);
	if (L->oom || pol_htab_init(&L->countries, nc, NULL) < 0 ||
	    pol_htab_init(&p->group_ids, ng, &p->arena) < 0)
		L->oom = true;
}

static void load_root(struct ld *L, const config_setting_t *root)
{
	static const char *const keys[] = {"policy",  "levels",    "compartments", "schedules",
	                                   "persons", "resources", "hosts",        "caveats",
	                                   "exceptions", "thresholds", "suppressions"};
	const config_setting_t *levels = ld_section(L, root, "levels", true);
	const config_setting_t *comps = ld_section(L, root, "compartments", false);
	const config_setting_t *scheds = ld_section(L, root, "schedules", false);
	const config_setting_t *hosts = ld_section(L, root, "hosts", false);
	const config_setting_t *persons = ld_section(L, root, "persons", false);
	const config_setting_t *resources = ld_section(L, root, "resources", false);
	const config_setting_t *caveats = ld_section(L, root, "caveats", false);
	const config_setting_t *exceptions = ld_section(L, root, "exceptions", false);

	ld_keys(L, root, keys, sizeof keys / sizeof keys[0], "the policy");
	load_header(L, root);
	load_levels(L, levels);
	init_name_tables(L, caveats, persons, resources, exceptions);
	load_thresholds(L, root);
	if (!L->oom)
		load_compartments(L, comps);
	if (!L->oom)
		load_caveats(L, caveats);
	if (!L->oom)
		load_schedules(L, scheds);
	if (!L->oom)
		load_hosts(L, hosts);
	if (!L->oom)
		load_persons(L, persons);
	if (!L->oom)
		load_resources(L, resources);
	if (!L->oom)
		load_exceptions(L, exceptions);
	if (!L->oom)
		load_suppressions(L, ld_section(L, root, "suppressions", false));
	/* With errors, names that failed to resolve would make things look
	 * unused: these warnings would only add noise. */
	if (!L->oom && L->errors == 0)
		warn_unused(L);
	pol_htab_free(&L->countries);
}

/* ---- Content hash of the sources --------------------------------------- */

/* Records, in first-seen order, every file a setting of the tree came from
 * (the policy file and its @include files). */
static void collect_files(struct ld *L, const config_setting_t *s)
{
	const char *f = config_setting_source_file(s);
	int n;
	if (f && strcmp(f, L->path) != 0) {
		unsigned i;
		for (i = 0; i < L->nhfiles && strcmp(L->hfiles[i], f) != 0; i++)
			;
		if (i == L->nhfiles && L->nhfiles < MAX_FILES)
			L->hfiles[L->nhfiles++] = f;
	}
	if (!config_setting_is_aggregate(s))
		return;
	n = config_setting_length(s);
	for (int i = 0; i < n; i++)
		collect_files(L, config_setting_get_elem(s, (unsigned)i));
}

static int hash_file(gnutls_hash_hd_t h, const char *path)
{
	unsigned char buf[65536];
	size_t n;
	FILE *f = fopen(path, "rb");
	if (!f)
		return -1;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		gnutls_hash(h, buf, n);
	n = (size_t)ferror(f);
	fclose(f);
	return n ? -1 : 0;
}

/* SHA-256 over the bytes of the policy file, then of each included file
 * in the order first seen, into p->source_hash. */
static void hash_sources(struct ld *L, const config_setting_t *root)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[32];
	gnutls_hash_hd_t h;
	char file[1024];

	collect_files(L, root);
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0) {
		L->oom = true;
		return;
	}
	if (hash_file(h, L->path) < 0)
		ld_error(L, NULL, "cannot read the policy to hash it: %s", strerror(errno));
	for (unsigned i = 0; i < L->nhfiles; i++) {
		const char *f = L->hfiles[i];
		if (L->incdir && f[0] != '/')
			snprintf(file, sizeof file, "%s/%s", L->incdir, f);
		else
			snprintf(file, sizeof file, "%s", f);
		if (hash_file(h, file) < 0)
			ld_error(L, NULL, "cannot read included file '%s' to hash it: %s", file,
			         strerror(errno));
	}
	gnutls_hash_deinit(h, digest);
	for (unsigned i = 0; i < 32; i++) {
		L->p->source_hash[2 * i] = hex[digest[i] >> 4];
		L->p->source_hash[2 * i + 1] = hex[digest[i] & 15];
	}
	L->p->source_hash[64] = '\0';
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
		if (!L.oom)
			hash_sources(&L, config_root_setting(&cfg));
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
