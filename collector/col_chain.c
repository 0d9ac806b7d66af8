/*
 * col_chain: the hash chain over stored records, its anchors and verify.
 *
 * Design choice: one block per write transaction, and one SHA-256 per record
 * (about 0.3 us for an event on a CPU with SHA extensions), so that verify
 * can say which record changed, not only which block. Events are hashed from
 * the values being inserted (no read-back on the ingest path); the rarer
 * records are stamped with their block and read back when the transaction
 * is sealed, with the query verify runs, so both hash what is stored. The
 * manifest of a block is one BLOB in the chain table, so chaining costs one
 * extra row per transaction, not one per record. See col_chain.h for the
 * format and docs/security.md for what it covers.
 */
#include "col_chain.h"
#include "vg_arena.h"
#include "vg_log.h"
#include "vg_time.h"

#include <errno.h>
#include <getopt.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

/* ---- record types ------------------------------------------------------- */

#define CT_MUTABLE 1u       /* rows change after they are written */
#define CT_DELETABLE 2u     /* rows may be deleted: a touch of a missing row records it */

struct chain_type {
	const char *table;
	const char *keys[COL_CHAIN_MAX_KEYS];
	int nkeys;
	unsigned flags;
	const char *unhashed[4];  /* columns left out of the hash, besides chain_block */
};

static const struct chain_type chain_types[COL_CHAIN_TYPE_END] = {
	[COL_CHAIN_EVENT] = {"events", {"agent", "seq"}, 2, 0, {NULL}},
	[COL_CHAIN_ANOMALY] = {"anomalies", {"id"}, 1, CT_MUTABLE, {NULL}},
	[COL_CHAIN_ANOMALY_EVENT] = {"anomaly_events", {"anomaly", "agent", "seq"}, 3, 0, {NULL}},
	[COL_CHAIN_HISTORY] = {"anomaly_history", {"id"}, 1, 0, {NULL}},
	[COL_CHAIN_QUARANTINE] = {"quarantine", {"id"}, 1, 0, {NULL}},
};

static const struct chain_type *type_of(int t)
{
	return t > 0 && t < COL_CHAIN_TYPE_END && chain_types[t].table ? &chain_types[t] : NULL;
}

/* Manifest entry operations. */
#define OP_STATE 'S'        /* the record's content, with its hash */
#define OP_DELETED 'D'      /* the record was deleted in this block */

#define CHAIN_MAX_COLS 64
#define CHAIN_NAME_MAX 64

static const unsigned char zero_hash[COL_CHAIN_HASH_LEN];

static void to_hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

static int from_hex(const char *s, size_t len, unsigned char *out)
{
	for (size_t i = 0; i < len / 2; i++) {
		int v = 0;
		for (int j = 0; j < 2; j++) {
			char c = s[2 * i + (size_t)j];
			int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			        c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		out[i] = (unsigned char)v;
	}
	return 0;
}

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	for (int i = bytes - 1; i >= 0; i--) {
		p[i] = (unsigned char)(v & 0xff);
		v >>= 8;
	}
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	for (int i = 0; i < bytes; i++)
		v = v << 8 | p[i];
	return v;
}

/* ---- a growable byte buffer ---------------------------------------------- */

struct cbuf {
	unsigned char *p;
	size_t n, cap;
};

static int cbuf_reserve(struct cbuf *b, size_t more)
{
	if (more > SIZE_MAX / 2 - b->n)
		return -1;
	if (b->n + more <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 4096;
	while (cap < b->n + more)
		cap *= 2;
	unsigned char *p = realloc(b->p, cap);
	if (!p)
		return -1;
	b->p = p;
	b->cap = cap;
	return 0;
}

static int cbuf_put(struct cbuf *b, const void *p, size_t n)
{
	if (cbuf_reserve(b, n) < 0)
		return -1;
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
	return 0;
}

static void cbuf_free(struct cbuf *b)
{
	free(b->p);
	memset(b, 0, sizeof *b);
}

/* ---- canonical encoding and hashes ------------------------------------------ */

struct writer {
	unsigned char *out;
	size_t cap, n;
};

static void w_put(struct writer *w, const void *p, size_t len)
{
	if (w->n < w->cap && len)
		memcpy(w->out + w->n, p, w->cap - w->n < len ? w->cap - w->n : len);
	w->n += len;
}

size_t col_chain_encode(const struct col_chain_col *cols, int ncols, unsigned char *out, size_t cap)
{
	struct writer w = {out, cap, 0};
	unsigned char hdr[8];

	for (int i = 0; i < ncols; i++) {
		const struct col_chain_col *c = &cols[i];
		if (i > 0 && strcmp(cols[i - 1].name, c->name) >= 0)
			return SIZE_MAX;
		if (c->type == SQLITE_NULL)
			continue;
		size_t nl = strlen(c->name);
		if (nl > 255)
			return SIZE_MAX;
		hdr[0] = (unsigned char)nl;
		w_put(&w, hdr, 1);
		w_put(&w, c->name, nl);
		switch (c->type) {
		case SQLITE_INTEGER:
			hdr[0] = 'i';
			w_put(&w, hdr, 1);
			put_be(hdr, (uint64_t)c->i, 8);
			w_put(&w, hdr, 8);
			break;
		case SQLITE_FLOAT: {
			uint64_t bits;
			memcpy(&bits, &c->f, sizeof bits);
			hdr[0] = 'f';
			w_put(&w, hdr, 1);
			put_be(hdr, bits, 8);
			w_put(&w, hdr, 8);
			break;
		}
		case SQLITE_TEXT:
		case SQLITE_BLOB:
			if (c->n > UINT32_MAX)
				return SIZE_MAX;
			hdr[0] = c->type == SQLITE_TEXT ? 't' : 'b';
			w_put(&w, hdr, 1);
			put_be(hdr, c->n, 4);
			w_put(&w, hdr, 4);
			w_put(&w, c->p, c->n);
			break;
		default:
			return SIZE_MAX;
		}
	}
	return w.n;
}

#define RECORD_PREFIX 3     /* "R1" and the type, in front of the content */

int col_chain_record_hash(enum col_chain_type type, const void *content, size_t len,
                          unsigned char out[COL_CHAIN_HASH_LEN])
{
	unsigned char pre[RECORD_PREFIX] = {'R', '1', (unsigned char)type};
	gnutls_hash_hd_t h;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -1;
	int rc = gnutls_hash(h, pre, sizeof pre) < 0 || gnutls_hash(h, content, len) < 0 ? -1 : 0;
	gnutls_hash_deinit(h, out);
	return rc;
}

int col_chain_block_hash(int64_t block, int64_t time_ms, const unsigned char prev[COL_CHAIN_HASH_LEN],
                         uint32_t entries, const void *manifest, size_t len,
                         unsigned char out[COL_CHAIN_HASH_LEN])
{
	unsigned char head[2 + 8 + 8 + COL_CHAIN_HASH_LEN + 4];
	head[0] = 'B';
	head[1] = '1';
	put_be(head + 2, (uint64_t)block, 8);
	put_be(head + 10, (uint64_t)time_ms, 8);
	memcpy(head + 18, prev, COL_CHAIN_HASH_LEN);
	put_be(head + 18 + COL_CHAIN_HASH_LEN, entries, 4);
	gnutls_hash_hd_t h;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -1;
	int rc = gnutls_hash(h, head, sizeof head) < 0 || (len && gnutls_hash(h, manifest, len) < 0) ? -1 : 0;
	gnutls_hash_deinit(h, out);
	return rc;
}

/* Encodes cols into b after RECORD_PREFIX bytes and hashes the whole with
 * the reusable handle h. Returns 0 or -1. */
static int hash_cols(gnutls_hash_hd_t h, struct cbuf *b, enum col_chain_type type,
                     const struct col_chain_col *cols, int ncols, unsigned char out[COL_CHAIN_HASH_LEN])
{
	for (;;) {
		size_t cap = b->cap > RECORD_PREFIX ? b->cap - RECORD_PREFIX : 0;
		size_t n = col_chain_encode(cols, ncols, b->p ? b->p + RECORD_PREFIX : NULL, cap);
		if (n == SIZE_MAX)
			return -1;
		if (b->p && n <= cap) {
			b->p[0] = 'R';
			b->p[1] = '1';
			b->p[2] = (unsigned char)type;
			if (gnutls_hash(h, b->p, n + RECORD_PREFIX) < 0)
				return -1;
			gnutls_hash_output(h, out);
			return 0;
		}
		b->n = 0;
		if (cbuf_reserve(b, n + RECORD_PREFIX) < 0)
			return -1;
	}
}

/* ---- rows read back from SQLite ---------------------------------------------- */

/* Which columns of a statement's row are hashed, in name order. */
struct row_shape {
	int ncols;                    /* the statement's column count */
	int n;                        /* hashed columns */
	int idx[CHAIN_MAX_COLS];
	char name[CHAIN_MAX_COLS][CHAIN_NAME_MAX];
	int chain_col;                /* chain_block's index, -1 when absent */
};

static int skipped(const struct chain_type *t, const char *name)
{
	if (strcmp(name, "chain_block") == 0)
		return 1;
	for (int i = 0; i < 4 && t->unhashed[i]; i++)
		if (strcmp(name, t->unhashed[i]) == 0)
			return 1;
	return 0;
}

static int shape_init(struct row_shape *sh, sqlite3_stmt *st, const struct chain_type *t, char *err,
                      size_t errlen)
{
	int n = sqlite3_column_count(st);
	if (n > CHAIN_MAX_COLS) {
		snprintf(err, errlen, "chain: table %s has %d columns, more than %d", t->table, n, CHAIN_MAX_COLS);
		return -1;
	}
	sh->ncols = n;
	sh->n = 0;
	sh->chain_col = -1;
	for (int i = 0; i < n; i++) {
		const char *name = sqlite3_column_name(st, i);
		if (!name || strlen(name) >= CHAIN_NAME_MAX) {
			snprintf(err, errlen, "chain: table %s: column %d has no usable name", t->table, i);
			return -1;
		}
		if (strcmp(name, "chain_block") == 0)
			sh->chain_col = i;
		if (skipped(t, name))
			continue;
		/* Insertion sort by name: a few dozen columns at most. */
		int j = sh->n++;
		while (j > 0 && strcmp(sh->name[j - 1], name) > 0) {
			memcpy(sh->name[j], sh->name[j - 1], CHAIN_NAME_MAX);
			sh->idx[j] = sh->idx[j - 1];
			j--;
		}
		snprintf(sh->name[j], CHAIN_NAME_MAX, "%s", name);
		sh->idx[j] = i;
	}
	return 0;
}

/* The current row of st as columns in name order. */
static void shape_cols(const struct row_shape *sh, sqlite3_stmt *st, struct col_chain_col *cols)
{
	for (int k = 0; k < sh->n; k++) {
		int i = sh->idx[k];
		struct col_chain_col *c = &cols[k];
		memset(c, 0, sizeof *c);
		c->name = sh->name[k];
		c->type = sqlite3_column_type(st, i);
		switch (c->type) {
		case SQLITE_INTEGER: c->i = sqlite3_column_int64(st, i); break;
		case SQLITE_FLOAT: c->f = sqlite3_column_double(st, i); break;
		case SQLITE_TEXT:
			c->p = sqlite3_column_text(st, i);
			c->n = (size_t)sqlite3_column_bytes(st, i);
			break;
		case SQLITE_BLOB:
			c->p = sqlite3_column_blob(st, i);
			c->n = (size_t)sqlite3_column_bytes(st, i);
			if (!c->p)
				c->p = "";
			break;
		default: break;
		}
	}
}

/* Hashes the current row of st; (re)computes the shape when the statement's
 * columns changed. Returns 0 or -1 with err. */
static int hash_row(gnutls_hash_hd_t h, struct cbuf *b, enum col_chain_type type, struct row_shape *sh,
                    sqlite3_stmt *st, unsigned char out[COL_CHAIN_HASH_LEN], char *err, size_t errlen)
{
	struct col_chain_col cols[CHAIN_MAX_COLS];
	if (sh->ncols != sqlite3_column_count(st) && shape_init(sh, st, &chain_types[type], err, errlen) < 0)
		return -1;
	shape_cols(sh, st, cols);
	if (hash_cols(h, b, type, cols, sh->n, out) < 0) {
		snprintf(err, errlen, "chain: %s: cannot hash a row (out of memory)", chain_types[type].table);
		return -1;
	}
	return 0;
}

/* The key of a manifest entry, as parsed (text points into the manifest). */
struct entry_key {
	int is_text;
	int64_t i;
	const char *text;
	uint32_t len;
};

/* Appends a manifest entry: type, op, the key, and for OP_STATE the hash. */
static int entry_put(struct cbuf *m, int type, int op, const struct entry_key *key, int nkeys,
                     const unsigned char *hash)
{
	unsigned char hdr[9] = {(unsigned char)type, (unsigned char)op};
	if (cbuf_put(m, hdr, 2) < 0)
		return -1;
	for (int k = 0; k < nkeys; k++) {
		if (key[k].is_text) {
			hdr[0] = 't';
			put_be(hdr + 1, key[k].len, 4);
			if (cbuf_put(m, hdr, 5) < 0 || cbuf_put(m, key[k].text, key[k].len) < 0)
				return -1;
		} else {
			hdr[0] = 'i';
			put_be(hdr + 1, (uint64_t)key[k].i, 8);
			if (cbuf_put(m, hdr, 9) < 0)
				return -1;
		}
	}
	return op == OP_STATE ? cbuf_put(m, hash, COL_CHAIN_HASH_LEN) : 0;
}

/* Parses the entry at m[*pos]; on success *pos moves past it and idlen is
 * the length of its identity (type, op, key). Returns 0 or -1. */
static int entry_get(const unsigned char *m, size_t n, size_t *pos, int *type, int *op,
                     struct entry_key *key, const unsigned char **hash, size_t *idlen)
{
	size_t p = *pos;
	if (n - p < 2)
		return -1;
	*type = m[p];
	*op = m[p + 1];
	p += 2;
	const struct chain_type *t = type_of(*type);
	if (!t || (*op != OP_STATE && *op != OP_DELETED))
		return -1;
	for (int k = 0; k < t->nkeys; k++) {
		if (n - p < 1)
			return -1;
		if (m[p] == 'i') {
			if (n - p < 9)
				return -1;
			key[k].is_text = 0;
			key[k].i = (int64_t)get_be(m + p + 1, 8);
			p += 9;
		} else if (m[p] == 't') {
			if (n - p < 5)
				return -1;
			uint32_t len = (uint32_t)get_be(m + p + 1, 4);
			if (n - p - 5 < len)
				return -1;
			key[k].is_text = 1;
			key[k].text = (const char *)m + p + 5;
			key[k].len = len;
			p += 5 + len;
		} else {
			return -1;
		}
	}
	*idlen = p - *pos;
	*hash = NULL;
	if (*op == OP_STATE) {
		if (n - p < COL_CHAIN_HASH_LEN)
			return -1;
		*hash = m + p;
		p += COL_CHAIN_HASH_LEN;
	}
	*pos = p;
	return 0;
}

/* "WHERE k1 = ?F AND k2 = ?F+1 ..." for type t, parameters from first. */
static void key_where(const struct chain_type *t, int first, char *out, size_t len)
{
	size_t used = 0;
	for (int k = 0; k < t->nkeys; k++) {
		int w = snprintf(out + used, len - used, "%s%s = ?%d", k ? " AND " : " WHERE ", t->keys[k],
		                 first + k);
		if (w < 0 || (size_t)w >= len - used)
			return;
		used += (size_t)w;
	}
}

static void bind_keys(sqlite3_stmt *st, int first, const struct entry_key *key, int nkeys)
{
	for (int k = 0; k < nkeys; k++) {
		if (key[k].is_text)
			sqlite3_bind_text(st, first + k, key[k].text, (int)key[k].len, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, first + k, key[k].i);
	}
}

/* ---- the writer ----------------------------------------------------------------- */

struct touch {
	int type;
	struct entry_key key[COL_CHAIN_MAX_KEYS];
};

struct col_chain {
	sqlite3 *db;
	sqlite3_stmt *head_st, *block_st;
	sqlite3_stmt *stamp[COL_CHAIN_TYPE_END], *read[COL_CHAIN_TYPE_END];
	struct row_shape read_shape[COL_CHAIN_TYPE_END];
	gnutls_hash_hd_t sha;
	int64_t block;                    /* the block being written; 0 outside a transaction */
	unsigned char prev[COL_CHAIN_HASH_LEN];
	struct cbuf manifest;
	uint32_t entries;
	struct cbuf enc;                  /* canonical content being hashed */
	struct touch *touches;
	size_t ntouches, cap;
	struct vg_arena keys;             /* text keys of the touches */
	char err[512];
};

static int chain_fail(struct col_chain *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int chain_fail(struct col_chain *ch, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ch->err, sizeof ch->err, fmt, ap);
	va_end(ap);
	return -1;
}

const char *col_chain_error(const struct col_chain *ch) { return ch->err; }

int64_t col_chain_block(const struct col_chain *ch) { return ch->block; }

void col_chain_reset(struct col_chain *ch)
{
	ch->block = 0;
	ch->manifest.n = 0;
	ch->entries = 0;
	ch->ntouches = 0;
	vg_arena_reset(&ch->keys);
}

int col_chain_begin(struct col_chain *ch)
{
	col_chain_reset(ch);
	int rc = sqlite3_step(ch->head_st);
	if (rc == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(ch->head_st, 1);
		if (sqlite3_column_bytes(ch->head_st, 1) != COL_CHAIN_HASH_LEN || !h) {
			int64_t b = sqlite3_column_int64(ch->head_st, 0);
			sqlite3_reset(ch->head_st);
			return chain_fail(ch, "chain: block %lld has a malformed hash; run verify", (long long)b);
		}
		ch->block = sqlite3_column_int64(ch->head_st, 0) + 1;
		memcpy(ch->prev, h, COL_CHAIN_HASH_LEN);
	} else if (rc == SQLITE_DONE) {
		ch->block = 1;
		memset(ch->prev, 0, sizeof ch->prev);
	}
	sqlite3_reset(ch->head_st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return chain_fail(ch, "chain: reading the head: %s", sqlite3_errmsg(ch->db));
	return 0;
}

int col_chain_event(struct col_chain *ch, int64_t agent, const struct vg_event *ev, const char *json,
                    size_t jsonlen, int64_t received_ms, const char *enrolled_host)
{
	/* The columns of the events row (col_store_sqlite.c inserts them), in
	 * name order. */
	const char *kind = vg_kind_name(ev->kind);
	struct col_chain_col c[] = {
		{"agent", SQLITE_INTEGER, agent, 0, NULL, 0},
		{"enrolled_host", enrolled_host ? SQLITE_TEXT : SQLITE_NULL, 0, 0, enrolled_host,
		 enrolled_host ? strlen(enrolled_host) : 0},
		{"host", ev->host ? SQLITE_TEXT : SQLITE_NULL, 0, 0, ev->host, ev->host ? strlen(ev->host) : 0},
		{"json", SQLITE_TEXT, 0, 0, json, jsonlen},
		{"kind", SQLITE_TEXT, 0, 0, kind, strlen(kind)},
		{"received_ms", SQLITE_INTEGER, received_ms, 0, NULL, 0},
		{"seq", SQLITE_INTEGER, ev->seq, 0, NULL, 0},
		{"time_ms", SQLITE_INTEGER, ev->time_ms, 0, NULL, 0},
		{"user", ev->user ? SQLITE_TEXT : SQLITE_NULL, 0, 0, ev->user, ev->user ? strlen(ev->user) : 0},
	};
	struct entry_key key[2] = {{0, agent, NULL, 0}, {0, ev->seq, NULL, 0}};
	unsigned char hash[COL_CHAIN_HASH_LEN];

	if (!ch->block)
		return chain_fail(ch, "chain: event %lld/%lld written outside a transaction", (long long)agent,
		                  (long long)ev->seq);
	if (hash_cols(ch->sha, &ch->enc, COL_CHAIN_EVENT, c, (int)(sizeof c / sizeof c[0]), hash) < 0 ||
	    entry_put(&ch->manifest, COL_CHAIN_EVENT, OP_STATE, key, 2, hash) < 0)
		return chain_fail(ch, "chain: event %lld/%lld: cannot hash (out of memory)", (long long)agent,
		                  (long long)ev->seq);
	ch->entries++;
	return 0;
}

int col_chain_touch(struct col_chain *ch, enum col_chain_type type, const struct col_chain_key *key)
{
	const struct chain_type *t = type_of((int)type);
	if (!t)
		return chain_fail(ch, "chain: unknown record type %d", (int)type);
	if (!ch->block)
		return chain_fail(ch, "chain: %s row written outside a transaction", t->table);
	if (ch->ntouches == ch->cap) {
		size_t ncap = ch->cap ? ch->cap * 2 : 64;
		struct touch *nt = realloc(ch->touches, ncap * sizeof *nt);
		if (!nt)
			return chain_fail(ch, "chain: out of memory");
		ch->touches = nt;
		ch->cap = ncap;
	}
	struct touch *x = &ch->touches[ch->ntouches];
	memset(x, 0, sizeof *x);
	x->type = (int)type;
	for (int k = 0; k < t->nkeys; k++) {
		if (key[k].text) {
			size_t len = strlen(key[k].text);
			if (len > UINT32_MAX || !(x->key[k].text = vg_arena_strndup(&ch->keys, key[k].text, len)))
				return chain_fail(ch, "chain: out of memory");
			x->key[k].is_text = 1;
			x->key[k].len = (uint32_t)len;
		} else {
			x->key[k].i = key[k].i;
		}
	}
	ch->ntouches++;
	return 0;
}

int col_chain_touch_id(struct col_chain *ch, enum col_chain_type type, int64_t id)
{
	struct col_chain_key key = {NULL, id};
	const struct chain_type *t = type_of((int)type);
	if (t && t->nkeys != 1)
		return chain_fail(ch, "chain: %s has a key of %d columns", t->table, t->nkeys);
	return col_chain_touch(ch, type, &key);
}

static int key_cmp(const struct entry_key *a, const struct entry_key *b)
{
	if (a->is_text != b->is_text)
		return a->is_text - b->is_text;
	if (!a->is_text)
		return a->i < b->i ? -1 : a->i > b->i;
	int c = memcmp(a->text, b->text, a->len < b->len ? a->len : b->len);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static int touch_cmp(const void *pa, const void *pb)
{
	const struct touch *a = pa, *b = pb;
	if (a->type != b->type)
		return a->type - b->type;
	for (int k = 0; k < chain_types[a->type].nkeys; k++) {
		int c = key_cmp(&a->key[k], &b->key[k]);
		if (c)
			return c;
	}
	return 0;
}

static const char *key_text(const struct chain_type *t, const struct entry_key *key, char *out, size_t len);

/* Prepares the statements that stamp and read back rows of type. The read
 * is the query verify runs (not UPDATE .. RETURNING, whose values need not
 * have the column's affinity applied yet), so both hash the same values. */
static int prepare_touch(struct col_chain *ch, int type)
{
	const struct chain_type *t = &chain_types[type];
	char sql[512], where[256];

	key_where(t, 2, where, sizeof where);
	snprintf(sql, sizeof sql, "UPDATE %s SET chain_block = ?1%s", t->table, where);
	if (sqlite3_prepare_v3(ch->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &ch->stamp[type], NULL) != SQLITE_OK)
		return chain_fail(ch, "chain: prepare stamp of %s: %s", t->table, sqlite3_errmsg(ch->db));
	key_where(t, 1, where, sizeof where);
	snprintf(sql, sizeof sql, "SELECT * FROM %s%s", t->table, where);
	if (sqlite3_prepare_v3(ch->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &ch->read[type], NULL) != SQLITE_OK)
		return chain_fail(ch, "chain: prepare read of %s: %s", t->table, sqlite3_errmsg(ch->db));
	ch->read_shape[type].ncols = -1;
	return 0;
}

/* Stamps and reads back one touched row; appends its entry. */
static int seal_touch(struct col_chain *ch, const struct touch *x)
{
	const struct chain_type *t = &chain_types[x->type];
	unsigned char hash[COL_CHAIN_HASH_LEN];
	char keys[200];
	int out = 0;

	if ((!ch->stamp[x->type] || !ch->read[x->type]) && prepare_touch(ch, x->type) < 0)
		return -1;
	sqlite3_stmt *st = ch->stamp[x->type];
	sqlite3_bind_int64(st, 1, ch->block);
	bind_keys(st, 2, x->key, t->nkeys);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return chain_fail(ch, "chain: stamp %s %s: %s", t->table, key_text(t, x->key, keys, sizeof keys),
		                  sqlite3_errmsg(ch->db));
	if (sqlite3_changes(ch->db) == 0) {
		if (!(t->flags & CT_DELETABLE))
			return chain_fail(ch, "chain: %s %s was written but is not there", t->table,
			                  key_text(t, x->key, keys, sizeof keys));
		if (entry_put(&ch->manifest, x->type, OP_DELETED, x->key, t->nkeys, NULL) < 0)
			return chain_fail(ch, "chain: out of memory");
		ch->entries++;
		return 0;
	}
	st = ch->read[x->type];
	bind_keys(st, 1, x->key, t->nkeys);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		out = chain_fail(ch, "chain: read back %s %s: %s", t->table, key_text(t, x->key, keys, sizeof keys),
		                 rc == SQLITE_DONE ? "not found" : sqlite3_errmsg(ch->db));
	else if (hash_row(ch->sha, &ch->enc, (enum col_chain_type)x->type, &ch->read_shape[x->type], st, hash,
	                  ch->err, sizeof ch->err) < 0)
		out = -1;
	else if (entry_put(&ch->manifest, x->type, OP_STATE, x->key, t->nkeys, hash) < 0)
		out = chain_fail(ch, "chain: out of memory");
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (out == 0)
		ch->entries++;
	return out;
}

int col_chain_seal(struct col_chain *ch, int64_t now_ms)
{
	unsigned char hash[COL_CHAIN_HASH_LEN];

	if (!ch->block)
		return chain_fail(ch, "chain: seal outside a transaction");
	if (ch->ntouches > 1)
		qsort(ch->touches, ch->ntouches, sizeof *ch->touches, touch_cmp);
	for (size_t i = 0; i < ch->ntouches; i++) {
		if (i > 0 && touch_cmp(&ch->touches[i - 1], &ch->touches[i]) == 0)
			continue;
		if (seal_touch(ch, &ch->touches[i]) < 0)
			return -1;
	}
	if (ch->entries == 0) {
		col_chain_reset(ch);
		return 0;
	}
	if (col_chain_block_hash(ch->block, now_ms, ch->prev, ch->entries, ch->manifest.p, ch->manifest.n,
	                         hash) < 0)
		return chain_fail(ch, "chain: block %lld: cannot hash", (long long)ch->block);
	sqlite3_stmt *st = ch->block_st;
	sqlite3_bind_int64(st, 1, ch->block);
	sqlite3_bind_int64(st, 2, now_ms);
	sqlite3_bind_blob(st, 3, ch->prev, COL_CHAIN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, hash, COL_CHAIN_HASH_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, ch->entries);
	sqlite3_bind_blob64(st, 6, ch->manifest.p, ch->manifest.n, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return chain_fail(ch, "chain: write block %lld: %s", (long long)ch->block, sqlite3_errmsg(ch->db));
	col_chain_reset(ch);
	return 0;
}

/* Records per block when rows stored before the chain existed are chained. */
#define BACKFILL_BLOCK 4096

/* Chains every row of type t, in key order, BACKFILL_BLOCK rows a block.
 * Keyset pagination keeps memory bounded on a large table. */
static int backfill_type(struct col_chain *ch, int type, int64_t *records)
{
	const struct chain_type *t = &chain_types[type];
	char cols[128] = "", params[64] = "", sql[512];
	size_t used = 0, pused = 0;
	sqlite3_stmt *first = NULL, *next = NULL;
	struct entry_key last[COL_CHAIN_MAX_KEYS];
	char *last_text[COL_CHAIN_MAX_KEYS] = {NULL};
	int rc = 0;

	for (int k = 0; k < t->nkeys; k++) {
		int w = snprintf(cols + used, sizeof cols - used, "%s%s", k ? ", " : "", t->keys[k]);
		int wp = snprintf(params + pused, sizeof params - pused, "%s?%d", k ? ", " : "", k + 1);
		if (w > 0)
			used += (size_t)w;
		if (wp > 0)
			pused += (size_t)wp;
	}
	snprintf(sql, sizeof sql, "SELECT %s FROM %s ORDER BY %s LIMIT %d", cols, t->table, cols, BACKFILL_BLOCK);
	if (sqlite3_prepare_v2(ch->db, sql, -1, &first, NULL) != SQLITE_OK)
		return chain_fail(ch, "chain: backfill %s: %s", t->table, sqlite3_errmsg(ch->db));
	snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE (%s) > (%s) ORDER BY %s LIMIT %d", cols, t->table,
	         cols, params, cols, BACKFILL_BLOCK);
	if (sqlite3_prepare_v2(ch->db, sql, -1, &next, NULL) != SQLITE_OK) {
		sqlite3_finalize(first);
		return chain_fail(ch, "chain: backfill %s: %s", t->table, sqlite3_errmsg(ch->db));
	}
	for (sqlite3_stmt *page = first; rc == 0;) {
		int step, n = 0;
		if ((rc = col_chain_begin(ch)) < 0)
			break;
		while ((step = sqlite3_step(page)) == SQLITE_ROW) {
			struct col_chain_key key[COL_CHAIN_MAX_KEYS];
			for (int k = 0; k < t->nkeys; k++) {
				int text = sqlite3_column_type(page, k) == SQLITE_TEXT;
				key[k].text = text ? (const char *)sqlite3_column_text(page, k) : NULL;
				key[k].i = text ? 0 : sqlite3_column_int64(page, k);
			}
			if ((rc = col_chain_touch(ch, (enum col_chain_type)type, key)) < 0)
				break;
			n++;
		}
		if (rc == 0 && step != SQLITE_DONE)
			rc = chain_fail(ch, "chain: backfill %s: %s", t->table, sqlite3_errmsg(ch->db));
		if (rc < 0 || n == 0)
			break;
		/* The last key starts the next page; the seal frees the touches'
		 * copies of text keys. */
		memcpy(last, ch->touches[ch->ntouches - 1].key, sizeof last);
		for (int k = 0; k < t->nkeys; k++) {
			free(last_text[k]);
			last_text[k] = NULL;
			if (last[k].is_text && !(last_text[k] = strndup(last[k].text, last[k].len)))
				rc = chain_fail(ch, "chain: out of memory");
			last[k].text = last_text[k];
		}
		if (rc < 0 || (rc = col_chain_seal(ch, vg_time_now())) < 0)
			break;
		*records += n;
		if (n < BACKFILL_BLOCK)
			break;
		sqlite3_reset(next);
		bind_keys(next, 1, last, t->nkeys);
		page = next;
	}
	for (int k = 0; k < t->nkeys; k++)
		free(last_text[k]);
	sqlite3_finalize(first);
	sqlite3_finalize(next);
	col_chain_reset(ch);
	return rc;
}

static int backfill(struct col_chain *ch)
{
	int64_t records = 0;
	sqlite3_stmt *st;
	int pending = 0;

	if (sqlite3_prepare_v2(ch->db, "SELECT count(*) FROM chain_backfill", -1, &st, NULL) != SQLITE_OK)
		return chain_fail(ch, "chain: %s", sqlite3_errmsg(ch->db));
	if (sqlite3_step(st) == SQLITE_ROW)
		pending = sqlite3_column_int(st, 0) > 0;
	sqlite3_finalize(st);
	if (!pending)
		return 0;
	if (sqlite3_exec(ch->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return chain_fail(ch, "chain: backfill: %s", sqlite3_errmsg(ch->db));
	for (int type = 1; type < COL_CHAIN_TYPE_END; type++) {
		if (backfill_type(ch, type, &records) < 0) {
			sqlite3_exec(ch->db, "ROLLBACK", NULL, NULL, NULL);
			return -1;
		}
	}
	if (sqlite3_exec(ch->db, "DELETE FROM chain_backfill; COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		chain_fail(ch, "chain: backfill: %s", sqlite3_errmsg(ch->db));
		sqlite3_exec(ch->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (records)
		vg_warn("chain: %lld records stored before tamper evidence existed are now chained",
		        (long long)records);
	return 0;
}

void col_chain_close(struct col_chain *ch)
{
	if (!ch)
		return;
	sqlite3_finalize(ch->head_st);
	sqlite3_finalize(ch->block_st);
	for (int i = 0; i < COL_CHAIN_TYPE_END; i++) {
		sqlite3_finalize(ch->stamp[i]);
		sqlite3_finalize(ch->read[i]);
	}
	if (ch->sha)
		gnutls_hash_deinit(ch->sha, NULL);
	cbuf_free(&ch->manifest);
	cbuf_free(&ch->enc);
	free(ch->touches);
	vg_arena_free(&ch->keys);
	free(ch);
}

struct col_chain *col_chain_open(sqlite3 *wdb, char *err, size_t errlen)
{
	struct col_chain *ch = calloc(1, sizeof *ch);
	if (!ch) {
		snprintf(err, errlen, "chain: out of memory");
		return NULL;
	}
	ch->db = wdb;
	if (gnutls_hash_init(&ch->sha, GNUTLS_DIG_SHA256) < 0) {
		ch->sha = NULL;
		snprintf(err, errlen, "chain: SHA-256 is not available");
		goto fail;
	}
	if (sqlite3_prepare_v3(wdb, "SELECT block, hash FROM chain ORDER BY block DESC LIMIT 1", -1,
	                       SQLITE_PREPARE_PERSISTENT, &ch->head_st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v3(wdb, "INSERT INTO chain(block, time_ms, prev, hash, records, manifest)"
	                       " VALUES(?,?,?,?,?,?)", -1, SQLITE_PREPARE_PERSISTENT, &ch->block_st,
	                       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "chain: prepare: %s", sqlite3_errmsg(wdb));
		goto fail;
	}
	if (backfill(ch) < 0) {
		snprintf(err, errlen, "%s", ch->err);
		goto fail;
	}
	return ch;
fail:
	col_chain_close(ch);
	return NULL;
}

/* ---- head and anchors ---------------------------------------------------------------- */

int col_chain_head(sqlite3 *db, int64_t *block, char hex[COL_CHAIN_HEX_LEN + 1], char *err, size_t errlen)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "SELECT block, hash FROM chain ORDER BY block DESC LIMIT 1", -1, &st,
	                       NULL) != SQLITE_OK) {
		snprintf(err, errlen, "chain head: %s", sqlite3_errmsg(db));
		return -1;
	}
	int rc = sqlite3_step(st), out = 0;
	if (rc == SQLITE_ROW && sqlite3_column_bytes(st, 1) == COL_CHAIN_HASH_LEN) {
		*block = sqlite3_column_int64(st, 0);
		to_hex(sqlite3_column_blob(st, 1), COL_CHAIN_HASH_LEN, hex);
	} else if (rc == SQLITE_DONE) {
		*block = 0;
		to_hex(zero_hash, COL_CHAIN_HASH_LEN, hex);
	} else {
		snprintf(err, errlen, "chain head: %s", rc == SQLITE_ROW ? "malformed hash" : sqlite3_errmsg(db));
		out = -1;
	}
	sqlite3_finalize(st);
	return out;
}

void col_chain_anchor_log(int64_t block, const char *hex, const char *why)
{
	vg_info("chain-anchor block=%lld hash=%s (%s)", (long long)block, hex, why);
	syslog(LOG_DAEMON | LOG_NOTICE, "chain-anchor block=%lld hash=%s", (long long)block, hex);
}

/* Parses "BLOCK" then sep then 64 hex digits ending at a non-hex character. */
static int anchor_scan(const char *s, const char *sep, struct col_chain_anchor *a, const char **end)
{
	char *e;
	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	long long b = strtoll(s, &e, 10);
	if (errno || b < 0 || strncmp(e, sep, strlen(sep)) != 0)
		return -1;
	e += strlen(sep);
	if (strspn(e, "0123456789abcdefABCDEF") != COL_CHAIN_HEX_LEN || from_hex(e, COL_CHAIN_HEX_LEN, a->hash) < 0)
		return -1;
	a->block = b;
	*end = e + COL_CHAIN_HEX_LEN;
	return 0;
}

int col_chain_anchor_parse(const char *s, struct col_chain_anchor *a)
{
	const char *end;
	return anchor_scan(s, ":", a, &end) == 0 && *end == '\0' ? 0 : -1;
}

static int anchors_push(struct col_chain_anchor **v, size_t *n, const struct col_chain_anchor *a)
{
	struct col_chain_anchor *nv = realloc(*v, (*n + 1) * sizeof *nv);
	if (!nv)
		return -1;
	nv[(*n)++] = *a;
	*v = nv;
	return 0;
}

long col_chain_anchors_read(const char *path, struct col_chain_anchor **v, size_t *n, char *err,
                            size_t errlen)
{
	static const char marker[] = "chain-anchor block=";
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long found = 0;

	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) >= 0) {
		const char *p = strstr(line, marker), *end;
		struct col_chain_anchor a;
		if (!p || anchor_scan(p + sizeof marker - 1, " hash=", &a, &end) < 0)
			continue;
		if (anchors_push(v, n, &a) < 0) {
			snprintf(err, errlen, "%s: out of memory", path);
			found = -1;
			break;
		}
		found++;
	}
	if (found >= 0 && ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		found = -1;
	}
	free(line);
	fclose(f);
	return found;
}

/* ---- verify ------------------------------------------------------------------------- */

/* "agent=3 seq=17" for messages. Text keys are shown with anything but
 * printable ASCII replaced by '?'. */
static const char *key_text(const struct chain_type *t, const struct entry_key *key, char *out, size_t len)
{
	size_t used = 0;
	out[0] = '\0';
	for (int k = 0; k < t->nkeys && used < len; k++) {
		int w;
		if (key[k].is_text) {
			char v[80];
			uint32_t m = key[k].len < sizeof v - 1 ? key[k].len : (uint32_t)sizeof v - 1;
			for (uint32_t i = 0; i < m; i++)
				v[i] = key[k].text[i] > ' ' && key[k].text[i] < 127 ? key[k].text[i] : '?';
			v[m] = '\0';
			w = snprintf(out + used, len - used, "%s%s=%s%s", k ? " " : "", t->keys[k], v,
			             key[k].len > m ? "..." : "");
		} else {
			w = snprintf(out + used, len - used, "%s%s=%lld", k ? " " : "", t->keys[k],
			             (long long)key[k].i);
		}
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return out;
}

/* A row that a mutable or deletable type's entry names but the table lacks:
 * whether that is a deletion depends on the key's last entry. */
struct missing {
	int type;
	struct entry_key key[COL_CHAIN_MAX_KEYS];
	int64_t block;
	int op;
};

/* One block's manifest, its entries sorted by identity (pass 2). */
struct manifest_index {
	int64_t block;                /* 0 when empty */
	int exists;
	unsigned char *m;
	size_t n;
	struct span { const unsigned char *p; size_t len; } *ids;
	size_t nids;
};

#define MAX_PRINTED 1000

struct verifier {
	sqlite3 *db;
	FILE *out;
	struct col_chain_stats *st;
	sqlite3_stmt *sel[COL_CHAIN_TYPE_END];
	struct row_shape shape[COL_CHAIN_TYPE_END];
	int64_t accounted[COL_CHAIN_TYPE_END];
	struct missing *miss;
	size_t nmiss, capmiss;
	struct vg_arena arena;        /* text keys of missing rows */
	gnutls_hash_hd_t sha;
	struct cbuf enc;
	struct manifest_index idx;
	char *err;
	size_t errlen;
};

static void problem(struct verifier *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void problem(struct verifier *v, const char *fmt, ...)
{
	if (v->st->problems++ < MAX_PRINTED) {
		va_list ap;
		va_start(ap, fmt);
		fputs("verify: ", v->out);
		vfprintf(v->out, fmt, ap);
		fputc('\n', v->out);
		va_end(ap);
	} else if (v->st->problems == MAX_PRINTED + 1) {
		fprintf(v->out, "verify: (more problems are counted but not shown)\n");
	}
}

static int verr(struct verifier *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int verr(struct verifier *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->err, v->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static sqlite3_stmt *select_stmt(struct verifier *v, int type)
{
	if (!v->sel[type]) {
		const struct chain_type *t = &chain_types[type];
		char sql[512], where[256];
		key_where(t, 1, where, sizeof where);
		snprintf(sql, sizeof sql, "SELECT * FROM %s%s", t->table, where);
		if (sqlite3_prepare_v2(v->db, sql, -1, &v->sel[type], NULL) != SQLITE_OK) {
			verr(v, "verify: %s: %s", t->table, sqlite3_errmsg(v->db));
			return NULL;
		}
		v->shape[type].ncols = -1;
	}
	return v->sel[type];
}

static int missing_add(struct verifier *v, int type, const struct entry_key *key, int64_t block, int op)
{
	if (v->nmiss == v->capmiss) {
		size_t ncap = v->capmiss ? v->capmiss * 2 : 64;
		struct missing *nm = realloc(v->miss, ncap * sizeof *nm);
		if (!nm)
			return verr(v, "verify: out of memory");
		v->miss = nm;
		v->capmiss = ncap;
	}
	struct missing *m = &v->miss[v->nmiss];
	memset(m, 0, sizeof *m);
	m->type = type;
	m->block = block;
	m->op = op;
	for (int k = 0; k < chain_types[type].nkeys; k++) {
		m->key[k] = key[k];
		if (key[k].is_text && !(m->key[k].text = vg_arena_strndup(&v->arena, key[k].text, key[k].len)))
			return verr(v, "verify: out of memory");
	}
	v->nmiss++;
	return 0;
}

/* Checks one manifest entry of block b against its row. */
static int check_entry(struct verifier *v, int64_t b, int type, int op, const struct entry_key *key,
                       const unsigned char *hash)
{
	const struct chain_type *t = &chain_types[type];
	sqlite3_stmt *st = select_stmt(v, type);
	char keys[200];
	int rc, out = 0;

	if (!st)
		return -1;
	bind_keys(st, 1, key, t->nkeys);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW)
		key_text(t, key, keys, sizeof keys);
	if (rc == SQLITE_DONE) {
		if (t->flags & (CT_MUTABLE | CT_DELETABLE))
			out = missing_add(v, type, key, b, op);
		else
			problem(v, "%s %s block=%lld: deleted: block %lld records it, the table does not have it",
			        t->table, keys, (long long)b, (long long)b);
	} else if (rc != SQLITE_ROW) {
		out = verr(v, "verify: %s %s: %s", t->table, keys, sqlite3_errmsg(v->db));
	} else {
		struct row_shape *sh = &v->shape[type];
		if (sh->ncols != sqlite3_column_count(st) && shape_init(sh, st, t, v->err, v->errlen) < 0) {
			sqlite3_reset(st);
			return -1;
		}
		int chained = sh->chain_col >= 0 && sqlite3_column_type(st, sh->chain_col) == SQLITE_INTEGER;
		int64_t cb = chained ? sqlite3_column_int64(st, sh->chain_col) : -1;
		char cbtext[32] = "NULL";
		if (chained && cb != b)
			snprintf(cbtext, sizeof cbtext, "%lld", (long long)cb);
		if (op == OP_DELETED) {
			if (cb <= b)
				problem(v, "%s %s block=%lld: inserted: block %lld records its deletion, yet the row is"
				        " there", t->table, key_text(t, key, keys, sizeof keys), (long long)b, (long long)b);
		} else if (cb == b) {
			unsigned char got[COL_CHAIN_HASH_LEN];
			v->accounted[type]++;
			if (hash_row(v->sha, &v->enc, (enum col_chain_type)type, sh, st, got, v->err, v->errlen) < 0)
				out = -1;
			else if (memcmp(got, hash, COL_CHAIN_HASH_LEN) != 0)
				problem(v, "%s %s block=%lld: altered: its content does not match the hash block %lld"
				        " records", t->table, key_text(t, key, keys, sizeof keys), (long long)b,
				        (long long)b);
		} else if (cb > b && (t->flags & CT_MUTABLE)) {
			;   /* a later block records a newer state */
		} else if (t->flags & CT_MUTABLE) {
			problem(v, "%s %s block=%lld: altered: block %lld records a later state than the row's"
			        " (chain_block %s)", t->table, key_text(t, key, keys, sizeof keys), (long long)b,
			        (long long)b, cbtext);
		} else {
			problem(v, "%s %s block=%lld: altered: block %lld records it, the row says chain_block %s",
			        t->table, key_text(t, key, keys, sizeof keys), (long long)b, (long long)b, cbtext);
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return out;
}

static int missing_cmp(const void *pa, const void *pb)
{
	const struct missing *a = pa, *b = pb;
	if (a->type != b->type)
		return a->type - b->type;
	for (int k = 0; k < chain_types[a->type].nkeys; k++) {
		int c = key_cmp(&a->key[k], &b->key[k]);
		if (c)
			return c;
	}
	return (a->block > b->block) - (a->block < b->block);
}

/* A missing row is fine when its key's last entry records its deletion. */
static void report_missing(struct verifier *v)
{
	if (v->nmiss > 1)
		qsort(v->miss, v->nmiss, sizeof *v->miss, missing_cmp);
	for (size_t i = 0; i < v->nmiss; i++) {
		const struct missing *m = &v->miss[i];
		if (i + 1 < v->nmiss && m->type == v->miss[i + 1].type) {
			int same = 1;
			for (int k = 0; same && k < chain_types[m->type].nkeys; k++)
				same = key_cmp(&m->key[k], &v->miss[i + 1].key[k]) == 0;
			if (same)
				continue;     /* not the last entry of this key */
		}
		if (m->op == OP_DELETED)
			continue;
		char keys[200];
		key_text(&chain_types[m->type], m->key, keys, sizeof keys);
		problem(v, "%s %s block=%lld: deleted: block %lld records its last state, the table does not"
		        " have it", chain_types[m->type].table, keys, (long long)m->block, (long long)m->block);
	}
}

static int span_cmp(const void *pa, const void *pb)
{
	const struct span *a = pa, *b = pb;
	int c = memcmp(a->p, b->p, a->len < b->len ? a->len : b->len);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

static void index_clear(struct manifest_index *x)
{
	free(x->m);
	free(x->ids);
	memset(x, 0, sizeof *x);
}

/* Loads block b's manifest into v->idx (kept while b is asked for again). */
static int index_load(struct verifier *v, int64_t b)
{
	struct manifest_index *x = &v->idx;
	sqlite3_stmt *st;
	if (x->block == b && b)
		return 0;
	index_clear(x);
	x->block = b;
	if (sqlite3_prepare_v2(v->db, "SELECT manifest FROM chain WHERE block = ?", -1, &st, NULL) != SQLITE_OK)
		return verr(v, "verify: %s", sqlite3_errmsg(v->db));
	sqlite3_bind_int64(st, 1, b);
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		x->exists = 1;
		x->n = (size_t)sqlite3_column_bytes(st, 0);
		if (x->n && !(x->m = malloc(x->n))) {
			sqlite3_finalize(st);
			return verr(v, "verify: out of memory");
		}
		if (x->n)
			memcpy(x->m, sqlite3_column_blob(st, 0), x->n);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return verr(v, "verify: block %lld: %s", (long long)b, sqlite3_errmsg(v->db));
	size_t pos = 0, cap = 0;
	while (pos < x->n) {
		int type, op;
		struct entry_key key[COL_CHAIN_MAX_KEYS];
		const unsigned char *hash;
		size_t start = pos, idlen;
		if (entry_get(x->m, x->n, &pos, &type, &op, key, &hash, &idlen) < 0)
			break;    /* pass 1 reported the damage */
		if (x->nids == cap) {
			cap = cap ? cap * 2 : 256;
			struct span *ni = realloc(x->ids, cap * sizeof *ni);
			if (!ni)
				return verr(v, "verify: out of memory");
			x->ids = ni;
		}
		x->ids[x->nids].p = x->m + start;
		x->ids[x->nids].len = idlen;
		x->nids++;
	}
	if (x->nids > 1)
		qsort(x->ids, x->nids, sizeof *x->ids, span_cmp);
	return 0;
}

/* Finds, among rows of type, those no manifest entry vouches for. */
static int scan_unaccounted(struct verifier *v, int type)
{
	const struct chain_type *t = &chain_types[type];
	char cols[128] = "", sql[512];
	size_t used = 0;
	sqlite3_stmt *st;
	int rc;

	for (int k = 0; k < t->nkeys; k++) {
		int w = snprintf(cols + used, sizeof cols - used, "%s%s", k ? ", " : "", t->keys[k]);
		if (w > 0)
			used += (size_t)w;
	}
	snprintf(sql, sizeof sql, "SELECT %s, chain_block FROM %s ORDER BY %s", cols, t->table, cols);
	if (sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) != SQLITE_OK)
		return verr(v, "verify: %s: %s", t->table, sqlite3_errmsg(v->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct entry_key key[COL_CHAIN_MAX_KEYS];
		char keys[200];
		for (int k = 0; k < t->nkeys; k++) {
			key[k].is_text = sqlite3_column_type(st, k) == SQLITE_TEXT;
			key[k].i = sqlite3_column_int64(st, k);
			key[k].text = key[k].is_text ? (const char *)sqlite3_column_text(st, k) : NULL;
			key[k].len = key[k].is_text ? (uint32_t)sqlite3_column_bytes(st, k) : 0;
		}
		key_text(t, key, keys, sizeof keys);
		if (sqlite3_column_type(st, t->nkeys) != SQLITE_INTEGER) {
			problem(v, "%s %s: inserted: not chained (chain_block is NULL)", t->table, keys);
			continue;
		}
		int64_t cb = sqlite3_column_int64(st, t->nkeys);
		if (index_load(v, cb) < 0) {
			sqlite3_finalize(st);
			return -1;
		}
		if (!v->idx.exists) {
			problem(v, "%s %s block=%lld: inserted: block %lld does not exist", t->table, keys,
			        (long long)cb, (long long)cb);
			continue;
		}
		struct cbuf id = {0};
		if (entry_put(&id, type, OP_STATE, key, t->nkeys, zero_hash) < 0) {
			sqlite3_finalize(st);
			return verr(v, "verify: out of memory");
		}
		struct span probe = {id.p, id.n - COL_CHAIN_HASH_LEN};
		int listed = v->idx.nids && bsearch(&probe, v->idx.ids, v->idx.nids, sizeof probe, span_cmp);
		cbuf_free(&id);
		if (!listed)
			problem(v, "%s %s block=%lld: inserted: block %lld does not record it", t->table, keys,
			        (long long)cb, (long long)cb);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return verr(v, "verify: %s: %s", t->table, sqlite3_errmsg(v->db));
	return 0;
}

static int count_rows(struct verifier *v, int type, int64_t *n)
{
	char sql[256];
	sqlite3_stmt *st;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", chain_types[type].table);
	if (sqlite3_prepare_v2(v->db, sql, -1, &st, NULL) != SQLITE_OK)
		return verr(v, "verify: %s: %s", chain_types[type].table, sqlite3_errmsg(v->db));
	int rc = sqlite3_step(st);
	*n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : verr(v, "verify: count %s: %s", chain_types[type].table,
	                                   sqlite3_errmsg(v->db));
}

/* Checks one block row; prev_stored is the previous block's stored hash. */
static int check_block(struct verifier *v, sqlite3_stmt *st, int64_t expect, const unsigned char *prev_stored,
                       unsigned char computed[COL_CHAIN_HASH_LEN])
{
	int64_t b = sqlite3_column_int64(st, 0), time_ms = sqlite3_column_int64(st, 1);
	const unsigned char *prev = sqlite3_column_blob(st, 2), *stored = sqlite3_column_blob(st, 3);
	int64_t records = sqlite3_column_int64(st, 4);
	const unsigned char *m = sqlite3_column_blob(st, 5);
	size_t n = (size_t)sqlite3_column_bytes(st, 5);

	if (b > expect)
		problem(v, "block %lld: missing: the chain goes from block %lld to block %lld%s", (long long)expect,
		        (long long)expect - 1, (long long)b, b > expect + 1 ? " (and the blocks between)" : "");
	if (sqlite3_column_bytes(st, 2) != COL_CHAIN_HASH_LEN || sqlite3_column_bytes(st, 3) != COL_CHAIN_HASH_LEN ||
	    records < 0 || records > UINT32_MAX) {
		problem(v, "block %lld: altered: malformed block row", (long long)b);
		memset(computed, 0, COL_CHAIN_HASH_LEN);
		return 0;
	}
	if (b == expect && memcmp(prev, prev_stored, COL_CHAIN_HASH_LEN) != 0)
		problem(v, "block %lld: chain broken: its previous hash is not the hash of block %lld", (long long)b,
		        (long long)b - 1);
	if (col_chain_block_hash(b, time_ms, prev, (uint32_t)records, m, n, computed) < 0)
		return verr(v, "verify: cannot hash");
	if (memcmp(computed, stored, COL_CHAIN_HASH_LEN) != 0)
		problem(v, "block %lld: altered: its hash does not match its content", (long long)b);
	size_t pos = 0;
	int64_t count = 0;
	while (pos < n) {
		int type, op;
		struct entry_key key[COL_CHAIN_MAX_KEYS];
		const unsigned char *hash;
		size_t idlen;
		if (entry_get(m, n, &pos, &type, &op, key, &hash, &idlen) < 0) {
			problem(v, "block %lld: altered: its manifest is unreadable at byte %zu", (long long)b, pos);
			break;
		}
		count++;
		if (check_entry(v, b, type, op, key, hash) < 0)
			return -1;
		/* sqlite3_column_blob stays valid: check_entry uses other statements. */
	}
	if (count != records)
		problem(v, "block %lld: altered: it lists %lld records, its manifest holds %lld", (long long)b,
		        (long long)records, (long long)count);
	v->st->entries += count;
	return 0;
}

int col_chain_verify(sqlite3 *db, const struct col_chain_anchor *anchors, size_t nanchors, FILE *out,
                     struct col_chain_stats *stats, char *err, size_t errlen)
{
	struct verifier v = {.db = db, .out = out, .st = stats, .err = err, .errlen = errlen};
	unsigned char prev[COL_CHAIN_HASH_LEN] = {0}, computed[COL_CHAIN_HASH_LEN];
	char *matched = NULL;
	sqlite3_stmt *st = NULL;
	int64_t expect = 1;
	int rc = -1, step;

	memset(stats, 0, sizeof *stats);
	to_hex(zero_hash, COL_CHAIN_HASH_LEN, stats->head_hex);
	if (gnutls_hash_init(&v.sha, GNUTLS_DIG_SHA256) < 0) {
		v.sha = NULL;
		verr(&v, "verify: SHA-256 is not available");
		goto out;
	}
	if (nanchors && !(matched = calloc(nanchors, 1))) {
		verr(&v, "verify: out of memory");
		goto out;
	}
	for (size_t a = 0; a < nanchors; a++) {
		if (anchors[a].block == 0) {
			matched[a] = 1;
			if (memcmp(anchors[a].hash, zero_hash, COL_CHAIN_HASH_LEN) != 0)
				problem(&v, "anchor 0: an anchor of block 0 must be all zeros");
		}
	}
	if (sqlite3_prepare_v2(db, "SELECT block, time_ms, prev, hash, records, manifest FROM chain ORDER BY block",
	                       -1, &st, NULL) != SQLITE_OK) {
		verr(&v, "verify: %s", sqlite3_errmsg(db));
		goto out;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t b = sqlite3_column_int64(st, 0);
		if (b < expect) {
			problem(&v, "block %lld: inserted: block numbers start at 1", (long long)b);
			continue;
		}
		if (check_block(&v, st, expect, prev, computed) < 0)
			goto out;
		for (size_t a = 0; a < nanchors; a++) {
			if (anchors[a].block != b)
				continue;
			matched[a] = 1;
			stats->anchors_checked++;
			if (memcmp(anchors[a].hash, computed, COL_CHAIN_HASH_LEN) != 0) {
				char want[COL_CHAIN_HEX_LEN + 1], got[COL_CHAIN_HEX_LEN + 1];
				to_hex(anchors[a].hash, COL_CHAIN_HASH_LEN, want);
				to_hex(computed, COL_CHAIN_HASH_LEN, got);
				problem(&v, "block %lld: rewritten: the anchor logged %s, the chain now hashes to %s",
				        (long long)b, want, got);
			}
		}
		if (sqlite3_column_bytes(st, 3) == COL_CHAIN_HASH_LEN)
			memcpy(prev, sqlite3_column_blob(st, 3), COL_CHAIN_HASH_LEN);
		stats->blocks++;
		stats->head = b;
		expect = b + 1;
	}
	if (step != SQLITE_DONE) {
		verr(&v, "verify: reading the chain: %s", sqlite3_errmsg(db));
		goto out;
	}
	to_hex(prev, COL_CHAIN_HASH_LEN, stats->head_hex);
	for (size_t a = 0; a < nanchors; a++) {
		if (!matched[a])
			problem(&v, "block %lld: missing: an anchor was logged for it, the chain ends at block %lld",
			        (long long)anchors[a].block, (long long)stats->head);
		else if (anchors[a].block == 0)
			stats->anchors_checked++;
	}
	report_missing(&v);
	for (int type = 1; type < COL_CHAIN_TYPE_END; type++) {
		if (count_rows(&v, type, &stats->rows[type]) < 0)
			goto out;
		if (stats->rows[type] != v.accounted[type] && scan_unaccounted(&v, type) < 0)
			goto out;
	}
	rc = stats->problems ? 1 : 0;
out:
	sqlite3_finalize(st);
	for (int i = 0; i < COL_CHAIN_TYPE_END; i++)
		sqlite3_finalize(v.sel[i]);
	if (v.sha)
		gnutls_hash_deinit(v.sha, NULL);
	cbuf_free(&v.enc);
	free(v.miss);
	vg_arena_free(&v.arena);
	index_clear(&v.idx);
	free(matched);
	return rc;
}

/* ---- vigil-collector ... verify ------------------------------------------------------ */

static void verify_usage(FILE *f)
{
	fprintf(f, "usage: vigil-collector -c FILE verify [--anchor BLOCK:HASH]... [--anchors LOGFILE]...\n");
}

/* Prints "N table, ..." for the summary. */
static void print_counts(const struct col_chain_stats *st)
{
	for (int type = 1; type < COL_CHAIN_TYPE_END; type++)
		printf("%s%s %lld", type > 1 ? ", " : "", chain_types[type].table, (long long)st->rows[type]);
}

int col_chain_verify_main(const char *database, int argc, char **argv)
{
	static const struct option opts[] = {
		{"anchor", required_argument, NULL, 'a'},
		{"anchors", required_argument, NULL, 'A'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct col_chain_anchor *anchors = NULL;
	size_t nanchors = 0;
	struct col_chain_stats st;
	char err[512];
	sqlite3 *db = NULL;
	int opt, rc = 1;

	optind = 0;   /* glibc: start a fresh scan of this argument vector */
	while ((opt = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		struct col_chain_anchor a;
		long found;
		switch (opt) {
		case 'a':
			if (col_chain_anchor_parse(optarg, &a) < 0) {
				fprintf(stderr, "vigil-collector: verify: --anchor '%s': want BLOCK:HASH (64 hex digits)\n",
				        optarg);
				rc = 2;
				goto out;
			}
			if (anchors_push(&anchors, &nanchors, &a) < 0) {
				fprintf(stderr, "vigil-collector: out of memory\n");
				goto out;
			}
			break;
		case 'A':
			found = col_chain_anchors_read(optarg, &anchors, &nanchors, err, sizeof err);
			if (found < 0) {
				fprintf(stderr, "vigil-collector: verify: %s\n", err);
				goto out;
			}
			if (found == 0) {
				fprintf(stderr, "vigil-collector: verify: %s: no chain-anchor lines\n", optarg);
				goto out;
			}
			break;
		case 'h':
			verify_usage(stdout);
			rc = 0;
			goto out;
		default:
			verify_usage(stderr);
			rc = 2;
			goto out;
		}
	}
	if (optind < argc) {
		verify_usage(stderr);
		rc = 2;
		goto out;
	}
	/* Read-only, in one read transaction: a consistent snapshot, however
	 * long the collector keeps writing meanwhile. */
	if (sqlite3_open_v2(database, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		fprintf(stderr, "vigil-collector: verify: %s: %s\n", database, db ? sqlite3_errmsg(db) : "cannot open");
		goto out;
	}
	sqlite3_busy_timeout(db, 5000);
	sqlite3_stmt *q;
	int has_chain = 0, pending = 0;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sqlite_master WHERE name = 'chain'),"
	                       " (SELECT count(*) FROM sqlite_master WHERE name = 'chain_backfill')", -1, &q,
	                       NULL) != SQLITE_OK) {
		fprintf(stderr, "vigil-collector: verify: %s: %s\n", database, sqlite3_errmsg(db));
		goto out;
	}
	if (sqlite3_step(q) == SQLITE_ROW)
		has_chain = sqlite3_column_int(q, 0) && sqlite3_column_int(q, 1);
	sqlite3_finalize(q);
	if (!has_chain) {
		fprintf(stderr, "vigil-collector: verify: %s has no chain (start the collector once to add it)\n",
		        database);
		goto out;
	}
	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM chain_backfill", -1, &q, NULL) == SQLITE_OK) {
		if (sqlite3_step(q) == SQLITE_ROW)
			pending = sqlite3_column_int(q, 0) > 0;
		sqlite3_finalize(q);
	}
	if (pending) {
		fprintf(stderr, "vigil-collector: verify: %s: rows stored before the chain existed are not chained"
		        " yet (start the collector once)\n", database);
		goto out;
	}
	int v = col_chain_verify(db, anchors, nanchors, stdout, &st, err, sizeof err);
	if (v < 0) {
		fprintf(stderr, "vigil-collector: %s: %s\n", database, err);
		goto out;
	}
	if (v == 0)
		printf("verify: ok: %lld blocks, head block %lld hash %s; ", (long long)st.blocks, (long long)st.head,
		       st.head_hex);
	else
		printf("verify: FAILED: %ld problem%s in %lld blocks, head block %lld hash %s; ", st.problems,
		       st.problems == 1 ? "" : "s", (long long)st.blocks, (long long)st.head, st.head_hex);
	print_counts(&st);
	printf("; %zu anchor%s checked\n", st.anchors_checked, st.anchors_checked == 1 ? "" : "s");
	rc = fflush(stdout) == 0 && v == 0 ? 0 : 1;
out:
	if (db) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(db);
	}
	free(anchors);
	return rc;
}
