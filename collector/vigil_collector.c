/*
 * vigil-collector: receives events from agents, stores them, decides them
 * against policy and records anomalies; serves the officer API.
 *
 *   vigil-collector -c FILE                 run in the foreground
 *   vigil-collector -c FILE -t              validate configuration and policy
 *   vigil-collector -c FILE agent add HOST  enrol an agent, print its token
 *   vigil-collector -c FILE officer add NAME --role ROLE
 */
#include "col_server.h"
#include "pol.h"
#include "vg_cli.h"
#include "vg_log.h"
#include "vg_token.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fprintf(f, "usage: vigil-collector -c FILE [-t]\n"
	           "       vigil-collector -c FILE agent add HOST\n"
	           "       vigil-collector -c FILE officer add NAME --role officer|policy|auditor|admin\n");
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

static int enrol(struct col_config *cfg, int argc, char **argv)
{
	char err[512], token[VG_TOKEN_HEX_LEN + 1], hash[VG_TOKEN_HEX_LEN + 1];
	int64_t id;
	int rc;
	int role = -1;

	if (argc < 3 || strcmp(argv[1], "add") != 0) {
		usage(stderr);
		return 2;
	}
	int is_agent = strcmp(argv[0], "agent") == 0;
	if (!is_agent) {
		if (strcmp(argv[0], "officer") != 0 || argc != 5 || strcmp(argv[3], "--role") != 0) {
			usage(stderr);
			return 2;
		}
		if ((role = col_role_parse(argv[4])) < 0) {
			fprintf(stderr, "vigil-collector: unknown role '%s' (officer, policy, auditor, admin)\n",
			        argv[4]);
			return 2;
		}
	} else if (argc != 3) {
		usage(stderr);
		return 2;
	}
	if (strlen(argv[2]) == 0 || strlen(argv[2]) > 255) {
		fprintf(stderr, "vigil-collector: name must be 1..255 characters\n");
		return 2;
	}
	struct col_store *st = col_store_sqlite_open(cfg->database, err, sizeof err);
	if (!st) {
		fprintf(stderr, "vigil-collector: %s\n", err);
		return 1;
	}
	if (vg_token_new(token) < 0 || vg_sha256_hex(token, strlen(token), hash) < 0) {
		fprintf(stderr, "vigil-collector: cannot generate a token\n");
		col_store_close(st);
		return 1;
	}
	rc = is_agent ? col_store_agent_add(st, argv[2], hash, &id)
	              : col_store_officer_add(st, argv[2], (enum col_role)role, hash, &id);
	if (rc < 0) {
		fprintf(stderr, "vigil-collector: %s\n", col_store_error(st));
		col_store_close(st);
		return 1;
	}
	col_store_close(st);
	printf("%s\n", token);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int validate(struct col_config *cfg)
{
	char err[512];
	if (col_http_check_tls(cfg, err, sizeof err) < 0) {
		fprintf(stderr, "%s: tls: %s\n", cfg->path, err);
		return 1;
	}
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

	struct pol_policy *p = load_policy(srv->cfg.policy);
	if (!p) {
		vg_err("%s: policy %s has errors; not starting", srv->cfg.path, srv->cfg.policy);
		return 1;
	}
	if (col_policy_slot_init(&srv->policy) < 0 || col_policy_install(&srv->policy, p) < 0) {
		pol_free(p);
		vg_err("out of memory");
		return 1;
	}
	if (!(srv->store = col_store_sqlite_open(srv->cfg.database, err, sizeof err))) {
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
	if (optind < argc)
		rc = enrol(&srv.cfg, argc - optind, argv + optind);
	else if (test)
		rc = validate(&srv.cfg);
	else
		rc = run(&srv);
	col_config_free(&srv.cfg);
	return rc;
}
