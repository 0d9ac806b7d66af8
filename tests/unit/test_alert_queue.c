/*
 * Unit tests for queueing alerts (col_alert_enqueue through
 * col_found_record, against a real SQLite store) and for the alerts group
 * of collector.conf.
 *
 * Queueing: an anomaly below min_severity is not queued; one at or above is
 * queued once per sink (syslog and each webhook), in the transaction that
 * records it, so a rollback leaves no alert; more events of the same
 * incident queue nothing more; an incident whose severity rises to the
 * threshold is queued then, once. The outbox hands pending alerts out
 * oldest first and forgets them once delivered.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_tmpdir.h"

#include "col_alert.h"
#include "col_config.h"
#include "col_found.h"
#include "col_server.h"
#include "col_store.h"
#include "vg_anomaly.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Writes text to tmpdir/name and puts its path into path. */
static void write_file(const char *name, const char *text, char *path, size_t len)
{
	snprintf(path, len, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* ---- queueing ----------------------------------------------------------- */

static struct col_server srv;

static int queue_setup(void **state)
{
	char path[256], err[512], text[1024];
	(void)state;
	if (make_tmpdir(state) < 0)
		return -1;
	snprintf(text, sizeof text,
	         "database = \"%s/q.db\";\npolicy = \"/nonexistent\";\n"
	         "alerts = { min_severity = \"high\"; syslog = \"udp:127.0.0.1:5514\";\n"
	         "  webhooks = ( { url = \"https://siem.example/hook\"; } ); };\n", tmpdir);
	write_file("q.conf", text, path, sizeof path);
	memset(&srv, 0, sizeof srv);
	if (col_config_load(path, &srv.cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	snprintf(path, sizeof path, "%s/q.db", tmpdir);
	srv.store = col_store_sqlite_open(path, err, sizeof err);
	return srv.store ? 0 : -1;
}

static int queue_teardown(void **state)
{
	col_store_close(srv.store);
	col_config_free(&srv.cfg);
	return remove_tmpdir(state);
}

/* Records one event (agent 1, seq) of incident key with severity, in its
 * own transaction that commits (or rolls back). Returns the anomaly id. */
static int64_t record(const char *incident, int severity, int64_t seq, int commit)
{
	const char *reasons[] = {"level:SECRET<TOP SECRET"};
	struct col_event_ref ref = {1, seq};
	struct col_anomaly a = {
		.incident = incident, .kind = "clearance_exceeded", .severity = severity, .score = 50,
		.time_ms = 1795000000000 + seq, .detected_ms = 1795000000000, .person = "p1",
		.account = "alice", .host = "ws-1", .summary = "Alice read a file.", .reasons = reasons,
		.nreasons = 1, .events = &ref, .nevents = 1, .policy_serial = 1,
	};
	struct col_found found = {.srv = &srv};
	assert_int_equal(col_store_begin(srv.store), 0);
	assert_int_equal(col_found_record(&found, &a, VG_AK_CLEARANCE_EXCEEDED), 0);
	if (commit)
		assert_int_equal(col_store_commit(srv.store), 0);
	else
		col_store_rollback(srv.store);
	json_t *list = col_store_anomalies_query(srv.store, &(struct col_anomaly_filter){
	                                             .min_severity = -1, .since_ms = -1, .until_ms = -1,
	                                             .limit = 100});
	assert_non_null(list);
	int64_t id = 0;
	size_t i;
	json_t *o;
	json_array_foreach(list, i, o) {
		if (json_integer_value(json_object_get(o, "id")) > id)
			id = json_integer_value(json_object_get(o, "id"));
	}
	json_decref(list);
	return id;
}

static int pending(const char *sink, struct col_outbox_item *items, int max)
{
	int n = col_store_outbox_pending(srv.store, sink, items, max);
	assert_true(n >= 0);
	return n;
}

#define WEBHOOK_SINK (srv.cfg.alerts.webhooks[0].sink)

static void queued_once_per_sink_at_the_threshold(void **state)
{
	struct col_outbox_item items[8];
	(void)state;

	/* medium < high: recorded, not queued. */
	int64_t a = record("inc-a", VG_SEV_MEDIUM, 1, 1);
	assert_true(a > 0);
	assert_int_equal(pending("syslog", items, 8), 0);
	assert_int_equal(pending(WEBHOOK_SINK, items, 8), 0);

	/* A second event of the incident at high raises its severity: the
	 * anomaly alerts now, once for each sink. */
	assert_int_equal(record("inc-a", VG_SEV_HIGH, 2, 1), a);
	assert_int_equal(pending("syslog", items, 8), 1);
	assert_int_equal(items[0].anomaly, a);
	assert_int_equal(items[0].attempts, 0);
	assert_int_equal(pending(WEBHOOK_SINK, items, 8), 1);

	/* More events of the same incident: counts grow, nothing more queued. */
	record("inc-a", VG_SEV_HIGH, 3, 1);
	record("inc-a", VG_SEV_MEDIUM, 4, 1);
	assert_int_equal(pending("syslog", items, 8), 1);
	assert_int_equal(pending(WEBHOOK_SINK, items, 8), 1);

	/* A new critical anomaly queues behind it, oldest first. */
	int64_t b = record("inc-b", VG_SEV_CRITICAL, 5, 1);
	assert_true(b > a);
	assert_int_equal(pending("syslog", items, 8), 2);
	assert_int_equal(items[0].anomaly, a);
	assert_int_equal(items[1].anomaly, b);
	assert_true(items[0].id < items[1].id);
	assert_int_equal(pending("syslog", items, 1), 1);  /* max is respected */
	assert_int_equal(pending("webhook:https://other.example/", items, 8), 0);
}

static void a_rolled_back_anomaly_leaves_no_alert(void **state)
{
	struct col_outbox_item items[8];
	(void)state;
	record("inc-c", VG_SEV_CRITICAL, 1, 0);
	assert_int_equal(pending("syslog", items, 8), 0);
	assert_int_equal(pending(WEBHOOK_SINK, items, 8), 0);
}

static void delivery_results(void **state)
{
	struct col_outbox_item items[8];
	(void)state;
	int64_t a = record("inc-d", VG_SEV_HIGH, 1, 1);
	assert_int_equal(pending("syslog", items, 8), 1);
	int64_t id = items[0].id;

	/* Two failed attempts are counted; the alert stays pending. */
	assert_int_equal(col_store_outbox_result(srv.store, id, -1, "sendto: Connection refused"), 0);
	assert_int_equal(col_store_outbox_result(srv.store, id, -1, "sendto: Connection refused"), 0);
	assert_int_equal(pending("syslog", items, 8), 1);
	assert_int_equal(items[0].attempts, 2);
	assert_int_equal(items[0].anomaly, a);

	/* Delivered: gone from the pending list, and never queued again. */
	assert_int_equal(col_store_outbox_result(srv.store, id, 1795000000123, NULL), 0);
	assert_int_equal(pending("syslog", items, 8), 0);
	assert_int_equal(pending(WEBHOOK_SINK, items, 8), 1);
	record("inc-d", VG_SEV_CRITICAL, 2, 1);
	assert_int_equal(pending("syslog", items, 8), 0);
}

/* Without an alerts group nothing is queued, whatever the severity. */
static void nothing_without_alerts(void **state)
{
	struct col_outbox_item items[8];
	(void)state;
	struct col_alert_config saved = srv.cfg.alerts;
	memset(&srv.cfg.alerts, 0, sizeof srv.cfg.alerts);
	record("inc-e", VG_SEV_CRITICAL, 1, 1);
	srv.cfg.alerts = saved;
	assert_int_equal(pending("syslog", items, 8), 0);
	/* and enqueue itself says so without touching the store */
	assert_int_equal(col_alert_enqueue(&srv, 1, VG_SEV_LOW), 0);
}

/* ---- configuration -------------------------------------------------------- */

static void config_good(void **state)
{
	char path[256], err[512], text[2048];
	struct col_config cfg;
	(void)state;

	write_file("ca.pem", "-----BEGIN CERTIFICATE-----\n", path, sizeof path);
	snprintf(text, sizeof text,
	         "database = \"/tmp/x.db\";\npolicy = \"/tmp/p.cfg\";\n"
	         "alerts = {\n"
	         "  min_severity = \"critical\";\n"
	         "  syslog = \"unix:/dev/log\";\n"
	         "  facility = \"local3\";\n"
	         "  webhooks = ( { url = \"https://siem.example/hook\"; ca = \"%s\";\n"
	         "                 secret_header = \"X-Vigil-Token: abc def\"; timeout = 3; },\n"
	         "               { url = \"http://127.0.0.1:9000/h\"; } );\n"
	         "  backoff_initial = 2; backoff_max = 60;\n"
	         "};\n", path);
	write_file("good.conf", text, path, sizeof path);
	assert_int_equal(col_config_load(path, &cfg, err, sizeof err), 0);
	assert_true(cfg.alerts.enabled);
	assert_int_equal(cfg.alerts.min_severity, VG_SEV_CRITICAL);
	assert_int_equal(cfg.alerts.syslog, COL_SYSLOG_UNIX);
	assert_string_equal(cfg.alerts.syslog_path, "/dev/log");
	assert_int_equal(cfg.alerts.facility, 19);
	assert_int_equal(cfg.alerts.nwebhooks, 2);
	assert_string_equal(cfg.alerts.webhooks[0].header, "X-Vigil-Token: abc def");
	assert_int_equal(cfg.alerts.webhooks[0].timeout, 3);
	/* The outbox and the logs name a webhook without its URL's secrets. */
	assert_memory_equal(cfg.alerts.webhooks[1].sink, "webhook:", 8);
	assert_int_equal(strlen(cfg.alerts.webhooks[1].sink), 8 + 16);
	assert_string_not_equal(cfg.alerts.webhooks[0].sink, cfg.alerts.webhooks[1].sink);
	assert_string_equal(cfg.alerts.webhooks[0].label, "https://siem.example/...");
	assert_string_equal(cfg.alerts.webhooks[1].label, "http://127.0.0.1:9000/...");
	assert_null(cfg.alerts.webhooks[1].ca);
	assert_int_equal(cfg.alerts.webhooks[1].timeout, 10);
	assert_int_equal(cfg.alerts.backoff_initial, 2);
	assert_int_equal(cfg.alerts.backoff_max, 60);
	col_config_free(&cfg);

	/* Defaults: high, auth, 1..300 s; UDP target parsed. */
	write_file("min.conf", "database = \"/tmp/x.db\";\npolicy = \"/tmp/p.cfg\";\n"
	                       "alerts = { syslog = \"udp:[::1]:514\"; };\n", path, sizeof path);
	assert_int_equal(col_config_load(path, &cfg, err, sizeof err), 0);
	assert_int_equal(cfg.alerts.min_severity, VG_SEV_HIGH);
	assert_int_equal(cfg.alerts.facility, 4);
	assert_int_equal(cfg.alerts.syslog, COL_SYSLOG_UDP);
	assert_string_equal(cfg.alerts.syslog_host, "::1");
	assert_int_equal(cfg.alerts.syslog_port, 514);
	assert_int_equal(cfg.alerts.backoff_initial, 1);
	assert_int_equal(cfg.alerts.backoff_max, 300);
	col_config_free(&cfg);

	/* No alerts group: off. */
	write_file("none.conf", "database = \"/tmp/x.db\";\npolicy = \"/tmp/p.cfg\";\n", path, sizeof path);
	assert_int_equal(col_config_load(path, &cfg, err, sizeof err), 0);
	assert_false(cfg.alerts.enabled);
	col_config_free(&cfg);
}

/* Each mistake is refused with the file, the line and what is wrong. */
static void config_errors(void **state)
{
	static const struct {
		const char *alerts;
		const char *want;             /* in the message, after "bad.conf:LINE: " */
	} bad[] = {
		{"alerts = { syslog = \"udp:127.0.0.1:514\"; sylog = \"x\"; };", "3: unknown setting 'sylog'"},
		{"alerts = { min_severity = \"urgent\"; syslog = \"unix:/dev/log\"; };",
		 "3: 'min_severity' must be one of low, medium, high, critical"},
		{"alerts = { min_severity = \"high\"; };", "3: 'alerts' needs a 'syslog' target or 'webhooks'"},
		{"alerts = { syslog = \"tcp:127.0.0.1:514\"; };", "expected udp:HOST:PORT or unix:/PATH"},
		{"alerts = { syslog = \"udp:127.0.0.1\"; };", "expected udp:HOST:PORT"},
		{"alerts = { syslog = \"unix:dev/log\"; };", "expected unix:/ABSOLUTE/PATH"},
		{"alerts = { syslog = \"udp:h:1\"; facility = \"security\"; };", "'facility' must be a syslog"},
		{"alerts = { webhooks = ( { url = \"http://siem.example/hook\"; } ); };",
		 "plain http is only allowed to loopback"},
		{"alerts = { webhooks = ( { url = \"ftp://127.0.0.1/x\"; } ); };", "the scheme must be https"},
		{"alerts = { webhooks = ( { url = \"siem/hook\"; } ); };", "not an absolute http(s) URL"},
		{"alerts = { webhooks = ( { ca = \"/x\"; } ); };", "a webhook needs 'url'"},
		{"alerts = { webhooks = ( { url = \"https://a/\"; token = \"x\"; } ); };",
		 "unknown setting 'token'"},
		{"alerts = { webhooks = ( { url = \"https://a/\"; ca = \"/nonexistent/ca.pem\"; } ); };",
		 "'ca' = \"/nonexistent/ca.pem\": cannot read the file"},
		{"alerts = { webhooks = ( { url = \"https://a/\"; secret_header = \"X-Token abc\"; } ); };",
		 "'secret_header' must be \"Name: value\""},
		{"alerts = { webhooks = ( { url = \"https://a/\"; secret_header = \"X-T: a\\nb\"; } ); };",
		 "'secret_header' must be \"Name: value\""},
		{"alerts = { webhooks = ( { url = \"https://a/\"; timeout = 0; } ); };", "'timeout' = 0 is outside"},
		{"alerts = { webhooks = ( { url = \"https://a/\"; }, { url = \"https://a/\"; } ); };",
		 "listed twice"},
		{"alerts = { syslog = \"udp:h:1\"; backoff_initial = 10; backoff_max = 5; };",
		 "'backoff_max' (5) must not be below 'backoff_initial' (10)"},
		{"alerts = \"on\";", "'alerts' must be a group"},
	};
	char path[256], err[512], text[1024];
	struct col_config cfg;
	(void)state;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(text, sizeof text, "database = \"/tmp/x.db\";\npolicy = \"/tmp/p.cfg\";\n%s\n",
		         bad[i].alerts);
		write_file("bad.conf", text, path, sizeof path);
		err[0] = '\0';
		if (col_config_load(path, &cfg, err, sizeof err) != -1)
			fail_msg("accepted: %s", bad[i].alerts);
		if (!strstr(err, bad[i].want) || !strstr(err, "bad.conf:3: "))
			fail_msg("%s\n  got:  %s\n  want: bad.conf:3: ...%s", bad[i].alerts, err, bad[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest queue[] = {
		cmocka_unit_test_setup_teardown(queued_once_per_sink_at_the_threshold, queue_setup, queue_teardown),
		cmocka_unit_test_setup_teardown(a_rolled_back_anomaly_leaves_no_alert, queue_setup, queue_teardown),
		cmocka_unit_test_setup_teardown(delivery_results, queue_setup, queue_teardown),
		cmocka_unit_test_setup_teardown(nothing_without_alerts, queue_setup, queue_teardown),
	};
	const struct CMUnitTest config[] = {
		cmocka_unit_test(config_good),
		cmocka_unit_test(config_errors),
	};
	int failed = cmocka_run_group_tests_name("alert queue", queue, NULL, NULL);
	failed += cmocka_run_group_tests_name("alert config", config, make_tmpdir, remove_tmpdir);
	return failed;
}
