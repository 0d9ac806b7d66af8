/*
 * vg_db: SQLite open, pragmas and versioned migrations.
 */
#include "vg_db.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int vg_db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "sqlite: %s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return -1;
}

sqlite3 *vg_db_open(const char *path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	                         SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		snprintf(err, errlen, "%s: cannot open database: %s", path,
		         db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
		sqlite3_close(db);
		return NULL;
	}
	/* Events, tokens' hashes and the spool are for the service alone; SQLite
	 * gives the -wal and -shm files the database file's mode. */
	if (chmod(path, 0600) < 0) {
		snprintf(err, errlen, "%s: cannot restrict permissions: %s", path, strerror(errno));
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_busy_timeout(db, 5000);
	/* WAL + synchronous=FULL: a committed transaction is on disk before the
	 * commit returns, so an acknowledged event survives power loss. 16 KiB
	 * pages (for new databases) halve the write calls per batch of events. */
	if (vg_db_exec(db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
	                   "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;", err, errlen) < 0) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static int user_version(sqlite3 *db, int *v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
	*v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

int vg_db_migrate(sqlite3 *db, const char *const steps[], int n, char *err, size_t errlen)
{
	int v;
	if (user_version(db, &v) < 0) {
		snprintf(err, errlen, "sqlite: cannot read schema version: %s", sqlite3_errmsg(db));
		return -1;
	}
	if (v > n) {
		snprintf(err, errlen, "database schema version %d is newer than this program (%d)", v, n);
		return -1;
	}
	for (; v < n; v++) {
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version=%d;", v + 1);
		if (vg_db_exec(db, "BEGIN IMMEDIATE", err, errlen) < 0)
			return -1;
		if (vg_db_exec(db, steps[v], err, errlen) < 0 || vg_db_exec(db, bump, err, errlen) < 0) {
			char tmp[8];
			vg_db_exec(db, "ROLLBACK", tmp, sizeof tmp);
			return -1;
		}
		if (vg_db_exec(db, "COMMIT", err, errlen) < 0)
			return -1;
	}
	return 0;
}
