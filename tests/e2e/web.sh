#!/bin/bash
# web: the officers' dashboard over HTTP, as curl sees it. Signing in with a
# token or a password (and what is refused), the cookies' flags, the
# security headers, CSRF and Origin checks on every form, a triage from the
# form that lands in the anomaly's history exactly as the API's would, an
# auditor who may read but not triage, sign-out, every page answering 200
# with attacker-chosen strings (a user named <script>) shown as text, and a
# Secure cookie when the collector speaks TLS.

. "$(dirname "$0")/lib.sh"

VIGIL_POLICY=$REPO/policy/examples/example.cfg
col_init
OFFICER=$(mint_officer "Officer Ada")
AUDITOR=$(mint_officer "Auditor Cy" auditor)
POLICYTOK=$(mint_officer "Policy Pat" policy)
AGENT=$(mint_agent ws-0004)
PASSWORD='correct horse battery staple'
printf '%s\n' "$PASSWORD" | "$COLLECTOR" -c "$CONF" officer passwd "Officer Ada" 2>"$T/passwd.err"
is "$?" 0 "officer passwd sets a password read from standard input"
printf 'short\n' | "$COLLECTOR" -c "$CONF" officer passwd "Officer Ada" 2>"$T/passwd.err"
is "$?" 2 "a password under 12 characters is refused (exit 2)"
printf '%s\n' "$PASSWORD" | "$COLLECTOR" -c "$CONF" officer passwd "Policy Pat" 2>"$T/passwd.err"
is "$?" 1 "a policy officer gets no dashboard password (exit 1)"
like "$(cat "$T/passwd.err")" "role policy" "saying why"
like "$(db "SELECT password_hash FROM officers WHERE name='Officer Ada'")" \
	'^pbkdf2-sha256\$[0-9]+\$[0-9a-f]{32}\$[0-9a-f]{64}$' "only a salted PBKDF2 hash is stored"
col_start || bail "collector starts and answers /healthz"

# Dave (SECRET) reads a TOP SECRET file; an account named <script> does
# things, with a path made to break out of an attribute.
HOSTILE='<script>alert(1)</script>'
code=$(post_text "$AGENT" '[{"seq":1,"time":"2026-11-18T10:05:00.000Z","kind":"file_access","host":"ws-0004","user":"dave","path":"/srv/vigil-demo/ts/roadmap.txt","op":"read","result":"success"},
{"seq":2,"time":"2026-11-18T11:00:00.000Z","kind":"session_open","host":"ws-0004","user":"<script>alert(1)</script>","service":"sshd"},
{"seq":3,"time":"2026-11-18T11:01:00.000Z","kind":"file_access","host":"ws-0004","user":"<script>alert(1)</script>","path":"/srv/\"><img src=x onerror=alert(2)>","op":"read","result":"success"}]')
is "$code" 200 "events with hostile strings are ingested"
get "$OFFICER" "/v1/anomalies?kind=clearance_exceeded" >/dev/null
ID=$(jget "$RESP" '$.anomalies[0].id')
like "$ID" '^[0-9]+$' "a clearance_exceeded anomaly to triage (id $ID)"
get "$OFFICER" "/v1/anomalies?kind=unknown_account" >/dev/null
HID=$(jget "$RESP" '$.anomalies[0].id')
like "$HID" '^[0-9]+$' "an unknown_account anomaly of the hostile account (id $HID)"

JAR=$T/jar
web() {   # web METHOD PATH [CURL-ARGS...]: a request with the cookie jar
	local method=$1 path=$2
	shift 2
	req "$method" "$path" -b "$JAR" -c "$JAR" "$@"
}
cookie() {   # cookie NAME: its value in the jar
	awk -v n="$1" '$6 == n { print $7 }' "$JAR" 2>/dev/null
}
form_csrf() {   # the CSRF field of the last page
	grep -o 'name="csrf" value="[0-9a-f]*"' "$RESP" | head -n 1 | sed 's/.*value="//; s/"$//'
}
header() {   # header NAME: a header of the last answer
	tr -d '\r' <"$RESP.h" | awk -v n="$(printf '%s' "$1" | tr 'A-Z' 'a-z')" \
		'{ k = tolower($0); sub(/:.*/, "", k) } k == n { sub(/^[^:]*: */, ""); print }'
}
history_len() {
	get "$OFFICER" "/v1/anomalies/$1" >/dev/null
	jsql "$RESP" "SELECT json_array_length(j, '\$.history') FROM d"
}
login_token() {   # login_token TOKEN: a fresh jar, signed in; prints the status
	rm -f "$JAR"
	web GET /ui/login >/dev/null
	web POST /ui/login --data-urlencode "csrf=$(cookie vigil_login)" --data-urlencode "token=$1"
}

# ---- before signing in ---------------------------------------------------

is "$(req GET /)" 303 "GET / redirects"
is "$(header location)" /ui/ "to /ui/"
is "$(req GET /ui/)" 303 "GET /ui/ without a session redirects"
is "$(header location)" /ui/login "to the sign-in page"
is "$(req GET /ui/anomalies/1)" 303 "so does any page"
is "$(req POST /ui/logout --data 'csrf=x')" 403 "a form without a session is refused: 403"

rm -f "$JAR"
is "$(web GET /ui/login)" 200 "the sign-in page answers 200"
like "$(header content-type)" '^text/html; charset=utf-8$' "as HTML"
csp=$(header content-security-policy)
like "$csp" "default-src 'none'" "CSP: nothing by default"
like "$csp" "script-src 'self';" "CSP: scripts only from the collector"
like "$csp" "style-src 'self';" "CSP: styles only from the collector"
like "$csp" "frame-ancestors 'none'" "CSP: never framed"
unlike "$csp" "unsafe-inline|unsafe-eval|\\*" "CSP: no unsafe-inline, unsafe-eval or wildcards"
is "$(header x-frame-options)" DENY "X-Frame-Options: DENY"
is "$(header x-content-type-options)" nosniff "X-Content-Type-Options: nosniff"
like "$(header set-cookie)" '^vigil_login=[0-9a-f]{64}; Path=/ui/login; Max-Age=[0-9]+; HttpOnly; SameSite=Strict$' \
	"the sign-in form's cookie is HttpOnly, SameSite=Strict, only for /ui/login"
NONCE=$(cookie vigil_login)
is "$(form_csrf)" "$NONCE" "and the form carries the same value"

# ---- signing in ----------------------------------------------------------

is "$(web POST /ui/login --data-urlencode "token=$OFFICER")" 403 "sign-in without the form's CSRF field: 403"
is "$(web POST /ui/login --data-urlencode "csrf=$(printf '%064d' 0)" --data-urlencode "token=$OFFICER")" 403 \
	"sign-in with a wrong CSRF field: 403"
is "$(req POST /ui/login --data-urlencode "csrf=$NONCE" --data-urlencode "token=$OFFICER")" 403 \
	"sign-in without the form's cookie: 403"
is "$(web POST /ui/login -H 'Origin: http://evil.example' --data-urlencode "csrf=$NONCE" --data-urlencode "token=$OFFICER")" 403 \
	"sign-in posted from another origin: 403"
is "$(web POST /ui/login --data-urlencode "csrf=$NONCE" --data-urlencode "token=$(printf '%064d' 7)")" 401 \
	"an unknown token: 401"
like "$(cat "$RESP")" "Sign-in failed" "the page says sign-in failed"
is "$(cookie vigil_session)" "" "and sets no session cookie"
is "$(web POST /ui/login --data-urlencode "csrf=$NONCE" --data-urlencode "token=$AGENT")" 401 "an agent token cannot sign in: 401"
is "$(web POST /ui/login --data-urlencode "csrf=$NONCE" --data-urlencode "token=$POLICYTOK")" 401 "a policy token cannot sign in: 401"
is "$(web POST /ui/login --data-urlencode "csrf=$NONCE" --data-urlencode "name=Officer Ada" --data-urlencode "password=wrong password here")" 401 \
	"a wrong password: 401"
is "$(web POST /ui/login --data-urlencode "csrf=$NONCE" --data-urlencode "name=Nobody" --data-urlencode "password=$PASSWORD")" 401 \
	"an unknown name: 401"
is "$(web POST /ui/login --data-urlencode "csrf=$NONCE" --data-urlencode "name=Officer Ada" --data-urlencode "password=$PASSWORD")" 303 \
	"name and password sign in: 303"
is "$(header location)" /ui/ "to the overview"
like "$(header set-cookie | grep vigil_session)" '^vigil_session=[0-9a-f]{64}; Path=/ui; HttpOnly; SameSite=Strict$' \
	"the session cookie: HttpOnly, SameSite=Strict, Path=/ui (no Secure over plain HTTP)"
SESSION=$(cookie vigil_session)
is "$(db "SELECT count(*) FROM web_sessions WHERE id_hash='$(printf '%s' "$SESSION" | sha256sum | cut -d' ' -f1)'")" 1 \
	"the database holds the session id's SHA-256"
is "$(db "SELECT count(*) FROM web_sessions WHERE id_hash='$SESSION' OR csrf='$SESSION'")" 0 "never the id itself"
is "$(web GET /ui/login)" 303 "the sign-in page sends a signed-in officer on"

is "$(login_token "$OFFICER")" 303 "a token signs in: 303"
OFFICER_SESSION=$(cookie vigil_session)
like "$OFFICER_SESSION" '^[0-9a-f]{64}$' "with a new session"

# ---- every page ----------------------------------------------------------

tags_with_handlers() {   # inline event handlers or inline scripts in real tags
	grep -o '<[a-zA-Z][^>]*>' "$RESP" | grep -Ei ' on[a-z]+=|<script[^>]*>$' | grep -v 'src="/ui/static/vigil.js"'
}
for page in / /anomalies "/anomalies?severity=high&status=open" "/anomalies?kind=unknown_account" \
	"/anomalies/$ID" "/anomalies/$HID" /persons/p1004 /risk /vetting "/vetting?due_within=3650" /agents; do
	code=$(web GET "/ui$page")
	is "$code" 200 "GET /ui$page: 200"
	if [ "$code" = 200 ]; then
		like "$(tail -c 200 "$RESP")" '</html>' "  a whole page"
		is "$(tags_with_handlers)" "" "  no inline script or event handler"
		is "$(header x-frame-options)" DENY "  X-Frame-Options: DENY"
	fi
done
for f in vigil.css vigil.js favicon.svg; do
	is "$(req GET "/ui/static/$f")" 200 "GET /ui/static/$f without a session: 200"
done
like "$(header content-type)" '^image/svg\+xml' "the icon is SVG"
is "$(web GET /ui/nothing-here)" 404 "an unknown page: 404"
is "$(web GET /ui/static/nothing.js)" 404 "an unknown static file: 404"
is "$(web GET /ui/anomalies/999999)" 404 "an unknown anomaly: 404"
is "$(web GET /ui/persons/nobody)" 404 "an unknown person: 404"
is "$(web GET "/ui/anomalies?severity=worst")" 400 "a bad filter: 400"
like "$(cat "$RESP")" "expected one of low, medium, high, critical" "with the API's message"
is "$(web PUT /ui/)" 405 "another method: 405"

# Hostile strings are text, escaped.
web GET "/ui/anomalies?kind=unknown_account" >/dev/null
like "$(cat "$RESP")" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "the list shows the <script> account as text"
unlike "$(cat "$RESP")" '<script>alert' "and never as markup"
web GET "/ui/anomalies/$HID" >/dev/null
like "$(cat "$RESP")" '&lt;script&gt;alert\(1\)&lt;/script&gt;' "so does the anomaly page"
like "$(cat "$RESP")" '/srv/&quot;&gt;&lt;img src=x onerror=alert\(2\)&gt;' "the evidence's path is escaped too"
unlike "$(cat "$RESP")" '<script>alert|<img src=x' "no injected markup"

# ---- triage through the form -----------------------------------------------

web GET "/ui/anomalies/$ID" >/dev/null
CSRF=$(form_csrf)
like "$CSRF" '^[0-9a-f]{64}$' "the anomaly page carries the session's CSRF token"
like "$(cat "$RESP")" 'id="triage"' "and a triage form"
triage() {   # triage ID [CURL-ARGS...]
	local id=$1
	shift
	web POST "/ui/anomalies/$id/triage" "$@"
}
is "$(triage "$ID" --data-urlencode action=acknowledge --data-urlencode note=x)" 403 \
	"a triage without the CSRF field: 403"
is "$(triage "$ID" --data-urlencode "csrf=$(printf '%064d' 0)" --data-urlencode action=acknowledge --data-urlencode note=x)" 403 \
	"with a wrong CSRF token: 403"
is "$(triage "$ID" --data-urlencode "csrf=$NONCE" --data-urlencode action=acknowledge --data-urlencode note=x)" 403 \
	"with the sign-in form's token: 403"
is "$(triage "$ID" -H 'Origin: http://evil.example' --data-urlencode "csrf=$CSRF" --data-urlencode action=acknowledge --data-urlencode note=x)" 403 \
	"from another origin, even with the token: 403"
is "$(triage "$ID" -H 'Origin: null' --data-urlencode "csrf=$CSRF" --data-urlencode action=acknowledge --data-urlencode note=x)" 403 \
	"from an opaque origin: 403"
is "$(triage "$ID" -H 'Sec-Fetch-Site: cross-site' --data-urlencode "csrf=$CSRF" --data-urlencode action=acknowledge --data-urlencode note=x)" 403 \
	"when the browser says cross-site: 403"
is "$(history_len "$ID")" 0 "refused forms leave no history"

is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=acknowledge)" 400 "a triage without a note: 400"
is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=close --data-urlencode note=x)" 400 "an unknown action: 400"
is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=assign --data-urlencode note=x)" 400 "assign without an assignee: 400"
is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=resolve --data-urlencode note=x --data-urlencode severity=low)" 400 \
	"an unknown field: 400"
is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=resolve --data-urlencode note=x --data-urlencode note=y)" 400 \
	"a field twice: 400"
is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=resolve --data-urlencode "note=a$(printf '\033')[31mb")" 400 \
	"control characters in the note: 400"
big=$(head -c 40000 /dev/zero | tr '\0' 'a')
is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=resolve --data-urlencode "note=$big")" 413 "a form over 32 KiB: 413"
is "$(triage "$ID" -H 'Content-Type: application/json' --data-binary '{"status":"resolved","note":"x"}')" 415 "JSON instead of a form: 415"
is "$(history_len "$ID")" 0 "none of them left a history step"

is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=acknowledge \
	--data-urlencode "note=Asked Dave's manager."$'\r\n'"He was sent the file by mistake." \
	--data-urlencode "assignee=Officer Ada")" 303 "acknowledge and assign through the form: 303"
is "$(header location)" "/ui/anomalies/$ID?done=acknowledge" "back to the anomaly"
get "$OFFICER" "/v1/anomalies/$ID" >/dev/null
is "$(jget "$RESP" '$.status')" acknowledged "GET /v1/anomalies/$ID shows it acknowledged"
is "$(jget "$RESP" '$.assignee')" "Officer Ada" "and assigned"
is "$(jget "$RESP" '$.history[0].officer')" "Officer Ada" "the history names the signed-in officer"
is "$(jget "$RESP" '$.history[0].note')" "Asked Dave's manager."$'\n'"He was sent the file by mistake." \
	"with the note (the browser's CRLF as LF)"
web GET "/ui/anomalies/$ID?done=acknowledge" >/dev/null
like "$(cat "$RESP")" 'Acknowledged\.' "the page confirms the step"
like "$(cat "$RESP")" "Asked Dave&#39;s manager\\." "and shows it in the history"

# The API and the form write the same history.
printf '%s' '{"status":"resolved","note":"Access removed."}' >"$T/t.json"
is "$(req POST "/v1/anomalies/$ID/triage" -H "Authorization: Bearer $OFFICER" -H 'Content-Type: application/json' --data-binary "@$T/t.json")" 200 \
	"a step through the API"
is "$(triage "$ID" --data-urlencode "csrf=$CSRF" --data-urlencode action=false_positive --data-urlencode "note=Share misclassified.")" 303 \
	"then one through the form"
get "$OFFICER" "/v1/anomalies/$ID" >/dev/null
is "$(jsql "$RESP" "SELECT group_concat(json_extract(value, '\$.status'), ',') FROM d, json_each(j, '\$.history')")" \
	"acknowledged,resolved,false_positive" "the history holds the three steps in order"
is "$(jsql "$RESP" "SELECT count(DISTINCT (SELECT group_concat(k.key) FROM json_each(h.value) AS k))
                   FROM d, json_each(j, '\$.history') AS h")" 1 \
	"each step with the same fields, whichever way it came"
is "$(jget "$RESP" '$.history[2].assignee')" "Officer Ada" "a step without an assignee keeps the current one"

# The access log has the dashboard's reads and steps.
if [ "$(get "$AUDITOR" "/v1/access-log?officer=Officer%20Ada")" = 200 ]; then
	like "$(cat "$RESP")" "\"/ui/anomalies/$ID\"" "the access log records reading the anomaly page"
	like "$(cat "$RESP")" "\"/ui/anomalies/$ID/triage\"" "and each triage from the form"
else
	skip "the access log records dashboard reads" "GET /v1/access-log is not available"
fi

# ---- an auditor reads but does not triage ----------------------------------

is "$(login_token "$AUDITOR")" 303 "an auditor signs in"
is "$(web GET "/ui/anomalies/$ID")" 200 "and reads the anomaly"
unlike "$(cat "$RESP")" 'id="triage"' "without a triage form"
like "$(cat "$RESP")" "may read anomalies but not triage" "being told why"
ACSRF=$(form_csrf)
is "$(triage "$ID" --data-urlencode "csrf=$ACSRF" --data-urlencode action=resolve --data-urlencode note=x)" 403 \
	"an auditor's triage POST, with a valid CSRF token: 403"
is "$(history_len "$ID")" 3 "and nothing is recorded"

# ---- signing out ------------------------------------------------------------

web GET / >/dev/null
is "$(web POST /ui/logout --data-urlencode csrf=)" 403 "sign-out with an empty CSRF field: 403"
is "$(web POST /ui/logout)" 415 "sign-out that is not a form: 415"
AUDITOR_SESSION=$(cookie vigil_session)
is "$(web POST /ui/logout --data-urlencode "csrf=$ACSRF")" 303 "sign-out: 303"
is "$(header location)" /ui/login "to the sign-in page"
like "$(header set-cookie)" '^vigil_session=; Path=/ui; Max-Age=0' "the cookie is cleared"
is "$(req GET /ui/ -b "vigil_session=$AUDITOR_SESSION")" 303 "the old session id no longer works"
is "$(db "SELECT count(*) FROM web_sessions WHERE id_hash='$(printf '%s' "$AUDITOR_SESSION" | sha256sum | cut -d' ' -f1)'")" 0 \
	"its row is gone"
is "$(req GET /ui/ -b "vigil_session=$OFFICER_SESSION")" 200 "another officer's session is untouched"
is "$(req GET /ui/ -b "vigil_session=$(printf '%064d' 1)")" 303 "a made-up session id: redirected to sign in"
is "$(req GET /ui/ -b "vigil_session=$(printf '%s' "$OFFICER_SESSION" | sha256sum | cut -d' ' -f1)")" 303 \
	"nor does the stored hash work as an id"

col_stop_and_check

# ---- over TLS the cookies are Secure ---------------------------------------

if command -v openssl >/dev/null 2>&1 &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$T/web.key" \
		-out "$T/web.pem" -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
		>"$T/openssl.err" 2>&1; then
	CONF_EXTRA="tls = { certificate = \"$T/web.pem\"; key = \"$T/web.key\"; };"
	if COL_SCHEME=https COL_CA=$T/web.pem col_start collector-tls; then
		rm -f "$JAR"
		is "$(web GET /ui/login --cacert "$T/web.pem")" 200 "over HTTPS the sign-in page answers"
		like "$(header set-cookie)" '; Secure$' "its cookie is Secure"
		NONCE=$(cookie vigil_login)
		is "$(web POST /ui/login --cacert "$T/web.pem" -H "Origin: https://127.0.0.1:$PORT" \
			--data-urlencode "csrf=$NONCE" --data-urlencode "token=$OFFICER")" 303 "a sign-in from the HTTPS origin"
		like "$(header set-cookie | grep vigil_session)" '^vigil_session=[0-9a-f]{64}; Path=/ui; HttpOnly; SameSite=Strict; Secure$' \
			"the session cookie is Secure"
		is "$(web GET /ui/ --cacert "$T/web.pem")" 200 "and the overview answers"
		web GET "/ui/anomalies/$ID" --cacert "$T/web.pem" >/dev/null
		CSRF=$(form_csrf)
		is "$(triage "$ID" --cacert "$T/web.pem" -H "Origin: http://127.0.0.1:$PORT" --data-urlencode "csrf=$CSRF" \
			--data-urlencode action=reopen --data-urlencode note=x)" 403 "the plain-HTTP origin is another origin: 403"
		is "$(triage "$ID" --cacert "$T/web.pem" -H "Origin: https://127.0.0.1:$PORT" --data-urlencode "csrf=$CSRF" \
			--data-urlencode action=reopen --data-urlencode "note=Reopened for review.")" 303 "the HTTPS origin may triage"
		col_stop_and_check
	else
		not_ok "a TLS collector starts"
	fi
else
	skip "Secure cookies over TLS" "openssl cannot make a test certificate"
fi

done_testing
