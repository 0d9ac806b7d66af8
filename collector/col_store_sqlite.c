/*
 * col_store_sqlite: the embedded SQLite backend of col_store.
 *
 * Two connections: one for writes, held under a mutex from begin to commit
 * so each ingest request is one transaction, and one for reads, so officer
 * queries see committed data without waiting for a batch (WAL allows one
 * writer beside readers). Hot-path statements are prepared once.
 */
#include "col_store.h"
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
};

enum { ST_EVENT, ST_QUAR, ST_ANOM, ST_ANOM_EV, ST_HIGH, ST_COUNT };
static const char *const stmt_sql[ST_COUNT] = {
	"INSERT OR IGNORE INTO events(agent,seq,time_ms,kind,host,user,received_ms,json,enrolled_host)"
	" VALUES(?,?,?,?,?,?,?,?,?)",
	"INSERT INTO quarantine(agent,received_ms,reason,raw) VALUES(?,?,?,?)",
	/* One row per incident: a later event of the same incident adds to the
	 * count and widens the time range; the summary always describes the
	 * earliest event, so the result does not depend on arrival order. */
	"INSERT INTO anomalies(kind,severity,score,time_ms,detected_ms,person,account,host,summary,"
	"reasons,policy_serial,incident,last_ms,count) VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?4,1)"
	" ON CONFLICT(incident) DO UPDATE SET count = count + 1,"
	" summary = CASE WHEN excluded.time_ms < time_ms THEN excluded.summary ELSE summary END,"
	" time_ms = min(time_ms, excluded.time_ms), last_ms = max(last_ms, excluded.time_ms)"
	" RETURNING id, count",
	"INSERT OR IGNORE INTO anomaly_events(anomaly,agent,seq) VALUES(?,?,?)",
	"SELECT max(seq) FROM events WHERE agent=?",
};

/* WAL pages after which the checkpointer is woken. */
#define CHECKPOINT_PAGES 4000

struct sqlite_store {
	struct col_store base;
	sqlite3 *wdb, *rdb, *cdb;         /* writer, reader, checkpointer */
	pthread_mutex_t wlock, rlock;
	sqlite3_stmt *st[ST_COUNT];
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
	if (sqlite3_prepare_v2(q->rdb,
	                       "SELECT 'agent', id, host FROM agents WHERE token_hash=?1 AND revoked_ms IS NULL "
	                       "UNION ALL SELECT role, id, name FROM officers WHERE token_hash=?1 "
	                       "AND revoked_ms IS NULL", -1, &st, NULL) != SQLITE_OK) {
		rc = fail(s, q->rdb, "prepare token lookup");
		goto out;
	}
	bind_text(st, 1, hash);
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

static int store_begin(struct col_store *s)
{
	struct sqlite_store *q = S(s);
	pthread_mutex_lock(&q->wlock);
	if (vg_db_exec(q->wdb, "BEGIN IMMEDIATE", s->err, sizeof s->err) < 0) {
		pthread_mutex_unlock(&q->wlock);
		return -1;
	}
	return 0;
}

static int store_commit(struct col_store *s)
{
	struct sqlite_store *q = S(s);
	int rc = vg_db_exec(q->wdb, "COMMIT", s->err, sizeof s->err);
	if (rc < 0) {
		char tmp[64];
		vg_db_exec(q->wdb, "ROLLBACK", tmp, sizeof tmp);
	}
	pthread_mutex_unlock(&q->wlock);
	return rc;
}

static void store_rollback(struct col_store *s)
{
	struct sqlite_store *q = S(s);
	char tmp[64];
	vg_db_exec(q->wdb, "ROLLBACK", tmp, sizeof tmp);
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
	if (step_done(s, st, "insert event") < 0)
		return -1;
	return sqlite3_changes(q->wdb) > 0 ? 1 : 0;
}

static int store_quarantine_insert(struct col_store *s, int64_t agent, int64_t received_ms,
                                   const char *reason, const char *raw, size_t rawlen)
{
	sqlite3_stmt *st = S(s)->st[ST_QUAR];
	sqlite3_bind_int64(st, 1, agent);
	sqlite3_bind_int64(st, 2, received_ms);
	bind_text(st, 3, reason);
	sqlite3_bind_blob64(st, 4, raw ? raw : "", rawlen, SQLITE_STATIC);
	return step_done(s, st, "insert quarantine");
}

static int store_anomaly_record(struct col_store *s, const struct col_anomaly *a, int64_t *id)
{
	struct sqlite_store *q = S(s);
	sqlite3_stmt *st = q->st[ST_ANOM];
	json_t *reasons = json_array();
	char *rtext;

	if (!reasons)
		return fail(s, q->wdb, "out of memory");
	for (int i = 0; i < a->nreasons; i++)
		json_array_append_new(reasons, json_string(a->reasons[i]));
	rtext = json_dumps(reasons, JSON_COMPACT);
	json_decref(reasons);
	if (!rtext) {
		snprintf(s->err, sizeof s->err, "anomaly: out of memory");
		return -1;
	}
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
	if (sqlite3_step(st) != SQLITE_ROW) {
		fail(s, q->wdb, "record anomaly");
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return -1;
	}
	*id = sqlite3_column_int64(st, 0);
	int is_new = sqlite3_column_int64(st, 1) == 1;
	if (step_done(s, st, "record anomaly") < 0)
		return -1;
	for (size_t i = 0; i < a->nevents; i++) {
		st = q->st[ST_ANOM_EV];
		sqlite3_bind_int64(st, 1, *id);
		sqlite3_bind_int64(st, 2, a->events[i].agent);
		sqlite3_bind_int64(st, 3, a->events[i].seq);
		if (step_done(s, st, "insert anomaly event") < 0)
			return -1;
	}
	return is_new;
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
	snprintf(sql, sizeof sql, "SELECT time_ms, officer, status, assignee, note FROM anomaly_history"
	         "%s ORDER BY id LIMIT ?", hw.sql);
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
