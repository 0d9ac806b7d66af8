/*
 * col_api: the officer-facing read API (events, anomalies, quarantine).
 *
 * Each handler validates its query parameters, runs one store query and
 * returns a JSON document or an HTTP error with a message naming the bad
 * parameter.
 */
#ifndef COL_API_H
#define COL_API_H

#include "col_server.h"

#include <jansson.h>

struct MHD_Connection;

/* What a handler answers: status and a JSON body (owned). */
struct col_reply {
	int status;
	json_t *json;
};

void col_api_events(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r);
void col_api_anomalies(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r);
void col_api_anomaly(struct col_server *srv, const char *id, struct col_reply *r);
void col_api_quarantine(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r);

/* POST /v1/anomalies/ID/triage: rest is what follows "/v1/anomalies/";
 * body is the request's JSON {"status", "note", "assignee"?}. On success the
 * reply is the anomaly with its history. */
void col_api_triage(struct col_server *srv, const struct col_principal *who, const char *rest,
                    const char *body, size_t len, struct col_reply *r);

/* Checks a triage text (status, note, assignee) of len bytes: 0 when it is
 * non-empty, at most max bytes and free of control characters other than
 * newline and tab; -1 when empty, too long or holding NUL; -2 for control
 * characters. The web form's fields pass the same check. */
int col_api_text_check(const char *s, size_t len, size_t max);
#define COL_TRIAGE_NOTE_MAX 4096        /* bytes */
#define COL_TRIAGE_ASSIGNEE_MAX 255

/* GET /v1/vetting?due_within=DAYS (col_vetting.c). */
void col_api_vetting(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r);

/* Query parameters for handlers outside col_api.c: the value of name (NULL
 * when absent or empty); a time (YYYY-MM-DD or RFC 3339; *ms = -1 when
 * absent); an integer in min..max (def when absent). The parsers return 0,
 * or -1 with a 400 reply in r naming the parameter. */
const char *col_api_query(struct MHD_Connection *c, const char *name);
int col_api_query_time(struct MHD_Connection *c, const char *name, int64_t *ms, struct col_reply *r);
int col_api_query_int(struct MHD_Connection *c, const char *name, long long min, long long max,
                      long long def, long long *out, struct col_reply *r);

/* Sets r to {"error": msg} with status. */
void col_api_error(struct col_reply *r, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
