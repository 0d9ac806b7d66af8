/*
 * rpt_args: vigil-report's command line.
 *
 * getopt_long runs in "return in order" mode, so options are accepted on
 * either side of the command whatever POSIXLY_CORRECT says, and non-option
 * words come back one by one. Each option value is checked as it is read;
 * once the command is known, options it does not take are rejected.
 */
#include "rpt_args.h"
#include "vg_anomaly.h"

#include "rpt_anomaly.h"
#include "rpt_text.h"
#include "vg_time.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Options that belong to commands rather than to the connection. */
enum {
	OPT_SINCE = 1 << 0,
	OPT_UNTIL = 1 << 1,
	OPT_SEVERITY = 1 << 2,
	OPT_KIND = 1 << 3,
	OPT_PERSON = 1 << 4,
	OPT_STATUS = 1 << 5,
	OPT_LIMIT = 1 << 6,
	OPT_FORMAT = 1 << 7,
	OPT_NOTE = 1 << 8,
	OPT_ASSIGNEE = 1 << 9,
	OPT_DUE_WITHIN = 1 << 10,
	OPT_AT = 1 << 11,
	OPT_DAYS = 1 << 12,
};

/* getopt_long codes for options without a short form. */
enum {
	KEY_COLLECTOR = 256,
	KEY_TOKEN,
	KEY_TOKEN_FILE,
	KEY_CA,
	KEY_TIMEOUT,
	KEY_SINCE,
	KEY_UNTIL,
	KEY_SEVERITY,
	KEY_KIND,
	KEY_PERSON,
	KEY_STATUS,
	KEY_LIMIT,
	KEY_FORMAT,
	KEY_NOTE,
	KEY_ASSIGNEE,
	KEY_DUE_WITHIN,
	KEY_AT,
	KEY_DAYS,
};

#define FMT_BIT(f) (1u << (f))

struct command_spec {
	const char *name;
	enum rpt_command command;
	unsigned options; /* OPT_* it accepts */
	unsigned formats; /* FMT_BIT(RPT_FORMAT_*) it can render */
};

#define ALL_FORMATS                                                                        \
	(FMT_BIT(RPT_FORMAT_TEXT) | FMT_BIT(RPT_FORMAT_CSV) | FMT_BIT(RPT_FORMAT_JSON) |   \
	 FMT_BIT(RPT_FORMAT_HTML))

static const struct command_spec commands[] = {
	{"anomalies", RPT_CMD_ANOMALIES,
	 OPT_SINCE | OPT_UNTIL | OPT_SEVERITY | OPT_KIND | OPT_PERSON | OPT_STATUS | OPT_LIMIT |
		 OPT_FORMAT,
	 ALL_FORMATS},
	{"person", RPT_CMD_PERSON, OPT_AT | OPT_DAYS | OPT_LIMIT | OPT_FORMAT, ALL_FORMATS},
	{"risk", RPT_CMD_RISK, OPT_PERSON | OPT_AT | OPT_DAYS | OPT_LIMIT | OPT_FORMAT, ALL_FORMATS},
	{"summary", RPT_CMD_SUMMARY, OPT_SINCE | OPT_UNTIL | OPT_LIMIT | OPT_FORMAT, ALL_FORMATS},
	{"suggest", RPT_CMD_SUGGEST, OPT_SINCE | OPT_UNTIL | OPT_FORMAT,
	 FMT_BIT(RPT_FORMAT_TEXT) | FMT_BIT(RPT_FORMAT_CSV) | FMT_BIT(RPT_FORMAT_JSON)},
	{"triage", RPT_CMD_TRIAGE, OPT_STATUS | OPT_NOTE | OPT_ASSIGNEE | OPT_FORMAT, ALL_FORMATS},
	{"vetting", RPT_CMD_VETTING, OPT_DUE_WITHIN | OPT_FORMAT, ALL_FORMATS},
};

#define COMMAND_LIST "anomalies, person, risk, suggest, summary, triage, vetting"

static const struct {
	const char *name;
	enum rpt_format format;
} formats[] = {
	{"text", RPT_FORMAT_TEXT},
	{"csv", RPT_FORMAT_CSV},
	{"json", RPT_FORMAT_JSON},
	{"html", RPT_FORMAT_HTML},
};

static const struct option long_options[] = {
	{"help", no_argument, NULL, 'h'},
	{"collector", required_argument, NULL, KEY_COLLECTOR},
	{"token", required_argument, NULL, KEY_TOKEN},
	{"token-file", required_argument, NULL, KEY_TOKEN_FILE},
	{"ca", required_argument, NULL, KEY_CA},
	{"timeout", required_argument, NULL, KEY_TIMEOUT},
	{"since", required_argument, NULL, KEY_SINCE},
	{"until", required_argument, NULL, KEY_UNTIL},
	{"severity", required_argument, NULL, KEY_SEVERITY},
	{"kind", required_argument, NULL, KEY_KIND},
	{"person", required_argument, NULL, KEY_PERSON},
	{"status", required_argument, NULL, KEY_STATUS},
	{"limit", required_argument, NULL, KEY_LIMIT},
	{"format", required_argument, NULL, KEY_FORMAT},
	{"note", required_argument, NULL, KEY_NOTE},
	{"assignee", required_argument, NULL, KEY_ASSIGNEE},
	{"due-within", required_argument, NULL, KEY_DUE_WITHIN},
	{"at", required_argument, NULL, KEY_AT},
	{"days", required_argument, NULL, KEY_DAYS},
	{NULL, 0, NULL, 0},
};

/* The OPT_* bit of a command option's getopt key, 0 for connection ones. */
static unsigned option_bit(int key)
{
	switch (key) {
	case KEY_SINCE: return OPT_SINCE;
	case KEY_UNTIL: return OPT_UNTIL;
	case KEY_SEVERITY: return OPT_SEVERITY;
	case KEY_KIND: return OPT_KIND;
	case KEY_PERSON: return OPT_PERSON;
	case KEY_STATUS: return OPT_STATUS;
	case KEY_LIMIT: return OPT_LIMIT;
	case KEY_FORMAT: return OPT_FORMAT;
	case KEY_NOTE: return OPT_NOTE;
	case KEY_ASSIGNEE: return OPT_ASSIGNEE;
	case KEY_DUE_WITHIN: return OPT_DUE_WITHIN;
	case KEY_AT: return OPT_AT;
	case KEY_DAYS: return OPT_DAYS;
	default: return 0;
	}
}

static const char *option_name_of_bit(unsigned bit)
{
	for (const struct option *o = long_options; o->name; o++)
		if (option_bit(o->val) == bit)
			return o->name;
	return "?";
}

const char *rpt_format_name(enum rpt_format f)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (formats[i].format == f)
			return formats[i].name;
	return "?";
}

/* Parses a whole decimal number in [lo, hi]. Returns 0 or -1. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	if (!*s || *s == '+' || *s == ' ')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_time_option(const char *opt, const char *s, int64_t *ms, char *err,
			     size_t errlen)
{
	if (vg_time_parse_loose(s, ms) < 0)
		return vg_errf(err, errlen,
			    "--%s: '%s' is not a time (use YYYY-MM-DD or "
			    "YYYY-MM-DDTHH:MM[:SS[.mmm]]Z, UTC)",
			    opt, s);
	return 0;
}

static int parse_format(const char *s, enum rpt_format *f, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		if (strcmp(s, formats[i].name) == 0) {
			*f = formats[i].format;
			return 0;
		}
	}
	return vg_errf(err, errlen, "--format: '%s' is not a format (text, csv, json, html)", s);
}

static int require_value(const char *opt, const char *s, char *err, size_t errlen)
{
	if (!*s)
		return vg_errf(err, errlen, "--%s needs a non-empty value", opt);
	return 0;
}

/* Applies one option; returns 0 or -1 with a message. */
static int apply_option(struct rpt_args *a, int key, const char *v, char *err, size_t errlen)
{
	char names[512];

	switch (key) {
	case KEY_COLLECTOR:
		a->collector = v;
		return require_value("collector", v, err, errlen);
	case KEY_TOKEN:
		a->token = v;
		return require_value("token", v, err, errlen);
	case KEY_TOKEN_FILE:
		a->token_file = v;
		return require_value("token-file", v, err, errlen);
	case KEY_CA:
		a->ca_file = v;
		return require_value("ca", v, err, errlen);
	case KEY_TIMEOUT:
		if (parse_long(v, 1, 3600, &a->timeout_s) < 0)
			return vg_errf(err, errlen, "--timeout: '%s' is not a number of seconds "
				    "from 1 to 3600", v);
		return 0;
	case KEY_SINCE:
		a->has_since = true;
		a->since_text = v;
		return parse_time_option("since", v, &a->since_ms, err, errlen);
	case KEY_UNTIL:
		a->has_until = true;
		a->until_text = v;
		return parse_time_option("until", v, &a->until_ms, err, errlen);
	case KEY_SEVERITY:
		a->severity = v;
		if (rpt_severity_rank(v) < 0)
			return vg_errf(err, errlen, "--severity: '%s' is not a severity (%s)", v,
				    vg_names_join(vg_severity_names, VG_SEV_COUNT, names, sizeof names));
		return 0;
	case KEY_KIND:
		a->kind = v;
		if (!rpt_anomaly_kind_known(v))
			return vg_errf(err, errlen, "--kind: '%s' is not an anomaly kind (%s)", v,
				    vg_names_join(vg_akind_names, VG_AK_COUNT, names, sizeof names));
		return 0;
	case KEY_PERSON:
		a->person = v;
		return require_value("person", v, err, errlen);
	case KEY_STATUS:
		a->status = v;
		if (!rpt_anomaly_status_known(v))
			return vg_errf(err, errlen, "--status: '%s' is not a status (%s)", v,
				    vg_names_join(vg_status_names, VG_STATUS_COUNT, names, sizeof names));
		return 0;
	case KEY_LIMIT:
		if (parse_long(v, 1, RPT_MAX_LIMIT, &a->limit) < 0)
			return vg_errf(err, errlen, "--limit: '%s' is not a number from 1 to %d", v,
				    RPT_MAX_LIMIT);
		a->limit_set = true;
		return 0;
	case KEY_AT:
		a->has_at = true;
		a->at_text = v;
		return parse_time_option("at", v, &a->at_ms, err, errlen);
	case KEY_DAYS:
		if (parse_long(v, 1, 366, &a->days) < 0)
			return vg_errf(err, errlen, "--days: '%s' is not a number of days from 1 to 366", v);
		return 0;
	case KEY_FORMAT:
		return parse_format(v, &a->format, err, errlen);
	case KEY_NOTE:
		a->note = v;
		return require_value("note", v, err, errlen);
	case KEY_ASSIGNEE:
		a->assignee = v;
		return require_value("assignee", v, err, errlen);
	case KEY_DUE_WITHIN:
		if (parse_long(v, 0, 3650, &a->due_within) < 0)
			return vg_errf(err, errlen, "--due-within: '%s' is not a number of days from 0 to 3650", v);
		return 0;
	default:
		return vg_errf(err, errlen, "internal error: option %d", key);
	}
}

static const struct command_spec *find_command(const char *name)
{
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

/* Takes a non-option word: the command, or a surplus argument. */
static int apply_word(struct rpt_args *a, const char *word, const struct command_spec **spec,
		      char *err, size_t errlen)
{
	if (*spec && (*spec)->command == RPT_CMD_PERSON && !a->person) {
		if (!*word || strlen(word) > 255 || strpbrk(word, "/ \t\r\n"))
			return vg_errf(err, errlen, "person: '%s' is not a person id", word);
		a->person = word;
		return 0;
	}
	if (*spec && (*spec)->command == RPT_CMD_TRIAGE && !a->anomaly_id) {
		if (!*word || strspn(word, "0123456789") != strlen(word) || word[0] == '0' ||
		    strlen(word) > 18)
			return vg_errf(err, errlen, "triage: '%s' is not an anomaly id", word);
		a->anomaly_id = word;
		return 0;
	}
	if (*spec)
		return vg_errf(err, errlen, "unexpected argument '%s' after command '%s'", word,
			    (*spec)->name);
	*spec = find_command(word);
	if (!*spec)
		return vg_errf(err, errlen, "unknown command '%s' (commands: " COMMAND_LIST ")", word);
	a->command = (*spec)->command;
	a->command_name = (*spec)->name;
	return 0;
}

/* Checks what only makes sense once all options and the command are known. */
static int check_combination(const struct rpt_args *a, const struct command_spec *spec,
			     unsigned seen, char *err, size_t errlen)
{
	unsigned extra;

	if (!spec)
		return vg_errf(err, errlen, "no command given (commands: " COMMAND_LIST ")");
	extra = seen & ~spec->options;
	if (extra)
		return vg_errf(err, errlen, "command '%s' does not take --%s", spec->name,
			    option_name_of_bit(extra & -extra));
	if (!(spec->formats & FMT_BIT(a->format)))
		return vg_errf(err, errlen, "command '%s' cannot write format '%s' yet", spec->name,
			    rpt_format_name(a->format));
	if (a->token && a->token_file)
		return vg_errf(err, errlen, "give either --token or --token-file, not both");
	if (spec->command == RPT_CMD_PERSON && !a->person)
		return vg_errf(err, errlen, "person needs a person id, e.g. 'person p1001'");
	if (spec->command == RPT_CMD_TRIAGE && (!a->anomaly_id || !a->status || !a->note))
		return vg_errf(err, errlen, "triage needs an anomaly id, --status and --note");
	if (a->has_since && a->has_until && a->since_ms > a->until_ms)
		return vg_errf(err, errlen, "--since %s is later than --until %s", a->since_text,
			    a->until_text);
	return 0;
}

int rpt_args_parse(int argc, char **argv, struct rpt_args *a, char *err, size_t errlen)
{
	const struct command_spec *spec = NULL;
	unsigned seen = 0;
	int key;

	memset(a, 0, sizeof *a);
	a->limit = RPT_DEFAULT_LIMIT;
	a->timeout_s = RPT_DEFAULT_TIMEOUT;
	a->format = RPT_FORMAT_TEXT;
	a->due_within = -1;

	optind = 0; /* full re-initialisation, so the parser can run twice */
	opterr = 0;
	while ((key = getopt_long(argc, argv, "-:h", long_options, NULL)) != -1) {
		switch (key) {
		case 'h':
			a->help = true;
			return 0;
		case 1:
			if (apply_word(a, optarg, &spec, err, errlen) < 0)
				return -1;
			break;
		case ':':
			return vg_errf(err, errlen, "option '%s' needs a value", argv[optind - 1]);
		case '?':
			if (optopt)
				return vg_errf(err, errlen, "unknown option '-%c'", optopt);
			return vg_errf(err, errlen, "unknown option '%s'", argv[optind - 1]);
		default:
			seen |= option_bit(key);
			if (apply_option(a, key, optarg, err, errlen) < 0)
				return -1;
		}
	}
	for (; optind < argc; optind++) /* words after "--" */
		if (apply_word(a, argv[optind], &spec, err, errlen) < 0)
			return -1;
	return check_combination(a, spec, seen, err, errlen);
}

int rpt_token_read_file(const char *path, char *buf, size_t bufsize, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	size_t n, start = 0;
	char *nl;

	if (!f)
		return vg_errf(err, errlen, "--token-file %s: %s", path, strerror(errno));
	n = fread(buf, 1, bufsize - 1, f);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		return vg_errf(err, errlen, "--token-file %s: %s", path, strerror(e));
	}
	fclose(f);
	buf[n] = '\0';
	nl = memchr(buf, '\n', n);
	if (nl)
		*nl = '\0';
	else if (n == bufsize - 1)
		return vg_errf(err, errlen, "--token-file %s: first line is longer than %zu bytes",
			    path, bufsize - 2);
	n = strlen(buf);
	while (n && (buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		buf[--n] = '\0';
	while (buf[start] == ' ' || buf[start] == '\t')
		start++;
	memmove(buf, buf + start, n - start + 1);
	if (!buf[0])
		return vg_errf(err, errlen, "--token-file %s: no token on the first line", path);
	return 0;
}

/* A bearer token goes into a header line verbatim: visible ASCII only. */
static bool token_is_header_safe(const char *t)
{
	for (; *t; t++)
		if (*t < 0x21 || *t > 0x7e)
			return false;
	return true;
}

int rpt_args_resolve(struct rpt_args *a, const char *env_collector, const char *env_token,
		     char *err, size_t errlen)
{
	const char *token_source = "--token";

	if (!a->collector)
		a->collector = env_collector && *env_collector ? env_collector
							       : RPT_DEFAULT_COLLECTOR;
	if (a->token_file) {
		if (rpt_token_read_file(a->token_file, a->token_buf, sizeof a->token_buf, err,
					errlen) < 0)
			return -1;
		a->token = a->token_buf;
		token_source = "--token-file";
	} else if (!a->token && env_token && *env_token) {
		a->token = env_token;
		token_source = "$VIGIL_TOKEN";
	}
	if (!a->token)
		return vg_errf(err, errlen, "no officer token: give --token-file FILE or set "
			    "$VIGIL_TOKEN (or --token T, which other users can see in ps)");
	if (!token_is_header_safe(a->token))
		return vg_errf(err, errlen, "the token from %s contains spaces or control "
			    "characters; it cannot be sent", token_source);
	if (a->ca_file && access(a->ca_file, R_OK) < 0)
		return vg_errf(err, errlen, "--ca %s: %s", a->ca_file, strerror(errno));
	return 0;
}

void rpt_args_usage(FILE *out)
{
	char sev[128], st[128];

	fprintf(out,
		"usage: vigil-report [connection options] COMMAND [options]\n"
		"\n"
		"Reports from a vigil collector for security officers.\n"
		"\n"
		"Commands:\n"
		"  anomalies            list anomalies, newest first\n"
		"  person P             the dossier of person P: clearance, compartments, hosts\n"
		"                       used, hour-of-week activity, anomalies, risk trend\n"
		"  risk                 persons ranked by risk, with their top anomalies and trend\n"
		"  suggest              suppression rules that would cover incidents marked\n"
		"                       false_positive twice or more (--since, --until)\n"
		"  summary              a period digest: anomalies by kind and severity, top\n"
		"                       persons, new first accesses, agent health\n"
		"  triage ID            record a triage step: --status S --note TEXT [--assignee A]\n"
		"  vetting              lapsed, suspended and interim clearances, reviews due,\n"
		"                       expiring exceptions (--due-within DAYS, default 90)\n"
		"\n"
		"Connection options:\n"
		"  --collector URL      collector base URL (default $VIGIL_COLLECTOR, else\n"
		"                       %s); plain http only to loopback\n"
		"  --token-file FILE    read the officer token from the first line of FILE\n"
		"  --token T            officer token (default $VIGIL_TOKEN); visible in ps,\n"
		"                       prefer --token-file or $VIGIL_TOKEN\n"
		"  --ca FILE            CA certificate(s) to verify an https collector\n"
		"  --timeout SEC        give up on the collector after SEC seconds (default %d)\n"
		"\n"
		"anomalies options:\n"
		"  --since T, --until T time range, UTC: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS]Z\n"
		"  --severity S         minimum severity: %s\n"
		"  --kind K             one anomaly kind, e.g. clearance_exceeded, need_to_know\n"
		"  --person P           one person id\n"
		"  --status S           %s\n"
		"  --limit N            at most N anomalies, 1 to %d (default %d)\n"
		"\n"
		"person and risk options:\n"
		"  --at T               score as of T (default: the newest event stored)\n"
		"  --days N             days of risk history, 1 to 366 (default 30)\n"
		"  --limit N            anomalies listed (person) or persons ranked (risk)\n"
		"  --person P           risk: only this person\n"
		"\n"
		"summary options:\n"
		"  --since T, --until T the period (default: the 7 days up to the newest event)\n"
		"  --limit N            persons in the risk list (default 10)\n"
		"\n"
		"Every command takes --format text (default), csv, json or html (one\n"
		"self-contained page with charts, for a browser or printing to PDF);\n"
		"suggest takes text, csv or json.\n"
		"\n"
		"triage options (officer or admin token):\n"
		"  --status S           the anomaly's new status (as above)\n"
		"  --note TEXT          why (required; kept in the anomaly's history)\n"
		"  --assignee NAME      who works on it (default: unchanged)\n"
		"  output: the anomaly's new state (text), its history (csv), the anomaly with\n"
		"  its history (json, html)\n"
		"\n"
		"Text output is coloured on a terminal unless NO_COLOR is set.\n"
		"Exit status: 0 success, 1 collector, network or output error, 2 usage error.\n",
		RPT_DEFAULT_COLLECTOR, RPT_DEFAULT_TIMEOUT,
		vg_names_join(vg_severity_names, VG_SEV_COUNT, sev, sizeof sev),
		vg_names_join(vg_status_names, VG_STATUS_COUNT, st, sizeof st),
		RPT_MAX_LIMIT, RPT_DEFAULT_LIMIT);
}
