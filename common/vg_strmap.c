/*
 * vg_strmap: string-keyed hash map and string interner (see vg_strmap.h).
 */
#include "vg_strmap.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

uint32_t vg_fnv1a(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

void vg_strmap_init(struct vg_strmap *m)
{
	memset(m, 0, sizeof *m);
}

void vg_strmap_free(struct vg_strmap *m, void (*free_value)(void *))
{
	for (size_t i = 0; i < m->cap; i++) {
		if (!m->slots[i].key)
			continue;
		free(m->slots[i].key);
		if (free_value)
			free_value(m->slots[i].value);
	}
	free(m->slots);
	vg_strmap_init(m);
}

static struct vg_strmap_slot *probe(const struct vg_strmap *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct vg_strmap_slot *sl = &m->slots[i];
		if (!sl->key || (sl->hash == h && strcmp(sl->key, key) == 0))
			return sl;
	}
}

void *vg_strmap_get(const struct vg_strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	struct vg_strmap_slot *sl = probe(m, key, vg_fnv1a(key));
	return sl->key ? sl->value : NULL;
}

static int grow(struct vg_strmap *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct vg_strmap_slot *old = m->slots, *ns = calloc(ncap, sizeof *ns);
	size_t ocap = m->cap;
	if (!ns)
		return -1;
	m->slots = ns;
	m->cap = ncap;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			*probe(m, old[i].key, old[i].hash) = old[i];
	free(old);
	return 0;
}

struct vg_strmap_slot *vg_strmap_upsert(struct vg_strmap *m, const char *key)
{
	uint32_t h = vg_fnv1a(key);
	if ((m->n + 1) * 10 > m->cap * 7 && grow(m) < 0)
		return NULL;
	struct vg_strmap_slot *sl = probe(m, key, h);
	if (sl->key)
		return sl;
	if (!(sl->key = strdup(key)))
		return NULL;
	sl->hash = h;
	sl->value = NULL;
	m->n++;
	return sl;
}

void *vg_strmap_remove(struct vg_strmap *m, const char *key)
{
	if (!m->cap)
		return NULL;
	struct vg_strmap_slot *sl = probe(m, key, vg_fnv1a(key));
	if (!sl->key)
		return NULL;
	void *value = sl->value;
	size_t mask = m->cap - 1, i = (size_t)(sl - m->slots);
	free(sl->key);
	sl->key = NULL;
	m->n--;
	/* Backward shift: move later members of the probe run into the hole
	 * when their home slot does not lie between the hole and them. */
	for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
		size_t home = m->slots[j].hash & mask;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (stays)
			continue;
		m->slots[i] = m->slots[j];
		m->slots[j].key = NULL;
		i = j;
	}
	return value;
}

void vg_intern_init(struct vg_intern *in)
{
	memset(in, 0, sizeof *in);
	vg_strmap_init(&in->map);
}

void vg_intern_free(struct vg_intern *in)
{
	vg_strmap_free(&in->map, NULL);
	free(in->str);
	memset(in, 0, sizeof *in);
}

uint32_t vg_intern_find(const struct vg_intern *in, const char *s)
{
	if (!s || !*s)
		return 0;
	return (uint32_t)(uintptr_t)vg_strmap_get(&in->map, s);
}

uint32_t vg_intern(struct vg_intern *in, const char *s)
{
	if (!s || !*s)
		return 0;
	uint32_t id = vg_intern_find(in, s);
	if (id)
		return id;
	if (in->n + 1 >= in->cap) {
		uint32_t ncap = in->cap ? in->cap * 2 : 256;
		const char **ns = realloc(in->str, ncap * sizeof *ns);
		if (!ns)
			return UINT32_MAX;
		in->str = ns;
		in->cap = ncap;
		if (in->n == 0)
			in->str[in->n++] = "";      /* id 0 */
	}
	struct vg_strmap_slot *sl = vg_strmap_upsert(&in->map, s);
	if (!sl)
		return UINT32_MAX;
	id = in->n++;
	sl->value = (void *)(uintptr_t)id;
	in->str[id] = sl->key;
	return id;
}

const char *vg_intern_str(const struct vg_intern *in, uint32_t id)
{
	return id && id < in->n ? in->str[id] : "";
}
