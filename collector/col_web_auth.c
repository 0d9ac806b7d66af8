/*
 * col_web_auth: dashboard sign-in (token or password), password hashing
 * and browser sessions. See col_web_auth.h for the rules.
 */
#include "col_web_auth.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#define SALT_BYTES 16
#define KEY_BYTES 32
#define ITER_MIN 1000
#define ITER_MAX 10000000
/* A session's idle clock is written at most this often. */
#define TOUCH_EVERY_MS (60LL * 1000)

static const char PREFIX[] = "pbkdf2-sha256$";

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes exactly 2n lowercase hex digits at s. Returns 0 or -1. */
static int from_hex(const char *s, size_t slen, unsigned char *out, size_t n)
{
	if (slen != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return 0;
}

static int derive(const char *pw, size_t len, const unsigned char *salt, unsigned iter,
                  unsigned char key[KEY_BYTES])
{
	gnutls_datum_t k = {(unsigned char *)pw, (unsigned)len};
	gnutls_datum_t s = {(unsigned char *)salt, SALT_BYTES};
	return gnutls_pbkdf2(GNUTLS_MAC_SHA256, &k, &s, iter, key, KEY_BYTES) < 0 ? -1 : 0;
}

int col_web_password_hash(const char *pw, size_t len, char out[COL_WEB_PW_HASH_LEN])
{
	unsigned char salt[SALT_BYTES], key[KEY_BYTES];
	char salt_hex[2 * SALT_BYTES + 1], key_hex[2 * KEY_BYTES + 1];

	if (gnutls_rnd(GNUTLS_RND_RANDOM, salt, sizeof salt) < 0 ||
	    derive(pw, len, salt, COL_WEB_PBKDF2_ITER, key) < 0)
		return -1;
	vg_hex_encode(salt, sizeof salt, salt_hex);
	vg_hex_encode(key, sizeof key, key_hex);
	gnutls_memset(key, 0, sizeof key);
	int n = snprintf(out, COL_WEB_PW_HASH_LEN, "%s%u$%s$%s", PREFIX, (unsigned)COL_WEB_PBKDF2_ITER,
	                 salt_hex, key_hex);
	return n > 0 && n < COL_WEB_PW_HASH_LEN ? 0 : -1;
}

int col_web_password_verify(const char *pw, size_t len, const char *stored)
{
	unsigned char salt[SALT_BYTES], want[KEY_BYTES], got[KEY_BYTES];
	size_t plen = sizeof PREFIX - 1;
	char *end;

	if (!stored || strncmp(stored, PREFIX, plen) != 0 || stored[plen] < '1' || stored[plen] > '9')
		return -1;
	unsigned long iter = strtoul(stored + plen, &end, 10);
	if (*end != '$' || iter < ITER_MIN || iter > ITER_MAX)
		return -1;
	const char *salt_hex = end + 1, *dollar = strchr(salt_hex, '$');
	if (!dollar || from_hex(salt_hex, (size_t)(dollar - salt_hex), salt, sizeof salt) < 0 ||
	    from_hex(dollar + 1, strlen(dollar + 1), want, sizeof want) < 0)
		return -1;
	if (derive(pw, len, salt, (unsigned)iter, got) < 0)
		return -1;
	int same = vg_token_equal((const char *)got, (const char *)want, sizeof got);
	gnutls_memset(got, 0, sizeof got);
	return same;
}

int col_web_role_may_login(enum col_role r)
{
	return r == COL_ROLE_OFFICER || r == COL_ROLE_AUDITOR || r == COL_ROLE_ADMIN;
}

int col_web_role_may_triage(enum col_role r)
{
	return r == COL_ROLE_OFFICER || r == COL_ROLE_ADMIN;
}

int col_web_password_set(struct col_store *st, const char *name, const char *pw, size_t len,
                         char *err, size_t errlen)
{
	struct col_principal who;
	char old[COL_WEB_PW_HASH_LEN], hash[COL_WEB_PW_HASH_LEN];

	if (len < COL_WEB_PASSWORD_MIN || len > COL_WEB_PASSWORD_MAX || memchr(pw, '\0', len)) {
		snprintf(err, errlen, "a password has %d to %d characters", COL_WEB_PASSWORD_MIN,
		         COL_WEB_PASSWORD_MAX);
		return -1;
	}
	int n = col_store_officer_find_name(st, name, &who, old, sizeof old);
	if (n < 0) {
		snprintf(err, errlen, "%s", col_store_error(st));
		return -1;
	}
	if (n != 1) {
		snprintf(err, errlen, n == 0 ? "no officer named '%.255s'" :
		         "several officers are named '%.255s'; passwords need a unique name", name);
		return -1;
	}
	if (!col_web_role_may_login(who.role)) {
		snprintf(err, errlen, "officer '%.255s' has role %s, which cannot sign in to the dashboard",
		         name, col_role_name(who.role));
		return -1;
	}
	if (col_web_password_hash(pw, len, hash) < 0) {
		snprintf(err, errlen, "cannot hash the password (GnuTLS)");
		return -1;
	}
	int rc = col_store_officer_password_set(st, who.id, hash);
	if (rc <= 0) {
		snprintf(err, errlen, "%s", rc < 0 ? col_store_error(st) : "the officer was revoked meanwhile");
		return -1;
	}
	return 0;
}

int col_web_login_token(struct col_store *st, const char *token, struct col_principal *who)
{
	char hash[VG_TOKEN_HEX_LEN + 1];
	if (!col_web_is_token(token) || vg_sha256_hex(token, strlen(token), hash) < 0)
		return 0;
	int found = col_store_principal_find(st, hash, who);
	if (found <= 0)
		return found;
	return col_web_role_may_login(who->role) ? 1 : 0;
}

/* Password checks running now, across all worker threads: each costs about
 * 0.1 s of CPU, so a flood of sign-in attempts is answered "busy" instead
 * of occupying every worker. */
static atomic_int pbkdf2_in_flight;

int col_web_login_password(struct col_store *st, const char *name, const char *pw,
                           struct col_principal *who)
{
	/* Hashing for an unknown name too keeps the answer's timing from
	 * telling which officer names exist. */
	static const char decoy[] = "pbkdf2-sha256$600000$00000000000000000000000000000000$"
	                            "0000000000000000000000000000000000000000000000000000000000000000";
	char stored[COL_WEB_PW_HASH_LEN];
	size_t len = strlen(pw);

	if (len == 0 || len > COL_WEB_PASSWORD_MAX)
		return 0;
	int n = col_store_officer_find_name(st, name, who, stored, sizeof stored);
	if (n < 0)
		return -1;
	if (atomic_fetch_add(&pbkdf2_in_flight, 1) >= COL_WEB_PBKDF2_PARALLEL) {
		atomic_fetch_sub(&pbkdf2_in_flight, 1);
		return -2;
	}
	int usable = n == 1 && stored[0] && col_web_role_may_login(who->role);
	int match = col_web_password_verify(pw, len, usable ? stored : decoy);
	atomic_fetch_sub(&pbkdf2_in_flight, 1);
	return usable && match == 1 ? 1 : 0;
}

int col_web_is_token(const char *s)
{
	if (!s || strlen(s) != VG_TOKEN_HEX_LEN)
		return 0;
	for (const char *p = s; *p; p++)
		if (hex_digit(*p) < 0)
			return 0;
	return 1;
}

int col_web_session_live(const struct col_session *sess, int64_t now_ms)
{
	return now_ms - sess->last_ms <= COL_WEB_IDLE_MS && now_ms - sess->created_ms <= COL_WEB_ABSOLUTE_MS;
}

int col_web_session_start(struct col_store *st, const struct col_principal *who, int64_t now_ms,
                          char id[VG_TOKEN_HEX_LEN + 1], struct col_session *sess)
{
	memset(sess, 0, sizeof *sess);
	if (col_store_sessions_expire(st, now_ms - COL_WEB_IDLE_MS, now_ms - COL_WEB_ABSOLUTE_MS) < 0)
		return -1;
	if (vg_token_new(id) < 0 || vg_sha256_hex(id, VG_TOKEN_HEX_LEN, sess->id_hash) < 0 ||
	    vg_token_new(sess->csrf) < 0) {
		snprintf(st->err, sizeof st->err, "session: no randomness");
		return -1;
	}
	sess->who = *who;
	sess->created_ms = sess->last_ms = now_ms;
	return col_store_session_create(st, sess);
}

int col_web_session_resume(struct col_store *st, const char *id, int64_t now_ms,
                           struct col_session *sess)
{
	char hash[VG_TOKEN_HEX_LEN + 1];

	if (!col_web_is_token(id) || vg_sha256_hex(id, VG_TOKEN_HEX_LEN, hash) < 0)
		return 0;
	int found = col_store_session_find(st, hash, sess);
	if (found <= 0)
		return found;
	if (!col_web_session_live(sess, now_ms) || !col_web_role_may_login(sess->who.role)) {
		col_store_session_delete(st, hash);
		return 0;
	}
	if (now_ms - sess->last_ms >= TOUCH_EVERY_MS) {
		if (col_store_session_touch(st, hash, now_ms) < 0)
			return -1;
		sess->last_ms = now_ms;
	}
	return 1;
}

int col_web_session_end(struct col_store *st, const char *id)
{
	char hash[VG_TOKEN_HEX_LEN + 1];
	if (!col_web_is_token(id) || vg_sha256_hex(id, VG_TOKEN_HEX_LEN, hash) < 0)
		return 0;
	return col_store_session_delete(st, hash);
}

int col_web_csrf_ok(const struct col_session *sess, const char *given)
{
	return col_web_is_token(given) && col_web_is_token(sess->csrf) &&
	       vg_token_equal(given, sess->csrf, VG_TOKEN_HEX_LEN);
}

/* Reads one line of at most max bytes from f into buf (without its line
 * end). Returns its length, or -1 when there is none or it is too long. */
static long read_secret_line(FILE *f, char *buf, size_t max)
{
	if (!fgets(buf, (int)max + 2, f))
		return -1;
	size_t n = strcspn(buf, "\n");
	int ended = buf[n] == '\n';
	buf[n] = '\0';
	if (!ended && !feof(f))
		return -1;                   /* longer than max */
	if (n > 0 && buf[n - 1] == '\r')
		buf[--n] = '\0';
	return (long)n;
}

/* Reads the new password from standard input: with echo off and asked
 * twice on a terminal, as one line otherwise. Returns its length or -1. */
static long read_new_password(const char *name, char *pw, size_t max)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	char again[COL_WEB_PASSWORD_MAX + 2];
	long n, m = 0;

	if (!tty)
		return read_secret_line(stdin, pw, max);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0)
		return -1;
	fprintf(stderr, "New dashboard password for %s: ", name);
	n = read_secret_line(stdin, pw, max);
	fprintf(stderr, "\nAgain: ");
	if (n >= 0)
		m = read_secret_line(stdin, again, max);
	fprintf(stderr, "\n");
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	int same = n >= 0 && m == n && memcmp(pw, again, (size_t)n) == 0;
	gnutls_memset(again, 0, sizeof again);
	if (!same) {
		fprintf(stderr, "vigil-collector: the two passwords differ\n");
		return -1;
	}
	return n;
}

int col_web_passwd_main(const struct col_config *cfg, int argc, char **argv)
{
	char err[512], pw[COL_WEB_PASSWORD_MAX + 2];

	if (argc != 3 || strcmp(argv[0], "officer") != 0 || strcmp(argv[1], "passwd") != 0) {
		fprintf(stderr, "usage: vigil-collector -c FILE officer passwd NAME   (the password on stdin)\n");
		return 2;
	}
	long n = read_new_password(argv[2], pw, COL_WEB_PASSWORD_MAX);
	if (n < COL_WEB_PASSWORD_MIN) {
		fprintf(stderr, "vigil-collector: expected the new password (%d to %d characters) as one line "
		        "on standard input\n", COL_WEB_PASSWORD_MIN, COL_WEB_PASSWORD_MAX);
		gnutls_memset(pw, 0, sizeof pw);
		return 2;
	}
	struct col_store *st = col_store_sqlite_open(cfg->database, err, sizeof err);
	if (!st) {
		gnutls_memset(pw, 0, sizeof pw);
		fprintf(stderr, "vigil-collector: %s\n", err);
		return 1;
	}
	int rc = col_web_password_set(st, argv[2], pw, (size_t)n, err, sizeof err);
	gnutls_memset(pw, 0, sizeof pw);
	col_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "vigil-collector: officer passwd: %s\n", err);
		return 1;
	}
	fprintf(stderr, "vigil-collector: dashboard password of '%s' set\n", argv[2]);
	return 0;
}
