/*
 * col_access: the access log, who read or changed what and when.
 *
 * Every officer read of personal data (event searches, an anomaly, a
 * dossier, exports) and every triage step is recorded before the answer
 * leaves: the officer's name, role and id, the method, path, the object's
 * id and the query, the time and the HTTP status. Routes opt in with a flag
 * in col_http.c's route table; pages that act for an officer outside that
 * table (the web dashboard) call col_access_record themselves. Auditors and
 * admins read the log with GET /v1/access-log.
 */
#ifndef COL_ACCESS_H
#define COL_ACCESS_H

#include "col_api.h"

struct MHD_Connection;

/* Records that who did method on path (its object id: the first path
 * segment after prefix, when prefix is not NULL) with the query of c (may
 * be NULL), answered status. Returns 0, or -1 (logged) when the entry
 * could not be stored: a read must then not be answered. */
int col_access_record(struct col_server *srv, const struct col_principal *who, const char *method,
                      const char *path, const char *prefix, struct MHD_Connection *c, int status);

/* GET /v1/access-log?since=&until=&officer=&limit= (default 100, at most
 * 10000): {"access_log":[entry...]} newest first. */
void col_api_access_log(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r);

#endif
