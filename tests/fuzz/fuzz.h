/*
 * fuzz.h: what the libFuzzer harnesses in tests/fuzz/ share.
 *
 * Each harness is one translation unit defining LLVMFuzzerTestOneInput (and
 * maybe LLVMFuzzerInitialize); libFuzzer supplies main. A harness reports a
 * broken invariant with fuzz_fail(), which aborts, so that libFuzzer saves
 * the input like any crash.
 */
#ifndef VIGIL_FUZZ_H
#define VIGIL_FUZZ_H

#include "vg_event.h"

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

__attribute__((noreturn, format(printf, 1, 2)))
static inline void fuzz_fail(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("fuzz invariant broken: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	abort();
}

/* An event an agent produced must pass the schema the collector applies:
 * otherwise the collector quarantines what the agent believed was good.
 * ev lacks "seq" (the spool assigns it); a copy gets one. */
static inline void fuzz_check_agent_event(json_t *ev, const char *who)
{
	struct vg_event check;
	char err[300] = "";
	json_t *copy = json_deep_copy(ev);
	if (!copy)
		return;
	json_object_set_new(copy, "seq", json_integer(1));
	if (vg_event_decode(copy, &check, err, sizeof err) < 0) {
		char *text = json_dumps(ev, JSON_COMPACT);
		fuzz_fail("%s made an event the collector refuses: %s: %s", who, err, text ? text : "?");
	}
	json_decref(copy);
}

#endif
