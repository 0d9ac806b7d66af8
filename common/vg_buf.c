/*
 * vg_buf: byte buffer writer and bounded reader (see vg_buf.h).
 */
#include "vg_buf.h"

#include <stdlib.h>
#include <string.h>

void vg_buf_reset(struct vg_buf *b)
{
	b->n = 0;
	b->oom = false;
}

void vg_buf_free(struct vg_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

static void put(struct vg_buf *b, const void *src, size_t len)
{
	if (b->oom)
		return;
	if (b->n + len > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		while (ncap < b->n + len)
			ncap *= 2;
		unsigned char *np = realloc(b->p, ncap);
		if (!np) {
			b->oom = true;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->n, src, len);
	b->n += len;
}

static void put_le(struct vg_buf *b, uint64_t v, size_t bytes)
{
	unsigned char t[8];
	for (size_t i = 0; i < bytes; i++)
		t[i] = (unsigned char)(v >> (8 * i));
	put(b, t, bytes);
}

void vg_buf_u8(struct vg_buf *b, uint8_t v) { put_le(b, v, 1); }
void vg_buf_u16(struct vg_buf *b, uint16_t v) { put_le(b, v, 2); }
void vg_buf_u32(struct vg_buf *b, uint32_t v) { put_le(b, v, 4); }
void vg_buf_i64(struct vg_buf *b, int64_t v) { put_le(b, (uint64_t)v, 8); }

void vg_buf_str(struct vg_buf *b, const char *s)
{
	size_t len = s ? strlen(s) : 0;
	vg_buf_u32(b, (uint32_t)len);
	put(b, s ? s : "", len);
}

void vg_rd_init(struct vg_rd *r, const void *p, size_t n)
{
	r->p = p;
	r->n = n;
	r->pos = 0;
	r->bad = false;
}

static uint64_t get_le(struct vg_rd *r, size_t bytes)
{
	uint64_t v = 0;
	if (r->bad || r->n - r->pos < bytes) {
		r->bad = true;
		return 0;
	}
	for (size_t i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[r->pos + i] << (8 * i);
	r->pos += bytes;
	return v;
}

uint8_t vg_rd_u8(struct vg_rd *r) { return (uint8_t)get_le(r, 1); }
uint16_t vg_rd_u16(struct vg_rd *r) { return (uint16_t)get_le(r, 2); }
uint32_t vg_rd_u32(struct vg_rd *r) { return (uint32_t)get_le(r, 4); }
int64_t vg_rd_i64(struct vg_rd *r) { return (int64_t)get_le(r, 8); }

char *vg_rd_str(struct vg_rd *r, char *buf, size_t len)
{
	uint32_t n = vg_rd_u32(r);
	buf[0] = '\0';
	if (r->bad || n >= len || r->n - r->pos < n || memchr(r->p + r->pos, '\0', n)) {
		r->bad = true;
		return buf;
	}
	memcpy(buf, r->p + r->pos, n);
	buf[n] = '\0';
	r->pos += n;
	return buf;
}
