/*
 * col_store_sqlite_ident: the SQLite side of col_ident (identities and the
 * lifecycle of their tokens), kept apart from col_store_sqlite.c, which
 * calls it with one of its connections held.
 */
#ifndef COL_STORE_SQLITE_IDENT_H
#define COL_STORE_SQLITE_IDENT_H

#include "col_ident.h"

#include <sqlite3.h>

/* The schema step (appended to col_store_sqlite.c's migrations): when a
 * token expires, and the tokens replaced by rotation, each valid until the
 * end of its grace period and kept afterwards so that it can be refused
 * with the reason. */
#define COL_SQLITE_IDENT_MIGRATION \
	"ALTER TABLE agents ADD COLUMN expires_ms INTEGER;" \
	"ALTER TABLE officers ADD COLUMN expires_ms INTEGER;" \
	"CREATE TABLE retired_tokens(token_hash TEXT PRIMARY KEY, principal TEXT NOT NULL," \
	"  id INTEGER NOT NULL, retired_ms INTEGER NOT NULL, valid_until_ms INTEGER NOT NULL)" \
	"  WITHOUT ROWID;"

/* The bearer-token lookup: ?1 the token's hash, ?2 now (ms). Rows are
 * (role, id, name) of the identity whose current token, not expired, or
 * whose replaced token, still in its grace period, has that hash; revoked
 * identities never match. */
#define COL_SQLITE_PRINCIPAL_SQL \
	"SELECT 'agent', id, host FROM agents WHERE token_hash = ?1 AND revoked_ms IS NULL" \
	" AND (expires_ms IS NULL OR expires_ms > ?2)" \
	" UNION ALL SELECT role, id, name FROM officers WHERE token_hash = ?1 AND revoked_ms IS NULL" \
	" AND (expires_ms IS NULL OR expires_ms > ?2)" \
	" UNION ALL SELECT 'agent', a.id, a.host FROM retired_tokens r JOIN agents a ON a.id = r.id" \
	" WHERE r.token_hash = ?1 AND r.principal = 'agent' AND r.valid_until_ms > ?2" \
	" AND a.revoked_ms IS NULL" \
	" UNION ALL SELECT o.role, o.id, o.name FROM retired_tokens r JOIN officers o ON o.id = r.id" \
	" WHERE r.token_hash = ?1 AND r.principal = 'officer' AND r.valid_until_ms > ?2" \
	" AND o.revoked_ms IS NULL"

/* Carries out op on db. Writes (rotate, revoke, set expiry) run in their
 * own transaction; the caller holds db's lock. Returns 0 or -1 with err. */
int col_sqlite_identity(sqlite3 *db, struct col_ident_op *op, char *err, size_t errlen);

#endif
