/*
 * vg_buf: a growable byte buffer with little-endian writers, and a bounded
 * reader for the same encoding. vigil keeps detector state in the store in
 * this form; the reader checks every length, so a damaged record is
 * reported as such instead of being read past its end.
 */
#ifndef VG_BUF_H
#define VG_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vg_buf {
	unsigned char *p;
	size_t n, cap;
	bool oom;                   /* an append failed; the content is incomplete */
};

void vg_buf_reset(struct vg_buf *b);      /* empties, keeps the memory */
void vg_buf_free(struct vg_buf *b);
void vg_buf_u8(struct vg_buf *b, uint8_t v);
void vg_buf_u16(struct vg_buf *b, uint16_t v);
void vg_buf_u32(struct vg_buf *b, uint32_t v);
void vg_buf_i64(struct vg_buf *b, int64_t v);
void vg_buf_str(struct vg_buf *b, const char *s);   /* u32 length + bytes; NULL as "" */

struct vg_rd {
	const unsigned char *p;
	size_t n, pos;
	bool bad;                   /* a read went past the end or a string was invalid */
};

void vg_rd_init(struct vg_rd *r, const void *p, size_t n);
uint8_t vg_rd_u8(struct vg_rd *r);
uint16_t vg_rd_u16(struct vg_rd *r);
uint32_t vg_rd_u32(struct vg_rd *r);
int64_t vg_rd_i64(struct vg_rd *r);
/* Copies a string into buf (NUL-terminated); strings longer than len - 1 or
 * holding NUL bytes mark the reader bad. Returns buf. */
char *vg_rd_str(struct vg_rd *r, char *buf, size_t len);
/* True when everything was read and nothing was bad. */
static inline bool vg_rd_done(const struct vg_rd *r) { return !r->bad && r->pos == r->n; }

#endif
