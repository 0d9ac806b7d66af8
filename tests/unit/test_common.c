/*
 * Unit tests for common/: vg_time, vg_event, vg_token, vg_cfg, vg_log, vg_db,
 * vg_anomaly.
 *
 * Expected values come from outside the code under test: epoch seconds from
 * date(1), SHA-256 vectors from FIPS 180-2, weekdays from the calendar.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_tmpdir.h"

#include "vg_anomaly.h"
#include "vg_cfg.h"
#include "vg_db.h"
#include "vg_event.h"
#include "vg_log.h"
#include "vg_time.h"
#include "vg_token.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------- */


/* Writes text to tmpdir/name; returns the path (static buffer per call site
 * is not needed: the caller copies it). */
static void write_file(const char *name, const char *text, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static int64_t parsed(const char *s)
{
	int64_t ms = -42;
	assert_int_equal(vg_time_parse(s, &ms), 0);
	return ms;
}

static void assert_time_bad(const char *s)
{
	int64_t ms = -42;
	if (vg_time_parse(s, &ms) != -1)
		fail_msg("vg_time_parse accepted \"%s\" (%lld)", s ? s : "(null)", (long long)ms);
	assert_int_equal(ms, -42);   /* left untouched on failure */
}

/* ---- vg_time ------------------------------------------------------------- */

static void time_parse_known_values(void **state)
{
	(void)state;
	/* date -u -d 2026-11-22T04:48:38 +%s = 1795322918 */
	assert_int_equal(parsed("2026-11-22T04:48:38.203Z"), 1795322918203LL);
	assert_int_equal(parsed("1970-01-01T00:00:00.000Z"), 0);
	assert_int_equal(parsed("1970-01-01T00:00:00.001Z"), 1);
	assert_int_equal(parsed("2000-02-29T00:00:00.000Z"), 951782400000LL);
	assert_int_equal(parsed("2028-02-29T00:00:00.000Z"), 1835395200000LL);
	assert_int_equal(parsed("2100-03-01T00:00:00.000Z"), 4107542400000LL);
	assert_int_equal(parsed("9999-12-31T23:59:59.999Z"), 253402300799999LL);
}

static void time_format_known_values(void **state)
{
	char out[VG_TIME_LEN];
	(void)state;
	vg_time_format(1795322918203LL, out);
	assert_string_equal(out, "2026-11-22T04:48:38.203Z");
	vg_time_format(0, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	vg_time_format(1835395200000LL + 86399999LL, out);
	assert_string_equal(out, "2028-02-29T23:59:59.999Z");
	vg_time_format(253402300799999LL, out);
	assert_string_equal(out, "9999-12-31T23:59:59.999Z");
	vg_time_format(5, out);
	assert_string_equal(out, "1970-01-01T00:00:00.005Z");
	vg_time_format(50, out);
	assert_string_equal(out, "1970-01-01T00:00:00.050Z");
	/* Negative times are clamped to the epoch, never garbage. */
	vg_time_format(-1, out);
	assert_string_equal(out, "1970-01-01T00:00:00.000Z");
	assert_int_equal(strlen(out), VG_TIME_LEN - 1);
}

static void time_round_trips(void **state)
{
	static const char *const samples[] = {
		"1970-01-01T00:00:00.000Z", "1999-12-31T23:59:59.999Z", "2000-01-01T00:00:00.000Z",
		"2000-02-29T12:34:56.789Z", "2024-02-29T23:59:59.999Z", "2026-11-22T04:48:38.203Z",
		"2028-02-29T00:00:00.000Z", "2038-01-19T03:14:08.000Z", "2100-02-28T01:02:03.004Z",
		"2400-02-29T10:00:00.010Z", "9999-12-31T23:59:59.999Z",
	};
	char out[VG_TIME_LEN];
	(void)state;
	for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
		vg_time_format(parsed(samples[i]), out);
		assert_string_equal(out, samples[i]);
	}
	/* format -> parse over a pseudo-random spread of instants up to 9999. */
	uint64_t x = 88172645463325252ULL;
	for (int i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		int64_t ms = (int64_t)(x % 253402300800000ULL);
		vg_time_format(ms, out);
		int64_t back = -1;
		if (vg_time_parse(out, &back) != 0 || back != ms)
			fail_msg("round trip of %lld gave \"%s\" -> %lld", (long long)ms, out, (long long)back);
	}
}

static void time_leap_years(void **state)
{
	int64_t ms;
	(void)state;
	assert_int_equal(vg_time_parse("2028-02-29T00:00:00.000Z", &ms), 0);
	assert_time_bad("2027-02-29T00:00:00.000Z");
	assert_time_bad("2100-02-29T00:00:00.000Z");   /* divisible by 100 */
	assert_int_equal(vg_time_parse("2000-02-29T00:00:00.000Z", &ms), 0);   /* by 400 */
	assert_int_equal(vg_time_parse("2400-02-29T00:00:00.000Z", &ms), 0);
	assert_time_bad("2028-02-30T00:00:00.000Z");
	assert_int_equal(vg_date_parse("2028-02-29", &ms), 0);
	assert_int_equal(ms, 1835395200000LL);
	assert_int_equal(vg_date_parse("2027-02-29", &ms), -1);
	/* 2028-02-28 + 1 day is 2028-02-29; 2027-02-28 + 1 day is 2027-03-01. */
	char d[11];
	int64_t feb28;
	assert_int_equal(vg_date_parse("2028-02-28", &feb28), 0);
	vg_date_format(feb28 + VG_MS_PER_DAY, d);
	assert_string_equal(d, "2028-02-29");
	assert_int_equal(vg_date_parse("2027-02-28", &feb28), 0);
	vg_date_format(feb28 + VG_MS_PER_DAY, d);
	assert_string_equal(d, "2027-03-01");
}

static void time_month_lengths(void **state)
{
	static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	char s[64];
	int64_t ms;
	(void)state;
	for (int m = 1; m <= 12; m++) {
		snprintf(s, sizeof s, "2026-%02d-%02dT00:00:00.000Z", m, dm[m - 1]);
		assert_int_equal(vg_time_parse(s, &ms), 0);
		snprintf(s, sizeof s, "2026-%02d-%02dT00:00:00.000Z", m, dm[m - 1] + 1);
		assert_time_bad(s);
	}
}

static void time_bad_inputs(void **state)
{
	static const char *const bad[] = {
		"", "2026", "2026-11-22", "2026-11-22T04:48:38Z", "2026-11-22T04:48:38.20Z",
		"2026-11-22T04:48:38.2030Z", "2026-11-22T04:48:38.203", "2026-11-22 04:48:38.203Z",
		"2026-11-22t04:48:38.203Z", "2026-11-22T04:48:38.203z", "2026-11-22T04:48:38.203+00:00",
		"2026-11-22T04:48:38.203Z ", " 2026-11-22T04:48:38.203Z", "2026-11-22T04:48:38,203Z",
		"2026-13-01T00:00:00.000Z", "2026-00-10T00:00:00.000Z", "2026-11-00T00:00:00.000Z",
		"2026-11-31T00:00:00.000Z", "2026-11-22T24:00:00.000Z", "2026-11-22T23:60:00.000Z",
		"2026-11-22T23:59:60.000Z", /* leap seconds are not representable */
		"1969-12-31T23:59:59.999Z", "0000-01-01T00:00:00.000Z", "+2026-11-22T04:48:38.203Z",
		"2026-1-22T04:48:38.2033Z", "2026/11/22T04:48:38.203Z", "20a6-11-22T04:48:38.203Z",
		"2026-11-22T04:4a:38.203Z", "2026-11-22T04:48:38.2a3Z", "2026-11-22T-4:48:38.203Z",
		"2026-11-22T04:48:38.-03Z", "yesterday at noon, roughly",
		"2026-11-22T04:48:38.203Z\n",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_time_bad(bad[i]);
	assert_time_bad(NULL);
}

static void time_loose_parsing(void **state)
{
	int64_t ms;
	(void)state;
	assert_int_equal(vg_time_parse_loose("2026-11-22", &ms), 0);
	assert_int_equal(ms, 1795305600000LL);
	assert_int_equal(vg_time_parse_loose("2026-11-22T04:48Z", &ms), 0);
	assert_int_equal(ms, 1795305600000LL + (4 * 3600 + 48 * 60) * 1000LL);
	assert_int_equal(vg_time_parse_loose("2026-11-22T04:48", &ms), 0);
	assert_int_equal(ms, 1795305600000LL + (4 * 3600 + 48 * 60) * 1000LL);
	assert_int_equal(vg_time_parse_loose("2026-11-22T04:48:38Z", &ms), 0);
	assert_int_equal(ms, 1795322918000LL);
	assert_int_equal(vg_time_parse_loose("2026-11-22 04:48:38", &ms), 0);
	assert_int_equal(ms, 1795322918000LL);
	assert_int_equal(vg_time_parse_loose("2026-11-22T04:48:38.203Z", &ms), 0);
	assert_int_equal(ms, 1795322918203LL);
	assert_int_equal(vg_time_parse_loose("2026-11-22T04:48:38.203", &ms), 0);
	assert_int_equal(ms, 1795322918203LL);

	static const char *const bad[] = {
		"", "2026-11", "2026-11-2", "2026-11-22T", "2026-11-22T4:48", "2026-11-22T04",
		"2026-11-22T04:4", "2026-11-22T04:48:3", "2026-11-22T04:48:38.", "2026-11-22T04:48:38.2Z",
		"2026-11-22T04:48:38.20", "2026-11-22T04:48ZZ", "2026-11-22X04:48", "2026-11-22T25:00",
		"2026-11-22T04:48:38+01:00", "2027-02-29", "2026-11-22x", "2026-11-22T04:48:38.203ZZ",
		"now", "1969-12-31",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ms = -42;
		if (vg_time_parse_loose(bad[i], &ms) != -1)
			fail_msg("vg_time_parse_loose accepted \"%s\"", bad[i]);
		assert_int_equal(ms, -42);
	}
	assert_int_equal(vg_time_parse_loose(NULL, &ms), -1);
}

static void time_dates(void **state)
{
	int64_t ms;
	char d[11];
	(void)state;
	assert_int_equal(vg_date_parse("1970-01-01", &ms), 0);
	assert_int_equal(ms, 0);
	assert_int_equal(vg_date_parse("2026-11-22", &ms), 0);
	assert_int_equal(ms, 1795305600000LL);
	vg_date_format(1795322918203LL, d);
	assert_string_equal(d, "2026-11-22");
	static const char *const bad[] = {"", "2026-11-2", "2026-11-222", "2026-11-22T00:00",
	                                   "2026-11-22 ", "2026-13-01", "2026-02-29", "22-11-2026"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(vg_date_parse(bad[i], &ms), -1);
	assert_int_equal(vg_date_parse(NULL, &ms), -1);
}

static void time_civil_days(void **state)
{
	(void)state;
	assert_int_equal(vg_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(vg_days_from_civil(2026, 11, 22), 1795305600LL / 86400);
	assert_int_equal(vg_days_from_civil(1969, 12, 31), -1);
	/* Every day from 1970 to the end of 9999 converts both ways. */
	int y0 = 1970;
	unsigned m0 = 1, d0 = 1;
	for (int64_t z = 0; z <= 2932896; z++) {
		int y;
		unsigned m, d;
		vg_civil_from_days(z, &y, &m, &d);
		if (vg_days_from_civil(y, m, d) != z)
			fail_msg("day %lld -> %d-%u-%u does not convert back", (long long)z, y, m, d);
		/* consecutive days advance by exactly one calendar day */
		if (z > 0 && !((y == y0 && m == m0 && d == d0 + 1) || (y == y0 && m == m0 + 1 && d == 1) ||
		               (y == y0 + 1 && m == 1 && d == 1 && m0 == 12 && d0 == 31)))
			fail_msg("day %lld: %d-%u-%u does not follow %d-%u-%u", (long long)z, y, m, d, y0, m0, d0);
		y0 = y;
		m0 = m;
		d0 = d;
	}
	assert_int_equal(y0, 9999);
	assert_int_equal(m0, 12);
	assert_int_equal(d0, 31);
}

static void time_weekday(void **state)
{
	(void)state;
	/* 0 = Monday ... 6 = Sunday */
	assert_int_equal(vg_time_weekday(0), 3);                     /* 1970-01-01 Thursday */
	assert_int_equal(vg_time_weekday(1795322918203LL), 6);       /* 2026-11-22 Sunday */
	assert_int_equal(vg_time_weekday(1835395200000LL), 1);       /* 2028-02-29 Tuesday */
	assert_int_equal(vg_time_weekday(951782400000LL), 1);        /* 2000-02-29 Tuesday */
	assert_int_equal(vg_time_weekday(4107542400000LL), 0);       /* 2100-03-01 Monday */
	assert_int_equal(vg_time_weekday(253402300799999LL), 4);     /* 9999-12-31 Friday */
	assert_int_equal(vg_time_weekday(-1), 2);                    /* 1969-12-31 Wednesday */
	assert_int_equal(vg_time_weekday(1795305600000LL - 1), 5);   /* last ms of Saturday */
	for (int i = 0; i < 14; i++)
		assert_int_equal(vg_time_weekday(1795305600000LL + i * VG_MS_PER_DAY), (6 + i) % 7);
}

static void time_clocks(void **state)
{
	(void)state;
	int64_t now = vg_time_now();
	assert_true(now > 1700000000000LL);            /* after 2023-11 */
	int64_t a = vg_time_mono_ns(), b = vg_time_mono_ns();
	assert_true(b >= a);
}

/* ---- vg_event ------------------------------------------------------------ */

static const char full_event[] =
	"{\"seq\":42,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"file_access\","
	"\"host\":\"ws-0042\",\"user\":\"alice\",\"uid\":1001,\"auid\":1001,\"service\":\"sshd\","
	"\"rhost\":\"10.1.2.3\",\"ruser\":\"root\",\"tty\":\"pts/1\",\"path\":\"/srv/falcon/plan.txt\","
	"\"op\":\"read\",\"result\":\"success\",\"exe\":\"/usr/bin/cat\",\"pid\":4242,"
	"\"key\":\"vigil-file\",\"audit_id\":\"1795322918.203:77\",\"detail\":{\"inode\":12}}";

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &e);
	if (!j)
		fail_msg("test JSON does not parse: %s: %s", text, e.text);
	return j;
}

static void event_decode_full(void **state)
{
	struct vg_event ev;
	char err[300] = "";
	(void)state;
	json_t *j = load(full_event);
	assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), 0);
	assert_int_equal(ev.seq, 42);
	assert_int_equal(ev.time_ms, 1795322918203LL);
	assert_int_equal(ev.kind, VG_KIND_FILE_ACCESS);
	assert_string_equal(ev.host, "ws-0042");
	assert_string_equal(ev.user, "alice");
	assert_int_equal(ev.uid, 1001);
	assert_int_equal(ev.auid, 1001);
	assert_string_equal(ev.service, "sshd");
	assert_string_equal(ev.rhost, "10.1.2.3");
	assert_string_equal(ev.ruser, "root");
	assert_string_equal(ev.tty, "pts/1");
	assert_string_equal(ev.path, "/srv/falcon/plan.txt");
	assert_int_equal(ev.op, VG_OP_READ);
	assert_int_equal(ev.result, VG_RESULT_SUCCESS);
	assert_string_equal(ev.exe, "/usr/bin/cat");
	assert_int_equal(ev.pid, 4242);
	assert_string_equal(ev.key, "vigil-file");
	assert_string_equal(ev.audit_id, "1795322918.203:77");
	assert_ptr_equal(ev.detail, json_object_get(j, "detail"));   /* borrowed */
	json_decref(j);
}

static void event_decode_minimal(void **state)
{
	struct vg_event ev;
	char err[300];
	(void)state;
	json_t *j = load("{\"kind\":\"agent\",\"time\":\"2026-11-22T04:48:38.203Z\",\"seq\":0}");
	assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), 0);
	assert_int_equal(ev.seq, 0);
	assert_int_equal(ev.kind, VG_KIND_AGENT);
	assert_null(ev.host);
	assert_null(ev.user);
	assert_null(ev.path);
	assert_null(ev.audit_id);
	assert_null(ev.detail);
	assert_int_equal(ev.op, VG_OP_NONE);
	assert_int_equal(ev.result, VG_RESULT_NONE);
	assert_true(ev.uid == VG_EVENT_NO_ID && ev.auid == VG_EVENT_NO_ID && ev.pid == VG_EVENT_NO_ID);
	json_decref(j);

	/* The largest seq and ids are accepted. */
	j = load("{\"seq\":9223372036854775807,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\","
	         "\"uid\":4294967295,\"pid\":0}");
	assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), 0);
	assert_int_equal(ev.seq, INT64_MAX);
	assert_int_equal(ev.uid, 4294967295LL);
	assert_int_equal(ev.pid, 0);
	json_decref(j);
}

static void event_every_kind(void **state)
{
	static const char *const names[] = {"auth_success", "auth_failure", "session_open",
	                                    "session_close", "file_access", "exec", "privilege",
	                                    "media", "agent"};
	(void)state;
	assert_int_equal(sizeof names / sizeof names[0], VG_KIND_COUNT);
	for (int k = 0; k < VG_KIND_COUNT; k++) {
		assert_string_equal(vg_kind_name((enum vg_kind)k), names[k]);
		assert_int_equal(vg_kind_parse(names[k]), k);
		char text[160];
		struct vg_event ev;
		char err[300];
		snprintf(text, sizeof text, "{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"%s\"}",
		         names[k]);
		json_t *j = load(text);
		assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), 0);
		assert_int_equal(ev.kind, k);
		json_decref(j);
	}
	assert_int_equal(vg_kind_parse("teleport"), -1);
	assert_int_equal(vg_kind_parse(""), -1);
	assert_int_equal(vg_kind_parse("EXEC"), -1);
	assert_null(vg_op_name(VG_OP_NONE));
	assert_string_equal(vg_op_name(VG_OP_MOUNT), "mount");
	assert_null(vg_result_name(VG_RESULT_NONE));
	assert_string_equal(vg_result_name(VG_RESULT_FAILURE), "failure");
}

/* Each invalid event and a fragment its error message must contain: the
 * field's name in quotes, so the agent's author knows what to fix. */
static const struct {
	const char *json;
	const char *want;
} invalid_events[] = {
	{"{\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\"}", "'seq'"},
	{"{\"seq\":1,\"kind\":\"exec\"}", "'time'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\"}", "'kind'"},
	{"{\"seq\":\"1\",\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\"}", "'seq'"},
	{"{\"seq\":1.0,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\"}", "'seq'"},
	{"{\"seq\":true,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\"}", "'seq'"},
	{"{\"seq\":null,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\"}", "'seq'"},
	{"{\"seq\":-1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\"}", "'seq'"},
	{"{\"seq\":1,\"time\":1795322918203,\"kind\":\"exec\"}", "'time'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38Z\",\"kind\":\"exec\"}", "'time'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"teleport\"}", "'kind'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":[\"exec\"]}", "'kind'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"colour\":1}", "colour"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"Seq\":1}", "Seq"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"uid\":-1}", "'uid'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"uid\":4294967296}", "'uid'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"auid\":\"0\"}", "'auid'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"pid\":1.5}", "'pid'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"host\":\"\"}", "'host'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"host\":\"a\\tb\"}", "'host'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"host\":\"a\\u007fb\"}", "'host'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"host\":7}", "'host'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"user\":\"a\\nb\"}", "'user'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"user\":null}", "'user'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"service\":{}}", "'service'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"rhost\":\"\\u001b[31m\"}", "'rhost'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"ruser\":1}", "'ruser'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"tty\":\"\\r\"}", "'tty'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"path\":[]}", "'path'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"op\":\"delete\"}", "'op'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"op\":\"READ\"}", "'op'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"result\":\"ok\"}", "'result'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"exe\":false}", "'exe'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"key\":\"a\\u0001\"}", "'key'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"audit_id\":\"abc\"}", "'audit_id'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"audit_id\":\"1.12:3\"}", "'audit_id'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"audit_id\":\".123:3\"}", "'audit_id'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"audit_id\":\"1.123:\"}", "'audit_id'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"audit_id\":\"1.123:4x\"}", "'audit_id'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"detail\":[1]}", "'detail'"},
	{"{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"exec\",\"detail\":\"x\"}", "'detail'"},
};

static void event_validation_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof invalid_events / sizeof invalid_events[0]; i++) {
		struct vg_event ev;
		char err[300] = "";
		json_t *j = load(invalid_events[i].json);
		if (vg_event_decode(j, &ev, err, sizeof err) != -1)
			fail_msg("accepted invalid event %s", invalid_events[i].json);
		if (!strstr(err, invalid_events[i].want))
			fail_msg("error for %s is \"%s\"; it should name %s", invalid_events[i].json, err,
			         invalid_events[i].want);
		json_decref(j);
	}
}

static void event_non_objects(void **state)
{
	static const char *const values[] = {"[1]", "[\"x\"]", "[null]", "[[]]", "[true]"};
	(void)state;
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		struct vg_event ev;
		char err[300] = "";
		json_t *arr = load(values[i]);
		assert_int_equal(vg_event_decode(json_array_get(arr, 0), &ev, err, sizeof err), -1);
		assert_non_null(strstr(err, "object"));
		json_decref(arr);
	}
	struct vg_event ev;
	char err[300] = "";
	assert_int_equal(vg_event_decode(NULL, &ev, err, sizeof err), -1);
}

static void event_length_limits(void **state)
{
	(void)state;
	struct {
		const char *field;
		size_t max;
	} lim[] = {{"host", VG_EVENT_MAX_HOST}, {"user", VG_EVENT_MAX_STR}, {"service", VG_EVENT_MAX_STR},
	           {"path", VG_EVENT_MAX_PATH}, {"exe", VG_EVENT_MAX_PATH}};
	for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++) {
		for (size_t extra = 0; extra <= 1; extra++) {
			size_t n = lim[i].max + extra;
			char *v = malloc(n + 1);
			assert_non_null(v);
			memset(v, 'x', n);
			v[n] = '\0';
			json_t *j = json_pack("{s:i,s:s,s:s,s:s}", "seq", 1, "time", "2026-11-22T04:48:38.203Z",
			                      "kind", "exec", lim[i].field, v);
			struct vg_event ev;
			char err[300] = "";
			int rc = vg_event_decode(j, &ev, err, sizeof err);
			if (extra == 0 && rc != 0)
				fail_msg("%s of %zu bytes (the maximum) rejected: %s", lim[i].field, n, err);
			if (extra == 1) {
				assert_int_equal(rc, -1);
				char want[32];
				snprintf(want, sizeof want, "'%s'", lim[i].field);
				if (!strstr(err, want))
					fail_msg("error \"%s\" does not name %s", err, want);
			}
			json_decref(j);
			free(v);
		}
	}
}

static void event_nul_and_quoting(void **state)
{
	struct vg_event ev;
	char err[300] = "";
	(void)state;
	/* A string with an embedded NUL (possible through jansson's length API). */
	json_t *j = json_pack("{s:i,s:s,s:s,s:s#}", "seq", 1, "time", "2026-11-22T04:48:38.203Z", "kind",
	                      "exec", "user", "a\0b", (int)3);
	assert_non_null(j);
	assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), -1);
	assert_non_null(strstr(err, "'user'"));
	json_decref(j);

	/* Offending values are quoted with control characters neutralised and
	 * long values cut, so the message is safe and short to log. */
	j = load("{\"seq\":1,\"time\":\"\\u001b[2J\\nbad\",\"kind\":\"exec\"}");
	assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), -1);
	assert_non_null(strstr(err, "'time'"));
	for (const char *p = err; *p; p++)
		assert_false((unsigned char)*p < 0x20 || *p == 0x7f);
	json_decref(j);

	char longkind[600];
	memset(longkind, 'k', sizeof longkind - 1);
	longkind[sizeof longkind - 1] = '\0';
	j = json_pack("{s:i,s:s,s:s}", "seq", 1, "time", "2026-11-22T04:48:38.203Z", "kind", longkind);
	assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), -1);
	assert_non_null(strstr(err, "'kind'"));
	assert_true(strlen(err) < 200);
	json_decref(j);

	/* A tiny error buffer is truncated, not overrun. */
	char small[8];
	memset(small, 'Z', sizeof small);
	j = load("{\"seq\":1,\"kind\":\"exec\"}");
	assert_int_equal(vg_event_decode(j, &ev, small, sizeof small), -1);
	assert_int_equal(strlen(small), sizeof small - 1);
	json_decref(j);
	/* ... and a NULL one is allowed. */
	j = load("{\"seq\":1,\"kind\":\"exec\"}");
	assert_int_equal(vg_event_decode(j, &ev, NULL, 0), -1);
	json_decref(j);
}

static void event_encode_round_trip(void **state)
{
	struct vg_event ev, ev2;
	char err[300];
	(void)state;
	json_t *j = load(full_event);
	assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), 0);
	json_t *enc = vg_event_encode(&ev);
	assert_non_null(enc);
	if (!json_equal(enc, j)) {
		char *a = json_dumps(enc, JSON_SORT_KEYS | JSON_COMPACT);
		fail_msg("encode(decode(x)) != x: %s", a);
	}
	/* decode(encode(ev)) gives the same event. */
	assert_int_equal(vg_event_decode(enc, &ev2, err, sizeof err), 0);
	assert_int_equal(ev2.seq, ev.seq);
	assert_int_equal(ev2.time_ms, ev.time_ms);
	assert_int_equal(ev2.kind, ev.kind);
	assert_int_equal(ev2.op, ev.op);
	assert_int_equal(ev2.result, ev.result);
	assert_int_equal(ev2.uid, ev.uid);
	assert_int_equal(ev2.pid, ev.pid);
	assert_string_equal(ev2.path, ev.path);
	assert_string_equal(ev2.audit_id, ev.audit_id);
	assert_true(json_equal(ev2.detail, ev.detail));
	json_decref(enc);
	json_decref(j);

	/* Absent fields stay absent. */
	j = load("{\"seq\":7,\"time\":\"2026-11-22T04:48:38.000Z\",\"kind\":\"session_close\",\"user\":\"bob\"}");
	assert_int_equal(vg_event_decode(j, &ev, err, sizeof err), 0);
	enc = vg_event_encode(&ev);
	assert_non_null(enc);
	assert_true(json_equal(enc, j));
	assert_int_equal(json_object_size(enc), 4);
	json_decref(enc);
	json_decref(j);

	/* An event built in C encodes to the canonical wire form. */
	vg_event_init(&ev);
	ev.seq = 3;
	ev.time_ms = 1835395200000LL + 5;
	ev.kind = VG_KIND_PRIVILEGE;
	ev.user = "alice";
	ev.ruser = "root";
	ev.service = "sudo";
	ev.result = VG_RESULT_FAILURE;
	ev.auid = 0;
	enc = vg_event_encode(&ev);
	char *text = json_dumps(enc, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text, "{\"auid\":0,\"kind\":\"privilege\",\"result\":\"failure\",\"ruser\":\"root\","
	                          "\"seq\":3,\"service\":\"sudo\",\"time\":\"2028-02-29T00:00:00.005Z\","
	                          "\"user\":\"alice\"}");
	free(text);
	json_decref(enc);
}

/* ---- vg_token ------------------------------------------------------------ */

static void token_new(void **state)
{
	char a[VG_TOKEN_HEX_LEN + 1], b[VG_TOKEN_HEX_LEN + 1];
	(void)state;
	assert_int_equal(vg_token_new(a), 0);
	assert_int_equal(vg_token_new(b), 0);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	assert_int_equal(strspn(b, "0123456789abcdef"), 64);
	assert_string_not_equal(a, b);
}

static void token_sha256_vectors(void **state)
{
	char out[VG_TOKEN_HEX_LEN + 1];
	(void)state;
	assert_int_equal(vg_sha256_hex("abc", 3, out), 0);
	assert_string_equal(out, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	assert_int_equal(vg_sha256_hex("", 0, out), 0);
	assert_string_equal(out, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	assert_int_equal(vg_sha256_hex(two, strlen(two), out), 0);
	assert_string_equal(out, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void token_equal(void **state)
{
	(void)state;
	assert_true(vg_token_equal("abcdef", "abcdef", 6));
	assert_false(vg_token_equal("abcdef", "abcdeg", 6));
	assert_false(vg_token_equal("bbcdef", "abcdef", 6));
	assert_true(vg_token_equal("abcdefX", "abcdefY", 6));   /* only len bytes compared */
	assert_true(vg_token_equal("", "", 0));
}

/* ---- vg_cfg -------------------------------------------------------------- */

static void cfg_read_and_values(void **state)
{
	char path[256], err[512] = "";
	config_t c;
	const char *s = NULL;
	long long n = 0;
	bool b = false;
	(void)state;
	write_file("good.cfg",
	           "name = \"vigil\";\n"          /* 1 */
	           "count = 12;\n"                /* 2 */
	           "big = 3000000000L;\n"         /* 3 */
	           "flag = true;\n"               /* 4 */
	           "grp = { inner = \"x\"; };\n", /* 5 */
	           path, sizeof path);
	assert_int_equal(vg_cfg_read(&c, path, err, sizeof err), 0);
	const config_setting_t *root = config_root_setting(&c);

	assert_int_equal(vg_cfg_string(root, "name", &s, path, err, sizeof err), 1);
	assert_string_equal(s, "vigil");
	assert_int_equal(vg_cfg_string(root, "absent", &s, path, err, sizeof err), 0);
	assert_int_equal(vg_cfg_int(root, "count", 1, 100, &n, path, err, sizeof err), 1);
	assert_int_equal(n, 12);
	assert_int_equal(vg_cfg_int(root, "big", 0, 1LL << 40, &n, path, err, sizeof err), 1);
	assert_int_equal(n, 3000000000LL);
	assert_int_equal(vg_cfg_int(root, "absent", 0, 1, &n, path, err, sizeof err), 0);
	assert_int_equal(vg_cfg_bool(root, "flag", &b, path, err, sizeof err), 1);
	assert_true(b);
	assert_int_equal(vg_cfg_bool(root, "absent", &b, path, err, sizeof err), 0);
	const config_setting_t *grp = config_setting_get_member(root, "grp");
	assert_int_equal(vg_cfg_string(grp, "inner", &s, path, err, sizeof err), 1);
	assert_string_equal(s, "x");

	/* Type errors carry file:line of the offending setting. */
	char want[300];
	assert_int_equal(vg_cfg_string(root, "count", &s, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: ", path);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "count"));
	assert_int_equal(vg_cfg_int(root, "name", 0, 10, &n, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:1: ", path);
	assert_non_null(strstr(err, want));
	assert_int_equal(vg_cfg_bool(root, "count", &b, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:2: ", path);
	assert_non_null(strstr(err, want));

	/* Range checks, at and beyond each bound. */
	assert_int_equal(vg_cfg_int(root, "count", 12, 12, &n, path, err, sizeof err), 1);
	n = -7;
	assert_int_equal(vg_cfg_int(root, "count", 13, 100, &n, path, err, sizeof err), -1);
	assert_int_equal(n, -7);   /* untouched */
	snprintf(want, sizeof want, "%s:2: ", path);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "count"));
	assert_int_equal(vg_cfg_int(root, "count", 0, 11, &n, path, err, sizeof err), -1);
	assert_int_equal(vg_cfg_int(root, "big", 0, 2147483647LL, &n, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:3: ", path);
	assert_non_null(strstr(err, want));

	/* Unknown keys. */
	static const char *const known[] = {"name", "count", "big", "flag", "grp", NULL};
	static const char *const fewer[] = {"name", "count", "flag", "grp", NULL};
	assert_int_equal(vg_cfg_check_keys(root, known, path, err, sizeof err), 0);
	assert_int_equal(vg_cfg_check_keys(root, fewer, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:3: ", path);
	assert_non_null(strstr(err, want));
	assert_non_null(strstr(err, "'big'"));
	static const char *const inner_known[] = {"other", NULL};
	assert_int_equal(vg_cfg_check_keys(grp, inner_known, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:5: ", path);
	assert_non_null(strstr(err, want));
	config_destroy(&c);
}

static void cfg_errors(void **state)
{
	char path[256], err[512] = "", want[300];
	config_t c;
	(void)state;
	write_file("syntax.cfg", "a = 1;\nb = \"unterminated;\nc = 3;\n", path, sizeof path);
	assert_int_equal(vg_cfg_read(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:", path);
	assert_memory_equal(err, want, strlen(want));
	assert_true(err[strlen(want)] >= '1' && err[strlen(want)] <= '9');   /* a line number */

	write_file("syntax2.cfg", "a = 1;\n\n\nb = ;\n", path, sizeof path);
	assert_int_equal(vg_cfg_read(&c, path, err, sizeof err), -1);
	snprintf(want, sizeof want, "%s:4: ", path);
	assert_non_null(strstr(err, want));

	snprintf(path, sizeof path, "%s/does-not-exist.cfg", tmpdir);
	assert_int_equal(vg_cfg_read(&c, path, err, sizeof err), -1);
	assert_non_null(strstr(err, "does-not-exist.cfg"));

	/* vg_cfg_error without a setting: "file:0: message", returns -1. */
	assert_int_equal(vg_cfg_error(NULL, "x.conf", err, sizeof err, "bad %d", 7), -1);
	assert_string_equal(err, "x.conf:0: bad 7");
	/* a small buffer is truncated, never overrun */
	char small[6];
	assert_int_equal(vg_cfg_error(NULL, "long-file-name.conf", small, sizeof small, "m"), -1);
	assert_int_equal(strnlen(small, sizeof small), sizeof small - 1);
}

/* ---- vg_log -------------------------------------------------------------- */

static void log_levels_and_format(void **state)
{
	char path[256], buf[1024];
	(void)state;
	assert_int_equal(vg_log_level_parse("debug"), VG_LOG_DEBUG);
	assert_int_equal(vg_log_level_parse("info"), VG_LOG_INFO);
	assert_int_equal(vg_log_level_parse("warn"), VG_LOG_WARN);
	assert_int_equal(vg_log_level_parse("error"), VG_LOG_ERR);
	assert_int_equal(vg_log_level_parse("warning"), -1);
	assert_int_equal(vg_log_level_parse(""), -1);
	assert_int_equal(vg_log_level_parse(NULL), -1);

	/* Capture stderr in a file. */
	snprintf(path, sizeof path, "%s/log.txt", tmpdir);
	int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
	assert_true(fd >= 0);
	int saved = dup(STDERR_FILENO);
	assert_true(saved >= 0);
	assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	vg_log_init("vigil-test", VG_LOG_WARN, 0);
	vg_info("hidden %d", 1);
	vg_warn("shown %d", 2);
	vg_err("multi\nline");
	dup2(saved, STDERR_FILENO);
	close(saved);
	vg_log_init("vigil-test", VG_LOG_INFO, 0);

	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_null(strstr(buf, "hidden"));
	char want[64];
	snprintf(want, sizeof want, " vigil-test[%d] warn: shown 2\n", (int)getpid());
	assert_non_null(strstr(buf, want));
	/* each line starts with the event time format */
	int64_t ms;
	char ts[VG_TIME_LEN];
	memcpy(ts, buf, VG_TIME_LEN - 1);
	ts[VG_TIME_LEN - 1] = '\0';
	assert_int_equal(vg_time_parse(ts, &ms), 0);
	assert_non_null(strstr(buf, "error: multi"));
}

/* ---- vg_db --------------------------------------------------------------- */

static void db_open_and_migrate(void **state)
{
	char path[256], err[512] = "";
	(void)state;
	snprintf(path, sizeof path, "%s/unit.db", tmpdir);
	sqlite3 *db = vg_db_open(path, err, sizeof err);
	assert_non_null(db);
	static const char *const steps[] = {
		"CREATE TABLE t(a INTEGER);",
		"ALTER TABLE t ADD COLUMN b TEXT;",
	};
	assert_int_equal(vg_db_migrate(db, steps, 1, err, sizeof err), 0);
	assert_int_equal(vg_db_migrate(db, steps, 2, err, sizeof err), 0);
	assert_int_equal(vg_db_migrate(db, steps, 2, err, sizeof err), 0);   /* idempotent */
	assert_int_equal(vg_db_exec(db, "INSERT INTO t(a, b) VALUES(1, 'x')", err, sizeof err), 0);

	/* The database and its WAL are readable by the service alone. */
	struct stat sb;
	char wal[300];
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(wal, sizeof wal, "%s-wal", path);
	assert_int_equal(stat(wal, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);

	sqlite3_stmt *st;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2);
	sqlite3_finalize(st);

	/* An older program refuses the newer schema. */
	assert_int_equal(vg_db_migrate(db, steps, 1, err, sizeof err), -1);
	assert_non_null(strstr(err, "newer"));

	/* A failing step rolls back and leaves the version alone. */
	static const char *const broken[] = {
		"CREATE TABLE t(a INTEGER);", "ALTER TABLE t ADD COLUMN b TEXT;",
		"CREATE TABLE u(x); THIS IS NOT SQL;",
	};
	assert_int_equal(vg_db_migrate(db, broken, 3, err, sizeof err), -1);
	assert_non_null(strstr(err, "sqlite"));
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name='u'", -1,
	                                    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);

	assert_int_equal(vg_db_exec(db, "SELECT nonsense FROM nowhere", err, sizeof err), -1);
	assert_non_null(strstr(err, "nowhere"));
	sqlite3_close(db);

	snprintf(path, sizeof path, "%s/no/such/dir/x.db", tmpdir);
	assert_null(vg_db_open(path, err, sizeof err));
	assert_non_null(strstr(err, "x.db"));
}

/* ---- vg_anomaly ------------------------------------------------------------ */

static void anomaly_vocabulary(void **state)
{
	/* The stable identifiers of DESIGN.md "Anomaly kinds", in enum order. */
	static const char *const kinds[] = {
		"clearance_exceeded", "need_to_know", "vetting_lapsed", "unknown_account",
		"host_not_accredited", "outside_schedule", "unauthorized_privilege", "removable_media",
		"failed_login_burst", "volume_spike", "first_access", "unusual_hour",
		"concurrent_sessions", "dormant_account", "agent_silent", "audit_loss", "audit_tamper",
	};
	(void)state;
	assert_int_equal(sizeof kinds / sizeof kinds[0], VG_AK_COUNT);
	for (int k = 0; k < VG_AK_COUNT; k++) {
		assert_string_equal(vg_akind_name(k), kinds[k]);
		assert_int_equal(vg_akind_parse(kinds[k]), k);
	}
	assert_null(vg_akind_name(-1));
	assert_null(vg_akind_name(VG_AK_COUNT));
	assert_int_equal(vg_akind_parse("Clearance_Exceeded"), -1);   /* case-sensitive */
	assert_int_equal(vg_akind_parse(""), -1);
	assert_int_equal(vg_akind_parse(NULL), -1);

	/* Severities in increasing order, so "severity >= min" filters work. */
	static const char *const sev[] = {"low", "medium", "high", "critical"};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(vg_severity_name(i), sev[i]);
		assert_int_equal(vg_severity_parse(sev[i]), i);
	}
	assert_true(VG_SEV_LOW < VG_SEV_MEDIUM && VG_SEV_MEDIUM < VG_SEV_HIGH &&
	            VG_SEV_HIGH < VG_SEV_CRITICAL);
	assert_null(vg_severity_name(VG_SEV_COUNT));
	assert_int_equal(vg_severity_parse("severe"), -1);
	assert_int_equal(vg_severity_parse(NULL), -1);

	static const char *const st[] = {"open", "acknowledged", "resolved", "false_positive"};
	for (int i = 0; i < 4; i++) {
		assert_string_equal(vg_status_name(i), st[i]);
		assert_int_equal(vg_status_parse(st[i]), i);
	}
	assert_null(vg_status_name(-1));
	assert_int_equal(vg_status_parse("closed"), -1);
}

static void anomaly_names_join(void **state)
{
	char buf[64];
	(void)state;
	assert_string_equal(vg_names_join(vg_severity_names, VG_SEV_COUNT, buf, sizeof buf),
	                    "low, medium, high, critical");
	assert_string_equal(vg_names_join(vg_severity_names, 1, buf, sizeof buf), "low");
	assert_string_equal(vg_names_join(vg_severity_names, 0, buf, sizeof buf), "");
	/* A short buffer holds whole names only and is always terminated. */
	char small[12];
	memset(small, 'Z', sizeof small);
	vg_names_join(vg_severity_names, VG_SEV_COUNT, small, sizeof small);
	assert_string_equal(small, "low, medium");
	memset(small, 'Z', sizeof small);
	vg_names_join(vg_severity_names, VG_SEV_COUNT, small, 11);
	assert_string_equal(small, "low");
	assert_int_equal(small[11], 'Z');                   /* nothing written past len */
	char one[1] = {'Z'};
	vg_names_join(vg_severity_names, VG_SEV_COUNT, one, 1);
	assert_int_equal(one[0], '\0');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(time_parse_known_values),
		cmocka_unit_test(time_format_known_values),
		cmocka_unit_test(time_round_trips),
		cmocka_unit_test(time_leap_years),
		cmocka_unit_test(time_month_lengths),
		cmocka_unit_test(time_bad_inputs),
		cmocka_unit_test(time_loose_parsing),
		cmocka_unit_test(time_dates),
		cmocka_unit_test(time_civil_days),
		cmocka_unit_test(time_weekday),
		cmocka_unit_test(time_clocks),
		cmocka_unit_test(event_decode_full),
		cmocka_unit_test(event_decode_minimal),
		cmocka_unit_test(event_every_kind),
		cmocka_unit_test(event_validation_errors),
		cmocka_unit_test(event_non_objects),
		cmocka_unit_test(event_length_limits),
		cmocka_unit_test(event_nul_and_quoting),
		cmocka_unit_test(event_encode_round_trip),
		cmocka_unit_test(token_new),
		cmocka_unit_test(token_sha256_vectors),
		cmocka_unit_test(token_equal),
		cmocka_unit_test(cfg_read_and_values),
		cmocka_unit_test(cfg_errors),
		cmocka_unit_test(log_levels_and_format),
		cmocka_unit_test(db_open_and_migrate),
		cmocka_unit_test(anomaly_vocabulary),
		cmocka_unit_test(anomaly_names_join),
	};
	return cmocka_run_group_tests_name("common", tests, make_tmpdir, remove_tmpdir);
}
