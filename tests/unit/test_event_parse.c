/*
 * Unit tests for vg_event_parse (the collector's streaming NDJSON event
 * reader) against jansson: whatever vg_event_parse accepts is stored as
 * sent and read back with jansson by every query, so jansson must accept it
 * too. These lines once passed yajl and then made GET /v1/events fail for
 * everyone (or the whole batch answer 500): invalid UTF-8 that yajl lets
 * through, NUL anywhere, lone surrogate escapes, nesting deeper than
 * jansson reads. Also: both decoders bound detail's depth alike, and error
 * messages quoting a bad value stay valid UTF-8.
 */
#include "vg_arena.h"
#include "vg_event.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define EV "\"seq\":1,\"time\":\"2026-11-20T10:00:00.000Z\",\"kind\":\"exec\""

/* Each line, and a fragment its refusal must contain (NULL: accepted). */
static const struct {
	const char *line;
	const char *refused;
} lines[] = {
	{"{" EV ",\"user\":\"\xc0\xaf\"}", "UTF-8"},                 /* overlong '/' */
	{"{" EV ",\"path\":\"/\xe0\x80\xaf\"}", "UTF-8"},            /* overlong, 3 bytes */
	{"{" EV ",\"detail\":{\"x\":\"\xed\xa0\x80\"}}", "UTF-8"},   /* encoded surrogate */
	{"{" EV ",\"exe\":\"\xf5\x80\x80\x80\"}", ""},               /* beyond U+10FFFF */
	{"{" EV ",\"user\":\"\xf4\x90\x80\x80\"}", ""},              /* U+110000 */
	{"{" EV ",\"detail\":{\"\xff\":1}}", ""},
	{"{" EV ",\"detail\":{\"x\":\"a\\u0000\"}}", "NUL"},
	{"{" EV ",\"detail\":{\"a\\u0000\":1}}", "NUL"},
	{"{" EV ",\"detail\":{\"x\":[\"\\u0000\"]}}", "NUL"},
	{"{" EV ",\"user\":\"\\ud800\"}", "invalid JSON"},          /* lone high */
	{"{" EV ",\"detail\":{\"x\":\"\\udc00\"}}", ""},             /* lone low */
	{"{" EV ",\"user\":\"\\ud800\\u0041\"}", "invalid JSON"},    /* high, then no low */
	{"{" EV ",\"user\":\"\\uD800\\uD800\"}", "invalid JSON"},    /* high, high */
	{"{" EV ",\"user\":\"\\ud83d\\ude00\"}", NULL},              /* a proper pair */
	{"{" EV ",\"user\":\"\xf0\x9f\x98\x80\xc3\xa9\"}", NULL},    /* raw 4- and 2-byte */
	{"{" EV ",\"user\":\"\\\\ud800\"}", NULL},                   /* a backslash, then text */
	{"{" EV ",\"detail\":{\"k\\\\\":\"\\\\\\\\ud800\"}}", NULL},
	{"{" EV ",\"user\":\"\\u00e9\\u20ac\"}", NULL},
};

/* depth_line LEVELS: an event whose detail nests LEVELS objects. */
static char *depth_line(int levels)
{
	size_t cap = sizeof EV + 64 + (size_t)levels * 6;
	char *s = malloc(cap), *p;
	assert_non_null(s);
	p = s + sprintf(s, "{" EV ",\"detail\":");
	for (int i = 0; i < levels; i++)
		p += sprintf(p, "{\"a\":");
	*p++ = '1';
	for (int i = 0; i < levels; i++)
		*p++ = '}';
	*p++ = '}';
	*p = '\0';
	return s;
}

/* Checks one line: vg_event_parse's verdict, and that jansson reads back
 * what it accepts and decodes it to the same event. */
static void check_line(const char *line, const char *refused)
{
	struct vg_arena arena = {0};
	struct vg_event ev, ev2;
	char err[300] = "", err2[300] = "";
	int rc = vg_event_parse(line, strlen(line), &ev, &arena, err, sizeof err);

	if (refused) {
		if (rc != -1)
			fail_msg("accepted: %.200s", line);
		if (!strstr(err, refused))
			fail_msg("refusal of %.200s is \"%s\"; it should say %s", line, err, refused);
	} else if (rc != 0) {
		fail_msg("refused: %.200s: %s", line, err);
	}
	if (rc == 0) {
		json_error_t jerr;
		json_t *j = json_loadb(line, strlen(line), 0, &jerr);
		if (!j)
			fail_msg("vg_event_parse accepted what jansson cannot read back: %.200s: %s", line, jerr.text);
		assert_int_equal(vg_event_decode(j, &ev2, err2, sizeof err2), 0);
		assert_int_equal(ev2.seq, ev.seq);
		if (ev.user)
			assert_string_equal(ev2.user, ev.user);
		json_decref(j);
	}
	vg_arena_free(&arena);
}

static void parse_accepts_only_what_jansson_reads(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
		check_line(lines[i].line, lines[i].refused);
}

static void depth_limit_in_both_decoders(void **state)
{
	(void)state;
	for (int levels = VG_EVENT_MAX_DEPTH - 1; levels <= VG_EVENT_MAX_DEPTH + 2; levels++) {
		char *line = depth_line(levels);
		int over = levels > VG_EVENT_MAX_DEPTH;
		check_line(line, over ? "nested deeper than" : NULL);
		json_t *j = json_loads(line, 0, NULL);
		struct vg_event ev;
		char err[300] = "";
		assert_non_null(j);
		assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), over ? -1 : 0);
		if (over)
			assert_non_null(strstr(err, "nested deeper than"));
		json_decref(j);
		free(line);
	}
	/* 100,000 levels: refused at the limit, without recursion or a crash. */
	char *line = depth_line(100000);
	check_line(line, "nested deeper than");
	free(line);
}

static void quoted_values_stay_utf8(void **state)
{
	char line[400], err[300] = "";
	struct vg_arena arena = {0};
	struct vg_event ev;
	(void)state;
	/* 30 three-byte characters: 60 bytes would cut the 21st in two. */
	int n = snprintf(line, sizeof line, "{\"seq\":1,\"kind\":\"exec\",\"time\":\"");
	for (int i = 0; i < 30; i++)
		n += snprintf(line + n, sizeof line - (size_t)n, "\xe2\x82\xac");
	snprintf(line + n, sizeof line - (size_t)n, "\"}");
	assert_int_equal(vg_event_parse(line, strlen(line), &ev, &arena, err, sizeof err), -1);
	assert_non_null(strstr(err, "'time'"));
	json_t *s = json_string(err);   /* NULL when err is not UTF-8 */
	if (!s)
		fail_msg("the error is not valid UTF-8: %s", err);
	json_decref(s);
	assert_non_null(strstr(err, "...\""));
	vg_arena_free(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_accepts_only_what_jansson_reads),
		cmocka_unit_test(depth_limit_in_both_decoders),
		cmocka_unit_test(quoted_values_stay_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
