/*
 * pol_index: the lookup structures a compiled policy is made of.
 *
 * Design: a decision must cost about a microsecond with 100,000 resources,
 * so nothing is searched linearly. Prefix resources sit in a hash table keyed
 * by their exact '/'-ended path; a decision hashes the request path once,
 * left to right, and probes the table only at the '/' positions whose length
 * some key has (a bitmap), so a path costs one pass plus a few probes. Glob
 * resources hang on the directory their literal part names (the glob
 * "/srv/x/a*.key" hangs on "/srv/x/") in the same table, so only globs under
 * the path's own ancestors are ever handed to fnmatch. Host globs of the
 * "ws-*" kind are compared without fnmatch.
 *
 * The arena holds every string and array of a policy, so freeing a policy
 * is a short walk over large chunks and the heap left behind by libconfig
 * can be trimmed.
 */
#include "pol_internal.h"

#include <fnmatch.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Arena -------------------------------------------------------------- */

#define ARENA_CHUNK (1u << 20)

struct pol_arena_chunk {
	struct pol_arena_chunk *next;
	size_t size, used;
	alignas(max_align_t) unsigned char data[];
};

void *pol_arena_alloc(struct pol_arena *a, size_t n)
{
	struct pol_arena_chunk *c = a->head;
	void *mem;

	n = (n + 7) & ~(size_t)7;
	if (n == 0)
		n = 8;
	if (a->region) {
		/* Mapped anonymous memory starts zeroed and is never reused. */
		if (a->region_size - a->region_used < n)
			return NULL;
		mem = a->region + a->region_used;
		a->region_used += n;
		return mem;
	}
	if (!c || c->size - c->used < n) {
		size_t size = n > ARENA_CHUNK / 4 ? n : ARENA_CHUNK;
		c = calloc(1, sizeof *c + size);
		if (!c)
			return NULL;
		c->size = size;
		a->total += sizeof *c + size;
		/* A dedicated chunk for a big array goes behind the current one,
		 * so the current chunk's free space is not abandoned. */
		if (size != ARENA_CHUNK && a->head) {
			c->next = a->head->next;
			a->head->next = c;
		} else {
			c->next = a->head;
			a->head = c;
		}
	}
	mem = c->data + c->used;
	c->used += n;
	return mem;
}

char *pol_arena_strdup(struct pol_arena *a, const char *s)
{
	size_t len = strlen(s) + 1;
	char *d = pol_arena_alloc(a, len);
	if (d)
		memcpy(d, s, len);
	return d;
}

void pol_arena_free(struct pol_arena *a)
{
	struct pol_arena_chunk *c = a->head;
	while (c) {
		struct pol_arena_chunk *next = c->next;
		free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}

/* ---- Hash table --------------------------------------------------------- */

uint32_t pol_hash(const char *s, size_t len)
{
	uint32_t h = POL_HASH_INIT;
	for (size_t i = 0; i < len; i++)
		h = pol_hash_step(h, (unsigned char)s[i]);
	return pol_hash_finish(h);
}

int pol_htab_init(struct pol_htab *t, size_t max_entries, struct pol_arena *arena)
{
	size_t cap = 16, nents = max_entries ? max_entries : 1;
	memset(t, 0, sizeof *t);
	if (max_entries > UINT32_MAX / 4)
		return -1;
	while (cap < max_entries * 2)
		cap *= 2;
	t->owned = arena == NULL;
	if (arena) {
		t->slots = pol_arena_alloc(arena, cap * sizeof *t->slots);
		t->ents = pol_arena_alloc(arena, nents * sizeof *t->ents);
	} else {
		t->slots = calloc(cap, sizeof *t->slots);
		t->ents = malloc(nents * sizeof *t->ents);
	}
	if (!t->slots || !t->ents) {
		pol_htab_free(t);
		return -1;
	}
	t->max = (uint32_t)max_entries;
	t->mask = (uint32_t)(cap - 1);
	return 0;
}

void pol_htab_free(struct pol_htab *t)
{
	if (t->owned) {
		free(t->slots);
		free(t->ents);
	}
	memset(t, 0, sizeof *t);
}

/* Compares the key with s[0..len), where with_slash means the key's last
 * byte is a '/' that s lacks (s is a directory named without its slash). */
static inline bool key_equals(const struct pol_htab_entry *e, const char *s, size_t len,
                              bool with_slash)
{
	if (e->len != len)
		return false;
	if (!with_slash)
		return memcmp(e->key, s, len) == 0;
	return memcmp(e->key, s, len - 1) == 0 && e->key[len - 1] == '/';
}

static inline const struct pol_htab_entry *htab_find(const struct pol_htab *t, const char *s,
                                                     size_t len, uint32_t hash, bool with_slash)
{
	uint32_t i = hash & t->mask, slot;
	if (!t->slots)
		return NULL;
	while ((slot = t->slots[i]) != 0) {
		const struct pol_htab_entry *e = &t->ents[slot - 1];
		if (e->hash == hash && key_equals(e, s, len, with_slash))
			return e;
		i = (i + 1) & t->mask;
	}
	return NULL;
}

const struct pol_htab_entry *pol_htab_find(const struct pol_htab *t, const char *key,
                                           size_t len, uint32_t hash)
{
	return htab_find(t, key, len, hash, false);
}

struct pol_htab_entry *pol_htab_insert(struct pol_htab *t, const char *key, size_t len,
                                       int32_t a, int32_t b, bool *existed)
{
	uint32_t hash = pol_hash(key, len), i = hash & t->mask, slot;
	struct pol_htab_entry *e;

	*existed = false;
	while ((slot = t->slots[i]) != 0) {
		e = &t->ents[slot - 1];
		if (e->hash == hash && key_equals(e, key, len, false)) {
			*existed = true;
			return e;
		}
		i = (i + 1) & t->mask;
	}
	if (t->n == t->max)
		return NULL;
	e = &t->ents[t->n];
	e->key = key;
	e->len = (uint32_t)len;
	e->hash = hash;
	e->a = a;
	e->b = b;
	t->slots[i] = ++t->n;
	return e;
}

/* ---- Host-name patterns ------------------------------------------------- */

void pol_pattern_init(struct pol_pattern *pt, const char *glob)
{
	size_t len = strlen(glob);
	size_t meta = strcspn(glob, "*?[\\");

	pt->glob = glob;
	pt->lit = (uint16_t)(meta > UINT16_MAX ? UINT16_MAX : meta);
	if (strcmp(glob, "*") == 0)
		pt->kind = POL_PAT_ANY;
	else if (meta == len)
		pt->kind = POL_PAT_EXACT;
	else if (meta == len - 1 && glob[meta] == '*')
		pt->kind = POL_PAT_PREFIX_STAR;
	else
		pt->kind = POL_PAT_GLOB;
}

bool pol_pattern_match(const struct pol_pattern *pt, const char *name)
{
	switch (pt->kind) {
	case POL_PAT_ANY:
		return true;
	case POL_PAT_EXACT:
		return strcasecmp(pt->glob, name) == 0;
	case POL_PAT_PREFIX_STAR:
		return strncasecmp(pt->glob, name, pt->lit) == 0;
	default:
		return fnmatch(pt->glob, name, FNM_CASEFOLD) == 0;
	}
}

/* ---- Paths -------------------------------------------------------------- */

long pol_path_normalize(const char *in, char *out, size_t outlen)
{
	size_t o = 0, i = 0;

	if (in[0] != '/' || outlen < 2)
		return -1;
	out[o++] = '/';
	/* Invariant: out ends in '/' whenever a component starts. */
	while (in[i]) {
		size_t start, clen;
		while (in[i] == '/')
			i++;
		if (!in[i])
			break;
		start = i;
		while (in[i] && in[i] != '/')
			i++;
		clen = i - start;
		if (clen == 1 && in[start] == '.')
			continue;
		if (clen == 2 && in[start] == '.' && in[start + 1] == '.') {
			if (o > 1) {
				o--;
				while (out[o - 1] != '/')
					o--;
			}
			continue;
		}
		if (o + clen + 2 > outlen)
			return -1;
		memcpy(out + o, in + start, clen);
		o += clen;
		if (in[i] == '/')
			out[o++] = '/';
	}
	out[o] = '\0';
	return (long)o;
}

/* True when path has "//", "/./" or "/../" (or ends in "/." or "/.."), the
 * spellings that could dodge a prefix. */
static bool path_needs_normalizing(const char *path)
{
	for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		if (s[1] == '/')
			return true;
		if (s[1] == '.') {
			const char *t = s[2] == '.' ? s + 3 : s + 2;
			if (*t == '/' || *t == '\0')
				return true;
		}
	}
	return false;
}

/* Length of a glob's literal directory: up to and including the last '/'
 * before the first metacharacter. */
static size_t glob_anchor_len(const char *glob)
{
	size_t meta = strcspn(glob, "*?[\\");
	size_t len = 0;
	for (size_t i = 0; i < meta; i++)
		if (glob[i] == '/')
			len = i + 1;
	return len;
}

static inline bool dir_len_present(const struct pol_policy *p, size_t len)
{
	return len <= p->dir_maxlen && (p->dir_lens[len >> 3] & (1u << (len & 7)));
}

int pol_index_build(struct pol_policy *p)
{
	size_t nglobs = 0, maxlen = 0;
	uint32_t g;

	for (size_t i = 0; i < p->nresources; i++) {
		const struct pol_resource *r = &p->resources[i];
		size_t klen = r->prefix ? strlen(r->path) : glob_anchor_len(r->path);
		if (!r->prefix)
			nglobs++;
		if (klen > maxlen)
			maxlen = klen;
	}
	if (pol_htab_init(&p->dirs, p->nresources, &p->arena) < 0)
		return -1;
	p->dir_maxlen = maxlen;
	p->dir_lens = pol_arena_alloc(&p->arena, maxlen / 8 + 1);
	p->globs = pol_arena_alloc(&p->arena, (nglobs ? nglobs : 1) * sizeof *p->globs);
	if (!p->dir_lens || !p->globs)
		return -1;
	p->nglobs = nglobs;

	for (size_t i = 0; i < p->nresources; i++) {
		const struct pol_resource *r = &p->resources[i];
		size_t klen = strlen(r->path);
		bool existed;
		struct pol_htab_entry *e;
		if (!r->prefix)
			continue;
		e = pol_htab_insert(&p->dirs, r->path, klen, (int32_t)i, -1, &existed);
		if (!e)
			return -1;
		p->dir_lens[klen >> 3] |= (uint8_t)(1u << (klen & 7));
	}
	/* Globs in reverse so that prepending leaves each chain in file order. */
	g = (uint32_t)nglobs;
	for (size_t i = p->nresources; i-- > 0;) {
		const struct pol_resource *r = &p->resources[i];
		size_t klen;
		bool existed;
		struct pol_htab_entry *e;
		if (r->prefix)
			continue;
		klen = glob_anchor_len(r->path);
		e = pol_htab_insert(&p->dirs, r->path, klen, -1, -1, &existed);
		if (!e)
			return -1;
		g--;
		p->globs[g].res = (uint32_t)i;
		p->globs[g].next = e->b;
		e->b = (int32_t)g;
		p->dir_lens[klen >> 3] |= (uint8_t)(1u << (klen & 7));
	}
	return 0;
}

/* Visits what the directory entry for key s[0..len) holds. */
static size_t visit_dir(const struct pol_policy *p, const char *s, size_t len, uint32_t h,
                        bool with_slash, const char *path,
                        void (*visit)(void *ctx, const struct pol_resource *r), void *ctx)
{
	const struct pol_htab_entry *e = htab_find(&p->dirs, s, len, pol_hash_finish(h), with_slash);
	size_t n = 0;
	if (!e)
		return 0;
	if (e->a >= 0) {
		visit(ctx, &p->resources[e->a]);
		n++;
	}
	if (with_slash)
		return n;   /* globs below a directory cannot match the directory */
	for (int32_t g = e->b; g >= 0; g = p->globs[g].next) {
		const struct pol_resource *r = &p->resources[p->globs[g].res];
		if (fnmatch(r->path, path, FNM_PATHNAME) == 0) {
			visit(ctx, r);
			n++;
		}
	}
	return n;
}

size_t pol_index_walk(const struct pol_policy *p, const char *path,
                      void (*visit)(void *ctx, const struct pol_resource *r), void *ctx)
{
	char buf[POL_PATH_MAX + 2];
	const char *s = path;
	uint32_t h = POL_HASH_INIT;
	size_t n = 0, i;

	if (!path || path[0] != '/' || !p->dir_lens)
		return 0;
	if (path_needs_normalizing(path) && pol_path_normalize(path, buf, sizeof buf) >= 0)
		s = buf;
	for (i = 0; s[i]; i++) {
		h = pol_hash_step(h, (unsigned char)s[i]);
		if (s[i] == '/' && dir_len_present(p, i + 1))
			n += visit_dir(p, s, i + 1, h, false, s, visit, ctx);
	}
	/* "/srv/falcon" is the directory a "/srv/falcon/" prefix names: listing
	 * it reveals what it holds, so it is covered too. */
	if (i > 0 && s[i - 1] != '/' && dir_len_present(p, i + 1))
		n += visit_dir(p, s, i + 1, pol_hash_step(h, '/'), true, s, visit, ctx);
	return n;
}

/* ---- Name lookups used by the loader and explain ------------------------ */

const struct pol_level *pol_level_find(const struct pol_policy *p, const char *name)
{
	for (size_t i = 0; i < p->nlevels; i++)
		if (strcmp(p->levels[i].name, name) == 0)
			return &p->levels[i];
	return NULL;
}

int pol_compartment_find(const struct pol_policy *p, const char *name)
{
	size_t len = strlen(name);
	const struct pol_htab_entry *e = pol_htab_find(&p->comp_names, name, len, pol_hash(name, len));
	return e ? e->a : -1;
}
