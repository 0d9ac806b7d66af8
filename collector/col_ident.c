/*
 * col_ident: identity and token lifecycle requests, passed to the store's
 * identity operation (see col_ident.h).
 */
#include "col_ident.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run(struct col_store *s, struct col_ident_op *op)
{
	if (!s->ops->identity) {
		snprintf(s->err, sizeof s->err, "this storage backend does not manage identities");
		return -1;
	}
	op->now_ms = vg_time_now();
	return s->ops->identity(s, op);
}

int col_ident_rotate(struct col_store *s, enum col_ident_kind kind, int64_t id, const char *name,
                     const char *token_hash, int64_t grace_ms, int64_t expires_ms, int64_t *out_id)
{
	struct col_ident_op op = {.action = COL_IDENT_ROTATE, .kind = kind, .id = id, .name = name,
	                          .token_hash = token_hash, .grace_ms = grace_ms,
	                          .expires_ms = expires_ms};
	if (run(s, &op) < 0)
		return -1;
	*out_id = op.out_id;
	return op.count > 0 ? 1 : 0;
}

int col_ident_revoke(struct col_store *s, enum col_ident_kind kind, int64_t id, const char *name)
{
	struct col_ident_op op = {.action = COL_IDENT_REVOKE, .kind = kind, .id = id, .name = name};
	return run(s, &op) < 0 ? -1 : op.count;
}

int col_ident_set_expiry(struct col_store *s, enum col_ident_kind kind, int64_t id, int64_t expires_ms)
{
	struct col_ident_op op = {.action = COL_IDENT_SET_EXPIRY, .kind = kind, .id = id,
	                          .expires_ms = expires_ms};
	return run(s, &op) < 0 ? -1 : op.count > 0;
}

json_t *col_ident_list(struct col_store *s, enum col_ident_kind kind)
{
	struct col_ident_op op = {.action = COL_IDENT_LIST, .kind = kind, .id = -1};
	return run(s, &op) < 0 ? NULL : op.list;
}

int col_ident_token_state(struct col_store *s, const char *token_hash, int64_t *when)
{
	struct col_ident_op op = {.action = COL_IDENT_STATUS, .id = -1, .token_hash = token_hash};
	if (run(s, &op) < 0)
		return -1;
	*when = op.state_ms;
	return (int)op.state;
}

const char *col_token_state_message(enum col_token_state st)
{
	switch (st) {
	case COL_TOKEN_REVOKED:
		return "this token has been revoked";
	case COL_TOKEN_EXPIRED:
		return "this token has expired";
	case COL_TOKEN_ROTATED:
		return "this token has been replaced by rotation; use the new token";
	case COL_TOKEN_UNKNOWN:
		break;
	}
	return "missing or unknown bearer token";
}

int64_t col_ident_parse_duration(const char *s)
{
	char *end;
	if (!s || *s < '0' || *s > '9')
		return -1;
	long long n = strtoll(s, &end, 10);
	int64_t unit;
	switch (*end) {
	case 's': unit = 1000; break;
	case 'm': unit = 60 * 1000; break;
	case 'h': unit = 3600 * 1000; break;
	case 'd': unit = 86400LL * 1000; break;
	default: return -1;
	}
	if (end[1] != '\0' || n < 0 || n > 3660LL * 86400 * 1000 / unit)
		return -1;
	return (int64_t)n * unit;
}
