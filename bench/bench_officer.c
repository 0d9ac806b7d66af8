/*
 * bench_officer: a large collector database for timing the officer's views.
 *
 *   bench_officer DIR [EVENTS [ANOMALIES [PERSONS]]]
 *
 * Writes DIR/policy.cfg (PERSONS persons, default 5000, on 500
 * workstations; every 20th suspended, every 25th overdue for review, every
 * 50th interim) and DIR/vigil.db: the collector's own schema (opened
 * through col_store_sqlite_open, so every migration and index is the real
 * one), one agent per workstation, EVENTS events (default 10,000,000) over
 * 90 days and ANOMALIES anomalies (default 100,000, skewed so that a few
 * persons carry many) with their evidence links.
 *
 * Filling uses plain SQLite inserts, not the ingest path: the indexes on
 * events and anomalies are dropped, rows go in primary-key order in large
 * transactions without a journal, and the indexes are then rebuilt from
 * their stored definitions (sorting is far faster than 10 million random
 * index inserts). The output is a pure function of the arguments. Prints
 * one line: "fill events=N anomalies=N persons=N seconds=S db_mb=M
 * latest=TIME heavy=PERSON typical=PERSON". bench/officer.sh times the
 * collector's answers on this database.
 */
#include "col_store.h"
#include "vg_time.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NWS 500
#define DAYS 90
#define START_DAY "2026-08-24"       /* a Monday; the data ends 90 days later */

static uint64_t rng_state = 0x0ff1cebe4c4ULL;

static uint64_t rnd(void)
{
	/* xorshift64*: deterministic and fast. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* A skewed pick in [0, n): small indices are much more likely. */
static uint64_t skewed(uint64_t n)
{
	double u = (double)(rnd() >> 11) / 9007199254740992.0;
	uint64_t v = (uint64_t)((double)n * u * u * u);
	return v < n ? v : n - 1;
}

static int die(const char *what, sqlite3 *db)
{
	fprintf(stderr, "bench_officer: %s: %s\n", what, db ? sqlite3_errmsg(db) : strerror(errno));
	return 1;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "bench_officer: %s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static int write_policy(const char *path, long persons)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs("policy = { id = \"bench-officer\"; serial = 1; };\n"
	      "levels = ( { name = \"UNCLASSIFIED\"; rank = 0; }, { name = \"SECRET\"; rank = 20; },\n"
	      "           { name = \"TOP SECRET\"; rank = 30; } );\n"
	      "compartments = ( { name = \"FALCON\"; min_level = \"SECRET\"; } );\n"
	      "schedules = ( { name = \"office\"; days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"];\n"
	      "                start = \"07:00\"; end = \"19:00\"; tz = \"UTC\"; } );\n"
	      "hosts = ( { name = \"ws-*\"; level = \"SECRET\"; site = \"hq\"; removable_media = false; } );\n"
	      "resources = ( { id = \"falcon\"; path = \"/srv/falcon/\"; level = \"SECRET\";\n"
	      "                compartments = [\"FALCON\"]; } );\n"
	      "persons = (\n", f);
	for (long i = 1; i <= persons; i++) {
		const char *status = i % 20 == 0 ? "suspended" : i % 50 == 0 ? "interim" : "active";
		const char *due = i % 25 == 0 ? "2026-01-15" : "2030-06-01";
		fprintf(f, "  { id = \"p%05ld\"; name = \"Person %ld\"; accounts = [\"u%05ld\"]; groups = "
		        "[\"g%02ld\"];\n    clearance = { level = \"SECRET\"; status = \"%s\"; granted = "
		        "\"2020-01-01\"; nda_signed = \"2020-01-01\"; review_due = \"%s\"; };\n", i, i, i, i % 40, status, due);
		if (strcmp(status, "interim") != 0)
			fputs("    compartments = ( { name = \"FALCON\"; read_on = \"2021-01-04\"; } );\n", f);
		fprintf(f, "    hosts = [\"ws-*\"]; schedule = \"office\"; }%s\n", i < persons ? "," : "");
	}
	fputs(");\n", f);
	return fclose(f);
}

/* Index definitions of a table, so they can be dropped and rebuilt. */
struct saved_index {
	char name[128];
	char *sql;
};

static int save_and_drop_indexes(sqlite3 *db, const char *table, struct saved_index *out, int max,
                                 int *n)
{
	sqlite3_stmt *st;
	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND "
	                       "tbl_name = ? AND sql IS NOT NULL", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW && *n < max) {
		snprintf(out[*n].name, sizeof out[*n].name, "%s", (const char *)sqlite3_column_text(st, 0));
		out[*n].sql = strdup((const char *)sqlite3_column_text(st, 1));
		if (!out[*n].sql) {
			sqlite3_finalize(st);
			return -1;
		}
		(*n)++;
	}
	sqlite3_finalize(st);
	for (int i = 0; i < *n; i++) {
		char sql[200];
		snprintf(sql, sizeof sql, "DROP INDEX \"%s\"", out[i].name);
		if (exec(db, sql) < 0)
			return -1;
	}
	return 0;
}

static int rebuild_indexes(sqlite3 *db, struct saved_index *v, int n)
{
	int rc = 0;
	for (int i = 0; i < n; i++) {
		if (rc == 0 && exec(db, v[i].sql) < 0)
			rc = -1;
		free(v[i].sql);
	}
	return rc;
}

static const char *const event_kinds[] = {"file_access", "file_access", "file_access", "file_access",
                                          "file_access", "file_access", "file_access", "exec",
                                          "session_open", "auth_success", "session_close", "agent"};
#define NKINDS (sizeof event_kinds / sizeof event_kinds[0])

static int fill_events(sqlite3 *db, long events, long persons, int64_t start, int64_t *latest)
{
	sqlite3_stmt *st;
	char json[512], ts[VG_TIME_LEN], host[16], user[24];
	long per_agent = events / NWS, extra = events % NWS;
	int64_t span = (int64_t)DAYS * VG_MS_PER_DAY;

	if (sqlite3_prepare_v2(db, "INSERT INTO events(agent,seq,time_ms,kind,host,user,received_ms,json)"
	                       " VALUES(?,?,?,?,?,?,?,?)", -1, &st, NULL) != SQLITE_OK)
		return die("prepare events", db);
	*latest = 0;
	for (int a = 1; a <= NWS; a++) {
		long n = per_agent + (a <= extra ? 1 : 0);
		long homed = persons / NWS + 1;
		snprintf(host, sizeof host, "ws-%04d", a);
		if (exec(db, "BEGIN") < 0)
			return 1;
		for (long s = 1; s <= n; s++) {
			/* Working days and hours mostly; the time grows with seq. */
			int64_t t = start + span * (s - 1) / (n ? n : 1);
			int64_t day = t / VG_MS_PER_DAY, wd = (day + 3) % 7;
			int64_t hour = wd >= 5 && below(10) ? 10 : 8 + (int64_t)below(10);
			if (below(50) == 0)
				hour = (int64_t)below(24);
			t = day * VG_MS_PER_DAY + hour * 3600000 + (int64_t)below(3600000);
			const char *kind = event_kinds[below(NKINDS)];
			long p = (long)(a + NWS * (long)below((uint64_t)homed));
			if (p > persons)
				p = a;
			snprintf(user, sizeof user, "u%05ld", p);
			vg_time_format(t, ts);
			bool agent = strcmp(kind, "agent") == 0;
			if (agent)
				snprintf(json, sizeof json, "{\"seq\":%ld,\"time\":\"%s\",\"kind\":\"agent\",\"host\":\"%s\","
				         "\"detail\":{\"action\":\"heartbeat\"}}", s, ts, host);
			else
				snprintf(json, sizeof json, "{\"seq\":%ld,\"time\":\"%s\",\"kind\":\"%s\",\"host\":\"%s\","
				         "\"user\":\"%s\",\"path\":\"/srv/falcon/area%d/doc-%05d.txt\",\"op\":\"read\","
				         "\"result\":\"success\"}", s, ts, kind, host, user, (int)below(10),
				         (int)below(100000));
			sqlite3_bind_int(st, 1, a);
			sqlite3_bind_int64(st, 2, s);
			sqlite3_bind_int64(st, 3, t);
			sqlite3_bind_text(st, 4, kind, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 5, host, -1, SQLITE_STATIC);
			if (agent)
				sqlite3_bind_null(st, 6);
			else
				sqlite3_bind_text(st, 6, user, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 7, t + 2000);
			sqlite3_bind_text(st, 8, json, -1, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				return die("insert event", db);
			sqlite3_reset(st);
			if (t > *latest)
				*latest = t;
		}
		if (exec(db, "COMMIT") < 0)
			return 1;
	}
	sqlite3_finalize(st);
	return 0;
}

struct akind {
	const char *name;
	int severity;
	int weight;
	bool host_only;
};
static const struct akind akinds[] = {
	{"need_to_know", 2, 10, false},      {"clearance_exceeded", 2, 4, false},
	{"vetting_lapsed", 3, 6, false},     {"outside_schedule", 0, 20, false},
	{"first_access", 0, 20, false},      {"unusual_hour", 1, 12, false},
	{"volume_spike", 2, 6, false},       {"failed_login_burst", 1, 6, false},
	{"host_not_accredited", 2, 3, false}, {"removable_media", 2, 3, false},
	{"unauthorized_privilege", 2, 3, false}, {"dormant_account", 2, 2, false},
	{"agent_silent", 2, 4, true},        {"audit_loss", 1, 1, true},
};
#define NAKINDS (sizeof akinds / sizeof akinds[0])

static const struct akind *pick_akind(void)
{
	int total = 0;
	for (size_t i = 0; i < NAKINDS; i++)
		total += akinds[i].weight;
	int r = (int)below((uint64_t)total);
	for (size_t i = 0; i < NAKINDS; i++) {
		if (r < akinds[i].weight)
			return &akinds[i];
		r -= akinds[i].weight;
	}
	return &akinds[0];
}

static int fill_anomalies(sqlite3 *db, long anomalies, long persons, long events, int64_t start)
{
	sqlite3_stmt *st, *ev;
	char incident[48], person[24], account[24], host[16], summary[160];
	int64_t span = (int64_t)DAYS * VG_MS_PER_DAY;
	long per_agent = events / NWS;

	if (sqlite3_prepare_v2(db, "INSERT INTO anomalies(id,incident,kind,severity,score,time_ms,last_ms,"
	                       "count,detected_ms,person,account,host,summary,reasons,status,policy_serial)"
	                       " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,'[\"bench\"]',?,1)", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT INTO anomaly_events(anomaly,agent,seq) VALUES(?,?,?)", -1, &ev,
	                       NULL) != SQLITE_OK)
		return die("prepare anomalies", db);
	if (exec(db, "BEGIN") < 0)
		return 1;
	for (long i = 1; i <= anomalies; i++) {
		const struct akind *k = pick_akind();
		long p = 1 + (long)skewed((uint64_t)persons);
		int a = 1 + (int)below(NWS);
		int64_t t = start + (int64_t)below((uint64_t)span);
		int64_t count = 1 + (int64_t)(below(4) == 0 ? below(200) : below(3));
		uint64_t st_r = below(100);
		const char *status = st_r < 90 ? "open" : st_r < 95 ? "acknowledged" : st_r < 98 ? "resolved"
		                                                                              : "false_positive";
		snprintf(incident, sizeof incident, "bench-%ld", i);
		snprintf(person, sizeof person, "p%05ld", p);
		snprintf(account, sizeof account, "u%05ld", p);
		snprintf(host, sizeof host, "ws-%04d", a);
		snprintf(summary, sizeof summary, "Benchmark %s anomaly %ld on %s.", k->name, i, host);
		sqlite3_bind_int64(st, 1, i);
		sqlite3_bind_text(st, 2, incident, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, k->name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, k->severity);
		sqlite3_bind_double(st, 5, 10.0 * (k->severity + 1));
		sqlite3_bind_int64(st, 6, t);
		sqlite3_bind_int64(st, 7, t + (count > 1 ? (int64_t)below(6 * 3600000) : 0));
		sqlite3_bind_int64(st, 8, count);
		sqlite3_bind_int64(st, 9, t + 1000);
		if (k->host_only) {
			sqlite3_bind_null(st, 10);
			sqlite3_bind_null(st, 11);
		} else {
			sqlite3_bind_text(st, 10, person, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 11, account, -1, SQLITE_STATIC);
		}
		sqlite3_bind_text(st, 12, host, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 13, summary, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 14, status, -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			return die("insert anomaly", db);
		sqlite3_reset(st);
		sqlite3_bind_int64(ev, 1, i);
		sqlite3_bind_int(ev, 2, a);
		sqlite3_bind_int64(ev, 3, 1 + (int64_t)below((uint64_t)(per_agent ? per_agent : 1)));
		if (sqlite3_step(ev) != SQLITE_DONE)
			return die("insert anomaly event", db);
		sqlite3_reset(ev);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ev);
	return exec(db, "COMMIT") < 0;
}

/* The person named by the most counted anomalies, and one in the middle. */
static void pick_persons(sqlite3 *db, char heavy[16], char typical[16])
{
	sqlite3_stmt *st;
	snprintf(heavy, 16, "p00001");
	snprintf(typical, 16, "p00001");
	if (sqlite3_prepare_v2(db, "SELECT person, count(*) AS n FROM anomalies WHERE person IS NOT NULL"
	                       " GROUP BY person ORDER BY n DESC, person", -1, &st, NULL) != SQLITE_OK)
		return;
	int rows = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(st, 0);
		if (rows == 0)
			snprintf(heavy, 16, "%s", p);
		if (rows == 500)
			snprintf(typical, 16, "%s", p);
		rows++;
	}
	sqlite3_finalize(st);
}

int main(int argc, char **argv)
{
	char path[4096], err[512];
	long events = argc > 2 ? atol(argv[2]) : 10000000L;
	long anomalies = argc > 3 ? atol(argv[3]) : 100000L;
	long persons = argc > 4 ? atol(argv[4]) : 5000L;
	int64_t start, latest = 0;
	sqlite3 *db = NULL;
	struct saved_index ev_idx[16], an_idx[16];
	int nev = 0, nan = 0;

	if (argc < 2 || events < NWS || anomalies < 1 || persons < NWS) {
		fprintf(stderr, "usage: bench_officer DIR [EVENTS [ANOMALIES [PERSONS]]]\n"
		                "       (EVENTS and PERSONS at least %d)\n", NWS);
		return 2;
	}
	int64_t t0 = vg_time_mono_ns();
	if (mkdir(argv[1], 0700) < 0 && errno != EEXIST)
		return die(argv[1], NULL);
	snprintf(path, sizeof path, "%s/policy.cfg", argv[1]);
	if (write_policy(path, persons) != 0)
		return die(path, NULL);
	snprintf(path, sizeof path, "%s/vigil.db", argv[1]);
	struct col_store *s = col_store_sqlite_open(path, err, sizeof err);
	if (!s) {
		fprintf(stderr, "bench_officer: %s\n", err);
		return 1;
	}
	col_store_close(s);
	if (vg_date_parse(START_DAY, &start) < 0)
		return 1;
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return die(path, db);
	if (exec(db, "PRAGMA journal_mode=OFF") < 0 || exec(db, "PRAGMA synchronous=OFF") < 0 ||
	    exec(db, "PRAGMA cache_size=-262144") < 0 || exec(db, "PRAGMA temp_store=MEMORY") < 0)
		return 1;
	if (exec(db, "BEGIN") < 0)
		return 1;
	for (int a = 1; a <= NWS; a++) {
		char sql[200];
		snprintf(sql, sizeof sql, "INSERT INTO agents(id, host, token_hash, created_ms) VALUES"
		         "(%d, 'ws-%04d', 'bench-%d', %" PRId64 ")", a, a, a, start);
		if (exec(db, sql) < 0)
			return 1;
	}
	if (exec(db, "COMMIT") < 0 || save_and_drop_indexes(db, "events", ev_idx, 16, &nev) < 0 ||
	    save_and_drop_indexes(db, "anomalies", an_idx, 16, &nan) < 0)
		return die("indexes", db);
	if (fill_events(db, events, persons, start, &latest) ||
	    fill_anomalies(db, anomalies, persons, events, start))
		return 1;
	if (rebuild_indexes(db, ev_idx, nev) < 0 || rebuild_indexes(db, an_idx, nan) < 0 ||
	    exec(db, "PRAGMA journal_mode=WAL") < 0)
		return 1;
	char heavy[16], typical[16], ts[VG_TIME_LEN];
	pick_persons(db, heavy, typical);
	sqlite3_close(db);
	struct stat sb;
	double mb = stat(path, &sb) == 0 ? (double)sb.st_size / 1048576.0 : 0;
	vg_time_format(latest, ts);
	printf("fill events=%ld anomalies=%ld persons=%ld seconds=%.1f db_mb=%.0f latest=%s heavy=%s "
	       "typical=%s\n", events, anomalies, persons, (double)(vg_time_mono_ns() - t0) / 1e9, mb, ts,
	       heavy, typical);
	return 0;
}
