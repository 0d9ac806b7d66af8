/*
 * fuzz_event_decode: bytes -> json_loadb -> vg_event_decode, the schema v1
 * check every event an agent sends goes through.
 *
 * Beyond not crashing, a decoded event must survive its own round trip:
 * vg_event_encode of it, serialised and decoded again, gives the same event.
 * Otherwise the collector would store something it refuses to read back.
 */
#include "fuzz.h"
#include "vg_event.h"

static void same_or_fail(const struct vg_event *a, const struct vg_event *b, const char *text)
{
	if (a->seq != b->seq || a->time_ms != b->time_ms || a->kind != b->kind || a->op != b->op ||
	    a->result != b->result || a->uid != b->uid || a->auid != b->auid || a->pid != b->pid)
		fuzz_fail("round trip changed the event: %s", text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	struct vg_event ev, again;
	char err[300];

	json_t *j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!j)
		return 0;
	if (vg_event_decode(j, &ev, err, sizeof err) == 0) {
		json_t *enc = vg_event_encode(&ev);
		char *text = enc ? json_dumps(enc, JSON_COMPACT) : NULL;
		json_t *back = text ? json_loads(text, JSON_REJECT_DUPLICATES, &jerr) : NULL;
		if (text && !back)
			fuzz_fail("vg_event_encode made invalid JSON: %s", text);
		if (back) {
			if (vg_event_decode(back, &again, err, sizeof err) < 0)
				fuzz_fail("a decoded event, encoded, no longer decodes: %s: %s", err, text);
			same_or_fail(&ev, &again, text);
		}
		json_decref(back);
		free(text);
		json_decref(enc);
	}
	json_decref(j);
	return 0;
}
