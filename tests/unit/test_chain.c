/*
 * Unit tests for tamper evidence (collector/col_chain.h): the canonical
 * encoding and the record and block hashes against vectors computed
 * independently (Python's hashlib), anchors as written and as read from a
 * log, and the chain a real SQLite store writes: which transactions make a
 * block, that verify passes on it, and that verify names the table, key and
 * block of every kind of tampering.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_tmpdir.h"

#include "col_chain.h"
#include "col_store.h"
#include "vg_anomaly.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void hex_of(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
}

/* ---- encoding and hashes --------------------------------------------------- */

static const struct col_chain_col sample[] = {
	{"a", SQLITE_INTEGER, 1, 0, NULL, 0},
	{"b", SQLITE_NULL, 0, 0, NULL, 0},
	{"c", SQLITE_TEXT, 0, 0, "hi", 2},
	{"d", SQLITE_FLOAT, 0, 1.5, NULL, 0},
	{"e", SQLITE_BLOB, 0, 0, "\0\1", 2},
	{"neg", SQLITE_INTEGER, -2, 0, NULL, 0},
};
#define NSAMPLE ((int)(sizeof sample / sizeof sample[0]))
static const char sample_hex[] =
	"0161690000000000000001"          /* a: 'i' 1 */
	"0163740000000268 69"             /* c: 't' len 2 "hi" (b is NULL: left out) */
	"0164663ff8000000000000"          /* d: 'f' 1.5 */
	"016562000000020001"              /* e: 'b' len 2 00 01 */
	"036e656769fffffffffffffffe";     /* neg: 'i' -2 */

static void encoding_vector(void **state)
{
	(void)state;
	unsigned char out[128];
	char hex[257], want[257];
	size_t j = 0;
	for (const char *p = sample_hex; *p; p++)
		if (*p != ' ')
			want[j++] = *p;
	want[j] = '\0';
	size_t n = col_chain_encode(sample, NSAMPLE, out, sizeof out);
	assert_int_equal(n, 53);
	hex_of(out, n, hex);
	assert_string_equal(hex, want);
}

static void encoding_refuses_disorder_and_respects_cap(void **state)
{
	(void)state;
	struct col_chain_col swapped[] = {sample[2], sample[0]};
	assert_true(col_chain_encode(swapped, 2, NULL, 0) == SIZE_MAX);
	struct col_chain_col twice[] = {sample[0], sample[0]};
	assert_true(col_chain_encode(twice, 2, NULL, 0) == SIZE_MAX);

	/* A short buffer: the full length is returned, nothing past cap is written. */
	unsigned char out[16];
	memset(out, 0xAA, sizeof out);
	assert_int_equal(col_chain_encode(sample, NSAMPLE, out, 8), 53);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(out[8], 0xAA);
	assert_int_equal(col_chain_encode(sample, NSAMPLE, NULL, 0), 53);
}

static void record_and_block_hash_vectors(void **state)
{
	(void)state;
	unsigned char enc[128], h[COL_CHAIN_HASH_LEN], prev[COL_CHAIN_HASH_LEN], manifest[2 + 18 + 32];
	char hex[COL_CHAIN_HEX_LEN + 1];
	size_t n = col_chain_encode(sample, NSAMPLE, enc, sizeof enc);

	assert_int_equal(col_chain_record_hash(COL_CHAIN_EVENT, enc, n, h), 0);
	hex_of(h, sizeof h, hex);
	assert_string_equal(hex, "136ff46fd52ba8b6ee31b476dd840facc3be13a5a4ed32841dbf7817315575e8");

	/* The first block of a chain with nothing in it. */
	memset(prev, 0, sizeof prev);
	assert_int_equal(col_chain_block_hash(1, 1000, prev, 0, NULL, 0, h), 0);
	hex_of(h, sizeof h, hex);
	assert_string_equal(hex, "3e002176e0a7a4b6a1e0d94471f6d8e6aa290a52c6101413bcdef3521dce36eb");

	/* Block 2 listing event (agent 3, seq 17) with the record hash above. */
	for (int i = 0; i < COL_CHAIN_HASH_LEN; i++)
		prev[i] = (unsigned char)i;
	unsigned char rec[COL_CHAIN_HASH_LEN];
	col_chain_record_hash(COL_CHAIN_EVENT, enc, n, rec);
	unsigned char *m = manifest;
	*m++ = COL_CHAIN_EVENT;
	*m++ = 'S';
	*m++ = 'i';
	memset(m, 0, 8);
	m[7] = 3;
	m += 8;
	*m++ = 'i';
	memset(m, 0, 8);
	m[7] = 17;
	m += 8;
	memcpy(m, rec, sizeof rec);
	assert_int_equal(col_chain_block_hash(2, -5, prev, 1, manifest, sizeof manifest, h), 0);
	hex_of(h, sizeof h, hex);
	assert_string_equal(hex, "869e0c8c3928bc85bf4b626e2c21c234545fcf51e670e59f99d18822f198d0a6");
}

/* ---- anchors --------------------------------------------------------------- */

#define HASH_A "19597ec81387975ff31ef81ef90966d4fd990b2c02a6bc0e88cebfe5c4df2c3d"

static void anchor_parse(void **state)
{
	(void)state;
	struct col_chain_anchor a;
	assert_int_equal(col_chain_anchor_parse("12:" HASH_A, &a), 0);
	assert_int_equal(a.block, 12);
	assert_int_equal(a.hash[0], 0x19);
	assert_int_equal(a.hash[31], 0x3d);
	assert_int_equal(col_chain_anchor_parse("0:" HASH_A, &a), 0);
	assert_int_equal(col_chain_anchor_parse("12" HASH_A, &a), -1);
	assert_int_equal(col_chain_anchor_parse("-1:" HASH_A, &a), -1);
	assert_int_equal(col_chain_anchor_parse("x:" HASH_A, &a), -1);
	assert_int_equal(col_chain_anchor_parse("12:" HASH_A "0", &a), -1);
	assert_int_equal(col_chain_anchor_parse("12:19597ec8", &a), -1);
	assert_int_equal(col_chain_anchor_parse("12:" HASH_A " ", &a), -1);
}

static void anchors_read_from_logs(void **state)
{
	(void)state;
	char path[128], err[256];
	snprintf(path, sizeof path, "%s/collector.log", tmpdir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "2026-11-22T09:17:13.709Z vigil-collector[1] info: listening on 127.0.0.1:8470\n"
	           "2026-11-22T09:17:13.711Z vigil-collector[1] info: chain-anchor block=0 hash="
	           "0000000000000000000000000000000000000000000000000000000000000000 (start)\n"
	           "Nov 22 09:18:13 collector vigil-collector[1]: chain-anchor block=7 hash=" HASH_A "\n"
	           "<29>1 2026-11-22T09:19:13.000Z c vigil-collector 1 chain-anchor [vigil@32473 block=\"8\""
	           " hash=\"" HASH_A "\"] chain-anchor block=8 hash=" HASH_A "\n"
	           "chain-anchor block=9 hash=19597ec8 (cut short: not an anchor)\n");
	fclose(f);
	struct col_chain_anchor *v = NULL;
	size_t n = 0;
	assert_int_equal(col_chain_anchors_read(path, &v, &n, err, sizeof err), 3);
	assert_int_equal(n, 3);
	assert_int_equal(v[0].block, 0);
	assert_int_equal(v[1].block, 7);
	assert_int_equal(v[2].block, 8);
	assert_memory_equal(v[1].hash, v[2].hash, COL_CHAIN_HASH_LEN);
	free(v);
	snprintf(path, sizeof path, "%s/absent.log", tmpdir);
	assert_int_equal(col_chain_anchors_read(path, &v, &n, err, sizeof err), -1);
	assert_non_null(strstr(err, "absent.log"));
}

/* ---- a store's chain --------------------------------------------------------- */

static int64_t T0 = 1763800000000;

static void put_event(struct col_store *s, int64_t agent, int64_t seq, int want)
{
	char json[200];
	struct vg_event ev;
	memset(&ev, 0, sizeof ev);
	ev.seq = seq;
	ev.time_ms = T0 + seq * 1000;
	ev.kind = VG_KIND_FILE_ACCESS;
	ev.host = "ws-0004";
	ev.user = "dave";
	snprintf(json, sizeof json, "{\"seq\":%lld,\"kind\":\"file_access\",\"user\":\"dave\"}", (long long)seq);
	assert_int_equal(col_store_event_insert(s, agent, &ev, json, strlen(json), T0, seq == 4 ? "ws-0001" : NULL),
	                 want);
}

static void put_anomaly(struct col_store *s, int64_t agent, int64_t seq)
{
	const char *reasons[] = {"level:SECRET<TOP SECRET"};
	struct col_event_ref ref = {agent, seq};
	struct col_anomaly a = {
		.incident = "clearance_exceeded|dave|demo-ts", .kind = "clearance_exceeded",
		.severity = VG_SEV_HIGH, .score = 50, .time_ms = T0 + seq * 1000, .detected_ms = T0,
		.person = "p1004", .account = "dave", .host = "ws-0004", .summary = "Dave read a TS file",
		.reasons = reasons, .nreasons = 1, .events = &ref, .nevents = 1, .policy_serial = 1,
	};
	int64_t id;
	assert_true(col_store_anomaly_record(s, &a, &id) >= 0);
	assert_int_equal(id, 1);
}

/* Builds the reference database: block 1 (events 1..3, the anomaly with
 * event 2, a quarantined item), block 2 (event 4, the anomaly grows), a
 * transaction of duplicates and a rolled-back one (no blocks), block 3 (a
 * triage step). */
static void build_db(const char *path)
{
	char err[512];
	remove(path);
	struct col_store *s = col_store_sqlite_open(path, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(col_store_begin(s), 0);
	for (int seq = 1; seq <= 3; seq++)
		put_event(s, 1, seq, 1);
	put_anomaly(s, 1, 2);
	assert_int_equal(col_store_quarantine_insert(s, 1, T0, "line 1: not JSON", "nope\0x", 6), 0);
	assert_int_equal(col_store_commit(s), 0);

	assert_int_equal(col_store_begin(s), 0);
	put_event(s, 1, 4, 1);
	put_event(s, 1, 1, 0);
	put_anomaly(s, 1, 4);
	assert_int_equal(col_store_commit(s), 0);

	assert_int_equal(col_store_begin(s), 0);
	put_event(s, 1, 2, 0);
	assert_int_equal(col_store_commit(s), 0);

	assert_int_equal(col_store_begin(s), 0);
	put_event(s, 1, 5, 1);
	col_store_rollback(s);

	struct col_triage t = {.status = VG_STATUS_ACKNOWLEDGED, .assignee = "Ada", .note = "Asked his manager.",
	                       .officer = "Ada", .time_ms = T0 + 60000};
	assert_int_equal(col_store_anomaly_triage(s, 1, &t), 1);
	col_store_close(s);
}

static void run_sql(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_close(db);
}

/* Verifies path read-only; returns verify's status and its output in out. */
static int verify_db(const char *path, const struct col_chain_anchor *anchors, size_t n,
                     struct col_chain_stats *st, char **out)
{
	sqlite3 *db;
	char err[512];
	size_t len;
	FILE *f = open_memstream(out, &len);
	assert_non_null(f);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
	int rc = col_chain_verify(db, anchors, n, f, st, err, sizeof err);
	if (rc < 0)
		fail_msg("verify: %s", err);
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	fclose(f);
	return rc;
}

static int64_t query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	int64_t v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static void store_writes_a_verifiable_chain(void **state)
{
	(void)state;
	char path[128], *out = NULL;
	struct col_chain_stats st;
	snprintf(path, sizeof path, "%s/ok.db", tmpdir);
	build_db(path);

	assert_int_equal(verify_db(path, NULL, 0, &st, &out), 0);
	assert_string_equal(out, "");
	free(out);
	/* Three writing transactions made three blocks; duplicates and the
	 * rollback made none. */
	assert_int_equal(st.blocks, 3);
	assert_int_equal(st.head, 3);
	assert_int_equal(st.entries, 6 + 3 + 2);
	assert_int_equal(st.rows[COL_CHAIN_EVENT], 4);
	assert_int_equal(st.rows[COL_CHAIN_ANOMALY], 1);
	assert_int_equal(st.rows[COL_CHAIN_ANOMALY_EVENT], 2);
	assert_int_equal(st.rows[COL_CHAIN_HISTORY], 1);
	assert_int_equal(st.rows[COL_CHAIN_QUARANTINE], 1);
	/* Each block links to the one before; the first to zeros. */
	assert_int_equal(query_int(path, "SELECT count(*) FROM chain c JOIN chain p ON p.block = c.block - 1"
	                                 " WHERE c.prev = p.hash"), 2);
	assert_int_equal(query_int(path, "SELECT prev = zeroblob(32) FROM chain WHERE block = 1"), 1);
	/* Rows carry the block that last recorded them. */
	assert_int_equal(query_int(path, "SELECT chain_block FROM events WHERE seq = 4"), 2);
	assert_int_equal(query_int(path, "SELECT chain_block FROM anomalies WHERE id = 1"), 3);

	/* The head, as anchors report it, and anchors checked against it. */
	sqlite3 *db;
	int64_t head;
	char hex[COL_CHAIN_HEX_LEN + 1], err[256], anchor[100];
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(col_chain_head(db, &head, hex, err, sizeof err), 0);
	sqlite3_close(db);
	assert_int_equal(head, 3);
	assert_string_equal(hex, st.head_hex);
	struct col_chain_anchor a[3];
	snprintf(anchor, sizeof anchor, "3:%s", hex);
	assert_int_equal(col_chain_anchor_parse(anchor, &a[0]), 0);
	assert_int_equal(col_chain_anchor_parse("0:0000000000000000000000000000000000000000000000000000000000000000",
	                                        &a[1]), 0);
	assert_int_equal(verify_db(path, a, 2, &st, &out), 0);
	assert_int_equal(st.anchors_checked, 2);
	free(out);

	/* An anchor the chain does not match, and one past its end. */
	snprintf(anchor, sizeof anchor, "2:%s", hex);
	assert_int_equal(col_chain_anchor_parse(anchor, &a[1]), 0);
	snprintf(anchor, sizeof anchor, "9:%s", hex);
	assert_int_equal(col_chain_anchor_parse(anchor, &a[2]), 0);
	assert_int_equal(verify_db(path, a, 3, &st, &out), 1);
	assert_non_null(strstr(out, "verify: block 2: rewritten: the anchor logged"));
	assert_non_null(strstr(out, "verify: block 9: missing: an anchor was logged for it, the chain ends at"
	                            " block 3"));
	assert_int_equal(st.problems, 2);
	free(out);
}

/* One way of tampering and what verify must say about it. */
struct tamper {
	const char *sql;
	const char *want[3];
};

static const struct tamper tampers[] = {
	{"UPDATE events SET json = '{\"seq\":2,\"kind\":\"file_access\",\"user\":\"eve\"}' WHERE seq = 2",
	 {"events agent=1 seq=2 block=1: altered: its content does not match the hash block 1 records"}},
	{"UPDATE events SET time_ms = time_ms + 1 WHERE seq = 4",
	 {"events agent=1 seq=4 block=2: altered"}},
	{"DELETE FROM events WHERE seq = 3",
	 {"events agent=1 seq=3 block=1: deleted: block 1 records it, the table does not have it"}},
	{"INSERT INTO events(agent, seq, time_ms, kind, received_ms, json, chain_block)"
	 " VALUES(1, 99, 0, 'agent', 0, '{}', 2)",
	 {"events agent=1 seq=99 block=2: inserted: block 2 does not record it"}},
	{"INSERT INTO events(agent, seq, time_ms, kind, received_ms, json) VALUES(2, 1, 0, 'agent', 0, '{}')",
	 {"events agent=2 seq=1: inserted: not chained (chain_block is NULL)"}},
	{"UPDATE anomalies SET severity = 0",
	 {"anomalies id=1 block=3: altered: its content does not match the hash block 3 records"}},
	/* Back to the state of block 2, chain_block included: block 3 has a newer one. */
	{"UPDATE anomalies SET status = 'open', assignee = NULL, chain_block = 2",
	 {"anomalies id=1 block=3: altered: block 3 records a later state than the row's (chain_block 2)"}},
	{"DELETE FROM anomalies",
	 {"anomalies id=1 block=3: deleted: block 3 records its last state, the table does not have it"}},
	{"DELETE FROM anomaly_events WHERE seq = 4",
	 {"anomaly_events anomaly=1 agent=1 seq=4 block=2: deleted"}},
	{"UPDATE anomaly_history SET note = 'Nothing to see.'",
	 {"anomaly_history id=1 block=3: altered"}},
	{"UPDATE quarantine SET reason = 'fine'",
	 {"quarantine id=1 block=1: altered"}},
	{"UPDATE chain SET time_ms = time_ms + 1 WHERE block = 1",
	 {"block 1: altered: its hash does not match its content"}},
	{"DELETE FROM chain WHERE block = 2",
	 {"block 2: missing: the chain goes from block 1 to block 3",
	  "events agent=1 seq=4 block=2: inserted: block 2 does not exist"}},
	{"UPDATE chain SET prev = zeroblob(32) WHERE block = 3",
	 {"block 3: chain broken: its previous hash is not the hash of block 2",
	  "block 3: altered: its hash does not match its content"}},
	{"UPDATE chain SET records = 7 WHERE block = 2",
	 {"block 2: altered: it lists 7 records, its manifest holds 3"}},
	{"UPDATE chain SET manifest = substr(manifest, 1, 20) WHERE block = 2",
	 {"block 2: altered: its manifest is unreadable"}},
};

static void verify_names_every_tampering(void **state)
{
	(void)state;
	char path[128], *out = NULL;
	struct col_chain_stats st;
	snprintf(path, sizeof path, "%s/tamper.db", tmpdir);
	for (size_t i = 0; i < sizeof tampers / sizeof tampers[0]; i++) {
		build_db(path);
		run_sql(path, tampers[i].sql);
		int rc = verify_db(path, NULL, 0, &st, &out);
		if (rc != 1)
			fail_msg("%s: verify returned %d, output:\n%s", tampers[i].sql, rc, out);
		for (int w = 0; w < 3 && tampers[i].want[w]; w++)
			if (!strstr(out, tampers[i].want[w]))
				fail_msg("%s: want \"%s\" in:\n%s", tampers[i].sql, tampers[i].want[w], out);
		free(out);
		out = NULL;
	}
}

/* Rows stored before the chain existed are chained once, when the store
 * opens: in key order, BACKFILL_BLOCK (4096) rows a block. */
static void rows_from_before_are_chained_once(void **state)
{
	(void)state;
	char path[128], err[512], *out = NULL;
	struct col_chain_stats st;
	snprintf(path, sizeof path, "%s/backfill.db", tmpdir);
	remove(path);
	struct col_store *s = col_store_sqlite_open(path, err, sizeof err);
	assert_non_null(s);
	col_store_close(s);
	run_sql(path, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5000)"
	              " INSERT INTO events(agent, seq, time_ms, kind, received_ms, json)"
	              "  SELECT 1 + i % 3, i, i, 'agent', i, '{\"seq\":' || i || '}' FROM n;"
	              "INSERT INTO anomaly_history(anomaly, time_ms, officer, status, note)"
	              " VALUES(1, 0, 'Ada', 'open', 'before');"
	              "INSERT INTO chain_backfill VALUES(1);");
	assert_int_equal(verify_db(path, NULL, 0, &st, &out), 1);
	assert_non_null(strstr(out, "inserted: not chained"));
	free(out);

	s = col_store_sqlite_open(path, err, sizeof err);
	assert_non_null(s);
	col_store_close(s);
	assert_int_equal(verify_db(path, NULL, 0, &st, &out), 0);
	free(out);
	assert_int_equal(st.blocks, 3);        /* 4096 + 904 events, 1 triage step */
	assert_int_equal(st.rows[COL_CHAIN_EVENT], 5000);
	assert_int_equal(query_int(path, "SELECT count(*) FROM chain_backfill"), 0);

	/* Opening again chains nothing more. */
	s = col_store_sqlite_open(path, err, sizeof err);
	assert_non_null(s);
	col_store_close(s);
	assert_int_equal(query_int(path, "SELECT count(*) FROM chain"), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(encoding_vector),
		cmocka_unit_test(encoding_refuses_disorder_and_respects_cap),
		cmocka_unit_test(record_and_block_hash_vectors),
		cmocka_unit_test(anchor_parse),
		cmocka_unit_test(anchors_read_from_logs),
		cmocka_unit_test(store_writes_a_verifiable_chain),
		cmocka_unit_test(verify_names_every_tampering),
		cmocka_unit_test(rows_from_before_are_chained_once),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
