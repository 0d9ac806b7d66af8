/*
 * rpt_anomaly: `vigil-report anomalies` and the names it checks against.
 *
 * The command is a thin pipe: arguments to a query string, GET
 * /v1/anomalies, take the "anomalies" array, hand it to a renderer. The
 * filtering itself is the collector's, so a report always agrees with what
 * the API and the web UI show.
 */
#include "rpt_anomaly.h"

#include "rpt_text.h"
#include "vg_anomaly.h"

#include <string.h>

int rpt_severity_rank(const char *s)
{
	return vg_severity_parse(s);
}

bool rpt_anomaly_kind_known(const char *s)
{
	return vg_akind_parse(s) >= 0;
}

bool rpt_anomaly_status_known(const char *s)
{
	return vg_status_parse(s) >= 0;
}

static void query_add(struct rpt_anomaly_query *q, const char *name, const char *value)
{
	if (value && q->n < sizeof q->params / sizeof q->params[0]) {
		q->params[q->n].name = name;
		q->params[q->n].value = value;
		q->n++;
	}
}

void rpt_anomaly_query_build(const struct rpt_args *a, struct rpt_anomaly_query *q)
{
	memset(q, 0, sizeof *q);
	if (a->has_since) {
		vg_time_format(a->since_ms, q->since);
		query_add(q, "since", q->since);
	}
	if (a->has_until) {
		vg_time_format(a->until_ms, q->until);
		query_add(q, "until", q->until);
	}
	query_add(q, "severity", a->severity);
	query_add(q, "kind", a->kind);
	query_add(q, "person", a->person);
	query_add(q, "status", a->status);
	snprintf(q->limit, sizeof q->limit, "%ld", a->limit);
	query_add(q, "limit", q->limit);
}

int rpt_anomalies_run(struct rpt_client *c, const struct rpt_args *a,
		      const struct rpt_render_opts *ro, FILE *out, char *err, size_t errlen)
{
	struct rpt_anomaly_query q;
	json_t *body = NULL, *list;
	int rc = -1;

	rpt_anomaly_query_build(a, &q);
	if (rpt_client_get(c, "/v1/anomalies", q.params, q.n, &body, NULL, err, errlen) !=
	    RPT_CLIENT_OK)
		return -1;
	list = json_object_get(body, "anomalies");
	if (!json_is_array(list)) {
		snprintf(err, errlen, "GET /v1/anomalies: the response has no \"anomalies\" "
			 "array");
	} else if (rpt_render_anomalies(out, list, a->format, ro) < 0) {
		snprintf(err, errlen, "cannot write the report");
	} else {
		rc = 0;
	}
	json_decref(body);
	return rc;
}
