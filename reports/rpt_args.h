/*
 * rpt_args: the vigil-report command line, parsed and checked into a struct.
 *
 * Everything a person can get wrong on the command line is caught here,
 * before any network traffic, with a message that names the option and the
 * accepted values. Options may come before or after the command. Each
 * command declares which options and formats it takes, so adding a command
 * is one table entry plus its run function.
 */
#ifndef RPT_ARGS_H
#define RPT_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RPT_DEFAULT_COLLECTOR "http://127.0.0.1:8470"
#define RPT_DEFAULT_LIMIT 100
#define RPT_MAX_LIMIT 10000
#define RPT_DEFAULT_TIMEOUT 60
#define RPT_TOKEN_MAX 4096

enum rpt_format { RPT_FORMAT_TEXT, RPT_FORMAT_CSV, RPT_FORMAT_JSON, RPT_FORMAT_HTML };

enum rpt_command { RPT_CMD_NONE, RPT_CMD_ANOMALIES, RPT_CMD_TRIAGE, RPT_CMD_VETTING,
		  RPT_CMD_PERSON, RPT_CMD_RISK, RPT_CMD_SUMMARY, RPT_CMD_SUGGEST };

struct rpt_args {
	bool help;
	enum rpt_command command;
	const char *command_name;

	/* Connection. collector and token are final after rpt_args_resolve. */
	const char *collector;
	const char *token;
	const char *token_file;
	const char *ca_file;
	long timeout_s;

	/* Filters; the *_text fields are what the person typed. */
	bool has_since, has_until;
	int64_t since_ms, until_ms;
	const char *since_text, *until_text;
	const char *severity; /* minimum */
	const char *kind;
	const char *person; /* --person, or the P of `person P` */
	const char *status;
	long limit;
	bool limit_set;     /* --limit was given */

	/* person, risk: --at T (the moment scored), --days N (history length;
	 * 0 = the collector's default) */
	bool has_at;
	int64_t at_ms;
	const char *at_text;
	long days;

	/* triage ID --status S --note N [--assignee A] */
	const char *anomaly_id;
	const char *note;
	const char *assignee;

	/* vetting --due-within DAYS; -1 = the collector's default */
	long due_within;

	enum rpt_format format;

	/* Storage for a token read from --token-file. */
	char token_buf[RPT_TOKEN_MAX + 1];
};

/* Parses argv into *a (zeroed and defaulted first). On a usage error returns
 * -1 with a one-line message in err; returns 0 otherwise, including when
 * --help was given (a->help set, nothing else checked). Uses getopt_long,
 * so it is not thread-safe; argv is left as it was. */
int rpt_args_parse(int argc, char **argv, struct rpt_args *a, char *err, size_t errlen);

/* Fills in what the command line left open: the collector from env_collector
 * ($VIGIL_COLLECTOR) or RPT_DEFAULT_COLLECTOR, the token from --token-file or
 * env_token ($VIGIL_TOKEN); empty environment values count as unset. Checks
 * that a token was found, that it can be sent in an HTTP header and that the
 * --ca file is readable. Returns 0, or -1 with a message in err. */
int rpt_args_resolve(struct rpt_args *a, const char *env_collector, const char *env_token,
		     char *err, size_t errlen);

/* Reads a token from the first line of the file at path into buf (bufsize
 * bytes), dropping the line ending and surrounding blanks. Returns 0, or -1
 * with a message in err (unreadable, empty, or longer than bufsize - 1). */
int rpt_token_read_file(const char *path, char *buf, size_t bufsize, char *err, size_t errlen);

/* Name of a format as typed on the command line ("text", "csv", ...). */
const char *rpt_format_name(enum rpt_format f);

/* Writes the --help text. */
void rpt_args_usage(FILE *out);

#endif
