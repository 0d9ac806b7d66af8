/*
 * vg_arena: a bump allocator for data that lives as long as one batch.
 *
 * The ingest path copies the strings of a thousand events per request; an
 * arena makes that one allocation per 64 KiB instead of one per string, and
 * frees it all at once when the batch is done.
 */
#ifndef VG_ARENA_H
#define VG_ARENA_H

#include <stddef.h>

struct vg_arena_chunk;

struct vg_arena {
	struct vg_arena_chunk *head;
};

#define VG_ARENA_INIT {NULL}

/* Copies s[0..len) and a terminating NUL into the arena. Returns the copy,
 * or NULL when memory is exhausted. */
char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t len);

/* Keeps the newest chunk for reuse and frees the rest: everything handed
 * out before is invalid afterwards. */
void vg_arena_reset(struct vg_arena *a);

void vg_arena_free(struct vg_arena *a);

#endif
