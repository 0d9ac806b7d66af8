/*
 * vigil-policy: the policy author's tool.
 *
 *   vigil-policy check POLICY [--now T]
 *   vigil-policy explain POLICY (--person P | --account A) [--path F] [--host H]
 *                [--time T] [--action A] [--service S] [--target U] [--json]
 *   vigil-policy test POLICY CASES
 *   vigil-policy show POLICY
 *   vigil-policy diff OLD NEW [--time T]
 *
 * check prints every error and warning as "file:line: message" on stderr and
 * a summary line "POLICY: N errors, M warnings" on stdout. explain shows one
 * decision with a sentence per reason. test runs decision cases written in
 * libconfig (see docs/policy.md) and prints "ok" or "FAIL" per case. show
 * prints the effective policy (after @include) as libconfig text. diff
 * prints who gains or loses access between two versions.
 *
 * Exit status: 0 success (check: no errors; test: every case passed;
 * explain: a decision was made, allowed or not; diff: no changes), 1 policy
 * errors or failed cases (diff: changes), 2 usage errors (diff: errors).
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
	        "                    [--service SERVICE] [--target ACCOUNT] [--json]\n"
	        "       vigil-policy test POLICY CASES\n"
	        "       vigil-policy show POLICY\n"
	        "       vigil-policy diff OLD NEW [--time TIME]\n"
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

/* Loads a policy for explain, test, show and diff: quietly when it loads,
 * else with its errors and a pointer to check. */
static struct pol_policy *load_for_use(const char *path, int64_t now)
{
	struct pol_diag diag;
	struct pol_policy *p = load_policy(path, now, &diag, false);
	pol_diag_free(&diag);
	if (!p)
		fprintf(stderr, "vigil-policy: %s has errors; run 'vigil-policy check %s'\n", path,
		        path);
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
	printf("%s: %zu %s, %zu %s", argv[1], diag.errors, plural(diag.errors, "error", "errors"),
	       diag.warnings, plural(diag.warnings, "warning", "warnings"));
	if (p)
		printf(", serial %lld, sha256 %s", pol_serial(p), pol_source_hash(p));
	printf("\n");
	rc = p ? 0 : 1;
	pol_free(p);
	pol_diag_free(&diag);
	return rc;
}

/* ---- Requests from the command line or a case file ---------------------- */

struct req_args {
	const char *person, *account, *path, *host, *time, *action, *service;
	const char *target;   /* privilege: the account become (PAM ruser) */
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
	req->target_account = a->target;
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
	printf("policy:   %s serial %lld, sha256 %s\n", pol_id(p), d->serial, d->source_hash);
	printf("request:  %s by account %s at %s", pol_action_name(req->action), req->account, when);
	if (req->host)
		printf(" on host %s", req->host);
	if (req->action == POL_ACT_PRIVILEGE && req->target_account)
		printf(" to account %s", req->target_account);
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
		printf("host:     %s matches host rule '%s' (site %s, level %s, max level %s, "
		       "removable media %s)\n",
		       req->host, pol_host_name(d->host),
		       pol_host_site(d->host) ? pol_host_site(d->host) : "-",
		       pol_host_level(d->host) ? pol_host_level(d->host) : "-",
		       pol_host_max_level(d->host) ? pol_host_max_level(d->host) : "-",
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
		for (size_t c = 0; pol_resource_owner(m[i], c); c++)
			printf("%s%s", c == 0 ? ", owners " : " ", pol_resource_owner(m[i], c));
		printf("%s\n", m[i] == d->resource && nm > 1 ? "  <- most restrictive" : "");
	}
	for (int i = 0; i < d->nwaived; i++) {
		pol_reason_text(d, req, &d->waived[i], text, sizeof text);
		printf("%s %-22s %s\n      %s\n", i == 0 ? "waived:\n " : " ",
		       pol_class_kind(d->waived[i].cls), d->waived[i].code, text);
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
	json_t *comps = json_array(), *owners = json_array();
	for (size_t c = 0; pol_resource_compartment(p, r, c); c++)
		json_array_append_new(comps, json_string(pol_resource_compartment(p, r, c)));
	for (size_t c = 0; pol_resource_owner(r, c); c++)
		json_array_append_new(owners, json_string(pol_resource_owner(r, c)));
	return json_pack("{s:s, s:s, s:s, s:o, s:o}", "id", pol_resource_id(r), "path",
	                 pol_resource_path(r), "level", pol_resource_level(r), "compartments", comps,
	                 "owners", owners);
}

static json_t *exception_json(const struct pol_exception *x)
{
	char created[11], expires[11];
	vg_date_format(pol_exception_created(x), created);
	vg_date_format(pol_exception_expires(x), expires);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "ticket", pol_exception_ticket(x),
	                 "subject", pol_exception_subject(x), "resource", pol_exception_resource(x),
	                 "approver", pol_exception_approver(x), "justification",
	                 pol_exception_justification(x), "created", created, "expires", expires);
}

static int explain_json(const struct pol_policy *p, const struct pol_request *req,
                        const struct pol_decision *d)
{
	const struct pol_resource *m[MAX_MATCHES];
	size_t nm = req->path ? pol_match_resources(p, req->path, m, MAX_MATCHES) : 0;
	char when[VG_TIME_LEN], text[1024];
	json_t *o, *reasons = json_array(), *matches = json_array(), *waived = json_array();
	int rc;

	vg_time_format(req->time_ms, when);
	for (int i = 0; i < d->nreasons; i++) {
		pol_reason_text(d, req, &d->reasons[i], text, sizeof text);
		json_array_append_new(reasons, json_pack("{s:s, s:s, s:s}", "kind",
		                                         pol_class_kind(d->reasons[i].cls), "code",
		                                         d->reasons[i].code, "text", text));
	}
	for (int i = 0; i < d->nwaived; i++) {
		pol_reason_text(d, req, &d->waived[i], text, sizeof text);
		json_array_append_new(waived, json_pack("{s:s, s:s, s:s, s:s}", "kind",
		                                        pol_class_kind(d->waived[i].cls), "code",
		                                        d->waived[i].code, "text", text, "exception",
		                                        pol_exception_ticket(d->waived_by[i])));
	}
	for (size_t i = 0; i < nm && i < MAX_MATCHES; i++)
		json_array_append_new(matches, resource_json(p, m[i]));
	o = json_pack("{s:s, s:b, s:s, s:s, s:s, s:s?, s:s?, s:o, s:o, s:b}", "decision",
	              d->allow ? "allow" : "deny", "allow", d->allow, "account", req->account,
	              "action", pol_action_name(req->action), "time", when, "host", req->host, "path",
	              req->path, "reasons", reasons, "resources", matches, "truncated", d->truncated);
	if (!o) {
		json_decref(waived);
		return -1;
	}
	json_object_set_new(o, "person",
	                    d->person ? json_pack("{s:s, s:s, s:s, s:s}", "id", pol_person_id(d->person),
	                                          "name", pol_person_name(d->person), "level",
	                                          pol_person_level(d->person), "status",
	                                          pol_person_status(d->person))
	                              : json_null());
	json_object_set_new(o, "policy_serial", json_integer(d->serial));
	json_object_set_new(o, "source_hash", json_string(d->source_hash));
	json_object_set_new(o, "host_rule",
	                    d->host ? json_pack("{s:s, s:s?, s:s?, s:s?, s:b}", "name",
	                                        pol_host_name(d->host), "site", pol_host_site(d->host),
	                                        "level", pol_host_level(d->host), "max_level",
	                                        pol_host_max_level(d->host), "removable_media",
	                                        pol_host_removable_media(d->host))
	                            : json_null());
	json_object_set_new(o, "resource", d->resource ? resource_json(p, d->resource) : json_null());
	json_object_set_new(o, "exception", d->exception ? exception_json(d->exception) : json_null());
	json_object_set_new(o, "waived", waived);
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
		else if (strcmp(argv[i], "--target") == 0)
			slot = &a.target;
		if (!slot || i + 1 >= argc) {
			fprintf(stderr, "vigil-policy: %s '%s'\n", slot ? "missing value for" : "unknown option",
			        argv[i]);
			usage(stderr);
			return EXIT_USAGE;
		}
		*slot = argv[++i];
	}
	if (!(p = load_for_use(argv[1], vg_time_now())))
		return 1;
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
	                                   "action", "service", "target", "expect", "reasons", NULL};
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
	a.target = case_string(c, g, "target");
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
	struct pol_policy *p;
	const config_setting_t *cases;
	config_t cfg;
	unsigned n, passed = 0, failed = 0;

	if (argc != 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	c.file = argv[2];
	if (!(p = load_for_use(argv[1], vg_time_now())))
		return 1;
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

/* ---- show --------------------------------------------------------------- */

/* The policy as libconfig reads it, includes expanded: checked first, so
 * that what is shown is a policy vigil would accept. */
static int cmd_show(int argc, char **argv)
{
	struct pol_policy *p;
	const char *slash;
	char *dir = NULL;
	config_t cfg;
	int rc = 0;

	if (argc != 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!(p = load_for_use(argv[1], vg_time_now())))
		return 1;
	config_init(&cfg);
	/* Includes resolve as pol_load resolves them: next to the policy. */
	if ((slash = strrchr(argv[1], '/')) != NULL) {
		dir = slash == argv[1] ? strdup("/") : strndup(argv[1], (size_t)(slash - argv[1]));
		if (dir)
			config_set_include_dir(&cfg, dir);
	}
	if (config_read_file(&cfg, argv[1]) != CONFIG_TRUE) {
		fprintf(stderr, "vigil-policy: %s changed while reading it\n", argv[1]);
		rc = 1;
	} else {
		printf("# effective policy %s serial %lld from %s (includes expanded)\n", pol_id(p),
		       pol_serial(p), argv[1]);
		config_write(&cfg, stdout);
	}
	config_destroy(&cfg);
	free(dir);
	pol_free(p);
	return rc;
}

/* ---- diff --------------------------------------------------------------- */

static long compartment_index(const struct pol_policy *p, const char *name)
{
	const char *c;
	for (size_t i = 0; (c = pol_compartment_name(p, i)) != NULL; i++)
		if (strcmp(c, name) == 0)
			return (long)i;
	return -1;
}

/* A concrete path a resource rule covers: a prefix's own directory, or the
 * glob with each wildcard replaced by a letter of what it matches. */
static void sample_path(const char *glob, char *out, size_t len)
{
	size_t o = 0;
	for (const char *c = glob; *c && o + 1 < len; c++) {
		if (*c == '*' || *c == '?') {
			out[o++] = 'x';
		} else if (*c == '[' && strchr(c + 1, ']')) {
			const char *first = c + 1;
			if (*first == '!' || *first == '^')
				first++;
			/* A negated class: any character not listed; '#' rarely is. */
			out[o++] = first != c + 1 ? '#' : *first;
			c = strchr(first + 1, ']');
		} else {
			out[o++] = *c;
		}
	}
	out[o] = '\0';
}

/* Whether person (by id) may do what req describes under p: the decision
 * without schedule reasons (times of day are not what a diff is about). */
static bool diff_allows(const struct pol_policy *p, const char *person_id,
                        struct pol_request *req)
{
	const struct pol_person *ps = pol_find_person(p, person_id);
	struct pol_decision d;
	if (!ps || !(req->account = pol_person_account(ps, 0)))
		return false;
	pol_decide(p, req, &d);
	if (d.truncated)
		return false;
	for (int i = 0; i < d.nreasons; i++)
		if (d.reasons[i].cls != POL_CLASS_SCHEDULE)
			return false;
	return true;
}

struct diff_state {
	const struct pol_policy *old, *new;
	int64_t t;
	size_t gains, losses;
};

static void diff_line(struct diff_state *st, const struct pol_person *ps, bool before, bool after,
                      const char *what)
{
	if (before == after)
		return;
	printf("%c %s %s %s %s\n", after ? '+' : '-', pol_person_id(ps), pol_person_name(ps),
	       after ? "gains" : "loses", what);
	if (after)
		st->gains++;
	else
		st->losses++;
}

/* Reads of every resource (by id, in either version) for one person. */
static void diff_resources(struct diff_state *st, const struct pol_person *ps)
{
	const struct pol_policy *v[2] = {st->new, st->old};
	char path[4200], what[4400];
	for (int k = 0; k < 2; k++) {
		const struct pol_resource *r;
		for (size_t i = 0; (r = pol_resource_at(v[k], i)) != NULL; i++) {
			const struct pol_resource *ro = pol_find_resource(st->old, pol_resource_id(r));
			const struct pol_resource *rn = pol_find_resource(st->new, pol_resource_id(r));
			struct pol_request q = {.time_ms = st->t, .action = POL_ACT_READ};
			bool before = false, after = false;
			if (k == 1 && rn)
				continue;   /* seen with the new version */
			if (ro) {
				sample_path(pol_resource_path(ro), path, sizeof path);
				q.path = path;
				before = diff_allows(st->old, pol_person_id(ps), &q);
			}
			if (rn) {
				sample_path(pol_resource_path(rn), path, sizeof path);
				q.path = path;
				after = diff_allows(st->new, pol_person_id(ps), &q);
			}
			snprintf(what, sizeof what, "read of %s (%s)", pol_resource_id(r),
			         pol_resource_path(r));
			diff_line(st, ps, before, after, what);
		}
	}
}

/* Logins to every host rule (by glob) and holdings of every compartment
 * (by name), in either version. */
static void diff_hosts_and_compartments(struct diff_state *st, const struct pol_person *ps)
{
	const struct pol_policy *v[2] = {st->new, st->old};
	char host[300], what[400];
	for (int k = 0; k < 2; k++) {
		const struct pol_host *h;
		for (size_t i = 0; (h = pol_host_at(v[k], i)) != NULL; i++) {
			struct pol_request q = {.time_ms = st->t, .action = POL_ACT_LOGIN};
			const struct pol_host *other = pol_host_named(v[1 - k], pol_host_name(h));
			bool in_old, in_new;
			if (k == 1 && other)
				continue;
			sample_path(pol_host_name(h), host, sizeof host);
			q.host = host;
			in_new = k == 0 ? diff_allows(st->new, pol_person_id(ps), &q) : false;
			in_old = k == 1 || other ? diff_allows(st->old, pol_person_id(ps), &q) : false;
			snprintf(what, sizeof what, "login to %s", pol_host_name(h));
			diff_line(st, ps, in_old, in_new, what);
		}
	}
	for (int k = 0; k < 2; k++) {
		const char *name;
		for (size_t i = 0; (name = pol_compartment_name(v[k], i)) != NULL; i++) {
			const struct pol_person *po = pol_find_person(st->old, pol_person_id(ps));
			const struct pol_person *pn = pol_find_person(st->new, pol_person_id(ps));
			long io = compartment_index(st->old, name), in = compartment_index(st->new, name);
			if (k == 1 && in >= 0)
				continue;
			snprintf(what, sizeof what, "compartment %s", name);
			diff_line(st, ps,
			          po && io >= 0 && pol_person_holds_compartment(st->old, po, (size_t)io, st->t),
			          pn && in >= 0 && pol_person_holds_compartment(st->new, pn, (size_t)in, st->t),
			          what);
		}
	}
}

static int cmd_diff(int argc, char **argv)
{
	struct diff_state st = {0};
	struct pol_policy *old, *new;
	const struct pol_person *ps;

	st.t = vg_time_now();
	if (argc == 5 && strcmp(argv[3], "--time") == 0) {
		if (vg_time_parse_loose(argv[4], &st.t) < 0) {
			fprintf(stderr, "vigil-policy: invalid time '%s'\n", argv[4]);
			return EXIT_USAGE;
		}
	} else if (argc != 3) {
		usage(stderr);
		return EXIT_USAGE;
	}
	old = load_for_use(argv[1], st.t);
	new = old ? load_for_use(argv[2], st.t) : NULL;
	if (!old || !new) {
		pol_free(old);
		pol_free(new);
		return EXIT_USAGE;
	}
	st.old = old;
	st.new = new;
	/* Persons of the new version, then those only the old one has. */
	for (int k = 0; k < 2; k++) {
		const struct pol_policy *v = k == 0 ? new : old;
		for (size_t i = 0; (ps = pol_person_at(v, i)) != NULL; i++) {
			if (k == 1 && pol_find_person(new, pol_person_id(ps)))
				continue;
			diff_resources(&st, ps);
			diff_hosts_and_compartments(&st, ps);
		}
	}
	fprintf(stderr, "%s -> %s: %zu %s, %zu %s\n", argv[1], argv[2], st.gains,
	        plural(st.gains, "gain", "gains"), st.losses, plural(st.losses, "loss", "losses"));
	pol_free(old);
	pol_free(new);
	return st.gains || st.losses ? 1 : 0;
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
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc - 1, argv + 1);
	if (strcmp(argv[1], "diff") == 0)
		return cmd_diff(argc - 1, argv + 1);
	fprintf(stderr, "vigil-policy: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
