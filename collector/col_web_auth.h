/*
 * col_web_auth: who may use the dashboard, and how a browser proves it.
 *
 * An officer signs in with the bearer token `officer add` printed or with a
 * password set by `vigil-collector officer passwd NAME`. Passwords are kept
 * as PBKDF2-HMAC-SHA256 (GnuTLS) with a random 128-bit salt and
 * COL_WEB_PBKDF2_ITER iterations, written "pbkdf2-sha256$ITER$SALT$HASH"
 * (hex), and compared in constant time. A sign-in starts a session: a
 * random 256-bit id that only the browser's cookie holds (the database
 * keeps its SHA-256) and a random 256-bit CSRF token that every form
 * carries. A session ends on logout, after COL_WEB_IDLE_MS without a
 * request, or COL_WEB_ABSOLUTE_MS after sign-in, whichever comes first.
 *
 * Officers and admins may triage; auditors may read; agent and policy
 * tokens cannot sign in.
 */
#ifndef COL_WEB_AUTH_H
#define COL_WEB_AUTH_H

#include "col_config.h"
#include "col_store.h"
#include "vg_token.h"

#include <stddef.h>
#include <stdint.h>

#define COL_WEB_PBKDF2_ITER 600000
#define COL_WEB_PBKDF2_PARALLEL 2          /* password checks at a time */
#define COL_WEB_PASSWORD_MIN 12             /* characters (bytes) */
#define COL_WEB_PASSWORD_MAX 1024
#define COL_WEB_PW_HASH_LEN 128             /* the stored form, with its NUL */
#define COL_WEB_IDLE_MS (30LL * 60 * 1000)
#define COL_WEB_ABSOLUTE_MS (12LL * 60 * 60 * 1000)

/* Writes the stored form of password pw[0..len) into out[COL_WEB_PW_HASH_LEN]
 * with a fresh salt. Returns 0, or -1 (no randomness or GnuTLS failed). */
int col_web_password_hash(const char *pw, size_t len, char out[COL_WEB_PW_HASH_LEN]);

/* Checks pw against a stored form. Returns 1 on a match, 0 on a mismatch,
 * -1 when stored is not a form this program writes (iteration counts below
 * 1,000 or above 10,000,000 are refused). */
int col_web_password_verify(const char *pw, size_t len, const char *stored);

/* Sets officer name's password (CLI: officer passwd). Returns 0, or -1
 * with the reason in err (no such officer, several of that name, a role
 * that cannot sign in, a password of the wrong length, storage). */
int col_web_password_set(struct col_store *st, const char *name, const char *pw, size_t len,
                         char *err, size_t errlen);

/* Whether a role may sign in to the dashboard, and whether it may triage. */
int col_web_role_may_login(enum col_role r);
int col_web_role_may_triage(enum col_role r);

/* Checks a sign-in. Token: the bearer token of an officer, auditor or admin.
 * Password: name and password of such an officer; an unknown name costs the
 * same hashing time as a wrong password. Return 1 with *who filled, 0 when
 * refused, -1 on a storage error (col_store_error); the password check also
 * returns -2 when COL_WEB_PBKDF2_PARALLEL checks are running already. */
int col_web_login_token(struct col_store *st, const char *token, struct col_principal *who);
int col_web_login_password(struct col_store *st, const char *name, const char *pw,
                           struct col_principal *who);

/* Starts a session for who at now_ms: writes the cookie's id into
 * id[VG_TOKEN_HEX_LEN + 1], fills *sess (id hash, CSRF token, times) and
 * stores it; expired sessions are purged on the way. Returns 0 or -1. */
int col_web_session_start(struct col_store *st, const struct col_principal *who, int64_t now_ms,
                          char id[VG_TOKEN_HEX_LEN + 1], struct col_session *sess);

/* Resolves the id a cookie carries at now_ms. Returns 1 with *sess filled
 * (and its idle clock restarted now and then), 0 when it is unknown,
 * malformed or expired (an expired one is deleted), -1 on storage error. */
int col_web_session_resume(struct col_store *st, const char *id, int64_t now_ms,
                           struct col_session *sess);

/* Whether a session stored with these times is still valid at now_ms. */
int col_web_session_live(const struct col_session *sess, int64_t now_ms);

/* Ends the session whose cookie carries id. Returns 0 or -1. */
int col_web_session_end(struct col_store *st, const char *id);

/* Whether given (a form's CSRF field, may be NULL) equals the session's
 * token, compared in constant time. */
int col_web_csrf_ok(const struct col_session *sess, const char *given);

/* vigil-collector -c FILE officer passwd NAME: reads the new password from
 * standard input (one line; on a terminal without echo, asked twice) and
 * stores its hash. argv[0] is "officer". Returns the exit status. */
int col_web_passwd_main(const struct col_config *cfg, int argc, char **argv);

/* Whether s is VG_TOKEN_HEX_LEN lowercase hex digits (a token, session id
 * or CSRF token as this program writes them). */
int col_web_is_token(const char *s);

#endif
