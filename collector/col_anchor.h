/*
 * col_anchor: the running collector's chain anchors (col_chain.h).
 *
 * An anchor is the chain's head, block number and hash, written where an
 * attacker who controls the database cannot reach: the collector's log
 * (vg_log, info), the local syslog (facility daemon, notice) and, when the
 * alerts group configures a syslog target, that target as RFC 5424 with
 * MSGID "chain-anchor". Every form carries the text
 *     chain-anchor block=N hash=HEX
 * which `verify --anchors LOG` finds in any of those logs.
 *
 * Anchors are written at start, every anchor_interval seconds when the head
 * moved, and at shutdown after the last write.
 */
#ifndef COL_ANCHOR_H
#define COL_ANCHOR_H

#include "col_server.h"

#include <stddef.h>

#define COL_ANCHOR_MSGID "chain-anchor"

/* Logs the start anchor and starts the thread that logs the periodic ones.
 * Call after the store is open. Returns 0, or -1 with err. */
int col_anchor_start(struct col_server *srv, char *err, size_t errlen);

/* Stops the thread and logs the shutdown anchor. Call after the last write,
 * before the store is closed. Does nothing when not started. */
void col_anchor_stop(struct col_server *srv);

#endif
