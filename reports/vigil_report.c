/*
 * vigil-report: reports from the collector for security officers.
 *
 * main only wires the pieces: rpt_args checks the command line, rpt_client
 * talks to the collector, one run function per command fetches and renders.
 * Exit status: 0 success, 1 collector, network or output error, 2 usage.
 */
#include "rpt_anomaly.h"
#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_person.h"
#include "rpt_render.h"
#include "rpt_risk.h"
#include "rpt_suggest.h"
#include "rpt_summary.h"
#include "rpt_text.h"
#include "rpt_triage.h"
#include "rpt_vetting.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <curl/curl.h>

enum { EXIT_FAILED = 1, EXIT_USAGE = 2 };

typedef int (*command_run_fn)(struct rpt_client *c, const struct rpt_args *a,
			      const struct rpt_render_opts *ro, FILE *out, char *err,
			      size_t errlen);

static const struct {
	enum rpt_command command;
	command_run_fn run;
} command_runs[] = {
	{RPT_CMD_ANOMALIES, rpt_anomalies_run},
	{RPT_CMD_TRIAGE, rpt_triage_run},
	{RPT_CMD_VETTING, rpt_vetting_run},
	{RPT_CMD_PERSON, rpt_person_run},
	{RPT_CMD_RISK, rpt_risk_run},
	{RPT_CMD_SUMMARY, rpt_summary_run},
	{RPT_CMD_SUGGEST, rpt_suggest_run},
};

/* Messages may quote the collector or the command line; both go through
 * the sanitizer so stderr is as safe as stdout. */
static void print_error(const char *msg)
{
	char *safe = rpt_text_sanitize(msg, strlen(msg));

	fprintf(stderr, "vigil-report: %s\n", safe ? safe : msg);
	free(safe);
}

static int usage_error(const char *msg)
{
	print_error(msg);
	fputs("Try 'vigil-report --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

/* Text tables use the terminal's width when there is one. */
static size_t output_width(void)
{
	struct winsize ws;

	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return RPT_TEXT_WIDTH;
}

static command_run_fn find_run(enum rpt_command command)
{
	for (size_t i = 0; i < sizeof command_runs / sizeof command_runs[0]; i++)
		if (command_runs[i].command == command)
			return command_runs[i].run;
	return NULL;
}

static int run_command(const struct rpt_args *a)
{
	struct rpt_client_opts co = {
		.base_url = a->collector,
		.token = a->token,
		.ca_file = a->ca_file,
		.timeout_s = a->timeout_s,
	};
	struct rpt_render_opts ro = {
		.width = output_width(),
		.color = rpt_text_want_color(stdout, getenv("NO_COLOR")),
		.limit = a->limit,
	};
	command_run_fn run = find_run(a->command);
	struct rpt_client *c;
	enum rpt_client_status st;
	char err[1024];
	int rc;

	if (!run)
		return usage_error("unknown command");
	st = rpt_client_new(&co, &c, err, sizeof err);
	if (st == RPT_CLIENT_CONFIG)
		return usage_error(err);
	if (st != RPT_CLIENT_OK) {
		print_error(err);
		return EXIT_FAILED;
	}
	rc = run(c, a, &ro, stdout, err, sizeof err);
	rpt_client_free(c);
	if (rc < 0) {
		print_error(err);
		return EXIT_FAILED;
	}
	return EXIT_SUCCESS;
}

int main(int argc, char **argv)
{
	static struct rpt_args a; /* holds a token buffer; keep it off the stack */
	char err[1024];
	int rc;

	if (rpt_args_parse(argc, argv, &a, err, sizeof err) < 0)
		return usage_error(err);
	if (a.help) {
		rpt_args_usage(stdout);
		return fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILED;
	}
	if (rpt_args_resolve(&a, getenv("VIGIL_COLLECTOR"), getenv("VIGIL_TOKEN"), err,
			     sizeof err) < 0)
		return usage_error(err);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		print_error("cannot initialise libcurl");
		return EXIT_FAILED;
	}
	rc = run_command(&a);
	curl_global_cleanup();

	if (fflush(stdout) != 0 || ferror(stdout)) {
		snprintf(err, sizeof err, "cannot write the report: %s", strerror(errno));
		print_error(err);
		return EXIT_FAILED;
	}
	return rc;
}
