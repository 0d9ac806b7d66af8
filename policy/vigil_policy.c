/*
 * vigil-policy: the policy author's tool.
 *
 *   vigil-policy check POLICY [--now T]
 *   vigil-policy explain POLICY (--person P | --account A) [--path F] [--host H]
 *                [--time T] [--action A] [--service S] [--json]
 *   vigil-policy test POLICY CASES
 *
 * check prints every error and warning as "file:line: message" on stderr and
 * a summary line "POLICY: N errors, M warnings" on stdout. explain shows one
 * decision with a sentence per reason. test runs decision cases written in
 * libconfig (see docs/policy.md) and prints "ok" or "FAIL" per case.
 *
 * Exit status: 0 success (check: no errors; test: every case passed;
 * explain: a decision was made, allowed or not), 1 policy errors or failed
 * cases, 2 usage errors.
 */
#include "pol.h"
#include "vg_time.h"

#include <jansson.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_USAGE 2

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: vigil-policy check POLICY [--now TIME]\n"
	        "       vigil-policy explain POLICY (--person ID | --account NAME) [--path FILE]\n"
	        "                    [--host HOST] [--time TIME] [--action ACTION]\n"
	        "                    [--service SERVICE] [--json]\n"
	        "       vigil-policy test POLICY CASES\n"
	        "TIME is YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]]Z (UTC).\n"
	        "ACTION is login, read, write, exec, attr, privilege, media or other.\n");
}

static const char *plural(size_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* Loads a policy, printing its diagnostics to stderr: all of them for
 * check, only when the load fails for explain and test. */
static struct pol_policy *load_policy(const char *path, int64_t now, struct pol_diag *diag,
                                      bool always_print)
{
	struct pol_policy *p = NULL;
	pol_diag_init(diag);
	pol_load_at(path, now, &p, diag);
	if (always_print || !p)
		pol_diag_print(diag, stderr);
	return p;
}

/* ---- check -------------------------------------------------------------- */

static int cmd_check(int argc, char **argv)
{
	struct pol_diag diag;
	struct pol_policy *p;
	int64_t now = vg_time_now();
	int rc;

	if (argc == 4 && strcmp(argv[2], "--now") == 0) {
		if (vg_time_parse_loose(argv[3], &now) < 0) {
			fprintf(stderr, "vigil-policy: invalid time '%s'\n", argv[3]);
			return EXIT_USAGE;
		}
	} else if (argc != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	p = load_policy(argv[1], now, &diag, true);
	printf("%s: %zu %s, %zu %s\n", argv[1], diag.errors, plural(diag.errors, "error", "errors"),
	       diag.warnings, plural(diag.warnings, "warning", "warnings"));
	rc = p ? 0 : 1;
	pol_free(p);
	pol_diag_free(&diag);
	return rc;
}

/* ---- Requests from the command line or a case file ---------------------- */

struct req_args {
	const char *person, *account, *path, *host, *time, *action, *service;
};

/* Fills req from args; returns NULL or a message for the user. */
static const char *build_request(const struct pol_policy *p, const struct req_args *a,
                                 struct pol_request *req)
{
	int act;
	memset(req, 0, sizeof *req);
	if (a->person && a->account)
		return "give either a person or an account, not both";
	if (a->person) {
		const struct pol_person *ps = pol_find_person(p, a->person);
		if (!ps)
			return "no person with that id in the policy";
		req->account = pol_person_account(ps, 0);
		if (!req->account)
			return "that person has no accounts";
	} else if (a->account) {
		req->account = a->account;
	} else {
		return "a person or an account is required";
	}
	req->path = a->path;
	req->host = a->host;
	req->service = a->service;
	req->time_ms = vg_time_now();
	if (a->time && vg_time_parse_loose(a->time, &req->time_ms) < 0)
		return "invalid time (use YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.mmm]]Z)";
	if (a->action) {
		if ((act = pol_action_parse(a->action)) < 0)
			return "invalid action (login, read, write, exec, attr, privilege, media, other)";
		req->action = (enum pol_action)act;
	} else {
		req->action = a->path ? POL_ACT_READ : POL_ACT_LOGIN;
	}
	return NULL;
}

/* ---- explain ------------------------------------------------------------ */

#define MAX_MATCHES 64

static void date_or(int64_t ms, bool set, char out[11])
{
	if (set)
		vg_date_format(ms, out);
	else
		snprintf(out, 11, "-");
}

static void explain_text(const struct pol_policy *p, const struct pol_request *req,
                         const struct pol_decision *d)
{
	const struct pol_resource *m[MAX_MATCHES];
	char when[VG_TIME_LEN], granted[11], due[11], text[1024];
	size_t nm = req->path ? pol_match_resources(p, req->path, m, MAX_MATCHES) : 0;

	vg_time_format(req->time_ms, when);
	printf("decision: %s\n", d->allow ? "allow" : "deny");
	printf("request:  %s by account %s at %s", pol_action_name(req->action), req->account, when);
	if (req->host)
		printf(" on host %s", req->host);
	printf("\n");
	if (req->path)
		printf("          path %s\n", req->path);
	if (d->person) {
		date_or(pol_person_granted(d->person), pol_person_granted(d->person) != INT64_MIN, granted);
		date_or(pol_person_review_due(d->person),
		        pol_person_review_due(d->person) != INT64_MAX, due);
		printf("person:   %s (%s), %s, %s, granted %s, review due %s", pol_person_id(d->person),
		       pol_person_name(d->person), pol_person_level(d->person),
		       pol_person_status(d->person), granted, due);
		if (pol_person_schedule(d->person))
			printf(", schedule %s", pol_person_schedule(d->person));
		printf("\n");
	} else {
		printf("person:   none (the account maps to no person)\n");
	}
	if (req->host && d->host)
		printf("host:     %s matches host rule '%s' (site %s, level %s, removable media %s)\n",
		       req->host, pol_host_name(d->host),
		       pol_host_site(d->host) ? pol_host_site(d->host) : "-",
		       pol_host_level(d->host) ? pol_host_level(d->host) : "-",
		       pol_host_removable_media(d->host) ? "allowed" : "forbidden");
	else if (req->host)
		printf("host:     %s matches no host rule\n", req->host);
	if (req->path && nm == 0)
		printf("resource: no resource rule covers this path\n");
	for (size_t i = 0; i < nm && i < MAX_MATCHES; i++) {
		printf("%s %s (%s), %s", i == 0 ? "resource:" : "         ", pol_resource_id(m[i]),
		       pol_resource_path(m[i]), pol_resource_level(m[i]));
		for (size_t c = 0; pol_resource_compartment(p, m[i], c); c++)
			printf("%s%s", c == 0 ? ", compartments " : " ", pol_resource_compartment(p, m[i], c));
		printf("%s\n", m[i] == d->resource && nm > 1 ? "  <- most restrictive" : "");
	}
	if (d->nreasons == 0) {
		printf("reasons:  none\n");
		return;
	}
	printf("reasons:\n");
	for (int i = 0; i < d->nreasons; i++) {
		pol_reason_text(d, req, &d->reasons[i], text, sizeof text);
		printf("  %-22s %s\n      %s\n", pol_class_kind(d->reasons[i].cls), d->reasons[i].code,
		       text);
	}
	if (d->truncated)
		printf("  (more reasons were found than a decision holds)\n");
}

static json_t *resource_json(const struct pol_policy *p, const struct pol_resource *r)
{
	json_t *comps = json_array();
	for (size_t c = 0; pol_resource_compartment(p, r, c); c++)
		json_array_append_new(comps, json_string(pol_resource_compartment(p, r, c)));
	return json_pack("{s:s, s:s, s:s, s:o}", "id", pol_resource_id(r), "path",
	                 pol_resource_path(r), "level", pol_resource_level(r), "compartments", comps);
}

static int explain_json(const struct pol_policy *p, const struct pol_request *req,
                        const struct pol_decision *d)
{
	const struct pol_resource *m[MAX_MATCHES];
	size_t nm = req->path ? pol_match_resources(p, req->path, m, MAX_MATCHES) : 0;
	char when[VG_TIME_LEN], text[1024];
	json_t *o, *reasons = json_array(), *matches = json_array();
	int rc;

	vg_time_format(req->time_ms, when);
	for (int i = 0; i < d->nreasons; i++) {
		pol_reason_text(d, req, &d->reasons[i], text, sizeof text);
		json_array_append_new(reasons, json_pack("{s:s, s:s, s:s}", "kind",
		                                         pol_class_kind(d->reasons[i].cls), "code",
		                                         d->reasons[i].code, "text", text));
	}
	for (size_t i = 0; i < nm && i < MAX_MATCHES; i++)
		json_array_append_new(matches, resource_json(p, m[i]));
	o = json_pack("{s:s, s:b, s:s, s:s, s:s, s:s?, s:s?, s:o, s:o, s:b}", "decision",
	              d->allow ? "allow" : "deny", "allow", d->allow, "account", req->account,
	              "action", pol_action_name(req->action), "time", when, "host", req->host, "path",
	              req->path, "reasons", reasons, "resources", matches, "truncated", d->truncated);
	if (!o)
		return -1;
	json_object_set_new(o, "person",
	                    d->person ? json_pack("{s:s, s:s, s:s, s:s}", "id", pol_person_id(d->person),
	                                          "name", pol_person_name(d->person), "level",
	                                          pol_person_level(d->person), "status",
	                                          pol_person_status(d->person))
	                              : json_null());
	json_object_set_new(o, "host_rule",
	                    d->host ? json_pack("{s:s, s:s?, s:s?, s:b}", "name", pol_host_name(d->host),
	                                        "site", pol_host_site(d->host), "level",
	                                        pol_host_level(d->host), "removable_media",
	                                        pol_host_removable_media(d->host))
	                            : json_null());
	json_object_set_new(o, "resource", d->resource ? resource_json(p, d->resource) : json_null());
	rc = json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("\n");
	json_decref(o);
	return rc;
}

static int cmd_explain(int argc, char **argv)
{
	struct req_args a = {0};
	struct pol_request req;
	struct pol_decision d;
	struct pol_diag diag;
	struct pol_policy *p;
	const char *msg;
	bool json = false;
	int rc = 0;

	for (int i = 2; i < argc; i++) {
		const char **slot = NULL;
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
			continue;
		}
		if (strcmp(argv[i], "--person") == 0)
			slot = &a.person;
		else if (strcmp(argv[i], "--account") == 0)
			slot = &a.account;
		else if (strcmp(argv[i], "--path") == 0)
			slot = &a.path;
		else if (strcmp(argv[i], "--host") == 0)
			slot = &a.host;
		else if (strcmp(argv[i], "--time") == 0)
			slot = &a.time;
		else if (strcmp(argv[i], "--action") == 0)
			slot = &a.action;
		else if (strcmp(argv[i], "--service") == 0)
			slot = &a.service;
		if (!slot || i + 1 >= argc) {
			fprintf(stderr, "vigil-policy: %s '%s'\n", slot ? "missing value for" : "unknown option",
			        argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
		*slot = argv[++i];
	}
	p = load_policy(argv[1], vg_time_now(), &diag, false);
	pol_diag_free(&diag);
	if (!p) {
		fprintf(stderr, "vigil-policy: %s has errors; run 'vigil-policy check %s'\n", argv[1],
		        argv[1]);
		return 1;
	}
	if ((msg = build_request(p, &a, &req)) != NULL) {
		fprintf(stderr, "vigil-policy: %s\n", msg);
		pol_free(p);
		return EXIT_USAGE;
	}
	pol_decide(p, &req, &d);
	if (json)
		rc = explain_json(p, &req, &d) < 0 ? 1 : 0;
	else
		explain_text(p, &req, &d);
	pol_free(p);
	return rc;
}

/* ---- test --------------------------------------------------------------- */

struct case_ctx {
	const char *file;
	size_t errors;
};

static void case_error(struct case_ctx *c, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void case_error(struct case_ctx *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	const char *f = config_setting_source_file(s);
	fprintf(stderr, "%s:%u: ", f ? f : c->file, config_setting_source_line(s));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	c->errors++;
}

/* A string member of a case, or NULL; wrong types are reported. */
static const char *case_string(struct case_ctx *c, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = config_setting_get_member(g, name);
	if (!s)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		case_error(c, s, "'%s' must be a string", name);
		return NULL;
	}
	return config_setting_get_string(s);
}

static bool has_reason(const struct pol_decision *d, const char *code)
{
	for (int i = 0; i < d->nreasons; i++)
		if (strcmp(d->reasons[i].code, code) == 0)
			return true;
	return false;
}

static void print_reasons(FILE *f, const struct pol_decision *d)
{
	for (int i = 0; i < d->nreasons; i++)
		fprintf(f, "%s%s", i ? ", " : "", d->reasons[i].code);
}

/* Runs one case; returns 1 when it passes, 0 when it fails, -1 when the
 * case itself is malformed (reported on stderr). */
static int run_case(struct case_ctx *c, const struct pol_policy *p, const config_setting_t *g,
                    unsigned n)
{
	static const char *const keys[] = {"name", "person", "account", "path", "host", "time",
	                                   "action", "service", "expect", "reasons", NULL};
	struct req_args a = {0};
	struct pol_request req;
	struct pol_decision d;
	const config_setting_t *reasons;
	const char *name, *expect, *msg;
	char label[256];
	size_t before = c->errors;
	bool pass, want_allow;
	int nreasons = 0;

	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		size_t k;
		for (k = 0; keys[k] && strcmp(keys[k], config_setting_name(s)) != 0; k++)
			;
		if (!keys[k])
			case_error(c, s, "unknown setting '%s' in case", config_setting_name(s));
	}
	name = case_string(c, g, "name");
	a.person = case_string(c, g, "person");
	a.account = case_string(c, g, "account");
	a.path = case_string(c, g, "path");
	a.host = case_string(c, g, "host");
	a.time = case_string(c, g, "time");
	a.action = case_string(c, g, "action");
	a.service = case_string(c, g, "service");
	expect = case_string(c, g, "expect");
	snprintf(label, sizeof label, "%s", name ? name : "");
	if (!name)
		snprintf(label, sizeof label, "case %u", n);
	if (!a.time)
		case_error(c, g, "case '%s' needs a 'time' (decisions depend on it)", label);
	if (!expect || (strcmp(expect, "allow") != 0 && strcmp(expect, "deny") != 0))
		case_error(c, g, "case '%s' needs expect = \"allow\" or \"deny\"", label);
	reasons = config_setting_get_member(g, "reasons");
	if (reasons) {
		if (config_setting_type(reasons) != CONFIG_TYPE_ARRAY &&
		    config_setting_type(reasons) != CONFIG_TYPE_LIST)
			case_error(c, reasons, "'reasons' must be a list of strings");
		else
			nreasons = config_setting_length(reasons);
		for (int i = 0; i < nreasons; i++)
			if (config_setting_type(config_setting_get_elem(reasons, (unsigned)i)) !=
			    CONFIG_TYPE_STRING)
				case_error(c, reasons, "'reasons' must be a list of strings");
	}
	if (c->errors == before && (msg = build_request(p, &a, &req)) != NULL)
		case_error(c, g, "case '%s': %s", label, msg);
	if (c->errors != before) {
		printf("FAIL %s (%s:%u): the case is malformed (see the messages above)\n", label,
		       c->file, config_setting_source_line(g));
		return -1;
	}

	pol_decide(p, &req, &d);
	want_allow = strcmp(expect, "allow") == 0;
	pass = d.allow == want_allow;
	/* Listed reasons must be exactly the decision's reasons, in any order. */
	if (reasons) {
		pass = pass && nreasons == d.nreasons;
		for (int i = 0; i < nreasons && pass; i++)
			pass = has_reason(&d, config_setting_get_string_elem(reasons, (unsigned)i));
	}
	if (pass) {
		printf("ok   %s\n", label);
		return 1;
	}
	printf("FAIL %s (%s:%u): expected %s", label, c->file, config_setting_source_line(g), expect);
	for (int i = 0; i < nreasons; i++)
		printf("%s%s", i ? ", " : " [", config_setting_get_string_elem(reasons, (unsigned)i));
	printf("%s, got %s", nreasons ? "]" : "", d.allow ? "allow" : "deny");
	if (d.nreasons) {
		printf(" [");
		print_reasons(stdout, &d);
		printf("]");
	}
	printf("\n");
	return 0;
}

static int cmd_test(int argc, char **argv)
{
	struct case_ctx c = {.file = NULL, .errors = 0};
	struct pol_diag diag;
	struct pol_policy *p;
	const config_setting_t *cases;
	config_t cfg;
	unsigned n, passed = 0, failed = 0;

	if (argc != 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c.file = argv[2];
	p = load_policy(argv[1], vg_time_now(), &diag, false);
	pol_diag_free(&diag);
	if (!p) {
		fprintf(stderr, "vigil-policy: %s has errors; run 'vigil-policy check %s'\n", argv[1],
		        argv[1]);
		return 1;
	}
	config_init(&cfg);
	if (config_read_file(&cfg, c.file) != CONFIG_TRUE) {
		if (config_error_type(&cfg) == CONFIG_ERR_FILE_IO)
			fprintf(stderr, "%s: cannot read file\n", c.file);
		else
			fprintf(stderr, "%s:%d: %s\n",
			        config_error_file(&cfg) ? config_error_file(&cfg) : c.file,
			        config_error_line(&cfg), config_error_text(&cfg));
		config_destroy(&cfg);
		pol_free(p);
		return 1;
	}
	cases = config_lookup(&cfg, "cases");
	if (!cases || config_setting_type(cases) != CONFIG_TYPE_LIST) {
		fprintf(stderr, "%s: expected cases = ( { ... }, ... );\n", c.file);
		config_destroy(&cfg);
		pol_free(p);
		return 1;
	}
	n = (unsigned)config_setting_length(cases);
	for (unsigned i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(cases, i);
		int r;
		if (!config_setting_is_group(g)) {
			case_error(&c, g, "each case must be a group { ... }");
			continue;
		}
		r = run_case(&c, p, g, i + 1);
		if (r == 1)
			passed++;
		else
			failed++;
	}
	printf("%s: %u %s, %u passed, %u failed\n", c.file, n, n == 1 ? "case" : "cases", passed,
	       failed);
	config_destroy(&cfg);
	pol_free(p);
	return failed || c.errors ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 1, argv + 1);
	if (strcmp(argv[1], "explain") == 0)
		return cmd_explain(argc - 1, argv + 1);
	if (strcmp(argv[1], "test") == 0)
		return cmd_test(argc - 1, argv + 1);
	fprintf(stderr, "vigil-policy: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
