/*
 * col_web: the officers' dashboard, served by the collector under /ui/.
 *
 * Pages are rendered on the server as HTML with inline SVG charts; one
 * style sheet, one small script and an icon are compiled in and served
 * from /ui/static/, so the browser fetches nothing from anywhere else (a
 * strict Content-Security-Policy says so too). Sign-in, sessions and CSRF
 * tokens are in col_web_auth.h; forms arrive as
 * application/x-www-form-urlencoded and are decoded by libmicrohttpd's post
 * processor. Triage from a form goes through col_store_anomaly_triage like
 * POST /v1/anomalies/ID/triage, so both leave the same history.
 *
 * col_http.c hands every request for "/", "/ui" or "/ui/..." to the four
 * functions below, in the order libmicrohttpd delivers it.
 */
#ifndef COL_WEB_H
#define COL_WEB_H

#include "col_server.h"

#include <microhttpd.h>
#include <stddef.h>

/* Largest form body the dashboard reads; a larger one is answered 413. */
#define COL_WEB_BODY_MAX (32 * 1024)

struct col_web_req;

/* Whether url is the dashboard's: "/", "/ui" or below "/ui/". */
int col_web_owns(const char *url);

/* On a request's headers. Returns its state, or NULL when out of memory. */
struct col_web_req *col_web_begin(struct col_server *srv, struct MHD_Connection *c,
                                  const char *method, const char *url);

/* On each piece of the body. Returns 0, or -1 to drop the connection. */
int col_web_upload(struct col_web_req *w, const char *data, size_t n);

/* When the body is complete: renders and queues the answer; *status gets
 * its HTTP status for the metrics. */
enum MHD_Result col_web_finish(struct col_web_req *w, int *status);

/* When the request is over; w may be NULL. */
void col_web_end(struct col_web_req *w);

#endif
