/*
 * pol_event: which events the policy judges, and as what request.
 *
 * One mapping from event schema v1 to a pol_request, shared by the
 * collector and the tests, so that "what counts as a login" is decided in
 * one place. Events that are not activity by an account (agent lifecycle)
 * or not an act the person performed (a failed password, the end of a
 * session) are not judged; other detectors look at them.
 */
#include "pol.h"
#include "vg_event.h"

#include <string.h>

static enum pol_action file_action(enum vg_op op)
{
	switch (op) {
	case VG_OP_READ:
		return POL_ACT_READ;
	case VG_OP_WRITE:
		return POL_ACT_WRITE;
	case VG_OP_EXEC:
		return POL_ACT_EXEC;
	case VG_OP_ATTR:
		return POL_ACT_ATTR;
	case VG_OP_MOUNT:
		return POL_ACT_MEDIA;
	default:
		return POL_ACT_OTHER;
	}
}

bool pol_request_from_event(const struct vg_event *ev, struct pol_request *req)
{
	memset(req, 0, sizeof *req);
	if (!ev->user || !*ev->user)
		return false;
	req->account = ev->user;
	req->host = ev->host;
	req->path = ev->path;
	req->time_ms = ev->time_ms;
	req->service = ev->service;
	switch (ev->kind) {
	case VG_KIND_AUTH_SUCCESS:
	case VG_KIND_SESSION_OPEN:
		req->action = POL_ACT_LOGIN;
		req->path = NULL;
		return true;
	case VG_KIND_FILE_ACCESS:
		req->action = file_action(ev->op);
		return true;
	case VG_KIND_EXEC:
		req->action = POL_ACT_EXEC;
		if (!req->path)
			req->path = ev->exe;
		return true;
	case VG_KIND_PRIVILEGE:
		req->action = POL_ACT_PRIVILEGE;
		req->target_account = ev->ruser;   /* whom they became */
		if (!req->path)
			req->path = ev->exe;
		return true;
	case VG_KIND_MEDIA:
		req->action = POL_ACT_MEDIA;
		return true;
	default:
		return false;
	}
}
