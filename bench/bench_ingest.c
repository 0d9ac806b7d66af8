/*
 * bench_ingest: ingest throughput of vigil-collector, and the raw SQLite
 * reference it is compared with.
 *
 *   bench_ingest ingest --url URL (--tokens FILE | --token TOKEN) --events FILE [--gzip]
 *                [--batch 1000] [--max-batches 400] [--max-seconds 60]
 *                [--seq-offset K] [--label NAME] [--parallel N]
 *   bench_ingest raw --db PATH --events FILE [--batch 1000]
 *                [--max-batches 400] [--max-seconds 60] [--repeat N]
 *   bench_ingest free-port
 *
 * The events file is NDJSON, schema v1, as bench/gen_org writes it. Events
 * are grouped by their "host" and cut into batches of --batch events per
 * host, taken round-robin over the hosts, as a fleet of agents would send
 * them. The tokens file has one "HOST TOKEN" pair a line (an agent enrolled
 * per host, so (agent, seq) identities never collide); a line "* TOKEN"
 * (or --token TOKEN) serves every host not listed, and then seq is
 * renumbered in batch order so that one agent never repeats a seq.
 *
 * ingest: every batch body is built (and gzip-compressed with --gzip) before
 * the clock starts; then the batches are POSTed one after another as
 * application/x-ndjson over one keep-alive libcurl connection. Reported:
 *   ingest label=L events_per_s=N p50_ms=X p99_ms=Y batches=B events=E
 *          accepted=A duplicate=D quarantined=Q seconds=S connections=C ...
 * --seq-offset adds K to every seq so a second run over the same file
 * stores new events instead of duplicates. --parallel N splits the agents
 * over N processes with one connection each (agent h goes to process h % N),
 * so N batches are in flight at once; events/s is then over the union of
 * their runs.
 *
 * raw: the same rows (same batches, same table shape and index as the
 * collector's events table, same pragmas through vg_db_open: WAL,
 * synchronous=FULL) inserted with one prepared statement, one transaction
 * per batch, the event JSON kept as text. Parsing is done before the clock
 * starts, so this is the storage ceiling the collector is measured against.
 * --repeat N runs it N times, each into a new database, and reports the
 * median run (runs= lists every run's rate):
 *   raw_sqlite rows_per_s=N rows=R seconds=S p50_ms=X p99_ms=Y runs=A,B,C
 *
 * free-port: prints a currently free TCP port on 127.0.0.1.
 */
#include "vg_db.h"
#include "vg_event.h"
#include "vg_time.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

struct line {
	const char *text;
	size_t len;
	int host;                 /* index into hosts[] */
};

struct host {
	char *name;
	char *token;              /* NULL until the tokens file names it */
	size_t *lines;            /* indices into lines[] in file order */
	size_t n, cap, next;
	int64_t seq_base;         /* renumbering for a shared "*" token */
};

struct batch {
	int host;
	size_t first;             /* position in the host's lines */
	size_t n;
	char *body;               /* what is sent */
	size_t len;
};

static struct line *lines;
static size_t nlines;
static struct host *hosts;
static int nhosts;
static struct batch *batches;
static size_t nbatches;
static char *wildcard_token;

static struct {
	const char *url, *tokens, *token, *events, *db, *label;
	size_t batch;
	size_t max_batches;
	double max_seconds;
	int gzip;
	long long seq_offset;
	int parallel;
	int repeat;
} opt = {.batch = 1000, .max_batches = 400, .max_seconds = 60, .label = "plain"};

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("bench_ingest: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q)
		die("out of memory");
	return q;
}

static double now_s(void) { return (double)vg_time_mono_ns() / 1e9; }

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		die("%s: %s", path, strerror(errno));
	if (fseek(f, 0, SEEK_END) < 0)
		die("%s: cannot seek", path);
	long size = ftell(f);
	rewind(f);
	char *buf = xrealloc(NULL, (size_t)size + 1);
	if (fread(buf, 1, (size_t)size, f) != (size_t)size)
		die("%s: short read", path);
	fclose(f);
	buf[size] = '\0';
	*len = (size_t)size;
	return buf;
}

static int host_index(const char *name, size_t n)
{
	for (int i = 0; i < nhosts; i++)
		if (strlen(hosts[i].name) == n && memcmp(hosts[i].name, name, n) == 0)
			return i;
	hosts = xrealloc(hosts, (size_t)(nhosts + 1) * sizeof *hosts);
	memset(&hosts[nhosts], 0, sizeof hosts[nhosts]);
	hosts[nhosts].name = strndup(name, n);
	return nhosts++;
}

/* Splits the events file into lines and groups them by their "host". The
 * file is gen_org output, so the host is found by its key; a line without
 * one goes to the host "-". */
static void load_events(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	size_t cap = 0;
	for (char *p = buf, *end = buf + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *e = nl ? nl : end;
		if (e > p) {
			if (nlines == cap) {
				cap = cap ? cap * 2 : 65536;
				lines = xrealloc(lines, cap * sizeof *lines);
			}
			struct line *l = &lines[nlines];
			l->text = p;
			l->len = (size_t)(e - p);
			const char *h = memmem(p, l->len, "\"host\":\"", 8);
			if (h) {
				h += 8;
				const char *q = memchr(h, '"', (size_t)(e - h));
				l->host = host_index(h, q ? (size_t)(q - h) : 0);
			} else {
				l->host = host_index("-", 1);
			}
			struct host *ho = &hosts[l->host];
			if (ho->n == ho->cap) {
				ho->cap = ho->cap ? ho->cap * 2 : 4096;
				ho->lines = xrealloc(ho->lines, ho->cap * sizeof *ho->lines);
			}
			ho->lines[ho->n++] = nlines++;
		}
		p = e + 1;
	}
	if (!nlines)
		die("%s: no events", path);
}

static void load_tokens(const char *path)
{
	size_t len;
	char *buf = read_file(path, &len);
	char *save = NULL;
	for (char *ln = strtok_r(buf, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		char name[256], tok[600];
		if (sscanf(ln, "%255s %599s", name, tok) != 2)
			continue;
		if (strcmp(name, "*") == 0) {
			wildcard_token = strdup(tok);
			continue;
		}
		for (int i = 0; i < nhosts; i++)
			if (strcmp(hosts[i].name, name) == 0)
				hosts[i].token = strdup(tok);
	}
	free(buf);
	for (int i = 0; i < nhosts; i++)
		if (!hosts[i].token && !wildcard_token)
			die("%s: no token for host %s (add a line \"%s TOKEN\" or \"* TOKEN\")", path,
			    hosts[i].name, hosts[i].name);
}

/* Cuts batches round-robin over the hosts, at most max_batches. */
static void plan_batches(void)
{
	batches = xrealloc(NULL, opt.max_batches * sizeof *batches);
	bool more = true;
	while (more && nbatches < opt.max_batches) {
		more = false;
		for (int h = 0; h < nhosts && nbatches < opt.max_batches; h++) {
			struct host *ho = &hosts[h];
			if (ho->next >= ho->n)
				continue;
			struct batch *b = &batches[nbatches++];
			memset(b, 0, sizeof *b);
			b->host = h;
			b->first = ho->next;
			b->n = ho->n - ho->next < opt.batch ? ho->n - ho->next : opt.batch;
			ho->next += b->n;
			more = true;
		}
	}
}

/* Returns the line with "seq":N replaced by "seq":N+delta. */
static size_t rewrite_seq(const struct line *l, long long delta, char *out, size_t cap)
{
	const char *k = memmem(l->text, l->len, "\"seq\":", 6);
	if (!k)
		die("event without seq: %.*s", (int)(l->len > 80 ? 80 : l->len), l->text);
	char *end;
	long long seq = strtoll(k + 6, &end, 10);
	size_t pre = (size_t)(k + 6 - l->text);
	int n = snprintf(out, cap, "%.*s%lld", (int)pre, l->text, seq + delta);
	size_t rest = l->len - (size_t)(end - l->text);
	if (n < 0 || (size_t)n + rest + 1 > cap)
		die("event too long");
	memcpy(out + n, end, rest);
	return (size_t)n + rest;
}

static char *gzip_buf(const char *in, size_t inlen, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8,
	                 Z_DEFAULT_STRATEGY) != Z_OK)
		die("deflateInit2");
	size_t cap = deflateBound(&z, inlen);
	char *out = xrealloc(NULL, cap);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)inlen;
	z.next_out = (Bytef *)out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		die("deflate");
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static void build_bodies(void)
{
	for (size_t i = 0; i < nbatches; i++) {
		struct batch *b = &batches[i];
		struct host *ho = &hosts[b->host];
		bool renumber = !ho->token;  /* shared token: seq unique per agent */
		size_t cap = 0;
		for (size_t k = 0; k < b->n; k++)
			cap += lines[ho->lines[b->first + k]].len + 32;
		char *body = xrealloc(NULL, cap);
		size_t len = 0;
		for (size_t k = 0; k < b->n; k++) {
			const struct line *l = &lines[ho->lines[b->first + k]];
			long long delta = opt.seq_offset;
			if (renumber) {
				/* seq = position in the batch plan, unique for the shared agent */
				long long want = (long long)(i * opt.batch + k + 1);
				char tmp[64];
				const char *s = memmem(l->text, l->len, "\"seq\":", 6);
				snprintf(tmp, sizeof tmp, "%.20s", s ? s + 6 : "0");
				delta += want - strtoll(tmp, NULL, 10);
			}
			if (delta)
				len += rewrite_seq(l, delta, body + len, cap - len);
			else {
				memcpy(body + len, l->text, l->len);
				len += l->len;
			}
			body[len++] = '\n';
		}
		if (opt.gzip) {
			b->body = gzip_buf(body, len, &b->len);
			free(body);
		} else {
			b->body = body;
			b->len = len;
		}
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double percentile(double *v, size_t n, double p)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof *v, cmp_double);
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

struct resp {
	char buf[4096];
	size_t len;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *cls)
{
	struct resp *r = cls;
	size_t n = size * nmemb;
	size_t room = sizeof r->buf - 1 - r->len;
	memcpy(r->buf + r->len, data, n < room ? n : room);
	r->len += n < room ? n : room;
	r->buf[r->len] = '\0';
	return n;
}

/* What one connection did. */
struct result {
	size_t done, events, bytes;
	long long accepted, duplicate, quarantined, connects;
	int failures;
	double t_start, t_end;
};

/* Posts the batches whose host falls to worker `worker` of `nworkers` (every
 * batch when nworkers is 1) over one keep-alive connection. lat[] receives
 * one latency per successful batch. */
static void post_batches(int worker, int nworkers, struct result *res, double *lat)
{
	char url[1024];
	snprintf(url, sizeof url, "%s/v1/events", opt.url);
	CURL *c = curl_easy_init();
	if (!c)
		die("curl_easy_init");
	struct curl_slist **hdrs = xrealloc(NULL, (size_t)nhosts * sizeof *hdrs);
	for (int h = 0; h < nhosts; h++) {
		char auth[700];
		snprintf(auth, sizeof auth, "Authorization: Bearer %s",
		         hosts[h].token ? hosts[h].token : wildcard_token);
		hdrs[h] = curl_slist_append(NULL, "Content-Type: application/x-ndjson");
		hdrs[h] = curl_slist_append(hdrs[h], auth);
		hdrs[h] = curl_slist_append(hdrs[h], "Expect:");   /* no 100-continue round trip */
		if (opt.gzip)
			hdrs[h] = curl_slist_append(hdrs[h], "Content-Encoding: gzip");
	}
	struct resp r;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);

	memset(res, 0, sizeof *res);
	res->t_start = res->t_end = now_s();
	for (size_t i = 0; i < nbatches; i++) {
		struct batch *b = &batches[i];
		if (b->host % nworkers != worker)
			continue;
		r.len = 0;
		r.buf[0] = '\0';
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs[b->host]);
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, b->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)b->len);
		double t0 = now_s();
		CURLcode rc = curl_easy_perform(c);
		double t1 = now_s();
		long status = 0, nc = 0;
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &nc);
		res->connects += nc;
		if (rc != CURLE_OK || status != 200) {
			fprintf(stderr, "bench_ingest: batch %zu (%s): %s, HTTP %ld: %s\n", i,
			        hosts[b->host].name, curl_easy_strerror(rc), status, r.buf);
			if (++res->failures >= 3) {
				fprintf(stderr, "bench_ingest: giving up after %d failed batches\n", res->failures);
				break;
			}
			continue;
		}
		json_t *j = json_loads(r.buf, 0, NULL);
		json_int_t a = 0, d = 0, q = 0;
		if (!j || json_unpack(j, "{s:I,s:I,s:I}", "accepted", &a, "duplicate", &d, "quarantined",
		                      &q) < 0)
			fprintf(stderr, "bench_ingest: batch %zu: unexpected reply %s\n", i, r.buf);
		json_decref(j);
		res->accepted += a;
		res->duplicate += d;
		res->quarantined += q;
		lat[res->done++] = (t1 - t0) * 1000.0;
		res->events += b->n;
		res->bytes += b->len;
		res->t_end = t1;
		if (t1 - res->t_start > opt.max_seconds)
			break;
	}
	for (int h = 0; h < nhosts; h++)
		curl_slist_free_all(hdrs[h]);
	free(hdrs);
	curl_easy_cleanup(c);
}

static void write_all(int fd, const void *p, size_t n)
{
	const char *q = p;
	while (n) {
		ssize_t w = write(fd, q, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		q += w;
		n -= (size_t)w;
	}
}

static int read_all(int fd, void *p, size_t n)
{
	char *q = p;
	while (n) {
		ssize_t r = read(fd, q, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		q += r;
		n -= (size_t)r;
	}
	return 0;
}

static int run_ingest(void)
{
	if (!opt.url || (!opt.tokens && !opt.token) || !opt.events)
		die("ingest needs --url, --tokens FILE or --token TOKEN, and --events");
	load_events(opt.events);
	if (opt.token)
		wildcard_token = strdup(opt.token);
	if (opt.tokens)
		load_tokens(opt.tokens);
	plan_batches();
	build_bodies();
	curl_global_init(CURL_GLOBAL_DEFAULT);

	int nw = opt.parallel > 0 ? opt.parallel : 1;
	if (nw > nhosts)
		nw = nhosts;
	double *lat = xrealloc(NULL, nbatches * sizeof *lat);
	struct result tot = {0};
	size_t nlat = 0;

	if (nw == 1) {
		post_batches(0, 1, &tot, lat);
		nlat = tot.done;
	} else {
		/* One process (and connection) per group of agents, as independent
		 * agents would be; results come back through a pipe each. */
		pid_t *pids = xrealloc(NULL, (size_t)nw * sizeof *pids);
		int *fds = xrealloc(NULL, (size_t)nw * sizeof *fds);
		tot.t_start = 1e300;
		for (int w = 0; w < nw; w++) {
			int pfd[2];
			if (pipe(pfd) < 0)
				die("pipe: %s", strerror(errno));
			fflush(NULL);
			if ((pids[w] = fork()) < 0)
				die("fork: %s", strerror(errno));
			if (pids[w] == 0) {
				struct result r;
				close(pfd[0]);
				post_batches(w, nw, &r, lat);
				write_all(pfd[1], &r, sizeof r);
				write_all(pfd[1], lat, r.done * sizeof *lat);
				_exit(0);
			}
			close(pfd[1]);
			fds[w] = pfd[0];
		}
		for (int w = 0; w < nw; w++) {
			struct result r;
			if (read_all(fds[w], &r, sizeof r) < 0 ||
			    read_all(fds[w], lat + nlat, r.done * sizeof *lat) < 0)
				die("worker %d died", w);
			close(fds[w]);
			waitpid(pids[w], NULL, 0);
			nlat += r.done;
			tot.done += r.done;
			tot.events += r.events;
			tot.bytes += r.bytes;
			tot.accepted += r.accepted;
			tot.duplicate += r.duplicate;
			tot.quarantined += r.quarantined;
			tot.connects += r.connects;
			tot.failures += r.failures;
			if (r.done && r.t_start < tot.t_start)
				tot.t_start = r.t_start;
			if (r.t_end > tot.t_end)
				tot.t_end = r.t_end;
		}
	}
	double secs = tot.t_end - tot.t_start;
	if (!tot.done || secs <= 0)
		die("no batch succeeded");
	double p50 = percentile(lat, nlat, 0.50), p99 = percentile(lat, nlat, 0.99);
	double pmax = percentile(lat, nlat, 1.0);
	printf("ingest label=%s events_per_s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f batches=%zu "
	       "events=%zu accepted=%lld duplicate=%lld quarantined=%lld seconds=%.3f "
	       "mb_per_s=%.1f connections=%lld failures=%d\n",
	       opt.label, (double)tot.events / secs, p50, p99, pmax, tot.done, tot.events, tot.accepted,
	       tot.duplicate, tot.quarantined, secs, (double)tot.bytes / secs / 1e6, tot.connects,
	       tot.failures);
	if (tot.accepted + tot.duplicate + tot.quarantined != (long long)tot.events)
		fprintf(stderr, "bench_ingest: warning: %zu events sent but the collector counted %lld\n",
		        tot.events, tot.accepted + tot.duplicate + tot.quarantined);
	curl_global_cleanup();
	return tot.failures ? 1 : 0;
}

/* ---- raw SQLite reference ----------------------------------------------- */

/* The collector's events table and index (collector/col_store_sqlite.c,
 * migration 1), and its insert statement. */
static const char raw_schema[] =
	"CREATE TABLE events(agent INTEGER NOT NULL, seq INTEGER NOT NULL, time_ms INTEGER NOT NULL,"
	"  kind TEXT NOT NULL, host TEXT, user TEXT, received_ms INTEGER NOT NULL,"
	"  json TEXT NOT NULL, enrolled_host TEXT, PRIMARY KEY(agent, seq)) WITHOUT ROWID;"
	"CREATE INDEX events_time ON events(time_ms);";
static const char raw_insert[] =
	"INSERT OR IGNORE INTO events(agent,seq,time_ms,kind,host,user,received_ms,json,enrolled_host)"
	" VALUES(?,?,?,?,?,?,?,?,NULL)";

struct row {
	int64_t agent, seq, time_ms;
	const char *kind, *host, *user;
	const char *json;
	size_t jsonlen;
};

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, i);
}

struct raw_run {
	double rate, secs, p50, p99;
	size_t rows, batches;
};

static int cmp_run(const void *a, const void *b)
{
	double x = ((const struct raw_run *)a)->rate, y = ((const struct raw_run *)b)->rate;
	return x < y ? -1 : x > y;
}

/* One timed pass over the planned batches into a new database at opt.db. */
static void raw_once(const struct row *rows, double *lat, struct raw_run *out)
{
	char err[512];
	unlink(opt.db);
	sqlite3 *db = vg_db_open(opt.db, err, sizeof err);
	if (!db)
		die("%s", err);
	sqlite3_stmt *st;
	if (vg_db_exec(db, raw_schema, err, sizeof err) < 0)
		die("%s", err);
	if (sqlite3_prepare_v3(db, raw_insert, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
		die("prepare: %s", sqlite3_errmsg(db));

	size_t done = 0, inserted = 0, r = 0;
	double t_start = now_s(), t_end = t_start;
	for (size_t i = 0; i < nbatches; i++) {
		double t0 = now_s();
		int64_t received = vg_time_now();
		if (vg_db_exec(db, "BEGIN IMMEDIATE", err, sizeof err) < 0)
			die("%s", err);
		for (size_t k = 0; k < batches[i].n; k++, r++) {
			const struct row *w = &rows[r];
			sqlite3_bind_int64(st, 1, w->agent);
			sqlite3_bind_int64(st, 2, w->seq);
			sqlite3_bind_int64(st, 3, w->time_ms);
			sqlite3_bind_text(st, 4, w->kind, -1, SQLITE_STATIC);
			bind_opt(st, 5, w->host);
			bind_opt(st, 6, w->user);
			sqlite3_bind_int64(st, 7, received);
			sqlite3_bind_text(st, 8, w->json, (int)w->jsonlen, SQLITE_STATIC);
			if (sqlite3_step(st) != SQLITE_DONE)
				die("insert: %s", sqlite3_errmsg(db));
			sqlite3_reset(st);
			inserted++;
		}
		if (vg_db_exec(db, "COMMIT", err, sizeof err) < 0)
			die("%s", err);
		double t1 = now_s();
		lat[done++] = (t1 - t0) * 1000.0;
		t_end = t1;
		if (t1 - t_start > opt.max_seconds)
			break;
	}
	out->secs = t_end - t_start;
	out->rate = out->secs > 0 ? (double)inserted / out->secs : 0;
	out->rows = inserted;
	out->batches = done;
	out->p50 = percentile(lat, done, 0.50);
	out->p99 = percentile(lat, done, 0.99);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static int run_raw(void)
{
	char err[512];
	if (!opt.db || !opt.events)
		die("raw needs --db and --events");
	load_events(opt.events);
	plan_batches();

	/* Decode every row first: the clock measures SQLite alone. */
	size_t nrows = 0;
	for (size_t i = 0; i < nbatches; i++)
		nrows += batches[i].n;
	struct row *rows = xrealloc(NULL, nrows * sizeof *rows);
	json_t **objs = xrealloc(NULL, nrows * sizeof *objs);
	size_t r = 0;
	for (size_t i = 0; i < nbatches; i++) {
		struct host *ho = &hosts[batches[i].host];
		for (size_t k = 0; k < batches[i].n; k++, r++) {
			const struct line *l = &lines[ho->lines[batches[i].first + k]];
			json_error_t jerr;
			struct vg_event ev;
			objs[r] = json_loadb(l->text, l->len, 0, &jerr);
			if (!objs[r] || vg_event_decode(objs[r], &ev, err, sizeof err) < 0)
				die("event %zu does not decode: %s", r, objs[r] ? err : jerr.text);
			rows[r] = (struct row){batches[i].host + 1, ev.seq, ev.time_ms, vg_kind_name(ev.kind),
			                       ev.host, ev.user, l->text, l->len};
		}
	}

	/* Each repeat starts from an empty database; the median run is reported. */
	int reps = opt.repeat > 0 ? opt.repeat : 1;
	struct raw_run *runs = xrealloc(NULL, (size_t)reps * sizeof *runs);
	double *lat = xrealloc(NULL, nbatches * sizeof *lat);
	for (int rep = 0; rep < reps; rep++) {
		raw_once(rows, lat, &runs[rep]);
		char path[4200];
		unlink(opt.db);
		snprintf(path, sizeof path, "%s-wal", opt.db);
		unlink(path);
		snprintf(path, sizeof path, "%s-shm", opt.db);
		unlink(path);
	}
	struct raw_run *sorted = xrealloc(NULL, (size_t)reps * sizeof *sorted);
	memcpy(sorted, runs, (size_t)reps * sizeof *sorted);
	qsort(sorted, (size_t)reps, sizeof *sorted, cmp_run);
	const struct raw_run *m = &sorted[reps / 2];
	char all[512] = "";
	size_t used = 0;
	for (int rep = 0; rep < reps && used < sizeof all - 16; rep++)
		used += (size_t)snprintf(all + used, sizeof all - used, "%s%.0f", rep ? "," : "", runs[rep].rate);
	printf("raw_sqlite rows_per_s=%.0f rows=%zu batches=%zu seconds=%.3f p50_ms=%.2f p99_ms=%.2f "
	       "runs=%s\n", m->rate, m->rows, m->batches, m->secs, m->p50, m->p99, all);
	for (size_t i = 0; i < nrows; i++)
		json_decref(objs[i]);
	return 0;
}

static int free_port(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
	socklen_t alen = sizeof a;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) < 0 ||
	    getsockname(s, (struct sockaddr *)&a, &alen) < 0)
		die("free-port: %s", strerror(errno));
	printf("%d\n", ntohs(a.sin_port));
	close(s);
	return 0;
}

static size_t parse_size(const char *s, const char *what)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v == 0 || v > 100000000ULL)
		die("%s: expected a positive integer, got \"%s\"", what, s);
	return (size_t)v;
}

static void usage(FILE *f)
{
	fputs("usage: bench_ingest ingest --url URL (--tokens FILE | --token T) --events FILE [--gzip]\n"
	      "                    [--batch N] [--max-batches N] [--max-seconds S] [--seq-offset K]\n"
	      "                    [--label NAME] [--parallel N]\n"
	      "       bench_ingest raw --db PATH --events FILE [--batch N] [--max-batches N]\n"
	      "                    [--max-seconds S] [--repeat N]\n"
	      "       bench_ingest free-port\n", f);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	const char *mode = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--gzip") == 0) {
			opt.gzip = 1;
			continue;
		}
		if (!v) {
			usage(stderr);
			return 2;
		}
		i++;
		if (strcmp(a, "--url") == 0) opt.url = v;
		else if (strcmp(a, "--tokens") == 0) opt.tokens = v;
		else if (strcmp(a, "--token") == 0) opt.token = v;
		else if (strcmp(a, "--events") == 0) opt.events = v;
		else if (strcmp(a, "--db") == 0) opt.db = v;
		else if (strcmp(a, "--label") == 0) opt.label = v;
		else if (strcmp(a, "--batch") == 0) opt.batch = parse_size(v, a);
		else if (strcmp(a, "--max-batches") == 0) opt.max_batches = parse_size(v, a);
		else if (strcmp(a, "--max-seconds") == 0) opt.max_seconds = (double)parse_size(v, a);
		else if (strcmp(a, "--seq-offset") == 0) opt.seq_offset = strtoll(v, NULL, 10);
		else if (strcmp(a, "--parallel") == 0) opt.parallel = (int)parse_size(v, a);
		else if (strcmp(a, "--repeat") == 0) opt.repeat = (int)parse_size(v, a);
		else {
			usage(stderr);
			return 2;
		}
	}
	if (strcmp(mode, "ingest") == 0)
		return run_ingest();
	if (strcmp(mode, "raw") == 0)
		return run_raw();
	if (strcmp(mode, "free-port") == 0)
		return free_port();
	usage(stderr);
	return 2;
}
