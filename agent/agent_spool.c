/*
 * agent_spool: durable, bounded event queue on SQLite (WAL, synchronous=FULL).
 */
#include "agent_spool.h"
#include "vg_db.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
	/* AUTOINCREMENT: a seq is never reused, even after its row was acked
	 * and deleted and the agent restarted. */
	"CREATE TABLE spool(seq INTEGER PRIMARY KEY AUTOINCREMENT, json TEXT NOT NULL);"
	"CREATE TABLE counters(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"
	"INSERT INTO counters VALUES('dropped', 0);",
};

struct agent_spool {
	sqlite3 *db;
	int64_t max_events;
	int64_t count;          /* rows in the spool, kept in step with inserts/deletes */
	int in_batch;           /* inside agent_spool_begin .. agent_spool_commit */
	sqlite3_stmt *ins, *peek, *ack, *cnt, *next, *drop;
};

static int prepare(struct agent_spool *sp, const char *sql, sqlite3_stmt **st, char *err, size_t errlen)
{
	if (sqlite3_prepare_v3(sp->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "spool: prepare: %s", sqlite3_errmsg(sp->db));
	return -1;
}

static int64_t count_rows(struct agent_spool *sp)
{
	int64_t n = -1;
	if (sqlite3_step(sp->cnt) == SQLITE_ROW)
		n = sqlite3_column_int64(sp->cnt, 0);
	sqlite3_reset(sp->cnt);
	return n;
}

struct agent_spool *agent_spool_open(const char *path, int64_t max_events, char *err, size_t errlen)
{
	struct agent_spool *sp = calloc(1, sizeof *sp);
	if (!sp) {
		snprintf(err, errlen, "spool %s: out of memory", path);
		return NULL;
	}
	sp->max_events = max_events;
	if (!(sp->db = vg_db_open(path, err, errlen)) ||
	    vg_db_migrate(sp->db, migrations, 1, err, errlen) < 0 ||
	    prepare(sp, "INSERT INTO spool(json) VALUES(?)", &sp->ins, err, errlen) < 0 ||
	    prepare(sp, "SELECT seq, json FROM spool ORDER BY seq LIMIT ?", &sp->peek, err, errlen) < 0 ||
	    prepare(sp, "DELETE FROM spool WHERE seq <= ?", &sp->ack, err, errlen) < 0 ||
	    prepare(sp, "SELECT count(*) FROM spool", &sp->cnt, err, errlen) < 0 ||
	    prepare(sp, "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name='spool'), 0) + 1",
	            &sp->next, err, errlen) < 0 ||
	    prepare(sp, "UPDATE counters SET value = value + ? WHERE name = 'dropped'", &sp->drop, err,
	            errlen) < 0) {
		agent_spool_close(sp);
		return NULL;
	}
	sp->count = count_rows(sp);
	return sp;
}

void agent_spool_close(struct agent_spool *sp)
{
	if (!sp)
		return;
	sqlite3_finalize(sp->ins);
	sqlite3_finalize(sp->peek);
	sqlite3_finalize(sp->ack);
	sqlite3_finalize(sp->cnt);
	sqlite3_finalize(sp->next);
	sqlite3_finalize(sp->drop);
	sqlite3_close(sp->db);
	free(sp);
}

static int count_drop(struct agent_spool *sp)
{
	sqlite3_bind_int64(sp->drop, 1, 1);
	int rc = sqlite3_step(sp->drop);
	sqlite3_reset(sp->drop);
	return rc == SQLITE_DONE ? 0 : -1;
}

int agent_spool_append(struct agent_spool *sp, json_t *ev, char *err, size_t errlen)
{
	char *text = NULL;
	int rc = -1;

	/* Another handle (the shipper) deletes acknowledged rows, so the count
	 * kept here is refreshed only when it looks full. */
	if (sp->count >= sp->max_events)
		sp->count = count_rows(sp);
	if (sp->count >= sp->max_events) {
		if (count_drop(sp) < 0) {
			snprintf(err, errlen, "spool: counting a drop: %s", sqlite3_errmsg(sp->db));
			return -1;
		}
		return 1;
	}
	if (vg_db_exec(sp->db, "SAVEPOINT one", err, errlen) < 0)
		return -1;
	if (sqlite3_step(sp->next) != SQLITE_ROW) {
		snprintf(err, errlen, "spool: next seq: %s", sqlite3_errmsg(sp->db));
		sqlite3_reset(sp->next);
		goto rollback;
	}
	int64_t seq = sqlite3_column_int64(sp->next, 0);
	sqlite3_reset(sp->next);
	if (json_object_set_new(ev, "seq", json_integer(seq)) < 0 ||
	    !(text = json_dumps(ev, JSON_COMPACT))) {
		snprintf(err, errlen, "spool: out of memory");
		goto rollback;
	}
	sqlite3_bind_text(sp->ins, 1, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(sp->ins);
	sqlite3_reset(sp->ins);
	sqlite3_clear_bindings(sp->ins);
	if (rc != SQLITE_DONE || sqlite3_last_insert_rowid(sp->db) != seq) {
		snprintf(err, errlen, "spool: insert: %s", sqlite3_errmsg(sp->db));
		goto rollback;
	}
	free(text);
	/* Outside a batch RELEASE commits (and syncs) at once; inside one it
	 * folds the event into the batch's transaction. */
	if (vg_db_exec(sp->db, "RELEASE one", err, errlen) < 0)
		goto rollback_nofree;
	sp->count++;
	return 0;
rollback:
	free(text);
rollback_nofree:;
	char tmp[64];
	vg_db_exec(sp->db, "ROLLBACK TO one", tmp, sizeof tmp);
	vg_db_exec(sp->db, "RELEASE one", tmp, sizeof tmp);
	return -1;
}

int agent_spool_begin(struct agent_spool *sp, char *err, size_t errlen)
{
	if (sp->in_batch)
		return 0;
	if (vg_db_exec(sp->db, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	sp->in_batch = 1;
	return 0;
}

int agent_spool_commit(struct agent_spool *sp, char *err, size_t errlen)
{
	if (!sp->in_batch)
		return 0;
	sp->in_batch = 0;
	if (vg_db_exec(sp->db, "COMMIT", err, errlen) < 0) {
		char tmp[64];
		vg_db_exec(sp->db, "ROLLBACK", tmp, sizeof tmp);
		sp->count = count_rows(sp);
		return -1;
	}
	return 0;
}

int agent_spool_peek(struct agent_spool *sp, size_t max_events, size_t max_bytes,
                     struct agent_batch *b, char *err, size_t errlen)
{
	FILE *f;
	int rc;

	memset(b, 0, sizeof *b);
	if (!(f = open_memstream(&b->ndjson, &b->len))) {
		snprintf(err, errlen, "spool: out of memory");
		return -1;
	}
	sqlite3_bind_int64(sp->peek, 1, (sqlite3_int64)max_events);
	while ((rc = sqlite3_step(sp->peek)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(sp->peek, 0);
		const char *json = (const char *)sqlite3_column_text(sp->peek, 1);
		size_t n = (size_t)sqlite3_column_bytes(sp->peek, 1);
		/* Always take at least one event so that one large event cannot
		 * stall the queue. */
		if (b->count > 0 && (size_t)ftell(f) + n + 1 > max_bytes)
			break;
		fwrite(json, 1, n, f);
		fputc('\n', f);
		if (b->count++ == 0)
			b->first_seq = seq;
		b->last_seq = seq;
	}
	sqlite3_reset(sp->peek);
	if (fclose(f) != 0 || (rc != SQLITE_ROW && rc != SQLITE_DONE)) {
		snprintf(err, errlen, "spool: read: %s", sqlite3_errmsg(sp->db));
		agent_batch_free(b);
		return -1;
	}
	if (b->count == 0)
		agent_batch_free(b);   /* nothing to send: the caller frees nothing */
	return (int)b->count;
}

void agent_batch_free(struct agent_batch *b)
{
	free(b->ndjson);
	memset(b, 0, sizeof *b);
}

int agent_spool_ack(struct agent_spool *sp, int64_t last_seq, char *err, size_t errlen)
{
	sqlite3_bind_int64(sp->ack, 1, last_seq);
	int rc = sqlite3_step(sp->ack);
	sqlite3_reset(sp->ack);
	if (rc != SQLITE_DONE) {
		snprintf(err, errlen, "spool: ack: %s", sqlite3_errmsg(sp->db));
		return -1;
	}
	sp->count -= sqlite3_changes(sp->db);
	if (sp->count < 0)
		sp->count = 0;
	return 0;
}

int64_t agent_spool_count(struct agent_spool *sp)
{
	return count_rows(sp);
}

int64_t agent_spool_take_drops(struct agent_spool *sp)
{
	char err[128];
	int64_t n = 0;
	sqlite3_stmt *st;
	if (vg_db_exec(sp->db, "BEGIN IMMEDIATE", err, sizeof err) < 0)
		return 0;
	if (sqlite3_prepare_v2(sp->db, "SELECT value FROM counters WHERE name='dropped'", -1, &st, NULL) ==
	    SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (n > 0 && vg_db_exec(sp->db, "UPDATE counters SET value = 0 WHERE name='dropped'", err,
	                        sizeof err) < 0) {
		vg_db_exec(sp->db, "ROLLBACK", err, sizeof err);
		return 0;
	}
	vg_db_exec(sp->db, "COMMIT", err, sizeof err);
	return n;
}
