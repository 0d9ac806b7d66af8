/*
 * col_access: recording officer actions and reading them back.
 *
 * Paths and query values come from the request: they are stored bounded
 * and with control characters replaced, so the log stays one readable line
 * per entry whatever was sent.
 */
#include "col_access.h"
#include "vg_log.h"
#include "vg_time.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#define PATH_MAX_STORED 512
#define QUERY_MAX_STORED 1024
#define OBJECT_MAX_STORED 256

/* Appends text to buf (of cap bytes, holding *n), control bytes as '?',
 * stopping when full. */
static void append_clean(char *buf, size_t cap, size_t *n, const char *text, size_t len)
{
	for (size_t i = 0; i < len && *n + 1 < cap; i++) {
		unsigned char ch = (unsigned char)text[i];
		buf[(*n)++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
	}
	buf[*n] = '\0';
}

struct query_buf {
	char text[QUERY_MAX_STORED];
	size_t n;
};

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct query_buf *q = cls;
	(void)kind;
	if (q->n)
		append_clean(q->text, sizeof q->text, &q->n, "&", 1);
	append_clean(q->text, sizeof q->text, &q->n, key, strlen(key));
	if (value) {
		append_clean(q->text, sizeof q->text, &q->n, "=", 1);
		append_clean(q->text, sizeof q->text, &q->n, value, strlen(value));
	}
	return MHD_YES;
}

int col_access_record(struct col_server *srv, const struct col_principal *who, const char *method,
                      const char *path, const char *prefix, struct MHD_Connection *c, int status)
{
	char clean_path[PATH_MAX_STORED], object[OBJECT_MAX_STORED];
	struct query_buf q = {.n = 0};
	size_t n = 0, on = 0;

	q.text[0] = '\0';
	object[0] = '\0';
	append_clean(clean_path, sizeof clean_path, &n, path, strlen(path));
	if (prefix && strncmp(path, prefix, strlen(prefix)) == 0) {
		const char *id = path + strlen(prefix);
		append_clean(object, sizeof object, &on, id, strcspn(id, "/"));
	}
	if (c)
		MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, add_arg, &q);
	struct col_access a = {
		.time_ms = vg_time_now(),
		.officer = who->name,
		.role = col_role_name(who->role),
		.officer_id = who->id,
		.method = method,
		.path = clean_path,
		.object = on ? object : NULL,
		.query = q.n ? q.text : NULL,
		.status = status,
	};
	if (col_store_access_add(srv->store, &a) < 0) {
		vg_err("access log: %s %s by %s: %s", method, clean_path, who->name,
		       col_store_error(srv->store));
		return -1;
	}
	return 0;
}

void col_api_access_log(struct col_server *srv, struct MHD_Connection *c, struct col_reply *r)
{
	struct col_access_filter f = {.officer = col_api_query(c, "officer")};
	long long limit;

	if (col_api_query_time(c, "since", &f.since_ms, r) < 0 ||
	    col_api_query_time(c, "until", &f.until_ms, r) < 0 ||
	    col_api_query_int(c, "limit", 1, 10000, 100, &limit, r) < 0)
		return;
	f.limit = (int)limit;
	json_t *list = col_store_access_query(srv->store, &f);
	if (!list)
		return col_api_error(r, 500, "query failed: %s", col_store_error(srv->store));
	r->status = 200;
	r->json = json_pack("{s:o}", "access_log", list);
	if (!r->json)
		col_api_error(r, 500, "out of memory");
}
