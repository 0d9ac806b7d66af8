/*
 * vigil-scenario-gen: a synthetic organisation with insiders, for measuring
 * vigil's detection (tests/scenarios/insiders.sh, bench/run.sh).
 *
 *   vigil-scenario-gen --out DIR [--persons N] [--weeks W] [--seed S]
 *                      [--heartbeat SECONDS] [--reorder WINDOW]
 *
 * Writes into DIR (created if needed):
 *   policy.cfg            the organisation as a vigil policy
 *   agents.txt            every host, one a line (one agent each)
 *   events/HOST.ndjson    the host's events as its agent ships them: seq
 *                         from 1 in time order, schema v1
 *   truth.csv             person,role,scenario: every person; role insider
 *                         or benign; the insider's scenario, "victim" for a
 *                         benign person whose account an insider used, else
 *                         empty
 * and prints one summary line (persons, insiders, hosts, events, first and
 * last event time).
 *
 * Defaults: 300 persons, 6 weeks from Monday 2026-03-30, seed 1, agent
 * heartbeats every 600 s. --reorder adds thresholds.reorder.window to the
 * policy. The output depends on the options only. scen.h describes the
 * model; scen_work.c and scen_insider.c what people do.
 */
#include "scen.h"
#include "vg_time.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int usage(void)
{
	fprintf(stderr, "usage: vigil-scenario-gen --out DIR [--persons N] [--weeks W] [--seed S]\n"
	                "                          [--heartbeat SECONDS] [--reorder WINDOW]\n");
	return 2;
}

static int parse_num(const char *s, const char *what, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(stderr, "vigil-scenario-gen: %s must be an integer in [%lld, %lld], got \"%s\"\n",
		        what, min, max, s);
		return -1;
	}
	*out = v;
	return 0;
}

/* A duration as the policy writes it: digits and one of s, m, h, d. */
static bool valid_window(const char *s)
{
	size_t n = strlen(s), digits = strspn(s, "0123456789");
	return n >= 2 && n <= 8 && digits == n - 1 && strchr("smhd", s[n - 1]);
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "vigil-scenario-gen: cannot create %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Servers, hot desks, transfer stations and the workstations left on run
 * all period, rebooted for updates on some Sunday nights. */
static int plan_always_on(struct scen *S)
{
	for (int hi = 0; hi < S->nhosts; hi++) {
		struct host *h = &S->hosts[hi];
		if (!h->always_on)
			continue;
		int64_t on = S->start_ms - DAY_MS;
		for (int d = 6; d < S->ndays; d += 7) {
			if (!rng_chance(&h->rng, 0.25))
				continue;
			int64_t off = scen_local_ms(S, d, h->site, 180 + rng_int(&h->rng, 60));
			if (scen_power(S, hi, on, off, false) < 0)
				return -1;
			on = off + (2 + rng_int(&h->rng, 4)) * MIN_MS;
		}
		if (scen_power(S, hi, on, scen_day_ms(S, S->ndays + 30), false) < 0)
			return -1;
	}
	return 0;
}

/* An insider is at work while their scenario runs: no leave then. */
static void cancel_insider_leave(struct scen *S)
{
	for (int i = 0; i < S->npersons; i++) {
		struct person *p = &S->persons[i];
		if (p->scenario == SC_NONE)
			continue;
		for (int b = 0; b < 2; b++)
			if (p->leave_to[b] >= p->sc_start) {
				p->leave_from[b] = -1;
				p->leave_to[b] = -2;
			}
	}
}

static int write_lists(const struct scen *S)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof path, "%s/agents.txt", S->outdir);
	if (!(f = fopen(path, "w")))
		goto fail;
	for (int h = 0; h < S->nhosts; h++)
		fprintf(f, "%s\n", S->hosts[h].name);
	if (ferror(f) | fclose(f))
		goto fail;

	snprintf(path, sizeof path, "%s/truth.csv", S->outdir);
	if (!(f = fopen(path, "w")))
		goto fail;
	fprintf(f, "person,role,scenario\n");
	for (int i = 0; i < S->npersons; i++) {
		const struct person *p = &S->persons[i];
		fprintf(f, "%s,%s,%s\n", p->id, p->scenario ? "insider" : "benign",
		        p->scenario ? scen_scenario_names[p->scenario] : p->victim ? "victim" : "");
	}
	if (ferror(f) | fclose(f))
		goto fail;
	return 0;
fail:
	fprintf(stderr, "vigil-scenario-gen: %s: %s\n", path, strerror(errno));
	return -1;
}

static int simulate(struct scen *S)
{
	for (int day = 0; day < S->ndays; day++) {
		for (int i = 0; i < S->npersons; i++) {
			struct person *p = &S->persons[i];
			struct login ws;
			bool worked = false;
			if (insider_works_normally(S, p, day) && work_day(S, p, day, &ws, &worked) < 0)
				return -1;
			if (insider_day(S, p, day, worked ? &ws : NULL) < 0)
				return -1;
		}
		/* A day's activity may begin just before its midnight (a machine
		 * booted for a night call-out): days are written one day late. */
		int64_t end = scen_day_ms(S, day);
		if (scen_emit_agents(S, end) < 0 || scen_flush(S, end) < 0)
			return -1;
	}
	/* Work that ran past the last midnight: the agents keep reporting until
	 * the last of it. */
	return scen_emit_agents(S, scen_last_buffered(S) + 1);
}

/* Insiders whose acts need days at their desk, and who had none. */
static void check_insiders(const struct scen *S)
{
	for (int i = 0; i < S->npersons; i++) {
		const struct person *p = &S->persons[i];
		bool counted = p->scenario == SC_NEED_TO_KNOW || p->scenario == SC_DEBRIEFED ||
		               p->scenario == SC_DEPARTING_MEDIA || p->scenario == SC_SU_OTHER ||
		               p->scenario == SC_PASSWORD_GUESS || p->scenario == SC_TWO_SITES;
		if (counted && p->sc_done == 0)
			fprintf(stderr, "vigil-scenario-gen: warning: insider %s (%s) never acted\n", p->id,
			        scen_scenario_names[p->scenario]);
	}
}

static void summary(const struct scen *S)
{
	char first[VG_TIME_LEN], last[VG_TIME_LEN];
	int insiders = 0;
	for (int i = 0; i < S->npersons; i++)
		insiders += S->persons[i].scenario != SC_NONE;
	vg_time_format(S->first_written, first);
	vg_time_format(S->last_written, last);
	printf("vigil-scenario-gen seed=%llu persons=%d weeks=%d insiders=%d hosts=%d events=%lld "
	       "first=%s last=%s\n",
	       (unsigned long long)S->seed, S->npersons, S->weeks, insiders, S->nhosts,
	       (long long)S->nwritten, first, last);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"persons", required_argument, NULL, 'p'}, {"weeks", required_argument, NULL, 'w'},
		{"seed", required_argument, NULL, 's'},    {"out", required_argument, NULL, 'o'},
		{"heartbeat", required_argument, NULL, 'h'}, {"reorder", required_argument, NULL, 'r'},
		{NULL, 0, NULL, 0},
	};
	struct scen S;
	long long v;
	int c;

	memset(&S, 0, sizeof S);
	S.npersons = 300;
	S.weeks = 6;
	S.seed = 1;
	S.heartbeat_s = 600;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (parse_num(optarg, "--persons", 30, 20000, &v) < 0)
				return 2;
			S.npersons = (int)v;
			break;
		case 'w':
			if (parse_num(optarg, "--weeks", 4, 52, &v) < 0)
				return 2;
			S.weeks = (int)v;
			break;
		case 's':
			if (parse_num(optarg, "--seed", 0, 0x7fffffffffffffffLL, &v) < 0)
				return 2;
			S.seed = (uint64_t)v;
			break;
		case 'h':
			if (parse_num(optarg, "--heartbeat", 10, 3600, &v) < 0)
				return 2;
			S.heartbeat_s = (int)v;
			break;
		case 'o':
			S.outdir = optarg;
			break;
		case 'r':
			if (!valid_window(optarg)) {
				fprintf(stderr, "vigil-scenario-gen: --reorder is a duration such as \"5m\" or "
				                "\"2h\", got \"%s\"\n", optarg);
				return 2;
			}
			S.reorder = optarg;
			break;
		default:
			return usage();
		}
	}
	if (!S.outdir || optind != argc)
		return usage();
	S.ndays = S.weeks * 7;
	S.start_ms = vg_days_from_civil(2026, 3, 30) * DAY_MS;
	S.floor_ms = S.start_ms;
	rng_seed(&S.rng, S.seed, 0);

	char path[4096];
	snprintf(path, sizeof path, "%s/events", S.outdir);
	if (make_dir(S.outdir) < 0 || make_dir(path) < 0)
		return 1;
	if (scen_org_build(&S) < 0 || scen_org_pick_insiders(&S) < 0)
		return 1;
	cancel_insider_leave(&S);
	snprintf(path, sizeof path, "%s/policy.cfg", S.outdir);
	if (scen_org_write_policy(&S, path) < 0 || write_lists(&S) < 0 || plan_always_on(&S) < 0 ||
	    scen_open_outputs(&S) < 0 || simulate(&S) < 0 || scen_close_outputs(&S) < 0)
		return 1;
	check_insiders(&S);
	summary(&S);
	scen_org_free(&S);
	return 0;
}
