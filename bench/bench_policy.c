/*
 * bench_policy: cost of one policy decision on a large policy.
 *
 *   bench_policy [POLICY.cfg | DIR]
 *
 * With a policy file (bench/run.sh passes the organisation it generated),
 * loads that. Otherwise writes a policy with 10,000 persons and 100,000
 * resources (99,000 path prefixes three directories deep and 1,000 globs)
 * into DIR (default: a new directory under /tmp, removed afterwards) and
 * loads it. Then times pol_decide on 1,000,000 requests drawn from the
 * loaded policy: file reads and writes under its resources' paths, paths no
 * rule covers, logins, sudo, 2% unknown accounts. Prints one line on stdout:
 *
 *   policy_decide median_ns=N p99_ns=N persons=10000 resources=100000 load_ms=N
 *
 * and the resident memory after loading, and the share of requests allowed,
 * on stderr. Deterministic: the same seed gives the same policy and mix.
 */
#include "pol.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PERSONS 10000
#define PROJECTS 1000
#define AREAS 11
#define SUBS 9              /* PROJECTS * AREAS * SUBS = 99,000 prefixes */
#define GLOBS PROJECTS      /* one glob per project: 100,000 resources */
#define COMPARTMENTS 50
#define REQUESTS 200000
#define DECISIONS 1000000

static const char *const levels[] = {"UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET"};

/* xorshift64*: a fixed sequence on every machine. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (unsigned)((rng_state * 2685821657736338717ull) >> 33) % n;
}

/* Level of a person or resource: most SECRET, some TOP SECRET. */
static int pick_level(void)
{
	unsigned r = rnd(100);
	return r < 10 ? 0 : r < 30 ? 1 : r < 85 ? 2 : 3;
}

static int write_policy(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "policy = { id = \"bench\"; serial = 1; };\n"
	           "levels = ( { name = \"UNCLASSIFIED\"; rank = 0; }, { name = \"CONFIDENTIAL\"; "
	           "rank = 10; },\n  { name = \"SECRET\"; rank = 20; }, { name = \"TOP SECRET\"; "
	           "rank = 30; } );\ncompartments = (\n");
	for (int c = 0; c < COMPARTMENTS; c++)
		fprintf(f, "  %s{ name = \"C%02d\"; min_level = \"%s\"; }\n", c ? "," : "", c,
		        levels[1 + c % 3]);
	fprintf(f, ");\nschedules = (\n"
	           "  { name = \"office\"; days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"]; "
	           "start = \"07:00\"; end = \"19:00\"; tz = \"UTC\"; },\n"
	           "  { name = \"shifts\"; days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"]; "
	           "start = \"06:00\"; end = \"22:00\"; tz = \"+01:00\"; },\n"
	           "  { name = \"night\"; days = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"]; "
	           "start = \"20:00\"; end = \"08:00\"; tz = \"-05:00\"; } );\n"
	           "hosts = (\n"
	           "  { name = \"ws-*\"; level = \"SECRET\"; site = \"hq\"; },\n"
	           "  { name = \"lab-*\"; level = \"SECRET\"; site = \"lab\"; removable_media = true; },\n"
	           "  { name = \"srv-*\"; level = \"TOP SECRET\"; site = \"hq\"; },\n"
	           "  { name = \"kiosk-[0-9]\"; level = \"UNCLASSIFIED\"; site = \"hq\"; } );\n"
	           "persons = (\n");
	for (int i = 0; i < PERSONS; i++) {
		int lv = 2 + (rnd(10) < 3), ncomp = (int)rnd(4);
		unsigned st = rnd(100);
		char adm[32];
		snprintf(adm, sizeof adm, ", \"a%05d\"", i);
		if (st >= 95 && st < 98)
			ncomp = 0;   /* interim: no read-ons yet */
		fprintf(f, "%s{ id = \"p%05d\"; name = \"Person %d\"; accounts = [\"u%05d\"%s];\n"
		           "  clearance = { level = \"%s\"; status = \"%s\"; granted = \"2020-01-01\"; "
		           "review_due = \"%s\"; };\n  compartments = (",
		        i ? "," : "", i, i, i, i % 10 == 0 ? adm : "", levels[lv],
		        st < 95 ? "active" : st < 98 ? "interim" : "suspended",
		        rnd(50) ? "2030-01-01" : "2026-01-01");
		/* Distinct compartments the person's level allows: C(3k+2) need
		 * TOP SECRET, the others CONFIDENTIAL or SECRET. */
		int first = (int)rnd(COMPARTMENTS - 12);
		if (lv < 3 && first % 3 == 2)
			first--;
		for (int c = 0; c < ncomp; c++)
			fprintf(f, "%s{ name = \"C%02d\"; read_on = \"2021-01-01\"; }", c ? ", " : " ",
			        first + 3 * c);
		fprintf(f, " );\n  hosts = [%s]; %s%s }\n",
		        rnd(5) ? "\"ws-*\"" : "\"lab-*\", \"srv-*\"",
		        rnd(10) < 7 ? (rnd(2) ? "schedule = \"office\"; " : "schedule = \"shifts\"; ") : "",
		        rnd(10) == 0 ? "privileges = [\"sudo\"];" : "");
	}
	fprintf(f, ");\nresources = (\n");
	for (int pj = 0; pj < PROJECTS; pj++) {
		for (int a = 0; a < AREAS; a++) {
			for (int s = 0; s < SUBS; s++) {
				fprintf(f, "%s{ id = \"r%03d-%02d-%d\"; path = \"/srv/proj%03d/area%02d/sub%d/\"; "
				           "level = \"%s\";",
				        pj || a || s ? "," : "", pj, a, s, pj, a, s, levels[pick_level()]);
				if (rnd(10) < 3)
					fprintf(f, " compartments = [\"C%02d\"];", (int)rnd(COMPARTMENTS));
				fprintf(f, " }\n");
			}
		}
		fprintf(f, ",{ id = \"g%03d\"; path = \"/srv/proj%03d/*/keys-*.pem\"; "
		           "level = \"TOP SECRET\"; }\n", pj, pj);
	}
	fprintf(f, ");\n");
	return fclose(f);
}

struct mixreq {
	char account[72], host[16], path[256];
	int64_t time_ms;
	enum pol_action action;
};

/* A path inside resource r: below a prefix, or a glob made concrete. */
static void path_in(const struct pol_resource *r, char *out, size_t len)
{
	const char *g = pol_resource_path(r);
	size_t o = 0;
	if (g[strlen(g) - 1] == '/') {
		snprintf(out, len, "%sdocs/report%u.txt", g, rnd(1000));
		return;
	}
	for (; *g && o + 3 < len; g++) {
		if (*g == '*') {
			out[o++] = 'f';
			out[o++] = '1';
		} else if (*g == '?') {
			out[o++] = 'a';
		} else if (*g == '[') {
			const char *close = strchr(g + 1, ']');
			out[o++] = g[1] == '!' || g[1] == '^' ? '_' : g[1];
			g = close ? close : g;
		} else {
			out[o++] = *g;
		}
	}
	out[o] = '\0';
}

static void make_requests(const struct pol_policy *p, struct mixreq *r, size_t n)
{
	size_t npersons = pol_person_count(p), nres = pol_resource_count(p);
	int64_t monday;
	vg_date_parse("2026-11-16", &monday);
	for (size_t i = 0; i < n; i++) {
		const struct pol_person *ps = npersons ? pol_person_at(p, rnd((unsigned)npersons)) : NULL;
		unsigned kind = rnd(100);
		memset(&r[i], 0, sizeof r[i]);
		if (!ps || !pol_person_account(ps, 0) || rnd(50) == 0)
			snprintf(r[i].account, sizeof r[i].account, "svc%u", rnd(100));
		else
			snprintf(r[i].account, sizeof r[i].account, "%s", pol_person_account(ps, 0));
		snprintf(r[i].host, sizeof r[i].host, "%s-%04u", rnd(5) ? "ws" : "lab", rnd(500));
		/* Working hours most of the time. */
		r[i].time_ms = monday + (int64_t)rnd(5) * VG_MS_PER_DAY +
		               (int64_t)(rnd(10) < 9 ? 7 * 3600000 + rnd(11 * 3600) * 1000u
		                                     : rnd(86400) * 1000u);
		if (kind < 5) {
			r[i].action = POL_ACT_LOGIN;
		} else if (kind < 7) {
			r[i].action = POL_ACT_PRIVILEGE;
			snprintf(r[i].path, sizeof r[i].path, "/usr/bin/sudo");
		} else if (kind < 17 || nres == 0) {
			r[i].action = POL_ACT_EXEC;
			snprintf(r[i].path, sizeof r[i].path, "/usr/lib/x86_64-linux-gnu/lib%u.so", rnd(500));
		} else {
			r[i].action = rnd(4) ? POL_ACT_READ : POL_ACT_WRITE;
			path_in(pol_resource_at(p, rnd((unsigned)nres)), r[i].path, sizeof r[i].path);
		}
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* A "Vm...:" value of /proc/self/status in kB, e.g. "VmRSS". */
static long status_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			kb = strtol(line + klen + 1, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	char dir[256], path[4096];
	bool own_dir = argc < 2, generated = true;
	struct stat st;
	struct pol_policy *p = NULL;
	struct pol_diag diag;
	struct mixreq *reqs;
	int64_t *ns, t0, load_ms;
	size_t allowed = 0;

	if (argc >= 2 && stat(argv[1], &st) == 0 && S_ISREG(st.st_mode)) {
		snprintf(path, sizeof path, "%s", argv[1]);
		generated = false;
	} else {
		if (own_dir) {
			snprintf(dir, sizeof dir, "/tmp/vigil-bench-policy-XXXXXX");
			if (!mkdtemp(dir)) {
				perror("mkdtemp");
				return 1;
			}
		} else {
			snprintf(dir, sizeof dir, "%s", argv[1]);
		}
		snprintf(path, sizeof path, "%s/bench-policy.cfg", dir);
		if (write_policy(path) != 0) {
			perror(path);
			return 1;
		}
	}

	pol_diag_init(&diag);
	t0 = vg_time_mono_ns();
	/* As the collector loads: the parse happens in a child process. */
	if (pol_load_isolated(path, &p, &diag) != 0) {
		pol_diag_print(&diag, stderr);
		if (generated) {
			unlink(path);
			if (own_dir)
				rmdir(dir);
		}
		return 1;
	}
	load_ms = (vg_time_mono_ns() - t0) / 1000000;
	pol_diag_free(&diag);
	fprintf(stderr, "bench_policy: loaded in %lld ms, VmRSS %ld kB, VmHWM %ld kB\n",
	        (long long)load_ms, status_kb("VmRSS"), status_kb("VmHWM"));

	reqs = calloc(REQUESTS, sizeof *reqs);
	ns = calloc(DECISIONS, sizeof *ns);
	if (!reqs || !ns) {
		fprintf(stderr, "bench_policy: out of memory\n");
		return 1;
	}
	make_requests(p, reqs, REQUESTS);
	for (size_t i = 0; i < DECISIONS; i++) {
		const struct mixreq *m = &reqs[i % REQUESTS];
		struct pol_request q = {.account = m->account, .host = m->host,
		                        .path = m->path[0] ? m->path : NULL, .time_ms = m->time_ms,
		                        .action = m->action};
		struct pol_decision d;
		int64_t s = vg_time_mono_ns();
		pol_decide(p, &q, &d);
		ns[i] = vg_time_mono_ns() - s;
		allowed += d.allow;
	}
	qsort(ns, DECISIONS, sizeof *ns, cmp_i64);
	fprintf(stderr, "bench_policy: %.1f%% of requests allowed; compiled policy resident "
	        "(RssShmem) %ld kB; the parse ran in a child process\n",
	        100.0 * (double)allowed / DECISIONS, status_kb("RssShmem"));
	printf("policy_decide median_ns=%lld p99_ns=%lld persons=%zu resources=%zu load_ms=%lld\n",
	       (long long)ns[DECISIONS / 2], (long long)ns[DECISIONS / 100 * 99], pol_person_count(p),
	       pol_resource_count(p), (long long)load_ms);

	pol_free(p);
	free(reqs);
	free(ns);
	if (generated) {
		unlink(path);
		if (own_dir)
			rmdir(dir);
	}
	return 0;
}
