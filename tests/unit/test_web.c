/*
 * Unit tests for the web dashboard's building blocks: the one HTML escaping
 * function (markup, controls, invisible and bidirectional characters,
 * invalid UTF-8), URL components, password hashing (PBKDF2) and its
 * verification, who may sign in with a token or a password, and sessions
 * against a real SQLite store: their id and CSRF token, idle and absolute
 * expiry, sign-out and revoked officers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "unit_tmpdir.h"

#include "col_store.h"
#include "col_web_auth.h"
#include "col_web_html.h"
#include "vg_token.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* ---- escaping ---------------------------------------------------------- */

/* What col_html_textn makes of n bytes at s (the caller frees it). */
static char *escaped(const char *s, size_t n)
{
	struct col_html h;
	size_t len;
	col_html_init(&h);
	col_html_raw(&h, "");            /* an empty page is still a page */
	col_html_textn(&h, s, n);
	char *out = col_html_take(&h, &len);
	assert_non_null(out);
	assert_int_equal(len, strlen(out));
	return out;
}

static void expect_escape(const char *in, size_t n, const char *want)
{
	char *got = escaped(in, n);
	assert_string_equal(got, want);
	free(got);
}

#define ESC(in, want) expect_escape(in, sizeof in - 1, want)

static void test_escape_markup(void **state)
{
	(void)state;
	/* A user named <script> in an event stays text. */
	ESC("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;");
	/* Safe in a quoted attribute value of either kind. */
	ESC("\" onmouseover='x' a=\"", "&quot; onmouseover=&#39;x&#39; a=&quot;");
	ESC("AT&T &amp;", "AT&amp;T &amp;amp;");
	ESC("", "");
	ESC("plain text, nothing to do", "plain text, nothing to do");
}

static void test_escape_controls(void **state)
{
	(void)state;
	/* Tab and newline stay; other C0 controls, NUL and DEL show as \xNN. */
	ESC("a\tb\nc", "a\tb\nc");
	ESC("red\x1b[31m", "red\\x1b[31m");
	ESC("a\0b", "a\\x00b");
	ESC("del\x7f", "del\\x7f");
	ESC("cr\r", "cr\\x0d");
	/* C1 controls (U+0085 NEL). */
	ESC("x\xc2\x85y", "x\\u0085y");
}

static void test_escape_invisible(void **state)
{
	(void)state;
	/* A right-to-left override would show "txt.exe" as "exe.txt". */
	ESC("report\xe2\x80\xaetxt.exe", "report\\u202etxt.exe");
	ESC("a\xe2\x80\x8b" "b", "a\\u200bb");            /* zero-width space */
	ESC("\xef\xbb\xbfhost", "\\ufeffhost");            /* byte order mark */
	ESC("\xe2\x81\xa6isolate\xe2\x81\xa9", "\\u2066isolate\\u2069");
	ESC("\xd8\x9c", "\\u061c");                        /* Arabic letter mark */
}

static void test_escape_utf8(void **state)
{
	(void)state;
	/* Well-formed UTF-8 passes unchanged. */
	ESC("Zo\xc3\xab \xe4\xb8\xad \xf0\x9f\x94\x91", "Zo\xc3\xab \xe4\xb8\xad \xf0\x9f\x94\x91");
	/* A stray byte, an overlong '/', a surrogate, a truncated sequence and
	 * a value beyond U+10FFFF each become U+FFFD per byte. */
	ESC("a\xff" "b", "a\xef\xbf\xbd" "b");
	ESC("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	ESC("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	ESC("end\xe4\xb8", "end\xef\xbf\xbd\xef\xbf\xbd");
	ESC("\xf4\x90\x80\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	/* After a bad byte the next character is read as usual. */
	ESC("\xff<", "\xef\xbf\xbd&lt;");
}

static void test_escape_long_and_numbers(void **state)
{
	struct col_html h;
	size_t len;
	(void)state;
	col_html_init(&h);
	for (int i = 0; i < 20000; i++)
		col_html_text(&h, "<&>");
	col_html_int(&h, -42);
	col_html_num(&h, 3.14159, 2);
	col_html_text(&h, NULL);          /* nothing */
	char *out = col_html_take(&h, &len);
	assert_non_null(out);
	assert_int_equal(len, 20000 * 13 + 3 + 4);
	assert_memory_equal(out, "&lt;&amp;&gt;&lt;", 17);
	assert_string_equal(out + len - 7, "-423.14");
	free(out);
	/* The buffer is empty after col_html_take. */
	assert_null(h.buf);
	assert_int_equal(h.len, 0);
}

static void test_url_arg(void **state)
{
	struct col_html h;
	size_t len;
	(void)state;
	col_html_init(&h);
	col_html_url_arg(&h, "p 1/\xc3\xa9?x=<y>&z");
	col_html_raw(&h, "|");
	col_html_url_arg(&h, "A-z_0.9~");
	char *out = col_html_take(&h, &len);
	assert_string_equal(out, "p%201%2F%C3%A9%3Fx%3D%3Cy%3E%26z|A-z_0.9~");
	free(out);
}

/* ---- passwords --------------------------------------------------------- */

static void test_password_hash_verify(void **state)
{
	char a[COL_WEB_PW_HASH_LEN], b[COL_WEB_PW_HASH_LEN];
	const char *pw = "correct horse battery";
	(void)state;

	assert_int_equal(col_web_password_hash(pw, strlen(pw), a), 0);
	assert_int_equal(col_web_password_hash(pw, strlen(pw), b), 0);
	/* "pbkdf2-sha256$600000$<32 hex salt>$<64 hex key>" */
	assert_int_equal(strncmp(a, "pbkdf2-sha256$600000$", 21), 0);
	assert_int_equal(strlen(a), 21 + 32 + 1 + 64);
	assert_true(COL_WEB_PBKDF2_ITER >= 100000);
	/* A fresh salt each time: the same password, different stored forms. */
	assert_string_not_equal(a, b);
	assert_int_equal(col_web_password_verify(pw, strlen(pw), a), 1);
	assert_int_equal(col_web_password_verify(pw, strlen(pw), b), 1);
	assert_int_equal(col_web_password_verify("correct horse batterY", 21, a), 0);
	assert_int_equal(col_web_password_verify(pw, strlen(pw) - 1, a), 0);
	assert_int_equal(col_web_password_verify("", 0, a), 0);
	/* A changed key or salt no longer matches. */
	char t[COL_WEB_PW_HASH_LEN];
	memcpy(t, a, sizeof t);
	t[strlen(t) - 1] = t[strlen(t) - 1] == '0' ? '1' : '0';
	assert_int_equal(col_web_password_verify(pw, strlen(pw), t), 0);
	memcpy(t, a, sizeof t);
	t[21] = t[21] == '0' ? '1' : '0';
	assert_int_equal(col_web_password_verify(pw, strlen(pw), t), 0);
}

static void test_password_known_vector(void **state)
{
	/* Standard PBKDF2-HMAC-SHA256 (here 1,000 rounds, salt 00 01 .. 0f, as
	 * Python's hashlib.pbkdf2_hmac computes it), so a stored form can be
	 * checked by other tools too. */
	static const char stored[] = "pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f$"
	                             "f551b711419d3113bf3ad4dc5d20df96b6ca79b1c96be512e7108948d2c0dabb";
	(void)state;
	assert_int_equal(col_web_password_verify("vigil dashboard", 15, stored), 1);
	assert_int_equal(col_web_password_verify("vigil dashboarD", 15, stored), 0);
}

static void test_password_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"sha1$600000$00000000000000000000000000000000$"
		"0000000000000000000000000000000000000000000000000000000000000000",
		"pbkdf2-sha256$999$00000000000000000000000000000000$"
		"0000000000000000000000000000000000000000000000000000000000000000",
		"pbkdf2-sha256$20000000$00000000000000000000000000000000$"
		"0000000000000000000000000000000000000000000000000000000000000000",
		"pbkdf2-sha256$0600000$00000000000000000000000000000000$"
		"0000000000000000000000000000000000000000000000000000000000000000",
		"pbkdf2-sha256$600000$0000000000000000000000000000000$"
		"0000000000000000000000000000000000000000000000000000000000000000",
		"pbkdf2-sha256$600000$00000000000000000000000000000000$"
		"000000000000000000000000000000000000000000000000000000000000000g",
		"pbkdf2-sha256$600000$00000000000000000000000000000000",
		"pbkdf2-sha256$600000$00000000000000000000000000000000$"
		"0000000000000000000000000000000000000000000000000000000000000000$",
	};
	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(col_web_password_verify("x", 1, bad[i]), -1);
	assert_int_equal(col_web_password_verify("x", 1, NULL), -1);
}

/* ---- sign-in and sessions against a store ------------------------------ */

struct fixture {
	struct col_store *st;
	char db[128];
	char officer[VG_TOKEN_HEX_LEN + 1], auditor[VG_TOKEN_HEX_LEN + 1],
	     policy[VG_TOKEN_HEX_LEN + 1], agent[VG_TOKEN_HEX_LEN + 1];
	int64_t officer_id;
};

static void mint(struct col_store *st, const char *name, int role, char *token, int64_t *id)
{
	char hash[VG_TOKEN_HEX_LEN + 1];
	int64_t dummy;
	assert_int_equal(vg_token_new(token), 0);
	assert_int_equal(vg_sha256_hex(token, strlen(token), hash), 0);
	if (role < 0)
		assert_int_equal(col_store_agent_add(st, name, hash, id ? id : &dummy), 0);
	else
		assert_int_equal(col_store_officer_add(st, name, (enum col_role)role, hash, id ? id : &dummy), 0);
}

static int open_store(void **state)
{
	static int n;
	char err[512];
	struct fixture *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	snprintf(f->db, sizeof f->db, "%s/web%d.db", tmpdir, n++);
	f->st = col_store_sqlite_open(f->db, err, sizeof err);
	if (!f->st) {
		fprintf(stderr, "%s\n", err);
		free(f);
		return -1;
	}
	mint(f->st, "Officer Ada", COL_ROLE_OFFICER, f->officer, &f->officer_id);
	mint(f->st, "Auditor Cy", COL_ROLE_AUDITOR, f->auditor, NULL);
	mint(f->st, "Policy Pat", COL_ROLE_POLICY, f->policy, NULL);
	mint(f->st, "ws-0001", -1, f->agent, NULL);
	*state = f;
	return 0;
}

static int close_store(void **state)
{
	struct fixture *f = *state;
	col_store_close(f->st);
	free(f);
	return 0;
}

static void test_roles(void **state)
{
	(void)state;
	assert_true(col_web_role_may_login(COL_ROLE_OFFICER));
	assert_true(col_web_role_may_login(COL_ROLE_AUDITOR));
	assert_true(col_web_role_may_login(COL_ROLE_ADMIN));
	assert_false(col_web_role_may_login(COL_ROLE_AGENT));
	assert_false(col_web_role_may_login(COL_ROLE_POLICY));
	assert_true(col_web_role_may_triage(COL_ROLE_OFFICER));
	assert_true(col_web_role_may_triage(COL_ROLE_ADMIN));
	assert_false(col_web_role_may_triage(COL_ROLE_AUDITOR));
	assert_false(col_web_role_may_triage(COL_ROLE_POLICY));
}

static void test_login_token(void **state)
{
	struct fixture *f = *state;
	struct col_principal who;
	char unknown[VG_TOKEN_HEX_LEN + 1];

	assert_int_equal(col_web_login_token(f->st, f->officer, &who), 1);
	assert_string_equal(who.name, "Officer Ada");
	assert_int_equal(who.role, COL_ROLE_OFFICER);
	assert_int_equal(col_web_login_token(f->st, f->auditor, &who), 1);
	assert_int_equal(who.role, COL_ROLE_AUDITOR);
	/* Agent and policy tokens are real tokens but cannot sign in. */
	assert_int_equal(col_web_login_token(f->st, f->agent, &who), 0);
	assert_int_equal(col_web_login_token(f->st, f->policy, &who), 0);
	assert_int_equal(vg_token_new(unknown), 0);
	assert_int_equal(col_web_login_token(f->st, unknown, &who), 0);
	assert_int_equal(col_web_login_token(f->st, "", &who), 0);
	assert_int_equal(col_web_login_token(f->st, "' OR 1=1 --", &who), 0);
}

static void test_login_password(void **state)
{
	struct fixture *f = *state;
	struct col_principal who;
	char err[512], tok[VG_TOKEN_HEX_LEN + 1];
	const char *pw = "a long passphrase";

	/* No password set yet: nothing matches, not even an empty one. */
	assert_int_equal(col_web_login_password(f->st, "Officer Ada", pw, &who), 0);
	assert_int_equal(col_web_password_set(f->st, "Officer Ada", pw, strlen(pw), err, sizeof err), 0);
	assert_int_equal(col_web_login_password(f->st, "Officer Ada", pw, &who), 1);
	assert_string_equal(who.name, "Officer Ada");
	assert_int_equal(col_web_login_password(f->st, "Officer Ada", "a long passphrasE", &who), 0);
	assert_int_equal(col_web_login_password(f->st, "officer ada", pw, &who), 0);
	assert_int_equal(col_web_login_password(f->st, "Nobody", pw, &who), 0);
	/* Only the hash is stored. */
	sqlite3 *db;
	sqlite3_stmt *q;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, "SELECT password_hash FROM officers WHERE name = 'Officer Ada'",
	                                    -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	const char *stored = (const char *)sqlite3_column_text(q, 0);
	assert_non_null(stored);
	assert_null(strstr(stored, pw));
	assert_int_equal(strncmp(stored, "pbkdf2-sha256$", 14), 0);
	sqlite3_finalize(q);
	sqlite3_close(db);

	/* What passwd refuses, with a reason. */
	assert_int_equal(col_web_password_set(f->st, "Officer Ada", "short", 5, err, sizeof err), -1);
	assert_non_null(strstr(err, "12"));
	assert_int_equal(col_web_password_set(f->st, "Nobody", pw, strlen(pw), err, sizeof err), -1);
	assert_non_null(strstr(err, "no officer named 'Nobody'"));
	assert_int_equal(col_web_password_set(f->st, "Policy Pat", pw, strlen(pw), err, sizeof err), -1);
	assert_non_null(strstr(err, "policy"));
	mint(f->st, "Officer Ada", COL_ROLE_ADMIN, tok, NULL);
	assert_int_equal(col_web_password_set(f->st, "Officer Ada", pw, strlen(pw), err, sizeof err), -1);
	assert_non_null(strstr(err, "several officers"));
	/* Two officers of that name: a password no longer says which one. */
	assert_int_equal(col_web_login_password(f->st, "Officer Ada", pw, &who), 0);
}

static void test_session_lifecycle(void **state)
{
	struct fixture *f = *state;
	struct col_principal who;
	struct col_session s, r;
	char id[VG_TOKEN_HEX_LEN + 1], hash[VG_TOKEN_HEX_LEN + 1];
	const int64_t t0 = 1800000000000LL;

	assert_int_equal(col_web_login_token(f->st, f->officer, &who), 1);
	assert_int_equal(col_web_session_start(f->st, &who, t0, id, &s), 0);
	/* The cookie's id and the CSRF token are 256-bit random hex; only the
	 * id's SHA-256 is kept. */
	assert_true(col_web_is_token(id));
	assert_true(col_web_is_token(s.csrf));
	assert_string_not_equal(id, s.csrf);
	assert_int_equal(vg_sha256_hex(id, strlen(id), hash), 0);
	assert_string_equal(s.id_hash, hash);

	assert_int_equal(col_web_session_resume(f->st, id, t0 + 1000, &r), 1);
	assert_string_equal(r.who.name, "Officer Ada");
	assert_int_equal(r.who.role, COL_ROLE_OFFICER);
	assert_string_equal(r.csrf, s.csrf);
	/* The hash is not a session id. */
	assert_int_equal(col_web_session_resume(f->st, hash, t0 + 1000, &r), 0);
	/* Nor is anything malformed. */
	assert_int_equal(col_web_session_resume(f->st, "", t0, &r), 0);
	assert_int_equal(col_web_session_resume(f->st, "zz", t0, &r), 0);
	char upper[VG_TOKEN_HEX_LEN + 1];
	for (size_t i = 0; i <= VG_TOKEN_HEX_LEN; i++)
		upper[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 32 : id[i]);
	assert_int_equal(col_web_session_resume(f->st, upper, t0, &r), 0);

	/* Sign-out ends it. */
	assert_int_equal(col_web_session_end(f->st, id), 0);
	assert_int_equal(col_web_session_resume(f->st, id, t0 + 2000, &r), 0);
}

static void test_session_idle_expiry(void **state)
{
	struct fixture *f = *state;
	struct col_principal who;
	struct col_session s, r;
	char id[VG_TOKEN_HEX_LEN + 1];
	const int64_t t0 = 1800000000000LL;

	assert_int_equal(col_web_login_token(f->st, f->auditor, &who), 1);
	assert_int_equal(col_web_session_start(f->st, &who, t0, id, &s), 0);
	/* Activity keeps it alive: a request every 20 minutes for two hours. */
	for (int64_t t = t0; t <= t0 + 2 * 3600 * 1000; t += 20 * 60 * 1000)
		assert_int_equal(col_web_session_resume(f->st, id, t, &r), 1);
	int64_t last = t0 + 2 * 3600 * 1000;
	/* Idle for longer than COL_WEB_IDLE_MS: gone, and it stays gone. */
	assert_int_equal(col_web_session_resume(f->st, id, last + COL_WEB_IDLE_MS + 1, &r), 0);
	assert_int_equal(col_web_session_resume(f->st, id, last + 1000, &r), 0);
}

static void test_session_absolute_expiry(void **state)
{
	struct fixture *f = *state;
	struct col_principal who;
	struct col_session s, r;
	char id[VG_TOKEN_HEX_LEN + 1];
	const int64_t t0 = 1800000000000LL;
	int64_t t;

	assert_int_equal(col_web_login_token(f->st, f->officer, &who), 1);
	assert_int_equal(col_web_session_start(f->st, &who, t0, id, &s), 0);
	/* Never idle, yet it ends COL_WEB_ABSOLUTE_MS after sign-in. */
	for (t = t0; t <= t0 + COL_WEB_ABSOLUTE_MS; t += 10 * 60 * 1000)
		assert_int_equal(col_web_session_resume(f->st, id, t, &r), 1);
	assert_int_equal(col_web_session_resume(f->st, id, t0 + COL_WEB_ABSOLUTE_MS + 1, &r), 0);

	/* col_web_session_live on its own. */
	struct col_session x = {.created_ms = t0, .last_ms = t0};
	assert_true(col_web_session_live(&x, t0 + COL_WEB_IDLE_MS));
	assert_false(col_web_session_live(&x, t0 + COL_WEB_IDLE_MS + 1));
	x.last_ms = t0 + COL_WEB_ABSOLUTE_MS;
	assert_true(col_web_session_live(&x, t0 + COL_WEB_ABSOLUTE_MS));
	assert_false(col_web_session_live(&x, t0 + COL_WEB_ABSOLUTE_MS + 1));
}

static void test_session_revoked_officer(void **state)
{
	struct fixture *f = *state;
	struct col_principal who;
	struct col_session s, r;
	char id[VG_TOKEN_HEX_LEN + 1], sql[160];
	const int64_t t0 = 1800000000000LL;
	sqlite3 *db;

	assert_int_equal(col_web_login_token(f->st, f->officer, &who), 1);
	assert_int_equal(col_web_session_start(f->st, &who, t0, id, &s), 0);
	assert_int_equal(col_web_session_resume(f->st, id, t0, &r), 1);
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	snprintf(sql, sizeof sql, "UPDATE officers SET revoked_ms = 1 WHERE id = %lld", (long long)f->officer_id);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	/* Revoking the officer ends their sessions at once. */
	assert_int_equal(col_web_session_resume(f->st, id, t0 + 1, &r), 0);
	assert_int_equal(col_web_login_token(f->st, f->officer, &who), 0);
}

static void test_csrf(void **state)
{
	struct col_session s;
	char other[VG_TOKEN_HEX_LEN + 1];
	(void)state;
	assert_int_equal(vg_token_new(s.csrf), 0);
	assert_true(col_web_csrf_ok(&s, s.csrf));
	char copy[VG_TOKEN_HEX_LEN + 1];
	memcpy(copy, s.csrf, sizeof copy);
	assert_true(col_web_csrf_ok(&s, copy));
	copy[VG_TOKEN_HEX_LEN - 1] = copy[VG_TOKEN_HEX_LEN - 1] == 'a' ? 'b' : 'a';
	assert_false(col_web_csrf_ok(&s, copy));
	copy[VG_TOKEN_HEX_LEN - 1] = '\0';
	assert_false(col_web_csrf_ok(&s, copy));      /* one digit short */
	assert_false(col_web_csrf_ok(&s, NULL));
	assert_false(col_web_csrf_ok(&s, ""));
	assert_int_equal(vg_token_new(other), 0);
	assert_false(col_web_csrf_ok(&s, other));
	/* A session without a token accepts nothing, not even "". */
	s.csrf[0] = '\0';
	assert_false(col_web_csrf_ok(&s, ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_markup),
		cmocka_unit_test(test_escape_controls),
		cmocka_unit_test(test_escape_invisible),
		cmocka_unit_test(test_escape_utf8),
		cmocka_unit_test(test_escape_long_and_numbers),
		cmocka_unit_test(test_url_arg),
		cmocka_unit_test(test_password_hash_verify),
		cmocka_unit_test(test_password_known_vector),
		cmocka_unit_test(test_password_malformed),
		cmocka_unit_test(test_roles),
		cmocka_unit_test_setup_teardown(test_login_token, open_store, close_store),
		cmocka_unit_test_setup_teardown(test_login_password, open_store, close_store),
		cmocka_unit_test_setup_teardown(test_session_lifecycle, open_store, close_store),
		cmocka_unit_test_setup_teardown(test_session_idle_expiry, open_store, close_store),
		cmocka_unit_test_setup_teardown(test_session_absolute_expiry, open_store, close_store),
		cmocka_unit_test_setup_teardown(test_session_revoked_officer, open_store, close_store),
		cmocka_unit_test(test_csrf),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
