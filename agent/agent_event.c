/*
 * agent_event: small builders for event objects.
 */
#include "agent_event.h"
#include "vg_time.h"

json_t *agent_event_new(enum vg_kind kind, int64_t time_ms, const char *host)
{
	char ts[VG_TIME_LEN];
	json_t *ev = json_object();
	if (!ev)
		return NULL;
	vg_time_format(time_ms, ts);
	if (json_object_set_new(ev, "time", json_string(ts)) < 0 ||
	    json_object_set_new(ev, "kind", json_string(vg_kind_name(kind))) < 0 ||
	    agent_event_str(ev, "host", host) < 0) {
		json_decref(ev);
		return NULL;
	}
	return ev;
}

int agent_event_str(json_t *ev, const char *field, const char *value)
{
	if (!value)
		return 0;
	return json_object_set_new(ev, field, json_string(value));
}

int agent_event_int(json_t *ev, const char *field, int64_t value)
{
	return json_object_set_new(ev, field, json_integer(value));
}

static json_t *detail(json_t *ev)
{
	json_t *d = json_object_get(ev, "detail");
	if (d)
		return d;
	d = json_object();
	if (!d || json_object_set_new(ev, "detail", d) < 0)
		return NULL;
	return d;
}

int agent_event_detail(json_t *ev, const char *name, const char *value)
{
	json_t *d;
	if (!value)
		return 0;
	if (!(d = detail(ev)))
		return -1;
	return json_object_set_new(d, name, json_string(value));
}

int agent_event_detail_int(json_t *ev, const char *name, int64_t value)
{
	json_t *d = detail(ev);
	if (!d)
		return -1;
	return json_object_set_new(d, name, json_integer(value));
}
