/*
 * Policy sources hash, resource owners and host accreditation ranges:
 * loading, checking, deciding and explaining.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "pol.h"
#include "vg_time.h"
#include "vg_token.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX "tests/data/policy/"
#define MAIN FIX "accredit-main.cfg"
#define PERSONS FIX "accredit-persons.cfg"
#define NOON "2026-07-01T12:00:00Z"

static int64_t at(const char *t)
{
	int64_t ms = 0;
	assert_int_equal(vg_time_parse_loose(t, &ms), 0);
	return ms;
}

static struct pol_policy *load_ok(const char *path)
{
	struct pol_policy *p = NULL;
	struct pol_diag d;
	pol_diag_init(&d);
	if (pol_load_at(path, at("2026-07-01"), &p, &d) != 0 || d.n != 0) {
		pol_diag_print(&d, stderr);
		fail_msg("%s does not load cleanly", path);
	}
	pol_diag_free(&d);
	return p;
}

static struct pol_decision decide(const struct pol_policy *p, const char *account,
                                  const char *host, const char *path, enum pol_action action)
{
	struct pol_request q = {
	    .account = account, .host = host, .path = path, .time_ms = at(NOON), .action = action,
	};
	struct pol_decision d;
	pol_decide(p, &q, &d);
	return d;
}

static void assert_only_reason(const struct pol_decision *d, const char *code)
{
	if (d->nreasons != 1 || strcmp(d->reasons[0].code, code) != 0)
		fail_msg("want the one reason '%s', got %d reasons, first '%s'", code, d->nreasons,
		         d->nreasons ? d->reasons[0].code : "-");
	assert_false(d->allow);
}

/* ---- Content hash ----------------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void spit(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void the_hash_covers_the_policy_file_and_its_includes(void **state)
{
	char dir[] = "/tmp/vigil-test-accredit-XXXXXX", main_path[64], persons_path[64];
	char want[VG_TOKEN_HEX_LEN + 1], first[65];
	size_t mlen, plen;
	char *m = slurp(MAIN, &mlen), *ps = slurp(PERSONS, &plen), *both;
	struct pol_policy *p, *q;
	struct pol_decision d;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(main_path, sizeof main_path, "%s/accredit-main.cfg", dir);
	snprintf(persons_path, sizeof persons_path, "%s/accredit-persons.cfg", dir);
	spit(main_path, m, mlen);
	spit(persons_path, ps, plen);

	/* SHA-256 of the main file's bytes followed by the included file's. */
	both = malloc(mlen + plen + 1);
	assert_non_null(both);
	memcpy(both, m, mlen);
	memcpy(both + mlen, ps, plen);
	assert_int_equal(vg_sha256_hex(both, mlen + plen, want), 0);
	p = load_ok(main_path);
	assert_string_equal(pol_source_hash(p), want);
	assert_int_equal(strlen(pol_source_hash(p)), 64);
	snprintf(first, sizeof first, "%s", pol_source_hash(p));

	/* Every decision names the policy version that made it. */
	d = decide(p, "bob", "srv-1", "/srv/payroll/x", POL_ACT_READ);
	assert_true(d.allow);
	assert_int_equal(d.serial, 12);
	assert_string_equal(d.source_hash, first);

	/* An isolated load hashes the same bytes to the same value. */
	assert_int_equal(pol_load_isolated_at(main_path, at("2026-07-01"), &q, NULL), 0);
	assert_string_equal(pol_source_hash(q), first);
	pol_free(q);
	pol_free(p);

	/* A change to the included file alone (a comment) changes the hash. */
	spit(persons_path, ps, plen);
	{
		FILE *f = fopen(persons_path, "ab");
		assert_non_null(f);
		fputs("# reviewed by the vetting office\n", f);
		fclose(f);
	}
	p = load_ok(main_path);
	assert_string_not_equal(pol_source_hash(p), first);
	pol_free(p);

	/* And the same bytes give the same hash again. */
	spit(persons_path, ps, plen);
	p = load_ok(main_path);
	assert_string_equal(pol_source_hash(p), first);
	pol_free(p);

	unlink(main_path);
	unlink(persons_path);
	rmdir(dir);
	free(both);
	free(m);
	free(ps);
}

/* ---- Owners ----------------------------------------------------------------- */

static void an_owner_passes_the_access_groups_but_not_the_level(void **state)
{
	struct pol_policy *p = load_ok(MAIN);
	const struct pol_resource *r = pol_find_resource(p, "payroll");
	struct pol_decision d;
	char text[512];
	struct pol_request q = {.account = "cid", .host = "srv-1", .path = "/srv/payroll/x",
	                        .time_ms = at(NOON), .action = POL_ACT_READ};
	(void)state;

	assert_non_null(r);
	assert_string_equal(pol_resource_owner(r, 0), "p-ann");
	assert_null(pol_resource_owner(r, 1));
	assert_null(pol_resource_owner(pol_find_resource(p, "ts"), 0));
	/* Ann owns payroll without being in finance; Bob is in finance; Cid neither. */
	d = decide(p, "ann", "srv-1", "/srv/payroll/2026.csv", POL_ACT_READ);
	assert_true(d.allow);
	d = decide(p, "bob", "srv-1", "/srv/payroll/2026.csv", POL_ACT_READ);
	assert_true(d.allow);
	pol_decide(p, &q, &d);
	assert_only_reason(&d, "not_in_access_group:finance");
	pol_reason_text(&d, &q, &d.reasons[0], text, sizeof text);
	assert_string_equal(text, "Cid is not a member of group finance, which alone may access "
	                          "resource 'payroll' (/srv/payroll/).");
	pol_free(p);
}

/* ---- Host accreditation --------------------------------------------------------- */

static void a_host_processes_nothing_above_its_accreditation(void **state)
{
	struct pol_policy *p = load_ok(MAIN);
	struct pol_decision d;
	char text[512];
	struct pol_request q = {.account = "ann", .host = "ws-0042", .path = "/srv/ts/plan",
	                        .time_ms = at(NOON), .action = POL_ACT_READ};
	(void)state;

	assert_string_equal(pol_host_max_level(pol_find_host(p, "ws-1")), "SECRET");
	assert_null(pol_host_max_level(pol_find_host(p, "srv-1")));
	/* Ann is cleared to TOP SECRET, but a workstation is accredited to SECRET. */
	pol_decide(p, &q, &d);
	assert_only_reason(&d, "host_accreditation:TOP SECRET>SECRET");
	assert_int_equal(d.reasons[0].cls, POL_CLASS_CLEARANCE);
	pol_reason_text(&d, &q, &d.reasons[0], text, sizeof text);
	assert_string_equal(text, "Host ws-0042 is accredited to process up to SECRET, but "
	                          "resource 'ts' (/srv/ts/) is classified TOP SECRET.");
	d = decide(p, "ann", "ws-0042", "/srv/ts/plan", POL_ACT_WRITE);
	assert_only_reason(&d, "host_accreditation:TOP SECRET>SECRET");
	d = decide(p, "ann", "ws-0042", "/srv/ts/plan", POL_ACT_EXEC);
	assert_only_reason(&d, "host_accreditation:TOP SECRET>SECRET");
	/* Within the range, on a host accredited higher, or with no range: allowed. */
	d = decide(p, "ann", "ws-0042", "/srv/payroll/x", POL_ACT_READ);
	assert_true(d.allow);
	d = decide(p, "ann", "vault-1", "/srv/ts/plan", POL_ACT_READ);
	assert_true(d.allow);
	d = decide(p, "ann", "srv-1", "/srv/ts/plan", POL_ACT_READ);
	assert_true(d.allow);
	/* Metadata changes are not processing the contents. */
	d = decide(p, "ann", "ws-0042", "/srv/ts/plan", POL_ACT_ATTR);
	assert_true(d.allow);
	/* The person's own limits still apply alongside the host's. */
	d = decide(p, "cid", "ws-0042", "/srv/ts/plan", POL_ACT_READ);
	assert_int_equal(d.nreasons, 2);
	assert_string_equal(d.reasons[0].code, "level:SECRET<TOP SECRET");
	assert_string_equal(d.reasons[1].code, "host_accreditation:TOP SECRET>SECRET");
	pol_free(p);
}

/* ---- check ------------------------------------------------------------------------ */

static void owners_and_max_level_are_checked(void **state)
{
	struct pol_policy *p = (struct pol_policy *)1;
	struct pol_diag d;
	static const char *const want[] = {
	    FIX "accredit-errors.cfg:5: host max_level 'SECRET' is below its level 'TOP SECRET'",
	    FIX "accredit-errors.cfg:6: unknown level 'SECRT' (did you mean 'SECRET'?)",
	    FIX "accredit-errors.cfg:11: unknown person 'p-anne' (did you mean 'p-ann'?)",
	    FIX "accredit-errors.cfg:11: owner 'p-ann' is listed twice",
	    FIX "accredit-errors.cfg:12: 'owners' must be a list of strings, e.g. [\"a\", \"b\"]",
	};
	(void)state;
	pol_diag_init(&d);
	assert_int_equal(pol_load_at(FIX "accredit-errors.cfg", at("2026-07-01"), &p, &d), -1);
	assert_null(p);
	if (d.n != sizeof want / sizeof want[0])
		for (size_t i = 0; i < d.n; i++)
			print_message("  %s\n", d.items[i].text);
	assert_int_equal(d.n, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < d.n; i++)
		assert_string_equal(d.items[i].text, want[i]);
	pol_diag_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_hash_covers_the_policy_file_and_its_includes),
	    cmocka_unit_test(an_owner_passes_the_access_groups_but_not_the_level),
	    cmocka_unit_test(a_host_processes_nothing_above_its_accreditation),
	    cmocka_unit_test(owners_and_max_level_are_checked),
	};
	return cmocka_run_group_tests_name("policy accreditation", tests, NULL, NULL);
}
