/*
 * col_web: the dashboard's requests — forms, sign-in, sessions, CSRF, the
 * routes under /ui/ and the headers every answer carries. Pages are drawn
 * by col_web_pages.c and col_web_risk.c.
 *
 * Every signed-in request resolves its session cookie first; a GET without
 * one is sent to the sign-in page, a POST without one is refused. Every
 * POST must carry the session's CSRF token (sign-in: the token of its
 * pre-session cookie) and, when the browser says where it comes from
 * (Origin, Sec-Fetch-Site), come from this origin; otherwise 403.
 */
#include "col_web.h"
#include "col_access.h"
#include "col_api.h"
#include "col_web_auth.h"
#include "col_web_page.h"
#include "vg_log.h"
#include "vg_time.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SESSION_COOKIE "vigil_session"
#define LOGIN_COOKIE "vigil_login"
#define LOGIN_COOKIE_AGE 1800          /* seconds a sign-in form stays usable */

/* script-src and style-src 'self' only: no inline script, no inline style,
 * no event-handler attributes; nothing from other origins. */
#define CSP "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " \
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

/* The fields the dashboard's forms send, with their size limits (bytes,
 * before any normalisation). Anything else in a form is refused. */
enum field { F_CSRF, F_TOKEN, F_NAME, F_PASSWORD, F_ACTION, F_NOTE, F_ASSIGNEE, F_COUNT };
static const struct {
	const char *name;
	size_t max;
} fields[F_COUNT] = {
	{"csrf", VG_TOKEN_HEX_LEN},
	{"token", 512},
	{"name", 255},
	{"password", COL_WEB_PASSWORD_MAX},
	{"action", 32},
	{"note", 2 * COL_TRIAGE_NOTE_MAX},       /* CRLF line ends become LF */
	{"assignee", COL_TRIAGE_ASSIGNEE_MAX},
};

struct col_web_req {
	struct col_server *srv;
	struct MHD_Connection *conn;
	char *url;
	int post;                      /* POST; otherwise GET or HEAD */
	int method_ok;
	struct MHD_PostProcessor *pp;
	size_t body_len;
	int too_large;                 /* body over COL_WEB_BODY_MAX */
	int not_form;                  /* a body that is not urlencoded */
	char bad_form[160];            /* why the form is refused, "" when fine */
	char *val[F_COUNT];
	size_t len[F_COUNT];
};

/* What to answer. */
struct reply {
	int status;
	const char *ctype;
	char *body;                    /* owned unless is_static */
	size_t len;
	int is_static;
	const char *location;
	char cookies[2][200];
	int ncookies;
};

int col_web_owns(const char *url)
{
	return strcmp(url, "/") == 0 || strcmp(url, "/ui") == 0 || strncmp(url, "/ui/", 4) == 0;
}

static const char *header(struct col_web_req *w, const char *name)
{
	return MHD_lookup_connection_value(w->conn, MHD_HEADER_KIND, name);
}

static int uses_tls(struct col_web_req *w)
{
	return w->srv->cfg.tls_certificate != NULL;
}

/* ---- the form ---------------------------------------------------------- */

static int field_index(const char *key)
{
	for (int i = 0; i < F_COUNT; i++)
		if (strcmp(key, fields[i].name) == 0)
			return i;
	return -1;
}

static enum MHD_Result form_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *filename, const char *content_type,
                                  const char *transfer_encoding, const char *data, uint64_t off,
                                  size_t size)
{
	struct col_web_req *w = cls;
	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;

	if (w->bad_form[0])
		return MHD_NO;
	int f = field_index(key);
	if (f < 0) {
		snprintf(w->bad_form, sizeof w->bad_form, "form field '%.64s' is unknown", key);
		return MHD_NO;
	}
	/* A value arrives in pieces at increasing offsets; a second field of
	 * the same name starts again at 0. */
	if (off != w->len[f]) {
		snprintf(w->bad_form, sizeof w->bad_form, "form field '%s' appears twice", key);
		return MHD_NO;
	}
	if (w->len[f] + size > fields[f].max) {
		snprintf(w->bad_form, sizeof w->bad_form, "form field '%s' is longer than %zu bytes", key,
		         fields[f].max);
		return MHD_NO;
	}
	if (!w->val[f] && !(w->val[f] = malloc(fields[f].max + 1)))
		return MHD_NO;
	memcpy(w->val[f] + w->len[f], data, size);
	w->len[f] += size;
	w->val[f][w->len[f]] = '\0';
	return MHD_YES;
}

/* The value of a form field, "" when absent. */
static const char *form(struct col_web_req *w, enum field f)
{
	return w->val[f] ? w->val[f] : "";
}

/* Strips leading and trailing white space of a field in place. */
static const char *form_trimmed(struct col_web_req *w, enum field f)
{
	char *s = w->val[f];
	if (!s)
		return "";
	size_t n = w->len[f];
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	s[n] = '\0';
	size_t i = strspn(s, " \t\r\n");
	memmove(s, s + i, n - i + 1);
	w->len[f] = n - i;
	return s;
}

/* Turns a textarea's CRLF line ends into LF, as the API's notes have them. */
static void form_unix_newlines(struct col_web_req *w, enum field f)
{
	char *s = w->val[f];
	size_t j = 0;
	if (!s)
		return;
	for (size_t i = 0; i < w->len[f]; i++)
		if (!(s[i] == '\r' && i + 1 < w->len[f] && s[i + 1] == '\n'))
			s[j++] = s[i];
	s[j] = '\0';
	w->len[f] = j;
}

struct col_web_req *col_web_begin(struct col_server *srv, struct MHD_Connection *c,
                                  const char *method, const char *url)
{
	struct col_web_req *w = calloc(1, sizeof *w);
	if (!w || !(w->url = strdup(url))) {
		free(w);
		return NULL;
	}
	w->srv = srv;
	w->conn = c;
	w->post = strcmp(method, "POST") == 0;
	w->method_ok = w->post || strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
	if (w->post) {
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
		                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && strtoull(cl, NULL, 10) > COL_WEB_BODY_MAX)
			w->too_large = 1;
		if (!ct || strcspn(ct, "; ") != 33 ||
		    strncasecmp(ct, MHD_HTTP_POST_ENCODING_FORM_URLENCODED, 33) != 0)
			w->not_form = 1;
		else if (!(w->pp = MHD_create_post_processor(c, 4096, form_field, w)))
			w->not_form = 1;
	}
	return w;
}

int col_web_upload(struct col_web_req *w, const char *data, size_t n)
{
	if (w->too_large || w->body_len + n > COL_WEB_BODY_MAX) {
		w->too_large = 1;            /* keep reading, answer 413 */
		return 0;
	}
	w->body_len += n;
	if (w->pp && !w->bad_form[0] && MHD_post_process(w->pp, data, n) == MHD_NO && !w->bad_form[0])
		snprintf(w->bad_form, sizeof w->bad_form, "the form is not valid urlencoded data");
	return 0;
}

void col_web_end(struct col_web_req *w)
{
	if (!w)
		return;
	if (w->pp)
		MHD_destroy_post_processor(w->pp);
	for (int i = 0; i < F_COUNT; i++) {
		if (w->val[i])
			memset(w->val[i], 0, w->len[i]);     /* passwords and tokens */
		free(w->val[i]);
	}
	free(w->url);
	free(w);
}

/* ---- answers ----------------------------------------------------------- */

static enum MHD_Result queue_reply(struct col_web_req *w, struct reply *r, int *status)
{
	struct MHD_Response *resp = MHD_create_response_from_buffer(
		r->len, r->body, r->is_static ? MHD_RESPMEM_PERSISTENT : MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		if (!r->is_static)
			free(r->body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->ctype);
	MHD_add_response_header(resp, "Content-Security-Policy", CSP);
	MHD_add_response_header(resp, "X-Frame-Options", "DENY");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Opener-Policy", "same-origin");
	MHD_add_response_header(resp, "Cross-Origin-Resource-Policy", "same-origin");
	MHD_add_response_header(resp, "Cache-Control", r->is_static ? "no-cache" : "no-store");
	if (r->location)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, r->location);
	for (int i = 0; i < r->ncookies; i++)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, r->cookies[i]);
	*status = r->status;
	enum MHD_Result ret = MHD_queue_response(w->conn, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Answers a rendered page (status from the page). */
static enum MHD_Result send_page(struct col_web_req *w, struct col_web_page *p, struct reply *r,
                                 int *status)
{
	size_t len;
	char *body = col_html_take(&p->h, &len);
	if (!body) {
		static const char oom[] = "out of memory\n";
		r->status = 500;
		r->ctype = "text/plain; charset=utf-8";
		r->body = (char *)oom;
		r->len = sizeof oom - 1;
		r->is_static = 1;
		return queue_reply(w, r, status);
	}
	r->status = p->status;
	r->ctype = "text/html; charset=utf-8";
	r->body = body;
	r->len = len;
	return queue_reply(w, r, status);
}

static enum MHD_Result send_redirect(struct col_web_req *w, struct reply *r, const char *to,
                                     int *status)
{
	static const char body[] = "See other\n";
	r->status = 303;
	r->ctype = "text/plain; charset=utf-8";
	r->body = (char *)body;
	r->len = sizeof body - 1;
	r->is_static = 1;
	r->location = to;
	return queue_reply(w, r, status);
}

static enum MHD_Result send_error_page(struct col_web_req *w, struct col_web_page *p,
                                       struct reply *r, int code, const char *msg, int *status)
{
	col_html_free(&p->h);
	col_web_page_error(p, code, msg);
	return send_page(w, p, r, status);
}

/* Adds a Set-Cookie; value NULL clears the cookie. */
static void add_cookie(struct col_web_req *w, struct reply *r, const char *name, const char *value,
                       const char *path, int max_age)
{
	char age[32] = "";
	if (!value)
		max_age = 0;
	if (max_age >= 0)
		snprintf(age, sizeof age, "; Max-Age=%d", max_age);
	snprintf(r->cookies[r->ncookies++], sizeof r->cookies[0], "%s=%s; Path=%s%s; HttpOnly; SameSite=Strict%s",
	         name, value ? value : "", path, age, uses_tls(w) ? "; Secure" : "");
}

/* ---- checks on a POST -------------------------------------------------- */

/* Whether the browser's own account of where the request comes from (when
 * it gives one) names this origin. */
static int same_origin(struct col_web_req *w)
{
	const char *site = header(w, "Sec-Fetch-Site"), *origin = header(w, "Origin");
	const char *host = header(w, MHD_HTTP_HEADER_HOST);
	char want[320];

	if (site && strcmp(site, "same-origin") != 0 && strcmp(site, "none") != 0)
		return 0;
	if (!origin)
		return 1;
	if (!host)
		return 0;
	snprintf(want, sizeof want, "%s://%s", uses_tls(w) ? "https" : "http", host);
	return strcmp(origin, want) == 0;
}

/* Refuses a form that could not be read: 413, 415 or 400 with the reason. */
static int form_problem(struct col_web_req *w, const char **msg)
{
	if (w->pp) {
		enum MHD_Result done = MHD_destroy_post_processor(w->pp);  /* delivers the last field */
		w->pp = NULL;
		if (done == MHD_NO && !w->bad_form[0] && !w->too_large)
			snprintf(w->bad_form, sizeof w->bad_form, "the form is not valid urlencoded data");
	}
	if (w->too_large) {
		*msg = "the form is larger than the dashboard accepts";
		return 413;
	}
	if (w->not_form) {
		*msg = "expected a form (application/x-www-form-urlencoded)";
		return 415;
	}
	if (w->bad_form[0]) {
		*msg = w->bad_form;
		return 400;
	}
	return 0;
}

/* ---- sign-in ----------------------------------------------------------- */

static enum MHD_Result login_form(struct col_web_req *w, struct col_web_page *p, struct reply *r,
                                  int code, const char *error, int *status)
{
	char nonce[VG_TOKEN_HEX_LEN + 1];
	const char *have = MHD_lookup_connection_value(w->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);

	/* The form's CSRF field must match the cookie set here (double submit):
	 * another site can neither read the cookie nor make the browser send it. */
	if (col_web_is_token(have)) {
		snprintf(nonce, sizeof nonce, "%s", have);
	} else if (vg_token_new(nonce) < 0) {
		return send_error_page(w, p, r, 500, "no randomness for the sign-in form", status);
	}
	add_cookie(w, r, LOGIN_COOKIE, nonce, "/ui/login", LOGIN_COOKIE_AGE);
	col_web_page_login(p, nonce, error);
	p->status = code;
	return send_page(w, p, r, status);
}

static enum MHD_Result login_post(struct col_web_req *w, struct col_web_page *p, struct reply *r,
                                  int *status)
{
	const char *have = MHD_lookup_connection_value(w->conn, MHD_COOKIE_KIND, LOGIN_COOKIE);
	const char *csrf = form(w, F_CSRF), *token = form_trimmed(w, F_TOKEN);
	const char *name = form_trimmed(w, F_NAME);
	struct col_principal who;
	struct col_session sess;
	char id[VG_TOKEN_HEX_LEN + 1];
	int ok;

	if (!same_origin(w) || !col_web_is_token(have) || !col_web_is_token(csrf) ||
	    !vg_token_equal(have, csrf, VG_TOKEN_HEX_LEN))
		return send_error_page(w, p, r, 403,
		                       "The sign-in form has expired or did not come from this page. "
		                       "Open the sign-in page again.", status);
	if (*token)
		ok = col_web_login_token(w->srv->store, token, &who);
	else if (*name && w->val[F_PASSWORD])
		ok = col_web_login_password(w->srv->store, name, form(w, F_PASSWORD), &who);
	else
		return login_form(w, p, r, 400, "Enter a token, or a name and a password.", status);
	if (ok == -2)
		return login_form(w, p, r, 503, "Too many sign-ins at once; try again in a moment.", status);
	if (ok < 0) {
		vg_err("web sign-in: %s", col_store_error(w->srv->store));
		return send_error_page(w, p, r, 503, "storage unavailable", status);
	}
	if (!ok) {
		vg_warn("web sign-in refused (%s)", *token ? "token" : "password");
		return login_form(w, p, r, 401,
		                  "Sign-in failed: unknown token, or wrong name or password "
		                  "(agent and policy tokens cannot sign in).", status);
	}
	if (col_web_session_start(w->srv->store, &who, vg_time_now(), id, &sess) < 0) {
		vg_err("web session: %s", col_store_error(w->srv->store));
		return send_error_page(w, p, r, 503, "storage unavailable", status);
	}
	vg_info("web sign-in: %s (%s) with a %s", who.name, col_role_name(who.role),
	        *token ? "token" : "password");
	add_cookie(w, r, SESSION_COOKIE, id, "/ui", -1);
	add_cookie(w, r, LOGIN_COOKIE, NULL, "/ui/login", 0);
	return send_redirect(w, r, "/ui/", status);
}

/* ---- triage ------------------------------------------------------------ */

/* The form's buttons; assign keeps the status unless the anomaly is still
 * open, when taking it on acknowledges it. */
static const struct {
	const char *action, *status, *done;
} actions[] = {
	{"acknowledge", "acknowledged", "Acknowledged."},
	{"assign", NULL, "Assigned."},
	{"resolve", "resolved", "Resolved."},
	{"false_positive", "false_positive", "Marked as a false positive."},
	{"reopen", "open", "Reopened."},
};

static enum MHD_Result triage_post(struct col_web_req *w, struct col_web_page *p, struct reply *r,
                                   const char *idtext, int *status)
{
	const char *action = form(w, F_ACTION), *assignee, *note, *st = NULL;
	size_t k;
	char *end, loc[96];

	long long id = strtoll(idtext, &end, 10);
	if (idtext[0] < '1' || idtext[0] > '9' || *end || id <= 0)
		return send_error_page(w, p, r, 404, "no such anomaly", status);
	if (!col_web_role_may_triage(p->sess->who.role))
		return send_error_page(w, p, r, 403, "Your role may read anomalies but not triage them.",
		                       status);
	for (k = 0; k < sizeof actions / sizeof actions[0]; k++)
		if (strcmp(action, actions[k].action) == 0)
			break;
	if (k == sizeof actions / sizeof actions[0]) {
		p->status = 400;
		col_web_page_anomaly(p, idtext, NULL, "Choose one of the triage buttons.");
		return send_page(w, p, r, status);
	}
	form_unix_newlines(w, F_NOTE);
	note = form_trimmed(w, F_NOTE);
	assignee = form_trimmed(w, F_ASSIGNEE);
	const char *problem = NULL;
	if (col_api_text_check(note, strlen(note), COL_TRIAGE_NOTE_MAX) < 0)
		problem = "A note of at most 4096 bytes, without control characters, is required.";
	else if (*assignee && col_api_text_check(assignee, strlen(assignee), COL_TRIAGE_ASSIGNEE_MAX) < 0)
		problem = "The assignee must be a name of at most 255 bytes.";
	else if (strcmp(action, "assign") == 0 && !*assignee)
		problem = "Name the officer to assign it to.";
	if (!problem && !(st = actions[k].status)) {
		json_t *a = col_store_anomaly_get(w->srv->store, id);
		if (!a)
			return send_error_page(w, p, r, 500, "query failed", status);
		const char *cur = col_web_jstr(a, "status");
		st = !cur || strcmp(cur, "open") == 0 ? "acknowledged" : vg_status_name(vg_status_parse(cur));
		json_decref(a);
		if (!st)
			st = "acknowledged";
	}
	if (problem) {
		p->status = 400;
		col_web_page_anomaly(p, idtext, NULL, problem);
		return send_page(w, p, r, status);
	}
	/* The same step, by the same function, as POST /v1/anomalies/ID/triage. */
	struct col_triage t = {.status = vg_status_parse(st), .assignee = *assignee ? assignee : NULL,
	                       .note = note, .officer = p->sess->who.name, .time_ms = vg_time_now()};
	int rc = col_store_anomaly_triage(w->srv->store, id, &t);
	if (rc < 0) {
		vg_err("web triage of anomaly %lld: %s", id, col_store_error(w->srv->store));
		return send_error_page(w, p, r, 500, "triage failed: storage error", status);
	}
	if (rc == 0)
		return send_error_page(w, p, r, 404, "no such anomaly", status);
	snprintf(loc, sizeof loc, "/ui/anomalies/%lld?done=%s", id, actions[k].action);
	return send_redirect(w, r, loc, status);
}

/* The fixed message for ?done=ACTION after a triage, or NULL. */
static const char *done_message(struct col_web_req *w)
{
	const char *done = MHD_lookup_connection_value(w->conn, MHD_GET_ARGUMENT_KIND, "done");
	for (size_t k = 0; done && k < sizeof actions / sizeof actions[0]; k++)
		if (strcmp(done, actions[k].action) == 0)
			return actions[k].done;
	return NULL;
}

/* ---- routing ----------------------------------------------------------- */

static enum MHD_Result serve_static(struct col_web_req *w, struct reply *r, const char *name,
                                    int *status)
{
	const char *ctype;
	const char *body = col_web_static_file(name, &ctype);
	r->status = 200;
	r->ctype = ctype;
	r->body = (char *)body;
	r->len = strlen(body);
	r->is_static = 1;
	return queue_reply(w, r, status);
}

/* Routes of a signed-in officer; rest is the path after "/ui/". */
static enum MHD_Result signed_in(struct col_web_req *w, struct col_web_page *p, struct reply *r,
                                 const char *rest, int *status)
{
	const char *id;

	if (w->post) {
		if (strcmp(rest, "logout") == 0) {
			const char *cookie = MHD_lookup_connection_value(w->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
			if (col_web_session_end(w->srv->store, cookie) < 0)
				vg_err("web sign-out: %s", col_store_error(w->srv->store));
			add_cookie(w, r, SESSION_COOKIE, NULL, "/ui", 0);
			return send_redirect(w, r, "/ui/login", status);
		}
		if (strncmp(rest, "anomalies/", 10) == 0 && (id = rest + 10) &&
		    strlen(id) > 7 && strcmp(id + strlen(id) - 7, "/triage") == 0) {
			char idtext[32];
			size_t n = strlen(id) - 7;
			if (n >= sizeof idtext)
				return send_error_page(w, p, r, 404, "no such anomaly", status);
			memcpy(idtext, id, n);
			idtext[n] = '\0';
			enum MHD_Result ret = triage_post(w, p, r, idtext, status);
			/* The step (or its refusal) is done; a failure to log it is
			 * logged by col_access_record. */
			col_access_record(w->srv, &p->sess->who, "POST", w->url, "/ui/anomalies/", w->conn,
			                  *status);
			return ret;
		}
		return send_error_page(w, p, r, 405, "this page takes no form", status);
	}
	const char *logged = NULL;       /* reads of personal data go to the access log */
	if (!*rest)
		col_web_page_overview(p);
	else if (strcmp(rest, "anomalies") == 0)
		col_web_page_anomalies(p);
	else if (strncmp(rest, "anomalies/", 10) == 0 && !strchr(rest + 10, '/')) {
		col_web_page_anomaly(p, rest + 10, done_message(w), NULL);
		logged = "/ui/anomalies/";
	} else if (strncmp(rest, "persons/", 8) == 0 && rest[8] && !strchr(rest + 8, '/')) {
		col_web_page_person(p, rest + 8);
		logged = "/ui/persons/";
	} else if (strcmp(rest, "risk") == 0)
		col_web_page_risk(p);
	else if (strcmp(rest, "vetting") == 0)
		col_web_page_vetting(p);
	else if (strcmp(rest, "agents") == 0)
		col_web_page_agents(p);
	else if (strcmp(rest, "logout") == 0)
		return send_error_page(w, p, r, 405, "sign out with the button", status);
	else
		col_web_page_error(p, 404, "There is no such page.");
	if (logged && col_access_record(w->srv, &p->sess->who, "GET", w->url, logged, w->conn,
	                                p->status) < 0) {
		/* What cannot be accounted for is not shown. */
		col_html_free(&p->h);
		col_web_page_error(p, 503, "The access log is unavailable, so this page is not shown; "
		                   "try again.");
	}
	return send_page(w, p, r, status);
}

enum MHD_Result col_web_finish(struct col_web_req *w, int *status)
{
	struct col_web_page p = {.srv = w->srv, .conn = w->conn, .status = 200};
	struct reply r = {0};
	struct col_session sess;
	const char *msg;
	int code;

	col_html_init(&p.h);
	if (!w->method_ok)
		return send_error_page(w, &p, &r, 405, "method not allowed", status);
	if (strcmp(w->url, "/") == 0 || strcmp(w->url, "/ui") == 0)
		return send_redirect(w, &r, "/ui/", status);
	const char *rest = w->url + 4;
	if (strncmp(rest, "static/", 7) == 0 && !w->post) {
		if (!col_web_static_file(rest + 7, &msg))
			return send_error_page(w, &p, &r, 404, "There is no such file.", status);
		return serve_static(w, &r, rest + 7, status);
	}
	if (w->post && (code = form_problem(w, &msg)) != 0)
		return send_error_page(w, &p, &r, code, msg, status);

	const char *cookie = MHD_lookup_connection_value(w->conn, MHD_COOKIE_KIND, SESSION_COOKIE);
	int found = cookie ? col_web_session_resume(w->srv->store, cookie, vg_time_now(), &sess) : 0;
	if (found < 0) {
		vg_err("web session: %s", col_store_error(w->srv->store));
		return send_error_page(w, &p, &r, 503, "storage unavailable", status);
	}
	if (strcmp(rest, "login") == 0) {
		if (w->post)
			return login_post(w, &p, &r, status);
		if (found)
			return send_redirect(w, &r, "/ui/", status);
		return login_form(w, &p, &r, 200, NULL, status);
	}
	if (!found) {
		if (cookie)
			add_cookie(w, &r, SESSION_COOKIE, NULL, "/ui", 0);
		if (!w->post)
			return send_redirect(w, &r, "/ui/login", status);
		return send_error_page(w, &p, &r, 403, "Your session has ended. Sign in again.", status);
	}
	p.sess = &sess;
	if (w->post && (!same_origin(w) || !col_web_csrf_ok(&sess, w->val[F_CSRF])))
		return send_error_page(w, &p, &r, 403,
		                       "This form did not come from this dashboard page (CSRF check). "
		                       "Reload the page and try again.", status);
	return signed_in(w, &p, &r, rest, status);
}
