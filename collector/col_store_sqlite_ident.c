/*
 * col_store_sqlite_ident: identities and their tokens in SQLite (see
 * col_ident.h for what each request means).
 *
 * The tables agents and officers hold each identity's current token hash,
 * its expiry and its revocation; retired_tokens holds the hashes that
 * rotation replaced, valid until the end of their grace period. Rotation
 * and revocation are single transactions, so a token is never valid twice
 * over nor briefly missing.
 */
#include "col_store_sqlite_ident.h"
#include "vg_db.h"
#include "vg_time.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct kind_names {
	const char *table, *name_col, *role_col, *principal, *noun, *name_noun;
};

static const struct kind_names kinds[] = {
	[COL_IDENT_AGENTS] = {"agents", "host", "'agent'", "agent", "agent", "host"},
	[COL_IDENT_OFFICERS] = {"officers", "name", "role", "officer", "officer", "name"},
};

static int failf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int db_fail(sqlite3 *db, const char *what, char *err, size_t errlen)
{
	return failf(err, errlen, "sqlite: %s: %s", what, sqlite3_errmsg(db));
}

static int prepare(sqlite3 *db, sqlite3_stmt **st, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int prepare(sqlite3 *db, sqlite3_stmt **st, char *err, size_t errlen, const char *fmt, ...)
{
	char sql[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(sql, sizeof sql, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof sql)
		return failf(err, errlen, "identity query too long");
	if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return db_fail(db, "prepare identity query", err, errlen);
	return 0;
}

/* Binds the selection "id = ?1 OR (?1 < 0 AND name = ?2)". */
static void bind_selection(sqlite3_stmt *st, const struct col_ident_op *op)
{
	sqlite3_bind_int64(st, 1, op->id);
	if (op->name && op->id < 0)
		sqlite3_bind_text(st, 2, op->name, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
}

static void rollback(sqlite3 *db)
{
	char tmp[64];
	vg_db_exec(db, "ROLLBACK", tmp, sizeof tmp);
}

static int ident_rotate(sqlite3 *db, struct col_ident_op *op, char *err, size_t errlen)
{
	const struct kind_names *k = &kinds[op->kind];
	sqlite3_stmt *sel = NULL, *keep = NULL, *up = NULL, *end = NULL;
	char old[128] = "", ids[256] = "";
	int64_t id = -1;
	int n = 0, rc, ret = -1;

	if (vg_db_exec(db, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	if (prepare(db, &sel, err, errlen, "SELECT id, token_hash FROM %s WHERE revoked_ms IS NULL AND"
	            " (id = ?1 OR (?1 < 0 AND %s = ?2)) ORDER BY id", k->table, k->name_col) < 0)
		goto out;
	bind_selection(sel, op);
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		size_t used = strlen(ids);
		id = sqlite3_column_int64(sel, 0);
		snprintf(old, sizeof old, "%s", (const char *)sqlite3_column_text(sel, 1));
		snprintf(ids + used, sizeof ids - used, "%s%lld", n ? ", " : "", (long long)id);
		n++;
	}
	if (rc != SQLITE_DONE) {
		db_fail(db, "select identity", err, errlen);
		goto out;
	}
	if (n == 0) {
		op->count = 0;
		ret = 0;
		goto out;
	}
	if (n > 1) {
		failf(err, errlen, "%s '%s' names %d active %s identities (ids %s): give the id to rotate",
		      k->name_noun, op->name ? op->name : "", n, k->noun, ids);
		goto out;
	}
	/* A rotation also ends the grace of tokens replaced before: at most
	 * one old token is valid beside the current one. The replaced hash is
	 * kept even without a grace period, so that it is refused as "replaced
	 * by rotation" rather than as unknown. */
	if (prepare(db, &end, err, errlen, "UPDATE retired_tokens SET valid_until_ms = ?1 WHERE"
	            " principal = '%s' AND id = ?2 AND valid_until_ms > ?1", k->principal) < 0)
		goto out;
	sqlite3_bind_int64(end, 1, op->now_ms);
	sqlite3_bind_int64(end, 2, id);
	if (sqlite3_step(end) != SQLITE_DONE) {
		db_fail(db, "end earlier grace periods", err, errlen);
		goto out;
	}
	if (prepare(db, &keep, err, errlen, "INSERT OR REPLACE INTO retired_tokens(token_hash, principal,"
	            " id, retired_ms, valid_until_ms) VALUES(?1, '%s', ?2, ?3, ?4)", k->principal) < 0 ||
	    prepare(db, &up, err, errlen, "UPDATE %s SET token_hash = ?1, expires_ms = ?2 WHERE id = ?3",
	            k->table) < 0)
		goto out;
	sqlite3_bind_text(keep, 1, old, -1, SQLITE_STATIC);
	sqlite3_bind_int64(keep, 2, id);
	sqlite3_bind_int64(keep, 3, op->now_ms);
	sqlite3_bind_int64(keep, 4, op->now_ms + (op->grace_ms > 0 ? op->grace_ms : 0));
	sqlite3_bind_text(up, 1, op->token_hash, -1, SQLITE_STATIC);
	if (op->expires_ms >= 0)
		sqlite3_bind_int64(up, 2, op->expires_ms);
	else
		sqlite3_bind_null(up, 2);
	sqlite3_bind_int64(up, 3, id);
	if (sqlite3_step(keep) != SQLITE_DONE) {
		db_fail(db, "keep the replaced token", err, errlen);
		goto out;
	}
	if (sqlite3_step(up) != SQLITE_DONE) {
		db_fail(db, "store the new token", err, errlen);
		goto out;
	}
	op->out_id = id;
	op->count = 1;
	ret = 0;
out:
	sqlite3_finalize(sel);
	sqlite3_finalize(end);
	sqlite3_finalize(keep);
	sqlite3_finalize(up);
	if (ret == 0 && op->count > 0)
		return vg_db_exec(db, "COMMIT", err, errlen) < 0 ? (rollback(db), -1) : 0;
	rollback(db);
	return ret;
}

static int ident_revoke(sqlite3 *db, struct col_ident_op *op, char *err, size_t errlen)
{
	const struct kind_names *k = &kinds[op->kind];
	sqlite3_stmt *up = NULL, *grace = NULL;
	int ret = -1;

	if (vg_db_exec(db, "BEGIN IMMEDIATE", err, errlen) < 0)
		return -1;
	if (prepare(db, &up, err, errlen, "UPDATE %s SET revoked_ms = ?3 WHERE revoked_ms IS NULL AND"
	            " (id = ?1 OR (?1 < 0 AND %s = ?2))", k->table, k->name_col) < 0 ||
	    prepare(db, &grace, err, errlen, "UPDATE retired_tokens SET valid_until_ms = ?1 WHERE"
	            " principal = '%s' AND valid_until_ms > ?1 AND id IN (SELECT id FROM %s WHERE"
	            " revoked_ms IS NOT NULL)", k->principal, k->table) < 0)
		goto out;
	bind_selection(up, op);
	sqlite3_bind_int64(up, 3, op->now_ms);
	if (sqlite3_step(up) != SQLITE_DONE) {
		db_fail(db, "revoke", err, errlen);
		goto out;
	}
	op->count = sqlite3_changes(db);
	sqlite3_bind_int64(grace, 1, op->now_ms);
	if (sqlite3_step(grace) != SQLITE_DONE) {
		db_fail(db, "end grace periods", err, errlen);
		goto out;
	}
	ret = 0;
out:
	sqlite3_finalize(up);
	sqlite3_finalize(grace);
	if (ret == 0)
		return vg_db_exec(db, "COMMIT", err, errlen) < 0 ? (rollback(db), -1) : 0;
	rollback(db);
	return -1;
}

static int ident_set_expiry(sqlite3 *db, struct col_ident_op *op, char *err, size_t errlen)
{
	sqlite3_stmt *up;
	if (prepare(db, &up, err, errlen, "UPDATE %s SET expires_ms = ?2 WHERE id = ?1",
	            kinds[op->kind].table) < 0)
		return -1;
	sqlite3_bind_int64(up, 1, op->id);
	if (op->expires_ms >= 0)
		sqlite3_bind_int64(up, 2, op->expires_ms);
	else
		sqlite3_bind_null(up, 2);
	int rc = sqlite3_step(up);
	sqlite3_finalize(up);
	if (rc != SQLITE_DONE)
		return db_fail(db, "set expiry", err, errlen);
	op->count = sqlite3_changes(db);
	return 0;
}

static void set_time_or_null(json_t *o, const char *key, sqlite3_stmt *st, int col)
{
	char ts[VG_TIME_LEN];
	if (sqlite3_column_type(st, col) == SQLITE_NULL) {
		json_object_set_new(o, key, json_null());
		return;
	}
	vg_time_format(sqlite3_column_int64(st, col), ts);
	json_object_set_new(o, key, json_string(ts));
}

static int ident_list(sqlite3 *db, struct col_ident_op *op, char *err, size_t errlen)
{
	const struct kind_names *k = &kinds[op->kind];
	sqlite3_stmt *st;
	int rc;

	if (prepare(db, &st, err, errlen, "SELECT id, %s, %s, created_ms, expires_ms, revoked_ms,"
	            " (SELECT max(valid_until_ms) FROM retired_tokens r WHERE r.principal = '%s' AND"
	            " r.id = t.id AND r.valid_until_ms > ?1 AND t.revoked_ms IS NULL)"
	            " FROM %s t ORDER BY id", k->name_col, k->role_col, k->principal, k->table) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, op->now_ms);
	if (!(op->list = json_array())) {
		sqlite3_finalize(st);
		return failf(err, errlen, "out of memory");
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		json_t *o = json_object();
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *role = (const char *)sqlite3_column_text(st, 2);
		int revoked = sqlite3_column_type(st, 5) != SQLITE_NULL;
		int expired = sqlite3_column_type(st, 4) != SQLITE_NULL &&
		              sqlite3_column_int64(st, 4) <= op->now_ms;
		if (!o || json_array_append_new(op->list, o) < 0) {
			rc = SQLITE_NOMEM;
			break;
		}
		json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
		json_object_set_new(o, k->name_col, json_string(name ? name : ""));
		json_object_set_new(o, "role", json_string(role ? role : ""));
		set_time_or_null(o, "created", st, 3);
		set_time_or_null(o, "expires", st, 4);
		set_time_or_null(o, "revoked", st, 5);
		json_object_set_new(o, "status", json_string(revoked ? "revoked" : expired ? "expired" : "active"));
		set_time_or_null(o, "grace_until", st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(op->list);
		op->list = NULL;
		return failf(err, errlen, "sqlite: list identities: %s", sqlite3_errmsg(db));
	}
	return 0;
}

static int ident_status(sqlite3 *db, struct col_ident_op *op, char *err, size_t errlen)
{
	sqlite3_stmt *cur, *old;
	int rc;

	op->state = COL_TOKEN_UNKNOWN;
	op->state_ms = -1;
	if (prepare(db, &cur, err, errlen, "SELECT revoked_ms, expires_ms FROM agents WHERE token_hash = ?1"
	            " UNION ALL SELECT revoked_ms, expires_ms FROM officers WHERE token_hash = ?1") < 0)
		return -1;
	sqlite3_bind_text(cur, 1, op->token_hash, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(cur)) == SQLITE_ROW) {
		if (sqlite3_column_type(cur, 0) != SQLITE_NULL) {
			op->state = COL_TOKEN_REVOKED;
			op->state_ms = sqlite3_column_int64(cur, 0);
		} else if (sqlite3_column_type(cur, 1) != SQLITE_NULL &&
		           sqlite3_column_int64(cur, 1) <= op->now_ms) {
			op->state = COL_TOKEN_EXPIRED;
			op->state_ms = sqlite3_column_int64(cur, 1);
		}
	}
	sqlite3_finalize(cur);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, "token state", err, errlen);
	if (rc == SQLITE_ROW)
		return 0;
	if (prepare(db, &old, err, errlen, "SELECT r.valid_until_ms, coalesce(a.revoked_ms, o.revoked_ms)"
	            " FROM retired_tokens r LEFT JOIN agents a ON r.principal = 'agent' AND a.id = r.id"
	            " LEFT JOIN officers o ON r.principal = 'officer' AND o.id = r.id"
	            " WHERE r.token_hash = ?1") < 0)
		return -1;
	sqlite3_bind_text(old, 1, op->token_hash, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(old)) == SQLITE_ROW) {
		int revoked = sqlite3_column_type(old, 1) != SQLITE_NULL;
		op->state = revoked ? COL_TOKEN_REVOKED : COL_TOKEN_ROTATED;
		op->state_ms = sqlite3_column_int64(old, revoked ? 1 : 0);
	}
	sqlite3_finalize(old);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_fail(db, "token state", err, errlen);
	return 0;
}

int col_sqlite_identity(sqlite3 *db, struct col_ident_op *op, char *err, size_t errlen)
{
	if ((unsigned)op->kind > COL_IDENT_OFFICERS && op->action != COL_IDENT_STATUS)
		return failf(err, errlen, "identity: unknown kind %d", (int)op->kind);
	switch (op->action) {
	case COL_IDENT_ROTATE:
		return ident_rotate(db, op, err, errlen);
	case COL_IDENT_REVOKE:
		return ident_revoke(db, op, err, errlen);
	case COL_IDENT_SET_EXPIRY:
		return ident_set_expiry(db, op, err, errlen);
	case COL_IDENT_LIST:
		return ident_list(db, op, err, errlen);
	case COL_IDENT_STATUS:
		return ident_status(db, op, err, errlen);
	}
	return failf(err, errlen, "identity: unknown request %d", (int)op->action);
}
