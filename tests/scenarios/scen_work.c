/*
 * scen_work: what people ordinarily do, as PAM and audit record it.
 *
 * A working day: the workstation is switched on (unless it stays on), the
 * person logs in at the display manager (now and then after a mistyped
 * password or two), unlocks the screen after breaks, opens documents of
 * their projects in an office suite, a PDF viewer or a terminal, some days
 * logs in to servers with ssh from their workstation, and logs out in the
 * evening; some evenings run late. The volume of file access is the
 * person's own (a few heavy readers), varies from day to day, and now and
 * then includes a search or copy over a whole project area (grep -r, cp -r),
 * as real work does. Weekends are mostly off, public holidays and personal
 * leave are off, a few people work nights all the time, operators get
 * called out at night now and then, people visit other sites and work at a
 * hot desk there, and a few use the transfer station's USB port.
 *
 * Rates (per working day unless said otherwise) are constants below; they
 * are meant to look like a real office, not to suit any detector.
 */
#include "scen.h"

#include <math.h>
#include <string.h>

#define P_SICK 0.015            /* a day off sick */
#define P_LATE 0.06             /* stays 1.5 to 4 hours longer */
#define P_TYPO1 0.08            /* one mistyped password before a login */
#define P_TYPO2 0.02            /* two */
#define P_BUSY 0.03             /* a day with 2 to 4 times the usual reading */
#define P_SEARCH 0.005          /* grep -r over one project area (80 to 400 files) */
#define P_TREE_COPY 0.0005      /* a copy of a whole project (800 to 2500 files) */
#define P_TRIP 0.006            /* starts a visit of 1 to 3 days to another site */
#define P_XFER 0.03             /* uses the transfer station (those allowed to) */
#define P_CALLOUT 0.02          /* an operator's night call-out, per night */
#define DAY_SIGMA 0.4           /* day-to-day spread of the volume (lognormal) */

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- PAM ----------------------------------------------------------------- */

/* agent_pam.c login_event: result, service, user, ruser, rhost, tty, auid,
 * pid, detail {phase, session, sender_uid}. */
static int pam_event(struct scen *S, const struct login *l, int64_t t, const char *kind,
                     const char *phase, const char *user, bool in_session)
{
	struct evb b;
	evb_begin(&b, t, kind, S->hosts[l->host].name);
	if (strcmp(kind, "auth_failure") == 0)
		evb_str(&b, "result", "failure");
	else if (strcmp(kind, "auth_success") == 0)
		evb_str(&b, "result", "success");
	evb_str(&b, "service", l->service);
	evb_str(&b, "user", user);
	evb_str(&b, "ruser", l->ruser);
	evb_str(&b, "rhost", l->rhost[0] ? l->rhost : NULL);
	evb_str(&b, "tty", l->tty);
	if (in_session)
		evb_int(&b, "auid", l->auid);
	evb_int(&b, "pid", l->pid);
	evb_detail_open(&b);
	evb_str(&b, "phase", phase);
	if (in_session)
		evb_int(&b, "session", l->session);
	evb_int(&b, "sender_uid", 0);
	evb_detail_close(&b);
	return scen_emit(S, l->host, t, &b);
}

int work_login(struct scen *S, struct login *l, int typos, bool key_auth)
{
	struct host *h = &S->hosts[l->host];
	int64_t t = l->open;
	int rc = 0;
	bool su = strcmp(l->service, "su") == 0;

	l->pid = scen_pid(S, l->host);
	if (!su)
		l->session = scen_session(S, l->host);
	for (int i = typos; i > 0; i--)
		rc |= pam_event(S, l, t - i * (4000 + rng_int(&h->rng, 9000)), "auth_failure",
		                "auth_failure", l->account, false);
	/* su from root runs only the session phases; a key-based ssh login
	 * skips the auth phase. */
	if (!su && !key_auth)
		rc |= pam_event(S, l, t, "auth_success", "auth_success", l->account, false);
	if (!su)
		rc |= pam_event(S, l, t + 20 + rng_int(&h->rng, 150), "auth_success", "account",
		                l->account, false);
	rc |= pam_event(S, l, t + 200 + rng_int(&h->rng, 400), "session_open", "session_open",
	                l->account, true);
	l->shell_pid = scen_pid(S, l->host);
	return rc ? -1 : 0;
}

int work_logout(struct scen *S, struct login *l)
{
	return pam_event(S, l, l->close, "session_close", "session_close", l->account, true);
}

/* A screen unlock at the display manager: auth and account, no session. */
static int unlock(struct scen *S, struct login *l, int64_t t, int typos)
{
	int rc = 0;
	for (int i = typos; i > 0; i--)
		rc |= pam_event(S, l, t - i * 6000, "auth_failure", "auth_failure", l->account, false);
	rc |= pam_event(S, l, t, "auth_success", "auth_success", l->account, false);
	rc |= pam_event(S, l, t + 40, "auth_success", "account", l->account, false);
	return rc;
}

/* audit writes "pts0" where PAM has "/dev/pts/0". */
static void pam_tty(const char *audit_tty, char *out, size_t n)
{
	if (audit_tty && strncmp(audit_tty, "pts", 3) == 0)
		snprintf(out, n, "/dev/pts/%s", audit_tty + 3);
	else
		snprintf(out, n, "/dev/%s", audit_tty ? audit_tty : "pts/0");
}

/* ---- audit ---------------------------------------------------------------- */

/* agent_audit.c syscall_event: audit_id, uid, auid, pid, user, exe, key, tty,
 * result, detail {syscall, comm, ses, ppid, euid}; the caller closes the
 * detail and adds the rest. */
static void audit_begin(struct evb *b, struct scen *S, const struct login *l, int64_t t,
                        const char *kind, int pid, int uid, int euid, const char *exe,
                        const char *key, const char *syscall, const char *tty)
{
	char id[48], comm[16];
	scen_audit_id(S, l->host, t, id);
	snprintf(comm, sizeof comm, "%s", base_name(exe));
	evb_begin(b, t, kind, S->hosts[l->host].name);
	evb_str(b, "audit_id", id);
	evb_int(b, "uid", uid);
	evb_int(b, "auid", l->auid);
	evb_int(b, "pid", pid);
	evb_str(b, "user", l->auid_user);
	evb_str(b, "exe", exe);
	evb_str(b, "key", key);
	evb_str(b, "tty", tty);
	evb_str(b, "result", "success");
	evb_detail_open(b);
	evb_str(b, "syscall", syscall);
	evb_str(b, "comm", comm);
	evb_int(b, "ses", l->session);
	evb_int(b, "ppid", l->shell_pid);
	if (euid != uid)
		evb_int(b, "euid", euid);
}

static int exec_as(struct scen *S, struct login *l, int64_t t, int uid, const char *exe,
                   const char *const *argv, int argc)
{
	struct evb b;
	int pid = scen_pid(S, l->host);
	audit_begin(&b, S, l, t, "exec", pid, uid, uid, exe, "vigil-exec", "execve", l->audit_tty);
	evb_argv(&b, argv, argc);
	evb_detail_close(&b);
	evb_str(&b, "path", exe);
	evb_str(&b, "op", "exec");
	return scen_emit(S, l->host, t, &b) < 0 ? -1 : pid;
}

int work_exec(struct scen *S, struct login *l, int64_t t, const char *exe, const char *const *argv,
              int argc)
{
	return exec_as(S, l, t, l->uid, exe, argv, argc);
}

static int file_event(struct scen *S, struct login *l, int64_t t, int pid, int uid, const char *exe,
                      const char *path, const char *op, const char *tty)
{
	struct evb b;
	audit_begin(&b, S, l, t, "file_access", pid, uid, uid, exe, "vigil-file", "openat", tty);
	evb_detail_close(&b);
	evb_str(&b, "path", path);
	evb_str(&b, "op", op);
	return scen_emit(S, l->host, t, &b);
}

int work_privilege(struct scen *S, struct login *l, int64_t t, const char *tool, const char *target)
{
	struct evb b;
	int pid = scen_pid(S, l->host), rc = 0;
	bool sudo = strcmp(tool, "sudo") == 0;
	const char *exe = sudo ? "/usr/bin/sudo" : "/usr/bin/su";
	const char *av_sudo_i[] = {"sudo", "-i"};
	const char *av_sudo_u[] = {"sudo", "-u", target, "-i"};
	const char *av_su[] = {"su", "-", target};
	audit_begin(&b, S, l, t, "privilege", pid, l->uid, 0, exe, "vigil-priv", "execve", l->audit_tty);
	if (!sudo)
		evb_argv(&b, av_su, 3);
	else if (strcmp(target, "root") == 0)
		evb_argv(&b, av_sudo_i, 2);
	else
		evb_argv(&b, av_sudo_u, 4);
	evb_detail_close(&b);
	evb_str(&b, "path", exe);
	evb_str(&b, "service", tool);
	evb_str(&b, "ruser", target);
	rc |= scen_emit(S, l->host, t, &b);
	if (sudo) {
		/* sudo's account phase; the PAM items name the invoking user. */
		struct login pl = *l;
		char tty[24];
		pam_tty(l->audit_tty, tty, sizeof tty);
		pl.service = "sudo";
		pl.tty = tty;
		pl.ruser = l->account;
		pl.rhost[0] = '\0';
		pl.pid = pid;
		rc |= pam_event(S, &pl, t + 8, "auth_success", "account", l->account, true);
	}
	return rc ? -1 : pid;
}

int work_media(struct scen *S, struct login *l, int64_t t, const char *mountpoint)
{
	struct evb b;
	const char *argv[] = {"mount", mountpoint};
	/* A "user" mount from fstab: the person's uid, mount is setuid root. */
	int pid = work_exec(S, l, t - 3, "/usr/bin/mount", argv, 2);
	if (pid < 0)
		return -1;
	audit_begin(&b, S, l, t, "media", pid, l->uid, 0, "/usr/bin/mount", "vigil-media", "mount",
	            l->audit_tty);
	evb_str(&b, "source", "/dev/sdb1");
	evb_str(&b, "removable", "usb");
	evb_detail_close(&b);
	evb_str(&b, "path", mountpoint);
	evb_str(&b, "op", "mount");
	return scen_emit(S, l->host, t, &b);
}

/* ---- files ------------------------------------------------------------------ */

static const struct project *pick_project(struct scen *S, struct person *p, const int *projects,
                                          int n)
{
	if (n == 0)
		return NULL;
	int k = rng_chance(&p->rng, 0.5) ? 0 : rng_int(&p->rng, n);
	return &S->projects[projects[k]];
}

static void pick_path(struct scen *S, struct person *p, const int *projects, int n, char *out,
                      size_t len)
{
	static const char *const shared[] = {"handbook", "forms", "templates", "news"};
	double u = rng_unit(&p->rng);
	const struct project *pj = pick_project(S, p, projects, n);
	if (!pj || u < 0.08) {
		int k = (int)(120 * rng_unit(&p->rng) * rng_unit(&p->rng));
		snprintf(out, len, "/srv/shared/%s/%s-%d.pdf", shared[k % 4], shared[(k / 4) % 4], k);
	} else if (u < 0.11) {
		snprintf(out, len, "/srv/policies/security-policy-%d.pdf", rng_int(&p->rng, 12));
	} else {
		scen_project_file(&p->rng, pj, out, len);
	}
}

struct tool {
	const char *exe;
	const char *argv0;
	bool gui;                  /* no terminal */
	double write_p;
};

static const struct tool tools[] = {
	{"/usr/lib/libreoffice/program/soffice.bin", "soffice.bin", true, 0.2},
	{"/usr/bin/evince", "evince", true, 0.0},
	{"/usr/bin/less", "less", false, 0.0},
	{"/usr/bin/vim.basic", "vim", false, 0.5},
	{"/usr/bin/python3.11", "python3", false, 0.1},
	{"/usr/bin/cat", "cat", false, 0.0},
};

int work_files(struct scen *S, struct login *l, struct person *p, int64_t t0, int64_t t1, int n,
               const int *projects, int nprojects)
{
	char path[256];
	int rc = 0;
	if (t1 <= t0 + 1000)
		t1 = t0 + 1000;
	while (n > 0) {
		/* A burst: one program opening a few files. */
		int k = 1 + (int)(-log(1.0 - rng_unit(&p->rng)) * 2.5);
		if (k > n)
			k = n;
		n -= k;
		int64_t t = t0 + (int64_t)(rng_unit(&p->rng) * (double)(t1 - t0 - 600));
		const struct tool *tl = &tools[rng_int(&p->rng, 6)];
		pick_path(S, p, projects, nprojects, path, sizeof path);
		const char *argv[] = {tl->argv0, path};
		const char *tty = tl->gui ? NULL : l->audit_tty;
		int pid = exec_as(S, l, t, l->uid, tl->exe, argv, 2);
		if (pid < 0)
			return -1;
		for (int i = 0; i < k; i++) {
			if (i > 0)
				pick_path(S, p, projects, nprojects, path, sizeof path);
			t += 30 + rng_int(&p->rng, 2000);
			rc |= file_event(S, l, t, pid, l->uid, tl->exe, path,
			                 rng_chance(&p->rng, tl->write_p) ? "write" : "read", tty);
		}
	}
	return rc ? -1 : 0;
}

int work_bulk(struct scen *S, struct login *l, struct person *p, int64_t t, const struct project *pj,
              int n, const char *tool)
{
	char dir[128], path[256];
	const char *exe;
	int pid, rc = 0;
	snprintf(dir, sizeof dir, "%s", pj->path);
	if (strcmp(tool, "grep") == 0) {
		const char *argv[] = {"grep", "-rl", "calibration", dir};
		exe = "/usr/bin/grep";
		pid = work_exec(S, l, t, exe, argv, 4);
	} else if (strcmp(tool, "tar") == 0) {
		const char *argv[] = {"tar", "czf", "/tmp/out.tgz", dir};
		exe = "/usr/bin/tar";
		pid = work_exec(S, l, t, exe, argv, 4);
	} else if (strcmp(tool, "rsync") == 0) {
		const char *argv[] = {"rsync", "-a", dir, "/media/usb0/"};
		exe = "/usr/bin/rsync";
		pid = work_exec(S, l, t, exe, argv, 4);
	} else {
		const char *argv[] = {"cp", "-r", dir, "."};
		exe = "/usr/bin/cp";
		pid = work_exec(S, l, t, exe, argv, 4);
	}
	if (pid < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		/* Walks the tree in order, a few files per second... */
		t += 5 + rng_int(&p->rng, 60);
		scen_project_file_k(pj, (i * 7 + rng_int(&p->rng, 7)) % pj->nfiles, path, sizeof path);
		rc |= file_event(S, l, t, pid, l->uid, exe, path, "read", l->audit_tty);
	}
	return rc ? -1 : 0;
}

/* ---- sessions ----------------------------------------------------------------- */

static void login_init(struct login *l, const struct person *p, int host, const char *service,
                       const char *tty)
{
	memset(l, 0, sizeof *l);
	l->host = host;
	l->person = -1;
	l->account = p->account;
	l->auid_user = p->account;
	l->uid = p->uid;
	l->auid = p->uid;
	l->service = service;
	l->tty = tty;
	l->audit_tty = "pts0";
}

static int typos(struct person *p)
{
	double u = rng_unit(&p->rng);
	return u < P_TYPO2 ? 2 : u < P_TYPO2 + P_TYPO1 ? 1 : 0;
}

static int power_for(struct scen *S, struct person *p, int host, int64_t t0, int64_t t1)
{
	if (S->hosts[host].always_on)
		return 0;
	/* Booted a few minutes before the login, shut down after the logout;
	 * now and then switched off at the wall. */
	return scen_power(S, host, t0 - (2 + rng_int(&p->rng, 8)) * MIN_MS - rng_int(&p->rng, 60000),
	                  t1 + (1 + rng_int(&p->rng, 4)) * MIN_MS, rng_chance(&p->rng, 0.003));
}

int work_session(struct scen *S, struct person *p, int host, int64_t t0, int64_t t1, int reads,
                 struct login *l)
{
	bool desk = S->hosts[host].type != H_SRV;
	login_init(l, p, host, desk ? "lightdm" : "sshd", desk ? ":0" : "ssh");
	l->open = t0;
	l->close = t1;
	if (power_for(S, p, host, t0 - 60000, t1) < 0 || work_login(S, l, typos(p), false) < 0)
		return -1;
	if (reads > 0 && work_files(S, l, p, t0 + 2 * MIN_MS, t1 - MIN_MS, reads, p->projects,
	                            p->nproj) < 0)
		return -1;
	return work_logout(S, l);
}

int work_ssh(struct scen *S, struct person *p, const char *rhost, int srv, int64_t t0, int64_t t1,
             bool admin)
{
	struct login l;
	int rc = 0;
	login_init(&l, p, srv, "sshd", "ssh");
	snprintf(l.rhost, sizeof l.rhost, "%s", rhost);
	l.open = t0;
	l.close = t1;
	l.audit_tty = "pts1";
	bool key = rng_chance(&p->rng, 0.7);
	if (work_login(S, &l, key ? 0 : typos(p), key) < 0)
		return -1;
	int64_t span = t1 - t0, t = t0 + 20000;
	static const char *const cmds[][3] = {
		{"/usr/bin/ls", "ls", "-l"},           {"/usr/bin/df", "df", "-h"},
		{"/usr/bin/make", "make", "-j4"},      {"/usr/bin/git", "git", "pull"},
		{"/usr/bin/python3.11", "python3", "run.py"}, {"/usr/bin/top", "top", "-b"},
	};
	int ncmd = 2 + rng_int(&p->rng, 6);
	for (int i = 0; i < ncmd; i++) {
		const char *const *c = cmds[rng_int(&p->rng, 6)];
		t += rng_int(&p->rng, (int)(span / (ncmd + 1) > 1000 ? span / (ncmd + 1) : 1000));
		if (t >= t1 - 1000)
			break;
		const char *argv[] = {c[1], c[2]};
		rc |= work_exec(S, &l, t, c[0], argv, 2) < 0;
	}
	if (admin) {
		/* Operators administer: sudo for services and logs. */
		int n = 1 + rng_int(&p->rng, 3);
		for (int i = 0; i < n; i++) {
			int64_t ts = t0 + 60000 + (int64_t)(rng_unit(&p->rng) * (double)(span - 120000));
			rc |= work_privilege(S, &l, ts, "sudo", "root") < 0;
		}
	} else if (p->nproj > 0) {
		rc |= work_files(S, &l, p, t0 + 30000, t1 - 30000, 1 + rng_int(&p->rng, 12), p->projects,
		                 p->nproj);
	}
	rc |= work_logout(S, &l);
	return rc ? -1 : 0;
}

/* ---- the day ------------------------------------------------------------------- */

int work_take_desk(struct scen *S, struct person *p, int site, int64_t t0, int64_t t1)
{
	int n = S->hd_count[site], k = rng_int(&p->rng, n);
	for (int i = 0; i < n; i++) {
		struct host *h = &S->hosts[S->hd_first[site] + (k + i) % n];
		if (h->busy_until + 5 * MIN_MS <= t0) {
			h->busy_until = t1;
			return S->hd_first[site] + (k + i) % n;
		}
	}
	return -1;
}

static bool on_leave(const struct person *p, int day)
{
	for (int b = 0; b < 2; b++)
		if (day >= p->leave_from[b] && day <= p->leave_to[b])
			return true;
	return false;
}

static int server_for(struct scen *S, struct person *p, int site)
{
	return S->srv_first[site] + rng_int(&p->rng, S->srv_count[site]);
}

/* Reads of a working day: the person's volume, the day's mood. */
static int day_reads(struct person *p, double hours_frac)
{
	double v = p->reads * rng_lognormal(&p->rng, DAY_SIGMA) * hours_frac;
	if (rng_chance(&p->rng, P_BUSY))
		v *= 2 + 2 * rng_unit(&p->rng);
	return (int)(v + 0.5);
}

static int night_callout(struct scen *S, struct person *p, int day)
{
	char vpn[32];
	int64_t t0 = scen_local_ms(S, day, p->site, rng_range(&p->rng, 60, 240));
	int64_t t1 = t0 + rng_range(&p->rng, 15, 80) * MIN_MS;
	snprintf(vpn, sizeof vpn, "10.8.%d.%d", rng_int(&p->rng, 4), 2 + rng_int(&p->rng, 250));
	return work_ssh(S, p, vpn, server_for(S, p, p->site), t0, t1, true);
}

/* The transfer station: a USB stick where the policy allows it. */
static int use_xfer(struct scen *S, struct person *p, int64_t t)
{
	struct login l;
	int host = S->xfer[p->site];
	int64_t t1 = t + rng_range(&p->rng, 8, 30) * MIN_MS;
	login_init(&l, p, host, "lightdm", ":0");
	l.open = t;
	l.close = t1;
	if (work_login(S, &l, typos(p), false) < 0 ||
	    work_media(S, &l, t + 60000 + rng_int(&p->rng, 60000), "/media/usb0") < 0 ||
	    work_files(S, &l, p, t + 3 * MIN_MS, t1 - MIN_MS, 1 + rng_int(&p->rng, 6), p->projects,
	               p->nproj) < 0)
		return -1;
	return work_logout(S, &l);
}

/* The day at a desk (own workstation, or a hot desk when visiting). */
static int desk_day(struct scen *S, struct person *p, int site, int host, int64_t t0, int64_t t1,
                    struct login *l)
{
	struct rng *r = &p->rng;
	double frac = (double)(t1 - t0) / ((double)p->len_min * MIN_MS);
	int reads = day_reads(p, frac > 1.5 ? 1.5 : frac);
	if (work_session(S, p, host, t0, t1, reads, l) < 0)
		return -1;
	/* Unlocks after breaks. */
	int unlocks = rng_int(r, 4);
	for (int i = 0; i < unlocks; i++) {
		int64_t t = t0 + (int64_t)((0.2 + 0.6 * rng_unit(r)) * (double)(t1 - t0));
		if (unlock(S, l, t, rng_chance(r, 0.05) ? 1 : 0) < 0)
			return -1;
	}
	/* Searching or copying a project area now and then. */
	if (p->nproj > 0 && (p->dept == D_ENG || p->dept == D_RESEARCH || p->dept == D_ANALYSIS)) {
		const struct project *pj = &S->projects[p->projects[rng_int(r, p->nproj)]];
		int64_t t = t0 + (int64_t)((0.1 + 0.8 * rng_unit(r)) * (double)(t1 - t0));
		if (rng_chance(r, P_SEARCH) && work_bulk(S, l, p, t, pj, rng_range(r, 80, 400), "grep") < 0)
			return -1;
		if (rng_chance(r, P_TREE_COPY) &&
		    work_bulk(S, l, p, t + 10 * MIN_MS, pj, rng_range(r, 800, 2500), "cp") < 0)
			return -1;
	}
	/* Servers, from this desk. */
	double p_ssh = p->dept == D_OPS ? 0.9 : 0.3;
	if (p->srv_access && rng_chance(r, p_ssh)) {
		int n = 1 + rng_int(r, p->dept == D_OPS ? 4 : 2);
		for (int i = 0; i < n; i++) {
			int srv_site = rng_chance(r, 0.7) ? site : rng_int(r, NSITES);
			int64_t a = t0 + (int64_t)((0.05 + 0.8 * rng_unit(r)) * (double)(t1 - t0));
			int64_t b = clamp64(a + rng_range(r, 5, 120) * MIN_MS, a + MIN_MS, t1 - MIN_MS);
			if (b <= a + 30000)
				continue;
			if (work_ssh(S, p, S->hosts[host].name, server_for(S, p, srv_site), a, b,
			             p->dept == D_OPS) < 0)
				return -1;
		}
	}
	if (p->xfer_access && site == p->site && rng_chance(r, P_XFER)) {
		int64_t t = t0 + (int64_t)((0.3 + 0.4 * rng_unit(r)) * (double)(t1 - t0));
		if (use_xfer(S, p, t) < 0)
			return -1;
	}
	return 0;
}

int work_day(struct scen *S, struct person *p, int day, struct login *ws_login, bool *worked)
{
	struct rng *r = &p->rng;
	int wd = scen_weekday(day);
	*worked = false;
	if (day < p->first_day || day > p->last_day || on_leave(p, day) || rng_chance(r, P_SICK))
		return 0;
	if (p->night) {
		/* Sunday to Thursday nights, holidays included. */
		if (wd == 5 || wd == 4)
			return 0;
		int64_t t0 = scen_local_ms(S, day, p->site, p->start_min + (int)(10 * rng_normal(r)));
		int64_t t1 = t0 + (p->len_min + (int)(15 * rng_normal(r))) * MIN_MS;
		*worked = true;
		return desk_day(S, p, p->site, p->ws, t0, t1, ws_login);
	}
	if (p->dept == D_OPS && rng_chance(r, P_CALLOUT) && night_callout(S, p, day) < 0)
		return -1;
	if (scen_is_holiday(S, day))
		return 0;
	if (wd >= 5) {
		if (!rng_chance(r, p->weekend_p))
			return 0;
		int64_t t0 = scen_local_ms(S, day, p->site, rng_range(r, 600, 900));
		int64_t t1 = t0 + rng_range(r, 40, 180) * MIN_MS;
		*worked = true;
		return desk_day(S, p, p->site, p->ws, t0, t1, ws_login);
	}
	/* A visit to another site: work at a hot desk there, if one is free. */
	if (day > p->trip_until && rng_chance(r, P_TRIP)) {
		p->trip_site = (p->site + 1 + rng_int(r, NSITES - 1)) % NSITES;
		p->trip_until = day + rng_int(r, 3);
	}
	int site = day <= p->trip_until ? p->trip_site : p->site;
	int start = p->start_min + (int)(15 * rng_normal(r));
	int len = p->len_min + (int)(20 * rng_normal(r));
	if (rng_chance(r, P_LATE))
		len += rng_range(r, 90, 240);
	int64_t t0 = scen_local_ms(S, day, site, start), t1 = t0 + (int64_t)len * MIN_MS;
	int host = p->ws;
	if (site != p->site && (host = work_take_desk(S, p, site, t0, t1)) < 0) {
		host = p->ws;          /* no desk there: the trip is off */
		site = p->site;
		p->trip_until = day - 1;
		t0 = scen_local_ms(S, day, site, start);
		t1 = t0 + (int64_t)len * MIN_MS;
	}
	if (desk_day(S, p, site, host, t0, t1, ws_login) < 0)
		return -1;
	*worked = host == p->ws;
	return 0;
}
