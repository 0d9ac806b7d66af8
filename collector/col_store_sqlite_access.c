/*
 * col_store_sqlite_access: the access log table of the SQLite backend.
 *
 * One row per officer action, appended in its own small transaction on the
 * writer (the entry is durable before the officer sees the data), read back
 * newest first through the shared reader.
 */
#include "col_store_sqlite_int.h"

#include <stdio.h>
#include <string.h>

int col_sqlite_access_add(struct col_store *s, const struct col_access *a)
{
	sqlite3 *db = col_sqlite_writer_lock(s);
	sqlite3_stmt *st;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "INSERT INTO access_log(time_ms, officer, role, officer_id, method,"
	                       " path, object, query, status) VALUES(?,?,?,?,?,?,?,?,?)", -1, &st,
	                       NULL) != SQLITE_OK) {
		col_sqlite_fail(s, db, "prepare access log");
		goto out;
	}
	sqlite3_bind_int64(st, 1, a->time_ms);
	sqlite3_bind_text(st, 2, a->officer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, a->role, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, a->officer_id);
	sqlite3_bind_text(st, 5, a->method, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, a->path, -1, SQLITE_STATIC);
	if (a->object)
		sqlite3_bind_text(st, 7, a->object, -1, SQLITE_STATIC);
	if (a->query)
		sqlite3_bind_text(st, 8, a->query, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 9, a->status);
	if (sqlite3_step(st) != SQLITE_DONE)
		col_sqlite_fail(s, db, "write access log");
	else
		rc = 0;
	sqlite3_finalize(st);
out:
	col_sqlite_writer_unlock(s);
	return rc;
}

static json_t *access_row(sqlite3_stmt *st)
{
	json_t *o = json_object();
	if (!o)
		return NULL;
	json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
	col_sqlite_set_time(o, "time", sqlite3_column_int64(st, 1));
	col_sqlite_set_text(o, "officer", st, 2);
	col_sqlite_set_text(o, "role", st, 3);
	json_object_set_new(o, "officer_id", json_integer(sqlite3_column_int64(st, 4)));
	col_sqlite_set_text(o, "method", st, 5);
	col_sqlite_set_text(o, "path", st, 6);
	col_sqlite_set_text(o, "object", st, 7);
	col_sqlite_set_text(o, "query", st, 8);
	json_object_set_new(o, "status", json_integer(sqlite3_column_int(st, 9)));
	return o;
}

json_t *col_sqlite_access_query(struct col_store *s, const struct col_access_filter *f)
{
	char sql[512] = "SELECT id, time_ms, officer, role, officer_id, method, path, object, query,"
	                " status FROM access_log WHERE 1";
	json_t *out = json_array();
	sqlite3_stmt *st;
	int rc;

	if (!out)
		return NULL;
	if (f->officer)
		strcat(sql, " AND officer = :officer");
	if (f->since_ms >= 0)
		strcat(sql, " AND time_ms >= :since");
	if (f->until_ms >= 0)
		strcat(sql, " AND time_ms < :until");
	strcat(sql, " ORDER BY time_ms DESC, id DESC LIMIT :limit");
	sqlite3 *db = col_sqlite_reader_lock(s);
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		col_sqlite_fail(s, db, "prepare access log query");
		col_sqlite_reader_unlock(s);
		json_decref(out);
		return NULL;
	}
	if (f->officer)
		sqlite3_bind_text(st, sqlite3_bind_parameter_index(st, ":officer"), f->officer, -1,
		                  SQLITE_STATIC);
	if (f->since_ms >= 0)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":since"), f->since_ms);
	if (f->until_ms >= 0)
		sqlite3_bind_int64(st, sqlite3_bind_parameter_index(st, ":until"), f->until_ms);
	sqlite3_bind_int(st, sqlite3_bind_parameter_index(st, ":limit"), f->limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = access_row(st);
		if (!o || json_array_append_new(out, o) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		if (rc == SQLITE_NOMEM)
			snprintf(s->err, sizeof s->err, "access log: out of memory");
		else
			col_sqlite_fail(s, db, "access log query");
		json_decref(out);
		out = NULL;
	}
	sqlite3_finalize(st);
	col_sqlite_reader_unlock(s);
	return out;
}
