/*
 * scen: the insider scenario generator's model (tests/scenarios/).
 *
 * vigil-scenario-gen builds a synthetic organisation (sites, hosts,
 * departments, projects, persons with clearances and read-ons), writes it as
 * a vigil policy, and simulates weeks of its working life as the events the
 * host agents would ship, one NDJSON file per host. Some persons are
 * insiders: after a learning period each one acts out one scenario, and
 * truth.csv says who. The files:
 *
 *   scen_rng.c      the random numbers (splitmix64; per person and per host
 *                   streams, so one person's life does not shift another's)
 *   scen_org.c      the organisation and its policy.cfg
 *   scen_emit.c     event records as the agent writes them, the day buffer,
 *                   per-host output with seq, agent start/stop/heartbeats
 *   scen_work.c     ordinary working days
 *   scen_insider.c  the insider scenarios
 *   gen_scenario.c  options, the day loop, agents.txt and truth.csv
 *
 * Everything is a pure function of the options: no clock, no environment.
 */
#ifndef SCEN_H
#define SCEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define MIN_MS 60000LL
#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL

/* ---- random numbers ---------------------------------------------------- */

struct rng {
	uint64_t s;
};

/* A stream for (seed, stream): different streams are independent. */
void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(struct rng *r);
/* Uniform in [0, n); n > 0. */
int rng_int(struct rng *r, int n);
/* Uniform in [lo, hi]. */
int rng_range(struct rng *r, int lo, int hi);
/* Uniform in [0, 1). */
double rng_unit(struct rng *r);
bool rng_chance(struct rng *r, double p);
/* Standard normal. */
double rng_normal(struct rng *r);
/* exp(sigma * N(0,1)): median 1. */
double rng_lognormal(struct rng *r, double sigma);

/* ---- the organisation -------------------------------------------------- */

enum { SITE_HQ, SITE_NORTH, SITE_WEST, NSITES };
enum { L_UNCLASSIFIED, L_CONFIDENTIAL, L_SECRET, L_TOP_SECRET, NLEVELS };
enum dept { D_ENG, D_RESEARCH, D_ANALYSIS, D_OPS, D_MGMT, D_SUPPORT, NDEPTS };
enum host_type { H_WS, H_HOTDESK, H_SRV, H_XFER, NHOSTTYPES };

struct site {
	const char *name;
	int tz_min;                /* local time = UTC + tz_min */
	const char *tz;            /* the same for the policy */
};
extern const struct site scen_sites[NSITES];
extern const char *const scen_level_names[NLEVELS];
extern const char *const scen_dept_names[NDEPTS];

/* The insider scenarios (truth.csv names them). */
enum scenario {
	SC_NONE,
	SC_NIGHT_MASS_READ,        /* starts working nights, mass-reads in own compartment */
	SC_NEED_TO_KNOW,           /* reads a compartment not read on to */
	SC_DEBRIEFED,              /* keeps reading a compartment after the debrief */
	SC_SUSPENDED,              /* clearance suspended, comes back to work */
	SC_DEPARTING_MEDIA,        /* copies to removable media at rising rates */
	SC_SU_OTHER,               /* administrator su's into a colleague's account */
	SC_PASSWORD_GUESS,         /* guesses passwords of many accounts from one host */
	SC_DORMANT_WAKE,           /* an account silent for weeks wakes at night */
	SC_TWO_SITES,              /* the person's account in use at two sites at once */
	SC_COUNT
};
extern const char *const scen_scenario_names[SC_COUNT];

struct host {
	char name[32];
	int site;
	enum host_type type;
	int owner;                 /* person whose workstation it is, or -1 */
	bool always_on;            /* else switched on for work and off after */
	int64_t busy_until;        /* a hot desk: taken until then */

	/* power: spans [on, off) not yet emitted, sorted, disjoint */
	struct span {
		int64_t on, off;
		bool crash;            /* ends without the agent's clean stop */
	} *spans;
	int nspans, capspans;
	bool on;
	int64_t next_hb;
	int agent_pid;
	/* process ids, audit serials and login sessions (scen_emit.c) */
	int next_pid;
	uint64_t audit_serial;
	int next_session;
	struct rng rng;
	/* written so far (seq), and since the agent last started */
	int64_t seq, since_start, heartbeats_since_start;
	FILE *out;
};

struct project {
	char name[32];
	char path[80];             /* ends with '/' */
	enum dept dept;
	int level;
	int comp;                  /* compartment index, or -1 */
	int nfiles;
};

#define MAXPROJ 5

struct person {
	char id[16];
	char name[48];
	char account[32];
	int uid;
	enum dept dept;
	int site;
	int ws;                    /* own workstation (host index) */
	int level;
	bool interim;
	bool suspended;            /* in the policy (a scenario) */
	uint32_t read_on;          /* compartments (bits) */
	int debrief_comp;          /* -1, or a compartment debriefed from ... */
	int debrief_day;           /* ... on this day of the period */
	int projects[MAXPROJ];
	int nproj;
	bool srv_access, xfer_access, sudo;
	int schedule;              /* index into the policy's schedules, or -1 */
	int granted_days_before;   /* clearance granted this many days before the start */
	int review_days_after;     /* review due this many days after the start (< 0: overdue) */

	/* how they work */
	int start_min;             /* usual start, local minutes after midnight */
	int len_min;               /* usual working day */
	bool night;                /* night shift, Sunday to Thursday nights */
	double reads;              /* median file accesses on a working day */
	double weekend_p;          /* chance of some weekend work */
	int leave_from[2], leave_to[2];   /* personal leave, day ranges [from, to] */
	int first_day;             /* a new starter's first day, else 0 */
	int last_day;              /* last day of ordinary work (dormant accounts) */

	int trip_site, trip_until; /* visiting another site until that day */

	enum scenario scenario;
	int sc_start;              /* first day of the insider behaviour */
	int sc_done;               /* how many of its acts are done */
	int sc_other;              /* a second person or host the scenario uses */
	bool victim;               /* an insider used this person's account */
	struct rng rng;
};

struct scen {
	uint64_t seed;
	int npersons, weeks, ndays;
	int heartbeat_s;
	const char *reorder;       /* reorder window for the policy, or NULL */
	int64_t start_ms;          /* 00:00 UTC on the first Monday */
	const char *outdir;

	struct host *hosts;
	int nhosts;
	struct project *projects;
	int nprojects;
	struct person *persons;
	int ncomps;
	double dept_reads[NDEPTS]; /* median of the department's persons' reads */
	int srv_first[NSITES], srv_count[NSITES];
	int hd_first[NSITES], hd_count[NSITES];
	int xfer[NSITES];

	/* the day buffer (scen_emit.c) */
	struct ev *evs;
	size_t nevs, capevs;
	uint64_t order;
	int64_t floor_ms;          /* nothing may be emitted before this any more */
	int64_t nwritten, first_written, last_written;
	struct rng rng;
};

/* Public holidays (the whole organisation is off). */
bool scen_is_holiday(const struct scen *S, int day);
/* 00:00 UTC of a day of the period, and of its local midnight at a site. */
int64_t scen_day_ms(const struct scen *S, int day);
int64_t scen_local_ms(const struct scen *S, int day, int site, int minute);
/* 0 = Monday ... 6 = Sunday. */
int scen_weekday(int day);

/* scen_org.c */
int scen_org_build(struct scen *S);
int scen_org_pick_insiders(struct scen *S);
int scen_org_write_policy(const struct scen *S, const char *path);
void scen_org_free(struct scen *S);
/* A file of a project: the k-th (0 <= k < nfiles), or a random one (a few
 * files are read far more than the rest). */
void scen_project_file_k(const struct project *pj, int k, char *out, size_t n);
void scen_project_file(struct rng *r, const struct project *pj, char *out, size_t n);
/* The median daily reads of a person's department. */
double scen_peer_reads(const struct scen *S, const struct person *p);

/* ---- events (scen_emit.c) ------------------------------------------------ */

/* One event being written: the members after "seq", as the agent orders
 * them. Strings must not need JSON escaping (checked). */
struct evb {
	char buf[4096];
	size_t len;
	int depth;                 /* inside detail when 1 */
	bool first_in_detail;
	bool bad;
};

void evb_begin(struct evb *b, int64_t t, const char *kind, const char *host);
void evb_str(struct evb *b, const char *name, const char *value);
void evb_int(struct evb *b, const char *name, long long value);
void evb_detail_open(struct evb *b);
void evb_detail_close(struct evb *b);
void evb_argv(struct evb *b, const char *const *argv, int argc);
/* Hands the finished event to the day buffer; returns 0 or -1 (logged). */
int scen_emit(struct scen *S, int host, int64_t t, struct evb *b);

/* Power: the host is on during [on, off) (merged with what is known). */
int scen_power(struct scen *S, int host, int64_t on, int64_t off, bool crash);
/* Emits agent start, stop and heartbeats of every host up to `until`. */
int scen_emit_agents(struct scen *S, int64_t until);
/* Writes every buffered event before `until` to the per-host files. */
int scen_flush(struct scen *S, int64_t until);
/* The latest time of an event still in the buffer (0 when empty). */
int64_t scen_last_buffered(const struct scen *S);
int scen_open_outputs(struct scen *S);
int scen_close_outputs(struct scen *S);

/* Audit-style ids of a host (they restart at each boot). */
int scen_pid(struct scen *S, int host);
int scen_session(struct scen *S, int host);
/* "sec.msec:serial" of the host's next audit record at t. */
void scen_audit_id(struct scen *S, int host, int64_t t, char out[48]);

/* ---- building blocks of activity (scen_work.c) --------------------------- */

/* A login session on a host as PAM and audit see it. */
struct login {
	int host;
	int person;                /* whose account */
	const char *account;
	int uid;
	const char *auid_user;     /* the account of auid (audit's "user") */
	const char *service;       /* lightdm, sshd, su */
	const char *tty;           /* PAM tty */
	const char *audit_tty;     /* audit's tty of commands run in it, or NULL */
	char rhost[32];
	const char *ruser;
	int auid;                  /* login uid of the session (su: the caller's) */
	int pid;                   /* the PAM application */
	int session;
	int shell_pid;
	int64_t open, close;
};

int work_login(struct scen *S, struct login *l, int typos, bool key_auth);
int work_logout(struct scen *S, struct login *l);
/* N file reads (and some writes) in the person's areas between t0 and t1. */
int work_files(struct scen *S, struct login *l, struct person *p, int64_t t0, int64_t t1, int n,
               const int *projects, int nprojects);
/* One command with a file read burst over a project (grep -r, tar, cp -r). */
int work_bulk(struct scen *S, struct login *l, struct person *p, int64_t t, const struct project *pj,
              int n, const char *tool);
int work_exec(struct scen *S, struct login *l, int64_t t, const char *exe, const char *const *argv,
              int argc);
int work_privilege(struct scen *S, struct login *l, int64_t t, const char *tool, const char *target);
int work_media(struct scen *S, struct login *l, int64_t t, const char *mountpoint);
/* An ssh session from the person's current host to a server. */
int work_ssh(struct scen *S, struct person *p, const char *rhost, int srv, int64_t t0, int64_t t1,
             bool admin);
/* A hot desk of the site free from t0 to t1 (then taken), or -1. */
int work_take_desk(struct scen *S, struct person *p, int site, int64_t t0, int64_t t1);
/* One ordinary day of a person; sets *ws_login (or NULL when they did not
 * work at their workstation) for the insider scenarios. */
int work_day(struct scen *S, struct person *p, int day, struct login *ws_login, bool *worked);
/* Logs in on `host` at t0, works until t1, logs out; the host is powered. */
int work_session(struct scen *S, struct person *p, int host, int64_t t0, int64_t t1, int reads,
                 struct login *l);

/* ---- insiders (scen_insider.c) ----------------------------------------- */

/* Whether the person works normally on that day (false: the scenario
 * replaces the day). */
bool insider_works_normally(const struct scen *S, const struct person *p, int day);
/* The scenario's activity on that day, after the ordinary day (ws_login is
 * the day's workstation session when there was one). */
int insider_day(struct scen *S, struct person *p, int day, const struct login *ws_login);

#endif
