/*
 * test_policy: the policy library as a specification.
 *
 * Loading: the bundled example loads; every kind of mistake an author can
 * make is reported with its exact "file:line: message", all of them at once,
 * in source order. Deciding: each reason code, each matching rule and the
 * allowed cases, against tests/data/policy/decide.cfg (one person per
 * situation) and the example organisation.
 *
 * Run from the repository root, or set VIGIL_SRCDIR to it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "policy_asserts.h"

#include "pol.h"
#include "vg_event.h"
#include "vg_time.h"

#include <jansson.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX "tests/data/policy/"
#define MON_TIME "2026-11-16T10:00:00Z"
#define EXAMPLE "policy/examples/example.cfg"

/* The day the fixtures' "already past" warnings are judged against. */
static int64_t load_day(void)
{
	int64_t ms;
	vg_date_parse("2026-11-22", &ms);
	return ms;
}

static int64_t at(const char *t)
{
	int64_t ms = 0;
	assert_int_equal(vg_time_parse_loose(t, &ms), 0);
	return ms;
}

/* ---- Helpers for loading ------------------------------------------------ */

/* Loads path expecting it to fail; diag receives the messages. */
static void load_expect_failure(const char *path, struct pol_diag *diag)
{
	struct pol_policy *p = (struct pol_policy *)1;
	pol_diag_init(diag);
	assert_int_equal(pol_load_at(path, load_day(), &p, diag), -1);
	assert_null(p);
}

/* The diagnostics must be exactly these lines, in this order. */
static void assert_diag_lines(const struct pol_diag *d, const char *const want[], size_t n)
{
	for (size_t i = 0; i < d->n && i < n; i++) {
		if (strcmp(d->items[i].text, want[i]) != 0)
			fail_msg("diagnostic %zu:\n  got:  %s\n  want: %s", i, d->items[i].text, want[i]);
	}
	if (d->n != n) {
		for (size_t i = 0; i < d->n; i++)
			print_message("  %s\n", d->items[i].text);
		fail_msg("got %zu diagnostics, want %zu", d->n, n);
	}
}

#define ASSERT_DIAG(d, ...)                                                                     \
	do {                                                                                    \
		static const char *const want_[] = {__VA_ARGS__};                               \
		assert_diag_lines(d, want_, sizeof want_ / sizeof want_[0]);                    \
	} while (0)

/* Writes text to a fresh temporary file; path receives its name. */
static void write_temp(char path[64], const char *text)
{
	int fd;
	FILE *f;
	snprintf(path, 64, "/tmp/vigil-test-policy-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* ---- Loading the example ------------------------------------------------ */

static void example_loads_with_one_warning_for_the_overdue_review(void **state)
{
	struct pol_policy *p = NULL;
	struct pol_diag d;
	(void)state;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(EXAMPLE, load_day(), &p, &d), 0);
	assert_non_null(p);
	assert_int_equal(d.errors, 0);
	ASSERT_DIAG(&d, EXAMPLE ":111: warning: clearance review of person 'p1007' was due "
	                "2026-09-30 and is overdue");
	assert_string_equal(pol_id(p), "example");
	assert_int_equal(pol_serial(p), 1);
	assert_int_equal(pol_person_count(p), 11);
	assert_int_equal(pol_resource_count(p), 7);
	pol_diag_free(&d);
	pol_free(p);
}

static void loading_without_a_diag_list_still_reports_success_or_failure(void **state)
{
	struct pol_policy *p = NULL;
	(void)state;
	assert_int_equal(pol_load(EXAMPLE, &p, NULL), 0);
	assert_non_null(p);
	pol_free(p);
	assert_int_equal(pol_load(FIX "bad-refs.cfg", &p, NULL), -1);
	assert_null(p);
}

/* ---- Every kind of error, with its file and line ------------------------ */

static void a_missing_file_is_an_error_naming_it(void **state)
{
	struct pol_diag d;
	(void)state;
	load_expect_failure(FIX "no-such-policy.cfg", &d);
	ASSERT_DIAG(&d, FIX "no-such-policy.cfg: cannot open policy: No such file or directory");
	pol_diag_free(&d);
}

static void a_syntax_error_stops_parsing_at_its_line(void **state)
{
	struct pol_diag d;
	(void)state;
	load_expect_failure(FIX "syntax.cfg", &d);
	ASSERT_DIAG(&d, FIX "syntax.cfg:3: syntax error");
	pol_diag_free(&d);
}

/* A misspelt key would silently drop a restriction, so it is an error. */
static void unknown_keys_are_errors_with_the_nearest_known_key(void **state)
{
	struct pol_diag d;
	(void)state;
	load_expect_failure(FIX "unknown-keys.cfg", &d);
	ASSERT_DIAG(&d,
	            FIX "unknown-keys.cfg:5: missing required setting 'clearance' in person",
	            FIX "unknown-keys.cfg:6: unknown setting 'clearence' in person (did you mean "
	                "'clearance'?)",
	            FIX "unknown-keys.cfg:9: unknown setting 'reviewdue' in clearance (did you mean "
	                "'review_due'?)",
	            FIX "unknown-keys.cfg:11: unknown setting 'compartment' in resource (did you mean "
	                "'compartments'?)",
	            FIX "unknown-keys.cfg:12: unknown setting 'host' in the policy (did you mean "
	                "'hosts'?)");
	assert_int_equal(d.errors, 5);
	pol_diag_free(&d);
}

static void references_to_undefined_names_suggest_the_nearest(void **state)
{
	struct pol_diag d;
	(void)state;
	load_expect_failure(FIX "bad-refs.cfg", &d);
	ASSERT_DIAG(&d,
	            FIX "bad-refs.cfg:4: unknown level 'SECERT' (did you mean 'SECRET'?)",
	            FIX "bad-refs.cfg:6: unknown level 'TOPSECRET' (did you mean 'SECRET'?)",
	            FIX "bad-refs.cfg:8: unknown schedule 'ofice' (did you mean 'office'?)",
	            FIX "bad-refs.cfg:9: unknown privilege 'sduo' (did you mean 'sudo'?)",
	            FIX "bad-refs.cfg:10: unknown level 'SECRT' (did you mean 'SECRET'?)",
	            FIX "bad-refs.cfg:11: unknown compartment 'FALCN' (did you mean 'FALCON'?)",
	            FIX "bad-refs.cfg:14: unknown compartment 'ORCA'");
	pol_diag_free(&d);
}

static void duplicates_and_shared_accounts_point_at_the_first_definition(void **state)
{
	struct pol_diag d;
	(void)state;
	load_expect_failure(FIX "duplicates.cfg", &d);
	ASSERT_DIAG(&d,
	            FIX "duplicates.cfg:5: duplicate level 'SECRET' (first defined at " FIX
	                "duplicates.cfg:4)",
	            FIX "duplicates.cfg:6: duplicate level rank 20 ('TOP SECRET' and 'SECRET' at " FIX
	                "duplicates.cfg:4)",
	            FIX "duplicates.cfg:8: duplicate compartment 'FALCON' (first defined at " FIX
	                "duplicates.cfg:8)",
	            FIX "duplicates.cfg:10: account 'alice' is listed twice",
	            FIX "duplicates.cfg:12: duplicate person id 'p1' (first defined at " FIX
	                "duplicates.cfg:10)",
	            FIX "duplicates.cfg:14: account 'alice' already belongs to person 'p1' (" FIX
	                "duplicates.cfg:10)",
	            FIX "duplicates.cfg:17: compartment 'FALCON' is listed twice for person 'p2'",
	            FIX "duplicates.cfg:21: duplicate resource id 'r1' (first defined at " FIX
	                "duplicates.cfg:20)",
	            FIX "duplicates.cfg:22: resource path '/srv/a/' is already used by resource 'r1' "
	                "(" FIX "duplicates.cfg:20)");
	pol_diag_free(&d);
}

static void values_are_checked_for_shape_and_range(void **state)
{
	struct pol_diag d;
	(void)state;
	load_expect_failure(FIX "bad-values.cfg", &d);
	ASSERT_DIAG(&d,
	            FIX "bad-values.cfg:2: 'serial' = -1 is outside 0..9007199254740991",
	            FIX "bad-values.cfg:3: 'rank' = 5000 is outside 0..1000",
	            FIX "bad-values.cfg:3: level name 'TOP:SECRET' may hold only letters, digits, "
	                "inner spaces, '_', '-' and '.'",
	            FIX "bad-values.cfg:6: invalid day 'funday' (expected mon, tue, wed, thu, fri, "
	                "sat or sun)",
	            FIX "bad-values.cfg:6: day 'mon' is listed twice",
	            FIX "bad-values.cfg:6: 'start' must be a time \"HH:MM\" (00:00 to 23:59), not "
	                "'7:00'",
	            FIX "bad-values.cfg:6: 'end' must be a time \"HH:MM\" (00:00 to 24:00), not "
	                "'25:00'",
	            FIX "bad-values.cfg:6: unknown time zone 'Mars/Olympus_Mons' (no such zone in "
	                "/usr/share/zoneinfo)",
	            FIX "bad-values.cfg:7: 'days' must name at least one day",
	            FIX "bad-values.cfg:7: 'start' and 'end' are both 09:00: the window is empty",
	            FIX "bad-values.cfg:7: invalid time zone offset '+15:00': use \"+HH:MM\" or "
	                "\"-HH:MM\", at most 14:00",
	            FIX "bad-values.cfg:9: 'removable_media' must be true or false",
	            FIX "bad-values.cfg:12: invalid status 'actve' (did you mean 'active'?)",
	            FIX "bad-values.cfg:12: 'granted' must be a date \"YYYY-MM-DD\", not '2020-13-01'",
	            FIX "bad-values.cfg:13: 'accounts' must be a list of strings, e.g. [\"a\", \"b\"]",
	            FIX "bad-values.cfg:14: 'granted' must be a date string \"YYYY-MM-DD\"",
	            FIX "bad-values.cfg:17: 'review_due' is before 'granted'",
	            FIX "bad-values.cfg:17: warning: clearance review of person 'p3' was due "
	                "2019-01-01 and is overdue",
	            FIX "bad-values.cfg:19: an active clearance needs 'granted' (the date it took "
	                "effect)",
	            FIX "bad-values.cfg:20: missing required setting 'id' in person",
	            FIX "bad-values.cfg:21: invalid status 'whatever' (expected pending, interim, "
	                "active, suspended, revoked, denied, expired or debriefed)",
	            FIX "bad-values.cfg:22: missing required setting 'clearance' in person",
	            FIX "bad-values.cfg:25: resource path 'srv/relative/' must be absolute",
	            FIX "bad-values.cfg:26: resource path '/srv//double/' must not contain '//', "
	                "'/./' or '/../'",
	            FIX "bad-values.cfg:27: missing required setting 'level' in resource");
	assert_int_equal(d.errors, 24);
	assert_int_equal(d.warnings, 1);
	pol_diag_free(&d);
}

static void warnings_point_at_problems_but_do_not_fail_the_load(void **state)
{
	struct pol_policy *p = NULL;
	struct pol_diag d;
	(void)state;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(FIX "warnings.cfg", load_day(), &p, &d), 0);
	ASSERT_DIAG(&d,
	            FIX "warnings.cfg:8: warning: clearance review of person 'p1' was due 2026-11-01 "
	                "and is overdue",
	            FIX "warnings.cfg:11: warning: person 'p2' is read on to 'FALCON', which needs "
	                "SECRET, but is cleared to CONFIDENTIAL",
	            FIX "warnings.cfg:14: warning: person 'p3' holds an interim clearance, which "
	                "gives no compartment access; the read-on to 'FALCON' takes effect when it "
	                "is active",
	            FIX "warnings.cfg:15: warning: person 'p4' has no 'hosts', so every login is "
	                "reported as host_not_permitted (use hosts = [\"*\"] for any host)",
	            FIX "warnings.cfg:17: warning: person 'p5' has no accounts, so no activity can "
	                "be attributed to them",
	            FIX "warnings.cfg:21: warning: resource 'r1' is classified CONFIDENTIAL but "
	                "compartment 'FALCON' needs SECRET; SECRET applies");
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 6);
	pol_diag_free(&d);
	pol_free(p);
}

/* "Already past" depends on the day the policy is loaded. */
static void a_review_not_yet_due_at_load_time_is_no_warning(void **state)
{
	struct pol_policy *p = NULL;
	struct pol_diag d;
	(void)state;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(FIX "warnings.cfg", at("2026-11-01T23:59:59Z"), &p, &d), 0);
	assert_int_equal(d.warnings, 5);
	assert_null(strstr(d.items[0].text, "overdue"));
	pol_diag_free(&d);
	pol_free(p);
}

static void errors_in_an_included_file_name_that_file(void **state)
{
	struct pol_diag d;
	(void)state;
	load_expect_failure(FIX "include-main.cfg", &d);
	ASSERT_DIAG(&d, FIX "include-persons.cfg:6: unknown level 'SECRT' (did you mean 'SECRET'?)");
	pol_diag_free(&d);
}

/* An author fixing a policy wants every problem in one run, in file order. */
static void many_errors_are_all_reported_in_source_order(void **state)
{
	enum { N = 300 };
	char path[64], want[256];
	char *text = malloc(N * 200 + 1000), *o;
	struct pol_diag d;
	(void)state;
	assert_non_null(text);
	o = text + sprintf(text, "policy = { id = \"many\"; serial = 1; };\n"
	                         "levels = ( { name = \"SECRET\"; rank = 20; } );\n"
	                         "persons = (\n");
	for (int i = 0; i < N; i++)
		o += sprintf(o, "%s{ id = \"p%d\"; accounts = [\"u%d\"]; hosts = [\"*\"]; "
		                "clearance = { level = \"SECRT\"; status = \"active\"; nda_signed = \"2020-01-01\"; "
		                "granted = \"2020-01-01\"; }; }\n",
		             i ? "," : "", i, i);
	/* A section-level problem near the top, found after the persons. */
	sprintf(o, ");\nresources = ( { id = \"r\"; path = \"relative\"; level = \"SECRET\"; } );\n");
	write_temp(path, text);
	free(text);

	load_expect_failure(path, &d);
	assert_int_equal(d.errors, N + 1);
	assert_int_equal(d.n, N + 1);
	for (int i = 0; i < N; i++) {
		snprintf(want, sizeof want, "%s:%d: unknown level 'SECRT' (did you mean 'SECRET'?)", path,
		         4 + i);
		assert_string_equal(d.items[i].text, want);
	}
	snprintf(want, sizeof want, "%s:%d: resource path 'relative' must be absolute", path, 5 + N);
	assert_string_equal(d.items[N].text, want);
	pol_diag_free(&d);
	unlink(path);
}

/* The collector loads in a child process to keep the parser's memory out
 * of its own; the result must be indistinguishable. */
static void an_isolated_load_reports_and_decides_exactly_as_in_process(void **state)
{
	struct pol_policy *p = NULL, *q = NULL;
	struct pol_diag a, b;
	struct pol_request req = {.account = "bob", .host = "ws-2", .path = "/data/orca/x",
	                          .action = POL_ACT_READ};
	struct pol_decision d1, d2;
	(void)state;

	pol_diag_init(&a);
	pol_diag_init(&b);
	assert_int_equal(pol_load_at(FIX "bad-values.cfg", load_day(), &p, &a), -1);
	assert_int_equal(pol_load_isolated_at(FIX "bad-values.cfg", load_day(), &q, &b), -1);
	assert_null(q);
	assert_int_equal(a.n, b.n);
	assert_int_equal(a.errors, b.errors);
	assert_int_equal(a.warnings, b.warnings);
	for (size_t i = 0; i < a.n; i++) {
		assert_string_equal(a.items[i].text, b.items[i].text);
		assert_int_equal(a.items[i].line, b.items[i].line);
	}
	pol_diag_free(&a);
	pol_diag_free(&b);

	assert_int_equal(pol_load_isolated_at(FIX "decide.cfg", load_day(), &q, NULL), 0);
	assert_int_equal(pol_load_at(FIX "decide.cfg", load_day(), &p, NULL), 0);
	req.time_ms = at(MON_TIME);
	pol_decide(p, &req, &d1);
	pol_decide(q, &req, &d2);
	assert_int_equal(d1.nreasons, 3);
	assert_int_equal(d2.nreasons, 3);
	for (int i = 0; i < 3; i++)
		assert_string_equal(d1.reasons[i].code, d2.reasons[i].code);
	assert_string_equal(pol_resource_id(d2.resource), "orca");
	assert_string_equal(pol_person_name(pol_find_account(q, "alice-adm")), "Alice");
	pol_free(p);
	pol_free(q);
}

/* ---- Decisions against tests/data/policy/decide.cfg --------------------- */

static int load_decide_fixture(void **state)
{
	struct pol_policy *p = NULL;
	if (pol_load_at(FIX "decide.cfg", load_day(), &p, NULL) != 0)
		return -1;
	*state = p;
	return 0;
}

static int free_policy(void **state)
{
	pol_free(*state);
	return 0;
}

static struct pol_decision decide_request(const struct pol_policy *p, const char *account,
                                          const char *host, const char *path, const char *time,
                                          enum pol_action action, const char *service)
{
	struct pol_request q = {
	    .account = account, .host = host, .path = path, .time_ms = at(time),
	    .action = action, .service = service,
	};
	struct pol_decision d;
	pol_decide(p, &q, &d);
	return d;
}

/* What account did on host at time (an ISO time), touching path. */
static struct pol_decision decide(const struct pol_policy *p, const char *account,
                                  const char *host, const char *path, const char *time,
                                  enum pol_action action)
{
	return decide_request(p, account, host, path, time, action, NULL);
}

/* A su/sudo by account, with the PAM service (tool) when known. */
static struct pol_decision decide_tool(const struct pol_policy *p, const char *account,
                                       const char *host, const char *path, const char *time,
                                       const char *tool)
{
	return decide_request(p, account, host, path, time, POL_ACT_PRIVILEGE, tool);
}




#define MON MON_TIME

static void a_cleared_person_read_on_to_the_compartment_is_allowed(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d =
	    decide(p, "alice", "ws-0001", "/data/falcon/plan.txt", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	assert_string_equal(pol_person_id(d.person), "p-alice");
	assert_string_equal(pol_resource_id(d.resource), "falcon");
	assert_string_equal(pol_host_name(d.host), "ws-*");
	assert_string_equal(pol_host_site(d.host), "hq");
}

static void an_allowed_login_within_schedule_and_permitted_host(void **state)
{
	struct pol_decision d = decide(*state, "bob", "ws-0002", NULL, MON, POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
	assert_null(d.resource);
}

static void an_account_of_no_person_gets_the_single_reason_unknown_account(void **state)
{
	struct pol_decision d =
	    decide(*state, "mallory", "ws-0001", "/data/ts/x", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "unknown_account");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_UNKNOWN_ACCOUNT);
	assert_null(d.person);
	assert_string_equal(pol_resource_id(d.resource), "ts");
}

static void a_resource_above_the_clearance_is_clearance_exceeded(void **state)
{
	struct pol_decision d =
	    decide(*state, "bob", "ws-0002", "/data/ts/roadmap.txt", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_CLEARANCE);
}

/* ORCA is TOP SECRET and needs TOP SECRET: three separate findings. */
static void a_compartment_not_read_on_also_reports_its_minimum_level(void **state)
{
	struct pol_decision d =
	    decide(*state, "bob", "ws-0002", "/data/orca/x", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET", "compartment_level:ORCA:SECRET<TOP SECRET",
	              "missing_compartment:ORCA");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_CLEARANCE);
	assert_int_equal(d.reasons[1].cls, POL_CLASS_CLEARANCE);
	assert_int_equal(d.reasons[2].cls, POL_CLASS_NEED_TO_KNOW);
}

/* Carol was debriefed from FALCON on 2026-10-30: from that day on. */
static void access_after_a_debrief_is_need_to_know(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "carol", "ws-3", "/data/falcon/a", "2026-10-29T23:59:59Z", POL_ACT_READ);
	ASSERT_ALLOWED(d);
	d = decide(p, "carol", "ws-3", "/data/falcon/a", "2026-10-30T00:00:00Z", POL_ACT_READ);
	ASSERT_DENIED(d, "debriefed:FALCON");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_NEED_TO_KNOW);
}

static void access_before_the_read_on_date_is_need_to_know(void **state)
{
	struct pol_decision d =
	    decide(*state, "bob", "ws-2", "/data/kite/k", MON, POL_ACT_WRITE);
	ASSERT_DENIED(d, "not_yet_read_on:KITE");
	d = decide(*state, "bob", "ws-2", "/data/kite/k", "2026-12-01T10:00:00Z", POL_ACT_WRITE);
	ASSERT_ALLOWED(d);
}

static void a_suspended_person_is_vetting_lapsed_for_any_action(void **state)
{
	struct pol_decision d =
	    decide(*state, "dan", "ws-9", "/data/pub/a", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "status:suspended");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_VETTING);
	d = decide(*state, "dan", NULL, NULL, MON, POL_ACT_OTHER);
	ASSERT_DENIED(d, "status:suspended");
}

/* Interim vetting is enough for SECRET work but not for compartments. */
static void an_interim_clearance_gives_no_compartment_access(void **state)
{
	struct pol_decision d =
	    decide(*state, "eve", "ws-5", "/data/sec/report", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	d = decide(*state, "eve", "ws-5", "/data/falcon/plan", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "interim_no_compartments:FALCON");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_NEED_TO_KNOW);
}

/* Fay's review was due 2026-11-10: overdue from the 11th. */
static void a_review_is_overdue_from_the_day_after_it_was_due(void **state)
{
	struct pol_decision d =
	    decide(*state, "fay", "ws-6", NULL, "2026-11-10T23:59:59Z", POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
	d = decide(*state, "fay", "ws-6", NULL, "2026-11-11T00:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "review_overdue:2026-11-10");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_VETTING);
}

static void activity_before_the_clearance_was_granted_is_vetting_lapsed(void **state)
{
	struct pol_decision d = decide(*state, "gus", "ws-7", NULL, MON, POL_ACT_LOGIN);
	ASSERT_DENIED(d, "not_yet_granted:2026-12-01");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_VETTING);
}

static void a_login_to_a_host_above_the_clearance_and_not_listed(void **state)
{
	struct pol_decision d = decide(*state, "bob", "lab-01", NULL, MON, POL_ACT_LOGIN);
	ASSERT_DENIED(d, "host_level:TOP SECRET>SECRET", "host_not_permitted:lab-01");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_CLEARANCE);
	assert_int_equal(d.reasons[1].cls, POL_CLASS_HOST);
	assert_string_equal(pol_host_site(d.host), "lab");
}

static void a_login_to_a_host_not_in_the_persons_list(void **state)
{
	struct pol_decision d = decide(*state, "alice", "kiosk-1", NULL, MON, POL_ACT_LOGIN);
	ASSERT_DENIED(d, "host_not_permitted:kiosk-1");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_HOST);
}

static void a_login_to_a_host_no_rule_accredits(void **state)
{
	struct pol_decision d =
	    decide(*state, "alice", "printer-3", NULL, MON, POL_ACT_LOGIN);
	ASSERT_DENIED(d, "host_unlisted:printer-3", "host_not_permitted:printer-3");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_HOST);
	assert_null(d.host);
}

static void host_names_match_without_regard_to_case(void **state)
{
	struct pol_decision d = decide(*state, "alice", "WS-0001", NULL, MON, POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
}

/* Bob's office hours are 08:00-18:00 at +02:00, i.e. 06:00-16:00 UTC. */
static void a_schedule_is_judged_in_its_own_time_zone(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "bob", "ws-2", NULL, "2026-11-16T06:00:00Z", POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
	d = decide(p, "bob", "ws-2", NULL, "2026-11-16T15:59:59Z", POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
	d = decide(p, "bob", "ws-2", NULL, "2026-11-16T16:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "outside_schedule:office");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_SCHEDULE);
	d = decide(p, "bob", "ws-2", NULL, "2026-11-16T05:59:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "outside_schedule:office");
	/* Saturday 2026-11-21 at noon. */
	d = decide(p, "bob", "ws-2", "/data/pub/a", "2026-11-21T12:00:00Z", POL_ACT_READ);
	ASSERT_DENIED(d, "outside_schedule:office");
	/* Friday 23:30 UTC is already Saturday 01:30 at +02:00. */
	d = decide(p, "bob", "ws-2", NULL, "2026-11-20T23:30:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "outside_schedule:office");
}

/* Nina works Monday 22:00 to Tuesday 06:00 UTC. */
static void an_overnight_schedule_runs_into_the_next_day(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "nina", "ws-1", NULL, "2026-11-16T23:00:00Z", POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
	d = decide(p, "nina", "ws-1", NULL, "2026-11-17T05:59:00Z", POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
	d = decide(p, "nina", "ws-1", NULL, "2026-11-17T06:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "outside_schedule:night");
	d = decide(p, "nina", "ws-1", NULL, "2026-11-16T21:59:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "outside_schedule:night");
	d = decide(p, "nina", "ws-1", NULL, "2026-11-17T23:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "outside_schedule:night");
}

/* The tool is the PAM service when known, else the basename of the path. */
static void su_and_sudo_need_the_matching_privilege(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide_tool(p, "alice", "ws-1", "/usr/bin/sudo", MON, "sudo");
	ASSERT_ALLOWED(d);
	d = decide_tool(p, "alice", "ws-1", NULL, MON, "sudo-i");
	ASSERT_ALLOWED(d);
	d = decide_tool(p, "alice", "ws-1", "/bin/su", MON, NULL);
	ASSERT_DENIED(d, "privilege_not_granted:su");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_PRIVILEGE);
	d = decide_tool(p, "bob", "ws-2", "/usr/bin/sudo", MON, NULL);
	ASSERT_DENIED(d, "privilege_not_granted:sudo");
	d = decide_tool(p, "nina", "ws-1", NULL, "2026-11-16T23:00:00Z", "su-l");
	ASSERT_ALLOWED(d);
	d = decide_tool(p, "alice", "ws-1", NULL, MON, NULL);
	ASSERT_DENIED(d, "privilege_not_granted:unknown");
}

static void removable_media_only_where_the_host_rule_allows_it(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "alice", "lab-01", "/media/usb0", MON, POL_ACT_MEDIA);
	ASSERT_ALLOWED(d);
	d = decide(p, "bob", "ws-0002", "/media/usb0", MON, POL_ACT_MEDIA);
	ASSERT_DENIED(d, "removable_media_forbidden:ws-*");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_MEDIA);
	d = decide(p, "alice", "printer-3", "/media/usb0", MON, POL_ACT_MEDIA);
	ASSERT_DENIED(d, "removable_media_forbidden:printer-3");
}

/* A glob and a prefix both cover /data/pub/x.draft: the stricter level
 * (CONFIDENTIAL) applies and that rule is reported. */
static void every_rule_covering_a_path_applies(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "cleo", "ws-4", "/data/pub/notes.txt", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	assert_string_equal(pol_resource_id(d.resource), "pub");
	d = decide(p, "cleo", "ws-4", "/data/pub/notes.draft", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	assert_string_equal(pol_resource_id(d.resource), "pub-drafts");
	d = decide(p, "bob", "ws-2", "/data/sec/keys/host.pem", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
	assert_string_equal(pol_resource_id(d.resource), "keys");
	/* The deeper TOP SECRET prefix adds its level; FALCON still applies. */
	d = decide(p, "carol", "ws-3", "/data/falcon/deep/x", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET", "debriefed:FALCON");
	assert_string_equal(pol_resource_id(d.resource), "falcon-deep");
}

static void a_glob_star_does_not_cross_a_slash(void **state)
{
	struct pol_decision d = decide(*state, "bob", "ws-2", "/data/sec/keys/old/host.pem", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	assert_string_equal(pol_resource_id(d.resource), "sec");
}

/* "/data/pub/../ts/x" is /data/ts/x: spelling must not dodge a prefix. */
static void dot_dot_and_double_slashes_do_not_dodge_a_prefix(void **state)
{
	const struct pol_policy *p = *state;
	const char *paths[] = {"/data/pub/../ts/x", "/data//ts/x", "/data/./ts/x", "//data/ts/x",
	                       "/data/pub/a/../../ts/x"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		struct pol_decision d =
		    decide(p, "bob", "ws-2", paths[i], MON, POL_ACT_READ);
		ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
	}
}

/* Listing /data/ts reveals the names of TOP SECRET files. */
static void the_directory_a_prefix_names_is_covered_too(void **state)
{
	struct pol_decision d = decide(*state, "bob", "ws-2", "/data/ts", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
	d = decide(*state, "bob", "ws-2", "/data/tsx", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
}

static void a_path_no_rule_covers_has_no_classification(void **state)
{
	struct pol_decision d =
	    decide(*state, "bob", "ws-2", "/usr/bin/ls", MON, POL_ACT_EXEC);
	ASSERT_ALLOWED(d);
	assert_null(d.resource);
}

static void every_account_of_a_person_maps_to_that_person(void **state)
{
	const struct pol_policy *p = *state;
	assert_ptr_equal(pol_find_account(p, "alice-adm"), pol_find_account(p, "alice"));
	assert_ptr_equal(pol_find_person(p, "p-alice"), pol_find_account(p, "alice"));
	assert_null(pol_find_account(p, "Alice"));
	assert_string_equal(pol_person_account(pol_find_person(p, "p-alice"), 1), "alice-adm");
	assert_null(pol_person_account(pol_find_person(p, "p-alice"), 2));
}

/* All reasons, not just the first. */
static void all_reasons_are_returned_together(void **state)
{
	struct pol_decision d = decide(*state, "dan", "lab-01", NULL, "2026-11-21T12:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "status:suspended", "host_level:TOP SECRET>CONFIDENTIAL",
	              "host_not_permitted:lab-01");
}

static void reason_classes_name_the_anomaly_kinds(void **state)
{
	(void)state;
	assert_string_equal(pol_class_kind(POL_CLASS_UNKNOWN_ACCOUNT), "unknown_account");
	assert_string_equal(pol_class_kind(POL_CLASS_CLEARANCE), "clearance_exceeded");
	assert_string_equal(pol_class_kind(POL_CLASS_NEED_TO_KNOW), "need_to_know");
	assert_string_equal(pol_class_kind(POL_CLASS_VETTING), "vetting_lapsed");
	assert_string_equal(pol_class_kind(POL_CLASS_HOST), "host_not_accredited");
	assert_string_equal(pol_class_kind(POL_CLASS_SCHEDULE), "outside_schedule");
	assert_string_equal(pol_class_kind(POL_CLASS_PRIVILEGE), "unauthorized_privilege");
	assert_string_equal(pol_class_kind(POL_CLASS_MEDIA), "removable_media");
}

static void each_reason_has_a_plain_english_sentence(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_request q = {.account = "bob", .host = "ws-2", .path = "/data/orca/x",
	                        .time_ms = at(MON), .action = POL_ACT_READ};
	struct pol_decision d;
	char text[512];
	pol_decide(p, &q, &d);
	assert_int_equal(d.nreasons, 3);
	pol_reason_text(&d, &q, &d.reasons[0], text, sizeof text);
	assert_string_equal(text, "Bob is cleared to SECRET but resource 'orca' (/data/orca/) is "
	                          "classified TOP SECRET.");
	pol_reason_text(&d, &q, &d.reasons[1], text, sizeof text);
	assert_string_equal(text, "Compartment ORCA requires a TOP SECRET clearance; Bob is cleared "
	                          "to SECRET.");
	pol_reason_text(&d, &q, &d.reasons[2], text, sizeof text);
	assert_string_equal(text, "Bob is not read on to compartment ORCA, which resource 'orca' "
	                          "(/data/orca/) requires.");
	q.account = "nobody";
	pol_decide(p, &q, &d);
	pol_reason_text(&d, &q, &d.reasons[0], text, sizeof text);
	assert_string_equal(text, "Account 'nobody' does not belong to any vetted person in the "
	                          "policy.");
}

static void matching_resources_are_listed_longest_prefix_first(void **state)
{
	const struct pol_resource *m[8];
	size_t n = pol_match_resources(*state, "/data/pub/x.draft", m, 8);
	assert_int_equal(n, 2);
	assert_string_equal(pol_resource_id(m[0]), "pub");
	assert_string_equal(pol_resource_id(m[1]), "pub-drafts");
	n = pol_match_resources(*state, "/data/falcon/deep/y", m, 8);
	assert_int_equal(n, 2);
	assert_string_equal(pol_resource_id(m[0]), "falcon-deep");
	assert_string_equal(pol_resource_id(m[1]), "falcon");
	assert_string_equal(pol_resource_compartment(*state, m[1], 0), "FALCON");
	assert_null(pol_resource_compartment(*state, m[1], 1));
	assert_int_equal(pol_match_resources(*state, "relative/path", m, 8), 0);
}

/* A decision holds POL_MAX_REASONS; more are flagged, and still deny. */
static void a_decision_with_too_many_reasons_is_truncated_and_denied(void **state)
{
	char path[64], *text = malloc(8192), *o;
	struct pol_policy *p = NULL;
	struct pol_decision d;
	(void)state;
	assert_non_null(text);
	o = text + sprintf(text, "policy = { id = \"t\"; serial = 1; };\n"
	                         "levels = ( { name = \"S\"; rank = 1; } );\ncompartments = (");
	for (int i = 0; i < 20; i++)
		o += sprintf(o, "%s{ name = \"C%d\"; }", i ? ", " : "", i);
	o += sprintf(o, ");\npersons = ( { id = \"p\"; accounts = [\"u\"]; hosts = [\"*\"];\n"
	                "  clearance = { level = \"S\"; status = \"active\"; granted = \"2020-01-01\"; "
	                "}; } );\nresources = ( { id = \"r\"; path = \"/r/\"; level = \"S\"; "
	                "compartments = [");
	for (int i = 0; i < 20; i++)
		o += sprintf(o, "%s\"C%d\"", i ? ", " : "", i);
	sprintf(o, "]; } );\n");
	write_temp(path, text);
	free(text);
	assert_int_equal(pol_load_at(path, load_day(), &p, NULL), 0);
	d = decide(p, "u", "h", "/r/x", MON, POL_ACT_READ);
	assert_false(d.allow);
	assert_true(d.truncated);
	assert_int_equal(d.nreasons, POL_MAX_REASONS);
	assert_string_equal(d.reasons[0].code, "missing_compartment:C0");
	pol_free(p);
	unlink(path);
}

/* ---- The example organisation ------------------------------------------- */

static int load_example(void **state)
{
	struct pol_policy *p = NULL;
	if (pol_load_at(EXAMPLE, load_day(), &p, NULL) != 0)
		return -1;
	*state = p;
	return 0;
}

#define WED "2026-11-18T10:00:00Z"

static void example_shows_each_violation_the_demo_relies_on(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;

	d = decide(p, "bob", "ws-0002", "/srv/vigil-demo/falcon/design.txt", WED, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	d = decide(p, "dave", "ws-0004", "/srv/vigil-demo/ts/roadmap.txt", WED, POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
	d = decide(p, "bob", "ws-0002", "/srv/vigil-demo/orca/sonar.txt", WED, POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET", "compartment_level:ORCA:SECRET<TOP SECRET",
	              "missing_compartment:ORCA");
	d = decide(p, "erin", "ws-0005", "/srv/vigil-demo/falcon/design.txt", WED, POL_ACT_READ);
	ASSERT_DENIED(d, "debriefed:FALCON");
	d = decide(p, "frank", "ws-0006", NULL, WED, POL_ACT_LOGIN);
	ASSERT_DENIED(d, "status:suspended");
	d = decide(p, "grace", "ws-0007", "/srv/vigil-demo/falcon/a.txt", WED, POL_ACT_READ);
	ASSERT_DENIED(d, "review_overdue:2026-09-30");
	d = decide(p, "heidi", "lab-0002", NULL, WED, POL_ACT_LOGIN);
	ASSERT_DENIED(d, "host_not_permitted:lab-0002");
	d = decide(p, "tmpuser", "srv-0001", NULL, WED, POL_ACT_LOGIN);
	ASSERT_DENIED(d, "unknown_account");
	/* Ivan's interim clearance: SECRET work at the lab (UTC+1 shifts). */
	d = decide(p, "ivan", "lab-0003", "/srv/vigil-demo/secret/s.txt", WED, POL_ACT_READ);
	ASSERT_ALLOWED(d);
}

/* The demo stream (tests/data/demo-events.ndjson) is valid schema v1, in
 * order per host, and against the example policy yields exactly the
 * injected findings: every other event is allowed. */
static void demo_stream_shows_exactly_the_injected_findings(void **state)
{
	static const struct {
		const char *user, *code;
		enum pol_class cls;
		int seen;
	} expected_init[] = {
	    {"dave", "level:SECRET<TOP SECRET", POL_CLASS_CLEARANCE, 0},
	    {"heidi", "missing_compartment:FALCON", POL_CLASS_NEED_TO_KNOW, 0},
	    {"erin", "debriefed:FALCON", POL_CLASS_NEED_TO_KNOW, 0},
	    {"frank", "status:suspended", POL_CLASS_VETTING, 0},
	    {"grace", "review_overdue:2026-09-30", POL_CLASS_VETTING, 0},
	    {"tmpuser", "unknown_account", POL_CLASS_UNKNOWN_ACCOUNT, 0},
	    {"heidi", "host_not_permitted:lab-0002", POL_CLASS_HOST, 0},
	    {"bob", "outside_schedule:office", POL_CLASS_SCHEDULE, 0},
	    {"judy", "privilege_not_granted:sudo", POL_CLASS_PRIVILEGE, 0},
	    {"judy", "removable_media_forbidden:ws-*", POL_CLASS_MEDIA, 0},
	};
	enum { NEXP = sizeof expected_init / sizeof expected_init[0] };
	struct {
		const char *user, *code;
		enum pol_class cls;
		int seen;
	} expected[NEXP];
	struct {
		char host[64];
		long long seq;
	} hosts[32];
	size_t nhosts = 0, lines = 0, judged = 0, denied = 0;
	int64_t last_time = 0;
	char line[4096], err[256];
	FILE *f = fopen("tests/data/demo-events.ndjson", "r");

	memcpy(expected, expected_init, sizeof expected);
	assert_non_null(f);
	while (fgets(line, sizeof line, f)) {
		json_error_t jerr;
		json_t *obj = json_loads(line, 0, &jerr);
		struct vg_event ev;
		struct pol_request req;
		struct pol_decision d;
		size_t h;

		lines++;
		if (!obj)
			fail_msg("line %zu: %s", lines, jerr.text);
		if (vg_event_decode(obj, &ev, err, sizeof err) != 0)
			fail_msg("line %zu: %s", lines, err);
		/* Time order in the file; seq 1, 2, 3... per host. */
		assert_true(ev.time_ms >= last_time);
		last_time = ev.time_ms;
		for (h = 0; h < nhosts && strcmp(hosts[h].host, ev.host) != 0; h++)
			;
		if (h == nhosts) {
			assert_true(nhosts < 32);
			snprintf(hosts[nhosts].host, sizeof hosts[0].host, "%s", ev.host);
			hosts[nhosts++].seq = 0;
		}
		assert_int_equal(ev.seq, ++hosts[h].seq);

		if (pol_request_from_event(&ev, &req)) {
			judged++;
			pol_decide(*state, &req, &d);
			denied += !d.allow;
			for (int r = 0; r < d.nreasons; r++) {
				size_t k;
				for (k = 0; k < NEXP; k++)
					if (strcmp(expected[k].user, ev.user) == 0 &&
					    strcmp(expected[k].code, d.reasons[r].code) == 0)
						break;
				if (k == NEXP)
					fail_msg("line %zu: unexpected finding %s for %s", lines,
					         d.reasons[r].code, ev.user);
				assert_int_equal(d.reasons[r].cls, expected[k].cls);
				expected[k].seen++;
			}
		}
		json_decref(obj);
	}
	fclose(f);
	for (size_t k = 0; k < NEXP; k++)
		if (!expected[k].seen)
			fail_msg("no %s for %s in the demo stream", expected[k].code, expected[k].user);
	assert_int_equal(nhosts, 12);
	assert_true(lines >= 300 && lines <= 1500);
	/* Mostly benign. */
	assert_true(denied * 4 < judged);
	print_message("demo stream: %zu events, %zu judged, %zu denied\n", lines, judged, denied);
}

/* ---- The language beyond the core: tests/data/policy/language.cfg ------- */

static int load_language_fixture(void **state)
{
	struct pol_policy *p = NULL;
	if (pol_load_at(FIX "language.cfg", load_day(), &p, NULL) != 0)
		return -1;
	*state = p;
	return 0;
}

/* NOFORN is releasable to USA citizens only; an exception never waives it. */
static void a_caveat_needs_a_citizenship_it_may_be_released_to(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "amy", "ws-1", "/srv/noforn/a", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	d = decide(p, "ben", "ws-1", "/srv/noforn/a", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "caveat:NOFORN");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_NEED_TO_KNOW);
	/* Fay's exception SEC-104 names this resource, but caveats are never waived. */
	d = decide(p, "fay", "ws-1", "/srv/noforn/a", "2026-11-17T23:00:00Z", POL_ACT_READ);
	ASSERT_DENIED(d, "caveat:NOFORN");
	assert_int_equal(d.nwaived, 0);
	assert_null(d.exception);
}

/* REL TO lists intersect: /srv/rel/usa/ is under both REL TO USA, GBR and
 * REL TO USA, CAN, so it is releasable to USA only. */
static void releasability_lists_of_covering_resources_intersect(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	char text[512];
	struct pol_request q = {.account = "fay", .path = "/srv/rel/x",
	                        .time_ms = at("2026-11-17T23:00:00Z"), .action = POL_ACT_READ};
	d = decide(p, "ben", "ws-1", "/srv/rel/x", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	d = decide(p, "ben", "ws-1", "/srv/rel/usa/x", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "releasability:GBR");
	d = decide(p, "amy", "ws-1", "/srv/rel/usa/x", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	pol_decide(p, &q, &d);
	ASSERT_DENIED(d, "releasability:FRA,DEU");
	pol_reason_text(&d, &q, &d.reasons[0], text, sizeof text);
	assert_string_equal(text, "resource 'rel' (/srv/rel/) is not releasable to Fay "
	                          "(citizenship: FRA,DEU).");
	assert_string_equal(pol_resource_releasable(p, pol_find_resource(p, "rel"), 1), "GBR");
	assert_string_equal(pol_person_citizenship(p, pol_find_person(p, "p-fay"), 0), "FRA");
	assert_string_equal(pol_resource_caveat(p, pol_find_resource(p, "noforn"), 0), "NOFORN");
}

/* Ben (SECRET) may read the TOP SECRET tree from 2026-11-10 until 00:00 on
 * 2026-11-20 under exception SEC-101; before and after he may not. */
static void an_exception_narrows_a_deny_only_within_its_dates(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_request q = {.account = "ben", .path = "/srv/ts/x", .time_ms = at(MON),
	                        .action = POL_ACT_READ};
	struct pol_decision d;
	char text[512];

	pol_decide(p, &q, &d);
	ASSERT_ALLOWED(d);
	assert_non_null(d.exception);
	assert_string_equal(pol_exception_ticket(d.exception), "SEC-101");
	assert_string_equal(pol_exception_resource(d.exception), "ts");
	assert_int_equal(d.nwaived, 1);
	assert_string_equal(d.waived[0].code, "level:SECRET<TOP SECRET");
	pol_reason_text(&d, &q, &d.waived[0], text, sizeof text);
	assert_string_equal(text, "Ben is cleared to SECRET but resource 'ts' (/srv/ts/) is "
	                          "classified TOP SECRET. Waived by exception SEC-101 for 'p-ben' "
	                          "on 'ts', approved by Chief Security Officer, until 2026-11-20: "
	                          "incident response for INC-7.");
	d = decide(p, "ben", "ws-1", "/srv/ts/x", "2026-11-20T00:00:00Z", POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
	assert_null(d.exception);
	d = decide(p, "ben", "ws-1", "/srv/ts/x", "2026-11-09T23:59:59Z", POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
	/* Fay has no exception for it. */
	d = decide(p, "fay", "ws-1", "/srv/ts/x", "2026-11-17T23:00:00Z", POL_ACT_READ);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
}

/* Sam's exception SEC-103 waives the level, but a suspended clearance is
 * never excepted: the request stays denied. */
static void an_exception_never_overrides_a_suspended_clearance(void **state)
{
	struct pol_decision d = decide(*state, "sam", "ws-1", "/srv/ts/x", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "status:suspended");
	assert_int_equal(d.nwaived, 1);
	assert_string_equal(pol_exception_ticket(d.exception), "SEC-103");
}

/* /srv/eng/ is for group eng, /srv/eng/ops/ also for ops; SEC-102 lets
 * group eng into ops. */
static void access_groups_admit_only_their_members(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "amy", "ws-1", "/srv/eng/ops/runbook", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	assert_null(d.exception);
	d = decide(p, "ben", "ws-1", "/srv/eng/ops/runbook", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	assert_string_equal(pol_exception_ticket(d.exception), "SEC-102");
	assert_string_equal(d.waived[0].code, "not_in_access_group:ops");
	d = decide(p, "fay", "ws-1", "/srv/eng/ops/runbook", "2026-11-17T23:00:00Z", POL_ACT_READ);
	ASSERT_DENIED(d, "not_in_access_group:eng", "not_in_access_group:ops");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_NEED_TO_KNOW);
	assert_string_equal(pol_resource_group(p, pol_find_resource(p, "ops"), 0), "ops");
	assert_string_equal(pol_person_group(pol_find_person(p, "p-amy"), 1), "ops");
}

/* A holiday closes the windows that open on it, overnight ones included. */
static void a_holiday_closes_the_schedule_for_that_day(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "amy", "ws-1", NULL, "2026-11-17T10:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "holiday:office:2026-11-17");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_SCHEDULE);
	d = decide(p, "amy", "ws-1", NULL, "2026-11-18T10:00:00Z", POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
	d = decide(p, "amy", "ws-1", NULL, "2026-11-18T20:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "outside_schedule:office");
	d = decide(p, "fay", "ws-1", NULL, "2026-11-16T23:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "holiday:night:2026-11-16");
	d = decide(p, "fay", "ws-1", NULL, "2026-11-17T05:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "holiday:night:2026-11-16");
	d = decide(p, "fay", "ws-1", NULL, "2026-11-17T23:00:00Z", POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
}

/* interim_expires is the first day the interim clearance no longer holds. */
static void an_interim_clearance_lapses_on_its_expiry_date(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "ian", "ws-1", NULL, "2026-11-30T23:59:59Z", POL_ACT_LOGIN);
	ASSERT_ALLOWED(d);
	d = decide(p, "ian", "ws-1", NULL, "2026-12-01T00:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "interim_expired:2026-12-01");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_VETTING);
	assert_int_equal(pol_person_interim_expires(pol_find_person(p, "p-ian")),
	                 at("2026-12-01"));
	assert_int_equal(pol_person_investigated(pol_find_person(p, "p-amy")), at("2019-10-01"));
	assert_int_equal(pol_person_nda_signed(pol_find_person(p, "p-ian")), INT64_MIN);
}

/* A read-on to SI-G opens SI-G material only; SI needs its own read-on. */
static void a_sub_compartment_read_on_implies_nothing_about_its_parent(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = decide(p, "ben", "ws-1", "/srv/si-g/a", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	d = decide(p, "ben", "ws-1", "/srv/si/a", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "missing_compartment:SI");
	d = decide(p, "amy", "ws-1", "/srv/si/a", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	assert_int_equal(pol_compartment_count(p), 3);
	assert_string_equal(pol_compartment_parent(p, 1), "SI");
	assert_string_equal(pol_compartment_parent(p, 2), "SI-G");
	assert_null(pol_compartment_parent(p, 0));
	assert_true(pol_person_holds_compartment(p, pol_find_person(p, "p-ben"), 1, at(MON)));
	assert_false(pol_person_holds_compartment(p, pol_find_person(p, "p-ben"), 0, at(MON)));
}

/* A sub-compartment needs at least its parent's min_level. */
static void a_sub_compartment_inherits_its_parents_minimum_level(void **state)
{
	char path[64];
	struct pol_policy *p = NULL;
	struct pol_decision d;
	(void)state;
	write_temp(path, "policy = { id = \"t\"; serial = 1; };\n"
	                 "levels = ( { name = \"C\"; rank = 10; }, { name = \"S\"; rank = 20; } );\n"
	                 "compartments = ( { name = \"SI\"; min_level = \"S\"; },\n"
	                 "                 { name = \"SI-G\"; parent = \"SI\"; } );\n"
	                 "persons = ( { id = \"p\"; accounts = [\"u\"]; hosts = [\"*\"];\n"
	                 "  clearance = { level = \"C\"; status = \"active\"; granted = \"2020-01-01\"; "
	                 "nda_signed = \"2020-01-01\"; };\n"
	                 "  compartments = ( { name = \"SI\"; read_on = \"2020-01-01\"; },\n"
	                 "                   { name = \"SI-G\"; read_on = \"2020-01-01\"; } ); } );\n"
	                 "resources = ( { id = \"g\"; path = \"/g/\"; level = \"C\"; "
	                 "compartments = [\"SI-G\"]; } );\n");
	assert_int_equal(pol_load_at(path, load_day(), &p, NULL), 0);
	d = decide(p, "u", "h", "/g/x", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "compartment_level:SI-G:C<S");
	pol_free(p);
	unlink(path);
}

static void thresholds_default_where_the_policy_is_silent(void **state)
{
	const struct pol_thresholds *t = pol_get_thresholds(*state);
	struct pol_thresholds def;
	assert_int_equal(t->failed_login_burst.count, 3);
	assert_int_equal(t->failed_login_burst.window_ms, 2 * 60000);
	assert_int_equal(t->dormant_account.after_ms, 45LL * 86400000);
	pol_thresholds_default(&def);
	assert_int_equal(def.failed_login_burst.count, 5);
	assert_int_equal(def.failed_login_burst.window_ms, 10 * 60000);
	assert_int_equal(t->agent_silent.after_ms, def.agent_silent.after_ms);
	assert_int_equal(t->volume_spike.factor, def.volume_spike.factor);
	assert_int_equal(t->first_access.learning_ms, 14LL * 86400000);
}

static void hosts_carry_their_login_enforcement(void **state)
{
	const struct pol_policy *p = *state;
	const struct pol_host *h = pol_find_host(p, "vault-1");
	assert_true(pol_host_enforce_login(h));
	assert_true(pol_host_fail_closed(h));
	h = pol_find_host(p, "WS-9");
	assert_true(pol_host_enforce_login(h));
	assert_false(pol_host_fail_closed(h));
	h = pol_find_host(p, "printer");
	assert_false(pol_host_enforce_login(h));
	assert_false(pol_host_fail_closed(h));
}

/* Everything the language adds lives in the compiled policy's arena, so a
 * policy loaded in a child process decides the same. */
static void an_isolated_load_carries_the_whole_language(void **state)
{
	struct pol_policy *p = NULL;
	struct pol_decision d;
	(void)state;
	assert_int_equal(pol_load_isolated_at(FIX "language.cfg", load_day(), &p, NULL), 0);
	d = decide(p, "ben", "ws-1", "/srv/ts/x", MON, POL_ACT_READ);
	ASSERT_ALLOWED(d);
	assert_string_equal(pol_exception_ticket(d.exception), "SEC-101");
	d = decide(p, "fay", "ws-1", "/srv/rel/usa/x", "2026-11-17T23:00:00Z", POL_ACT_READ);
	ASSERT_DENIED(d, "releasability:FRA,DEU");
	d = decide(p, "fay", "ws-1", "/srv/eng/ops/x", "2026-11-17T23:00:00Z", POL_ACT_READ);
	ASSERT_DENIED(d, "not_in_access_group:eng", "not_in_access_group:ops");
	d = decide(p, "amy", "ws-1", NULL, "2026-11-17T10:00:00Z", POL_ACT_LOGIN);
	ASSERT_DENIED(d, "holiday:office:2026-11-17");
	d = decide(p, "sam", "ws-1", "/srv/noforn/x", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "status:suspended");
	assert_int_equal(pol_get_thresholds(p)->failed_login_burst.count, 3);
	assert_true(pol_host_fail_closed(pol_find_host(p, "vault-9")));
	assert_string_equal(pol_compartment_parent(p, 1), "SI");
	pol_free(p);
}

/* A person with no citizenships sees nothing caveated or REL TO. */
static void a_person_without_citizenships_is_releasable_nothing(void **state)
{
	char path[64];
	struct pol_policy *p = NULL;
	struct pol_decision d;
	(void)state;
	write_temp(path, "policy = { id = \"t\"; serial = 1; };\n"
	                 "levels = ( { name = \"S\"; rank = 20; } );\n"
	                 "persons = ( { id = \"p\"; accounts = [\"u\"]; hosts = [\"*\"];\n"
	                 "  clearance = { level = \"S\"; status = \"active\"; granted = \"2020-01-01\"; "
	                 "nda_signed = \"2020-01-01\"; }; } );\n"
	                 "resources = ( { id = \"r\"; path = \"/r/\"; level = \"S\"; "
	                 "releasable_to = [\"USA\"]; } );\n");
	assert_int_equal(pol_load_at(path, load_day(), &p, NULL), 0);
	d = decide(p, "u", "h", "/r/x", MON, POL_ACT_READ);
	ASSERT_DENIED(d, "releasability:none");
	assert_null(pol_person_citizenship(p, pol_find_person(p, "p"), 0));
	pol_free(p);
	unlink(path);
}

static void language_errors_are_reported_with_their_lines(void **state)
{
	struct pol_diag d;
	(void)state;
	load_expect_failure(FIX "language-errors.cfg", &d);
	ASSERT_DIAG(&d,
	            FIX "language-errors.cfg:3: unknown compartment 'SIX' (did you mean 'SI'?)",
	            FIX "language-errors.cfg:4: compartment 'A' is its own ancestor (a cycle of "
	                "'parent')",
	            FIX "language-errors.cfg:5: country code 'usa' must be 2 to 8 capital letters, "
	                "e.g. \"USA\"",
	            FIX "language-errors.cfg:5: 'releasable_to' of a caveat must name at least one "
	                "country",
	            FIX "language-errors.cfg:7: holiday must be a date \"YYYY-MM-DD\", not "
	                "'2026-13-01'",
	            FIX "language-errors.cfg:8: 'enforce_login' must be true or false",
	            FIX "language-errors.cfg:8: 'fail' must be \"open\" or \"closed\", not 'shut'",
	            FIX "language-errors.cfg:9: unknown setting 'dormant' in thresholds",
	            FIX "language-errors.cfg:9: 'count' = 0 is outside 1..100000",
	            FIX "language-errors.cfg:9: 'window' must be a duration from \"1s\" to \"366d\" "
	                "such as \"10m\", \"2h\" or \"14d\", not '10 minutes'",
	            FIX "language-errors.cfg:11: 'USA' is listed twice",
	            FIX "language-errors.cfg:15: unknown caveat 'NOFRN'",
	            FIX "language-errors.cfg:17: unknown subject 'nobody' (expected a person id or "
	                "a group)",
	            FIX "language-errors.cfg:17: unknown resource 'r2'",
	            FIX "language-errors.cfg:18: 'expires' must be after 'created'",
	            FIX "language-errors.cfg:19: missing required setting 'expires' in exception");
	pol_diag_free(&d);
}

static void language_warnings_do_not_fail_the_load(void **state)
{
	struct pol_policy *p = NULL;
	struct pol_diag d;
	(void)state;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(FIX "language-warnings.cfg", load_day(), &p, &d), 0);
	ASSERT_DIAG(&d,
	            FIX "language-warnings.cfg:3: warning: no one is read on to compartment 'SI'",
	            FIX "language-warnings.cfg:5: warning: schedule 'spare' is not used by any person",
	            FIX "language-warnings.cfg:6: warning: 'fail' has no effect on host 'ws-*' "
	                "without enforce_login = true",
	            FIX "language-warnings.cfg:9: warning: person 'p1' holds an active clearance but "
	                "no 'nda_signed' date is recorded",
	            FIX "language-warnings.cfg:10: warning: 'interim_expires' applies only to an "
	                "interim clearance; person 'p1' is active",
	            FIX "language-warnings.cfg:12: warning: group 'engg' has no members, so no one "
	                "may access resource 'r1' (did you mean 'eng'?)",
	            FIX "language-warnings.cfg:15: warning: exception T-1 for 'eng' on 'r1' expires "
	                "on 2026-12-01, within 14 days");
	assert_non_null(pol_exception_at(p, 0));
	assert_null(pol_exception_at(p, 1));
	assert_string_equal(pol_exception_subject(pol_exception_at(p, 0)), "eng");
	assert_string_equal(pol_exception_approver(pol_exception_at(p, 0)), "y");
	assert_string_equal(pol_exception_justification(pol_exception_at(p, 0)), "x");
	assert_int_equal(pol_exception_created(pol_exception_at(p, 0)), at("2026-11-10"));
	assert_int_equal(pol_exception_expires(pol_exception_at(p, 0)), at("2026-12-01"));
	pol_diag_free(&d);
	pol_free(p);
}

int main(void)
{
	const char *src = getenv("VIGIL_SRCDIR");
	const struct CMUnitTest loading[] = {
	    cmocka_unit_test(example_loads_with_one_warning_for_the_overdue_review),
	    cmocka_unit_test(loading_without_a_diag_list_still_reports_success_or_failure),
	    cmocka_unit_test(a_missing_file_is_an_error_naming_it),
	    cmocka_unit_test(a_syntax_error_stops_parsing_at_its_line),
	    cmocka_unit_test(unknown_keys_are_errors_with_the_nearest_known_key),
	    cmocka_unit_test(references_to_undefined_names_suggest_the_nearest),
	    cmocka_unit_test(duplicates_and_shared_accounts_point_at_the_first_definition),
	    cmocka_unit_test(values_are_checked_for_shape_and_range),
	    cmocka_unit_test(warnings_point_at_problems_but_do_not_fail_the_load),
	    cmocka_unit_test(a_review_not_yet_due_at_load_time_is_no_warning),
	    cmocka_unit_test(errors_in_an_included_file_name_that_file),
	    cmocka_unit_test(many_errors_are_all_reported_in_source_order),
	    cmocka_unit_test(a_decision_with_too_many_reasons_is_truncated_and_denied),
	    cmocka_unit_test(an_isolated_load_reports_and_decides_exactly_as_in_process),
	};
	const struct CMUnitTest deciding[] = {
	    cmocka_unit_test(a_cleared_person_read_on_to_the_compartment_is_allowed),
	    cmocka_unit_test(an_allowed_login_within_schedule_and_permitted_host),
	    cmocka_unit_test(an_account_of_no_person_gets_the_single_reason_unknown_account),
	    cmocka_unit_test(a_resource_above_the_clearance_is_clearance_exceeded),
	    cmocka_unit_test(a_compartment_not_read_on_also_reports_its_minimum_level),
	    cmocka_unit_test(access_after_a_debrief_is_need_to_know),
	    cmocka_unit_test(access_before_the_read_on_date_is_need_to_know),
	    cmocka_unit_test(a_suspended_person_is_vetting_lapsed_for_any_action),
	    cmocka_unit_test(an_interim_clearance_gives_no_compartment_access),
	    cmocka_unit_test(a_review_is_overdue_from_the_day_after_it_was_due),
	    cmocka_unit_test(activity_before_the_clearance_was_granted_is_vetting_lapsed),
	    cmocka_unit_test(a_login_to_a_host_above_the_clearance_and_not_listed),
	    cmocka_unit_test(a_login_to_a_host_not_in_the_persons_list),
	    cmocka_unit_test(a_login_to_a_host_no_rule_accredits),
	    cmocka_unit_test(host_names_match_without_regard_to_case),
	    cmocka_unit_test(a_schedule_is_judged_in_its_own_time_zone),
	    cmocka_unit_test(an_overnight_schedule_runs_into_the_next_day),
	    cmocka_unit_test(su_and_sudo_need_the_matching_privilege),
	    cmocka_unit_test(removable_media_only_where_the_host_rule_allows_it),
	    cmocka_unit_test(every_rule_covering_a_path_applies),
	    cmocka_unit_test(a_glob_star_does_not_cross_a_slash),
	    cmocka_unit_test(dot_dot_and_double_slashes_do_not_dodge_a_prefix),
	    cmocka_unit_test(the_directory_a_prefix_names_is_covered_too),
	    cmocka_unit_test(a_path_no_rule_covers_has_no_classification),
	    cmocka_unit_test(every_account_of_a_person_maps_to_that_person),
	    cmocka_unit_test(all_reasons_are_returned_together),
	    cmocka_unit_test(reason_classes_name_the_anomaly_kinds),
	    cmocka_unit_test(each_reason_has_a_plain_english_sentence),
	    cmocka_unit_test(matching_resources_are_listed_longest_prefix_first),
	};
	const struct CMUnitTest language[] = {
	    cmocka_unit_test(a_caveat_needs_a_citizenship_it_may_be_released_to),
	    cmocka_unit_test(releasability_lists_of_covering_resources_intersect),
	    cmocka_unit_test(an_exception_narrows_a_deny_only_within_its_dates),
	    cmocka_unit_test(an_exception_never_overrides_a_suspended_clearance),
	    cmocka_unit_test(access_groups_admit_only_their_members),
	    cmocka_unit_test(a_holiday_closes_the_schedule_for_that_day),
	    cmocka_unit_test(an_interim_clearance_lapses_on_its_expiry_date),
	    cmocka_unit_test(a_sub_compartment_read_on_implies_nothing_about_its_parent),
	    cmocka_unit_test(a_sub_compartment_inherits_its_parents_minimum_level),
	    cmocka_unit_test(thresholds_default_where_the_policy_is_silent),
	    cmocka_unit_test(hosts_carry_their_login_enforcement),
	    cmocka_unit_test(an_isolated_load_carries_the_whole_language),
	    cmocka_unit_test(a_person_without_citizenships_is_releasable_nothing),
	    cmocka_unit_test(language_errors_are_reported_with_their_lines),
	    cmocka_unit_test(language_warnings_do_not_fail_the_load),
	};
	const struct CMUnitTest example[] = {
	    cmocka_unit_test(example_shows_each_violation_the_demo_relies_on),
	    cmocka_unit_test(demo_stream_shows_exactly_the_injected_findings),
	};
	int failed = 0;

	if (src && chdir(src) != 0) {
		perror(src);
		return 1;
	}
	failed += cmocka_run_group_tests_name("policy loading", loading, NULL, NULL);
	failed += cmocka_run_group_tests_name("policy decisions", deciding, load_decide_fixture,
	                                      free_policy);
	failed += cmocka_run_group_tests_name("policy language", language, load_language_fixture,
	                                      free_policy);
	failed += cmocka_run_group_tests_name("example policy", example, load_example, free_policy);
	return failed ? 1 : 0;
}
