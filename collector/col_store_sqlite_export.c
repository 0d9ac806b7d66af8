/*
 * col_store_sqlite_export: streaming export cursors of the SQLite backend.
 *
 * An export may take minutes and is paced by whoever reads it, so it gets a
 * connection of its own (never the shared reader's lock) and one read
 * transaction: the objects come from one consistent snapshot while ingest
 * goes on. Rows are read one at a time in index order, so memory stays
 * bounded whatever the export's size. Each object is built by the same row
 * readers the API uses.
 */
#include "col_store_sqlite_int.h"
#include "vg_db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct col_export {
	enum col_export_kind kind;
	sqlite3 *db;
	sqlite3_stmt *rows, *history;
	char *line;                       /* the last line handed out */
	int done;                         /* stepping again would start over */
	char err[512];
};

static int export_fail(struct col_export *x, const char *what)
{
	snprintf(x->err, sizeof x->err, "export: %s: %s", what, sqlite3_errmsg(x->db));
	return -1;
}

void col_sqlite_export_close(struct col_export *x)
{
	if (!x)
		return;
	sqlite3_finalize(x->rows);
	sqlite3_finalize(x->history);
	if (x->db && !sqlite3_get_autocommit(x->db))
		sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(x->db);
	free(x->line);
	free(x);
}

/* Appends "WHERE time >= ? AND time < ?" for the bounds that are set. */
static void time_bounds(char *sql, size_t len, const char *column, int64_t since_ms, int64_t until_ms)
{
	size_t n = strlen(sql);
	const char *sep = " WHERE ";
	if (since_ms >= 0) {
		snprintf(sql + n, len - n, "%s%s >= :since", sep, column);
		n = strlen(sql);
		sep = " AND ";
	}
	if (until_ms >= 0)
		snprintf(sql + n, len - n, "%s%s < :until", sep, column);
}

static void bind_named(sqlite3_stmt *st, const char *name, int64_t v)
{
	int i = sqlite3_bind_parameter_index(st, name);
	if (i > 0)
		sqlite3_bind_int64(st, i, v);
}

struct col_export *col_sqlite_export_open(struct col_store *s, enum col_export_kind kind,
                                          int64_t since_ms, int64_t until_ms, char *err,
                                          size_t errlen)
{
	struct col_export *x = calloc(1, sizeof *x);
	char path[4096], sql[2048];

	if (!x) {
		snprintf(err, errlen, "export: out of memory");
		return NULL;
	}
	x->kind = kind;
	sqlite3 *rdb = col_sqlite_reader_lock(s);
	const char *file = sqlite3_db_filename(rdb, "main");
	snprintf(path, sizeof path, "%s", file ? file : "");
	col_sqlite_reader_unlock(s);
	if (!*path) {
		snprintf(err, errlen, "export: the database has no file name");
		free(x);
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "export: %s: cannot open: %s", path,
		         x->db ? sqlite3_errmsg(x->db) : sqlite3_errstr(rc));
		col_sqlite_export_close(x);
		return NULL;
	}
	sqlite3_busy_timeout(x->db, 5000);
	if (kind == COL_EXPORT_EVENTS) {
		snprintf(sql, sizeof sql, "SELECT agent, json, enrolled_host FROM events");
		time_bounds(sql, sizeof sql, "time_ms", since_ms, until_ms);
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql), " ORDER BY time_ms, agent, seq");
	} else {
		snprintf(sql, sizeof sql, "%s", col_sqlite_anomaly_select);
		time_bounds(sql, sizeof sql, "a.time_ms", since_ms, until_ms);
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql), " ORDER BY a.time_ms, a.id");
	}
	char hsql[512];
	snprintf(hsql, sizeof hsql, "%s WHERE anomaly = ? ORDER BY id", col_sqlite_history_select);
	/* query_only: an export never writes, whatever it is asked. */
	if (vg_db_exec(x->db, "PRAGMA query_only=1; BEGIN", x->err, sizeof x->err) < 0 ||
	    sqlite3_prepare_v2(x->db, sql, -1, &x->rows, NULL) != SQLITE_OK ||
	    (kind == COL_EXPORT_ANOMALIES &&
	     sqlite3_prepare_v2(x->db, hsql, -1, &x->history, NULL) != SQLITE_OK)) {
		if (!x->err[0])
			export_fail(x, "prepare");
		snprintf(err, errlen, "%s", x->err);
		col_sqlite_export_close(x);
		return NULL;
	}
	bind_named(x->rows, ":since", since_ms);
	bind_named(x->rows, ":until", until_ms);
	return x;
}

/* Adds "history" to anomaly o (row id). Returns 0 or -1. */
static int add_history(struct col_export *x, json_t *o, int64_t id)
{
	json_t *list = json_array();
	int rc;

	if (!list) {
		snprintf(x->err, sizeof x->err, "export: out of memory");
		return -1;
	}
	sqlite3_bind_int64(x->history, 1, id);
	while ((rc = sqlite3_step(x->history)) == SQLITE_ROW) {
		json_t *h = col_sqlite_history_row(x->history);
		if (!h || json_array_append_new(list, h) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_reset(x->history);
	if (rc != SQLITE_DONE) {
		json_decref(list);
		if (rc != SQLITE_NOMEM)
			return export_fail(x, "read history");
		snprintf(x->err, sizeof x->err, "export: out of memory");
		return -1;
	}
	if (json_object_set_new(o, "history", list) < 0) {   /* list is released */
		snprintf(x->err, sizeof x->err, "export: out of memory");
		return -1;
	}
	return 0;
}

int col_sqlite_export_next(struct col_export *x, const char **line, size_t *len)
{
	free(x->line);
	x->line = NULL;
	if (x->done)
		return 0;
	int rc = sqlite3_step(x->rows);
	if (rc == SQLITE_DONE) {
		x->done = 1;
		return 0;
	}
	if (rc != SQLITE_ROW)
		return export_fail(x, "read");
	json_t *o = x->kind == COL_EXPORT_EVENTS ? col_sqlite_event_row(x->rows)
	                                         : col_sqlite_anomaly_row(x->rows);
	if (!o) {
		snprintf(x->err, sizeof x->err, "export: out of memory (or a stored object is not JSON)");
		return -1;
	}
	if (x->kind == COL_EXPORT_ANOMALIES && add_history(x, o, sqlite3_column_int64(x->rows, 0)) < 0) {
		json_decref(o);
		return -1;
	}
	x->line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!x->line) {
		snprintf(x->err, sizeof x->err, "export: out of memory");
		return -1;
	}
	*line = x->line;
	*len = strlen(x->line);
	return 1;
}

const char *col_sqlite_export_error(const struct col_export *x)
{
	return x->err;
}
