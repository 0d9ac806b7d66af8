#!/bin/bash
# auth: who may call what. Agents (their tokens) may only post events;
# officers, auditors and admins may only read; everyone gets a JSON error
# body with the HTTP status the situation calls for (401 no or unknown
# token, 403 wrong role, 415 wrong content type, 404 unknown path, 405 wrong
# method), and a rejected request stores nothing.
. "$(dirname "$0")/lib.sh"

col_init
AGENT=$(mint_agent ws-0001)
OFFICER=$(mint_officer "E2E Officer" officer)
AUDITOR=$(mint_officer "E2E Auditor" auditor)
ADMIN=$(mint_officer "E2E Admin" admin)
POLICY=$(mint_officer "E2E Policy Author" policy)
col_start || bail "collector starts and answers /healthz"

hb_array 1 3 >"$T/batch.json"
J="Content-Type: application/json"

# expect_error DESCRIPTION STATUS CODE: the reply had STATUS and a JSON error body.
expect_error() {
	is "$3" "$2" "$1: $2"
	if is_json_error "$RESP" && grep -qi '^content-type: application/json' "$RESP.h"; then
		ok "$1: JSON {\"error\": ...} body"
	else
		not_ok "$1: JSON {\"error\": ...} body"
		diag "body: $(head -c 300 "$RESP")"
	fi
}

# -- 401: no credentials that name a principal ------------------------------------
code=$(req POST /v1/events -H "$J" --data-binary @"$T/batch.json")
expect_error "POST /v1/events without Authorization" 401 "$code"
code=$(req GET /v1/events)
expect_error "GET /v1/events without Authorization" 401 "$code"
code=$(req POST /v1/events -H "$J" -H "Authorization: Bearer $(printf '%064d' 0)" --data-binary @"$T/batch.json")
expect_error "unknown token" 401 "$code"
code=$(req POST /v1/events -H "$J" -H "Authorization: Bearer ${AGENT%?}" --data-binary @"$T/batch.json")
expect_error "agent token with its last character cut" 401 "$code"
code=$(req POST /v1/events -H "$J" -H "Authorization: Bearer ${AGENT}x" --data-binary @"$T/batch.json")
expect_error "agent token with a character added" 401 "$code"
code=$(req POST /v1/events -H "$J" -H "Authorization: Basic $(printf 'ws:%s' "$AGENT" | base64 -w0)" \
	--data-binary @"$T/batch.json")
expect_error "Basic instead of Bearer" 401 "$code"
code=$(req POST /v1/events -H "$J" -H "Authorization: $AGENT" --data-binary @"$T/batch.json")
expect_error "token without the Bearer scheme" 401 "$code"
code=$(req POST /v1/events -H "$J" -H "Authorization: Bearer" --data-binary @"$T/batch.json")
expect_error "Bearer without a token" 401 "$code"
code=$(req POST /v1/events -H "$J" -H "Authorization: Bearer $(head -c 4000 /dev/zero | tr '\0' a)" \
	--data-binary @"$T/batch.json")
expect_error "a 4000-character token" 401 "$code"
code=$(req GET /v1/events -H "Authorization: Bearer $OFFICER$OFFICER")
expect_error "an officer token written twice" 401 "$code"
is "$(db 'SELECT count(*) FROM events')" 0 "nothing was stored by the rejected posts"

# -- 403: a known token whose role may not use the endpoint ---------------------------------------
code=$(get "$AGENT" /v1/events)
expect_error "agent token on GET /v1/events" 403 "$code"
code=$(get "$AGENT" /v1/anomalies)
expect_error "agent token on GET /v1/anomalies" 403 "$code"
code=$(get "$AGENT" /v1/quarantine)
expect_error "agent token on GET /v1/quarantine" 403 "$code"
code=$(post_events "$OFFICER" "$T/batch.json")
expect_error "officer token on POST /v1/events" 403 "$code"
code=$(post_events "$ADMIN" "$T/batch.json")
expect_error "admin token on POST /v1/events" 403 "$code"
code=$(get "$POLICY" /v1/events)
expect_error "policy-author token on GET /v1/events" 403 "$code"
is "$(db 'SELECT count(*) FROM events')" 0 "still nothing stored"

# -- the roles that may -------------------------------------------------------------------------
code=$(post_events "$AGENT" "$T/batch.json")
is "$code $(counts "$RESP")" "200 3 0 0 3" "agent token on POST /v1/events: 200, accepted 3"
for who in OFFICER AUDITOR ADMIN; do
	code=$(get "${!who}" /v1/events)
	is "$code $(jsql "$RESP" "SELECT json_array_length(j,'\$.events') FROM d")" "200 3" \
		"$(echo "$who" | tr A-Z a-z) token on GET /v1/events: 200 with the 3 events"
done
code=$(get "$OFFICER" /v1/anomalies)
is "$code $(jsql "$RESP" "SELECT json_type(j,'\$.anomalies') FROM d")" "200 array" "officer on GET /v1/anomalies: 200 {\"anomalies\":[...]}"
code=$(get "$AUDITOR" /v1/quarantine)
is "$code $(jsql "$RESP" "SELECT json_type(j,'\$.quarantined') FROM d")" "200 array" "auditor on GET /v1/quarantine: 200 {\"quarantined\":[...]}"
code=$(req GET /v1/events -H "Authorization: bearer $OFFICER")
is "$code" 200 "the Bearer scheme name is case-insensitive"
code=$(req GET /healthz)
is "$code" 200 "/healthz needs no token"
code=$(req GET /metrics)
is "$code" 200 "/metrics needs no token on loopback"

# -- 415: what the body is must be declared --------------------------------------------------------
code=$(post_events "$AGENT" "$T/batch.json" text/plain)
expect_error "Content-Type text/plain" 415 "$code"
code=$(post_events "$AGENT" "$T/batch.json" application/x-www-form-urlencoded)
expect_error "Content-Type application/x-www-form-urlencoded" 415 "$code"
code=$(req POST /v1/events -H "Authorization: Bearer $AGENT" -H "Content-Type:" --data-binary @"$T/batch.json")
expect_error "no Content-Type" 415 "$code"
code=$(post_events "$AGENT" "$T/batch.json" application/jsonx)
expect_error "Content-Type application/jsonx" 415 "$code"
code=$(post_events "$AGENT" "$T/batch.json" application/json -H "Content-Encoding: br")
expect_error "Content-Encoding br" 415 "$code"
code=$(req POST /v1/events -H "Content-Type: text/plain" --data-binary @"$T/batch.json")
is "$code" 401 "no token and a wrong content type: 401 (authentication comes first)"

# -- 404 and 405 ----------------------------------------------------------------------------------
code=$(get "$OFFICER" /v1/nothing)
expect_error "GET /v1/nothing" 404 "$code"
code=$(req GET /nothing)
expect_error "GET /nothing" 404 "$code"
code=$(req GET /v1/events/../../etc/passwd --path-as-is)
expect_error "GET with a dot-dot path" 404 "$code"
code=$(get "$OFFICER" /v1/anomalies/999999)
expect_error "GET /v1/anomalies/999999 (no such anomaly)" 404 "$code"
code=$(get "$OFFICER" /v1/anomalies/abc)
expect_error "GET /v1/anomalies/abc" 404 "$code"
code=$(req DELETE /v1/events -H "Authorization: Bearer $OFFICER")
expect_error "DELETE /v1/events" 405 "$code"
code=$(req PUT /v1/events -H "Authorization: Bearer $AGENT" -H "$J" --data-binary @"$T/batch.json")
expect_error "PUT /v1/events" 405 "$code"
code=$(req POST /healthz -H "$J" --data-binary '{}')
expect_error "POST /healthz" 405 "$code"
code=$(req POST /v1/anomalies -H "Authorization: Bearer $OFFICER" -H "$J" --data-binary '{}')
expect_error "POST /v1/anomalies" 405 "$code"
is "$(db 'SELECT count(*) FROM events')" 3 "only the one authorised post stored anything"

# Every refusal is counted by status in /metrics.
for c in 401:11 403:6 404:5 405:4 415:5; do
	is "$(metric_wait "vigil_http_requests_total{code=\"${c%:*}\"}" "${c#*:}")" "${c#*:}" \
		"vigil_http_requests_total{code=\"${c%:*}\"} is ${c#*:}"
done

col_stop_and_check
done_testing
