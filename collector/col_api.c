/*
 * col_api: query-string validation and the read endpoints.
 */
#include "col_api.h"
#include "col_detect.h"
#include "vg_time.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LIMIT 100
#define MAX_LIMIT 10000

void col_api_error(struct col_reply *r, int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	json_decref(r->json);
	r->status = status;
	r->json = json_pack("{s:s}", "error", msg);
}

static const char *arg(struct MHD_Connection *c, const char *name)
{
	const char *v = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name);
	return v && *v ? v : NULL;
}

/* Each parser returns 0, or -1 after setting a 400 reply naming the field. */
static int arg_time(struct MHD_Connection *c, const char *name, int64_t *ms, struct col_reply *r)
{
	const char *v = arg(c, name);
	*ms = -1;
	if (v && vg_time_parse_loose(v, ms) < 0) {
		col_api_error(r, 400, "query '%s': expected YYYY-MM-DD or RFC 3339 UTC time", name);
		return -1;
	}
	return 0;
}

static int arg_int(struct MHD_Connection *c, const char *name, long long min, long long max,
                   long long def, long long *out, struct col_reply *r)
{
	const char *v = arg(c, name);
	char *end;
	*out = def;
	if (!v)
		return 0;
	long long n = strtoll(v, &end, 10);
	if (*end || n < min || n > max) {
		col_api_error(r, 400, "query '%s': expected an integer in %lld..%lld", name, min, max);
		return -1;
	}
	*out = n;
	return 0;
}

static void reply_list(struct col_server *srv, struct col_reply *r, const char *key, json_t *list)
{
	if (!list) {
		col_api_error(r, 500, "query failed: %s", col_store_error(srv->store));
		return;
	}
	r->status = 200;
	r->json = json_object();
	if (!r->json || json_object_set_new(r->json, key, list) < 0)
		col_api_error(r, 500, "out of memory");
}

void col_api_events(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r)
{
	struct col_event_filter f = {.host = arg(c, "host"), .user = arg(c, "user"), .kind = arg(c, "kind")};
	long long limit, agent;

	if (f.kind && vg_kind_parse(f.kind) < 0)
		return col_api_error(r, 400, "query 'kind': unknown event kind");
	if (arg_time(c, "since", &f.since_ms, r) < 0 || arg_time(c, "until", &f.until_ms, r) < 0 ||
	    arg_int(c, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT, &limit, r) < 0 ||
	    arg_int(c, "agent", 0, INT64_MAX, -1, &agent, r) < 0)
		return;
	f.limit = (int)limit;
	f.agent = agent;
	reply_list(srv, r, "events", col_store_events_query(srv->store, &f));
}

static int parse_filter(struct MHD_Connection *c, struct col_anomaly_filter *f, struct col_reply *r)
{
	const char *sev = arg(c, "severity");
	long long limit;

	f->kind = arg(c, "kind");
	f->person = arg(c, "person");
	f->status = arg(c, "status");
	f->min_severity = -1;
	if (f->kind && vg_akind_parse(f->kind) < 0) {
		col_api_error(r, 400, "query 'kind': unknown anomaly kind");
		return -1;
	}
	if (sev && (f->min_severity = vg_severity_parse(sev)) < 0) {
		char names[128];
		col_api_error(r, 400, "query 'severity': expected one of %s",
		              vg_names_join(vg_severity_names, VG_SEV_COUNT, names, sizeof names));
		return -1;
	}
	if (f->status && vg_status_parse(f->status) < 0) {
		char names[128];
		col_api_error(r, 400, "query 'status': expected one of %s",
		              vg_names_join(vg_status_names, VG_STATUS_COUNT, names, sizeof names));
		return -1;
	}
	if (arg_time(c, "since", &f->since_ms, r) < 0 || arg_time(c, "until", &f->until_ms, r) < 0 ||
	    arg_int(c, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT, &limit, r) < 0)
		return -1;
	f->limit = (int)limit;
	return 0;
}

void col_api_anomalies(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r)
{
	struct col_anomaly_filter f;
	if (parse_filter(c, &f, r) < 0)
		return;
	reply_list(srv, r, "anomalies", col_store_anomalies_query(srv->store, &f));
}

void col_api_anomaly(struct col_server *srv, const char *id, struct col_reply *r)
{
	char *end;
	long long n = strtoll(id, &end, 10);
	/* Canonical decimal only: "+1", " 1" and "01" name no anomaly. */
	if (id[0] < '1' || id[0] > '9' || *end || n <= 0)
		return col_api_error(r, 404, "no such anomaly");
	json_t *a = col_store_anomaly_get(srv->store, n);
	if (!a)
		return col_api_error(r, 500, "query failed: %s", col_store_error(srv->store));
	if (json_is_null(a)) {
		json_decref(a);
		return col_api_error(r, 404, "no such anomaly: %lld", n);
	}
	r->status = 200;
	r->json = a;
}

void col_api_quarantine(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r)
{
	long long limit;
	if (arg_int(c, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT, &limit, r) < 0)
		return;
	reply_list(srv, r, "quarantined", col_store_quarantine_query(srv->store, (int)limit));
}

/* Parses "ID/triage"; returns the id or -1. */
static long long triage_id(const char *rest)
{
	char *end;
	long long n = strtoll(rest, &end, 10);
	if (rest[0] < '1' || rest[0] > '9' || strcmp(end, "/triage") != 0 || n <= 0)
		return -1;
	return n;
}

int col_api_text_check(const char *s, size_t len, size_t max)
{
	if (len == 0 || len > max || memchr(s, '\0', len))
		return -1;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
			return -2;
	}
	return 0;
}

/* A string member of at most max bytes without control characters other
 * than newline and tab; NULL when absent. Returns 0, or -1 with r set. */
static int body_string(json_t *o, const char *name, size_t max, bool required, const char **out,
                       struct col_reply *r)
{
	json_t *v = json_object_get(o, name);
	*out = NULL;
	if (!v) {
		if (required)
			col_api_error(r, 400, "field '%s': required", name);
		return required ? -1 : 0;
	}
	const char *s = json_string_value(v);
	int rc = s ? col_api_text_check(s, json_string_length(v), max) : -1;
	if (rc == -1) {
		col_api_error(r, 400, "field '%s': expected a non-empty string of at most %zu bytes", name, max);
		return -1;
	}
	if (rc == -2) {
		col_api_error(r, 400, "field '%s': contains control characters", name);
		return -1;
	}
	*out = s;
	return 0;
}

void col_api_triage(struct col_server *srv, const struct col_principal *who, const char *rest,
                    const char *body, size_t len, struct col_reply *r)
{
	static const char *const known[] = {"status", "note", "assignee"};
	long long id = triage_id(rest);
	json_error_t jerr;
	const char *status, *note, *assignee, *key;
	json_t *o, *v;
	char names[128];

	if (id < 0)
		return col_api_error(r, 404, "not found");
	if (!(o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr)) || !json_is_object(o)) {
		col_api_error(r, 400, "body: expected a JSON object: %s", o ? "not an object" : jerr.text);
		json_decref(o);
		return;
	}
	json_object_foreach(o, key, v) {
		bool ok = false;
		for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
			ok |= strcmp(key, known[i]) == 0;
		if (!ok) {
			col_api_error(r, 400, "field '%.64s': unknown (status, note, assignee)", key);
			json_decref(o);
			return;
		}
	}
	if (body_string(o, "status", 32, true, &status, r) < 0 ||
	    body_string(o, "note", COL_TRIAGE_NOTE_MAX, true, &note, r) < 0 ||
	    body_string(o, "assignee", COL_TRIAGE_ASSIGNEE_MAX, false, &assignee, r) < 0) {
		json_decref(o);
		return;
	}
	struct col_triage t = {.status = vg_status_parse(status), .assignee = assignee, .note = note,
	                       .officer = who->name, .time_ms = vg_time_now()};
	if (t.status < 0) {
		col_api_error(r, 400, "field 'status': expected one of %s",
		              vg_names_join(vg_status_names, VG_STATUS_COUNT, names, sizeof names));
		json_decref(o);
		return;
	}
	int rc = col_store_anomaly_triage(srv->store, id, &t);
	json_decref(o);
	if (rc < 0)
		return col_api_error(r, 500, "triage failed: %s", col_store_error(srv->store));
	if (rc == 0)
		return col_api_error(r, 404, "no such anomaly: %lld", id);
	json_t *a = col_store_anomaly_get(srv->store, id);
	if (!a || json_is_null(a)) {
		json_decref(a);
		return col_api_error(r, 500, "query failed: %s", col_store_error(srv->store));
	}
	r->status = 200;
	r->json = a;
}

/* Query parsing for handlers in other files (col_risk.c), so that every
 * query string is still read here. */
const char *col_api_query(struct MHD_Connection *c, const char *name)
{
	return arg(c, name);
}

int col_api_query_time(struct MHD_Connection *c, const char *name, int64_t *ms, struct col_reply *r)
{
	return arg_time(c, name, ms, r);
}

int col_api_query_int(struct MHD_Connection *c, const char *name, long long min, long long max,
                      long long def, long long *out, struct col_reply *r)
{
	return arg_int(c, name, min, max, def, out, r);
}
