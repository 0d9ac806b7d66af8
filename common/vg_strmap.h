/*
 * vg_strmap: a hash map from strings to pointers, and a string interner
 * built on it.
 *
 * Open addressing with linear probing, FNV-1a hashes, grown at 70% load.
 * Keys are copied; a key's copy never moves once inserted, so an interned
 * string's pointer stays valid for the map's lifetime. Not thread-safe.
 */
#ifndef VG_STRMAP_H
#define VG_STRMAP_H

#include <stddef.h>
#include <stdint.h>

struct vg_strmap_slot {
	char *key;                  /* NULL: empty slot */
	uint32_t hash;
	void *value;
};

struct vg_strmap {
	struct vg_strmap_slot *slots;
	size_t cap, n;
};

/* The 32-bit FNV-1a hash of s, the map's hash. */
uint32_t vg_fnv1a(const char *s);

void vg_strmap_init(struct vg_strmap *m);
/* Frees the keys and, when free_value is given, every value. */
void vg_strmap_free(struct vg_strmap *m, void (*free_value)(void *));

/* The value stored for key, or NULL. */
void *vg_strmap_get(const struct vg_strmap *m, const char *key);

/* The slot for key, inserted with value NULL when absent; NULL when memory
 * runs out. The slot pointer is valid until the next insertion. */
struct vg_strmap_slot *vg_strmap_upsert(struct vg_strmap *m, const char *key);

/* Removes key; returns its value (NULL when absent) for the caller to
 * free. Slot pointers from before the call are invalid after it. */
void *vg_strmap_remove(struct vg_strmap *m, const char *key);

/* Interned strings: a dense id per distinct string (0 is reserved for
 * "none"), and the string of an id. */
struct vg_intern {
	struct vg_strmap map;       /* string -> id, as uintptr_t */
	const char **str;           /* id -> string (the map's key copy) */
	uint32_t n, cap;
};

void vg_intern_init(struct vg_intern *in);
void vg_intern_free(struct vg_intern *in);
/* The id of s (NULL or "" -> 0), adding it when new; UINT32_MAX when memory
 * runs out. */
uint32_t vg_intern(struct vg_intern *in, const char *s);
/* The id of s when already interned, else 0. */
uint32_t vg_intern_find(const struct vg_intern *in, const char *s);
/* The string of id, or "" for 0 and unknown ids. */
const char *vg_intern_str(const struct vg_intern *in, uint32_t id);

#endif
