/*
 * Policy language: privileges "to whom", schedules in named time zones
 * (daylight saving included), and a persons file kept apart by @include.
 * Fixtures: tests/data/policy/features-*.cfg.
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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX "tests/data/policy/"
#define MAIN FIX "features-main.cfg"
#define WED "2026-07-01T10:00:00Z"   /* Wednesday, 11:00 in London */

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

static void assert_diag_lines(const struct pol_diag *d, const char *const want[], size_t n)
{
	for (size_t i = 0; i < d->n && i < n; i++)
		if (strcmp(d->items[i].text, want[i]) != 0)
			fail_msg("diagnostic %zu:\n  got:  %s\n  want: %s", i, d->items[i].text, want[i]);
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

static struct pol_decision decide_full(const struct pol_policy *p, const char *account,
                                       const char *path, const char *time, enum pol_action action,
                                       const char *service, const char *target)
{
	struct pol_request q = {
	    .account = account, .host = "ws-1", .path = path, .time_ms = at(time),
	    .action = action, .service = service, .target_account = target,
	};
	struct pol_decision d;
	pol_decide(p, &q, &d);
	return d;
}

static struct pol_decision priv(const struct pol_policy *p, const char *account, const char *tool,
                                const char *target, const char *time)
{
	return decide_full(p, account, NULL, time, POL_ACT_PRIVILEGE, tool, target);
}

static struct pol_decision other(const struct pol_policy *p, const char *account, const char *time)
{
	return decide_full(p, account, NULL, time, POL_ACT_OTHER, NULL, NULL);
}




static int setup(void **state)
{
	struct pol_policy *p = NULL;
	struct pol_diag d;
	pol_diag_init(&d);
	if (pol_load_at(MAIN, load_day(), &p, &d) != 0) {
		pol_diag_print(&d, stderr);
		pol_diag_free(&d);
		return -1;
	}
	/* The fixture is clean: no errors and no warnings. */
	if (d.n != 0) {
		pol_diag_print(&d, stderr);
		pol_diag_free(&d);
		pol_free(p);
		return -1;
	}
	pol_diag_free(&d);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	pol_free(*state);
	return 0;
}

/* ---- Privileges "to whom" ------------------------------------------------ */

static void a_targeted_privilege_allows_only_its_targets(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = priv(p, "lia", "su", "root", WED);
	ASSERT_ALLOWED(d);
	d = priv(p, "lia", "sudo", "svc-web", WED);
	ASSERT_ALLOWED(d);
	d = priv(p, "lia", "sudo-i", "backup", WED);
	ASSERT_ALLOWED(d);
	d = priv(p, "lia", "sudo", "root", WED);
	ASSERT_DENIED(d, "privilege_target_not_granted:sudo:root");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_PRIVILEGE);
	d = priv(p, "lia", "su", "bob", WED);
	ASSERT_DENIED(d, "privilege_target_not_granted:su:bob");
	/* A glob stops at its literal prefix; names compare case-sensitively. */
	d = priv(p, "lia", "sudo", "svc", WED);
	ASSERT_DENIED(d, "privilege_target_not_granted:sudo:svc");
	d = priv(p, "lia", "su", "ROOT", WED);
	ASSERT_DENIED(d, "privilege_target_not_granted:su:ROOT");
}

static void an_unknown_target_is_allowed_only_by_an_any_target_grant(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = priv(p, "lia", "sudo", NULL, WED);
	ASSERT_DENIED(d, "privilege_target_unknown:sudo");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_PRIVILEGE);
	d = priv(p, "lia", "su", "", WED);
	ASSERT_DENIED(d, "privilege_target_unknown:su");
	/* max: "sudo" (any target), su only to root and db0..db9. */
	d = priv(p, "max", "sudo", NULL, WED);
	ASSERT_ALLOWED(d);
	d = priv(p, "max", "sudo", "anyone", WED);
	ASSERT_ALLOWED(d);
	d = priv(p, "max", "su", "db7", WED);
	ASSERT_ALLOWED(d);
	d = priv(p, "max", "su", "db10", WED);
	ASSERT_DENIED(d, "privilege_target_not_granted:su:db10");
	d = priv(p, "max", "su", NULL, WED);
	ASSERT_DENIED(d, "privilege_target_unknown:su");
	/* "sudo:*" is the same as "sudo". */
	d = priv(p, "ned", "sudo", NULL, "2026-07-01T03:00:00Z");
	ASSERT_ALLOWED(d);
	/* No grant of the tool at all keeps the old reason. */
	d = priv(p, "kim", "sudo", "root", "2026-07-01T01:30:00Z");
	ASSERT_DENIED(d, "privilege_not_granted:sudo");
	d = priv(p, "ned", "su", "root", "2026-07-01T03:00:00Z");
	ASSERT_DENIED(d, "privilege_not_granted:su");
	d = priv(p, "lia", "pkexec", "root", WED);
	ASSERT_DENIED(d, "privilege_not_granted:pkexec");
}

static void privilege_target_reasons_have_sentences(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_request q = {.account = "lia", .time_ms = at(WED), .action = POL_ACT_PRIVILEGE,
	                        .service = "sudo", .target_account = "root"};
	struct pol_decision d;
	char buf[512];
	pol_decide(p, &q, &d);
	assert_int_equal(d.nreasons, 1);
	pol_reason_text(&d, &q, &d.reasons[0], buf, sizeof buf);
	assert_string_equal(buf, "Lia may use sudo only towards the target accounts the policy "
	                         "names, and 'root' is not one of them.");
	q.target_account = NULL;
	pol_decide(p, &q, &d);
	pol_reason_text(&d, &q, &d.reasons[0], buf, sizeof buf);
	assert_string_equal(buf, "Lia may use sudo only towards named target accounts, and the "
	                         "event does not say which account was the target.");
}

/* The event's ruser is whom the privilege made them. */
static void a_privilege_event_carries_its_target(void **state)
{
	struct vg_event ev;
	struct pol_request req;
	(void)state;
	memset(&ev, 0, sizeof ev);
	ev.kind = VG_KIND_PRIVILEGE;
	ev.user = "lia";
	ev.ruser = "root";
	ev.service = "su";
	ev.time_ms = at(WED);
	assert_true(pol_request_from_event(&ev, &req));
	assert_int_equal(req.action, POL_ACT_PRIVILEGE);
	assert_string_equal(req.target_account, "root");
}

/* ---- Named time zones ----------------------------------------------------- */

/* 09:00-17:00 London: 08:30 UTC is 09:30 BST in July but 08:30 GMT in January. */
static void a_london_office_follows_british_summer_time(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = other(p, "lia", "2026-07-01T08:30:00Z");
	ASSERT_ALLOWED(d);
	d = other(p, "lia", "2026-01-15T08:30:00Z");
	ASSERT_DENIED(d, "outside_schedule:london-office");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_SCHEDULE);
	d = other(p, "lia", "2026-01-15T16:30:00Z");
	ASSERT_ALLOWED(d);
	d = other(p, "lia", "2026-07-01T16:30:00Z");
	ASSERT_DENIED(d, "outside_schedule:london-office");
	/* The zone is known to 2100. */
	d = other(p, "lia", "2099-07-01T08:30:00Z");
	ASSERT_ALLOWED(d);
	d = other(p, "lia", "2099-01-14T08:30:00Z");
	ASSERT_DENIED(d, "outside_schedule:london-office");
}

/* Clocks go forward at 01:00 UTC on 2026-03-29 and back at 01:00 UTC on
 * 2026-10-25; kim may work 02:00-03:00 London time every day. */
static void daylight_saving_changes_apply_at_the_exact_second(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = other(p, "kim", "2026-03-28T02:30:00Z");   /* 02:30 GMT */
	ASSERT_ALLOWED(d);
	d = other(p, "kim", "2026-03-29T00:59:59Z");   /* 00:59:59 GMT */
	ASSERT_DENIED(d, "outside_schedule:london-2am");
	d = other(p, "kim", "2026-03-29T01:00:00Z");   /* 02:00 BST */
	ASSERT_ALLOWED(d);
	d = other(p, "kim", "2026-03-29T01:59:59Z");   /* 02:59:59 BST */
	ASSERT_ALLOWED(d);
	d = other(p, "kim", "2026-03-29T02:00:00Z");   /* 03:00 BST */
	ASSERT_DENIED(d, "outside_schedule:london-2am");
	d = other(p, "kim", "2026-10-24T01:30:00Z");   /* 02:30 BST */
	ASSERT_ALLOWED(d);
	d = other(p, "kim", "2026-10-25T00:59:59Z");   /* 01:59:59 BST */
	ASSERT_DENIED(d, "outside_schedule:london-2am");
	d = other(p, "kim", "2026-10-25T01:00:00Z");   /* 01:00 GMT again */
	ASSERT_DENIED(d, "outside_schedule:london-2am");
	d = other(p, "kim", "2026-10-25T02:00:00Z");   /* 02:00 GMT */
	ASSERT_ALLOWED(d);
	/* Before 1970 the 1970 offset (+01:00, British Standard Time) holds,
	 * and after 2100 the last one: decisions still come out. */
	{
		struct pol_request q = {.account = "kim", .action = POL_ACT_OTHER,
		                        .time_ms = -((int64_t)180 * 86400000) + 3600000};
		pol_decide(p, &q, &d);       /* 1969-07-05 01:00 UTC = 02:00 local */
		ASSERT_DENIED(d, "not_yet_granted:2020-01-01");   /* but inside the window */
		q.time_ms = at("2200-01-01T02:30:00Z");
		pol_decide(p, &q, &d);
		ASSERT_ALLOWED(d);
	}
}

/* ny-late runs 22:00-02:00 New York time; 2026-07-03 (a Friday in New
 * York) is a holiday, even though the UTC date is already 2026-07-04. */
static void holidays_are_dates_in_the_schedules_zone(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	d = other(p, "ned", "2026-07-03T02:30:00Z");   /* Thu 22:30 EDT */
	ASSERT_ALLOWED(d);
	d = other(p, "ned", "2026-07-04T02:30:00Z");   /* Fri 22:30 EDT */
	ASSERT_DENIED(d, "holiday:ny-late:2026-07-03");
	d = other(p, "ned", "2026-07-04T05:30:00Z");   /* Sat 01:30 EDT, from Friday's window */
	ASSERT_DENIED(d, "holiday:ny-late:2026-07-03");
	d = other(p, "ned", "2026-07-01T01:30:00Z");   /* Tue 21:30 EDT */
	ASSERT_DENIED(d, "outside_schedule:ny-late");
	d = other(p, "ned", "2026-01-15T03:30:00Z");   /* Wed 22:30 EST */
	ASSERT_ALLOWED(d);
	d = other(p, "ned", "2026-01-15T02:30:00Z");   /* Wed 21:30 EST */
	ASSERT_DENIED(d, "outside_schedule:ny-late");
}

/* Loading points TZ at each zone for a moment and puts it back. */
static void loading_leaves_the_processes_tz_as_it_was(void **state)
{
	struct pol_policy *p = NULL;
	const char *old = getenv("TZ");
	char *saved = old ? strdup(old) : NULL;
	(void)state;
	setenv("TZ", "Asia/Tokyo", 1);
	assert_int_equal(pol_load_at(MAIN, load_day(), &p, NULL), 0);
	assert_string_equal(getenv("TZ"), "Asia/Tokyo");
	pol_free(p);
	unsetenv("TZ");
	assert_int_equal(pol_load_at(MAIN, load_day(), &p, NULL), 0);
	assert_null(getenv("TZ"));
	pol_free(p);
	if (saved)
		setenv("TZ", saved, 1);
	free(saved);
}

/* The spans are computed in the loader child and handed back. */
static void an_isolated_load_decides_zones_and_targets_alike(void **state)
{
	static const char *const times[] = {"2026-03-29T00:59:59Z", "2026-03-29T01:00:00Z",
	                                    "2026-10-25T01:00:00Z", "2026-10-25T02:00:00Z",
	                                    "2026-07-04T02:30:00Z", "2026-07-01T08:30:00Z"};
	static const char *const accounts[] = {"lia", "kim", "ned"};
	const struct pol_policy *a = *state;
	struct pol_policy *b = NULL;
	struct pol_diag d;
	pol_diag_init(&d);
	assert_int_equal(pol_load_isolated_at(MAIN, load_day(), &b, &d), 0);
	assert_int_equal(d.n, 0);
	for (size_t i = 0; i < sizeof times / sizeof *times; i++) {
		for (size_t k = 0; k < sizeof accounts / sizeof *accounts; k++) {
			struct pol_decision x = other(a, accounts[k], times[i]);
			struct pol_decision y = other(b, accounts[k], times[i]);
			assert_int_equal(x.allow, y.allow);
			assert_int_equal(x.nreasons, y.nreasons);
			for (int r = 0; r < x.nreasons; r++)
				assert_string_equal(x.reasons[r].code, y.reasons[r].code);
		}
	}
	{
		struct pol_decision y = priv(b, "lia", "sudo", "root", WED);
		ASSERT_DENIED(y, "privilege_target_not_granted:sudo:root");
		y = priv(b, "lia", "sudo", "svc-db", WED);
		ASSERT_ALLOWED(y);
	}
	pol_diag_free(&d);
	pol_free(b);
}

/* ---- The included persons file uses the whole language ------------------- */

static void an_included_persons_file_uses_caveats_groups_and_exceptions(void **state)
{
	const struct pol_policy *p = *state;
	struct pol_decision d;
	assert_int_equal(pol_person_count(p), 4);
	assert_string_equal(pol_id(p), "features-fixture");
	/* Caveat: lia (GBR) may not read NOFORN; max (USA) may. */
	d = decide_full(p, "lia", "/srv/noforn/a", WED, POL_ACT_READ, NULL, NULL);
	ASSERT_DENIED(d, "caveat:NOFORN");
	d = decide_full(p, "max", "/srv/noforn/a", WED, POL_ACT_READ, NULL, NULL);
	ASSERT_ALLOWED(d);
	/* Access group: only ops members. */
	d = decide_full(p, "lia", "/srv/ops/runbook", WED, POL_ACT_READ, NULL, NULL);
	ASSERT_ALLOWED(d);
	d = decide_full(p, "max", "/srv/ops/runbook", WED, POL_ACT_READ, NULL, NULL);
	ASSERT_DENIED(d, "not_in_access_group:ops");
	/* Exception for the ops group waives lia's level on "ts", within its dates. */
	d = decide_full(p, "lia", "/srv/ts/x", WED, POL_ACT_READ, NULL, NULL);
	ASSERT_ALLOWED(d);
	assert_int_equal(d.nwaived, 1);
	assert_string_equal(d.waived[0].code, "level:SECRET<TOP SECRET");
	assert_string_equal(pol_exception_ticket(d.exception), "SEC-201");
	d = decide_full(p, "lia", "/srv/ts/x", "2027-06-02T10:00:00Z", POL_ACT_READ, NULL, NULL);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
	d = decide_full(p, "max", "/srv/ts/x", WED, POL_ACT_READ, NULL, NULL);
	ASSERT_DENIED(d, "level:SECRET<TOP SECRET");
}

/* ---- check ------------------------------------------------------------------ */

static void errors_in_the_included_file_carry_its_name_and_lines(void **state)
{
	struct pol_policy *p = (struct pol_policy *)1;
	struct pol_diag d;
	(void)state;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(FIX "features-bad-main.cfg", load_day(), &p, &d), -1);
	assert_null(p);
	ASSERT_DIAG(&d,
	            FIX "features-bad-persons.cfg:5: unknown schedule 'ofice' (did you mean "
	                "'office'?)",
	            FIX "features-bad-persons.cfg:6: invalid privilege target in 'sudo:': write "
	                "\"sudo:ACCOUNT\" with an account name or glob of 1 to 64 characters, no "
	                "spaces or ':'",
	            FIX "features-bad-persons.cfg:7: unknown privilege 'sudx' (did you mean 'sudo'?)",
	            FIX "features-bad-persons.cfg:9: privilege 'su:root' is listed twice",
	            FIX "features-bad-persons.cfg:10: invalid privilege target in 'sudo:a b': write "
	                "\"sudo:ACCOUNT\" with an account name or glob of 1 to 64 characters, no "
	                "spaces or ':'",
	            FIX "features-bad-persons.cfg:13: unknown subject 'nobody' (expected a person id "
	                "or a group)");
	assert_int_equal(d.errors, 6);
	assert_int_equal(d.items[0].file_index, 1);
	assert_int_equal(d.items[0].line, 5);
	pol_diag_free(&d);
}

static void zone_names_and_privilege_targets_are_checked(void **state)
{
	struct pol_policy *p = (struct pol_policy *)1;
	struct pol_diag d;
	(void)state;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(FIX "features-errors.cfg", load_day(), &p, &d), -1);
	assert_null(p);
	ASSERT_DIAG(&d,
	            FIX "features-errors.cfg:5: unknown time zone 'Europe/Londn' (no such zone in "
	                "/usr/share/zoneinfo)",
	            FIX "features-errors.cfg:6: invalid time zone '../../etc/passwd': use \"UTC\", a "
	                "fixed offset such as \"+02:00\" or a zone name such as \"Europe/London\"",
	            FIX "features-errors.cfg:7: invalid time zone '/etc/localtime': use \"UTC\", a "
	                "fixed offset such as \"+02:00\" or a zone name such as \"Europe/London\"",
	            FIX "features-errors.cfg:8: unknown time zone 'Europe' (no such zone in "
	                "/usr/share/zoneinfo)",
	            FIX "features-errors.cfg:9: invalid time zone 'zone1970.tab': use \"UTC\", a "
	                "fixed offset such as \"+02:00\" or a zone name such as \"Europe/London\"",
	            FIX "features-errors.cfg:10: invalid time zone offset '-14:30': use \"+HH:MM\" or "
	                "\"-HH:MM\", at most 14:00",
	            FIX "features-errors.cfg:17: warning: privilege 'sudo:bob' is redundant: 'sudo' "
	                "already grants sudo to any target",
	            FIX "features-errors.cfg:18: invalid privilege target in 'su:x:y': write "
	                "\"su:ACCOUNT\" with an account name or glob of 1 to 64 characters, no "
	                "spaces or ':'");
	assert_int_equal(d.errors, 7);
	assert_int_equal(d.warnings, 1);
	pol_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest loaded[] = {
	    cmocka_unit_test(a_targeted_privilege_allows_only_its_targets),
	    cmocka_unit_test(an_unknown_target_is_allowed_only_by_an_any_target_grant),
	    cmocka_unit_test(privilege_target_reasons_have_sentences),
	    cmocka_unit_test(a_privilege_event_carries_its_target),
	    cmocka_unit_test(a_london_office_follows_british_summer_time),
	    cmocka_unit_test(daylight_saving_changes_apply_at_the_exact_second),
	    cmocka_unit_test(holidays_are_dates_in_the_schedules_zone),
	    cmocka_unit_test(an_isolated_load_decides_zones_and_targets_alike),
	    cmocka_unit_test(an_included_persons_file_uses_caveats_groups_and_exceptions),
	};
	const struct CMUnitTest checks[] = {
	    cmocka_unit_test(loading_leaves_the_processes_tz_as_it_was),
	    cmocka_unit_test(errors_in_the_included_file_carry_its_name_and_lines),
	    cmocka_unit_test(zone_names_and_privilege_targets_are_checked),
	};
	int failed = cmocka_run_group_tests_name("policy features", loaded, setup, teardown);
	return failed + cmocka_run_group_tests_name("policy feature checks", checks, NULL, NULL);
}
