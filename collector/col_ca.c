/*
 * col_ca: the vigil CA commands and the peer-certificate reader (see
 * col_ca.h). Keys are ECDSA P-256 (every TLS library of the agents' and the
 * officers' tools speaks it), written as unencrypted PKCS#8; certificates
 * are X.509 v3 signed with SHA-256. Files are created with O_EXCL, so an
 * existing key is never replaced.
 */
#include "col_ca.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DAY (24 * 60 * 60)
#define CA_DAYS 3650
#define SERVER_DAYS 825
#define CLIENT_DAYS 365

static int failf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int tls_fail(char *err, size_t errlen, const char *what, int rc)
{
	return failf(err, errlen, "%s: %s", what, gnutls_strerror(rc));
}

/* Writes a new file with exactly mode; never replaces one. */
static int write_new(const char *path, const gnutls_datum_t *d, mode_t mode, char *err, size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return failf(err, errlen, "%s: %s%s", path, strerror(errno),
		             errno == EEXIST ? " (refusing to overwrite it)" : "");
	size_t off = 0;
	while (off < d->size) {
		ssize_t n = write(fd, d->data + off, d->size - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	int bad = off != d->size || fchmod(fd, mode) < 0 || fsync(fd) < 0;
	if (close(fd) < 0)
		bad = 1;
	if (bad) {
		failf(err, errlen, "%s: cannot write: %s", path, strerror(errno));
		unlink(path);
		return -1;
	}
	return 0;
}

static int new_key(gnutls_x509_privkey_t *key, char *err, size_t errlen)
{
	int rc = gnutls_x509_privkey_init(key);
	if (rc < 0)
		return tls_fail(err, errlen, "key", rc);
	rc = gnutls_x509_privkey_generate2(*key, GNUTLS_PK_ECDSA,
	                                   GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0, NULL, 0);
	if (rc < 0) {
		gnutls_x509_privkey_deinit(*key);
		*key = NULL;
		return tls_fail(err, errlen, "generate an ECDSA P-256 key", rc);
	}
	return 0;
}

/* A certificate with what every vigil certificate has: version 3, a random
 * positive 128-bit serial, validity from five minutes ago (clock skew) for
 * days, the CN, the key and its identifier. */
static int new_cert(gnutls_x509_crt_t *crt, gnutls_x509_privkey_t key, const char *cn, int days,
                    char *err, size_t errlen)
{
	unsigned char serial[16], keyid[64];
	size_t idlen = sizeof keyid;
	time_t now = time(NULL);
	int rc;

	if ((rc = gnutls_x509_crt_init(crt)) < 0)
		return tls_fail(err, errlen, "certificate", rc);
	if ((rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial)) < 0)
		goto fail;
	serial[0] = (unsigned char)((serial[0] & 0x7f) | 0x40);   /* positive, full length */
	if ((rc = gnutls_x509_crt_set_version(*crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(*crt, serial, sizeof serial)) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(*crt, now - 300)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(*crt, now + (time_t)days * DAY)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(*crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
	                                        (unsigned)strlen(cn))) < 0 ||
	    (rc = gnutls_x509_crt_set_key(*crt, key)) < 0 ||
	    (rc = gnutls_x509_crt_get_key_id(*crt, GNUTLS_KEYID_USE_SHA1, keyid, &idlen)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_key_id(*crt, keyid, idlen)) < 0)
		goto fail;
	return 0;
fail:
	gnutls_x509_crt_deinit(*crt);
	*crt = NULL;
	return tls_fail(err, errlen, "certificate fields", rc);
}

/* A copy of crt read back from its DER encoding. */
static int reimport(gnutls_x509_crt_t crt, gnutls_x509_crt_t *copy)
{
	gnutls_datum_t der = {NULL, 0};
	int rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_DER, &der);
	if (rc >= 0 && (rc = gnutls_x509_crt_init(copy)) >= 0 &&
	    (rc = gnutls_x509_crt_import(*copy, &der, GNUTLS_X509_FMT_DER)) < 0) {
		gnutls_x509_crt_deinit(*copy);
		*copy = NULL;
	}
	gnutls_free(der.data);
	return rc;
}

/* Marks crt as an end-entity certificate for purpose, signed by the CA. */
static int sign_leaf(gnutls_x509_crt_t crt, const char *purpose, gnutls_x509_crt_t ca,
                     gnutls_x509_privkey_t ca_key, char *err, size_t errlen)
{
	unsigned char aki[64];
	size_t akilen = sizeof aki;
	unsigned critical;
	int rc;

	if ((rc = gnutls_x509_crt_set_basic_constraints(crt, 0, -1)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_purpose_oid(crt, purpose, 0)) < 0 ||
	    (rc = gnutls_x509_crt_get_subject_key_id(ca, aki, &akilen, &critical)) < 0 ||
	    (rc = gnutls_x509_crt_set_authority_key_id(crt, aki, akilen)) < 0)
		return tls_fail(err, errlen, "certificate extensions", rc);
	if ((rc = gnutls_x509_crt_sign2(crt, ca, ca_key, GNUTLS_DIG_SHA256, 0)) < 0)
		return tls_fail(err, errlen, "sign the certificate", rc);
	/* The CA key must match the CA certificate: check what was signed as
	 * a verifier will see it, both certificates exported and read back
	 * (GnuTLS compares the encoded names). */
	gnutls_x509_crt_t leaf = NULL, issuer = NULL;
	unsigned status = 0;
	if ((rc = reimport(crt, &leaf)) >= 0 && (rc = reimport(ca, &issuer)) >= 0)
		rc = gnutls_x509_crt_verify(leaf, &issuer, 1, 0, &status);
	if (leaf)
		gnutls_x509_crt_deinit(leaf);
	if (issuer)
		gnutls_x509_crt_deinit(issuer);
	if (rc < 0 || status != 0)
		return failf(err, errlen, "the new certificate does not verify against the CA certificate "
		             "(does ca.key belong to ca.pem?)%s%s", rc < 0 ? ": " : "",
		             rc < 0 ? gnutls_strerror(rc) : "");
	return 0;
}

/* Writes key (mode 0600) and crt (0644) as PEM. */
static int write_pair(const char *key_path, gnutls_x509_privkey_t key, const char *crt_path,
                      gnutls_x509_crt_t crt, char *err, size_t errlen)
{
	gnutls_datum_t k = {NULL, 0}, c = {NULL, 0};
	int rc, ret = -1;

	if ((rc = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN, &k)) < 0 ||
	    (rc = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &c)) < 0) {
		tls_fail(err, errlen, "export", rc);
		goto out;
	}
	if (write_new(key_path, &k, 0600, err, errlen) < 0)
		goto out;
	if (write_new(crt_path, &c, 0644, err, errlen) < 0) {
		unlink(key_path);
		goto out;
	}
	ret = 0;
out:
	if (k.data) {
		gnutls_memset(k.data, 0, k.size);
		gnutls_free(k.data);
	}
	gnutls_free(c.data);
	return ret;
}

static int path_in(char *out, size_t len, const char *dir, const char *name, const char *ext)
{
	int n = snprintf(out, len, "%s/%s%s", dir, name, ext);
	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* Adds name to crt's subjectAltName: an IP address when it parses as one. */
static int add_name(gnutls_x509_crt_t crt, const char *name, char *err, size_t errlen)
{
	unsigned char ip[16];
	int rc;
	if (inet_pton(AF_INET, name, ip) == 1)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4, GNUTLS_FSAN_APPEND);
	else if (inet_pton(AF_INET6, name, ip) == 1)
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16, GNUTLS_FSAN_APPEND);
	else
		rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, name,
		                                          (unsigned)strlen(name), GNUTLS_FSAN_APPEND);
	return rc < 0 ? failf(err, errlen, "name '%s': %s", name, gnutls_strerror(rc)) : 0;
}

/* A name fit for a certificate and a file name: letters, digits, '.', '-',
 * '_' and ':' (IPv6), 1..253 characters, not starting with '.' or '-'. */
static int good_name(const char *s)
{
	size_t n = strlen(s);
	return n > 0 && n <= 253 && s[0] != '.' && s[0] != '-' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:") == n;
}

int col_ca_init(const char *dir, const char *const *names, size_t nnames, char *err, size_t errlen)
{
	char ca_key[4096], ca_pem[4096], srv_key[4096], srv_pem[4096], cn[300];
	const char *paths[] = {ca_key, ca_pem, srv_key, srv_pem};
	gnutls_x509_privkey_t key = NULL, skey = NULL;
	gnutls_x509_crt_t ca = NULL, srv = NULL;
	struct stat st;
	int rc, ret = -1, wrote_ca = 0;

	if (nnames == 0)
		return failf(err, errlen, "ca init: no name for the collector's certificate");
	for (size_t i = 0; i < nnames; i++)
		if (!good_name(names[i]))
			return failf(err, errlen, "ca init: '%s' is not a host name or address", names[i]);
	if (path_in(ca_key, sizeof ca_key, dir, "ca", ".key") < 0 ||
	    path_in(ca_pem, sizeof ca_pem, dir, "ca", ".pem") < 0 ||
	    path_in(srv_key, sizeof srv_key, dir, "collector", ".key") < 0 ||
	    path_in(srv_pem, sizeof srv_pem, dir, "collector", ".pem") < 0)
		return failf(err, errlen, "%s: directory name too long", dir);
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return failf(err, errlen, "%s: not a directory", dir);
	for (size_t i = 0; i < 4; i++)
		if (lstat(paths[i], &st) == 0)
			return failf(err, errlen, "%s exists; refusing to overwrite the vigil CA", paths[i]);
	char host[256] = "";
	gethostname(host, sizeof host - 1);
	snprintf(cn, sizeof cn, "vigil CA%s%s", host[0] ? " " : "", host);

	if (new_key(&key, err, errlen) < 0 || new_cert(&ca, key, cn, CA_DAYS, err, errlen) < 0)
		goto out;
	if ((rc = gnutls_x509_crt_set_basic_constraints(ca, 1, 0)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN)) < 0) {
		tls_fail(err, errlen, "CA extensions", rc);
		goto out;
	}
	if ((rc = gnutls_x509_crt_sign2(ca, ca, key, GNUTLS_DIG_SHA256, 0)) < 0) {
		tls_fail(err, errlen, "self-sign the CA certificate", rc);
		goto out;
	}
	if (new_key(&skey, err, errlen) < 0 || new_cert(&srv, skey, names[0], SERVER_DAYS, err, errlen) < 0)
		goto out;
	for (size_t i = 0; i < nnames; i++)
		if (add_name(srv, names[i], err, errlen) < 0)
			goto out;
	if (sign_leaf(srv, GNUTLS_KP_TLS_WWW_SERVER, ca, key, err, errlen) < 0)
		goto out;
	if (write_pair(ca_key, key, ca_pem, ca, err, errlen) < 0)
		goto out;
	wrote_ca = 1;
	if (write_pair(srv_key, skey, srv_pem, srv, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	if (ret < 0 && wrote_ca) {
		unlink(ca_key);
		unlink(ca_pem);
	}
	if (key)
		gnutls_x509_privkey_deinit(key);
	if (skey)
		gnutls_x509_privkey_deinit(skey);
	if (ca)
		gnutls_x509_crt_deinit(ca);
	if (srv)
		gnutls_x509_crt_deinit(srv);
	return ret;
}

/* Loads the CA certificate and key from dir; the key must be private. */
static int load_ca(const char *dir, gnutls_x509_crt_t *ca, gnutls_x509_privkey_t *key, char *err,
                   size_t errlen)
{
	char kpath[4096], cpath[4096];
	gnutls_datum_t d = {NULL, 0};
	struct stat st;
	int rc;

	*ca = NULL;
	*key = NULL;
	if (path_in(kpath, sizeof kpath, dir, "ca", ".key") < 0 ||
	    path_in(cpath, sizeof cpath, dir, "ca", ".pem") < 0)
		return failf(err, errlen, "%s: directory name too long", dir);
	if (stat(kpath, &st) < 0)
		return failf(err, errlen, "%s: %s (run `ca init` first)", kpath, strerror(errno));
	if (st.st_mode & 077)
		return failf(err, errlen, "%s: the CA key must not be readable by group or others (chmod 600)",
		             kpath);
	if ((rc = gnutls_load_file(cpath, &d)) < 0)
		return failf(err, errlen, "%s: cannot read: %s", cpath, gnutls_strerror(rc));
	if ((rc = gnutls_x509_crt_init(ca)) < 0 ||
	    (rc = gnutls_x509_crt_import(*ca, &d, GNUTLS_X509_FMT_PEM)) < 0) {
		gnutls_free(d.data);
		return failf(err, errlen, "%s: not a PEM certificate: %s", cpath, gnutls_strerror(rc));
	}
	gnutls_free(d.data);
	d.data = NULL;
	if ((rc = gnutls_load_file(kpath, &d)) < 0)
		return failf(err, errlen, "%s: cannot read: %s", kpath, gnutls_strerror(rc));
	if ((rc = gnutls_x509_privkey_init(key)) < 0 ||
	    (rc = gnutls_x509_privkey_import2(*key, &d, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN)) < 0) {
		gnutls_memset(d.data, 0, d.size);
		gnutls_free(d.data);
		return failf(err, errlen, "%s: not an unencrypted PEM key: %s", kpath, gnutls_strerror(rc));
	}
	gnutls_memset(d.data, 0, d.size);
	gnutls_free(d.data);
	return 0;
}

int col_ca_issue(const char *dir, const char *host, const char *outdir, char *err, size_t errlen)
{
	char kpath[4096], cpath[4096];
	gnutls_x509_crt_t ca = NULL, crt = NULL;
	gnutls_x509_privkey_t ca_key = NULL, key = NULL;
	int ret = -1;

	if (!good_name(host))
		return failf(err, errlen, "ca issue: '%s' is not a host name (letters, digits, '.', '-', '_')",
		             host);
	if (path_in(kpath, sizeof kpath, outdir, host, ".key") < 0 ||
	    path_in(cpath, sizeof cpath, outdir, host, ".pem") < 0)
		return failf(err, errlen, "%s: directory name too long", outdir);
	struct stat st;
	if (lstat(kpath, &st) == 0 || lstat(cpath, &st) == 0)
		return failf(err, errlen, "%s exists; refusing to overwrite it",
		             lstat(kpath, &st) == 0 ? kpath : cpath);
	if (load_ca(dir, &ca, &ca_key, err, errlen) < 0)
		goto out;
	if (new_key(&key, err, errlen) < 0 || new_cert(&crt, key, host, CLIENT_DAYS, err, errlen) < 0 ||
	    sign_leaf(crt, GNUTLS_KP_TLS_WWW_CLIENT, ca, ca_key, err, errlen) < 0 ||
	    write_pair(kpath, key, cpath, crt, err, errlen) < 0)
		goto out;
	ret = 0;
out:
	if (ca)
		gnutls_x509_crt_deinit(ca);
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (ca_key)
		gnutls_x509_privkey_deinit(ca_key);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return ret;
}

int col_ca_peer_cn(void *session, char *cn, size_t len)
{
	unsigned n = 0;
	gnutls_x509_crt_t crt;
	char extra[8];
	size_t size = len, xsize = sizeof extra;
	int rc;

	if (!session || gnutls_certificate_type_get((gnutls_session_t)session) != GNUTLS_CRT_X509)
		return -1;
	const gnutls_datum_t *peers = gnutls_certificate_get_peers((gnutls_session_t)session, &n);
	if (!peers || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return -1;
	rc = gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER);
	if (rc >= 0)
		rc = gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn, &size);
	/* Two CNs would make the name ambiguous. */
	if (rc >= 0 && gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 1, 0, extra,
	                                             &xsize) != GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
		rc = -1;
	gnutls_x509_crt_deinit(crt);
	if (rc < 0 || size >= len || strlen(cn) != size)
		return -1;
	return 0;
}

/* ---- the command ------------------------------------------------------- */

static void ca_usage(void)
{
	fprintf(stderr, "usage: vigil-collector -c FILE ca init [--dir D] [--name NAME]...\n"
	                "       vigil-collector -c FILE ca issue HOST [--dir D] [--out DIR]\n");
}

/* The configuration file's directory, where the CA lives by default. */
static void config_dir(const struct col_config *cfg, char *out, size_t len)
{
	snprintf(out, len, "%s", cfg->path);
	char *slash = strrchr(out, '/');
	if (!slash)
		snprintf(out, len, ".");
	else if (slash == out)
		out[1] = '\0';
	else
		*slash = '\0';
}

static int is_wildcard(const char *h)
{
	return strcmp(h, "0.0.0.0") == 0 || strcmp(h, "::") == 0;
}

int col_ca_main(const struct col_config *cfg, int argc, char **argv)
{
	char dir[4096], err[1024], host[256] = "";
	const char *out = ".", *hostarg = NULL;
	const char *names[34];
	size_t nnames = 0;
	int init;

	config_dir(cfg, dir, sizeof dir);
	if (argc < 2 || (strcmp(argv[1], "init") != 0 && strcmp(argv[1], "issue") != 0)) {
		ca_usage();
		return 2;
	}
	init = strcmp(argv[1], "init") == 0;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			snprintf(dir, sizeof dir, "%s", argv[++i]);
		else if (!init && strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (init && strcmp(argv[i], "--name") == 0 && i + 1 < argc && nnames < 32)
			names[nnames++] = argv[++i];
		else if (!init && !hostarg && argv[i][0] != '-')
			hostarg = argv[i];
		else {
			ca_usage();
			return 2;
		}
	}
	if (init) {
		if (nnames == 0) {
			/* The names agents reach the collector by: its listen address
			 * (with localhost for loopback), else the host name. */
			if (!is_wildcard(cfg->listen_host))
				names[nnames++] = cfg->listen_host;
			if (strcmp(cfg->listen_host, "127.0.0.1") == 0 || strcmp(cfg->listen_host, "::1") == 0)
				names[nnames++] = "localhost";
			else if (gethostname(host, sizeof host - 1) == 0 && host[0] &&
			         strcmp(host, cfg->listen_host) != 0)
				names[nnames++] = host;
		}
		if (col_ca_init(dir, names, nnames, err, sizeof err) < 0) {
			fprintf(stderr, "vigil-collector: %s\n", err);
			return 1;
		}
		printf("vigil CA created in %s: ca.pem, ca.key (keep it private; it signs agent "
		       "certificates), collector.pem, collector.key\n"
		       "collector.conf: tls = { certificate = \"%s/collector.pem\"; key = \"%s/collector.key\";"
		       " client_ca = \"%s/ca.pem\"; };\n",
		       dir, dir, dir, dir);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (!hostarg) {
		ca_usage();
		return 2;
	}
	if (col_ca_issue(dir, hostarg, out, err, sizeof err) < 0) {
		fprintf(stderr, "vigil-collector: %s\n", err);
		return 1;
	}
	printf("issued %s/%s.pem and %s/%s.key for agent %s (1 year); agent.conf: certificate = "
	       "\"/etc/vigil/agent.pem\"; key = \"/etc/vigil/agent.key\";\n",
	       out, hostarg, out, hostarg, hostarg);
	return fflush(stdout) == 0 ? 0 : 1;
}
