/*
 * agent_ship: the shipper thread. Sends the spool's oldest events to the
 * collector in gzip'd NDJSON batches and deletes them only once the
 * collector answered 200; retries with capped exponential back-off and
 * jitter, always in spool order.
 */
#ifndef AGENT_SHIP_H
#define AGENT_SHIP_H

#include "agent.h"

#include <pthread.h>
#include <stdatomic.h>

struct agent_ship {
	struct agent *agent;
	char *token;
	pthread_t thread;
	atomic_int stop;
	int64_t drain_deadline_ns;   /* set before stop; read after it */
	atomic_llong sent, batches, failures;
};

/* Reads the token file (refusing one readable by group or others) and starts
 * the thread. Returns 0 or -1 with err. */
int agent_ship_start(struct agent_ship *sh, struct agent *a, char *err, size_t errlen);

/* On a clean stop the shipper goes on sending what is spooled for at most
 * this long, if the collector answers; the rest waits in the spool. */
#define AGENT_SHIP_DRAIN_MS 3000

/* Asks the thread to stop (after draining, see above) and joins it. */
void agent_ship_stop(struct agent_ship *sh);

/* Checks the mutual-TLS files of cfg, when set: both readable, the key not
 * readable by group or others. Returns 0 or -1 with err. */
int agent_ship_check_tls(const struct agent_config *cfg, char *err, size_t errlen);

/* Compresses in[0..len) as gzip into a new buffer. Returns 0 or -1. */
int agent_ship_gzip(const char *in, size_t len, char **out, size_t *outlen);

/* Reads a token file: one line, 64 hex digits expected, mode 0600 or
 * stricter. Returns a malloc'd token or NULL with err. */
char *agent_token_read(const char *path, char *err, size_t errlen);

/* Writes token to path with mode 0600 (atomically: temp file + rename).
 * Returns 0 or -1 with err. */
int agent_token_write(const char *path, const char *token, char *err, size_t errlen);

#endif
