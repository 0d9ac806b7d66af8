/*
 * The agent spool: sequence numbers are assigned at append time, unique and
 * increasing across restarts; events leave only when acknowledged; the bound
 * drops new events and counts every drop; what was committed survives a
 * process dying without closing the database.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "agent_spool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct fixture {
	char dir[64];
	char path[128];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	assert_non_null(f);
	snprintf(f->dir, sizeof f->dir, "/tmp/vigil-spool-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof f->path, "%s/spool.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static json_t *event(const char *user)
{
	json_t *ev = json_pack("{s:s,s:s,s:s}", "time", "2026-11-22T04:48:38.203Z", "kind",
	                       "session_open", "user", user);
	assert_non_null(ev);
	return ev;
}

static void append(struct agent_spool *sp, const char *user, int expect)
{
	char err[256];
	json_t *ev = event(user);
	assert_int_equal(agent_spool_append(sp, ev, err, sizeof err), expect);
	json_decref(ev);
}

static void test_seq_assigned_in_order_and_peeked_oldest_first(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct agent_batch b;
	struct agent_spool *sp = agent_spool_open(f->path, 100, err, sizeof err);
	assert_non_null(sp);

	append(sp, "alice", 0);
	append(sp, "bob", 0);
	append(sp, "carol", 0);
	assert_int_equal(agent_spool_count(sp), 3);

	assert_int_equal(agent_spool_peek(sp, 2, 1 << 20, &b, err, sizeof err), 2);
	assert_int_equal(b.first_seq, 1);
	assert_int_equal(b.last_seq, 2);
	assert_non_null(strstr(b.ndjson, "\"seq\":1"));
	assert_non_null(strstr(b.ndjson, "alice"));
	assert_null(strstr(b.ndjson, "carol"));
	assert_int_equal(b.ndjson[b.len - 1], '\n');
	agent_batch_free(&b);
	agent_spool_close(sp);
}

static void test_ack_removes_only_acknowledged(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct agent_batch b;
	struct agent_spool *sp = agent_spool_open(f->path, 100, err, sizeof err);
	assert_non_null(sp);
	for (int i = 0; i < 5; i++)
		append(sp, "alice", 0);
	assert_int_equal(agent_spool_ack(sp, 3, err, sizeof err), 0);
	assert_int_equal(agent_spool_count(sp), 2);
	assert_int_equal(agent_spool_peek(sp, 10, 1 << 20, &b, err, sizeof err), 2);
	assert_int_equal(b.first_seq, 4);
	assert_int_equal(b.last_seq, 5);
	agent_batch_free(&b);
	agent_spool_close(sp);
}

/* After everything was acknowledged and the agent restarted, numbering
 * continues: the collector would otherwise take new events for duplicates. */
static void test_seq_never_reused_after_ack_and_restart(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct agent_batch b;
	struct agent_spool *sp = agent_spool_open(f->path, 100, err, sizeof err);
	assert_non_null(sp);
	append(sp, "alice", 0);
	append(sp, "alice", 0);
	assert_int_equal(agent_spool_ack(sp, 2, err, sizeof err), 0);
	agent_spool_close(sp);

	sp = agent_spool_open(f->path, 100, err, sizeof err);
	assert_non_null(sp);
	append(sp, "bob", 0);
	assert_int_equal(agent_spool_peek(sp, 10, 1 << 20, &b, err, sizeof err), 1);
	assert_int_equal(b.first_seq, 3);
	agent_batch_free(&b);
	agent_spool_close(sp);
}

static void test_full_spool_drops_new_events_and_counts_them(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct agent_batch b;
	struct agent_spool *sp = agent_spool_open(f->path, 3, err, sizeof err);
	assert_non_null(sp);
	append(sp, "first", 0);
	append(sp, "second", 0);
	append(sp, "third", 0);
	append(sp, "fourth", 1);
	append(sp, "fifth", 1);
	assert_int_equal(agent_spool_count(sp), 3);
	assert_int_equal(agent_spool_take_drops(sp), 2);
	assert_int_equal(agent_spool_take_drops(sp), 0);

	/* The oldest evidence is what was kept. */
	assert_int_equal(agent_spool_peek(sp, 10, 1 << 20, &b, err, sizeof err), 3);
	assert_non_null(strstr(b.ndjson, "first"));
	assert_null(strstr(b.ndjson, "fourth"));
	agent_batch_free(&b);

	/* Room again after an acknowledgement. */
	assert_int_equal(agent_spool_ack(sp, 1, err, sizeof err), 0);
	append(sp, "sixth", 0);
	agent_spool_close(sp);
}

static void test_drop_count_survives_restart(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct agent_spool *sp = agent_spool_open(f->path, 1, err, sizeof err);
	assert_non_null(sp);
	append(sp, "kept", 0);
	append(sp, "dropped", 1);
	agent_spool_close(sp);
	sp = agent_spool_open(f->path, 1, err, sizeof err);
	assert_non_null(sp);
	assert_int_equal(agent_spool_take_drops(sp), 1);
	agent_spool_close(sp);
}

static void test_byte_bound_always_takes_one_event(void **state)
{
	struct fixture *f = *state;
	char err[256];
	struct agent_batch b;
	struct agent_spool *sp = agent_spool_open(f->path, 100, err, sizeof err);
	assert_non_null(sp);
	append(sp, "alice", 0);
	append(sp, "bob", 0);
	assert_int_equal(agent_spool_peek(sp, 10, 10, &b, err, sizeof err), 1);
	assert_int_equal(b.first_seq, 1);
	agent_batch_free(&b);
	agent_spool_close(sp);
}

/* A child appends and dies without closing anything: every append that
 * returned is on disk. */
static void test_committed_events_survive_process_death(void **state)
{
	struct fixture *f = *state;
	char err[256];
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct agent_spool *sp = agent_spool_open(f->path, 100, err, sizeof err);
		if (!sp)
			_exit(1);
		for (int i = 0; i < 10; i++) {
			json_t *ev = event("alice");
			if (agent_spool_append(sp, ev, err, sizeof err) != 0)
				_exit(2);
			json_decref(ev);
		}
		_exit(0);   /* no close, no checkpoint */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	struct agent_spool *sp = agent_spool_open(f->path, 100, err, sizeof err);
	assert_non_null(sp);
	assert_int_equal(agent_spool_count(sp), 10);
	agent_spool_close(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_seq_assigned_in_order_and_peeked_oldest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ack_removes_only_acknowledged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seq_never_reused_after_ack_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_spool_drops_new_events_and_counts_them, setup, teardown),
		cmocka_unit_test_setup_teardown(test_drop_count_survives_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_byte_bound_always_takes_one_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_committed_events_survive_process_death, setup, teardown),
	};
	return cmocka_run_group_tests_name("agent_spool", tests, NULL, NULL);
}
