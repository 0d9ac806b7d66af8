/*
 * vigil-agent: gathers login and access events on a workstation and ships
 * them to the collector.
 *
 *   vigil-agent -c FILE            run in the foreground
 *   vigil-agent -c FILE -t         validate the configuration
 *   vigil-agent -c FILE enroll     read a token on stdin, store it (0600)
 *
 * One thread does intake (PAM datagrams, audit records, timers) and commits
 * each event to the spool; the shipper thread sends the spool. Intake never
 * waits for the network, so a slow or absent collector never slows a login.
 */
#include "agent.h"
#include "agent_audit.h"
#include "agent_caps.h"
#include "agent_pam.h"
#include "agent_query.h"
#include "agent_ship.h"
#include "vg_cli.h"
#include "vg_log.h"
#include "vg_time.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#define VIGIL_VERSION "0.1"

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil-agent -c FILE [-t]\n"
	           "       vigil-agent -c FILE enroll    (token on standard input)\n");
}

static int enroll(struct agent_config *cfg)
{
	char line[256], err[512];
	if (!fgets(line, sizeof line, stdin)) {
		fprintf(stderr, "vigil-agent: expected the token on standard input\n");
		return 1;
	}
	line[strcspn(line, " \t\r\n")] = '\0';
	size_t n = strlen(line);
	if (n != 64 || strspn(line, "0123456789abcdef") != n) {
		fprintf(stderr, "vigil-agent: not a vigil token (64 hex digits)\n");
		return 1;
	}
	if (agent_token_write(cfg->token_file, line, err, sizeof err) < 0) {
		fprintf(stderr, "vigil-agent: %s\n", err);
		return 1;
	}
	explicit_bzero(line, sizeof line);
	printf("token stored in %s (mode 0600)\n", cfg->token_file);
	return 0;
}

/* Reports spool drops once there is room to record the report. */
static void report_drops(struct agent *a)
{
	if (agent_spool_count(a->spool) >= a->cfg.spool_max_events)
		return;
	int64_t n = agent_spool_take_drops(a->spool);
	if (n > 0) {
		char msg[96];
		snprintf(msg, sizeof msg, "%lld events dropped while the spool was full", (long long)n);
		vg_warn("%s", msg);
		agent_emit_health(a, "spool_drop", msg);
		agent_flush(a);
	}
}

static int make_dirs_for(const char *path)
{
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	for (char *p = dir + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(dir, 0750) < 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	return mkdir(dir, 0750) < 0 && errno != EEXIST ? -1 : 0;
}

enum { FD_SIGNAL, FD_TIMER, FD_PAM, FD_QUERY, FD_AUDIT, FD_COUNT };

static int run(struct agent *a)
{
	char err[512];
	struct agent_ship ship;
	struct agent_audit *audit = NULL;
	struct pollfd fds[FD_COUNT];
	sigset_t set;
	int rc = 1, audit_fd = -1, pam_fd = -1, query_fd = -1, sig_fd = -1;
	char query_path[128] = "";
	int64_t next_heartbeat, next_tick;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if ((sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0 ||
	    (a->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
		vg_err("signalfd/eventfd: %s", strerror(errno));
		return 1;
	}
	if (make_dirs_for(a->cfg.spool) < 0 ||
	    !(a->spool = agent_spool_open(a->cfg.spool, a->cfg.spool_max_events, err, sizeof err))) {
		vg_err("%s", a->spool ? "" : err);
		return 1;
	}
	if ((pam_fd = agent_pam_open(a->cfg.socket, err, sizeof err)) < 0) {
		vg_err("%s", err);
		goto out;
	}
	snprintf(query_path, sizeof query_path, "%s%s", a->cfg.socket, AGENT_PAM_QUERY_SUFFIX);
	if ((query_fd = agent_query_open(query_path, err, sizeof err)) < 0) {
		vg_err("%s", err);
		goto out;
	}
	agent_query_load_policy(a);
	agent_flush(a);
	if (a->cfg.audit != AGENT_AUDIT_OFF) {
		if (!(audit = agent_audit_new(a))) {
			vg_err("cannot initialise auparse");
			goto out;
		}
		if (a->cfg.audit == AGENT_AUDIT_NETLINK) {
			if ((audit_fd = agent_audit_netlink_open(err, sizeof err)) < 0) {
				vg_err("%s", err);
				goto out;
			}
		} else {
			audit_fd = STDIN_FILENO;
			fcntl(audit_fd, F_SETFL, fcntl(audit_fd, F_GETFL) | O_NONBLOCK);
		}
	}
	/* Everything that needs privileges is open: keep only what the running
	 * agent uses, before the shipper thread starts (agent_caps.h). */
	int keep_audit = a->cfg.audit != AGENT_AUDIT_OFF;
	if (agent_caps_restrict(keep_audit, err, sizeof err) < 0) {
		vg_err("%s", err);
		goto out;
	}
	if (agent_ship_start(&ship, a, err, sizeof err) < 0) {
		vg_err("%s", err);
		goto out;
	}
	agent_emit_health(a, "start", "vigil-agent " VIGIL_VERSION);
	agent_flush(a);
	vg_info("running on %s: collector %s, spool %s, PAM socket %s, login enforcement %s, audit %s, "
	        "client certificate %s, capabilities kept: %s",
	        a->cfg.host, a->cfg.collector, a->cfg.spool, a->cfg.socket,
	        a->cfg.policy ? a->cfg.policy : "off",
	        a->cfg.audit == AGENT_AUDIT_NETLINK ? "netlink" : a->cfg.audit == AGENT_AUDIT_STDIN ? "stdin" : "off",
	        a->cfg.certificate ? a->cfg.certificate : "none", agent_caps_describe(keep_audit));

	next_heartbeat = vg_time_mono_ns() + (int64_t)a->cfg.heartbeat_s * 1000000000LL;
	next_tick = vg_time_mono_ns() + 1000000000LL;
	for (;;) {
		fds[FD_SIGNAL] = (struct pollfd){.fd = sig_fd, .events = POLLIN};
		fds[FD_TIMER] = (struct pollfd){.fd = -1};
		fds[FD_PAM] = (struct pollfd){.fd = pam_fd, .events = POLLIN};
		fds[FD_QUERY] = (struct pollfd){.fd = query_fd, .events = POLLIN};
		fds[FD_AUDIT] = (struct pollfd){.fd = audit_fd, .events = POLLIN};
		int64_t now = vg_time_mono_ns();
		int timeout = next_tick > now ? (int)((next_tick - now) / 1000000) + 1 : 0;
		int n = poll(fds, FD_COUNT, timeout);
		if (n < 0 && errno != EINTR) {
			vg_err("poll: %s", strerror(errno));
			break;
		}
		if (n > 0 && (fds[FD_SIGNAL].revents & POLLIN)) {
			struct signalfd_siginfo si;
			if (read(sig_fd, &si, sizeof si) == sizeof si && si.ssi_signo != SIGHUP &&
			    si.ssi_signo != SIGPIPE) {
				vg_info("signal %u: stopping", si.ssi_signo);
				rc = 0;
				break;
			}
			if (si.ssi_signo == SIGHUP && a->cfg.policy) {
				vg_info("SIGHUP: reloading the policy %s", a->cfg.policy);
				agent_query_load_policy(a);
			}
		}
		if (n > 0 && (fds[FD_QUERY].revents & POLLIN))
			agent_query_read(a, query_fd);
		if (n > 0 && (fds[FD_PAM].revents & POLLIN))
			agent_pam_read(a, pam_fd);
		if (n > 0 && audit_fd >= 0 && (fds[FD_AUDIT].revents & (POLLIN | POLLHUP))) {
			if (a->cfg.audit == AGENT_AUDIT_NETLINK) {
				agent_audit_netlink_read(audit, audit_fd);
			} else {
				char buf[65536];
				ssize_t got = read(audit_fd, buf, sizeof buf);
				if (got > 0) {
					agent_audit_feed(audit, buf, (size_t)got);
				} else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
					/* auditd closed our stdin: it is stopping or restarting us. */
					agent_audit_flush(audit);
					vg_info("audit input closed: stopping");
					rc = 0;
					break;
				}
			}
		}
		agent_flush(a);
		now = vg_time_mono_ns();
		if (now >= next_tick) {
			next_tick = now + 1000000000LL;
			if (audit)
				agent_audit_tick(audit);
			report_drops(a);
			agent_report_unspooled(a);
		}
		if (now >= next_heartbeat) {
			char msg[160];
			next_heartbeat = now + (int64_t)a->cfg.heartbeat_s * 1000000000LL;
			snprintf(msg, sizeof msg, "emitted %lld, dropped %lld, shipped %lld in %lld batches",
			         (long long)atomic_load(&a->emitted), (long long)atomic_load(&a->dropped),
			         (long long)atomic_load(&ship.sent), (long long)atomic_load(&ship.batches));
			agent_emit_health(a, "heartbeat", msg);
		}
		agent_flush(a);
	}
	agent_emit_health(a, "stop", rc == 0 ? "clean stop" : "stopping on error");
	agent_flush(a);
	agent_ship_stop(&ship);
out:
	if (audit_fd >= 0 && audit_fd != STDIN_FILENO)
		close(audit_fd);
	agent_audit_free(audit);
	if (pam_fd >= 0) {
		close(pam_fd);
		unlink(a->cfg.socket);
	}
	if (query_fd >= 0) {
		close(query_fd);
		unlink(query_path);
	}
	pol_free(a->policy);
	a->policy = NULL;
	agent_spool_close(a->spool);
	close(sig_fd);
	close(a->wake_fd);
	return rc;
}

int main(int argc, char **argv)
{
	static struct agent a;
	const char *conf = NULL;
	int test, rc;
	char err[512];

	vg_log_init("vigil-agent", VG_LOG_INFO, 0);
	if ((rc = vg_cli_daemon_args(argc, argv, usage, &conf, &test)) >= 0)
		return rc;
	if (agent_config_load(conf, &a.cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	vg_log_init("vigil-agent", (enum vg_log_level)a.cfg.log_level, 0);
	a.pid = getpid();
	a.wake_fd = -1;
	if (optind < argc && strcmp(argv[optind], "enroll") == 0 && optind + 1 == argc)
		rc = enroll(&a.cfg);
	else if (optind < argc) {
		usage(stderr);
		rc = 2;
	} else if (test) {
		rc = 0;
		if (agent_ship_check_tls(&a.cfg, err, sizeof err) < 0) {
			fprintf(stderr, "%s\n", err);
			rc = 1;
		}
		if (rc == 0 && a.cfg.policy) {
			struct pol_policy *p = NULL;
			struct pol_diag diag;
			pol_diag_init(&diag);
			if (pol_load(a.cfg.policy, &p, &diag) < 0)
				rc = 1;
			pol_diag_print(&diag, stderr);
			pol_diag_free(&diag);
			pol_free(p);
		}
		if (rc == 0)
			printf("%s: configuration ok (host %s, collector %s, login enforcement %s)\n", conf,
			       a.cfg.host, a.cfg.collector, a.cfg.policy ? a.cfg.policy : "off");
	} else
		rc = run(&a);
	agent_config_free(&a.cfg);
	return rc;
}
