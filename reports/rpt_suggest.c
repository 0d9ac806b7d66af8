/*
 * rpt_suggest: suppression rules suggested by false-positive triage
 * (see rpt_suggest.h).
 */
#include "rpt_suggest.h"
#include "rpt_table.h"
#include "rpt_text.h"
#include "vg_error.h"
#include "vg_time.h"

#include <stdlib.h>
#include <string.h>

#define RULE_DAYS 90

/* The family of a reason code: up to and including its first ':'. */
static void reason_family(const char *code, char *buf, size_t len)
{
	const char *colon = code ? strchr(code, ':') : NULL;
	size_t n = colon ? (size_t)(colon - code) + 1 : (code ? strlen(code) : 0);
	if (n >= len)
		n = len - 1;
	memcpy(buf, code ? code : "", n);
	buf[n] = '\0';
}

/* A libconfig string literal of s: quotes and backslashes escaped, control
 * characters dropped (names in vigil never hold them). */
static void put_literal(FILE *m, const char *s)
{
	fputc('"', m);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', m);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, m);
	}
	fputc('"', m);
}

static char *rule_text(const char *kind, const char *person, const char *host, const char *reason,
                       const char *created, const char *expires, size_t count)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);
	if (!m)
		return NULL;
	fputs("{ kind = ", m);
	put_literal(m, kind);
	fputs(";", m);
	if (person) {
		fputs(" subject = ", m);
		put_literal(m, person);
		fputs(";", m);
	}
	if (host) {
		fputs(" host = ", m);
		put_literal(m, host);
		fputs(";", m);
	}
	if (*reason) {
		fputs(" reason = ", m);
		put_literal(m, reason);
		fputs(";", m);
	}
	fprintf(m, "\n  justification = \"%zu false positives: WHY THEY ARE EXPECTED\";"
	           " approver = \"WHO\"; ticket = \"TICKET\";\n"
	           "  created = \"%s\"; expires = \"%s\"; }", count, created, expires);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static int by_count(const void *x, const void *y)
{
	json_t *const *a = x, *const *b = y;
	json_int_t ca = json_integer_value(json_object_get(*a, "count"));
	json_int_t cb = json_integer_value(json_object_get(*b, "count"));
	if (ca != cb)
		return ca > cb ? -1 : 1;
	return strcmp(json_string_value(json_object_get(*a, "key")),
	              json_string_value(json_object_get(*b, "key")));
}

json_t *rpt_suggest_group(const json_t *anomalies, int min_count, const char *created_day)
{
	json_t *groups = json_object(), *out = json_array();
	const json_t *a;
	size_t i;
	char expires[16], family[128];
	int64_t day_ms;

	if (!groups || !out || vg_date_parse(created_day, &day_ms) < 0)
		goto fail;
	vg_date_format(day_ms + (int64_t)RULE_DAYS * VG_MS_PER_DAY, expires);
	json_array_foreach(anomalies, i, a) {
		const char *kind = str(a, "kind"), *person = str(a, "person"), *host = str(a, "host");
		if (!kind)
			continue;
		reason_family(json_string_value(json_array_get(json_object_get(a, "reasons"), 0)),
		              family, sizeof family);
		char *key = NULL;
		if (asprintf(&key, "%s|%s|%s|%s", kind, person ? person : "", host ? host : "",
		             family) < 0)
			goto fail;
		json_t *g = json_object_get(groups, key);
		if (!g) {
			g = json_pack("{s:s, s:o, s:o, s:s, s:i, s:[], s:s}", "kind", kind, "person",
			              person ? json_string(person) : json_null(), "host",
			              host ? json_string(host) : json_null(), "reason", family, "count", 0,
			              "anomalies", "key", key);
			if (!g || json_object_set_new(groups, key, g) < 0) {
				free(key);
				goto fail;
			}
		}
		free(key);
		json_object_set_new(g, "count",
		                    json_integer(json_integer_value(json_object_get(g, "count")) + 1));
		json_array_append(json_object_get(g, "anomalies"), json_object_get(a, "id"));
	}
	const char *k;
	json_t *g;
	json_object_foreach(groups, k, g) {
		json_int_t n = json_integer_value(json_object_get(g, "count"));
		if (n < min_count)
			continue;
		char *rule = rule_text(str(g, "kind"), str(g, "person"), str(g, "host"), str(g, "reason"),
		                       created_day, expires, (size_t)n);
		if (!rule || json_object_set_new(g, "rule", json_string(rule)) < 0 ||
		    json_array_append(out, g) < 0) {
			free(rule);
			goto fail;
		}
		free(rule);
	}
	size_t n = json_array_size(out);
	json_t **v = n ? malloc(n * sizeof *v) : NULL;
	if (n && !v)
		goto fail;
	for (size_t j = 0; j < n; j++)
		v[j] = json_incref(json_array_get(out, j));
	if (n > 1)
		qsort(v, n, sizeof *v, by_count);
	json_array_clear(out);
	for (size_t j = 0; j < n; j++) {
		json_object_del(v[j], "key");
		json_array_append_new(out, v[j]);
	}
	free(v);
	json_decref(groups);
	return out;
fail:
	json_decref(groups);
	json_decref(out);
	return NULL;
}

static int render_text(FILE *out, const json_t *list)
{
	const json_t *g;
	size_t i;
	if (json_array_size(list) == 0)
		return fprintf(out, "No incident was marked false_positive twice or more: nothing to "
		                    "suggest.\n") < 0 ? -1 : 0;
	fputs("Suppression rules that would cover repeated false positives. Review each, fill in\n"
	      "the justification, approver and ticket, and add it to the policy's\n"
	      "suppressions = ( ... ); list (docs/policy.md).\n", out);
	json_array_foreach(list, i, g) {
		char *safe = rpt_text_sanitize(str(g, "rule"), strlen(str(g, "rule")));
		const char *person = str(g, "person"), *host = str(g, "host");
		int rc = fprintf(out, "\n%lld x %s%s%s%s%s:\n%s\n",
		                 (long long)json_integer_value(json_object_get(g, "count")), str(g, "kind"),
		                 person ? " of " : "", person ? person : "", host ? " on " : "",
		                 host ? host : "", safe ? safe : "");
		free(safe);
		if (rc < 0)
			return -1;
	}
	return 0;
}

static int render_csv(FILE *out, const json_t *list)
{
	static const char *const head[] = {"kind", "person", "host", "reason", "count", "anomalies"};
	const json_t *g, *id;
	size_t i, j;
	if (rpt_csv_row(out, head, 6) < 0)
		return -1;
	json_array_foreach(list, i, g) {
		char count[24], ids[1024] = "";
		size_t used = 0;
		snprintf(count, sizeof count, "%lld", (long long)json_integer_value(json_object_get(g, "count")));
		json_array_foreach(json_object_get(g, "anomalies"), j, id) {
			int n = snprintf(ids + used, sizeof ids - used, "%s%lld", j ? " " : "",
			                 (long long)json_integer_value(id));
			if (n < 0 || (size_t)n >= sizeof ids - used)
				break;
			used += (size_t)n;
		}
		const char *row[] = {str(g, "kind"), str(g, "person") ? str(g, "person") : "",
		                     str(g, "host") ? str(g, "host") : "", str(g, "reason"), count, ids};
		if (rpt_csv_row(out, row, 6) < 0)
			return -1;
	}
	return 0;
}

int rpt_suggest_run(struct rpt_client *c, const struct rpt_args *a,
                    const struct rpt_render_opts *ro, FILE *out, char *err, size_t errlen)
{
	struct rpt_query_param p[] = {{"status", "false_positive"}, {"limit", "10000"},
	                              {"since", a->has_since ? a->since_text : NULL},
	                              {"until", a->has_until ? a->until_text : NULL}};
	json_t *doc = NULL, *list;
	char today[16];
	int rc;

	(void)ro;
	if (rpt_client_get(c, "/v1/anomalies", p, 4, &doc, NULL, err, errlen) != RPT_CLIENT_OK)
		return -1;
	vg_date_format(vg_time_now(), today);
	list = rpt_suggest_group(json_object_get(doc, "anomalies"), 2, today);
	json_decref(doc);
	if (!list)
		return vg_errf(err, errlen, "GET /v1/anomalies: unexpected response or out of memory");
	switch (a->format) {
	case RPT_FORMAT_JSON:
		rc = json_dumpf(list, out, JSON_INDENT(2)) < 0 || fputc('\n', out) == EOF ? -1 : 0;
		break;
	case RPT_FORMAT_CSV:
		rc = render_csv(out, list);
		break;
	default:
		rc = render_text(out, list);
		break;
	}
	json_decref(list);
	if (rc < 0 || fflush(out) != 0)
		return vg_errf(err, errlen, "cannot write the report");
	return 0;
}
