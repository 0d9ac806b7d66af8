/*
 * Unit tests for the collector's untrusted-input edge: col_ingest_gunzip
 * (the inflate bound), col_ingest_body against a real SQLite store (counts,
 * dedup, quarantine), and col_config (listen parsing, defaults, file:line
 * errors).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_tmpdir.h"

#include "col_config.h"
#include "col_detect.h"
#include "col_ingest.h"
#include "col_server.h"
#include "col_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>


/* gzip-compresses in[0..n) into a new buffer. */
static unsigned char *gz(const void *in, size_t n, size_t *outlen)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 9, Z_DEFAULT_STRATEGY), Z_OK);
	size_t cap = deflateBound(&z, (uLong)n) + 64;
	unsigned char *out = malloc(cap);
	assert_non_null(out);
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	*outlen = z.total_out;
	deflateEnd(&z);
	return out;
}

static char *filled(size_t n, char c)
{
	char *p = malloc(n ? n : 1);
	assert_non_null(p);
	memset(p, c, n);
	return p;
}

/* ---- col_ingest_gunzip -------------------------------------------------- */

static void gunzip_ok(void **state)
{
	(void)state;
	const char text[] = "[{\"seq\":1,\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"agent\"}]";
	size_t zlen, outlen = 0;
	unsigned char *z = gz(text, strlen(text), &zlen);
	char *out = NULL;
	struct col_ingest_result res;
	memset(&res, 0, sizeof res);
	assert_int_equal(col_ingest_gunzip((char *)z, zlen, 1024, &out, &outlen, &res), 0);
	assert_int_equal(outlen, strlen(text));
	assert_memory_equal(out, text, outlen);
	free(out);
	free(z);
}

static void gunzip_large_ratio_within_limit(void **state)
{
	(void)state;
	/* 4 MiB of zeros compress ~1000:1, far past the initial 4x guess. */
	size_t n = 4u << 20, zlen, outlen = 0;
	char *plain = filled(n, 0);
	unsigned char *z = gz(plain, n, &zlen);
	char *out = NULL;
	struct col_ingest_result res;
	memset(&res, 0, sizeof res);
	assert_int_equal(col_ingest_gunzip((char *)z, zlen, n, &out, &outlen, &res), 0);
	assert_int_equal(outlen, n);
	assert_memory_equal(out, plain, n);
	free(out);
	free(z);
	free(plain);
}

static void gunzip_exact_limit_and_one_over(void **state)
{
	(void)state;
	size_t limit = 65536, zlen, outlen = 0;
	struct col_ingest_result res;
	char *out = NULL;

	char *at = filled(limit, ' ');
	unsigned char *z = gz(at, limit, &zlen);
	memset(&res, 0, sizeof res);
	assert_int_equal(col_ingest_gunzip((char *)z, zlen, limit, &out, &outlen, &res), 0);
	assert_int_equal(outlen, limit);
	free(out);
	free(z);
	free(at);

	char *over = filled(limit + 1, ' ');
	z = gz(over, limit + 1, &zlen);
	out = NULL;
	memset(&res, 0, sizeof res);
	assert_int_equal(col_ingest_gunzip((char *)z, zlen, limit, &out, &outlen, &res), -1);
	assert_int_equal(res.status, 413);
	assert_true(res.error[0] != '\0');
	assert_null(out);
	free(z);
	free(over);
}

static void gunzip_bomb(void **state)
{
	(void)state;
	/* 64 MiB of zeros (about 64 KB compressed) against a 1 MiB limit. */
	size_t n = 64u << 20, zlen, outlen = 0;
	char *plain = filled(n, 0);
	unsigned char *z = gz(plain, n, &zlen);
	free(plain);
	char *out = NULL;
	struct col_ingest_result res;
	memset(&res, 0, sizeof res);
	assert_int_equal(col_ingest_gunzip((char *)z, zlen, 1u << 20, &out, &outlen, &res), -1);
	assert_int_equal(res.status, 413);
	assert_null(out);
	free(z);
}

static void gunzip_truncated_and_corrupt(void **state)
{
	(void)state;
	char text[4096];
	for (size_t i = 0; i < sizeof text; i++)
		text[i] = (char)('a' + (i * 7919) % 26);
	size_t zlen, outlen;
	unsigned char *z = gz(text, sizeof text, &zlen);
	char *out;
	struct col_ingest_result res;

	/* Every proper prefix is refused with 400. */
	for (size_t cut = 0; cut < zlen; cut += (cut < 32 ? 1 : 97)) {
		out = NULL;
		memset(&res, 0, sizeof res);
		if (col_ingest_gunzip((char *)z, cut, 1u << 20, &out, &outlen, &res) != -1 || res.status != 400)
			fail_msg("a gzip body cut to %zu of %zu bytes was not refused with 400 (status %d)", cut,
			         zlen, res.status);
		assert_null(out);
	}
	/* A changed byte in the deflate data or the trailer is refused. */
	size_t positions[] = {12, zlen / 2, zlen - 6, zlen - 2};
	for (size_t i = 0; i < sizeof positions / sizeof positions[0]; i++) {
		unsigned char *bad = malloc(zlen);
		assert_non_null(bad);
		memcpy(bad, z, zlen);
		bad[positions[i]] ^= 0x5a;
		out = NULL;
		memset(&res, 0, sizeof res);
		if (col_ingest_gunzip((char *)bad, zlen, 1u << 20, &out, &outlen, &res) != -1 ||
		    res.status != 400)
			fail_msg("gzip body with byte %zu changed was not refused with 400 (status %d)",
			         positions[i], res.status);
		assert_null(out);
		free(bad);
	}
	/* Not gzip at all. */
	const char *plain = "[{\"seq\":1}]";
	out = NULL;
	memset(&res, 0, sizeof res);
	assert_int_equal(col_ingest_gunzip(plain, strlen(plain), 1u << 20, &out, &outlen, &res), -1);
	assert_int_equal(res.status, 400);
	free(z);
}

/* ---- col_ingest_body ----------------------------------------------------- */

struct fixture {
	struct col_server srv;
	struct col_principal agent;
};

static int ingest_setup(void **state)
{
	static int n;
	char path[256], err[512];
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(path, sizeof path, "%s/ingest-%d.db", tmpdir, n++);
	f->srv.store = col_store_sqlite_open(path, err, sizeof err);
	if (!f->srv.store) {
		fprintf(stderr, "%s\n", err);
		free(f);
		return -1;
	}
	/* No policy installed: ingest stores and quarantines, detection is off. */
	if (col_policy_slot_init(&f->srv.policy) < 0)
		return -1;
	int64_t id;
	if (col_store_agent_add(f->srv.store, "ws-unit", "00", &id) < 0)
		return -1;
	f->agent.role = COL_ROLE_AGENT;
	f->agent.id = id;
	snprintf(f->agent.name, sizeof f->agent.name, "ws-unit");
	*state = f;
	return 0;
}

static int ingest_teardown(void **state)
{
	struct fixture *f = *state;
	col_store_close(f->srv.store);
	col_policy_slot_destroy(&f->srv.policy);
	free(f);
	return 0;
}

static void ingest(struct fixture *f, const char *body, enum col_body_type type,
                   struct col_ingest_result *res)
{
	assert_int_equal(col_ingest_body(&f->srv, &f->agent, body, strlen(body), type, res), 0);
	assert_int_equal(res->status, 200);
}

#define EV(seq) "{\"seq\":" #seq ",\"time\":\"2026-11-22T04:48:38.203Z\",\"kind\":\"agent\"}"

static void ingest_counts_and_dedup(void **state)
{
	struct fixture *f = *state;
	struct col_ingest_result res;

	ingest(f, "[" EV(1) "," EV(2) "," EV(3) "]", COL_BODY_JSON, &res);
	assert_int_equal(res.accepted, 3);
	assert_int_equal(res.duplicate, 0);
	assert_int_equal(res.quarantined, 0);
	assert_int_equal(res.high_seq, 3);

	ingest(f, "[" EV(2) "," EV(3) "," EV(4) "]", COL_BODY_JSON, &res);
	assert_int_equal(res.accepted, 1);
	assert_int_equal(res.duplicate, 2);
	assert_int_equal(res.high_seq, 4);

	ingest(f, EV(9) "\n\n" EV(8) "\r\n" EV(9) "\n", COL_BODY_NDJSON, &res);
	assert_int_equal(res.accepted, 2);
	assert_int_equal(res.duplicate, 1);
	assert_int_equal(res.high_seq, 9);

	ingest(f, EV(5), COL_BODY_JSON, &res);                     /* single object */
	assert_int_equal(res.accepted, 1);
	assert_int_equal(res.high_seq, 9);                          /* below high seq: still stored */

	struct col_event_filter q = {.agent = -1, .since_ms = -1, .until_ms = -1, .limit = 100};
	json_t *all = col_store_events_query(f->srv.store, &q);
	assert_non_null(all);
	assert_int_equal(json_array_size(all), 7);                  /* 1 2 3 4 5 8 9 */
	/* The enrolled host stands in for a missing one. */
	assert_string_equal(json_string_value(json_object_get(json_array_get(all, 0), "host")), "ws-unit");
	json_decref(all);
}

static void ingest_quarantine(void **state)
{
	struct fixture *f = *state;
	struct col_ingest_result res;

	ingest(f, "[" EV(1) ",42,{\"seq\":2,\"kind\":\"agent\"}," EV(3) "]", COL_BODY_JSON, &res);
	assert_int_equal(res.accepted, 2);
	assert_int_equal(res.quarantined, 2);

	ingest(f, EV(4) "\nnot json\n{\"seq\":5,\"seq\":6}\n", COL_BODY_NDJSON, &res);
	assert_int_equal(res.accepted, 1);
	assert_int_equal(res.quarantined, 2);

	ingest(f, "[" EV(7) ",", COL_BODY_JSON, &res);              /* unparseable as a whole */
	assert_int_equal(res.accepted, 0);
	assert_int_equal(res.quarantined, 1);

	ingest(f, "[]", COL_BODY_JSON, &res);
	assert_int_equal(res.accepted + res.duplicate + res.quarantined, 0);

	json_t *q = col_store_quarantine_query(f->srv.store, 100);
	assert_non_null(q);
	assert_int_equal(json_array_size(q), 5);
	/* newest first: the unparseable body, kept byte for byte */
	json_t *first = json_array_get(q, 0);
	assert_string_equal(json_string_value(json_object_get(first, "raw")), "[" EV(7) ",");
	const char *reason = json_string_value(json_object_get(json_array_get(q, 3), "reason"));
	assert_non_null(reason);
	assert_non_null(strstr(reason, "'time'"));
	json_decref(q);
}

/* ---- col_config ------------------------------------------------------------ */

static void config_parse_listen(void **state)
{
	char *host = NULL;
	int port = 0;
	(void)state;
	assert_int_equal(col_config_parse_listen("127.0.0.1:8470", &host, &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8470);
	free(host);
	assert_int_equal(col_config_parse_listen("[::1]:443", &host, &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 443);
	free(host);
	assert_int_equal(col_config_parse_listen("localhost:0", &host, &port), 0);
	assert_int_equal(port, 0);
	free(host);
	static const char *const bad[] = {"127.0.0.1", ":8470", "127.0.0.1:", "127.0.0.1:70000",
	                                   "127.0.0.1:-1", "127.0.0.1:84x", "[::1]8470", "[::1",
	                                   ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		host = NULL;
		if (col_config_parse_listen(bad[i], &host, &port) != -1)
			fail_msg("listen \"%s\" was accepted", bad[i]);
		free(host);
	}
}

static int write_conf(const char *name, const char *text, char *path, size_t n)
{
	snprintf(path, n, "%s/%s", tmpdir, name);
	FILE *fp = fopen(path, "w");
	if (!fp)
		return -1;
	fputs(text, fp);
	return fclose(fp);
}

static void config_load(void **state)
{
	char path[256], err[512], want[300];
	struct col_config cfg;
	(void)state;

	assert_int_equal(write_conf("min.conf", "database = \"/tmp/x.db\";\npolicy = \"/tmp/p.cfg\";\n",
	                            path, sizeof path), 0);
	assert_int_equal(col_config_load(path, &cfg, err, sizeof err), 0);
	assert_string_equal(cfg.listen_host, "127.0.0.1");
	assert_int_equal(cfg.listen_port, 8470);
	assert_int_equal(cfg.max_body, 16777216);
	assert_int_equal(cfg.threads, 4);
	assert_null(cfg.tls_certificate);
	col_config_free(&cfg);

	assert_int_equal(write_conf("full.conf",
	                            "listen = \"[::1]:9000\";\ndatabase = \"d.db\";\npolicy = \"p.cfg\";\n"
	                            "max_body = 65536;\nthreads = 2;\nlog_level = \"debug\";\n"
	                            "tls = { certificate = \"c.pem\"; key = \"k.pem\"; };\n",
	                            path, sizeof path), 0);
	assert_int_equal(col_config_load(path, &cfg, err, sizeof err), 0);
	assert_string_equal(cfg.listen_host, "::1");
	assert_int_equal(cfg.max_body, 65536);
	assert_int_equal(cfg.threads, 2);
	assert_string_equal(cfg.tls_certificate, "c.pem");
	assert_null(cfg.tls_client_ca);
	col_config_free(&cfg);

	static const struct {
		const char *text;
		int line;
	} bad[] = {
		{"database = \"d\";\npolicy = \"p\";\nmax_body = 1023;\n", 3},
		{"database = \"d\";\npolicy = \"p\";\nmax_body = 2147483648L;\n", 3},
		{"database = \"d\";\npolicy = \"p\";\nthreads = 65;\n", 3},
		{"database = \"d\";\npolicy = \"p\";\n\nlisten = \"10.0.0.1:8470\";\n", 4},
		{"database = \"d\";\npolicy = 5;\n", 2},
		{"database = \"d\";\npolicy = \"p\";\ntls = { certificate = \"c\"; };\n", 0},
		{"database = \"d\";\npolicy = \"p\";\ntls = \"on\";\n", 3},
		{"database = \"d\";\npolicy = \"p\";\nDatabase = \"e\";\n", 3},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(write_conf("bad.conf", bad[i].text, path, sizeof path), 0);
		err[0] = '\0';
		if (col_config_load(path, &cfg, err, sizeof err) != -1)
			fail_msg("configuration %zu was accepted: %s", i, bad[i].text);
		snprintf(want, sizeof want, "%s:", path);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("error \"%s\" does not start with the file name", err);
		if (bad[i].line) {
			snprintf(want, sizeof want, "%s:%d: ", path, bad[i].line);
			if (!strstr(err, want))
				fail_msg("error \"%s\" should name line %d", err, bad[i].line);
		}
	}
}

/* ---- names ------------------------------------------------------------------------ */

static void names(void **state)
{
	(void)state;
	assert_string_equal(vg_akind_name(0), "clearance_exceeded");
	assert_null(vg_akind_name(VG_AK_COUNT));
	assert_null(vg_akind_name(-1));
	for (int k = 0; k < VG_AK_COUNT; k++)
		assert_int_equal(vg_akind_parse(vg_akind_name(k)), k);
	assert_int_equal(vg_akind_parse("nonsense"), -1);
	assert_int_equal(vg_severity_parse("low"), VG_SEV_LOW);
	assert_int_equal(vg_severity_parse("critical"), VG_SEV_CRITICAL);
	assert_int_equal(vg_severity_parse("severe"), -1);
	assert_string_equal(vg_severity_name(VG_SEV_HIGH), "high");
	assert_int_equal(col_role_parse("officer"), COL_ROLE_OFFICER);
	assert_int_equal(col_role_parse("admin"), COL_ROLE_ADMIN);
	assert_int_equal(col_role_parse("agent"), -1);   /* not an officer role */
	assert_int_equal(col_role_parse("root"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(gunzip_ok),
		cmocka_unit_test(gunzip_large_ratio_within_limit),
		cmocka_unit_test(gunzip_exact_limit_and_one_over),
		cmocka_unit_test(gunzip_bomb),
		cmocka_unit_test(gunzip_truncated_and_corrupt),
		cmocka_unit_test_setup_teardown(ingest_counts_and_dedup, ingest_setup, ingest_teardown),
		cmocka_unit_test_setup_teardown(ingest_quarantine, ingest_setup, ingest_teardown),
		cmocka_unit_test(config_parse_listen),
		cmocka_unit_test(config_load),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests_name("collector_ingest", tests, make_tmpdir, remove_tmpdir);
}
