/*
 * vg_arena: chunked bump allocation.
 */
#include "vg_arena.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)

struct vg_arena_chunk {
	struct vg_arena_chunk *next;
	size_t used, cap;
	char data[];
};

char *vg_arena_strndup(struct vg_arena *a, const char *s, size_t len)
{
	struct vg_arena_chunk *c = a->head;
	if (len >= (size_t)-1 - sizeof *c - CHUNK_SIZE)
		return NULL;
	if (!c || c->cap - c->used < len + 1) {
		size_t cap = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;
		c = malloc(sizeof *c + cap);
		if (!c)
			return NULL;
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	char *p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

void vg_arena_reset(struct vg_arena *a)
{
	struct vg_arena_chunk *c = a->head;
	if (!c)
		return;
	struct vg_arena_chunk *rest = c->next;
	c->next = NULL;
	c->used = 0;
	while (rest) {
		struct vg_arena_chunk *n = rest->next;
		free(rest);
		rest = n;
	}
}

void vg_arena_free(struct vg_arena *a)
{
	while (a->head) {
		struct vg_arena_chunk *n = a->head->next;
		free(a->head);
		a->head = n;
	}
}
