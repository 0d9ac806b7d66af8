/*
 * vigil-collector: receives events from agents, stores them, decides them
 * against policy and records anomalies; serves the officer API.
 *
 *   vigil-collector -c FILE                 run in the foreground
 *   vigil-collector -c FILE -t              validate configuration and policy
 *   vigil-collector -c FILE agent|officer add|rotate|revoke|list ...   (col_admin.h)
 *   vigil-collector -c FILE ca init|issue ...   the vigil CA (col_ca.h)
 *   vigil-collector -c FILE officer passwd NAME   dashboard password, on stdin
 *   vigil-collector -c FILE export events|anomalies [--since T] [--until T] [--out FILE]
 *   vigil-collector -c FILE verify [--anchor BLOCK:HASH]... [--anchors LOG]...
 */
#include "col_admin.h"
#include "col_alert.h"
#include "col_anchor.h"
#include "col_chain.h"
#include "col_export.h"
#include "col_found.h"
#include "col_privs.h"
#include "col_server.h"
#include "col_web_auth.h"
#include "pol.h"
#include "vg_cli.h"
#include "vg_log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil-collector -c FILE [-t]\n");
	col_admin_usage(f);
	fprintf(f, "       vigil-collector -c FILE officer passwd NAME   (new password on stdin)\n"
	           "       vigil-collector -c FILE export events|anomalies [--since T] [--until T] [--out FILE]\n"
	           "       vigil-collector -c FILE verify [--anchor BLOCK:HASH]... [--anchors LOG]...\n");
}

/* Loads the policy named in the configuration, printing every diagnostic.
 * The parse runs in a child process so that libconfig's tree (about ten
 * times the file's size) never counts against the collector's memory. */
static struct pol_policy *load_policy(const char *path)
{
	struct pol_diag diag;
	struct pol_policy *p = NULL;

	pol_diag_init(&diag);
	int rc = pol_load_isolated(path, &p, &diag);
	for (size_t i = 0; i < diag.n; i++)
		vg_log(diag.items[i].level == POL_DIAG_ERROR ? VG_LOG_ERR : VG_LOG_WARN, "%s",
		       diag.items[i].text);
	pol_diag_free(&diag);
	return rc == 0 ? p : NULL;
}

static int validate(struct col_config *cfg)
{
	char err[512];
	if (col_http_check_tls(cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s: tls: %s\n", cfg->path, err);
		return 1;
	}
	/* Whom it would run as, and whether that user can keep the database. */
	struct col_runas ra;
	if (col_privs_resolve(cfg, &ra, err, sizeof err) < 0 ||
	    col_privs_check_database(cfg, &ra, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (ra.note)
		fprintf(stderr, "%s: warning: %s\n", cfg->path, ra.note);
	struct pol_policy *p = load_policy(cfg->policy);
	if (!p) {
		fprintf(stderr, "%s: policy %s has errors\n", cfg->path, cfg->policy);
		return 1;
	}
	printf("%s: configuration ok; policy %s serial %lld: %zu persons, %zu resources\n", cfg->path,
	       pol_id(p), pol_serial(p), pol_person_count(p), pol_resource_count(p));
	pol_free(p);
	return 0;
}

static void reload_policy(struct col_server *srv)
{
	struct col_policy_summary sum;
	struct pol_diag diag;
	pol_diag_init(&diag);
	col_policy_reload(&srv->policy, srv->cfg.policy, &diag, &sum);
	pol_diag_free(&diag);
}

static int run(struct col_server *srv)
{
	char err[512];
	sigset_t set;
	int sig, rc = 1;

	/* Signals are taken synchronously by this thread only. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* What needs root (the TLS keys, a privileged port) comes first; then
	 * the collector becomes its own user before it touches the database or
	 * the policy or starts a thread (col_privs.h). */
	struct col_runas ra;
	if (col_http_bind(srv, err, sizeof err) < 0) {
		vg_err("%s", err);
		return 1;
	}
	if (col_privs_resolve(&srv->cfg, &ra, err, sizeof err) < 0 ||
	    col_privs_check_database(&srv->cfg, &ra, err, sizeof err) < 0 ||
	    col_privs_drop(&ra, err, sizeof err) < 0) {
		vg_err("%s; not starting", err);
		col_http_stop(srv);
		return 1;
	}
	if (ra.drop)
		vg_info("running as user %s (uid %u, gid %u)", ra.name, (unsigned)ra.uid, (unsigned)ra.gid);
	else if (ra.note)
		vg_warn("%s", ra.note);

	struct pol_policy *p = load_policy(srv->cfg.policy);
	if (!p) {
		vg_err("%s: policy %s has errors; not starting", srv->cfg.path, srv->cfg.policy);
		col_http_stop(srv);
		return 1;
	}
	if (col_policy_slot_init(&srv->policy) < 0 || col_policy_install(&srv->policy, p) < 0) {
		pol_free(p);
		vg_err("out of memory");
		col_http_stop(srv);
		return 1;
	}
	if (!(srv->store = col_store_sqlite_open(srv->cfg.database, err, sizeof err))) {
		vg_err("%s", err);
		goto out;
	}
	if (col_anchor_start(srv, err, sizeof err) < 0) {
		vg_err("%s", err);
		goto out;
	}
	if (col_alert_start(srv, err, sizeof err) < 0) {
		vg_err("%s", err);
		goto out;
	}
	if (col_found_start(srv, err, sizeof err) < 0) {
		vg_err("%s", err);
		goto out;
	}
	if (col_http_start(srv, err, sizeof err) < 0) {
		vg_err("%s", err);
		goto out;
	}
	vg_info("listening on %s:%d; database %s; policy %s serial %lld (%zu persons, %zu resources)",
	        srv->cfg.listen_host, srv->port, srv->cfg.database, pol_id(p), pol_serial(p),
	        pol_person_count(p), pol_resource_count(p));
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			reload_policy(srv);
			continue;
		}
		vg_info("signal %d: stopping", sig);
		break;
	}
	rc = 0;
out:
	col_http_stop(srv);
	col_found_stop(srv);
	col_alert_stop(srv);
	col_anchor_stop(srv);
	col_store_close(srv->store);
	col_policy_slot_destroy(&srv->policy);
	return rc;
}

int main(int argc, char **argv)
{
	static struct col_server srv;
	const char *conf = NULL;
	int test, rc;
	char err[512];

	vg_log_init("vigil-collector", VG_LOG_INFO, 0);
	if ((rc = vg_cli_daemon_args(argc, argv, usage, &conf, &test)) >= 0)
		return rc;
	if (col_config_load(conf, &srv.cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	vg_log_init("vigil-collector", (enum vg_log_level)srv.cfg.log_level, 0);
	if (optind < argc && strcmp(argv[optind], "verify") == 0)
		rc = col_chain_verify_main(srv.cfg.database, argc - optind, argv + optind);
	else if (optind < argc && strcmp(argv[optind], "export") == 0)
		rc = col_export_main(&srv.cfg, argc - optind, argv + optind);
	else if (optind + 1 < argc && strcmp(argv[optind], "officer") == 0 &&
	         strcmp(argv[optind + 1], "passwd") == 0)
		rc = col_web_passwd_main(&srv.cfg, argc - optind, argv + optind);
	else if (optind < argc)
		rc = col_admin_main(&srv.cfg, argc - optind, argv + optind);
	else if (test)
		rc = validate(&srv.cfg);
	else
		rc = run(&srv);
	col_config_free(&srv.cfg);
	return rc;
}
