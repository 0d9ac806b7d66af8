/*
 * col_store_sqlite_outbox: the alerts outbox of the SQLite backend.
 *
 * An alert is a row (anomaly, sink) written in the same transaction as the
 * anomaly it reports, so a committed anomaly always has its alert and a
 * crash between commit and delivery loses nothing. The delivery worker reads
 * pending rows through the writer connection: taking the writer's lock waits
 * for a transaction in progress to end, so the worker, woken from inside
 * that transaction, sees its rows as soon as they are committed.
 */
#include "col_store_sqlite_int.h"

#include <stdio.h>

int col_sqlite_outbox_add(struct col_store *s, int64_t anomaly, const char *sink, int64_t now_ms)
{
	sqlite3 *db = col_sqlite_writer(s);
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO alert_outbox(anomaly, sink, queued_ms)"
	                       " VALUES(?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		return col_sqlite_fail(s, db, "prepare alert");
	sqlite3_bind_int64(st, 1, anomaly);
	sqlite3_bind_text(st, 2, sink, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, now_ms);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return col_sqlite_fail(s, db, "queue alert");
	return sqlite3_changes(db) > 0 ? 1 : 0;
}

int col_sqlite_outbox_pending(struct col_store *s, const char *sink, struct col_outbox_item *items,
                              int max)
{
	sqlite3 *db = col_sqlite_writer_lock(s);
	sqlite3_stmt *st;
	int n = 0, rc;

	if (sqlite3_prepare_v2(db, "SELECT id, anomaly, queued_ms, attempts FROM alert_outbox"
	                       " WHERE sink = ? AND delivered_ms IS NULL ORDER BY id LIMIT ?", -1, &st,
	                       NULL) != SQLITE_OK) {
		col_sqlite_fail(s, db, "prepare pending alerts");
		col_sqlite_writer_unlock(s);
		return -1;
	}
	sqlite3_bind_text(st, 1, sink, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, max);
	while (n < max && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		items[n].id = sqlite3_column_int64(st, 0);
		items[n].anomaly = sqlite3_column_int64(st, 1);
		items[n].queued_ms = sqlite3_column_int64(st, 2);
		items[n].attempts = sqlite3_column_int(st, 3);
		n++;
	}
	if (n < max && rc != SQLITE_DONE)
		n = col_sqlite_fail(s, db, "read pending alerts");
	sqlite3_finalize(st);
	col_sqlite_writer_unlock(s);
	return n;
}

int col_sqlite_outbox_result(struct col_store *s, int64_t id, int64_t delivered_ms, const char *error)
{
	sqlite3 *db = col_sqlite_writer_lock(s);
	sqlite3_stmt *st;
	const char *sql = delivered_ms >= 0
	                      ? "UPDATE alert_outbox SET delivered_ms = ?2, last_error = NULL WHERE id = ?1"
	                      : "UPDATE alert_outbox SET attempts = attempts + 1, last_error = ?3"
	                        " WHERE id = ?1";
	int rc = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		col_sqlite_fail(s, db, "prepare alert result");
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	if (delivered_ms >= 0)
		sqlite3_bind_int64(st, 2, delivered_ms);
	else
		sqlite3_bind_text(st, 3, error ? error : "", -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		col_sqlite_fail(s, db, "record alert result");
	else
		rc = 0;
	sqlite3_finalize(st);
out:
	col_sqlite_writer_unlock(s);
	return rc;
}
