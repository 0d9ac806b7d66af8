/*
 * scen_insider: the injected insider behaviours (issue 5, section 5).
 *
 * Each insider lives an ordinary life (scen_work.c) and, from sc_start on
 * (after the three-week learning period), acts out one scenario:
 *
 *   night_mass_read    a cleared engineer comes in at night instead and
 *                      copies their own compartment's projects wholesale
 *   need_to_know       reads a compartment they are not read on to, during
 *                      ordinary days
 *   debriefed_access   keeps reading a compartment after being debriefed
 *                      from it (the policy dates the debrief at sc_start)
 *   suspended_working  clearance suspended (policy): stayed away for the
 *                      first weeks, then comes back to work as usual
 *   departing_media    mounts a USB stick on their workstation (removable
 *                      media forbidden there) and copies more every day
 *   su_other_account   an operator, on a server: sudo -i, then su - into a
 *                      colleague's account (su:root is all they may) and
 *                      reads the colleague's project files
 *   password_guessing  from their workstation, ssh password attempts on a
 *                      server against many accounts, a few each
 *   dormant_wakes      worked the first days, then nothing for over a
 *                      month; the account logs in at night and reads
 *   two_sites          while the person works at their desk, their account
 *                      logs in at a hot desk of another site
 *
 * The acts happen on days when the person is at their desk where the
 * scenario needs it, so they may be spread over the remaining weeks.
 */
#include "scen.h"

#include <string.h>

#define NIGHTS 3                /* night_mass_read: nights at work */

static int64_t within(struct person *p, const struct login *l, double from, double to)
{
	double u = from + (to - from) * rng_unit(&p->rng);
	return l->open + (int64_t)(u * (double)(l->close - l->open));
}

bool insider_works_normally(const struct scen *S, const struct person *p, int day)
{
	(void)S;
	switch (p->scenario) {
	case SC_SUSPENDED:
		return day >= p->sc_start;
	case SC_NIGHT_MASS_READ:
		return day < p->sc_start || day >= p->sc_start + NIGHTS;
	default:
		return true;
	}
}

/* The projects of a person's compartments (at least one exists). */
static int comp_projects(const struct scen *S, const struct person *p, int *out)
{
	int n = 0;
	for (int k = 0; k < p->nproj; k++)
		if (S->projects[p->projects[k]].comp >= 0)
			out[n++] = p->projects[k];
	return n;
}

static int night_mass_read(struct scen *S, struct person *p, int day)
{
	struct login l;
	int projs[MAXPROJ], n = comp_projects(S, p, projs);
	if (day >= p->sc_start + NIGHTS || n == 0)
		return 0;
	int64_t t0 = scen_local_ms(S, day, p->site, 22 * 60 + rng_range(&p->rng, 0, 60));
	int64_t t1 = t0 + rng_range(&p->rng, 300, 400) * MIN_MS;
	if (work_session(S, p, p->ws, t0, t1, 5 + rng_int(&p->rng, 10), &l) < 0)
		return -1;
	/* Tens of times a normal day's reading, in bulk copies. */
	double base = p->reads > scen_peer_reads(S, p) ? p->reads : scen_peer_reads(S, p);
	int total = (int)(base * (20 + 15 * rng_unit(&p->rng))) + 400;
	int parts = 3 + rng_int(&p->rng, 4);
	for (int i = 0; i < parts; i++) {
		static const char *const tool[] = {"tar", "cp", "rsync"};
		int64_t t = t0 + 10 * MIN_MS + (int64_t)i * ((t1 - t0 - 20 * MIN_MS) / parts);
		if (work_bulk(S, &l, p, t, &S->projects[projs[i % n]], total / parts, tool[i % 3]) < 0)
			return -1;
	}
	return 0;
}

static int need_to_know(struct scen *S, struct person *p, const struct login *ws)
{
	struct login l;
	int proj = p->sc_other;
	if (!ws || p->sc_done >= 4 || rng_chance(&p->rng, 0.4))
		return 0;
	l = *ws;
	p->sc_done++;
	int64_t t = within(p, ws, 0.2, 0.7);
	return work_files(S, &l, p, t, t + rng_range(&p->rng, 10, 60) * MIN_MS,
	                  rng_range(&p->rng, 8, 40), &proj, 1);
}

static int debriefed(struct scen *S, struct person *p, const struct login *ws)
{
	struct login l;
	int proj = -1;
	if (!ws || p->sc_done >= 4)
		return 0;
	l = *ws;
	for (int k = 0; k < p->nproj; k++)
		if (S->projects[p->projects[k]].comp == p->debrief_comp)
			proj = p->projects[k];
	if (proj < 0)
		return 0;
	p->sc_done++;
	int64_t t = within(p, ws, 0.1, 0.8);
	return work_files(S, &l, p, t, t + rng_range(&p->rng, 20, 90) * MIN_MS,
	                  rng_range(&p->rng, 5, 20), &proj, 1);
}

static int departing_media(struct scen *S, struct person *p, const struct login *ws)
{
	static const int copies[] = {40, 120, 350, 900};
	struct login l;
	if (!ws || p->sc_done >= 4)
		return 0;
	l = *ws;
	int64_t t = within(p, ws, 0.2, 0.7);
	if (work_media(S, &l, t, "/media/usb0") < 0)
		return -1;
	int per = copies[p->sc_done] / p->nproj + 1;
	for (int k = 0; k < p->nproj; k++)
		if (work_bulk(S, &l, p, t + 60000 + k * 15 * MIN_MS, &S->projects[p->projects[k]], per,
		              "rsync") < 0)
			return -1;
	p->sc_done++;
	return 0;
}

static int su_other(struct scen *S, struct person *p, const struct login *ws)
{
	struct person *v = &S->persons[p->sc_other];
	struct login l, su;
	if (!ws || p->sc_done >= 2)
		return 0;
	p->sc_done++;
	int srv = S->srv_first[p->site] + rng_int(&p->rng, S->srv_count[p->site]);
	memset(&l, 0, sizeof l);
	l.host = srv;
	l.person = -1;
	l.account = l.auid_user = p->account;
	l.uid = l.auid = p->uid;
	l.service = "sshd";
	l.tty = "ssh";
	l.audit_tty = "pts2";
	snprintf(l.rhost, sizeof l.rhost, "%s", S->hosts[ws->host].name);
	l.open = within(p, ws, 0.3, 0.6);
	l.close = l.open + rng_range(&p->rng, 30, 70) * MIN_MS;
	if (work_login(S, &l, 0, true) < 0 || work_privilege(S, &l, l.open + 60000, "sudo", "root") < 0)
		return -1;
	/* As root: su - colleague; only the session phases run (pam_rootok). */
	int64_t t = l.open + 2 * MIN_MS + rng_int(&p->rng, 60000);
	su = l;
	struct login asroot = l;
	asroot.uid = 0;
	int su_pid = work_privilege(S, &asroot, t, "su", v->account);
	if (su_pid < 0)
		return -1;
	su.account = v->account;
	su.service = "su";
	su.tty = "/dev/pts/2";
	su.ruser = "root";
	su.rhost[0] = '\0';
	su.session = l.session;
	su.open = t + 30;
	su.close = l.close - 2 * MIN_MS;
	if (work_login(S, &su, 0, false) < 0)
		return -1;
	/* The colleague's files, read with the colleague's uid; audit still
	 * names the operator (auid). */
	su.uid = v->uid;
	if (work_files(S, &su, p, su.open + 30000, su.close - 30000, rng_range(&p->rng, 15, 60),
	               v->projects, v->nproj) < 0 ||
	    work_logout(S, &su) < 0)
		return -1;
	return work_logout(S, &l);
}

static int password_guess(struct scen *S, struct person *p, const struct login *ws)
{
	static const char *const generic[] = {"admin", "test", "oracle", "backup", "guest", "svc-build"};
	if (!ws || p->sc_done >= 2)
		return 0;
	p->sc_done++;
	int site = rng_int(&p->rng, NSITES);
	int srv = S->srv_first[site] + rng_int(&p->rng, S->srv_count[site]);
	int naccounts = rng_range(&p->rng, 8, 20);
	int64_t t = within(p, ws, 0.2, 0.6);
	int64_t span = rng_range(&p->rng, 10, 25) * MIN_MS;
	int attempts = 0;
	for (int a = 0; a < naccounts; a++) {
		struct login l;
		const char *acct = a % 4 == 3 ? generic[rng_int(&p->rng, 6)]
		                              : S->persons[rng_int(&p->rng, S->npersons)].account;
		if (strcmp(acct, p->account) == 0)
			continue;
		memset(&l, 0, sizeof l);
		l.host = srv;
		l.account = acct;
		l.service = "sshd";
		l.tty = "ssh";
		snprintf(l.rhost, sizeof l.rhost, "%s", S->hosts[ws->host].name);
		int tries = rng_range(&p->rng, 1, 4);
		for (int k = 0; k < tries; k++) {
			/* A connection allows three attempts; each a new sshd child. */
			if (k % 3 == 0)
				l.pid = scen_pid(S, srv);
			int64_t ta = t + (int64_t)((double)span * (a * 4 + k) / (naccounts * 4.0)) +
			             rng_int(&p->rng, 3000);
			struct evb b;
			evb_begin(&b, ta, "auth_failure", S->hosts[srv].name);
			evb_str(&b, "result", "failure");
			evb_str(&b, "service", l.service);
			evb_str(&b, "user", acct);
			evb_str(&b, "rhost", l.rhost);
			evb_str(&b, "tty", l.tty);
			evb_int(&b, "pid", l.pid);
			evb_detail_open(&b);
			evb_str(&b, "phase", "auth_failure");
			evb_int(&b, "sender_uid", 0);
			evb_detail_close(&b);
			if (scen_emit(S, srv, ta, &b) < 0)
				return -1;
			attempts++;
		}
	}
	return attempts > 0 ? 0 : -1;
}

static int dormant_wakes(struct scen *S, struct person *p, int day)
{
	struct login l;
	if (day != p->sc_start && day != p->sc_start + 1)
		return 0;
	int64_t t0 = scen_local_ms(S, day, p->site, rng_range(&p->rng, 60, 210));
	int64_t t1 = t0 + rng_range(&p->rng, 30, 90) * MIN_MS;
	return work_session(S, p, p->ws, t0, t1, rng_range(&p->rng, 20, 80), &l);
}

static int two_sites(struct scen *S, struct person *p, const struct login *ws)
{
	struct login l;
	if (!ws || p->sc_done >= 3 || ws->close - ws->open < 3 * HOUR_MS)
		return 0;
	int64_t t0 = within(p, ws, 0.2, 0.6);
	int64_t t1 = t0 + rng_range(&p->rng, 20, 90) * MIN_MS;
	int hd = work_take_desk(S, p, p->sc_other, t0, t1);
	if (hd < 0)
		return 0;
	p->sc_done++;
	return work_session(S, p, hd, t0, t1, rng_range(&p->rng, 3, 20), &l);
}

int insider_day(struct scen *S, struct person *p, int day, const struct login *ws_login)
{
	if (p->scenario == SC_NONE || day < p->sc_start)
		return 0;
	switch (p->scenario) {
	case SC_NIGHT_MASS_READ:
		return night_mass_read(S, p, day);
	case SC_NEED_TO_KNOW:
		return need_to_know(S, p, ws_login);
	case SC_DEBRIEFED:
		return debriefed(S, p, ws_login);
	case SC_DEPARTING_MEDIA:
		return departing_media(S, p, ws_login);
	case SC_SU_OTHER:
		return su_other(S, p, ws_login);
	case SC_PASSWORD_GUESS:
		return password_guess(S, p, ws_login);
	case SC_DORMANT_WAKE:
		return dormant_wakes(S, p, day);
	case SC_TWO_SITES:
		return two_sites(S, p, ws_login);
	default:
		return 0;           /* suspended_working: the ordinary days are the act */
	}
}
