/*
 * col_admin: enrolment, rotation, revocation and listing of agent and
 * officer identities from the command line (see col_admin.h).
 */
#include "col_admin.h"
#include "col_ca.h"
#include "col_ident.h"
#include "col_privs.h"
#include "col_store.h"
#include "vg_time.h"
#include "vg_token.h"

#include <stdlib.h>
#include <string.h>

void col_admin_usage(FILE *f)
{
	fprintf(f, "       vigil-collector -c FILE agent add HOST [--expires DUR]\n"
	           "       vigil-collector -c FILE agent rotate ID|HOST [--grace DUR] [--expires DUR]\n"
	           "       vigil-collector -c FILE agent revoke ID|HOST\n"
	           "       vigil-collector -c FILE agent list [--json]\n"
	           "       vigil-collector -c FILE officer add NAME --role officer|vetting|policy|auditor|admin"
	           " [--expires DUR]\n"
	           "       vigil-collector -c FILE officer rotate ID|NAME [--grace DUR] [--expires DUR]\n"
	           "       vigil-collector -c FILE officer revoke ID|NAME\n"
	           "       vigil-collector -c FILE officer list [--json]\n"
	           "       vigil-collector -c FILE ca init [--dir D] [--name NAME]...\n"
	           "       vigil-collector -c FILE ca issue HOST [--dir D] [--out DIR]\n"
	           "       (DUR: a number and s, m, h or d, e.g. 90d)\n");
}

struct args {
	const char *verb, *target, *role;
	int64_t expires_ms, grace_ms;     /* -1: not given */
	int json;
};

static int usage_error(const char *what)
{
	fprintf(stderr, "vigil-collector: %s\n", what);
	fprintf(stderr, "usage:\n");
	col_admin_usage(stderr);
	return 2;
}

static int parse_duration(const char *opt, const char *v, int64_t *out)
{
	if ((*out = col_ident_parse_duration(v)) < 0) {
		fprintf(stderr, "vigil-collector: %s '%s': expected a number and s, m, h or d (at most "
		        "ten years), e.g. 90d\n", opt, v);
		return -1;
	}
	return 0;
}

/* Parses argv[1..] of "agent ..." or "officer ...". Returns 0 or an exit status. */
static int parse_args(int argc, char **argv, struct args *a)
{
	memset(a, 0, sizeof *a);
	a->expires_ms = a->grace_ms = -1;
	if (argc < 2)
		return usage_error("expected add, rotate, revoke or list");
	a->verb = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *o = argv[i];
		if (strcmp(o, "--role") == 0 && i + 1 < argc)
			a->role = argv[++i];
		else if (strcmp(o, "--expires") == 0 && i + 1 < argc) {
			if (parse_duration(o, argv[++i], &a->expires_ms) < 0)
				return 2;
		} else if (strcmp(o, "--grace") == 0 && i + 1 < argc) {
			if (parse_duration(o, argv[++i], &a->grace_ms) < 0)
				return 2;
		} else if (strcmp(o, "--json") == 0)
			a->json = 1;
		else if (!a->target && strncmp(o, "--", 2) != 0)
			a->target = o;
		else {
			char msg[300];
			snprintf(msg, sizeof msg, "unexpected argument '%.200s'", o);
			return usage_error(msg);
		}
	}
	int list = strcmp(a->verb, "list") == 0;
	if (list != !a->target)
		return usage_error(list ? "list takes no name" : "expected a name or an id");
	if (a->json && !list)
		return usage_error("--json is for list");
	if (a->grace_ms >= 0 && strcmp(a->verb, "rotate") != 0)
		return usage_error("--grace is for rotate");
	if (a->expires_ms >= 0 && strcmp(a->verb, "add") != 0 && strcmp(a->verb, "rotate") != 0)
		return usage_error("--expires is for add and rotate");
	if (a->target && (strlen(a->target) == 0 || strlen(a->target) > 255))
		return usage_error("name must be 1..255 characters");
	return 0;
}

/* An argument of digits only names an identity by id. */
static int64_t target_id(const char *t)
{
	if (!t || !*t || strspn(t, "0123456789") != strlen(t) || strlen(t) > 18)
		return -1;
	return strtoll(t, NULL, 10);
}

/* Becomes the collector's user and opens the store. */
static struct col_store *open_store(const struct col_config *cfg)
{
	char err[1024];
	if (col_privs_become(cfg, err, sizeof err) < 0) {
		fprintf(stderr, "vigil-collector: %s\n", err);
		return NULL;
	}
	struct col_store *st = col_store_sqlite_open(cfg->database, err, sizeof err);
	if (!st)
		fprintf(stderr, "vigil-collector: %s\n", err);
	return st;
}

static int print_token(const char *token)
{
	printf("%s\n", token);
	return fflush(stdout) == 0 ? 0 : 1;
}

static int cmd_add(struct col_store *st, int agents, const struct args *a, int role)
{
	char token[VG_TOKEN_HEX_LEN + 1], hash[VG_TOKEN_HEX_LEN + 1];
	int64_t id;
	int rc;

	if (vg_token_new(token) < 0 || vg_sha256_hex(token, strlen(token), hash) < 0) {
		fprintf(stderr, "vigil-collector: cannot generate a token\n");
		return 1;
	}
	rc = agents ? col_store_agent_add(st, a->target, hash, &id)
	            : col_store_officer_add(st, a->target, (enum col_role)role, hash, &id);
	if (rc == 0 && a->expires_ms >= 0)
		rc = col_ident_set_expiry(st, agents ? COL_IDENT_AGENTS : COL_IDENT_OFFICERS, id,
		                          vg_time_now() + a->expires_ms) == 1 ? 0 : -1;
	if (rc < 0) {
		fprintf(stderr, "vigil-collector: %s\n", col_store_error(st));
		explicit_bzero(token, sizeof token);
		return 1;
	}
	rc = print_token(token);
	explicit_bzero(token, sizeof token);
	return rc;
}

static int cmd_rotate(struct col_store *st, enum col_ident_kind kind, const struct args *a)
{
	char token[VG_TOKEN_HEX_LEN + 1], hash[VG_TOKEN_HEX_LEN + 1];
	int64_t id;
	const char *noun = kind == COL_IDENT_AGENTS ? "agent" : "officer";

	if (vg_token_new(token) < 0 || vg_sha256_hex(token, strlen(token), hash) < 0) {
		fprintf(stderr, "vigil-collector: cannot generate a token\n");
		return 1;
	}
	int rc = col_ident_rotate(st, kind, target_id(a->target), a->target, hash,
	                          a->grace_ms > 0 ? a->grace_ms : 0,
	                          a->expires_ms >= 0 ? vg_time_now() + a->expires_ms : -1, &id);
	if (rc <= 0) {
		explicit_bzero(token, sizeof token);
		if (rc < 0)
			fprintf(stderr, "vigil-collector: %s\n", col_store_error(st));
		else
			fprintf(stderr, "vigil-collector: no active %s '%s'\n", noun, a->target);
		return 1;
	}
	if (a->grace_ms > 0)
		fprintf(stderr, "vigil-collector: %s %lld: new token; the old one stays valid for %lld s\n",
		        noun, (long long)id, (long long)(a->grace_ms / 1000));
	else
		fprintf(stderr, "vigil-collector: %s %lld: new token; the old one no longer works\n", noun,
		        (long long)id);
	rc = print_token(token);
	explicit_bzero(token, sizeof token);
	return rc;
}

static int cmd_revoke(struct col_store *st, enum col_ident_kind kind, const struct args *a)
{
	const char *noun = kind == COL_IDENT_AGENTS ? "agent" : "officer";
	int n = col_ident_revoke(st, kind, target_id(a->target), a->target);
	if (n < 0) {
		fprintf(stderr, "vigil-collector: %s\n", col_store_error(st));
		return 1;
	}
	if (n == 0) {
		fprintf(stderr, "vigil-collector: no active %s '%s'\n", noun, a->target);
		return 1;
	}
	printf("revoked %d %s identit%s (%s); their tokens are refused from now on\n", n, noun,
	       n == 1 ? "y" : "ies", a->target);
	return fflush(stdout) == 0 ? 0 : 1;
}

/* Prints s with control characters as '?', so a name cannot drive the
 * terminal. */
static void print_field(const char *s, int width)
{
	int n = 0;
	for (; s && *s; s++, n++)
		putchar((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s);
	for (; n < width; n++)
		putchar(' ');
}

static const char *text_or_dash(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "-";
}

static int cmd_list(struct col_store *st, enum col_ident_kind kind, const struct args *a)
{
	json_t *list = col_ident_list(st, kind);
	const char *namekey = kind == COL_IDENT_AGENTS ? "host" : "name";
	size_t i;
	json_t *o;

	if (!list) {
		fprintf(stderr, "vigil-collector: %s\n", col_store_error(st));
		return 1;
	}
	if (a->json) {
		char *text = json_dumps(list, JSON_COMPACT);
		json_decref(list);
		if (!text) {
			fprintf(stderr, "vigil-collector: out of memory\n");
			return 1;
		}
		printf("%s\n", text);
		free(text);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	printf("%-6s ", "ID");
	print_field(kind == COL_IDENT_AGENTS ? "HOST" : "NAME", 24);
	printf(" %-8s %-8s %-24s %-24s %-24s %s\n", "ROLE", "STATUS", "CREATED", "EXPIRES", "REVOKED",
	       "OLD TOKEN VALID UNTIL");
	json_array_foreach(list, i, o) {
		printf("%-6lld ", (long long)json_integer_value(json_object_get(o, "id")));
		print_field(json_string_value(json_object_get(o, namekey)), 24);
		printf(" %-8s %-8s %-24s %-24s %-24s %s\n", text_or_dash(o, "role"), text_or_dash(o, "status"),
		       text_or_dash(o, "created"), text_or_dash(o, "expires"), text_or_dash(o, "revoked"),
		       text_or_dash(o, "grace_until"));
	}
	json_decref(list);
	return fflush(stdout) == 0 ? 0 : 1;
}

int col_admin_main(const struct col_config *cfg, int argc, char **argv)
{
	struct args a;
	int rc, role = -1;

	if (argc >= 1 && strcmp(argv[0], "ca") == 0)
		return col_ca_main(cfg, argc, argv);
	int agents = argc >= 1 && strcmp(argv[0], "agent") == 0;
	if (argc < 1 || (!agents && strcmp(argv[0], "officer") != 0))
		return usage_error("expected agent, officer or ca");
	if ((rc = parse_args(argc, argv, &a)) != 0)
		return rc;
	int add = strcmp(a.verb, "add") == 0;
	if (!add && strcmp(a.verb, "rotate") != 0 && strcmp(a.verb, "revoke") != 0 &&
	    strcmp(a.verb, "list") != 0)
		return usage_error("expected add, rotate, revoke or list");
	if (add && !agents) {
		if (!a.role)
			return usage_error("officer add needs --role");
		if ((role = col_role_parse(a.role)) < 0) {
			fprintf(stderr, "vigil-collector: unknown role '%s' (officer, vetting, policy, auditor, "
			        "admin)\n", a.role);
			return 2;
		}
	} else if (a.role)
		return usage_error("--role is for officer add");

	struct col_store *st = open_store(cfg);
	if (!st)
		return 1;
	enum col_ident_kind kind = agents ? COL_IDENT_AGENTS : COL_IDENT_OFFICERS;
	if (add)
		rc = cmd_add(st, agents, &a, role);
	else if (strcmp(a.verb, "rotate") == 0)
		rc = cmd_rotate(st, kind, &a);
	else if (strcmp(a.verb, "revoke") == 0)
		rc = cmd_revoke(st, kind, &a);
	else
		rc = cmd_list(st, kind, &a);
	col_store_close(st);
	return rc;
}
