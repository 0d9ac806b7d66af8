/*
 * Unit tests for the RFC 5424 formatter of alerts (col_alert_syslog.h):
 * the exact message for a known anomaly, PRI per severity, SD-PARAM
 * escaping of '"', '\' and ']', what happens to bytes that are not UTF-8
 * or are control characters, and the size bounds that keep a message in
 * one datagram.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "col_alert_syslog.h"
#include "vg_anomaly.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BOM "\xef\xbb\xbf"
#define FFFD "\xef\xbf\xbd"

static const struct col_syslog_origin origin = {.facility = 4, .hostname = "col-1", .procid = 42};

/* 2026-11-18T10:05:00.120Z */
static int64_t when(void)
{
	int64_t ms;
	assert_int_equal(vg_time_parse("2026-11-18T10:05:00.120Z", &ms), 0);
	return ms;
}

static json_t *anomaly(const char *severity, const char *person)
{
	json_t *a = json_pack("{s:i,s:s,s:s,s:f,s:s,s:s,s:s,s:s}", "id", 17, "kind", "clearance_exceeded",
	                      "severity", severity, "score", 50.0, "time", "2026-11-18T10:05:00.000Z",
	                      "account", "dave", "host", "ws-0004", "summary",
	                      "Dave read a TOP SECRET file.");
	assert_non_null(a);
	json_object_set_new(a, "person", person ? json_string(person) : json_null());
	return a;
}

static void formats_the_whole_message(void **state)
{
	char buf[COL_SYSLOG_MAX + 1];
	(void)state;
	json_t *a = anomaly("high", "p1004");
	int n = col_syslog_format(&origin, a, when(), buf, sizeof buf);
	const char *want = "<35>1 2026-11-18T10:05:00.120Z col-1 vigil-collector 42 anomaly "
	                   "[vigil@32473 id=\"17\" kind=\"clearance_exceeded\" severity=\"high\" score=\"50\" "
	                   "person=\"p1004\" account=\"dave\" host=\"ws-0004\" "
	                   "time=\"2026-11-18T10:05:00.000Z\"] " BOM "Dave read a TOP SECRET file.";
	assert_string_equal(buf, want);
	assert_int_equal(n, (int)strlen(want));
	json_decref(a);
}

/* PRI = facility * 8 + syslog severity: critical 2, high 3, medium 4,
 * low 5. */
static void pri_follows_facility_and_severity(void **state)
{
	static const struct {
		const char *sev;
		int facility;
		const char *prefix;
	} cases[] = {
		{"critical", 4, "<34>1 "}, {"high", 4, "<35>1 "}, {"medium", 4, "<36>1 "},
		{"low", 4, "<37>1 "},      {"high", 16, "<131>1 "}, {"critical", 0, "<2>1 "},
	};
	char buf[COL_SYSLOG_MAX + 1];
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct col_syslog_origin o = origin;
		o.facility = cases[i].facility;
		json_t *a = anomaly(cases[i].sev, "p1");
		assert_true(col_syslog_format(&o, a, when(), buf, sizeof buf) > 0);
		assert_memory_equal(buf, cases[i].prefix, strlen(cases[i].prefix));
		json_decref(a);
	}
	assert_int_equal(col_syslog_facility_parse("auth"), 4);
	assert_int_equal(col_syslog_facility_parse("local7"), 23);
	assert_int_equal(col_syslog_facility_parse("Auth"), -1);
}

/* An SD-PARAM value escapes exactly '"', '\' and ']' (RFC 5424 6.3.3). */
static void sd_values_are_escaped(void **state)
{
	char out[COL_SYSLOG_VALUE_MAX + 1], buf[COL_SYSLOG_MAX + 1];
	(void)state;
	col_syslog_escape("a\"b\\c]d[e=f g", 1, COL_SYSLOG_VALUE_MAX, out, sizeof out);
	assert_string_equal(out, "a\\\"b\\\\c\\]d[e=f g");
	/* In MSG nothing is escaped. */
	col_syslog_escape("a\"b\\c]d", 0, COL_SYSLOG_VALUE_MAX, out, sizeof out);
	assert_string_equal(out, "a\"b\\c]d");

	/* A hostile account name cannot close the SD element early or add a
	 * parameter of its own. */
	json_t *a = anomaly("high", "p1");
	json_object_set_new(a, "account", json_string("x\"] [evil@1 a=\"b"));
	assert_true(col_syslog_format(&origin, a, when(), buf, sizeof buf) > 0);
	assert_non_null(strstr(buf, " account=\"x\\\"\\] [evil@1 a=\\\"b\" "));
	json_decref(a);
}

static void bad_bytes_become_replacement_characters(void **state)
{
	char out[64];
	(void)state;
	/* Valid multi-byte UTF-8 is kept. */
	col_syslog_escape("J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x94\x92", 1, 63, out, sizeof out);
	assert_string_equal(out, "J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x94\x92");
	/* A lone continuation byte, a truncated sequence, an overlong '/', a
	 * UTF-16 surrogate, a code point above U+10FFFF. */
	col_syslog_escape("a\x80z", 1, 63, out, sizeof out);
	assert_string_equal(out, "a" FFFD "z");
	col_syslog_escape("a\xc3", 1, 63, out, sizeof out);
	assert_string_equal(out, "a" FFFD);
	col_syslog_escape("\xc0\xaf", 1, 63, out, sizeof out);
	assert_string_equal(out, FFFD FFFD);
	col_syslog_escape("\xed\xa0\x80", 1, 63, out, sizeof out);
	assert_string_equal(out, FFFD FFFD FFFD);
	col_syslog_escape("\xf4\x90\x80\x80", 1, 63, out, sizeof out);
	assert_string_equal(out, FFFD FFFD FFFD FFFD);
	/* Control characters (a newline would split the message for line
	 * based receivers) and DEL. */
	col_syslog_escape("a\nb\tc\x7f" "d\x1b[0m", 0, 63, out, sizeof out);
	assert_string_equal(out, "a" FFFD "b" FFFD "c" FFFD "d" FFFD "[0m");
}

/* Values are cut at a character boundary, never inside an escape. */
static void long_values_are_cut_at_a_boundary(void **state)
{
	char in[1024], out[COL_SYSLOG_VALUE_MAX + 1];
	(void)state;
	for (int i = 0; i < 300; i++)
		memcpy(in + 2 * i, "\xc3\xa9", 2);             /* 'é' */
	in[600] = '\0';
	size_t n = col_syslog_escape(in, 1, COL_SYSLOG_VALUE_MAX, out, sizeof out);
	assert_int_equal(n, COL_SYSLOG_VALUE_MAX);          /* 64 whole 'é' */
	assert_int_equal(strlen(out), n);

	memset(in, ']', 200);
	in[200] = '\0';
	n = col_syslog_escape(in, 1, 11, out, sizeof out);
	assert_string_equal(out, "\\]\\]\\]\\]\\]");         /* 10 bytes: a sixth would need 12 */
	assert_int_equal(n, 10);
	n = col_syslog_escape("abc", 1, 100, out, 3);        /* and the buffer bounds it too */
	assert_string_equal(out, "ab");
}

/* A huge summary and long values still make one message of at most
 * COL_SYSLOG_MAX bytes that ends on a whole character. */
static void the_message_fits_one_datagram(void **state)
{
	char *big = malloc(20001), buf[COL_SYSLOG_MAX + 1];
	(void)state;
	assert_non_null(big);
	for (int i = 0; i < 5000; i++)
		memcpy(big + 4 * i, "\xf0\x9f\x94\x92", 4);
	big[20000] = '\0';
	json_t *a = anomaly("critical", big);
	json_object_set_new(a, "host", json_string(big));
	json_object_set_new(a, "summary", json_string(big));
	int n = col_syslog_format(&origin, a, when(), buf, sizeof buf);
	assert_true(n > 0 && n <= COL_SYSLOG_MAX);
	assert_int_equal(strlen(buf), (size_t)n);
	const char *msg = strstr(buf, "] " BOM);
	assert_non_null(msg);
	size_t body = (size_t)n - (size_t)(msg + 5 - buf);
	assert_true(body > 1000);                           /* the summary gets the room left */
	assert_int_equal(body % 4, 0);                      /* whole 4-byte characters only */
	json_decref(a);
	free(big);
}

/* A person-less anomaly (unknown account, host anomalies) has no person
 * parameter rather than an empty one; an anomaly without id is refused. */
static void absent_values_and_bad_input(void **state)
{
	char buf[COL_SYSLOG_MAX + 1];
	(void)state;
	json_t *a = anomaly("medium", NULL);
	assert_true(col_syslog_format(&origin, a, when(), buf, sizeof buf) > 0);
	assert_null(strstr(buf, "person="));
	assert_non_null(strstr(buf, "account=\"dave\""));
	json_object_del(a, "summary");
	assert_true(col_syslog_format(&origin, a, when(), buf, sizeof buf) > 0);
	assert_int_equal(buf[strlen(buf) - 1], ']');        /* no MSG at all */
	json_object_del(a, "id");
	assert_int_equal(col_syslog_format(&origin, a, when(), buf, sizeof buf), -1);
	json_decref(a);
	a = anomaly("severe", "p1");
	assert_int_equal(col_syslog_format(&origin, a, when(), buf, sizeof buf), -1);
	assert_int_equal(col_syslog_format(&origin, a, when(), buf, 100), -1);
	json_decref(a);
}

/* The origin: HOSTNAME is printable ASCII without spaces, PROCID the pid. */
static void origin_from_the_system(void **state)
{
	struct col_syslog_origin o;
	(void)state;
	col_syslog_origin_init(&o, 10);
	assert_int_equal(o.facility, 10);
	assert_true(o.procid > 0);
	assert_true(strlen(o.hostname) >= 1);
	for (const char *p = o.hostname; *p; p++)
		assert_true(*p >= 33 && *p <= 126);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(formats_the_whole_message),
		cmocka_unit_test(pri_follows_facility_and_severity),
		cmocka_unit_test(sd_values_are_escaped),
		cmocka_unit_test(bad_bytes_become_replacement_characters),
		cmocka_unit_test(long_values_are_cut_at_a_boundary),
		cmocka_unit_test(the_message_fits_one_datagram),
		cmocka_unit_test(absent_values_and_bad_input),
		cmocka_unit_test(origin_from_the_system),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
