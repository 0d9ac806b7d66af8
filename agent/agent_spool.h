/*
 * agent_spool: the agent's durable queue of events (SQLite WAL).
 *
 * An event is committed to the spool before anything else happens to it and
 * leaves only when the collector has acknowledged the batch holding it. The
 * sequence number is assigned here, at append time, from an AUTOINCREMENT
 * key, so it is unique and increasing for the life of the spool file even
 * across crashes. The spool is bounded: when it holds max_events, new
 * events are dropped (the oldest, unsent evidence is kept) and every drop is
 * counted; agent_spool_take_drops() lets the agent report them.
 */
#ifndef AGENT_SPOOL_H
#define AGENT_SPOOL_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

struct agent_spool;

/* Opens or creates the spool at path. Returns NULL with err set. Each thread
 * that uses the spool opens its own handle on the same path. */
struct agent_spool *agent_spool_open(const char *path, int64_t max_events, char *err, size_t errlen);
void agent_spool_close(struct agent_spool *sp);

/* Assigns the next seq to ev (sets ev.seq) and commits it. Returns 0 when
 * stored, 1 when dropped because the spool is full, -1 on error (err set). */
int agent_spool_append(struct agent_spool *sp, json_t *ev, char *err, size_t errlen);

/* Groups the appends that follow into one transaction, committed (and
 * synced once) by agent_spool_commit. Intake uses this to write a burst of
 * audit records with one fsync; nothing is acknowledged to anyone before the
 * commit. Returns 0 or -1. */
int agent_spool_begin(struct agent_spool *sp, char *err, size_t errlen);
int agent_spool_commit(struct agent_spool *sp, char *err, size_t errlen);

/* A batch of the oldest spooled events as NDJSON text, in seq order. */
struct agent_batch {
	char *ndjson;          /* malloc'd; one event per line */
	size_t len;
	size_t count;
	int64_t first_seq, last_seq;
};

/* Reads up to max_events / about max_bytes of the oldest events. Returns the
 * number of events read (0 when empty) or -1 on error. */
int agent_spool_peek(struct agent_spool *sp, size_t max_events, size_t max_bytes,
                     struct agent_batch *b, char *err, size_t errlen);
void agent_batch_free(struct agent_batch *b);

/* Deletes every event with seq <= last_seq (acknowledged). Returns 0 or -1. */
int agent_spool_ack(struct agent_spool *sp, int64_t last_seq, char *err, size_t errlen);

/* Number of events waiting. */
int64_t agent_spool_count(struct agent_spool *sp);

/* Returns the drops counted since the last call and resets the counter. */
int64_t agent_spool_take_drops(struct agent_spool *sp);

#endif
