/*
 * vg_event: decode, validate and encode schema v1 events.
 *
 * Decoding walks the object's members once and dispatches on the member
 * name through a static field table, so validation cost is linear in the
 * event's size and every rule for a field lives in one place.
 */
#include "vg_error.h"
#include "vg_event.h"
#include "vg_time.h"
#include "vg_arena.h"

#include <yajl/yajl_parse.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const kind_names[VG_KIND_COUNT] = {
	"auth_success", "auth_failure", "session_open", "session_close", "file_access",
	"exec", "privilege", "media", "agent",
};
static const char *const op_names[] = {NULL, "read", "write", "exec", "attr", "mount"};
static const char *const result_names[] = {NULL, "success", "failure"};

const char *vg_kind_name(enum vg_kind kind)
{
	return (unsigned)kind < VG_KIND_COUNT ? kind_names[kind] : "unknown";
}

int vg_kind_parse(const char *name)
{
	for (int i = 0; i < VG_KIND_COUNT; i++)
		if (strcmp(name, kind_names[i]) == 0)
			return i;
	return -1;
}

const char *vg_op_name(enum vg_op op)
{
	return (unsigned)op <= VG_OP_MOUNT ? op_names[op] : NULL;
}

const char *vg_result_name(enum vg_result r)
{
	return (unsigned)r <= VG_RESULT_FAILURE ? result_names[r] : NULL;
}

static int lookup(const char *const *names, int n, const char *s)
{
	for (int i = 1; i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return -1;
}

void vg_event_init(struct vg_event *ev)
{
	memset(ev, 0, sizeof *ev);
	ev->seq = -1;
	ev->time_ms = -1;
	ev->kind = VG_KIND_COUNT;
	ev->uid = ev->auid = ev->pid = VG_EVENT_NO_ID;
}

enum ftype { F_SEQ, F_TIME, F_KIND, F_STR, F_HOST, F_PATH, F_OP, F_RESULT, F_ID, F_AUDIT_ID, F_DETAIL };

struct field {
	const char *name;
	size_t namelen;
	enum ftype type;
	size_t off;      /* offset of the member in struct vg_event */
};

#define FLD(n, t, m) {n, sizeof(n) - 1, t, offsetof(struct vg_event, m)}
static const struct field fields[] = {
	FLD("seq", F_SEQ, seq),           FLD("time", F_TIME, time_ms),
	FLD("kind", F_KIND, kind),        FLD("host", F_HOST, host),
	FLD("user", F_STR, user),         FLD("uid", F_ID, uid),
	FLD("auid", F_ID, auid),          FLD("service", F_STR, service),
	FLD("rhost", F_STR, rhost),       FLD("ruser", F_STR, ruser),
	FLD("tty", F_STR, tty),           FLD("path", F_PATH, path),
	FLD("op", F_OP, op),              FLD("result", F_RESULT, result),
	FLD("exe", F_PATH, exe),          FLD("pid", F_ID, pid),
	FLD("key", F_STR, key),           FLD("audit_id", F_AUDIT_ID, audit_id),
	FLD("detail", F_DETAIL, detail),
};
#define NFIELDS (sizeof fields / sizeof fields[0])

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF), or 0 when there is none
 * within avail bytes. */
static size_t utf8_char(const unsigned char *s, size_t avail)
{
	unsigned c = s[0], lo = 0x80, hi = 0xBF;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if (avail < n || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t k = 2; k < n; k++)
		if ((s[k] & 0xC0) != 0x80)
			return 0;
	return n;
}

/* Quotes at most 60 bytes of an offending value for an error message,
 * replacing control characters and bytes that are not UTF-8 so the message
 * is safe to log and to serve as JSON. */
static const char *quote(const char *s, char buf[80])
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, j = 0, len = strlen(s), n;
	buf[j++] = '"';
	while (i < len && j < 63) {
		n = utf8_char(u + i, len - i);
		if (n > 1 && j + n <= 63) {
			memcpy(buf + j, s + i, n);
			j += n;
			i += n;
		} else if (n > 1) {
			break;
		} else {
			buf[j++] = (n == 0 || u[i] < 0x20 || u[i] == 0x7f) ? '?' : s[i];
			i++;
		}
	}
	if (i < len)
		j += (size_t)snprintf(buf + j, 8, "...");
	buf[j++] = '"';
	buf[j] = '\0';
	return buf;
}

static bool has_ctl(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* audit ids are "sec.msec:serial". */
static bool valid_audit_id(const char *s)
{
	size_t i = 0, n;
	for (n = 0; s[i] >= '0' && s[i] <= '9'; i++, n++);
	if (!n || n > 12 || s[i++] != '.')
		return false;
	for (n = 0; s[i] >= '0' && s[i] <= '9'; i++, n++);
	if (n != 3 || s[i++] != ':')
		return false;
	for (n = 0; s[i] >= '0' && s[i] <= '9'; i++, n++);
	return n && n <= 20 && s[i] == '\0';
}

/* Validates and stores an integer field. */
static int set_int(const struct field *f, long long n, struct vg_event *ev, char *err, size_t errlen)
{
	if (f->type != F_SEQ && f->type != F_ID)
		return vg_errf(err, errlen, "field '%s': expected %s", f->name,
		               f->type == F_DETAIL ? "an object" : "a string");
	if (n < 0 || (f->type == F_ID && n > 4294967295LL))
		return vg_errf(err, errlen, "field '%s': out of range: %lld", f->name, n);
	*(int64_t *)((char *)ev + f->off) = n;
	return 0;
}

/* The error for a value of the wrong JSON type. */
static int wrong_type(const struct field *f, char *err, size_t errlen)
{
	return vg_errf(err, errlen, "field '%s': expected %s", f->name,
	               f->type == F_SEQ || f->type == F_ID ? "an integer" :
	               f->type == F_DETAIL ? "an object" : "a string");
}

/* Validates and stores a string field. s[len] is NUL and s stays valid for
 * as long as the event is used. */
static int set_str(const struct field *f, const char *s, size_t len, struct vg_event *ev, char *err,
                   size_t errlen)
{
	char *base = (char *)ev + f->off;
	char q[80];

	if (f->type == F_SEQ || f->type == F_ID || f->type == F_DETAIL)
		return wrong_type(f, err, errlen);
	if (memchr(s, '\0', len))
		return vg_errf(err, errlen, "field '%s': contains a NUL character", f->name);

	switch (f->type) {
	case F_TIME:
		if (vg_time_parse(s, (int64_t *)base) < 0)
			return vg_errf(err, errlen, "field 'time': not RFC 3339 UTC with milliseconds: %s",
			            quote(s, q));
		return 0;
	case F_KIND: {
		int k = vg_kind_parse(s);
		if (k < 0)
			return vg_errf(err, errlen, "field 'kind': unknown kind %s", quote(s, q));
		*(enum vg_kind *)base = (enum vg_kind)k;
		return 0;
	}
	case F_OP: {
		int k = lookup(op_names, 6, s);
		if (k < 0)
			return vg_errf(err, errlen, "field 'op': unknown operation %s", quote(s, q));
		*(enum vg_op *)base = (enum vg_op)k;
		return 0;
	}
	case F_RESULT: {
		int k = lookup(result_names, 3, s);
		if (k < 0)
			return vg_errf(err, errlen, "field 'result': expected \"success\" or \"failure\", got %s",
			            quote(s, q));
		*(enum vg_result *)base = (enum vg_result)k;
		return 0;
	}
	case F_AUDIT_ID:
		if (!valid_audit_id(s))
			return vg_errf(err, errlen, "field 'audit_id': expected sec.msec:serial, got %s", quote(s, q));
		break;
	case F_HOST:
		if (len == 0 || len > VG_EVENT_MAX_HOST || has_ctl(s))
			return vg_errf(err, errlen, "field 'host': empty, over %d bytes or with control characters: %s",
			            VG_EVENT_MAX_HOST, quote(s, q));
		break;
	case F_PATH:
		if (len > VG_EVENT_MAX_PATH)
			return vg_errf(err, errlen, "field '%s': longer than %d bytes", f->name, VG_EVENT_MAX_PATH);
		break;
	default:
		if (len > VG_EVENT_MAX_STR)
			return vg_errf(err, errlen, "field '%s': longer than %d bytes", f->name, VG_EVENT_MAX_STR);
		if (has_ctl(s))
			return vg_errf(err, errlen, "field '%s': contains control characters: %s", f->name,
			            quote(s, q));
		break;
	}
	*(const char **)base = s;
	return 0;
}

/* Whether v nests objects or arrays deeper than VG_EVENT_MAX_DEPTH levels,
 * v itself being at level depth. */
static bool too_deep(json_t *v, int depth)
{
	const char *k;
	json_t *m;
	size_t i;

	if (!json_is_object(v) && !json_is_array(v))
		return false;
	if (depth > VG_EVENT_MAX_DEPTH)
		return true;
	if (json_is_object(v)) {
		json_object_foreach(v, k, m)
			if (too_deep(m, depth + 1))
				return true;
	} else {
		json_array_foreach(v, i, m)
			if (too_deep(m, depth + 1))
				return true;
	}
	return false;
}

static int err_too_deep(char *err, size_t errlen)
{
	return vg_errf(err, errlen, "field 'detail': nested deeper than %d levels", VG_EVENT_MAX_DEPTH);
}

static int decode_field(const struct field *f, json_t *v, struct vg_event *ev, char *err, size_t errlen)
{
	if (json_is_integer(v))
		return set_int(f, json_integer_value(v), ev, err, errlen);
	if (json_is_string(v))
		return set_str(f, json_string_value(v), json_string_length(v), ev, err, errlen);
	if (f->type == F_DETAIL && json_is_object(v)) {
		if (too_deep(v, 1))
			return err_too_deep(err, errlen);
		ev->detail = v;
		return 0;
	}
	return wrong_type(f, err, errlen);
}

/* The field named name[0..len), or NULL. */
static const struct field *find_field(const char *name, size_t len)
{
	for (size_t i = 0; i < NFIELDS; i++)
		if (fields[i].namelen == len && memcmp(fields[i].name, name, len) == 0)
			return &fields[i];
	return NULL;
}

/* Rules every decoded event obeys, whichever way it was read. */
static int check_required(const struct vg_event *ev, char *err, size_t errlen)
{
	if (ev->seq < 0)
		return vg_errf(err, errlen, "field 'seq': required");
	if (ev->time_ms < 0)
		return vg_errf(err, errlen, "field 'time': required");
	if (ev->kind == VG_KIND_COUNT)
		return vg_errf(err, errlen, "field 'kind': required");
	return 0;
}

int vg_event_decode(json_t *obj, struct vg_event *ev, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	char q[80];

	vg_event_init(ev);
	if (!json_is_object(obj))
		return vg_errf(err, errlen, "event: expected a JSON object");
	json_object_foreach(obj, key, v) {
		const struct field *f = find_field(key, strlen(key));
		if (!f)
			return vg_errf(err, errlen, "field %s: not in schema v1 (put extra data in 'detail')",
			            quote(key, q));
		if (decode_field(f, v, ev, err, errlen) < 0)
			return -1;
	}
	return check_required(ev, err, errlen);
}

/* ---- Streaming parse (yajl) ---------------------------------------------
 *
 * The collector reads each NDJSON line with these callbacks instead of
 * building a jansson tree: no allocation per member, and validation happens
 * as the members go by. Depth 1 is the event object; everything deeper is
 * inside "detail" and is only walked.
 */
struct parse_ctx {
	struct vg_event *ev;
	struct vg_arena *arena;
	char *err;
	size_t errlen;
	int depth;
	const struct field *cur;     /* the member whose value comes next */
	uint32_t seen;               /* a bit per field, to refuse duplicates */
	int started;                 /* the top-level object began */
};

static int p_fail(struct parse_ctx *c)
{
	(void)c;
	return 0;   /* yajl stops; the message is already in c->err */
}

static int p_not_object(struct parse_ctx *c)
{
	vg_errf(c->err, c->errlen, "event: expected a JSON object");
	return p_fail(c);
}

/* A value that is neither string nor integer (null, boolean, real). */
static int p_other(void *ctx)
{
	struct parse_ctx *c = ctx;
	if (c->depth == 0)
		return p_not_object(c);
	if (c->depth == 1) {
		wrong_type(c->cur, c->err, c->errlen);
		return p_fail(c);
	}
	return 1;
}

static int p_bool(void *ctx, int v)
{
	(void)v;
	return p_other(ctx);
}

static int p_double(void *ctx, double v)
{
	(void)v;
	return p_other(ctx);
}

static int p_integer(void *ctx, long long v)
{
	struct parse_ctx *c = ctx;
	if (c->depth != 1)
		return c->depth == 0 ? p_not_object(c) : 1;
	return set_int(c->cur, v, c->ev, c->err, c->errlen) == 0 ? 1 : p_fail(c);
}

/* What jansson refuses in any string or key (the stored text is read back
 * with it): NUL and anything that is not strict UTF-8 (yajl lets overlong
 * forms and encoded surrogates through). One pass, ASCII at full speed.
 * Returns 1, or 0 with the error set. */
static int p_check_text(struct parse_ctx *c, const unsigned char *s, size_t len, bool key)
{
	const char *problem = NULL;
	size_t i = 0;
	/* Fast path: eight bytes at a time while they are ASCII and not NUL. */
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, s + i, 8);
		if ((w & 0x8080808080808080ULL) ||
		    ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
			break;
	}
	for (size_t n; i < len && !problem; i += n) {
		n = 1;
		if (s[i] >= 0x80 && !(n = utf8_char(s + i, len - i)))
			problem = "is not valid UTF-8";
		else if (s[i] == 0)
			problem = "contains a NUL character";
	}
	if (!problem)
		return 1;
	if (c->depth > 1)
		vg_errf(c->err, c->errlen, "field 'detail': a %s %s", key ? "member name" : "string", problem);
	else if (key)
		vg_errf(c->err, c->errlen, "event: a member name %s", problem);
	else
		vg_errf(c->err, c->errlen, "field '%s': %s", c->cur->name, problem);
	return p_fail(c);
}

static int p_string(void *ctx, const unsigned char *s, size_t len)
{
	struct parse_ctx *c = ctx;
	if (c->depth == 0)
		return p_not_object(c);
	if (!p_check_text(c, s, len, false))
		return 0;
	if (c->depth != 1)
		return 1;
	char *copy = vg_arena_strndup(c->arena, (const char *)s, len);
	if (!copy) {
		vg_errf(c->err, c->errlen, "event: out of memory");
		return p_fail(c);
	}
	return set_str(c->cur, copy, len, c->ev, c->err, c->errlen) == 0 ? 1 : p_fail(c);
}

static int p_key(void *ctx, const unsigned char *s, size_t len)
{
	struct parse_ctx *c = ctx;
	char q[80], name[64];
	if (!p_check_text(c, s, len, true))
		return 0;
	if (c->depth != 1)
		return 1;
	c->cur = find_field((const char *)s, len);
	if (!c->cur) {
		size_t n = len < sizeof name - 1 ? len : sizeof name - 1;
		memcpy(name, s, n);
		name[n] = '\0';
		vg_errf(c->err, c->errlen, "field %s: not in schema v1 (put extra data in 'detail')",
		        quote(name, q));
		return p_fail(c);
	}
	uint32_t bit = 1u << (c->cur - fields);
	if (c->seen & bit) {
		vg_errf(c->err, c->errlen, "field '%s': duplicate key", c->cur->name);
		return p_fail(c);
	}
	c->seen |= bit;
	return 1;
}

static int p_start(void *ctx, int is_map)
{
	struct parse_ctx *c = ctx;
	if (c->depth == 0 && !is_map)
		return p_not_object(c);
	if (c->depth == 1 && !(is_map && c->cur->type == F_DETAIL)) {
		wrong_type(c->cur, c->err, c->errlen);
		return p_fail(c);
	}
	if (c->depth > VG_EVENT_MAX_DEPTH) {
		err_too_deep(c->err, c->errlen);
		return p_fail(c);
	}
	c->started = 1;
	c->depth++;
	return 1;
}

static int p_start_map(void *ctx) { return p_start(ctx, 1); }
static int p_start_array(void *ctx) { return p_start(ctx, 0); }

static int p_end(void *ctx)
{
	struct parse_ctx *c = ctx;
	c->depth--;
	return 1;
}

static const yajl_callbacks parse_callbacks = {
	.yajl_null = p_other,
	.yajl_boolean = p_bool,
	.yajl_integer = p_integer,
	.yajl_double = p_double,
	.yajl_string = p_string,
	.yajl_start_map = p_start_map,
	.yajl_map_key = p_key,
	.yajl_end_map = p_end,
	.yajl_start_array = p_start_array,
	.yajl_end_array = p_end,
};

/* Whether text may hold a \\uD800-\\uDFFF escape. yajl turns a lone or
 * mismatched one into "?" or some other character, where jansson refuses
 * it; such text (rare) is checked with jansson. */
static bool may_have_surrogate_escape(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	while (end - p >= 6 && (p = memchr(p, '\\', (size_t)(end - p - 5)))) {
		if (p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') && p[3] &&
		    strchr("89abcdefABCDEF", p[3]))
			return true;
		p += 2;   /* an escape is at least two characters */
	}
	return false;
}

int vg_event_parse(const char *text, size_t len, struct vg_event *ev, struct vg_arena *arena,
                   char *err, size_t errlen)
{
	struct parse_ctx c = {.ev = ev, .arena = arena, .err = err, .errlen = errlen};
	yajl_handle h;
	yajl_status st;

	vg_event_init(ev);
	if (err && errlen)
		err[0] = '\0';
	if (!(h = yajl_alloc(&parse_callbacks, NULL, &c)))
		return vg_errf(err, errlen, "event: out of memory");
	st = yajl_parse(h, (const unsigned char *)text, len);
	if (st == yajl_status_ok)
		st = yajl_complete_parse(h);
	if (st == yajl_status_error) {
		unsigned char *msg = yajl_get_error(h, 0, (const unsigned char *)text, len);
		const char *m = (const char *)msg;
		/* yajl's message is "parse error: TEXT\n"; keep TEXT. */
		if (m && strncmp(m, "parse error: ", 13) == 0)
			m += 13;
		vg_errf(err, errlen, "invalid JSON: %.*s", m ? (int)strcspn(m, "\n") : 0, m ? m : "");
		yajl_free_error(h, msg);
	} else if (st == yajl_status_client_canceled && err && errlen && !err[0]) {
		vg_errf(err, errlen, "event: rejected");
	}
	yajl_free(h);
	if (st != yajl_status_ok)
		return -1;
	if (c.depth != 0 || !c.started)
		return vg_errf(err, errlen, "event: expected a JSON object");
	if (may_have_surrogate_escape(text, len)) {
		json_error_t jerr;
		json_t *j = json_loadb(text, len, 0, &jerr);
		if (!j)
			return vg_errf(err, errlen, "invalid JSON: %s", jerr.text);
		json_decref(j);
	}
	return check_required(ev, err, errlen);
}

static int put_str(json_t *o, const char *k, const char *v)
{
	return v ? json_object_set_new_nocheck(o, k, json_string(v)) : 0;
}

static int put_id(json_t *o, const char *k, int64_t v)
{
	return v != VG_EVENT_NO_ID ? json_object_set_new_nocheck(o, k, json_integer(v)) : 0;
}

json_t *vg_event_encode(const struct vg_event *ev)
{
	char ts[VG_TIME_LEN];
	json_t *o = json_object();
	int rc = 0;

	if (!o)
		return NULL;
	vg_time_format(ev->time_ms, ts);
	rc |= json_object_set_new_nocheck(o, "seq", json_integer(ev->seq));
	rc |= json_object_set_new_nocheck(o, "time", json_string(ts));
	rc |= json_object_set_new_nocheck(o, "kind", json_string(vg_kind_name(ev->kind)));
	rc |= put_str(o, "host", ev->host);
	rc |= put_str(o, "user", ev->user);
	rc |= put_id(o, "uid", ev->uid);
	rc |= put_id(o, "auid", ev->auid);
	rc |= put_str(o, "service", ev->service);
	rc |= put_str(o, "rhost", ev->rhost);
	rc |= put_str(o, "ruser", ev->ruser);
	rc |= put_str(o, "tty", ev->tty);
	rc |= put_str(o, "path", ev->path);
	rc |= put_str(o, "op", vg_op_name(ev->op));
	rc |= put_str(o, "result", vg_result_name(ev->result));
	rc |= put_str(o, "exe", ev->exe);
	rc |= put_id(o, "pid", ev->pid);
	rc |= put_str(o, "key", ev->key);
	rc |= put_str(o, "audit_id", ev->audit_id);
	if (ev->detail)
		rc |= json_object_set_nocheck(o, "detail", ev->detail);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}
