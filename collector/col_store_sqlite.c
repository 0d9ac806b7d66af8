/*
 * col_store_sqlite: the embedded SQLite backend of col_store.
 *
 * Two connections: one for writes, held under a mutex from begin to commit
 * so each ingest request is one transaction, and one for reads, so officer
 * queries see committed data without waiting for a batch (WAL allows one
 * writer beside readers). Hot-path statements are prepared once.
 */
#include "col_store.h"
#include "col_chain.h"
#include "col_store_sqlite_ident.h"
#include "col_store_sqlite_int.h"
#include "vg_db.h"
#include "vg_time.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE agents(id INTEGER PRIMARY KEY, host TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,"
	"  created_ms INTEGER NOT NULL, revoked_ms INTEGER);"
	"CREATE TABLE officers(id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,"
	"  token_hash TEXT NOT NULL UNIQUE, created_ms INTEGER NOT NULL, revoked_ms INTEGER);"
	"CREATE TABLE events(agent INTEGER NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
	"  kind TEXT NOT NULL, host TEXT, user TEXT, received_ms INTEGER NOT NULL,"
	"  json TEXT NOT NULL, enrolled_host TEXT, PRIMARY KEY(agent, seq)) WITHOUT ROWID;"
	"CREATE INDEX events_time ON events(time_ms);"
	"CREATE TABLE quarantine(id INTEGER PRIMARY KEY, agent INTEGER NOT NULL, received_ms INTEGER NOT NULL,"
	"  reason TEXT NOT NULL, raw BLOB NOT NULL);"
	"CREATE TABLE anomalies(id INTEGER PRIMARY KEY, incident TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
	"  severity INTEGER NOT NULL, score REAL NOT NULL, time_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,"
	"  count INTEGER NOT NULL, detected_ms INTEGER NOT NULL, person TEXT, account TEXT, host TEXT,"
	"  summary TEXT NOT NULL, reasons TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open',"
	"  policy_serial INTEGER NOT NULL);"
	"CREATE INDEX anomalies_time ON anomalies(time_ms);"
	"CREATE TABLE anomaly_events(anomaly INTEGER NOT NULL REFERENCES anomalies(id), agent INTEGER NOT NULL,"
	"  seq INTEGER NOT NULL, PRIMARY KEY(anomaly, agent, seq)) WITHOUT ROWID;",
	/* 2: triage: an assignee per anomaly and the history of every step */
	"ALTER TABLE anomalies ADD COLUMN assignee TEXT;"
	"CREATE TABLE anomaly_history(id INTEGER PRIMARY KEY, anomaly INTEGER NOT NULL"
	"  REFERENCES anomalies(id), time_ms INTEGER NOT NULL, officer TEXT NOT NULL,"
	"  status TEXT NOT NULL, assignee TEXT, note TEXT NOT NULL);"
	"CREATE INDEX anomaly_history_anomaly ON anomaly_history(anomaly, id);",
	/* 3: behavioural detection: its state by entity, and the journal of
	 * events fed since the state was last written (col_behave.h) */
	"CREATE TABLE detector_state(kind TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL,"
	"  PRIMARY KEY(kind, key)) WITHOUT ROWID;"
	"CREATE TABLE detector_journal(batch INTEGER PRIMARY KEY, value BLOB NOT NULL);",
	/* 4: web dashboard (col_web): officer passwords (PBKDF2, see col_web_auth.h)
	 * and browser sessions, kept by the SHA-256 of their id */
	"ALTER TABLE officers ADD COLUMN password_hash TEXT;"
	"CREATE TABLE web_sessions(id_hash TEXT PRIMARY KEY, csrf TEXT NOT NULL,"
	"  officer INTEGER NOT NULL REFERENCES officers(id), created_ms INTEGER NOT NULL,"
	"  last_ms INTEGER NOT NULL) WITHOUT ROWID;",
	/* 5: officer reads (col_risk.c): a person's anomalies by time, covering
	 * what the risk score reads; a person's activity by account and time */
	"CREATE INDEX anomalies_person ON anomalies(person, time_ms, last_ms, severity, count, status,"
	"  kind) WHERE person IS NOT NULL;"
	"CREATE INDEX events_user ON events(user, time_ms, host, kind) WHERE user IS NOT NULL;",
	/* 6: alerts outbox (col_alert.c): one row per anomaly and sink, queued
	 * in the transaction that records the anomaly; and the access log of
	 * officer reads and triage (col_access.c) */
	"CREATE TABLE alert_outbox(id INTEGER PRIMARY KEY, anomaly INTEGER NOT NULL"
	"  REFERENCES anomalies(id), sink TEXT NOT NULL, queued_ms INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0, delivered_ms INTEGER, last_error TEXT,"
	"  UNIQUE(anomaly, sink));"
	"CREATE INDEX alert_outbox_pending ON alert_outbox(sink, id) WHERE delivered_ms IS NULL;"
	"CREATE TABLE access_log(id INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, officer TEXT NOT NULL,"
	"  role TEXT NOT NULL, officer_id INTEGER NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,"
	"  object TEXT, query TEXT, status INTEGER NOT NULL);"
	"CREATE INDEX access_log_time ON access_log(time_ms);",
	/* 7: token lifecycle (col_store_sqlite_ident.h): expiry, tokens replaced by rotation */
	COL_SQLITE_IDENT_MIGRATION,
	/* 8: tamper evidence (col_chain.h): the chain of blocks, and in each
	 * chained table the block that last recorded the row; rows stored
	 * before are chained once, when col_chain_open finds the flag */
	"ALTER TABLE events ADD COLUMN chain_block INTEGER;"
	"ALTER TABLE anomalies ADD COLUMN chain_block INTEGER;"
	"ALTER TABLE anomaly_events ADD COLUMN chain_block INTEGER;"
	"ALTER TABLE anomaly_history ADD COLUMN chain_block INTEGER;"
	"ALTER TABLE quarantine ADD COLUMN chain_block INTEGER;"
	"CREATE TABLE chain(block INTEGER PRIMARY KEY, time_ms INTEGER NOT NULL, prev BLOB NOT NULL,"
	"  hash BLOB NOT NULL, records INTEGER NOT NULL, manifest BLOB NOT NULL);"
	"CREATE TABLE chain_backfill(pending INTEGER NOT NULL);"
	"INSERT INTO chain_backfill VALUES(1);",
	/* 9: officer reads without table lookups: a host's anomalies by kind
	 * and status (agent health), anomalies of one kind by time (the digest's
	 * first accesses, ?kind=), and counts by kind, severity and status over
	 * a time range, which anomalies_time now covers */
	"CREATE INDEX anomalies_host ON anomalies(host, kind, status);"
	"CREATE INDEX anomalies_kind ON anomalies(kind, time_ms);"
	"DROP INDEX anomalies_time;"
	"CREATE INDEX anomalies_time ON anomalies(time_ms, kind, severity, status);",
	/* 10: a person's activity by hour (col_risk.c), replacing events_user:
	 * keyed by the hour first, so a batch of events from a host shared by
	 * many accounts updates the few pages of the current hour instead of
	 * one page per account (which cost ingest up to five times its time) */
	"DROP INDEX events_user;"
	"CREATE INDEX events_user_hour ON events(time_ms / 3600000, user, host, time_ms)"
	"  WHERE user IS NOT NULL;",
	/* 11: the dossier's activity is a person's logins, sessions, commands,
	 * privilege and media events: file accesses, the bulk of all events,
	 * stay out of the index (they cost ingest a sixth of its time, and
	 * the detectors count them: volume_spike) */
	"DROP INDEX events_user_hour;"
	"CREATE INDEX events_activity ON events(time_ms / 3600000, user, host, time_ms)"
	"  WHERE user IS NOT NULL AND kind <> 'file_access';",
};

enum { ST_EVENT, ST_QUAR, ST_ANOM_FIND, ST_ANOM, ST_ANOM_EV, ST_ANOM_GROW, ST_ANOM_EARLIER,
       ST_ANOM_SEV, ST_HIGH, ST_STATE_PUT, ST_STATE_DEL,
       ST_JOURNAL_ADD, ST_EVENT_GET, ST_COUNT };
static const char *const stmt_sql[ST_COUNT] = {
	/* col_chain_event() hashes these columns: keep the two in step. */
	"INSERT OR IGNORE INTO events(agent,seq,time_ms,kind,host,user,received_ms,json,enrolled_host,"
	"chain_block) VALUES(?,?,?,?,?,?,?,?,?,?)",
	"INSERT INTO quarantine(agent,received_ms,reason,raw) VALUES(?,?,?,?)",
	/* One row per incident. An event joins it once: its link in
	 * anomaly_events is what counts (the count grows only by new links),
	 * so recording the same finding again after a restart changes
	 * nothing. The summary always describes the earliest event, so the
	 * result does not depend on arrival order; the severity is the highest
	 * any event of the incident reached. Each update assigns only the
	 * columns that change: SQLite rewrites the entries of every index
	 * holding an assigned column, and the officer indexes hold many. */
	"SELECT id, severity, time_ms FROM anomalies WHERE incident = ?",
	"INSERT INTO anomalies(kind,severity,score,time_ms,detected_ms,person,account,host,summary,"
	"reasons,policy_serial,incident,last_ms,count) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?4,?13)",
	"INSERT OR IGNORE INTO anomaly_events(anomaly,agent,seq) VALUES(?,?,?)",
	"UPDATE anomalies SET count = count + ?2, last_ms = max(last_ms, ?3) WHERE id = ?1",
	"UPDATE anomalies SET time_ms = ?2, summary = ?3 WHERE id = ?1",
	"UPDATE anomalies SET severity = ?2, score = max(score, ?3) WHERE id = ?1",
	"SELECT max(seq) FROM events WHERE agent=?",
	"INSERT OR REPLACE INTO detector_state(kind,key,value) VALUES(?,?,?)",
	"DELETE FROM detector_state WHERE kind=? AND key=?",
	"INSERT OR REPLACE INTO detector_journal(batch,value) VALUES(?,?)",
	"SELECT json, received_ms FROM events WHERE agent=? AND seq=?",
};

/* WAL pages after which the checkpointer is woken. */
#define CHECKPOINT_PAGES 4000

struct sqlite_store {
	struct col_store base;
	sqlite3 *wdb, *rdb, *cdb;         /* writer, reader, checkpointer */
	pthread_mutex_t wlock, rlock;
	sqlite3_stmt *st[ST_COUNT];
	struct col_chain *chain;          /* tamper evidence, on the writer */
	/* Checkpoints run on their own thread, so a commit never copies the
	 * WAL into the database on an agent's time. */
	pthread_t ckpt_thread;
	pthread_mutex_t ckpt_lock;
	pthread_cond_t ckpt_cond;
	int ckpt_wanted, ckpt_stop, ckpt_running;
};

static struct sqlite_store *S(struct col_store *s) { return (struct sqlite_store *)s; }

static int fail(struct col_store *s, sqlite3 *db, const char *what)
{
	snprintf(s->err, sizeof s->err, "sqlite: %s: %s", what, sqlite3_errmsg(db));
	return -1;
}

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

static void *checkpoint_main(void *arg)
{
	struct sqlite_store *q = arg;
	pthread_mutex_lock(&q->ckpt_lock);
	while (!q->ckpt_stop) {
		while (!q->ckpt_wanted && !q->ckpt_stop)
			pthread_cond_wait(&q->ckpt_cond, &q->ckpt_lock);
		if (q->ckpt_stop)
			break;
		q->ckpt_wanted = 0;
		pthread_mutex_unlock(&q->ckpt_lock);
		/* PASSIVE never blocks writers or readers; what it cannot copy
		 * now is copied next time. */
		sqlite3_wal_checkpoint_v2(q->cdb, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
		pthread_mutex_lock(&q->ckpt_lock);
	}
	pthread_mutex_unlock(&q->ckpt_lock);
	return NULL;
}

/* Called by SQLite after each commit on the writer with the WAL's size. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct sqlite_store *q = arg;
	(void)db;
	(void)name;
	if (pages >= CHECKPOINT_PAGES) {
		pthread_mutex_lock(&q->ckpt_lock);
		q->ckpt_wanted = 1;
		pthread_cond_signal(&q->ckpt_cond);
		pthread_mutex_unlock(&q->ckpt_lock);
	}
	return SQLITE_OK;
}

static void store_close(struct col_store *s)
{
	struct sqlite_store *q = S(s);
	if (q->ckpt_running) {
		pthread_mutex_lock(&q->ckpt_lock);
		q->ckpt_stop = 1;
		pthread_cond_signal(&q->ckpt_cond);
		pthread_mutex_unlock(&q->ckpt_lock);
		pthread_join(q->ckpt_thread, NULL);
	}
	sqlite3_close(q->cdb);
	pthread_mutex_destroy(&q->ckpt_lock);
	pthread_cond_destroy(&q->ckpt_cond);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(q->st[i]);
	col_chain_close(q->chain);
	sqlite3_close(q->wdb);
	sqlite3_close(q->rdb);
	pthread_mutex_destroy(&q->wlock);
	pthread_mutex_destroy(&q->rlock);
	free(q);
}

/* Runs a one-row write (enrolment) in its own transaction. */
static int insert_token(struct col_store *s, const char *sql, const char *a, const char *b,
                        const char *hash, int64_t *id)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;
	int rc = -1;

	pthread_mutex_lock(&q->wlock);
	if (sqlite3_prepare_v2(q->wdb, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(s, q->wdb, "prepare enrolment");
		goto out;
	}
	int i = 1;
	bind_text(st, i++, a);
	if (b)
		bind_text(st, i++, b);
	bind_text(st, i++, hash);
	sqlite3_bind_int64(st, i, vg_time_now());
	if (sqlite3_step(st) != SQLITE_DONE)
		fail(s, q->wdb, "enrol");
	else {
		*id = sqlite3_last_insert_rowid(q->wdb);
		rc = 0;
	}
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&q->wlock);
	return rc;
}

static int store_agent_add(struct col_store *s, const char *host, const char *hash, int64_t *id)
{
	return insert_token(s, "INSERT INTO agents(host,token_hash,created_ms) VALUES(?,?,?)", host,
	                    NULL, hash, id);
}

static int store_officer_add(struct col_store *s, const char *name, enum col_role role,
                             const char *hash, int64_t *id)
{
	return insert_token(s, "INSERT INTO officers(name,role,token_hash,created_ms) VALUES(?,?,?,?)",
	                    name, col_role_name(role), hash, id);
}

static int store_principal_find(struct col_store *s, const char *hash, struct col_principal *p)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;
	int rc = 0;

	pthread_mutex_lock(&q->rlock);
	if (sqlite3_prepare_v2(q->rdb, COL_SQLITE_PRINCIPAL_SQL, -1, &st, NULL) != SQLITE_OK) {
		rc = fail(s, q->rdb, "prepare token lookup");
		goto out;
	}
	bind_text(st, 1, hash);
	sqlite3_bind_int64(st, 2, vg_time_now());
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		const char *role = (const char *)sqlite3_column_text(st, 0);
		int r = strcmp(role, "agent") == 0 ? COL_ROLE_AGENT : col_role_parse(role);
		if (r >= 0) {
			p->role = (enum col_role)r;
			p->id = sqlite3_column_int64(st, 1);
			snprintf(p->name, sizeof p->name, "%s", (const char *)sqlite3_column_text(st, 2));
			rc = 1;
		}
	} else if (step != SQLITE_DONE) {
		rc = fail(s, q->rdb, "token lookup");
	}
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&q->rlock);
	return rc;
}

/* Copies the chain's error into s's. Returns -1. */
static int chain_fail(struct col_store *s)
{
	snprintf(s->err, sizeof s->err, "%s", col_chain_error(S(s)->chain));
	return -1;
}

static int store_begin(struct col_store *s)
{
	struct sqlite_store *q = S(s);
	pthread_mutex_lock(&q->wlock);
	if (vg_db_exec(q->wdb, "BEGIN IMMEDIATE", s->err, sizeof s->err) < 0) {
		pthread_mutex_unlock(&q->wlock);
		return -1;
	}
	if (col_chain_begin(q->chain) < 0) {
		char tmp[64];
		chain_fail(s);
		vg_db_exec(q->wdb, "ROLLBACK", tmp, sizeof tmp);
		pthread_mutex_unlock(&q->wlock);
		return -1;
	}
	return 0;
}

static int store_commit(struct col_store *s)
{
	struct sqlite_store *q = S(s);
	/* The block goes into the same transaction as the records it covers. */
	int rc = col_chain_seal(q->chain, vg_time_now()) < 0 ? chain_fail(s) : 0;
	if (rc == 0)
		rc = vg_db_exec(q->wdb, "COMMIT", s->err, sizeof s->err);
	if (rc < 0) {
		char tmp[64];
		vg_db_exec(q->wdb, "ROLLBACK", tmp, sizeof tmp);
		col_chain_reset(q->chain);
	}
	pthread_mutex_unlock(&q->wlock);
	return rc;
}

static void store_rollback(struct col_store *s)
{
	struct sqlite_store *q = S(s);
	char tmp[64];
	vg_db_exec(q->wdb, "ROLLBACK", tmp, sizeof tmp);
	col_chain_reset(q->chain);
	pthread_mutex_unlock(&q->wlock);
}

/* Steps a cached statement to completion and resets it. */
static int step_done(struct col_store *s, sqlite3_stmt *st, const char *what)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE)
		return fail(s, S(s)->wdb, what);
	return 0;
}

static int store_event_insert(struct col_store *s, int64_t agent, const struct vg_event *ev,
                              const char *json, size_t jsonlen, int64_t received_ms,
                              const char *enrolled_host)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st = q->st[ST_EVENT];
	sqlite3_bind_int64(st, 1, agent);
	sqlite3_bind_int64(st, 2, ev->seq);
	sqlite3_bind_int64(st, 3, ev->time_ms);
	sqlite3_bind_text(st, 4, vg_kind_name(ev->kind), -1, SQLITE_STATIC);
	bind_text(st, 5, ev->host);
	bind_text(st, 6, ev->user);
	sqlite3_bind_int64(st, 7, received_ms);
	sqlite3_bind_text(st, 8, json, (int)jsonlen, SQLITE_STATIC);
	bind_text(st, 9, enrolled_host);
	sqlite3_bind_int64(st, 10, col_chain_block(q->chain));
	if (step_done(s, st, "insert event") < 0)
		return -1;
	if (sqlite3_changes(q->wdb) == 0)
		return 0;
	if (col_chain_event(q->chain, agent, ev, json, jsonlen, received_ms, enrolled_host) < 0)
		return chain_fail(s);
	return 1;
}

static int store_quarantine_insert(struct col_store *s, int64_t agent, int64_t received_ms,
                                   const char *reason, const char *raw, size_t rawlen)
{
	sqlite3_stmt *st = S(s)->st[ST_QUAR];
	sqlite3_bind_int64(st, 1, agent);
	sqlite3_bind_int64(st, 2, received_ms);
	bind_text(st, 3, reason);
	sqlite3_bind_blob64(st, 4, raw ? raw : "", rawlen, SQLITE_STATIC);
	if (step_done(s, st, "insert quarantine") < 0)
		return -1;
	if (col_chain_touch_id(S(s)->chain, COL_CHAIN_QUARANTINE, sqlite3_last_insert_rowid(S(s)->wdb)) < 0)
		return chain_fail(s);
	return 0;
}

static int store_anomaly_record(struct col_store *s, const struct col_anomaly *a, int64_t *id)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;

	/* The incident as it stands, if it exists. */
	st = q->st[ST_ANOM_FIND];
	sqlite3_bind_text(st, 1, a->incident, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	bool exists = rc == SQLITE_ROW;
	int old_sev = exists ? sqlite3_column_int(st, 1) : 0;
	int64_t old_time = exists ? sqlite3_column_int64(st, 2) : 0;
	*id = exists ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, q->wdb, "find anomaly");
	if (!exists) {
		/* A new incident: every evidence link is new. */
		json_t *reasons = json_array();
		if (!reasons)
			return fail(s, q->wdb, "out of memory");
		for (int i = 0; i < a->nreasons; i++)
			json_array_append_new(reasons, json_string(a->reasons[i]));
		char *rtext = json_dumps(reasons, JSON_COMPACT);
		json_decref(reasons);
		if (!rtext) {
			snprintf(s->err, sizeof s->err, "anomaly: out of memory");
			return -1;
		}
		st = q->st[ST_ANOM];
		sqlite3_bind_text(st, 1, a->kind, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 2, a->severity);
		sqlite3_bind_double(st, 3, a->score);
		sqlite3_bind_int64(st, 4, a->time_ms);
		sqlite3_bind_int64(st, 5, a->detected_ms);
		bind_text(st, 6, a->person);
		bind_text(st, 7, a->account);
		bind_text(st, 8, a->host);
		bind_text(st, 9, a->summary);
		sqlite3_bind_text(st, 10, rtext, -1, free);
		sqlite3_bind_int64(st, 11, a->policy_serial);
		sqlite3_bind_text(st, 12, a->incident, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 13, (sqlite3_int64)a->nevents);
		if (step_done(s, st, "record anomaly") < 0)
			return -1;
		*id = sqlite3_last_insert_rowid(q->wdb);
	}
	if (col_chain_touch_id(q->chain, COL_CHAIN_ANOMALY, *id) < 0)
		return chain_fail(s);
	int64_t added = 0;
	for (size_t i = 0; i < a->nevents; i++) {
		st = q->st[ST_ANOM_EV];
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, a->events[i].agent);
		sqlite3_bind_int64(st, 3, a->events[i].seq);
		if (step_done(s, st, "insert anomaly event") < 0)
			return -1;
		if (sqlite3_changes(q->wdb) == 0)
			continue;               /* this event is already part of it */
		added++;
		struct col_chain_key link[3] = {{NULL, *id}, {NULL, a->events[i].agent}, {NULL, a->events[i].seq}};
		if (col_chain_touch(q->chain, COL_CHAIN_ANOMALY_EVENT, link) < 0)
			return chain_fail(s);
	}
	if (!exists)
		return 1;
	if (added) {
		st = q->st[ST_ANOM_GROW];
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, added);
		sqlite3_bind_int64(st, 3, a->time_ms);
		if (step_done(s, st, "count anomaly event") < 0)
			return -1;
		if (a->time_ms < old_time) {
			st = q->st[ST_ANOM_EARLIER];
			sqlite3_bind_int64(st, 1, *id);
			sqlite3_bind_int64(st, 2, a->time_ms);
			bind_text(st, 3, a->summary);
			if (step_done(s, st, "move anomaly back") < 0)
				return -1;
		}
	}
	if (a->severity > old_sev) {
		st = q->st[ST_ANOM_SEV];
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int(st, 2, a->severity);
		sqlite3_bind_double(st, 3, a->score);
		if (step_done(s, st, "raise anomaly severity") < 0)
			return -1;
	}
	return 0;
}

/* ---- Detector state (col_behave) ----------------------------------------- */

static int store_state_put(struct col_store *s, char kind, const char *key, const void *blob,
                           size_t len)
{
	struct sqlite_store *q = S(s);
	char k[2] = {kind, '\0'};
	sqlite3_stmt *st = q->st[blob ? ST_STATE_PUT : ST_STATE_DEL];
	sqlite3_bind_text(st, 1, k, 1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (blob)
		sqlite3_bind_blob64(st, 3, blob, len, SQLITE_STATIC);
	return step_done(s, st, blob ? "write detector state" : "delete detector state");
}

static int store_state_load(struct col_store *s, col_store_state_fn fn, void *ctx)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(q->wdb, "SELECT kind, key, value FROM detector_state", -1, &st, NULL) !=
	    SQLITE_OK)
		return fail(s, q->wdb, "read detector state");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 0);
		const char *key = (const char *)sqlite3_column_text(st, 1);
		const void *blob = sqlite3_column_blob(st, 2);
		size_t len = (size_t)sqlite3_column_bytes(st, 2);
		if (!kind || !key || fn(ctx, kind[0], key, blob ? blob : "", len) < 0) {
			snprintf(s->err, sizeof s->err, "detector state %s/%s: unreadable record",
			         kind ? kind : "?", key ? key : "?");
			sqlite3_finalize(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE) {
		fail(s, q->wdb, "read detector state");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int store_journal_add(struct col_store *s, int64_t batch, const void *blob, size_t len)
{
	sqlite3_stmt *st = S(s)->st[ST_JOURNAL_ADD];
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_blob64(st, 2, blob, len, SQLITE_STATIC);
	return step_done(s, st, "write detector journal");
}

static int store_journal_clear(struct col_store *s)
{
	struct sqlite_store *q = S(s);
	if (sqlite3_exec(q->wdb, "DELETE FROM detector_journal", NULL, NULL, NULL) != SQLITE_OK)
		return fail(s, q->wdb, "clear detector journal");
	return 0;
}

static int store_journal_load(struct col_store *s, col_store_journal_fn fn, void *ctx)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(q->wdb, "SELECT batch, value FROM detector_journal ORDER BY batch", -1,
	                       &st, NULL) != SQLITE_OK)
		return fail(s, q->wdb, "read detector journal");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const void *blob = sqlite3_column_blob(st, 1);
		if (fn(ctx, sqlite3_column_int64(st, 0), blob ? blob : "",
		       (size_t)sqlite3_column_bytes(st, 1)) < 0) {
			snprintf(s->err, sizeof s->err, "detector journal batch %lld: unreadable",
			         (long long)sqlite3_column_int64(st, 0));
			sqlite3_finalize(st);
			return -1;
		}
	}
	if (rc != SQLITE_DONE) {
		fail(s, q->wdb, "read detector journal");
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}

static int store_event_get(struct col_store *s, int64_t agent, int64_t seq, char **json,
                           int64_t *received_ms)
{
	sqlite3_stmt *st = S(s)->st[ST_EVENT_GET];
	int rc;

	*json = NULL;
	sqlite3_bind_int64(st, 1, agent);
	sqlite3_bind_int64(st, 2, seq);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		*received_ms = sqlite3_column_int64(st, 1);
		if (!(*json = strdup(t ? t : ""))) {
			sqlite3_reset(st);
			snprintf(s->err, sizeof s->err, "event %lld/%lld: out of memory", (long long)agent,
			         (long long)seq);
			return -1;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return fail(s, S(s)->wdb, "read event");
	return rc == SQLITE_ROW;
}

static int store_agent_high_seq(struct col_store *s, int64_t agent, int64_t *seq)
{
	sqlite3_stmt *st = S(s)->st[ST_HIGH];
	sqlite3_bind_int64(st, 1, agent);
	int rc = sqlite3_step(st);
	*seq = rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL ? sqlite3_column_int64(st, 0) : -1;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return fail(s, S(s)->wdb, "high seq");
	return 0;
}

/* ---- queries ------------------------------------------------------------ */

/* A WHERE clause under construction, with its bound values in order. */
struct where {
	char sql[1024];
	size_t len;
	const char *texts[8];
	int64_t ints[8];
	char types[8];                    /* 't' or 'i' */
	int n;
};

static void where_add(struct where *w, const char *clause, char type, const char *t, int64_t i)
{
	int n = snprintf(w->sql + w->len, sizeof w->sql - w->len, "%s%s", w->n ? " AND " : " WHERE ",
	                 clause);
	if (n > 0 && (size_t)n < sizeof w->sql - w->len)
		w->len += (size_t)n;
	w->types[w->n] = type;
	w->texts[w->n] = t;
	w->ints[w->n] = i;
	w->n++;
}

static void where_bind(const struct where *w, sqlite3_stmt *st)
{
	for (int i = 0; i < w->n; i++) {
		if (w->types[i] == 't')
			sqlite3_bind_text(st, i + 1, w->texts[i], -1, SQLITE_STATIC);
		else
			sqlite3_bind_int64(st, i + 1, w->ints[i]);
	}
}

/* Runs a read query; calls row() for each row to append to a new array. */
static json_t *run_query(struct col_store *s, const char *sql, const struct where *w, int limit,
                         json_t *(*row)(sqlite3_stmt *))
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;
	json_t *out = json_array();
	int rc;

	if (!out)
		return NULL;
	pthread_mutex_lock(&q->rlock);
	if (sqlite3_prepare_v2(q->rdb, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(s, q->rdb, "prepare query");
		pthread_mutex_unlock(&q->rlock);
		json_decref(out);
		return NULL;
	}
	if (w)
		where_bind(w, st);
	sqlite3_bind_int(st, sqlite3_bind_parameter_count(st), limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = row(st);
		if (!o || json_array_append_new(out, o) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		fail(s, q->rdb, "query");
		json_decref(out);
		out = NULL;
	}
	sqlite3_finalize(st);
	pthread_mutex_unlock(&q->rlock);
	return out;
}

static void set_text_or_null(json_t *o, const char *k, sqlite3_stmt *st, int col);

static json_t *event_row(sqlite3_stmt *st)
{
	const char *text = (const char *)sqlite3_column_text(st, 1);
	json_t *o = json_loads(text ? text : "", 0, NULL);
	if (o) {
		json_object_set_new(o, "agent", json_integer(sqlite3_column_int64(st, 0)));
		if (sqlite3_column_type(st, 2) != SQLITE_NULL)
			set_text_or_null(o, "enrolled_host", st, 2);
	}
	return o;
}

static json_t *store_events_query(struct col_store *s, const struct col_event_filter *f)
{
	struct where w = {.len = 0};
	char sql[1400];

	if (f->host)
		where_add(&w, "host = ?", 't', f->host, 0);
	if (f->user)
		where_add(&w, "user = ?", 't', f->user, 0);
	if (f->kind)
		where_add(&w, "kind = ?", 't', f->kind, 0);
	if (f->agent >= 0)
		where_add(&w, "agent = ?", 'i', NULL, f->agent);
	if (f->since_ms >= 0)
		where_add(&w, "time_ms >= ?", 'i', NULL, f->since_ms);
	if (f->until_ms >= 0)
		where_add(&w, "time_ms < ?", 'i', NULL, f->until_ms);
	snprintf(sql, sizeof sql, "SELECT agent, json, enrolled_host FROM events%s ORDER BY time_ms DESC, agent, seq DESC"
	         " LIMIT ?", w.sql);
	return run_query(s, sql, &w, f->limit, event_row);
}

/* The columns history_row reads. */
#define HISTORY_COLUMNS "SELECT time_ms, officer, status, assignee, note FROM anomaly_history"

#define ANOMALY_COLUMNS \
	"SELECT a.id, a.kind, a.severity, a.score, a.time_ms, a.detected_ms, a.person, a.account," \
	" a.host, a.summary, a.reasons, a.status, a.policy_serial, a.count, a.last_ms, a.assignee," \
	" (SELECT json_group_array(json_object('agent', e.agent, 'seq', e.seq))" \
	"  FROM anomaly_events e WHERE e.anomaly = a.id) FROM anomalies a"

static void set_text_or_null(json_t *o, const char *k, sqlite3_stmt *st, int col)
{
	const char *v = (const char *)sqlite3_column_text(st, col);
	json_object_set_new(o, k, v ? json_string(v) : json_null());
}

static void set_time(json_t *o, const char *k, int64_t ms)
{
	char ts[VG_TIME_LEN];
	vg_time_format(ms, ts);
	json_object_set_new(o, k, json_string(ts));
}

static json_t *anomaly_row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	set_text_or_null(o, "kind", st, 1);
	json_object_set_new(o, "severity", json_string(vg_severity_name(sqlite3_column_int(st, 2))));
	json_object_set_new(o, "score", json_real(sqlite3_column_double(st, 3)));
	set_time(o, "time", sqlite3_column_int64(st, 4));
	set_time(o, "detected", sqlite3_column_int64(st, 5));
	set_text_or_null(o, "person", st, 6);
	set_text_or_null(o, "account", st, 7);
	set_text_or_null(o, "host", st, 8);
	set_text_or_null(o, "summary", st, 9);
	json_t *r = json_loads((const char *)sqlite3_column_text(st, 10), 0, NULL);
	json_object_set_new(o, "reasons", r ? r : json_array());
	json_t *ev = json_loads((const char *)sqlite3_column_text(st, 16), 0, NULL);
	json_object_set_new(o, "events", ev ? ev : json_array());
	set_text_or_null(o, "status", st, 11);
	json_object_set_new(o, "policy_serial", json_integer(sqlite3_column_int64(st, 12)));
	json_object_set_new(o, "count", json_integer(sqlite3_column_int64(st, 13)));
	set_time(o, "first", sqlite3_column_int64(st, 4));
	set_time(o, "last", sqlite3_column_int64(st, 14));
	set_text_or_null(o, "assignee", st, 15);
	return o;
}

static json_t *store_anomalies_query(struct col_store *s, const struct col_anomaly_filter *f)
{
	struct where w = {.len = 0};
	char sql[2048];

	if (f->kind)
		where_add(&w, "a.kind = ?", 't', f->kind, 0);
	if (f->person)
		where_add(&w, "a.person = ?", 't', f->person, 0);
	if (f->status)
		where_add(&w, "a.status = ?", 't', f->status, 0);
	if (f->min_severity >= 0)
		where_add(&w, "a.severity >= ?", 'i', NULL, f->min_severity);
	if (f->since_ms >= 0)
		where_add(&w, "a.time_ms >= ?", 'i', NULL, f->since_ms);
	if (f->until_ms >= 0)
		where_add(&w, "a.time_ms < ?", 'i', NULL, f->until_ms);
	snprintf(sql, sizeof sql, ANOMALY_COLUMNS "%s ORDER BY a.time_ms DESC, a.id DESC LIMIT ?", w.sql);
	return run_query(s, sql, &w, f->limit, anomaly_row);
}

static json_t *history_row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	set_time(o, "time", sqlite3_column_int64(st, 0));
	set_text_or_null(o, "officer", st, 1);
	set_text_or_null(o, "status", st, 2);
	set_text_or_null(o, "assignee", st, 3);
	set_text_or_null(o, "note", st, 4);
	return o;
}

static json_t *store_anomaly_get(struct col_store *s, int64_t id)
{
	struct where w = {.len = 0};
	char sql[2048];
	where_add(&w, "a.id = ?", 'i', NULL, id);
	snprintf(sql, sizeof sql, ANOMALY_COLUMNS "%s LIMIT ?", w.sql);
	json_t *arr = run_query(s, sql, &w, 1, anomaly_row);
	if (!arr)
		return NULL;
	json_t *o = json_array_get(arr, 0);
	if (!o) {
		json_decref(arr);
		return json_null();
	}
	json_incref(o);
	json_decref(arr);
	struct where hw = {.len = 0};
	where_add(&hw, "anomaly = ?", 'i', NULL, id);
	snprintf(sql, sizeof sql, HISTORY_COLUMNS "%s ORDER BY id LIMIT ?", hw.sql);
	json_t *history = run_query(s, sql, &hw, 10000, history_row);
	if (!history || json_object_set_new(o, "history", history) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int store_anomaly_triage(struct col_store *s, int64_t id, const struct col_triage *t)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *up = NULL, *hist = NULL;
	int rc = -1;

	if (store_begin(s) < 0)
		return -1;
	if (sqlite3_prepare_v2(q->wdb, "UPDATE anomalies SET status = ?1, assignee = coalesce(?2, assignee)"
	                       " WHERE id = ?3", -1, &up, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(q->wdb, "INSERT INTO anomaly_history(anomaly, time_ms, officer, status,"
	                       " assignee, note) SELECT ?1, ?2, ?3, ?4, assignee, ?5 FROM anomalies"
	                       " WHERE id = ?1", -1, &hist, NULL) != SQLITE_OK) {
		fail(s, q->wdb, "prepare triage");
		goto out;
	}
	sqlite3_bind_text(up, 1, vg_status_name(t->status), -1, SQLITE_STATIC);
	bind_text(up, 2, t->assignee);
	sqlite3_bind_int64(up, 3, id);
	if (sqlite3_step(up) != SQLITE_DONE) {
		fail(s, q->wdb, "triage");
		goto out;
	}
	if (sqlite3_changes(q->wdb) == 0) {
		rc = 0;
		goto out;
	}
	sqlite3_bind_int64(hist, 1, id);
	sqlite3_bind_int64(hist, 2, t->time_ms);
	bind_text(hist, 3, t->officer);
	sqlite3_bind_text(hist, 4, vg_status_name(t->status), -1, SQLITE_STATIC);
	bind_text(hist, 5, t->note);
	if (sqlite3_step(hist) != SQLITE_DONE) {
		fail(s, q->wdb, "triage history");
		goto out;
	}
	if (col_chain_touch_id(q->chain, COL_CHAIN_ANOMALY, id) < 0 ||
	    col_chain_touch_id(q->chain, COL_CHAIN_HISTORY, sqlite3_last_insert_rowid(q->wdb)) < 0) {
		chain_fail(s);
		goto out;
	}
	rc = 1;
out:
	sqlite3_finalize(up);
	sqlite3_finalize(hist);
	if (rc == 1)
		return store_commit(s) < 0 ? -1 : 1;
	store_rollback(s);
	return rc;
}

static json_t *quarantine_row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	json_object_set_new(o, "agent", json_integer(sqlite3_column_int64(st, 1)));
	set_time(o, "received", sqlite3_column_int64(st, 2));
	set_text_or_null(o, "reason", st, 3);
	/* Raw bytes are kept exactly; text that is not UTF-8 is shown in hex. */
	const char *raw = sqlite3_column_blob(st, 4);
	size_t n = (size_t)sqlite3_column_bytes(st, 4);
	json_t *r = json_stringn(raw ? raw : "", n);
	if (r) {
		json_object_set_new(o, "raw", r);
	} else {
		char *hex = malloc(2 * n + 1);
		if (!hex) {
			json_decref(o);
			return NULL;
		}
		for (size_t i = 0; i < n; i++)
			snprintf(hex + 2 * i, 3, "%02x", (unsigned char)raw[i]);
		hex[2 * n] = '\0';
		json_object_set_new(o, "raw_hex", json_string(hex));
		free(hex);
	}
	return o;
}

static json_t *store_quarantine_query(struct col_store *s, int limit)
{
	return run_query(s, "SELECT id, agent, received_ms, reason, raw FROM quarantine ORDER BY id DESC LIMIT ?",
	                 NULL, limit, quarantine_row);
}

/* ---- Web dashboard: passwords, sessions, aggregates (col_web) ------------ */

/* Runs a one-statement write on the writer connection in its own
 * transaction: binds texts[] (NULL binds NULL) then ints[] in order. */
static int write_one(struct col_store *s, const char *sql, const char *const *texts, int ntexts,
                     const int64_t *ints, int nints, const char *what)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;
	int rc = -1, i = 1;

	pthread_mutex_lock(&q->wlock);
	if (sqlite3_prepare_v2(q->wdb, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(s, q->wdb, what);
		goto out;
	}
	for (int k = 0; k < ntexts; k++)
		bind_text(st, i++, texts[k]);
	for (int k = 0; k < nints; k++)
		sqlite3_bind_int64(st, i++, ints[k]);
	if (sqlite3_step(st) != SQLITE_DONE)
		fail(s, q->wdb, what);
	else
		rc = sqlite3_changes(q->wdb);
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&q->wlock);
	return rc;
}

/* Fills who from columns role, id, name at col, col+1, col+2. */
static int principal_from_row(sqlite3_stmt *st, int col, struct col_principal *who)
{
	const char *role = (const char *)sqlite3_column_text(st, col);
	int r = role ? col_role_parse(role) : -1;
	if (r < 0)
		return -1;
	who->role = (enum col_role)r;
	who->id = sqlite3_column_int64(st, col + 1);
	snprintf(who->name, sizeof who->name, "%s", (const char *)sqlite3_column_text(st, col + 2));
	return 0;
}

static int store_officer_find_name(struct col_store *s, const char *name, struct col_principal *who,
                                   char *pw_hash, size_t len)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;
	int rc, n = 0;

	pthread_mutex_lock(&q->rlock);
	if (sqlite3_prepare_v2(q->rdb, "SELECT role, id, name, password_hash FROM officers"
	                       " WHERE name = ? AND revoked_ms IS NULL LIMIT 2", -1, &st, NULL) != SQLITE_OK) {
		n = fail(s, q->rdb, "prepare officer lookup");
		goto out;
	}
	bind_text(st, 1, name);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (n++ == 0) {
			const char *h = (const char *)sqlite3_column_text(st, 3);
			if (principal_from_row(st, 0, who) < 0) {
				snprintf(s->err, sizeof s->err, "officer '%.64s': unknown role in the database", name);
				n = -1;
				break;
			}
			snprintf(pw_hash, len, "%s", h ? h : "");
		}
	}
	if (n >= 0 && rc != SQLITE_DONE)
		n = fail(s, q->rdb, "officer lookup");
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&q->rlock);
	return n;
}

static int store_officer_password_set(struct col_store *s, int64_t officer, const char *pw_hash)
{
	const char *texts[] = {pw_hash};
	int64_t ints[] = {officer};
	int n = write_one(s, "UPDATE officers SET password_hash = ?1 WHERE id = ?2 AND revoked_ms IS NULL",
	                  texts, 1, ints, 1, "set officer password");
	return n < 0 ? -1 : n > 0;
}

static int store_session_create(struct col_store *s, const struct col_session *sess)
{
	const char *texts[] = {sess->id_hash, sess->csrf};
	int64_t ints[] = {sess->who.id, sess->created_ms, sess->last_ms};
	return write_one(s, "INSERT INTO web_sessions(id_hash, csrf, officer, created_ms, last_ms)"
	                 " VALUES(?,?,?,?,?)", texts, 2, ints, 3, "create session") < 0 ? -1 : 0;
}

static int store_session_find(struct col_store *s, const char *id_hash, struct col_session *out)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st;
	int rc = 0;

	pthread_mutex_lock(&q->rlock);
	if (sqlite3_prepare_v2(q->rdb, "SELECT o.role, o.id, o.name, w.csrf, w.created_ms, w.last_ms"
	                       " FROM web_sessions w JOIN officers o ON o.id = w.officer"
	                       " WHERE w.id_hash = ? AND o.revoked_ms IS NULL", -1, &st, NULL) != SQLITE_OK) {
		rc = fail(s, q->rdb, "prepare session lookup");
		goto out;
	}
	bind_text(st, 1, id_hash);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW && principal_from_row(st, 0, &out->who) == 0) {
		snprintf(out->id_hash, sizeof out->id_hash, "%s", id_hash);
		snprintf(out->csrf, sizeof out->csrf, "%s", (const char *)sqlite3_column_text(st, 3));
		out->created_ms = sqlite3_column_int64(st, 4);
		out->last_ms = sqlite3_column_int64(st, 5);
		rc = 1;
	} else if (step != SQLITE_ROW && step != SQLITE_DONE) {
		rc = fail(s, q->rdb, "session lookup");
	}
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&q->rlock);
	return rc;
}

static int store_session_touch(struct col_store *s, const char *id_hash, int64_t now_ms)
{
	const char *texts[] = {id_hash};
	int64_t ints[] = {now_ms};
	return write_one(s, "UPDATE web_sessions SET last_ms = ?2 WHERE id_hash = ?1", texts, 1, ints, 1,
	                 "touch session") < 0 ? -1 : 0;
}

static int store_session_delete(struct col_store *s, const char *id_hash)
{
	const char *texts[] = {id_hash};
	return write_one(s, "DELETE FROM web_sessions WHERE id_hash = ?", texts, 1, NULL, 0,
	                 "delete session") < 0 ? -1 : 0;
}

static int store_sessions_expire(struct col_store *s, int64_t idle_before_ms, int64_t created_before_ms)
{
	int64_t ints[] = {idle_before_ms, created_before_ms};
	return write_one(s, "DELETE FROM web_sessions WHERE last_ms < ? OR created_ms < ?", NULL, 0, ints, 2,
	                 "expire sessions") < 0 ? -1 : 0;
}

static json_t *count_group_row(sqlite3_stmt *st)
{
	return json_pack("{s:s?,s:s?,s:s?,s:I}", "kind", (const char *)sqlite3_column_text(st, 0),
	                 "severity", vg_severity_name(sqlite3_column_int(st, 1)), "status",
	                 (const char *)sqlite3_column_text(st, 2), "n",
	                 (json_int_t)sqlite3_column_int64(st, 3));
}

static json_t *count_day_row(sqlite3_stmt *st)
{
	char day[11];
	vg_date_format(sqlite3_column_int64(st, 0) * VG_MS_PER_DAY, day);
	return json_pack("{s:s,s:s?,s:I}", "day", day, "severity",
	                 vg_severity_name(sqlite3_column_int(st, 1)), "n",
	                 (json_int_t)sqlite3_column_int64(st, 2));
}

static json_t *store_anomaly_counts(struct col_store *s, int64_t since_ms, int64_t until_ms)
{
	struct where w = {.len = 0};
	char sql[1400];
	json_t *groups, *days;

	if (since_ms >= 0)
		where_add(&w, "time_ms >= ?", 'i', NULL, since_ms);
	if (until_ms >= 0)
		where_add(&w, "time_ms < ?", 'i', NULL, until_ms);
	snprintf(sql, sizeof sql, "SELECT kind, severity, status, count(*) FROM anomalies%s"
	         " GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 LIMIT ?", w.sql);
	if (!(groups = run_query(s, sql, &w, 100000, count_group_row)))
		return NULL;
	snprintf(sql, sizeof sql, "SELECT time_ms / 86400000, severity, count(*) FROM anomalies%s"
	         " GROUP BY 1, 2 ORDER BY 1, 2 LIMIT ?", w.sql);
	if (!(days = run_query(s, sql, &w, 100000, count_day_row))) {
		json_decref(groups);
		return NULL;
	}
	return json_pack("{s:o,s:o}", "groups", groups, "days", days);
}

static json_t *evidence_row(sqlite3_stmt *st)
{
	json_t *o = event_row(st);
	if (o)
		set_time(o, "received", sqlite3_column_int64(st, 3));
	return o;
}

static json_t *store_anomaly_evidence(struct col_store *s, int64_t id, int limit)
{
	struct where w = {.len = 0};
	char sql[1400];
	where_add(&w, "l.anomaly = ?", 'i', NULL, id);
	snprintf(sql, sizeof sql, "SELECT e.agent, e.json, e.enrolled_host, e.received_ms"
	         " FROM anomaly_events l JOIN events e ON e.agent = l.agent AND e.seq = l.seq%s"
	         " ORDER BY e.time_ms, e.agent, e.seq LIMIT ?", w.sql);
	return run_query(s, sql, &w, limit, evidence_row);
}

static json_t *agent_row(sqlite3_stmt *st)
{
	json_t *o = json_object(), *open;
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	set_text_or_null(o, "host", st, 1);
	set_time(o, "created", sqlite3_column_int64(st, 2));
	if (sqlite3_column_type(st, 3) == SQLITE_NULL)
		json_object_set_new(o, "revoked", json_null());
	else
		set_time(o, "revoked", sqlite3_column_int64(st, 3));
	json_object_set_new(o, "high_seq", sqlite3_column_type(st, 4) == SQLITE_NULL ? json_null() :
	                    json_integer(sqlite3_column_int64(st, 4)));
	for (int c = 5; c <= 6; c++) {
		const char *k = c == 5 ? "last_event" : "last_received";
		if (sqlite3_column_type(st, c) == SQLITE_NULL)
			json_object_set_new(o, k, json_null());
		else
			set_time(o, k, sqlite3_column_int64(st, c));
	}
	const char *text = (const char *)sqlite3_column_text(st, 7);
	open = text ? json_loads(text, 0, NULL) : NULL;
	json_object_set_new(o, "open", open ? open : json_object());
	return o;
}

static json_t *store_agents_health(struct col_store *s)
{
	/* The newest event of an agent is its highest seq (the primary key),
	 * so each agent costs one index probe however many events it sent. */
	return run_query(s,
	                 "SELECT a.id, a.host, a.created_ms, a.revoked_ms,"
	                 " (SELECT max(seq) FROM events WHERE agent = a.id),"
	                 " (SELECT time_ms FROM events WHERE agent = a.id ORDER BY seq DESC LIMIT 1),"
	                 " (SELECT received_ms FROM events WHERE agent = a.id ORDER BY seq DESC LIMIT 1),"
	                 " (SELECT json_group_object(kind, n) FROM (SELECT kind, count(*) AS n FROM anomalies"
	                 "   WHERE host = a.host AND kind IN ('agent_silent', 'audit_loss', 'audit_tamper')"
	                 "   AND status IN ('open', 'acknowledged') GROUP BY kind))"
	                 " FROM agents a ORDER BY a.host, a.id LIMIT ?",
	                 NULL, 100000, agent_row);
}

/* ---- Risk, dossier and digest reads (col_risk.c, col_summary.c) ---------- */

/* Prepares sql on the reader; the caller holds rlock. */
static sqlite3_stmt *read_prepare(struct col_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(S(s)->rdb, sql, -1, &st, NULL) != SQLITE_OK) {
		fail(s, S(s)->rdb, "prepare query");
		return NULL;
	}
	return st;
}

static int store_latest_event_time(struct col_store *s, int64_t *ms)
{
	struct sqlite_store *q = S(s);
	int rc = -1;

	pthread_mutex_lock(&q->rlock);
	sqlite3_stmt *st = read_prepare(s, "SELECT max(time_ms) FROM events");
	if (st) {
		if (sqlite3_step(st) != SQLITE_ROW) {
			fail(s, q->rdb, "newest event time");
		} else {
			rc = sqlite3_column_type(st, 0) != SQLITE_NULL;
			*ms = rc ? sqlite3_column_int64(st, 0) : -1;
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&q->rlock);
	return rc;
}

/* vg_akind_parse for a column value, first character and length first: the
 * risk scan parses one kind per anomaly. */
static int akind_of(const unsigned char *text, int len)
{
	for (int k = 0; text && len > 0 && k < VG_AK_COUNT; k++) {
		const char *name = vg_akind_names[k];
		if (name[0] == (char)text[0] && strlen(name) == (size_t)len && memcmp(name, text, (size_t)len) == 0)
			return k;
	}
	return -1;
}

static int store_risk_rows(struct col_store *s, const char *person, int64_t until_ms,
                           col_risk_row_fn fn, void *ctx)
{
	struct sqlite_store *q = S(s);
	int rc;

	pthread_mutex_lock(&q->rlock);
	/* Read from the anomalies_person index alone (it covers these
	 * columns), in person order. */
	sqlite3_stmt *st = read_prepare(s, person ?
		"SELECT id, person, kind, severity, count, time_ms, last_ms FROM anomalies"
		" WHERE person = ?2 AND time_ms <= ?1 AND status != 'false_positive'"
		" ORDER BY person, time_ms" :
		"SELECT id, person, kind, severity, count, time_ms, last_ms FROM anomalies"
		" WHERE person IS NOT NULL AND time_ms <= ?1 AND status != 'false_positive'"
		" ORDER BY person, time_ms");
	if (!st) {
		pthread_mutex_unlock(&q->rlock);
		return -1;
	}
	sqlite3_bind_int64(st, 1, until_ms);
	if (person)
		sqlite3_bind_text(st, 2, person, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct col_risk_row r = {
			.id = sqlite3_column_int64(st, 0),
			.person = (const char *)sqlite3_column_text(st, 1),
			.kind = akind_of(sqlite3_column_text(st, 2), sqlite3_column_bytes(st, 2)),
			.severity = sqlite3_column_int(st, 3),
			.count = sqlite3_column_int64(st, 4),
			.time_ms = sqlite3_column_int64(st, 5),
			.last_ms = sqlite3_column_int64(st, 6),
		};
		if (!r.person || fn(ctx, &r) < 0) {
			snprintf(s->err, sizeof s->err, "risk: anomaly %lld: cannot be scored (out of memory)",
			         (long long)r.id);
			rc = -1;
			break;
		}
	}
	if (rc != SQLITE_DONE && rc != -1)
		fail(s, q->rdb, "risk anomalies");
	sqlite3_finalize(st);
	pthread_mutex_unlock(&q->rlock);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* One host of a person's activity, summed over the person's accounts. */
struct host_use {
	char *host;
	int64_t events, first, last;
};

static int host_use_cmp(const void *a, const void *b)
{
	const struct host_use *x = a, *y = b;
	if (x->events != y->events)
		return x->events > y->events ? -1 : 1;
	return strcmp(x->host, y->host);
}

static int host_use_add(struct host_use **v, size_t *n, size_t *cap, const char *host, int64_t events,
                        int64_t first, int64_t last)
{
	for (size_t i = 0; i < *n; i++) {
		struct host_use *h = &(*v)[i];
		if (strcmp(h->host, host) == 0) {
			h->events += events;
			h->first = first < h->first ? first : h->first;
			h->last = last > h->last ? last : h->last;
			return 0;
		}
	}
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct host_use *nv = realloc(*v, ncap * sizeof *nv);
		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	if (!((*v)[*n].host = strdup(host)))
		return -1;
	(*v)[*n].events = events;
	(*v)[*n].first = first;
	(*v)[*n].last = last;
	(*n)++;
	return 0;
}

static json_t *activity_json(struct host_use *hosts, size_t nhosts, const int64_t how[7][24],
                             int64_t total)
{
	json_t *o = json_object(), *hl = json_array(), *grid = json_array();
	int rc = o && hl && grid ? 0 : -1;

	if (nhosts)
		qsort(hosts, nhosts, sizeof *hosts, host_use_cmp);
	for (size_t i = 0; rc == 0 && i < nhosts; i++) {
		json_t *h = json_object();
		rc = h ? 0 : -1;
		if (h) {
			rc |= json_object_set_new(h, "host", json_string(hosts[i].host));
			rc |= json_object_set_new(h, "events", json_integer(hosts[i].events));
			set_time(h, "first", hosts[i].first);
			set_time(h, "last", hosts[i].last);
			rc |= json_array_append_new(hl, h);
		}
	}
	for (int d = 0; rc == 0 && d < 7; d++) {
		json_t *row = json_array();
		rc = row ? 0 : -1;
		for (int hr = 0; rc == 0 && hr < 24; hr++)
			rc = json_array_append_new(row, json_integer(how[d][hr]));
		if (row)
			rc |= json_array_append_new(grid, row);
	}
	if (rc == 0)
		rc = json_object_set_new(o, "events", json_integer(total)) |
		     json_object_set_new(o, "hosts", hl) | json_object_set_new(o, "hour_of_week", grid);
	else {
		json_decref(hl);
		json_decref(grid);
	}
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static json_t *store_person_activity(struct col_store *s, const char *const *accounts, size_t naccounts,
                                     int64_t since_ms, int64_t until_ms)
{
	struct sqlite_store *q = S(s);
	int64_t how[7][24] = {{0}}, total = 0;
	struct host_use *hosts = NULL;
	size_t nhosts = 0, cap = 0;
	int rc = SQLITE_DONE;
	json_t *out = NULL;

	pthread_mutex_lock(&q->rlock);
	/* One probe of events_activity per account and hour: the index is
	 * keyed by the hour first (see migrations 10 and 11), so a range over
	 * hours would read every account's entries. */
	sqlite3_stmt *st = read_prepare(s,
		"SELECT ifnull(host, ''), count(*), min(time_ms), max(time_ms) FROM events"
		" WHERE time_ms / 3600000 = ?1 AND user = ?2 AND time_ms >= ?3 AND time_ms <= ?4"
		" AND kind <> 'file_access' GROUP BY 1");
	for (size_t a = 0; st && a < naccounts && rc == SQLITE_DONE; a++) {
		for (int64_t h = since_ms / 3600000; h <= until_ms / 3600000 && rc == SQLITE_DONE; h++) {
			sqlite3_bind_int64(st, 1, h);
			sqlite3_bind_text(st, 2, accounts[a], -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, since_ms);
			sqlite3_bind_int64(st, 4, until_ms);
			/* 1970-01-01 was a Thursday: day + 3 counts weeks from a Monday. */
			int wd = (int)((h / 24 + 3) % 7), hr = (int)(h % 24);
			while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
				int64_t n = sqlite3_column_int64(st, 1);
				how[wd][hr] += n;
				total += n;
				if (host_use_add(&hosts, &nhosts, &cap, (const char *)sqlite3_column_text(st, 0), n,
				                 sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3)) < 0) {
					rc = SQLITE_NOMEM;
					break;
				}
			}
			sqlite3_reset(st);
		}
	}
	if (st && rc != SQLITE_DONE)
		fail(s, q->rdb, "person activity");
	else if (st && !(out = activity_json(hosts, nhosts, (const int64_t(*)[24])how, total)))
		snprintf(s->err, sizeof s->err, "person activity: out of memory");
	sqlite3_finalize(st);
	pthread_mutex_unlock(&q->rlock);
	for (size_t i = 0; i < nhosts; i++)
		free(hosts[i].host);
	free(hosts);
	return out;
}

/* Identities (col_store_sqlite_ident.c): changes on the writer, reads on
 * the reader, each under its connection's lock. */
static int store_identity(struct col_store *s, struct col_ident_op *op)
{
	struct sqlite_store *q = S(s);
	int write = op->action != COL_IDENT_LIST && op->action != COL_IDENT_STATUS;
	pthread_mutex_t *lock = write ? &q->wlock : &q->rlock;
	pthread_mutex_lock(lock);
	int rc = col_sqlite_identity(write ? q->wdb : q->rdb, op, s->err, sizeof s->err);
	pthread_mutex_unlock(lock);
	return rc;
}

/* The chain's head, on the reader (for anchors). */
static int store_chain_head(struct col_store *s, int64_t *block, char hex[65])
{
	struct sqlite_store *q = S(s);
	pthread_mutex_lock(&q->rlock);
	int rc = col_chain_head(q->rdb, block, hex, s->err, sizeof s->err);
	pthread_mutex_unlock(&q->rlock);
	return rc;
}

static int store_anomaly_event_total(struct col_store *s, const char *kind, const char *person,
                                     int64_t *total)
{
	struct sqlite_store *q = S(s);
	int rc = -1;

	pthread_mutex_lock(&q->rlock);
	/* Answered from the anomalies_person index alone. */
	sqlite3_stmt *st = read_prepare(s, "SELECT ifnull(sum(count), 0) FROM anomalies"
	                                   " WHERE person = ?1 AND kind = ?2");
	if (st) {
		sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			*total = sqlite3_column_int64(st, 0);
			rc = 0;
		} else {
			fail(s, q->rdb, "anomaly event total");
		}
		sqlite3_finalize(st);
	}
	pthread_mutex_unlock(&q->rlock);
	return rc;
}

static const struct col_store_ops sqlite_ops = {
	.close = store_close,
	.agent_add = store_agent_add,
	.officer_add = store_officer_add,
	.principal_find = store_principal_find,
	.begin = store_begin,
	.commit = store_commit,
	.rollback = store_rollback,
	.event_insert = store_event_insert,
	.quarantine_insert = store_quarantine_insert,
	.anomaly_record = store_anomaly_record,
	.agent_high_seq = store_agent_high_seq,
	.events_query = store_events_query,
	.anomalies_query = store_anomalies_query,
	.anomaly_get = store_anomaly_get,
	.quarantine_query = store_quarantine_query,
	.anomaly_triage = store_anomaly_triage,
	.state_put = store_state_put,
	.state_load = store_state_load,
	.journal_add = store_journal_add,
	.journal_clear = store_journal_clear,
	.journal_load = store_journal_load,
	.event_get = store_event_get,
	.officer_find_name = store_officer_find_name,
	.officer_password_set = store_officer_password_set,
	.session_create = store_session_create,
	.session_find = store_session_find,
	.session_touch = store_session_touch,
	.session_delete = store_session_delete,
	.sessions_expire = store_sessions_expire,
	.anomaly_counts = store_anomaly_counts,
	.anomaly_evidence = store_anomaly_evidence,
	.agents_health = store_agents_health,
	.latest_event_time = store_latest_event_time,
	.risk_rows = store_risk_rows,
	.person_activity = store_person_activity,
	.outbox_add = col_sqlite_outbox_add,
	.outbox_pending = col_sqlite_outbox_pending,
	.outbox_result = col_sqlite_outbox_result,
	.export_open = col_sqlite_export_open,
	.export_next = col_sqlite_export_next,
	.export_error = col_sqlite_export_error,
	.export_close = col_sqlite_export_close,
	.access_add = col_sqlite_access_add,
	.access_query = col_sqlite_access_query,
	.identity = store_identity,
	.chain_head = store_chain_head,
	.anomaly_event_total = store_anomaly_event_total,
};

struct col_store *col_store_sqlite_open(const char *path, char *err, size_t errlen)
{
	struct sqlite_store *q = calloc(1, sizeof *q);
	if (!q) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	q->base.ops = &sqlite_ops;
	pthread_mutex_init(&q->wlock, NULL);
	pthread_mutex_init(&q->rlock, NULL);
	pthread_mutex_init(&q->ckpt_lock, NULL);
	pthread_cond_init(&q->ckpt_cond, NULL);
	if (!(q->wdb = vg_db_open(path, err, errlen)))
		goto fail;
	/* A larger page cache keeps the index pages ingest touches in memory. */
	if (vg_db_exec(q->wdb, "PRAGMA cache_size=-16384", err, errlen) < 0)
		goto fail;
	if (vg_db_migrate(q->wdb, migrations, (int)(sizeof migrations / sizeof migrations[0]), err,
	                  errlen) < 0)
		goto fail;
	if (!(q->chain = col_chain_open(q->wdb, err, errlen)))
		goto fail;
	if (!(q->rdb = vg_db_open(path, err, errlen)) || !(q->cdb = vg_db_open(path, err, errlen)))
		goto fail;
	if (pthread_create(&q->ckpt_thread, NULL, checkpoint_main, q) != 0) {
		snprintf(err, errlen, "%s: cannot start the checkpoint thread", path);
		goto fail;
	}
	q->ckpt_running = 1;
	sqlite3_wal_hook(q->wdb, on_wal_commit, q);   /* replaces auto-checkpoint */
	for (int i = 0; i < ST_COUNT; i++) {
		if (sqlite3_prepare_v3(q->wdb, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &q->st[i], NULL) !=
		    SQLITE_OK) {
			snprintf(err, errlen, "%s: prepare: %s", path, sqlite3_errmsg(q->wdb));
			goto fail;
		}
	}
	return &q->base;
fail:
	store_close(&q->base);
	return NULL;
}

/* ---- for the backend's other files (col_store_sqlite_int.h) ------------- */

sqlite3 *col_sqlite_writer_lock(struct col_store *s)
{
	pthread_mutex_lock(&S(s)->wlock);
	return S(s)->wdb;
}

void col_sqlite_writer_unlock(struct col_store *s) { pthread_mutex_unlock(&S(s)->wlock); }

sqlite3 *col_sqlite_writer(struct col_store *s) { return S(s)->wdb; }

struct col_chain *col_sqlite_chain(struct col_store *s) { return S(s)->chain; }

sqlite3 *col_sqlite_reader_lock(struct col_store *s)
{
	pthread_mutex_lock(&S(s)->rlock);
	return S(s)->rdb;
}

void col_sqlite_reader_unlock(struct col_store *s) { pthread_mutex_unlock(&S(s)->rlock); }

int col_sqlite_fail(struct col_store *s, sqlite3 *db, const char *what) { return fail(s, db, what); }

void col_sqlite_set_text(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
	set_text_or_null(o, key, st, col);
}

void col_sqlite_set_time(json_t *o, const char *key, int64_t ms) { set_time(o, key, ms); }

json_t *col_sqlite_event_row(sqlite3_stmt *st) { return event_row(st); }
json_t *col_sqlite_anomaly_row(sqlite3_stmt *st) { return anomaly_row(st); }
json_t *col_sqlite_history_row(sqlite3_stmt *st) { return history_row(st); }
const char col_sqlite_anomaly_select[] = ANOMALY_COLUMNS;
const char col_sqlite_history_select[] = HISTORY_COLUMNS;
