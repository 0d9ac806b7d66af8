/*
 * Unit tests for identities and their tokens (col_ident over the SQLite
 * store): rotation with and without grace, revocation, expiry, why a token
 * is refused, listing; durations; the vetting role; and the collector's
 * run-as decision (col_privs) for a user that does not exist.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "col_ident.h"
#include "col_privs.h"
#include "col_store.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char tmpdir[64];
static struct col_store *st;

/* hash N: a fixed 64-hex "token hash" per number. */
static const char *hash(int n)
{
	static char h[8][65];
	snprintf(h[n], sizeof h[n], "%064d", n);
	return h[n];
}

static int setup(void **state)
{
	char path[128], err[512];
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vigil-unit.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	snprintf(path, sizeof path, "%s/ident.db", tmpdir);
	st = col_store_sqlite_open(path, err, sizeof err);
	if (!st)
		fprintf(stderr, "%s\n", err);
	return st ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	col_store_close(st);
	st = NULL;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Whether the token with hash h is accepted now, and as which identity. */
static int accepted(int h, int64_t *id)
{
	struct col_principal p;
	int rc = col_store_principal_find(st, hash(h), &p);
	assert_true(rc >= 0);
	if (rc == 1 && id)
		*id = p.id;
	return rc;
}

static int refused_as(int h)
{
	int64_t when;
	assert_int_equal(accepted(h, NULL), 0);
	return col_ident_token_state(st, hash(h), &when);
}

/* Rotation without grace: the old token is refused at once, as rotated. */
static void rotate_without_grace(void **state)
{
	int64_t id, rid, who;
	(void)state;
	assert_int_equal(col_store_agent_add(st, "ws-1", hash(1), &id), 0);
	assert_int_equal(accepted(1, &who), 1);
	assert_int_equal(col_ident_rotate(st, COL_IDENT_AGENTS, -1, "ws-1", hash(2), 0, -1, &rid), 1);
	assert_int_equal(rid, id);
	assert_int_equal(refused_as(1), COL_TOKEN_ROTATED);
	assert_int_equal(accepted(2, &who), 1);
	assert_int_equal(who, id);
	assert_int_equal(refused_as(7), COL_TOKEN_UNKNOWN);
}

/* With grace both work; a later rotation ends the earlier grace; revoking
 * ends every token of the identity, in grace or not. */
static void grace_then_revoke(void **state)
{
	int64_t id, rid;
	(void)state;
	assert_int_equal(col_store_agent_add(st, "ws-1", hash(1), &id), 0);
	assert_int_equal(col_ident_rotate(st, COL_IDENT_AGENTS, id, NULL, hash(2), 3600000, -1, &rid), 1);
	assert_int_equal(accepted(1, NULL), 1);
	assert_int_equal(accepted(2, NULL), 1);
	assert_int_equal(col_ident_rotate(st, COL_IDENT_AGENTS, id, NULL, hash(3), 3600000, -1, &rid), 1);
	assert_int_equal(refused_as(1), COL_TOKEN_ROTATED);
	assert_int_equal(accepted(2, NULL), 1);
	assert_int_equal(accepted(3, NULL), 1);
	assert_int_equal(col_ident_revoke(st, COL_IDENT_AGENTS, -1, "ws-1"), 1);
	assert_int_equal(refused_as(3), COL_TOKEN_REVOKED);
	assert_int_equal(refused_as(2), COL_TOKEN_REVOKED);
	assert_int_equal(col_ident_revoke(st, COL_IDENT_AGENTS, -1, "ws-1"), 0);
	assert_int_equal(col_ident_rotate(st, COL_IDENT_AGENTS, id, NULL, hash(4), 0, -1, &rid), 0);
}

/* A name matching two active identities is refused for rotation, and the
 * message lists their ids; revocation by name takes both. */
static void ambiguous_name(void **state)
{
	int64_t a, b, rid;
	(void)state;
	assert_int_equal(col_store_agent_add(st, "ws-2", hash(1), &a), 0);
	assert_int_equal(col_store_agent_add(st, "ws-2", hash(2), &b), 0);
	assert_int_equal(col_ident_rotate(st, COL_IDENT_AGENTS, -1, "ws-2", hash(3), 0, -1, &rid), -1);
	assert_non_null(strstr(col_store_error(st), "ids 1, 2"));
	assert_int_equal(accepted(1, NULL), 1);
	assert_int_equal(accepted(3, NULL), 0);
	assert_int_equal(col_ident_revoke(st, COL_IDENT_AGENTS, -1, "ws-2"), 2);
	assert_int_equal(accepted(2, NULL), 0);
}

/* Expiry of officers' tokens; roles, vetting included, survive. */
static void officer_expiry_and_roles(void **state)
{
	int64_t id, who;
	struct col_principal p;
	(void)state;
	assert_int_equal(col_store_officer_add(st, "Vera", COL_ROLE_VETTING, hash(5), &id), 0);
	assert_int_equal(col_store_principal_find(st, hash(5), &p), 1);
	assert_int_equal(p.role, COL_ROLE_VETTING);
	assert_string_equal(p.name, "Vera");
	assert_int_equal(col_ident_set_expiry(st, COL_IDENT_OFFICERS, id, vg_time_now() + 3600000), 1);
	assert_int_equal(accepted(5, &who), 1);
	assert_int_equal(col_ident_set_expiry(st, COL_IDENT_OFFICERS, id, vg_time_now() - 1), 1);
	assert_int_equal(refused_as(5), COL_TOKEN_EXPIRED);
	assert_int_equal(col_ident_set_expiry(st, COL_IDENT_OFFICERS, 999, -1), 0);
	/* A token of an agent is never taken for an officer's and back. */
	assert_int_equal(col_ident_revoke(st, COL_IDENT_AGENTS, id, NULL), 0);
}

/* The listing has every identity with its status and no hash. */
static void listing(void **state)
{
	int64_t a, b, rid;
	(void)state;
	assert_int_equal(col_store_agent_add(st, "ws-3", hash(1), &a), 0);
	assert_int_equal(col_store_agent_add(st, "ws-4", hash(2), &b), 0);
	assert_int_equal(col_ident_rotate(st, COL_IDENT_AGENTS, a, NULL, hash(3), 60000, -1, &rid), 1);
	assert_int_equal(col_ident_revoke(st, COL_IDENT_AGENTS, b, NULL), 1);
	json_t *list = col_ident_list(st, COL_IDENT_AGENTS);
	assert_non_null(list);
	assert_int_equal(json_array_size(list), 2);
	json_t *first = json_array_get(list, 0), *second = json_array_get(list, 1);
	assert_string_equal(json_string_value(json_object_get(first, "host")), "ws-3");
	assert_string_equal(json_string_value(json_object_get(first, "status")), "active");
	assert_true(json_is_string(json_object_get(first, "grace_until")));
	assert_string_equal(json_string_value(json_object_get(second, "status")), "revoked");
	assert_true(json_is_null(json_object_get(second, "grace_until")));
	char *text = json_dumps(list, JSON_COMPACT);
	assert_non_null(text);
	for (int h = 1; h <= 3; h++)
		assert_null(strstr(text, hash(h)));
	free(text);
	json_decref(list);
}

static void durations(void **state)
{
	(void)state;
	assert_int_equal(col_ident_parse_duration("90d"), 90LL * 86400 * 1000);
	assert_int_equal(col_ident_parse_duration("12h"), 12LL * 3600 * 1000);
	assert_int_equal(col_ident_parse_duration("30m"), 30LL * 60 * 1000);
	assert_int_equal(col_ident_parse_duration("10s"), 10000);
	assert_int_equal(col_ident_parse_duration("0s"), 0);
	assert_int_equal(col_ident_parse_duration("3660d"), 3660LL * 86400 * 1000);
	static const char *const bad[] = {"", "d", "5", "5x", "-1d", "3661d", "1dd", " 1d", "1d ",
	                                  "99999999999999999999s"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(col_ident_parse_duration(bad[i]), -1);
}

static void roles(void **state)
{
	(void)state;
	assert_int_equal(col_role_parse("vetting"), COL_ROLE_VETTING);
	assert_string_equal(col_role_name(COL_ROLE_VETTING), "vetting");
	assert_int_equal(col_role_parse("agent"), -1);
	assert_string_equal(col_token_state_message(COL_TOKEN_REVOKED), "this token has been revoked");
}

/* A configured user that does not exist is an error with the fix. */
static void runas_unknown_user(void **state)
{
	struct col_config cfg = {.path = "collector.conf", .user = "no-such-vigil-user-x"};
	struct col_runas ra;
	char err[512];
	(void)state;
	assert_int_equal(col_privs_resolve(&cfg, &ra, err, sizeof err), -1);
	assert_non_null(strstr(err, "collector.conf: user 'no-such-vigil-user-x' does not exist"));
	assert_non_null(strstr(err, "useradd --system"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(rotate_without_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(grace_then_revoke, setup, teardown),
		cmocka_unit_test_setup_teardown(ambiguous_name, setup, teardown),
		cmocka_unit_test_setup_teardown(officer_expiry_and_roles, setup, teardown),
		cmocka_unit_test_setup_teardown(listing, setup, teardown),
		cmocka_unit_test(durations),
		cmocka_unit_test(roles),
		cmocka_unit_test(runas_unknown_user),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
