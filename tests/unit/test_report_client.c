/*
 * test_report_client: vigil-report's HTTP client and the anomalies command
 * against a stand-in collector.
 *
 * The stand-in is a libmicrohttpd daemon on an ephemeral loopback port that
 * answers every request with the status and body the case sets, and
 * records the Authorization header and query arguments it received.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>

#include "rpt_anomaly.h"
#include "rpt_args.h"
#include "rpt_client.h"
#include "rpt_render.h"

struct stub {
	struct MHD_Daemon *daemon;
	char base[64];
	/* what to answer */
	unsigned status;
	const char *body;
	const char *location;
	/* what was asked */
	char auth[256], url[256], person[64], since[64], limit[16];
	int requests;
};

static struct stub stub;

static void copy_value(struct MHD_Connection *c, enum MHD_ValueKind kind, const char *key,
		       char *dst, size_t size)
{
	const char *v = MHD_lookup_connection_value(c, kind, key);

	snprintf(dst, size, "%s", v ? v : "");
}

static enum MHD_Result stub_answer(void *cls, struct MHD_Connection *c, const char *url,
				   const char *method, const char *version,
				   const char *upload_data, size_t *upload_data_size,
				   void **con_cls)
{
	struct stub *s = cls;
	struct MHD_Response *r;
	enum MHD_Result rc;

	(void)method, (void)version, (void)upload_data, (void)upload_data_size, (void)con_cls;
	s->requests++;
	snprintf(s->url, sizeof s->url, "%s", url);
	copy_value(c, MHD_HEADER_KIND, "Authorization", s->auth, sizeof s->auth);
	copy_value(c, MHD_GET_ARGUMENT_KIND, "person", s->person, sizeof s->person);
	copy_value(c, MHD_GET_ARGUMENT_KIND, "since", s->since, sizeof s->since);
	copy_value(c, MHD_GET_ARGUMENT_KIND, "limit", s->limit, sizeof s->limit);
	r = MHD_create_response_from_buffer(strlen(s->body), (void *)s->body,
					    MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(r, "Content-Type", "application/json");
	if (s->location)
		MHD_add_response_header(r, "Location", s->location);
	rc = MHD_queue_response(c, s->status, r);
	MHD_destroy_response(r);
	return rc;
}

static int stub_start(void **state)
{
	const union MHD_DaemonInfo *info;
	struct sockaddr_in loopback = {.sin_family = AF_INET, .sin_port = 0};

	(void)state;
	loopback.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	curl_global_init(CURL_GLOBAL_DEFAULT);
	memset(&stub, 0, sizeof stub);
	stub.daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL,
				       stub_answer, &stub, MHD_OPTION_SOCK_ADDR, &loopback,
				       MHD_OPTION_END);
	if (!stub.daemon)
		return -1;
	info = MHD_get_daemon_info(stub.daemon, MHD_DAEMON_INFO_BIND_PORT);
	snprintf(stub.base, sizeof stub.base, "http://127.0.0.1:%u", info->port);
	return 0;
}

static int stub_stop(void **state)
{
	(void)state;
	MHD_stop_daemon(stub.daemon);
	curl_global_cleanup();
	return 0;
}

static void stub_set(unsigned status, const char *body)
{
	stub.status = status;
	stub.body = body;
	stub.location = NULL;
	stub.auth[0] = stub.url[0] = stub.person[0] = stub.since[0] = stub.limit[0] = '\0';
}

static struct rpt_client *client_for(const char *base, size_t max_response)
{
	struct rpt_client_opts o = {.base_url = base, .token = "vgo_test", .timeout_s = 5,
				    .max_response = max_response};
	struct rpt_client *c = NULL;
	char err[256];

	if (rpt_client_new(&o, &c, err, sizeof err) != RPT_CLIENT_OK)
		fail_msg("rpt_client_new: %s", err);
	return c;
}

/* ---- URLs ---------------------------------------------------------------- */

/* Plain http only to loopback; no queries, fragments or other schemes. */
static void collector_urls_are_checked(void **state)
{
	static const char *const good[] = {
		"http://127.0.0.1:8470", "http://localhost:8470/", "http://[::1]:8470",
		"https://collector.example:8470", "https://collector.example/vigil",
	};
	static const struct {
		const char *url, *message;
	} bad[] = {
		{"http://collector.example:8470", "plain http would send the token in clear"},
		{"ftp://127.0.0.1/", "scheme must be http or https"},
		{"http://127.0.0.1:8470/?x=1", "must not have a query or fragment"},
		{"127.0.0.1:8470", "is not a URL"},
		{"http://", "is not a URL"},
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		if (rpt_client_check_url(good[i], err, sizeof err) != 0)
			fail_msg("%s: %s", good[i], err);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(rpt_client_check_url(bad[i].url, err, sizeof err), -1);
		if (!strstr(err, bad[i].message))
			fail_msg("%s: got \"%s\"", bad[i].url, err);
	}
}

/* Names and values are percent-encoded; absent values are left out. */
static void query_strings_are_escaped(void **state)
{
	const struct rpt_query_param p[] = {
		{"person", "p 1&kind=x"}, {"kind", NULL}, {"since", "2026-11-01T00:00:00.000Z"},
	};
	char *url = rpt_client_url("https://c.example/vigil/", "/v1/anomalies", p, 3);

	(void)state;
	assert_string_equal(url, "https://c.example/vigil/v1/anomalies?person=p%201%26kind%3Dx"
				 "&since=2026-11-01T00%3A00%3A00.000Z");
	free(url);
	url = rpt_client_url("http://127.0.0.1:8470", "/v1/anomalies", NULL, 0);
	assert_string_equal(url, "http://127.0.0.1:8470/v1/anomalies");
	free(url);
}

/* ---- requests ------------------------------------------------------------ */

/* The token goes as a bearer header, the filters arrive decoded. */
static void get_sends_token_and_parses_json(void **state)
{
	const struct rpt_query_param p[] = {{"person", "p 1&x"}, {"limit", "5"}};
	struct rpt_client *c = client_for(stub.base, 0);
	json_t *out = NULL;
	long status = 0;
	char err[512];

	(void)state;
	stub_set(200, "{\"anomalies\":[]}");
	assert_int_equal(rpt_client_get(c, "/v1/anomalies", p, 2, &out, &status, err, sizeof err),
			 RPT_CLIENT_OK);
	assert_int_equal(status, 200);
	assert_true(json_is_array(json_object_get(out, "anomalies")));
	assert_string_equal(stub.auth, "Bearer vgo_test");
	assert_string_equal(stub.url, "/v1/anomalies");
	assert_string_equal(stub.person, "p 1&x");
	assert_string_equal(stub.limit, "5");
	json_decref(out);
	rpt_client_free(c);
}

/* The collector's own error text and status reach the officer. */
static void http_errors_carry_status_and_collector_text(void **state)
{
	struct rpt_client *c = client_for(stub.base, 0);
	json_t *out = NULL;
	long status = 0;
	char err[512], want[512];

	(void)state;
	stub_set(401, "{\"error\":\"unknown token\"}");
	assert_int_equal(rpt_client_get(c, "/v1/anomalies", NULL, 0, &out, &status, err,
					sizeof err),
			 RPT_CLIENT_HTTP);
	assert_null(out);
	assert_int_equal(status, 401);
	snprintf(want, sizeof want, "GET %s/v1/anomalies: HTTP 401: unknown token", stub.base);
	assert_string_equal(err, want);

	stub_set(403, "{\"error\":\"role agent may not read anomalies\"}");
	rpt_client_get(c, "/v1/anomalies", NULL, 0, &out, &status, err, sizeof err);
	assert_non_null(strstr(err, "HTTP 403: role agent may not read anomalies"));

	/* Without a message, the status gets a hint. */
	stub_set(401, "");
	rpt_client_get(c, "/v1/anomalies", NULL, 0, &out, &status, err, sizeof err);
	assert_non_null(strstr(err, "HTTP 401: check the token"));

	/* A body that is not the API's error object is quoted, made safe. */
	stub_set(502, "<html>\x1b[2Jbad gateway</html>");
	assert_int_equal(rpt_client_get(c, "/v1/anomalies", NULL, 0, &out, &status, err,
					sizeof err),
			 RPT_CLIENT_HTTP);
	assert_non_null(strstr(err, "HTTP 502: <html>\\x1b[2Jbad gateway</html>"));
	rpt_client_free(c);
}

/* A redirect is reported, not followed: the token stays where it was sent. */
static void redirects_are_not_followed(void **state)
{
	struct rpt_client *c = client_for(stub.base, 0);
	json_t *out = NULL;
	long status = 0;
	char err[512];

	(void)state;
	stub_set(302, "");
	stub.location = "http://127.0.0.1:1/elsewhere";
	assert_int_equal(rpt_client_get(c, "/v1/anomalies", NULL, 0, &out, &status, err,
					sizeof err),
			 RPT_CLIENT_HTTP);
	assert_int_equal(status, 302);
	assert_int_equal(stub.requests > 0, 1);
	assert_non_null(strstr(err, "HTTP 302: no error message"));
	rpt_client_free(c);
}

/* 200 with a body that is not JSON, or larger than the cap, is refused. */
static void bad_and_oversized_bodies_are_refused(void **state)
{
	static char big[4096];
	struct rpt_client *c = client_for(stub.base, 1024);
	json_t *out = NULL;
	char err[512];

	(void)state;
	stub_set(200, "not json");
	assert_int_equal(rpt_client_get(c, "/v1/anomalies", NULL, 0, &out, NULL, err, sizeof err),
			 RPT_CLIENT_BAD_JSON);
	assert_non_null(strstr(err, "HTTP 200 but the body is not JSON: line 1 column 3: "));

	memset(big, ' ', sizeof big - 1);
	big[0] = '[';
	big[sizeof big - 2] = ']';
	stub_set(200, big);
	assert_int_equal(rpt_client_get(c, "/v1/anomalies", NULL, 0, &out, NULL, err, sizeof err),
			 RPT_CLIENT_TOO_LARGE);
	assert_non_null(strstr(err, "response larger than"));
	assert_null(out);
	rpt_client_free(c);
}

/* Nobody listening: a network error naming the request. */
static void unreachable_collector_is_a_network_error(void **state)
{
	struct rpt_client *c = client_for("http://127.0.0.1:1", 0);
	json_t *out = NULL;
	char err[512];

	(void)state;
	assert_int_equal(rpt_client_get(c, "/v1/anomalies", NULL, 0, &out, NULL, err, sizeof err),
			 RPT_CLIENT_NETWORK);
	assert_non_null(strstr(err, "GET http://127.0.0.1:1/v1/anomalies: "));
	rpt_client_free(c);
}

/* ---- the anomalies command ---------------------------------------------- */

static char *run_anomalies(const char *const *argv_tail, int *rc, char *err, size_t errlen)
{
	static struct rpt_args a;
	char *argv[16] = {"vigil-report", "anomalies"};
	int argc = 2;
	struct rpt_render_opts ro = {.width = 80};
	struct rpt_client *c = client_for(stub.base, 0);
	char *buf = NULL;
	size_t size = 0;
	FILE *m = open_memstream(&buf, &size);

	for (; argv_tail && *argv_tail; argv_tail++)
		argv[argc++] = (char *)*argv_tail;
	assert_int_equal(rpt_args_parse(argc, argv, &a, err, errlen), 0);
	ro.limit = a.limit;
	*rc = rpt_anomalies_run(c, &a, &ro, m, err, errlen);
	fclose(m);
	rpt_client_free(c);
	return buf;
}

/* Filters reach the collector in its formats; the list is rendered. */
static void anomalies_command_fetches_and_renders(void **state)
{
	static const char *const tail[] = {"--since", "2026-11-01", "--person", "p1001",
					   "--format", "csv", NULL};
	char err[512];
	int rc;
	char *out;

	(void)state;
	stub_set(200, "{\"anomalies\":[{\"id\":3,\"kind\":\"first_access\",\"severity\":\"low\","
		      "\"person\":\"p1001\",\"account\":\"alice\",\"host\":\"ws-1\","
		      "\"reasons\":[],\"events\":[{\"agent\":1,\"seq\":9}]}]}");
	out = run_anomalies(tail, &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_string_equal(stub.since, "2026-11-01T00:00:00.000Z");
	assert_string_equal(stub.person, "p1001");
	assert_string_equal(stub.limit, "100");
	assert_non_null(strstr(out, "\r\n3,,low,first_access,p1001,alice,ws-1,,,,,1:9,,,,,\r\n"));
	free(out);
}

/* A 200 without the "anomalies" array is a protocol error, not an empty
 * report. */
static void anomalies_command_rejects_a_wrong_shape(void **state)
{
	char err[512];
	int rc;
	char *out;

	(void)state;
	stub_set(200, "{\"events\":[]}");
	out = run_anomalies(NULL, &rc, err, sizeof err);
	assert_int_equal(rc, -1);
	assert_string_equal(out, "");
	assert_non_null(strstr(err, "no \"anomalies\" array"));
	free(out);

	stub_set(200, "{\"anomalies\":[]}");
	out = run_anomalies(NULL, &rc, err, sizeof err);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "no anomalies match\n");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(collector_urls_are_checked),
		cmocka_unit_test(query_strings_are_escaped),
		cmocka_unit_test(get_sends_token_and_parses_json),
		cmocka_unit_test(http_errors_carry_status_and_collector_text),
		cmocka_unit_test(redirects_are_not_followed),
		cmocka_unit_test(bad_and_oversized_bodies_are_refused),
		cmocka_unit_test(unreachable_collector_is_a_network_error),
		cmocka_unit_test(anomalies_command_fetches_and_renders),
		cmocka_unit_test(anomalies_command_rejects_a_wrong_shape),
	};

	return cmocka_run_group_tests(tests, stub_start, stub_stop);
}
