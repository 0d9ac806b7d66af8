/*
 * Unit tests for suppression rules in the policy: loading (every error
 * with file:line, expiry warnings) and matching (kind, subject as person
 * or group, host glob, reason prefix, the [created, expires) period).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pol.h"
#include "vg_time.h"

#include <string.h>

#define FIX "tests/data/policy/"

static int64_t at(const char *t)
{
	int64_t ms = 0;
	assert_int_equal(vg_time_parse_loose(t, &ms), 0);
	return ms;
}

static void rules_match(void **state)
{
	(void)state;
	struct pol_policy *p;
	struct pol_diag d;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(FIX "suppress.cfg", at("2026-11-20"), &p, &d), 0);
	/* SEC-3 expires within 14 days of the load date: a warning. */
	assert_int_equal(d.errors, 0);
	assert_int_equal(d.warnings, 1);
	assert_non_null(strstr(d.items[0].text, "suppress.cfg:19: warning: suppression SEC-3 of agent_silent "
	                                        "expires on 2026-11-30, within 14 days"));
	const struct pol_person *alice = pol_find_person(p, "p1"), *bob = pol_find_person(p, "p2");
	const char *hour[] = {"hour_of_week:sun-03"};
	const char *host[] = {"first_host:lab-7"}, *area[] = {"first_area:owl"};
	int64_t t = at("2026-11-20T03:00:00Z");

	const struct pol_suppression *s = pol_suppressed(p, "unusual_hour", alice, "ws-1", hour, 1, t);
	assert_non_null(s);
	assert_string_equal(pol_suppression_ticket(s), "SEC-1");      /* by her group "night" */
	assert_null(pol_suppressed(p, "unusual_hour", bob, "ws-1", hour, 1, t));
	assert_null(pol_suppressed(p, "unusual_hour", NULL, "ws-1", hour, 1, t));
	assert_null(pol_suppressed(p, "volume_spike", alice, "ws-1", hour, 1, t));
	/* Before created and from expires on, a rule does not apply. */
	assert_null(pol_suppressed(p, "unusual_hour", alice, "ws-1", hour, 1, at("2026-10-31T23:59:59Z")));
	assert_null(pol_suppressed(p, "unusual_hour", alice, "ws-1", hour, 1, at("2027-01-01T00:00:00Z")));

	/* Anyone, on lab hosts, for the first_host reason only. */
	s = pol_suppressed(p, "first_access", bob, "lab-7", host, 1, t);
	assert_non_null(s);
	assert_string_equal(pol_suppression_ticket(s), "SEC-2");
	assert_null(pol_suppressed(p, "first_access", bob, "ws-7", host, 1, t));
	assert_null(pol_suppressed(p, "first_access", bob, "lab-7", area, 1, t));
	assert_null(pol_suppressed(p, "first_access", bob, NULL, host, 1, t));
	/* A host anomaly has no person. */
	assert_non_null(pol_suppressed(p, "agent_silent", NULL, "kiosk-2", NULL, 0, t));

	assert_string_equal(pol_suppression_kind(pol_suppression_at(p, 1)), "first_access");
	assert_null(pol_suppression_subject(pol_suppression_at(p, 1)));
	assert_string_equal(pol_suppression_host(pol_suppression_at(p, 1)), "lab-*");
	assert_string_equal(pol_suppression_reason(pol_suppression_at(p, 1)), "first_host:");
	assert_null(pol_suppression_at(p, 3));
	pol_free(p);
	pol_diag_free(&d);
}

static void rules_errors(void **state)
{
	(void)state;
	struct pol_policy *p = NULL;
	struct pol_diag d;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(FIX "suppress-errors.cfg", at("2026-11-20"), &p, &d), -1);
	assert_null(p);
	const char *want[] = {
		"suppress-errors.cfg:10: unknown anomaly kind 'unusual_hours'",
		"suppress-errors.cfg:12: unknown subject 'nobody' (expected a person id or a group)",
		"suppress-errors.cfg:14:",
		"suppress-errors.cfg:17: 'expires' must be after 'created'",
		"suppress-errors.cfg:19:",
	};
	size_t found = 0;
	for (size_t w = 0; w < sizeof want / sizeof want[0]; w++)
		for (size_t i = 0; i < d.n; i++)
			if (strstr(d.items[i].text, want[w])) {
				found++;
				break;
			}
	if (found != sizeof want / sizeof want[0])
		for (size_t i = 0; i < d.n; i++)
			print_message("  %s\n", d.items[i].text);
	assert_int_equal(found, sizeof want / sizeof want[0]);
	assert_true(d.errors >= 5);
	pol_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rules_match),
		cmocka_unit_test(rules_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
