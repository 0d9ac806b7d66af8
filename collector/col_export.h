/*
 * col_export: events and anomalies as JSON lines (docs/export.md), from the
 * command line and over HTTP, streamed in bounded memory.
 *
 *   vigil-collector -c FILE export events|anomalies [--since T] [--until T] [--out FILE]
 *   GET /v1/export/events?since=T&until=T      application/x-ndjson
 *   GET /v1/export/anomalies?since=T&until=T
 *
 * One object per line, oldest first: an event as GET /v1/events returns it
 * (with "agent"), an anomaly as GET /v1/anomalies/ID returns it (with
 * "history"). since is inclusive, until exclusive, on the event's or the
 * anomaly's own time.
 */
#ifndef COL_EXPORT_H
#define COL_EXPORT_H

#include "col_api.h"

struct MHD_Connection;
struct MHD_Response;

/* The export subcommand; argv[0] is "export". Returns the exit status. */
int col_export_main(const struct col_config *cfg, int argc, char **argv);

/* Opens the export of kind with the query's since/until and returns a
 * streaming response (200), or NULL with the error in r (400 for a bad
 * query, 500 when the store fails). */
struct MHD_Response *col_export_response(struct col_server *srv, struct MHD_Connection *c,
                                         enum col_export_kind kind, struct col_reply *r);

#endif
