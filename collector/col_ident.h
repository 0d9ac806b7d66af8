/*
 * col_ident: the lifecycle of agent and officer identities and of their
 * bearer tokens: expiry, rotation (the old token may stay valid for a grace
 * period), revocation, listing without secrets, and why a token that no
 * longer works is refused.
 *
 * Every function goes through the store's `identity` operation, so each
 * backend keeps identities where it keeps everything else. Nothing is
 * cached: a revocation committed by the command line is seen by the next
 * request the collector authenticates.
 */
#ifndef COL_IDENT_H
#define COL_IDENT_H

#include "col_store.h"

#include <jansson.h>
#include <stdint.h>

enum col_ident_kind { COL_IDENT_AGENTS, COL_IDENT_OFFICERS };

/* Why a token is not accepted (col_ident_token_state). */
enum col_token_state {
	COL_TOKEN_UNKNOWN,     /* never issued, or mistyped */
	COL_TOKEN_REVOKED,     /* its identity was revoked */
	COL_TOKEN_EXPIRED,     /* its expiry has passed */
	COL_TOKEN_ROTATED,     /* replaced by rotation, and its grace period is over */
};

enum col_ident_action { COL_IDENT_ROTATE, COL_IDENT_REVOKE, COL_IDENT_LIST, COL_IDENT_STATUS,
                        COL_IDENT_SET_EXPIRY };

/* One request to the store's identity operation; the functions below fill
 * it. Identities are selected by id (>= 0) or else by name (agents: the
 * enrolled host; officers: the name). */
struct col_ident_op {
	enum col_ident_action action;
	enum col_ident_kind kind;
	int64_t id;
	const char *name;
	const char *token_hash;   /* ROTATE: the new token's; STATUS: the one asked about */
	int64_t grace_ms;         /* ROTATE: the old token stays valid this long (0: not at all) */
	int64_t expires_ms;       /* ROTATE, SET_EXPIRY: when the token expires, -1 never */
	int64_t now_ms;
	/* results */
	int64_t out_id;           /* ROTATE: the identity rotated */
	int count;                /* ROTATE, REVOKE, SET_EXPIRY: identities changed */
	json_t *list;             /* LIST: a new array */
	enum col_token_state state;  /* STATUS */
	int64_t state_ms;         /* STATUS: when it was revoked, expired or replaced */
};

/* Replaces the token of the one active (not revoked) identity selected by
 * id or name with token_hash, which expires at expires_ms (-1: never). The
 * old token keeps working for grace_ms (0: it stops at once). Returns 1 with
 * *id set, 0 when no active identity matches, -1 on error (several active
 * identities match a name: the message lists their ids). */
int col_ident_rotate(struct col_store *s, enum col_ident_kind kind, int64_t id, const char *name,
                     const char *token_hash, int64_t grace_ms, int64_t expires_ms, int64_t *out_id);

/* Revokes every active identity selected by id or name, with every token
 * of theirs still in a grace period. Returns how many were revoked (0: none
 * matched), or -1. */
int col_ident_revoke(struct col_store *s, enum col_ident_kind kind, int64_t id, const char *name);

/* Sets when identity id's current token expires (-1: never). Returns 1, 0
 * when there is no such identity, -1. */
int col_ident_set_expiry(struct col_store *s, enum col_ident_kind kind, int64_t id, int64_t expires_ms);

/* Every identity of a kind, oldest first, without secrets:
 * [{"id","host"|"name","role","created","expires","revoked","status",
 *   "grace_until"}...]; absent times are null; status is active, expired
 * or revoked. NULL on error. */
json_t *col_ident_list(struct col_store *s, enum col_ident_kind kind);

/* Why the token with this hash is refused; *when gets the time of the
 * revocation, expiry or replacement (-1 for UNKNOWN). Returns the state,
 * or -1 on error. Only meaningful for a token col_store_principal_find
 * did not accept. */
int col_ident_token_state(struct col_store *s, const char *token_hash, int64_t *when);

/* The error text of a refused token's state. */
const char *col_token_state_message(enum col_token_state st);

/* Parses a duration "N" followed by s, m, h or d ("90d", "12h"), at most ten
 * years. Returns milliseconds, or -1. */
int64_t col_ident_parse_duration(const char *s);

#endif
