/*
 * bench_verify: the cost of tamper evidence (collector/col_chain.h).
 *
 *   bench_verify --db PATH --events FILE [--count 1000000] [--batch 1000]
 *
 * Parses the events file (NDJSON, schema v1, as bench/gen_org writes it)
 * before the clock starts, then:
 *   1. hashes every event's row as the ingest path does (canonical encoding
 *      and SHA-256, no storage; a fresh SHA-256 context per event, where the
 *      collector reuses one) and reports the cost per event:
 *        chain_hash ns_per_event=N events=E
 *   2. stores --count events into a new database at PATH through the
 *      collector's store (col_store_sqlite: one transaction and one chain
 *      block per --batch events; no HTTP, no policy), cycling through the
 *      file with seq moved on by 100,000,000 a cycle so every identity is new
 *      (agent = the host's position in the file):
 *        chain_build events=N blocks=B seconds=S events_per_s=R cpu_us_per_event=C
 *      (C counts this process's CPU time: the store's inserts, the chain's
 *      hashing and SQLite, not the waits for fdatasync)
 * The database is left for `vigil-collector verify` (bench/run.sh times it).
 */
#include "col_chain.h"
#include "col_store.h"
#include "vg_arena.h"
#include "vg_event.h"
#include "vg_time.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct item {
	const char *text;
	size_t len;
	struct vg_event ev;
	int64_t agent;
};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench_verify: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) < 0)
		die("%s: cannot seek", path);
	long size = ftell(f);
	if (size < 0)
		die("%s: cannot size", path);
	rewind(f);
	char *buf = malloc((size_t)size + 1);
	if (!buf)
		die("out of memory");
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		die("%s: short read", path);
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

/* The agent id of a host: its position among the hosts seen so far. */
static int64_t agent_of(const char *host)
{
	static char *names[4096];
	static int n;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], host ? host : "-") == 0)
			return i + 1;
	if (n == 4096)
		die("more than 4096 hosts");
	if (!(names[n] = strdup(host ? host : "-")))
		die("out of memory");
	return ++n;
}

static struct item *load(const char *path, size_t *count, struct vg_arena *arena)
{
	size_t len, cap = 0, n = 0;
	char *buf = read_file(path, &len), err[256];
	struct item *v = NULL;
	for (char *p = buf, *end = buf + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		if (e > p) {
			if (n == cap) {
				cap = cap ? cap * 2 : 65536;
				if (!(v = realloc(v, cap * sizeof *v)))
					die("out of memory");
			}
			struct item *x = &v[n];
			x->text = p;
			x->len = (size_t)(e - p);
			if (vg_event_parse(p, x->len, &x->ev, arena, err, sizeof err) < 0)
				die("%s: line %zu: %s", path, n + 1, err);
			x->agent = agent_of(x->ev.host);
			n++;
		}
		p = e + 1;
	}
	if (!n)
		die("%s: no events", path);
	*count = n;
	return v;
}

/* The columns col_chain_event hashes, for the hashing measurement. */
static void hash_all(const struct item *v, size_t n)
{
	unsigned char buf[65536], h[COL_CHAIN_HASH_LEN];
	int64_t t0 = vg_time_mono_ns();
	for (size_t i = 0; i < n; i++) {
		const struct vg_event *ev = &v[i].ev;
		const char *kind = vg_kind_name(ev->kind);
		struct col_chain_col c[] = {
			{"agent", SQLITE_INTEGER, v[i].agent, 0, NULL, 0},
			{"host", ev->host ? SQLITE_TEXT : SQLITE_NULL, 0, 0, ev->host, ev->host ? strlen(ev->host) : 0},
			{"json", SQLITE_TEXT, 0, 0, v[i].text, v[i].len},
			{"kind", SQLITE_TEXT, 0, 0, kind, strlen(kind)},
			{"received_ms", SQLITE_INTEGER, 1, 0, NULL, 0},
			{"seq", SQLITE_INTEGER, ev->seq, 0, NULL, 0},
			{"time_ms", SQLITE_INTEGER, ev->time_ms, 0, NULL, 0},
			{"user", ev->user ? SQLITE_TEXT : SQLITE_NULL, 0, 0, ev->user, ev->user ? strlen(ev->user) : 0},
		};
		size_t len = col_chain_encode(c, (int)(sizeof c / sizeof c[0]), buf, sizeof buf);
		if (len > sizeof buf || col_chain_record_hash(COL_CHAIN_EVENT, buf, len, h) < 0)
			die("cannot hash event %zu", i);
	}
	double ns = (double)(vg_time_mono_ns() - t0) / (double)n;
	printf("chain_hash ns_per_event=%.0f events=%zu\n", ns, n);
}

static void build(const char *db, const struct item *v, size_t n, size_t count, size_t batch)
{
	char err[512];
	if (unlink(db) < 0 && errno != ENOENT)
		die("%s: %s", db, strerror(errno));
	struct col_store *s = col_store_sqlite_open(db, err, sizeof err);
	if (!s)
		die("%s", err);
	struct timespec c0, c1;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
	int64_t now = vg_time_now(), t0 = vg_time_mono_ns();
	size_t blocks = 0;
	for (size_t i = 0; i < count; i += batch) {
		if (col_store_begin(s) < 0)
			die("begin: %s", col_store_error(s));
		for (size_t j = i; j < i + batch && j < count; j++) {
			const struct item *x = &v[j % n];
			struct vg_event ev = x->ev;
			ev.seq += (int64_t)(j / n) * 100000000;
			if (col_store_event_insert(s, x->agent, &ev, x->text, x->len, now, NULL) != 1)
				die("event %zu: %s", j, col_store_error(s));
		}
		if (col_store_commit(s) < 0)
			die("commit: %s", col_store_error(s));
		blocks++;
	}
	double secs = (double)(vg_time_mono_ns() - t0) / 1e9;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
	double cpu = (double)(c1.tv_sec - c0.tv_sec) + (double)(c1.tv_nsec - c0.tv_nsec) / 1e9;
	col_store_close(s);
	printf("chain_build events=%zu blocks=%zu seconds=%.3f events_per_s=%.0f cpu_us_per_event=%.2f\n", count,
	       blocks, secs, (double)count / secs, cpu * 1e6 / (double)count);
}

int main(int argc, char **argv)
{
	const char *db = NULL, *events = NULL;
	size_t count = 1000000, batch = 1000, n;
	struct vg_arena arena = VG_ARENA_INIT;

	for (int i = 1; i < argc; i++) {
		if (i + 1 < argc && strcmp(argv[i], "--db") == 0)
			db = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--events") == 0)
			events = argv[++i];
		else if (i + 1 < argc && strcmp(argv[i], "--count") == 0)
			count = strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(argv[i], "--batch") == 0)
			batch = strtoul(argv[++i], NULL, 10);
		else
			die("usage: bench_verify --db PATH --events FILE [--count N] [--batch N]");
	}
	if (!db || !events || !count || !batch)
		die("usage: bench_verify --db PATH --events FILE [--count N] [--batch N]");
	struct item *v = load(events, &n, &arena);
	hash_all(v, n);
	build(db, v, n, count, batch);
	free(v);
	vg_arena_free(&arena);
	return 0;
}
