/*
 * col_store_sqlite_int: what the SQLite backend's files share with each
 * other (not part of the col_store interface).
 *
 * col_store_sqlite.c owns the connections and their locks; the outbox,
 * export and access-log files reach them through these functions and
 * build their JSON with the same row readers, so an exported object is
 * exactly what the API returns.
 */
#ifndef COL_STORE_SQLITE_INT_H
#define COL_STORE_SQLITE_INT_H

#include "col_store.h"

#include <sqlite3.h>

/* The writer connection, locked against every other writer (and held from
 * col_store_begin to commit, so taking it waits for a transaction in
 * progress to end). */
sqlite3 *col_sqlite_writer_lock(struct col_store *s);
void col_sqlite_writer_unlock(struct col_store *s);
/* The writer connection for a caller inside col_store_begin .. commit. */
sqlite3 *col_sqlite_writer(struct col_store *s);
/* The tamper-evidence chain (col_chain.h) of the writer: a file that writes
 * chained rows calls col_chain_touch() on it for each, inside
 * col_store_begin .. commit. */
struct col_chain *col_sqlite_chain(struct col_store *s);
/* The shared reader connection, locked. */
sqlite3 *col_sqlite_reader_lock(struct col_store *s);
void col_sqlite_reader_unlock(struct col_store *s);
/* Sets s's error to "sqlite: what: <db's message>"; returns -1. */
int col_sqlite_fail(struct col_store *s, sqlite3 *db, const char *what);

/* Sets o[key] to column col as a string (null when NULL), or to the time
 * ms in the event format. */
void col_sqlite_set_text(json_t *o, const char *key, sqlite3_stmt *st, int col);
void col_sqlite_set_time(json_t *o, const char *key, int64_t ms);

/* Row readers: an event (columns agent, json, enrolled_host), an anomaly
 * (col_sqlite_anomaly_select's columns) and a history step
 * (col_sqlite_history_select's columns) as the API shows them. Each returns
 * a new object or NULL when memory runs out. */
json_t *col_sqlite_event_row(sqlite3_stmt *st);
json_t *col_sqlite_anomaly_row(sqlite3_stmt *st);
json_t *col_sqlite_history_row(sqlite3_stmt *st);
/* "SELECT <anomaly columns> FROM anomalies a" and "SELECT <history
 * columns> FROM anomaly_history", to which a WHERE clause is appended. */
extern const char col_sqlite_anomaly_select[];
extern const char col_sqlite_history_select[];

/* col_store_sqlite_outbox.c */
int col_sqlite_outbox_add(struct col_store *s, int64_t anomaly, const char *sink, int64_t now_ms);
int col_sqlite_outbox_pending(struct col_store *s, const char *sink, struct col_outbox_item *items,
                              int max);
int col_sqlite_outbox_result(struct col_store *s, int64_t id, int64_t delivered_ms,
                             const char *error);

/* col_store_sqlite_export.c */
struct col_export *col_sqlite_export_open(struct col_store *s, enum col_export_kind kind,
                                          int64_t since_ms, int64_t until_ms, char *err,
                                          size_t errlen);
int col_sqlite_export_next(struct col_export *x, const char **line, size_t *len);
const char *col_sqlite_export_error(const struct col_export *x);
void col_sqlite_export_close(struct col_export *x);

/* col_store_sqlite_access.c */
int col_sqlite_access_add(struct col_store *s, const struct col_access *a);
json_t *col_sqlite_access_query(struct col_store *s, const struct col_access_filter *f);

#endif
