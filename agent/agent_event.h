/*
 * agent_event: building schema v1 events inside the agent.
 *
 * Producers (PAM intake, audit intake, the agent's own lifecycle) build a
 * jansson object with agent_event_new() and the setters below, then hand it
 * to agent_emit(), which validates it with vg_event_decode (the same rules
 * the collector applies) and spools it; the spool assigns "seq".
 */
#ifndef AGENT_EVENT_H
#define AGENT_EVENT_H

#include "vg_event.h"

#include <jansson.h>
#include <stdint.h>

/* A new event object with "time" and "kind" set (seq is added by the spool),
 * or NULL on allocation failure. */
json_t *agent_event_new(enum vg_kind kind, int64_t time_ms, const char *host);

/* Setters that ignore NULL values; each returns 0 or -1 (allocation). */
int agent_event_str(json_t *ev, const char *field, const char *value);
int agent_event_int(json_t *ev, const char *field, int64_t value);
/* Sets detail.<name> = value (string). */
int agent_event_detail(json_t *ev, const char *name, const char *value);
int agent_event_detail_int(json_t *ev, const char *name, int64_t value);

#endif
