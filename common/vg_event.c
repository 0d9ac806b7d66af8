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
	enum ftype type;
	size_t off;      /* offset of the member in struct vg_event */
};

#define FLD(n, t, m) {n, t, offsetof(struct vg_event, m)}
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

/* Quotes at most 60 bytes of an offending value for an error message,
 * replacing control characters so the message is safe to log. */
static const char *quote(const char *s, char buf[80])
{
	size_t i = 0, j = 0;
	buf[j++] = '"';
	for (; s[i] && j < 63; i++)
		buf[j++] = ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	if (s[i])
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

static int decode_field(const struct field *f, json_t *v, struct vg_event *ev, char *err, size_t errlen)
{
	char *base = (char *)ev + f->off;
	char q[80];

	switch (f->type) {
	case F_SEQ:
	case F_ID: {
		if (!json_is_integer(v))
			return vg_errf(err, errlen, "field '%s': expected an integer", f->name);
		json_int_t n = json_integer_value(v);
		if (n < 0 || (f->type == F_ID && n > 4294967295LL))
			return vg_errf(err, errlen, "field '%s': out of range: %lld", f->name, (long long)n);
		*(int64_t *)base = n;
		return 0;
	}
	case F_DETAIL:
		if (!json_is_object(v))
			return vg_errf(err, errlen, "field 'detail': expected an object");
		*(json_t **)base = v;
		return 0;
	default:
		break;
	}

	if (!json_is_string(v))
		return vg_errf(err, errlen, "field '%s': expected a string", f->name);
	const char *s = json_string_value(v);
	size_t len = json_string_length(v);
	if (len != strlen(s))
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

int vg_event_decode(json_t *obj, struct vg_event *ev, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	char q[80];

	vg_event_init(ev);
	if (!json_is_object(obj))
		return vg_errf(err, errlen, "event: expected a JSON object");
	json_object_foreach(obj, key, v) {
		size_t i;
		for (i = 0; i < NFIELDS; i++)
			if (strcmp(key, fields[i].name) == 0)
				break;
		if (i == NFIELDS)
			return vg_errf(err, errlen, "field %s: not in schema v1 (put extra data in 'detail')",
			            quote(key, q));
		if (decode_field(&fields[i], v, ev, err, errlen) < 0)
			return -1;
	}
	if (ev->seq < 0)
		return vg_errf(err, errlen, "field 'seq': required");
	if (ev->time_ms < 0)
		return vg_errf(err, errlen, "field 'time': required");
	if (ev->kind == VG_KIND_COUNT)
		return vg_errf(err, errlen, "field 'kind': required");
	return 0;
}

static int set_str(json_t *o, const char *k, const char *v)
{
	return v ? json_object_set_new_nocheck(o, k, json_string(v)) : 0;
}

static int set_id(json_t *o, const char *k, int64_t v)
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
	rc |= set_str(o, "host", ev->host);
	rc |= set_str(o, "user", ev->user);
	rc |= set_id(o, "uid", ev->uid);
	rc |= set_id(o, "auid", ev->auid);
	rc |= set_str(o, "service", ev->service);
	rc |= set_str(o, "rhost", ev->rhost);
	rc |= set_str(o, "ruser", ev->ruser);
	rc |= set_str(o, "tty", ev->tty);
	rc |= set_str(o, "path", ev->path);
	rc |= set_str(o, "op", vg_op_name(ev->op));
	rc |= set_str(o, "result", vg_result_name(ev->result));
	rc |= set_str(o, "exe", ev->exe);
	rc |= set_id(o, "pid", ev->pid);
	rc |= set_str(o, "key", ev->key);
	rc |= set_str(o, "audit_id", ev->audit_id);
	if (ev->detail)
		rc |= json_object_set_nocheck(o, "detail", ev->detail);
	if (rc) {
		json_decref(o);
		return NULL;
	}
	return o;
}
