/*
 * vg_event: event schema v1 as C types, and its only decoder and encoder.
 *
 * This module owns the untrusted event JSON: every field an agent sends is
 * checked here (type, range, length, enumeration) and nothing else in vigil
 * looks at raw event text. A decoded event borrows its strings from the
 * jansson object it came from, so decoding allocates nothing; keep the object
 * alive (json_incref) for as long as the event is used.
 *
 * Validation is strict: unknown top-level fields are an error (free-form data
 * belongs in "detail"), so a typo in an agent never silently loses a field.
 */
#ifndef VG_EVENT_H
#define VG_EVENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum vg_kind {
	VG_KIND_AUTH_SUCCESS,
	VG_KIND_AUTH_FAILURE,
	VG_KIND_SESSION_OPEN,
	VG_KIND_SESSION_CLOSE,
	VG_KIND_FILE_ACCESS,
	VG_KIND_EXEC,
	VG_KIND_PRIVILEGE,
	VG_KIND_MEDIA,
	VG_KIND_AGENT,
	VG_KIND_COUNT
};

enum vg_op { VG_OP_NONE, VG_OP_READ, VG_OP_WRITE, VG_OP_EXEC, VG_OP_ATTR, VG_OP_MOUNT };
enum vg_result { VG_RESULT_NONE, VG_RESULT_SUCCESS, VG_RESULT_FAILURE };

/* Limits on field sizes; longer values are a validation error. */
#define VG_EVENT_MAX_STR 1024
#define VG_EVENT_MAX_PATH 4096
#define VG_EVENT_MAX_HOST 255
/* Objects and arrays may nest at most this deep inside "detail" (detail
 * itself is level 1). */
#define VG_EVENT_MAX_DEPTH 32

/* Absent integer fields hold VG_EVENT_NO_ID. */
#define VG_EVENT_NO_ID INT64_MIN

struct vg_event {
	int64_t seq;
	int64_t time_ms;
	enum vg_kind kind;
	enum vg_op op;
	enum vg_result result;
	int64_t uid, auid, pid;         /* VG_EVENT_NO_ID when absent */
	const char *host, *user, *service, *rhost, *ruser, *tty;
	const char *path, *exe, *key, *audit_id;  /* NULL when absent */
	json_t *detail;                 /* borrowed object or NULL */
};

/* Stable wire names. vg_kind_name(VG_KIND_FILE_ACCESS) is "file_access". */
const char *vg_kind_name(enum vg_kind kind);
int vg_kind_parse(const char *name);            /* -1 when unknown */
const char *vg_op_name(enum vg_op op);          /* NULL for VG_OP_NONE */
const char *vg_result_name(enum vg_result r);   /* NULL for VG_RESULT_NONE */

/* Decodes and validates one event object. Returns 0, or -1 with a message
 * naming the field and the offending value in err (e.g.
 * "field 'time': not RFC 3339 UTC with milliseconds: \"yesterday\""). */
int vg_event_decode(json_t *obj, struct vg_event *ev, char *err, size_t errlen);

struct vg_arena;

/* Parses and validates one event from its JSON text without building a tree
 * (the collector's ingest path: about five times faster than jansson). The
 * rules and messages are vg_event_decode's, and a member that appears twice
 * is refused. Text this accepts is also accepted by jansson (which reads the
 * stored text back): strict UTF-8 and no NUL in any string or key, no lone
 * surrogate escapes, detail no deeper than VG_EVENT_MAX_DEPTH. Strings are
 * copied into arena; "detail" is checked to be an object but not kept
 * (ev->detail is NULL), so the caller keeps the text.
 * Returns 0, or -1 with the reason in err. */
int vg_event_parse(const char *text, size_t len, struct vg_event *ev, struct vg_arena *arena,
                   char *err, size_t errlen);

/* Builds the canonical JSON object of an event (new reference, NULL on
 * allocation failure). Absent fields are omitted. */
json_t *vg_event_encode(const struct vg_event *ev);

/* Initialises ev to "all fields absent". */
void vg_event_init(struct vg_event *ev);

#endif
