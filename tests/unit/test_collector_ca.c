/*
 * Unit tests for the vigil CA (col_ca): what `ca init` and `ca issue`
 * write (files, modes, refusals) and that the certificates verify with
 * GnuTLS for their purpose, with the names asked for.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "col_ca.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vigil-unit.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *in_tmp(const char *name)
{
	static char path[4][256];
	static int next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
	return p;
}

static unsigned mode_of(const char *name)
{
	struct stat st;
	assert_int_equal(stat(in_tmp(name), &st), 0);
	return st.st_mode & 07777;
}

static gnutls_x509_crt_t load(const char *name)
{
	gnutls_datum_t d;
	gnutls_x509_crt_t crt;
	assert_int_equal(gnutls_load_file(in_tmp(name), &d), 0);
	assert_int_equal(gnutls_x509_crt_init(&crt), 0);
	assert_true(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) >= 0);
	gnutls_free(d.data);
	return crt;
}

/* Verifies name against ca.pem for the key purpose oid; returns the status. */
static unsigned verify(const char *name, const char *oid)
{
	gnutls_x509_trust_list_t tl;
	gnutls_x509_crt_t ca = load("ca.pem"), crt = load(name);
	gnutls_typed_vdata_st purpose = {.type = GNUTLS_DT_KEY_PURPOSE_OID, .data = (unsigned char *)oid};
	unsigned status = 0;
	assert_int_equal(gnutls_x509_trust_list_init(&tl, 0), 0);
	assert_int_equal(gnutls_x509_trust_list_add_cas(tl, &ca, 1, 0), 1);
	assert_int_equal(gnutls_x509_trust_list_verify_crt2(tl, &crt, 1, &purpose, 1, 0, &status, NULL), 0);
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_trust_list_deinit(tl, 1);   /* frees ca */
	return status;
}

static void init_writes_ca_and_server_certificate(void **state)
{
	const char *names[] = {"collector.example", "192.0.2.10"};
	char err[512], cn[128], san[128];
	size_t len = sizeof cn;
	unsigned critical;
	(void)state;
	assert_int_equal(col_ca_init(tmpdir, names, 2, err, sizeof err), 0);
	assert_int_equal(mode_of("ca.key"), 0600);
	assert_int_equal(mode_of("ca.pem"), 0644);
	assert_int_equal(mode_of("collector.key"), 0600);
	assert_int_equal(mode_of("collector.pem"), 0644);
	assert_int_equal(verify("collector.pem", GNUTLS_KP_TLS_WWW_SERVER), 0);
	assert_int_not_equal(verify("collector.pem", GNUTLS_KP_TLS_WWW_CLIENT), 0);
	gnutls_x509_crt_t crt = load("collector.pem");
	assert_int_equal(gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len), 0);
	assert_string_equal(cn, "collector.example");
	len = sizeof san;
	assert_int_equal(gnutls_x509_crt_get_subject_alt_name(crt, 0, san, &len, &critical), GNUTLS_SAN_DNSNAME);
	len = sizeof san;
	assert_int_equal(gnutls_x509_crt_get_subject_alt_name(crt, 1, san, &len, &critical),
	                 GNUTLS_SAN_IPADDRESS);
	assert_int_equal(len, 4);
	assert_memory_equal(san, "\xc0\x00\x02\x0a", 4);
	assert_int_equal(gnutls_x509_crt_check_hostname(crt, "collector.example"), 1);
	gnutls_x509_crt_deinit(crt);

	/* Nothing is overwritten, and nothing changes. */
	struct stat before, after;
	assert_int_equal(stat(in_tmp("ca.key"), &before), 0);
	assert_int_equal(col_ca_init(tmpdir, names, 2, err, sizeof err), -1);
	assert_non_null(strstr(err, "refusing to overwrite"));
	assert_int_equal(stat(in_tmp("ca.key"), &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
}

static void issue_writes_client_certificate(void **state)
{
	const char *names[] = {"127.0.0.1"};
	char err[512], cn[128], serial_a[32], serial_b[32];
	size_t len = sizeof cn, la = sizeof serial_a, lb = sizeof serial_b;
	(void)state;
	assert_int_equal(col_ca_init(tmpdir, names, 1, err, sizeof err), 0);
	assert_int_equal(col_ca_issue(tmpdir, "ws-0042", tmpdir, err, sizeof err), 0);
	assert_int_equal(mode_of("ws-0042.key"), 0600);
	assert_int_equal(mode_of("ws-0042.pem"), 0644);
	assert_int_equal(verify("ws-0042.pem", GNUTLS_KP_TLS_WWW_CLIENT), 0);
	assert_int_not_equal(verify("ws-0042.pem", GNUTLS_KP_TLS_WWW_SERVER), 0);
	gnutls_x509_crt_t a = load("ws-0042.pem");
	assert_int_equal(gnutls_x509_crt_get_dn_by_oid(a, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &len), 0);
	assert_string_equal(cn, "ws-0042");
	time_t span = gnutls_x509_crt_get_expiration_time(a) - gnutls_x509_crt_get_activation_time(a);
	assert_true(span >= 365 * 86400 && span < 366 * 86400);
	assert_int_equal(col_ca_issue(tmpdir, "ws-0043", tmpdir, err, sizeof err), 0);
	gnutls_x509_crt_t b = load("ws-0043.pem");
	assert_int_equal(gnutls_x509_crt_get_serial(a, serial_a, &la), 0);
	assert_int_equal(gnutls_x509_crt_get_serial(b, serial_b, &lb), 0);
	assert_int_equal(la, 16);
	assert_true(la != lb || memcmp(serial_a, serial_b, la) != 0);
	gnutls_x509_crt_deinit(a);
	gnutls_x509_crt_deinit(b);

	assert_int_equal(col_ca_issue(tmpdir, "ws-0042", tmpdir, err, sizeof err), -1);
	assert_non_null(strstr(err, "refusing to overwrite"));
	assert_int_equal(col_ca_issue(tmpdir, "../ws", tmpdir, err, sizeof err), -1);
	assert_int_equal(col_ca_issue(tmpdir, "", tmpdir, err, sizeof err), -1);
}

/* A CA key that is not the CA certificate's is caught before anything is
 * written; so is a key readable by others. */
static void issue_refuses_bad_ca_key(void **state)
{
	const char *names[] = {"localhost"};
	char err[512], cmd[512];
	(void)state;
	assert_int_equal(col_ca_init(tmpdir, names, 1, err, sizeof err), 0);
	snprintf(cmd, sizeof cmd, "cp '%s/collector.key' '%s/other.key' && mv '%s/other.key' '%s/ca.key'",
	         tmpdir, tmpdir, tmpdir, tmpdir);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(col_ca_issue(tmpdir, "ws-9", tmpdir, err, sizeof err), -1);
	assert_non_null(strstr(err, "does not verify against the CA"));
	assert_int_equal(access(in_tmp("ws-9.pem"), F_OK), -1);
	assert_int_equal(access(in_tmp("ws-9.key"), F_OK), -1);
	assert_int_equal(chmod(in_tmp("ca.key"), 0640), 0);
	assert_int_equal(col_ca_issue(tmpdir, "ws-9", tmpdir, err, sizeof err), -1);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(col_ca_init(tmpdir, names, 0, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(init_writes_ca_and_server_certificate, setup, teardown),
		cmocka_unit_test_setup_teardown(issue_writes_client_certificate, setup, teardown),
		cmocka_unit_test_setup_teardown(issue_refuses_bad_ca_key, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
