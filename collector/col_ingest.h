/*
 * col_ingest: POST /v1/events bodies -> stored events, quarantine and
 * anomalies, in one transaction.
 *
 * This module owns the untrusted request body: it inflates gzip with a hard
 * output bound, splits JSON arrays and NDJSON into items, and hands each
 * item to vg_event_decode. Nothing an agent sends is dropped: an item that
 * cannot be parsed or validated is stored in quarantine with its raw text and
 * the reason.
 */
#ifndef COL_INGEST_H
#define COL_INGEST_H

#include "col_server.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum col_body_type { COL_BODY_JSON, COL_BODY_NDJSON };

struct col_ingest_result {
	long accepted, duplicate, quarantined, anomalies;
	long host_mismatch;         /* stored events naming a host other than the agent's */
	int64_t high_seq;
	int status;                 /* HTTP status: 200, 400, 413, 500 */
	char error[256];            /* for non-200 */
};

/* Inflates a gzip body into a new buffer of at most limit bytes. Returns 0,
 * or -1 with out->status 400 (corrupt) or 413 (over the limit). */
int col_ingest_gunzip(const char *in, size_t inlen, size_t limit, char **out, size_t *outlen,
                      struct col_ingest_result *res);

/* Stores one request body from agent. Fills res (res->status says how it
 * went); returns 0 when the transaction committed, -1 otherwise. */
int col_ingest_body(struct col_server *srv, const struct col_principal *agent, const char *body,
                    size_t len, enum col_body_type type, struct col_ingest_result *res);

#endif
