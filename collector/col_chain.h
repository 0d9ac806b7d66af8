/*
 * col_chain: tamper evidence for what the collector stores.
 *
 * Every write transaction that stores chained records appends one block to
 * the table `chain`. A block's manifest lists each record the transaction
 * wrote, in order: its type, its key and the SHA-256 of its canonical
 * content. The block's hash covers its number, its time, the previous
 * block's hash and the manifest, so changing, removing or adding a record,
 * or a block, breaks the chain from there on. Each chained row also carries
 * `chain_block`, the block that last recorded it: verify goes from every
 * manifest entry to its row and, when the counts disagree, from every row to
 * the entry that should vouch for it, so every finding names the table, the
 * key and the block.
 *
 * A record that changes after it was written (an anomaly whose count grows,
 * whose status an officer changes) is recorded again, whole, in every block
 * that changes it; verify checks the current row against its latest entry.
 *
 * Anchors: the head (block number and hash) is logged at start, every
 * anchor_interval seconds when it moved, and at shutdown. An attacker who
 * can write the database can recompute the whole chain; `verify --anchor`
 * compares the chain with hashes logged before the rewrite.
 *
 * Adding a record type (a table) to the chain:
 *   1. append a value to enum col_chain_type and a line to the type table in
 *      col_chain.c (table, key columns, whether rows change or are deleted,
 *      columns to leave out of the hash);
 *   2. add `chain_block INTEGER` to the table in a migration;
 *   3. after each write of a row, inside col_store_begin .. col_store_commit,
 *      call col_chain_touch() (col_chain_touch_id() for an integer key) with
 *      the row's key. Its content is read back and hashed when the
 *      transaction commits, once per row however often it was touched.
 * A column added later to a chained table must be NULL in existing rows (the
 * canonical content leaves NULL columns out), or those rows no longer match
 * their hashes.
 *
 * The writer side (col_chain_open .. col_chain_seal) runs on the store's
 * writer connection, under its lock; verify runs on a read-only connection
 * inside one read transaction, so it sees one consistent snapshot while the
 * collector goes on writing.
 */
#ifndef COL_CHAIN_H
#define COL_CHAIN_H

#include "vg_event.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define COL_CHAIN_HASH_LEN 32
#define COL_CHAIN_HEX_LEN 64
#define COL_CHAIN_MAX_KEYS 3

/* The record types. The numbers are part of the hashed data: append, never
 * renumber. */
enum col_chain_type {
	COL_CHAIN_EVENT = 1,          /* events (agent, seq) */
	COL_CHAIN_ANOMALY = 2,        /* anomalies (id), every state */
	COL_CHAIN_ANOMALY_EVENT = 3,  /* anomaly_events (anomaly, agent, seq): the evidence links */
	COL_CHAIN_HISTORY = 4,        /* anomaly_history (id): officers' triage steps */
	COL_CHAIN_QUARANTINE = 5,     /* quarantine (id) */
	COL_CHAIN_TYPE_END
};

/* One column of a record for the canonical encoding: type is SQLITE_INTEGER
 * (i), SQLITE_FLOAT (f), SQLITE_TEXT or SQLITE_BLOB (p, n) or SQLITE_NULL. */
struct col_chain_col {
	const char *name;
	int type;
	int64_t i;
	double f;
	const void *p;
	size_t n;
};

/* The canonical content of a record: for each column that is not NULL, in
 * ascending byte order of the names (which cols must already be in):
 *   u8 name length, name, u8 tag ('i', 'f', 't' or 'b'), then
 *   'i': 8 bytes big-endian two's complement; 'f': the IEEE 754 bits, 8 bytes
 *   big-endian; 't', 'b': u32 big-endian length, the bytes.
 * Writes at most cap bytes into out and returns the full length (call again
 * with a larger buffer when it is more than cap), or SIZE_MAX when cols are
 * not in order or a name is longer than 255 bytes. */
size_t col_chain_encode(const struct col_chain_col *cols, int ncols, unsigned char *out, size_t cap);

/* A record's hash: SHA-256("R1", u8 type, canonical content). 0 or -1. */
int col_chain_record_hash(enum col_chain_type type, const void *content, size_t len,
                          unsigned char out[COL_CHAIN_HASH_LEN]);

/* A block's hash: SHA-256("B1", u64 block, i64 time_ms, prev, u32 entries,
 * manifest), integers big-endian. 0 or -1. */
int col_chain_block_hash(int64_t block, int64_t time_ms, const unsigned char prev[COL_CHAIN_HASH_LEN],
                         uint32_t entries, const void *manifest, size_t len,
                         unsigned char out[COL_CHAIN_HASH_LEN]);

/* ---- writing ------------------------------------------------------------ */

/* One key column's value: text, or (text NULL) an integer. */
struct col_chain_key {
	const char *text;
	int64_t i;
};

struct col_chain;

/* Prepares the chain on the writer connection of a migrated database. The
 * first time (after the migration that added the chain), rows stored before
 * are chained into blocks of their own, in one transaction. Returns NULL
 * with the reason in err. */
struct col_chain *col_chain_open(sqlite3 *wdb, char *err, size_t errlen);
void col_chain_close(struct col_chain *ch);

/* The last error, for the store's message. */
const char *col_chain_error(const struct col_chain *ch);

/* Starts the block of the write transaction just begun (reads the head).
 * Returns 0 or -1. */
int col_chain_begin(struct col_chain *ch);

/* The number of the block being written, for rows that store chain_block
 * themselves (events). */
int64_t col_chain_block(const struct col_chain *ch);

/* Records an event just inserted, with the values the events row holds (the
 * hot path: no read-back). Returns 0 or -1. */
int col_chain_event(struct col_chain *ch, int64_t agent, const struct vg_event *ev, const char *json,
                    size_t jsonlen, int64_t received_ms, const char *enrolled_host);

/* Marks the row of type with key (as many values as the type has key
 * columns) as written in this transaction. Returns 0 or -1. */
int col_chain_touch(struct col_chain *ch, enum col_chain_type type, const struct col_chain_key *key);
int col_chain_touch_id(struct col_chain *ch, enum col_chain_type type, int64_t id);

/* Before COMMIT: reads back and hashes the touched rows, stamps their
 * chain_block and writes the block (nothing when the transaction chained
 * nothing). Returns 0 or -1 (the transaction must then roll back). */
int col_chain_seal(struct col_chain *ch, int64_t now_ms);

/* After a rollback: forgets the block in progress. */
void col_chain_reset(struct col_chain *ch);

/* ---- head and anchors ----------------------------------------------------- */

/* Reads the head on db: its block number and hash in hex (0 and 64 zeros
 * for an empty chain). Returns 0 or -1 with err. */
int col_chain_head(sqlite3 *db, int64_t *block, char hex[COL_CHAIN_HEX_LEN + 1], char *err,
                   size_t errlen);

/* Logs an anchor: "chain-anchor block=N hash=HEX" through vg_log at info
 * (with why appended) and to syslog (facility daemon, notice). The message
 * starts with the stable id "chain-anchor"; verify --anchors finds these
 * lines in any log. */
void col_chain_anchor_log(int64_t block, const char *hex, const char *why);

struct col_chain_anchor {
	int64_t block;
	unsigned char hash[COL_CHAIN_HASH_LEN];
};

/* Parses "BLOCK:HEX". Returns 0 or -1. */
int col_chain_anchor_parse(const char *s, struct col_chain_anchor *a);

/* Appends to *v every anchor logged in the file at path (lines holding
 * "chain-anchor block=N hash=HEX"). Returns how many it found, or -1 with
 * err. */
long col_chain_anchors_read(const char *path, struct col_chain_anchor **v, size_t *n, char *err,
                            size_t errlen);

/* ---- verification --------------------------------------------------------- */

struct col_chain_stats {
	int64_t blocks, entries;
	int64_t rows[COL_CHAIN_TYPE_END];     /* rows of each type in the snapshot */
	int64_t head;                         /* the last block's number, 0 when empty */
	char head_hex[COL_CHAIN_HEX_LEN + 1];
	long problems;
	size_t anchors_checked;
};

/* Recomputes the whole chain on db (a connection that only reads; the caller
 * holds a read transaction) and checks it against anchors. Prints every
 * problem as one line to out ("events agent=3 seq=17 block=4: altered:
 * ..."). Returns 0 when all is well, 1 when it found problems, -1 when the
 * database could not be read (err). */
int col_chain_verify(sqlite3 *db, const struct col_chain_anchor *anchors, size_t nanchors, FILE *out,
                     struct col_chain_stats *st, char *err, size_t errlen);

/* vigil-collector -c FILE verify [--anchor BLOCK:HASH]... [--anchors LOG]...:
 * argv[0] is "verify". Opens database read-only, verifies, prints the
 * problems and a summary. Returns the exit status: 0 verified, 1 problems or
 * an error, 2 usage. */
int col_chain_verify_main(const char *database, int argc, char **argv);

#endif
