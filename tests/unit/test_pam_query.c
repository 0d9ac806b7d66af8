/*
 * test_pam_query: login enforcement queries (agent_pam_parse_query,
 * agent_query.c): parsing and trust, the decision for each kind of host,
 * the answer datagram and the event that records the decision.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent_pam.h"
#include "agent_query.h"
#include "pol.h"
#include "vg_log.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RAW(s) (s), (sizeof(s) - 1)
#define Q AGENT_PAM_QUERY_MAGIC "\0"

static const struct ucred root_cred = {.pid = 4242, .uid = 0, .gid = 0};
static const struct ucred user_cred = {.pid = 4243, .uid = 1000, .gid = 1000};

static const char policy_text[] =
	"policy = { id = \"unit-enforce\"; serial = 9; };\n"
	"levels = ( { name = \"UNCLASSIFIED\"; rank = 0; }, { name = \"SECRET\"; rank = 20; } );\n"
	"persons = (\n"
	"  { id = \"p1\"; name = \"Alice\"; accounts = [\"alice\"];\n"
	"    clearance = { level = \"SECRET\"; status = \"active\"; granted = \"2022-03-01\";\n"
	"                  review_due = \"2032-03-01\"; }; hosts = [\"ws-*\"]; },\n"
	"  { id = \"p2\"; name = \"Bob\"; accounts = [\"bob\"];\n"
	"    clearance = { level = \"SECRET\"; status = \"active\"; granted = \"2022-03-01\";\n"
	"                  review_due = \"2032-03-01\"; }; hosts = [\"srv-*\"]; } );\n"
	"hosts = ( { name = \"ws-enf*\"; level = \"SECRET\"; enforce_login = true; },\n"
	"          { name = \"ws-vault*\"; level = \"SECRET\"; enforce_login = true; fail = \"closed\"; },\n"
	"          { name = \"ws-*\"; level = \"SECRET\"; } );\n";

static struct pol_policy *load_policy(void)
{
	char path[] = "/tmp/test_pam_query.XXXXXX";
	struct pol_policy *p = NULL;
	struct pol_diag diag;
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, policy_text, sizeof policy_text - 1), (ssize_t)(sizeof policy_text - 1));
	close(fd);
	pol_diag_init(&diag);
	if (pol_load(path, &p, &diag) < 0)
		pol_diag_print(&diag, stderr);
	pol_diag_free(&diag);
	unlink(path);
	assert_non_null(p);
	return p;
}

static const char *detail_str(json_t *ev, const char *name)
{
	return json_string_value(json_object_get(json_object_get(ev, "detail"), name));
}

static void test_query_parsed(void **state)
{
	json_t *ev = NULL;
	bool closed = false;
	char err[256];
	(void)state;

	assert_int_equal(agent_pam_parse_query(RAW(Q "phase=account\0user=alice\0service=sshd\0fail=closed\0"),
	                                       &root_cred, "ws-enf1", &ev, &closed, err, sizeof err), 0);
	assert_true(closed);
	assert_string_equal(json_string_value(json_object_get(ev, "kind")), "auth_success");
	assert_string_equal(json_string_value(json_object_get(ev, "user")), "alice");
	assert_string_equal(detail_str(ev, "phase"), "account");
	json_decref(ev);

	assert_int_equal(agent_pam_parse_query(RAW(Q "phase=account\0user=alice\0fail=open\0"), &root_cred,
	                                       "ws-enf1", &ev, &closed, err, sizeof err), 0);
	assert_false(closed);
	json_decref(ev);
}

static void test_query_refused(void **state)
{
	static const struct { const char *buf; size_t len; const char *why; } bad[] = {
		{RAW(Q "phase=account\0user=alice\0"), "fail mode"},
		{RAW(Q "phase=account\0fail=open\0"), "name a user"},
		{RAW(Q "phase=session_open\0user=alice\0fail=open\0"), "phase 'account'"},
		{RAW(Q "phase=account\0user=alice\0fail=maybe\0"), "key 'fail'"},
		{RAW(AGENT_PAM_MAGIC "\0phase=account\0user=alice\0fail=open\0"), "does not start"},
	};
	json_t *ev = NULL;
	bool closed;
	char err[256];
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(agent_pam_parse_query(bad[i].buf, bad[i].len, &root_cred, "h", &ev, &closed,
		                                       err, sizeof err), 1);
		assert_non_null(strstr(err, bad[i].why));
		assert_string_equal(json_string_value(json_object_get(ev, "kind")), "agent");
		assert_string_equal(detail_str(ev, "action"), "bad_pam_datagram");
		assert_string_equal(detail_str(ev, "channel"), "query");
		json_decref(ev);
	}
	/* Valid, but not from root: not believed, and no answer. */
	assert_int_equal(agent_pam_parse_query(RAW(Q "phase=account\0user=alice\0fail=open\0"), &user_cred,
	                                       "h", &ev, &closed, err, sizeof err), 1);
	assert_string_equal(detail_str(ev, "action"), "untrusted_pam_datagram");
	assert_string_equal(detail_str(ev, "claimed_fail"), "open");
	json_decref(ev);
	/* The fail key belongs to queries only. */
	assert_int_equal(agent_pam_parse(RAW(AGENT_PAM_MAGIC "\0phase=account\0fail=open\0"), &root_cred, "h",
	                                 &ev, err, sizeof err), 1);
	assert_non_null(strstr(err, "unknown key"));
	json_decref(ev);
}

static void test_decide(void **state)
{
	struct pol_policy *p = load_policy();
	struct agent_query_result r;
	int64_t now = vg_time_now();
	(void)state;

	agent_query_decide(p, false, "ws-enf1", "bob", now, true, &r);
	assert_int_equal(r.decision, AGENT_QUERY_ALLOW);
	assert_false(r.enforce);
	assert_false(r.deny);

	agent_query_decide(NULL, true, "ws-enf1", "bob", now, false, &r);
	assert_int_equal(r.decision, AGENT_QUERY_UNDECIDED);
	assert_false(r.deny);
	agent_query_decide(NULL, true, "ws-enf1", "bob", now, true, &r);
	assert_true(r.deny);
	assert_string_equal(r.reasons[0], "no_policy_snapshot");

	agent_query_decide(p, true, "ws-enf1", "alice", now, false, &r);
	assert_int_equal(r.decision, AGENT_QUERY_ALLOW);
	assert_true(r.enforce);
	assert_false(r.deny);
	assert_false(r.fail_mismatch);
	assert_int_equal(r.serial, 9);

	agent_query_decide(p, true, "ws-enf1", "bob", now, true, &r);
	assert_int_equal(r.decision, AGENT_QUERY_DENY);
	assert_true(r.deny);
	assert_true(r.fail_mismatch);
	assert_true(r.nreasons >= 1);
	assert_string_equal(r.reasons[0], "host_not_permitted:ws-enf1");

	agent_query_decide(p, true, "ws-vault1", "alice", now, true, &r);
	assert_true(r.enforce);
	assert_true(r.policy_fail_closed);
	assert_false(r.fail_mismatch);

	/* A host rule without enforce_login, or no rule at all: never enforced. */
	agent_query_decide(p, true, "ws-open1", "bob", now, true, &r);
	assert_int_equal(r.decision, AGENT_QUERY_ALLOW);
	assert_false(r.enforce);
	agent_query_decide(p, true, "mail-1", "nobody", now, true, &r);
	assert_false(r.enforce);
	assert_false(r.deny);
	pol_free(p);
}

static void test_reply(void **state)
{
	struct agent_query_result r;
	char buf[AGENT_PAM_REPLY_MAX];
	size_t n;
	(void)state;

	memset(&r, 0, sizeof r);
	r.decision = AGENT_QUERY_DENY;
	r.enforce = true;
	r.policy_fail_closed = true;
	r.nreasons = 1;
	strcpy(r.reasons[0], "unknown_account");
	n = agent_query_reply(&r, buf, sizeof buf);
	static const char want[] = AGENT_PAM_REPLY_MAGIC "\0decision=deny\0enforce=1\0fail=closed\0"
	                                                 "reason=unknown_account";
	assert_int_equal(n, sizeof want);
	assert_memory_equal(buf, want, n);

	memset(&r, 0, sizeof r);
	n = agent_query_reply(&r, buf, sizeof buf);
	static const char want2[] = AGENT_PAM_REPLY_MAGIC "\0decision=allow\0enforce=0\0fail=open";
	assert_int_equal(n, sizeof want2);
	assert_memory_equal(buf, want2, n);
}

static void test_annotate(void **state)
{
	struct pol_policy *p = load_policy();
	struct agent_query_result r;
	json_t *ev = NULL;
	bool closed;
	char err[256];
	(void)state;

	assert_int_equal(agent_pam_parse_query(RAW(Q "phase=account\0user=bob\0fail=open\0"), &root_cred,
	                                       "ws-enf1", &ev, &closed, err, sizeof err), 0);
	agent_query_decide(p, true, "ws-enf1", "bob", vg_time_now(), closed, &r);
	assert_int_equal(agent_query_annotate(ev, &r), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "kind")), "auth_failure");
	assert_string_equal(json_string_value(json_object_get(ev, "result")), "failure");
	assert_true(json_is_true(json_object_get(json_object_get(ev, "detail"), "enforced")));
	assert_string_equal(detail_str(ev, "decision"), "deny");
	json_t *reasons = json_object_get(json_object_get(ev, "detail"), "reasons");
	assert_true(json_is_array(reasons));
	assert_string_equal(json_string_value(json_array_get(reasons, 0)), "host_not_permitted:ws-enf1");
	json_decref(ev);

	assert_int_equal(agent_pam_parse_query(RAW(Q "phase=account\0user=bob\0fail=open\0"), &root_cred,
	                                       "ws-open1", &ev, &closed, err, sizeof err), 0);
	agent_query_decide(p, true, "ws-open1", "bob", vg_time_now(), closed, &r);
	assert_int_equal(agent_query_annotate(ev, &r), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "kind")), "auth_success");
	assert_true(json_is_false(json_object_get(json_object_get(ev, "detail"), "enforced")));
	assert_null(json_object_get(json_object_get(ev, "detail"), "reasons"));
	json_decref(ev);
	pol_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_parsed),
		cmocka_unit_test(test_query_refused),
		cmocka_unit_test(test_decide),
		cmocka_unit_test(test_reply),
		cmocka_unit_test(test_annotate),
	};
	vg_log_init("test_pam_query", VG_LOG_ERR, 0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
