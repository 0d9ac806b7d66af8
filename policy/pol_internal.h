/*
 * pol_internal: the compiled policy, shared by the pol_*.c files only.
 *
 * A compiled policy is a handful of arrays carved from one arena plus three
 * hash tables. Everything a decision needs is resolved at load time: level
 * names to ranks, compartment names to small integer ids, schedule names to
 * pointers, host globs to a fast matcher. Strings live in the arena, so the
 * libconfig tree can be destroyed as soon as the policy is compiled.
 *
 * To grow the language further add a field here, parse it in pol_load.c
 * and add one check function to pol_decide.c; the lookup structures stay.
 * Country codes (citizenships, caveats, REL TO) are small integer ids in a
 * 256-bit set, and groups are ids too, so those checks are a few word
 * operations.
 */
#ifndef POL_INTERNAL_H
#define POL_INTERNAL_H

#include "pol.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Limits that keep reason codes within POL_REASON_LEN and arrays small. */
#define POL_NAME_MAX 32          /* level, compartment and schedule names */
#define POL_ID_MAX 64            /* person, resource and account ids */
#define POL_TEXT_MAX 255         /* free text: person name, site, host glob */
#define POL_PATH_MAX 4096
#define POL_MAX_COMPARTMENTS 65535
#define POL_MAX_RESOURCE_COMPARTMENTS 32
#define POL_RANK_MAX 1000
#define POL_MAX_COUNTRIES 256        /* distinct citizenship / release codes */
#define POL_MAX_CAVEATS 255
#define POL_MAX_GROUPS 65535
#define POL_MAX_RESOURCE_GROUPS 16   /* access groups of one resource */
#define POL_MAX_RESOURCE_CAVEATS 16
#define POL_MAX_RESOURCE_OWNERS 64
#define POL_MAX_HOLIDAYS 1024        /* per schedule */

/* "no date": granted since forever, review never due, never debriefed. */
#define POL_DATE_NONE_PAST INT64_MIN
#define POL_DATE_NONE_FUTURE INT64_MAX

enum pol_status {
	POL_ST_PENDING,
	POL_ST_INTERIM,
	POL_ST_ACTIVE,
	POL_ST_SUSPENDED,
	POL_ST_REVOKED,
	POL_ST_DENIED,
	POL_ST_EXPIRED,
	POL_ST_DEBRIEFED,
	POL_ST_COUNT
};
extern const char *const pol_status_names[POL_ST_COUNT];

/* Privileges a person may be granted; bit (1 << index) in pol_person.privs
 * means "to any target account". */
enum pol_priv { POL_PRIV_SU, POL_PRIV_SUDO, POL_PRIV_COUNT };
extern const char *const pol_priv_names[POL_PRIV_COUNT];

/* A privilege granted only towards some target accounts ("sudo:svc-*"):
 * the target is an account name or a glob ('*', '?', '[...]'),
 * compared case-sensitively. */
struct pol_priv_target {
	const char *glob;
	uint16_t lit;                        /* length of the literal part */
	uint8_t kind;                        /* enum pol_pat_kind */
	uint8_t priv;                        /* enum pol_priv */
};

/* ---- Arena: every string and array of a compiled policy ---------------- */

struct pol_arena_chunk;
struct pol_arena {
	struct pol_arena_chunk *head;
	size_t total;                 /* bytes obtained from malloc */
	/* When region is set, everything comes from it instead (a mapping
	 * shared with a loader process, see pol_isolate.c); it is released as
	 * a whole, never piece by piece. */
	unsigned char *region;
	size_t region_size, region_used;
};

void *pol_arena_alloc(struct pol_arena *a, size_t n);   /* zeroed, 8-aligned; NULL on ENOMEM */
char *pol_arena_strdup(struct pol_arena *a, const char *s);
void pol_arena_free(struct pol_arena *a);

/* ---- Hash table of strings --------------------------------------------- */

/* Keys are borrowed (arena strings); the capacity is fixed at init, which
 * the loader can do because it knows every count before inserting. Each
 * entry carries two int32 values whose meaning belongs to the user. */
struct pol_htab_entry {
	const char *key;
	uint32_t len;
	uint32_t hash;
	int32_t a, b;
};

struct pol_htab {
	struct pol_htab_entry *ents;
	uint32_t *slots;              /* 0 = empty, else entry index + 1 */
	uint32_t n, max, mask;
	bool owned;                   /* malloc'd, not carved from an arena */
};

/* FNV-1a, fed byte by byte so that the path walk can hash every ancestor
 * in one pass, then finished with a mixer so that the low bits index well. */
#define POL_HASH_INIT 2166136261u
static inline uint32_t pol_hash_step(uint32_t h, unsigned char c)
{
	return (h ^ c) * 16777619u;
}
static inline uint32_t pol_hash_finish(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}
uint32_t pol_hash(const char *s, size_t len);   /* finished hash */

/* A table for up to max_entries keys, carved from arena (freed with it) or,
 * when arena is NULL, from malloc (freed by pol_htab_free). 0 or -1. */
int pol_htab_init(struct pol_htab *t, size_t max_entries, struct pol_arena *arena);
void pol_htab_free(struct pol_htab *t);
/* Returns the entry for key, or NULL. hash is pol_hash(key, len). */
const struct pol_htab_entry *pol_htab_find(const struct pol_htab *t, const char *key,
                                           size_t len, uint32_t hash);
/* Inserts key (borrowed) with values a, b. Returns the new entry, or the
 * existing one with *existed set; NULL when the table is full. */
struct pol_htab_entry *pol_htab_insert(struct pol_htab *t, const char *key, size_t len,
                                       int32_t a, int32_t b, bool *existed);

/* ---- Glob matching with fast paths ------------------------------------- */

enum pol_pat_kind { POL_PAT_EXACT, POL_PAT_PREFIX_STAR, POL_PAT_ANY, POL_PAT_GLOB };

/* A host-name glob. Most are "ws-*" or a literal name, compared without
 * fnmatch; host names compare case-insensitively. */
struct pol_pattern {
	const char *glob;
	uint16_t lit;                 /* length of the literal part */
	uint8_t kind;                 /* enum pol_pat_kind */
};
void pol_pattern_init(struct pol_pattern *pt, const char *glob);
bool pol_pattern_match(const struct pol_pattern *pt, const char *name);

/* ---- The compiled model ------------------------------------------------- */

struct pol_level {
	const char *name;
	int32_t rank;
};

/* A set of country codes (citizenships, releasability), bit per id. */
struct pol_cset {
	uint64_t w[POL_MAX_COUNTRIES / 64];
};
static inline bool pol_cset_has(const struct pol_cset *s, unsigned id)
{
	return (s->w[id >> 6] >> (id & 63)) & 1u;
}
static inline void pol_cset_add(struct pol_cset *s, unsigned id)
{
	s->w[id >> 6] |= (uint64_t)1 << (id & 63);
}
static inline bool pol_cset_meets(const struct pol_cset *a, const struct pol_cset *b)
{
	for (unsigned i = 0; i < POL_MAX_COUNTRIES / 64; i++)
		if (a->w[i] & b->w[i])
			return true;
	return false;
}

struct pol_compartment {
	const char *name;
	/* The highest min_level of the compartment and its ancestors (a
	 * sub-compartment needs at least what its parent needs); NULL: none. */
	const struct pol_level *min_level;
	int32_t parent;                      /* compartment id, or -1 */
};

/* A dissemination control such as NOFORN: releasable only to persons
 * holding one of the listed citizenships. */
struct pol_caveat {
	const char *name;
	struct pol_cset rel;
};

/* A named zone's UTC offset from `at` on, until the next entry. The loader
 * precomputes them from the system zone database for 1970..2100; the first
 * entry's `at` is INT64_MIN, so every instant falls in some entry. */
struct pol_tz_span {
	int64_t at;                          /* ms since the epoch */
	int32_t offset_ms;                   /* local = UTC + offset */
};

#define POL_TZ_NAME_MAX 64               /* "America/Argentina/Buenos_Aires" */
#define POL_ZONEINFO_DIR "/usr/share/zoneinfo"

struct pol_schedule {
	const char *name;
	const char *tz;                      /* as written: "UTC", "+02:00", "Europe/London" */
	int32_t tz_offset_ms;                /* the fixed offset when nspans is 0 */
	uint32_t nspans;                     /* named zone: offset spans, sorted by at */
	const struct pol_tz_span *spans;
	int32_t start_min, end_min;          /* minutes of the local day; end may be 1440 */
	uint8_t days;                        /* bit 0 = Monday ... bit 6 = Sunday */
	uint16_t nholidays;
	const int32_t *holidays;             /* local days since the epoch, sorted */
	bool used;                           /* some person follows it (for check) */
};

/* A person's read-on to one compartment. */
struct pol_grant {
	int64_t read_on;                     /* ms, start of that UTC day */
	int64_t debriefed;                   /* ms, or POL_DATE_NONE_FUTURE */
	uint16_t comp;
};

struct pol_person {
	const char *id, *name;
	const struct pol_level *level;
	int32_t rank;
	uint8_t status;                      /* enum pol_status */
	uint8_t privs;                       /* bits of enum pol_priv: any target */
	uint8_t target_privs;                /* bits: some targeted grant of that tool */
	uint16_t naccounts, nhosts, ngroups, ngrants;
	uint16_t nptargets;
	const struct pol_priv_target *ptargets;   /* targeted grants, in file order */
	int64_t granted;                     /* ms, or POL_DATE_NONE_PAST */
	int64_t review_due;                  /* ms, or POL_DATE_NONE_FUTURE */
	int64_t investigated;                /* ms, or POL_DATE_NONE_PAST */
	int64_t interim_expires;             /* ms, or POL_DATE_NONE_FUTURE */
	int64_t nda_signed;                  /* ms, or POL_DATE_NONE_PAST */
	struct pol_cset citizen;             /* citizenships */
	uint16_t ncitizen;
	const uint16_t *gids;                /* group ids, parallel to groups */
	const char *const *accounts;
	const struct pol_pattern *hosts;
	const char *const *groups;
	const struct pol_grant *grants;      /* sorted by comp */
	const struct pol_schedule *schedule; /* NULL: any time */
	unsigned line;
};

struct pol_resource {
	const char *id, *path;
	const struct pol_level *level;
	const uint16_t *comps;
	uint16_t ncomps;
	uint8_t ncaveats, nagroups;
	const uint8_t *caveats;              /* caveat ids */
	const uint16_t *agroups;             /* access groups: only members may access */
	const struct pol_cset *rel;          /* releasable to; NULL: no restriction */
	const struct pol_person *const *owners;   /* accountable persons; pass `groups` */
	uint16_t nowners;
	bool prefix;                         /* path ends in '/' */
	uint32_t index;                      /* position in the file, for ordering */
};

struct pol_host {
	struct pol_pattern pat;
	const char *site;                    /* NULL when unset */
	const struct pol_level *level;       /* NULL when unset */
	const struct pol_level *max_level;   /* accreditation ceiling; NULL when unset */
	bool removable_media;
	bool enforce_login;                  /* the PAM module decides logins */
	bool fail_closed;                    /* with enforce_login: deny when undecidable */
};

/* Narrows a deny to an allow for one subject and resource, for a time. */
struct pol_exception {
	const char *subject, *justification, *approver, *ticket;
	const struct pol_resource *resource;
	int32_t person;                      /* person index, or -1 */
	int32_t group;                       /* group id, or -1 */
	int64_t created, expires;            /* ms; applies in [created, expires) */
	unsigned line;
};

/* A suppression rule: anomalies it covers are not recorded (docs/policy.md). */
struct pol_suppression {
	const char *kind;                    /* an anomaly kind name */
	const char *subject;                 /* person id or group; NULL: anyone */
	const char *host;                    /* host glob; NULL: any host */
	const char *reason;                  /* reason-code prefix; NULL: any */
	const char *justification, *approver, *ticket;
	int64_t created, expires;            /* ms; applies in [created, expires) */
	unsigned line;
};

/* A glob resource hung on the directory its literal part names. */
struct pol_glob {
	uint32_t res;
	int32_t next;                        /* next glob on the same directory, -1 ends */
};

struct pol_policy {
	const char *id;
	long long serial;
	char source_hash[65];                /* SHA-256 hex of the sources */
	struct pol_level *levels;
	struct pol_compartment *comps;
	struct pol_schedule *schedules;
	struct pol_person *persons;
	struct pol_resource *resources;
	struct pol_host *hosts;
	struct pol_glob *globs;
	struct pol_caveat *caveats;
	struct pol_exception *exceptions;
	struct pol_suppression *suppressions;
	size_t nsuppressions;
	const char **countries;              /* country code by id */
	const char **group_names;            /* group name by id */
	size_t nlevels, ncomps, nschedules, npersons, nresources, nhosts, nglobs;
	size_t ncaveats, nexceptions, ncountries, ngroups;
	struct pol_thresholds thresholds;

	struct pol_htab accounts;            /* account -> a = person index */
	struct pol_htab person_ids;          /* id -> a = person index */
	struct pol_htab comp_names;          /* compartment name -> a = id */
	struct pol_htab resource_ids;        /* resource id -> a = resource index */
	struct pol_htab group_ids;           /* group name -> a = group id */
	/* Directory index: every prefix resource path and every glob's literal
	 * directory, all ending in '/'. a = prefix resource or -1, b = first
	 * glob hung there or -1. */
	struct pol_htab dirs;
	uint8_t *dir_lens;                   /* bitmap: some key has this length */
	size_t dir_maxlen;

	struct pol_arena arena;
	/* Set when the policy lives in a shared mapping (pol_load_isolated):
	 * the policy itself is at map_base and pol_free unmaps it. */
	void *map_base;
	size_t map_size;
};

/* Loads into region (when not NULL): the policy struct is placed at its
 * start and every allocation of the compiled policy is carved from it. */
int pol_load_region(const char *path, int64_t now_ms, void *region, size_t region_size,
                    struct pol_policy **out, struct pol_diag *diag);

/* Builds p->dirs, p->globs and p->dir_lens from p->resources (whose paths
 * the loader has already checked to be absolute and unique). Returns 0, or
 * -1 on ENOMEM. */
int pol_index_build(struct pol_policy *p);

/* Calls visit for every resource covering path: prefix resources from the
 * shortest to the longest ancestor, then the globs hung on each ancestor.
 * The path is normalised lexically first; a relative path matches nothing.
 * Returns the number of visits. Does not allocate. */
size_t pol_index_walk(const struct pol_policy *p, const char *path,
                      void (*visit)(void *ctx, const struct pol_resource *r), void *ctx);

/* Lexically normalises an absolute path ("//", "/./", "/../") into out.
 * Returns the length, or -1 when out is too small. */
long pol_path_normalize(const char *in, char *out, size_t outlen);

/* Finds the level or compartment called name, or NULL / -1. */
const struct pol_level *pol_level_find(const struct pol_policy *p, const char *name);
int pol_compartment_find(const struct pol_policy *p, const char *name);

/* ---- Diagnostics helpers ------------------------------------------------ */

/* Appends "file:line: message"; line 0 prints "file: message". Returns 0 or
 * -1 on ENOMEM. Items are sorted into source order by pol_diag_sort. */
int pol_diag_addv(struct pol_diag *d, enum pol_diag_level lvl, const char *file,
                  unsigned file_index, unsigned line, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));
int pol_diag_add(struct pol_diag *d, enum pol_diag_level lvl, const char *file,
                 unsigned file_index, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Appends an already formatted "file:line: message". 0 or -1 (ENOMEM). */
int pol_diag_add_text(struct pol_diag *d, enum pol_diag_level lvl, unsigned file_index,
                      unsigned line, const char *text);
void pol_diag_sort(struct pol_diag *d);

/* The candidate nearest to name (case-insensitive edit distance), or NULL
 * when none is close enough to be a likely typo. Candidates are the first
 * member (a const char *) of n elements spaced stride bytes apart. */
const char *pol_suggest(const char *name, const void *base, size_t n, size_t stride);

#endif
