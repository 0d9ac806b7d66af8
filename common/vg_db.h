/*
 * vg_db: the SQLite conventions shared by the collector store and the agent
 * spool: WAL journal, synchronous=FULL (an acknowledged write is on disk),
 * a busy timeout, and versioned migrations kept in PRAGMA user_version.
 */
#ifndef VG_DB_H
#define VG_DB_H

#include <sqlite3.h>
#include <stddef.h>

/* Opens (creating) path with vigil's pragmas and mode 0600. Returns the handle or NULL with
 * the reason in err. */
sqlite3 *vg_db_open(const char *path, char *err, size_t errlen);

/* Applies migrations steps[user_version .. n) each in its own transaction and
 * bumps user_version. Refuses a database newer than n. Returns 0 or -1. */
int vg_db_migrate(sqlite3 *db, const char *const steps[], int n, char *err, size_t errlen);

/* Runs SQL without results; returns 0 or -1 with the SQLite message in err. */
int vg_db_exec(sqlite3 *db, const char *sql, char *err, size_t errlen);

#endif
