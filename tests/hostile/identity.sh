#!/bin/bash
# hostile/identity: who may write what. Replayed batches (one at a time, as
# gzip, in parallel) are duplicates stored once; forged batches (events
# naming another agent's host, a reused seq with other content, members
# that claim an agent or an enrolled host) cannot pass for another agent or
# rewrite what is stored; tokens that are missing, malformed, oversized,
# of the wrong role, revoked, rotated away or expired are refused before
# any body is read; wrong methods and content types get 405 and 415.
# The checks of every case are described in tests/hostile/lib.sh.
. "$(dirname "$0")/lib.sh"

hstart
AGENT2=$(mint_agent ws-0002)
AID2=$(agent_id "$AGENT2")
AUDITOR=$(mint_officer "Hostile Auditor" auditor)
POLICY=$(mint_officer "Hostile Policy" policy)
T0='"time":"2026-11-20T10:00:00.000Z"'
AUTH=(-H "Authorization: Bearer $AGENT")

# -- replayed batches ----------------------------------------------------------------------
hb_array 1 20 >"$T/b1-20.json"
hpost -d 0 "a batch of 20 events" 200 20 0 "$T/b1-20.json"
hpost -d 20 "the same batch replayed: 20 duplicates, nothing stored" 200 0 0 "$T/b1-20.json"
hb_ndjson 1 20 | gzip -c >"$T/b1-20.gz"
hpost -d 20 "replayed as gzip NDJSON: 20 duplicates" 200 0 0 "$T/b1-20.gz" "$N" -H "Content-Encoding: gzip"
hb_ndjson 1 25 | tac >"$T/b25-1.ndjson"
hpost -d 20 "replayed backwards with 5 new events: 5 stored" 200 5 0 "$T/b25-1.ndjson" "$N"
printf '[%s,%s,%s]' "$(hb 26)" "$(hb 26)" "$(hb 26)" >"$T/thrice.json"
hpost -d 2 "one event three times in one batch: stored once" 200 1 0 "$T/thrice.json"
# 20 clients replay one new batch at the same moment.
hbegin
why=()
hb_array 100 149 >"$T/b100.json"
PIDS=()
for i in $(seq 1 20); do
	curl -sS -m 60 -o "$T/race.$i" -w '%{http_code}\n' "${AUTH[@]}" -H "Content-Type: $J" \
		--data-binary "@$T/b100.json" "$BASE/v1/events" >"$T/race.$i.code" 2>>"$T/curl.err" &
	PIDS+=($!)
done
for pid in "${PIDS[@]}"; do wait "$pid"; done
acc=0
dup=0
for i in $(seq 1 20); do
	[ "$(cat "$T/race.$i.code")" = 200 ] || why+=("replay $i: HTTP $(cat "$T/race.$i.code")")
	acc=$((acc + $(jget "$T/race.$i" '$.accepted')))
	dup=$((dup + $(jget "$T/race.$i" '$.duplicate')))
done
[ "$acc $dup" = "50 950" ] || why+=("accepted $acc, duplicate $dup over all replies; want 50, 950")
hverdict "20 simultaneous replays of a batch of 50: accepted 50 in all, stored once" "$EV0" "$Q0" 50 0 "${why[@]}"

# -- forged batches --------------------------------------------------------------------------------
mm0=$(metric vigil_events_host_mismatch_total)
printf '[{"seq":200,%s,"kind":"session_open","host":"ws-0002","user":"alice","exe":"/h/forged"}]' "$T0" >"$T/forged.json"
hpost "an event naming another agent's host" 200 1 0 "$T/forged.json"
is "$(db "SELECT agent = $AID AND host = 'ws-0002' AND enrolled_host = 'ws-0001' FROM events WHERE json LIKE '%/h/forged%'")" 1 \
	"it is stored as this agent's, with the host it claims and the enrolled host beside it"
is "$(metric vigil_events_host_mismatch_total)" "$((${mm0:-0} + 1))" "and counted in vigil_events_host_mismatch_total"
get "$OFFICER" "/v1/events?host=ws-0002" >/dev/null
is "$(jsql "$RESP" "SELECT json_extract(j,'\$.events[0].agent')||' '||json_extract(j,'\$.events[0].enrolled_host') FROM d")" \
	"$AID ws-0001" "GET /v1/events shows the real agent and the enrolled host"
HTOKEN=$AGENT2 hpost "the other agent's own seq 200 is its own identity" 200 1 0 "$T/forged.json"
is "$(db "SELECT count(*) FROM events WHERE seq = 200")" 2 "seq 200 is stored once per agent"
orig=$(db "SELECT json FROM events WHERE agent=$AID AND seq=5")
printf '[{"seq":5,%s,"kind":"privilege","user":"root","exe":"/h/rewrite"}]' "$T0" >"$T/reuse.json"
hpost -d 1 "a reused seq with other content is a duplicate" 200 0 0 "$T/reuse.json"
is "$(db "SELECT json FROM events WHERE agent=$AID AND seq=5")" "$orig" "the original event 5 is kept byte for byte"
printf '{"seq":5,%s,"kind":"agent","host":"ws-0002","detail":{"action":"heartbeat"}}' "$T0" >"$T/reuse-host.ndjson"
hpost -d 1 "a reused seq claiming another host is a duplicate" 200 0 0 "$T/reuse-host.ndjson" "$N"
hline -r "agent.*not in schema" "an event with an 'agent' member" "{\"seq\":300,$T0,\"kind\":\"exec\",\"agent\":$AID2}"
hline -r "enrolled_host.*not in schema" "an event with an 'enrolled_host' member" \
	"{\"seq\":301,$T0,\"kind\":\"exec\",\"host\":\"ws-0002\",\"enrolled_host\":\"ws-0002\"}"
hb_array 400 404 >"$T/b400.json"
hcase "a batch with the agent's token in the query string, not the header" 401 0 0 POST "/v1/events?token=$AGENT" \
	-H "Content-Type: $J" --data-binary "@$T/b400.json"

# -- tokens ---------------------------------------------------------------------------------------
ev() { hcase "$1" "$2" 0 0 POST /v1/events -H "Content-Type: $J" --data-binary "@$T/b400.json" "${@:3}"; }
ev "no Authorization header" 401
ev "Authorization: Bearer (no token)" 401 -H "Authorization: Bearer"
ev "Authorization: Bearer and a space" 401 -H "Authorization: Bearer "
ev "Authorization: Basic" 401 -H "Authorization: Basic $(printf 'ws-0001:%s' "$AGENT" | base64 -w0)"
ev "the token without 'Bearer'" 401 -H "Authorization: $AGENT"
ev "the token in upper case" 401 -H "Authorization: Bearer $(printf '%s' "$AGENT" | tr a-f A-F)"
ev "the token with a byte more" 401 -H "Authorization: Bearer ${AGENT}0"
ev "the token a byte short" 401 -H "Authorization: Bearer ${AGENT%?}"
printf 'Authorization: Bearer \xff\xfe\x80%s\n' "$AGENT" >"$T/h.bin"
ev "bytes that are not UTF-8 before the token" 401 -H "@$T/h.bin"
printf 'Authorization: Bearer %s\n' "$(head -c 600 /dev/zero | tr '\0' a)" >"$T/h.600"
ev "a token of 600 bytes" 401 -H "@$T/h.600"
printf 'Authorization: Bearer %s\n' "$(head -c 100000 /dev/zero | tr '\0' a)" >"$T/h.100k"
ev "a token of 100,000 bytes" 401 -H "@$T/h.100k"
printf 'Authorization: Bearer %s\n' "$(head -c 300000 /dev/zero | tr '\0' a)" >"$T/h.300k"
hcase -m "an Authorization header of 300,000 bytes: 431 from libmicrohttpd" 431 0 0 \
	POST /v1/events -H "@$T/h.300k" -H "Content-Type: $J" --data-binary "@$T/b400.json"
printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\0%s\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n[]' \
	"${AGENT:0:32}" "${AGENT:32}" >"$T/nul.http"
hcase "a NUL byte in the middle of the token" 401 0 0 RAW "$T/nul.http"
ev "an officer token on POST /v1/events" 403 -H "Authorization: Bearer $OFFICER"
hcase "an agent token on GET /v1/events" 403 0 0 GET /v1/events "${AUTH[@]}"
hcase "an agent token on GET /v1/quarantine" 403 0 0 GET /v1/quarantine "${AUTH[@]}"
hcase "an agent token on POST /v1/policy/reload" 403 0 0 POST /v1/policy/reload "${AUTH[@]}"
hcase "an auditor token on POST /v1/anomalies/1/triage" 403 0 0 POST /v1/anomalies/1/triage \
	-H "Authorization: Bearer $AUDITOR" -H "Content-Type: $J" --data '{"status":"resolved","note":"x"}'
hcase "a policy token on GET /v1/events" 403 0 0 GET /v1/events -H "Authorization: Bearer $POLICY"

# Revocation, rotation and expiry: with the CLI when this build has it
# (vigil-collector agent revoke|rotate, add --expires), else by setting the
# revoked_ms column the way the CLI does.
if "$COLLECTOR" -c "$CONF" agent 2>&1 | grep -q 'agent revoke'; then
	HAVE_ADMIN=1
else
	HAVE_ADMIN=0
	diag "this build has no 'agent revoke': revoking through the agents.revoked_ms column"
fi
VICTIM=$(mint_agent ws-0003)
VOFF=$(mint_officer "Revoked Officer")
hb_array 500 502 >"$T/b500.json"
HTOKEN=$VICTIM hpost "a fresh agent posts" 200 3 0 "$T/b500.json"
if [ "$HAVE_ADMIN" = 1 ]; then
	"$COLLECTOR" -c "$CONF" agent revoke ws-0003 >/dev/null 2>>"$T/cli.err"
	"$COLLECTOR" -c "$CONF" officer revoke "Revoked Officer" >/dev/null 2>>"$T/cli.err"
else
	db "UPDATE agents SET revoked_ms = 1 WHERE host = 'ws-0003'; UPDATE officers SET revoked_ms = 1 WHERE name = 'Revoked Officer'"
fi
hb_array 503 505 >"$T/b503.json"
HTOKEN=$VICTIM hpost "the same agent once revoked" 401 0 0 "$T/b503.json"
HTOKEN=$VICTIM hpost "a replay of its old batch once revoked" 401 0 0 "$T/b500.json"
hcase "a revoked officer" 401 0 0 GET /v1/events -H "Authorization: Bearer $VOFF"
hpost "the other agents are unaffected" 200 3 0 "$T/b503.json"
if [ "$HAVE_ADMIN" = 1 ]; then
	OLD=$(mint_agent ws-0004)
	NEW=$("$COLLECTOR" -c "$CONF" agent rotate ws-0004 2>>"$T/cli.err" | tail -n 1)
	HTOKEN=$OLD hpost "a token rotated away (no grace)" 401 0 0 "$T/b500.json"
	HTOKEN=$NEW hpost "its replacement" 200 3 0 "$T/b500.json"
	EXP=$("$COLLECTOR" -c "$CONF" agent add ws-0005 --expires 1s 2>>"$T/cli.err")
	sleep 2
	HTOKEN=$EXP hpost "an expired token" 401 0 0 "$T/b500.json"
else
	skip "a token rotated away" "this build has no 'agent rotate'"
	skip "an expired token" "this build has no 'agent add --expires'"
fi

# -- methods ---------------------------------------------------------------------------------------
for m in PUT DELETE PATCH OPTIONS TRACE HEAD BREW; do
	hcase -m "$m /v1/events" 405 0 0 "$m" /v1/events "${AUTH[@]}"
done
hcase "GET /v1/policy/reload" 405 0 0 GET /v1/policy/reload -H "Authorization: Bearer $POLICY"
hcase "POST /healthz" 405 0 0 POST /healthz -H "Content-Type: $J" --data-binary "@$T/b400.json"
hcase "DELETE /v1/anomalies/1" 405 0 0 DELETE /v1/anomalies/1 -H "Authorization: Bearer $OFFICER"
hcase "POST /v1/nothing-here" 404 0 0 POST /v1/nothing-here "${AUTH[@]}" -H "Content-Type: $J" \
	--data-binary "@$T/b400.json"

# -- content types --------------------------------------------------------------------------------
ct() { hpost "$1" "$2" "$3" 0 "$4" "$5" "${@:6}"; }
hb_array 600 600 >"$T/b600.json"
ct "Content-Type text/plain" 415 0 "$T/b600.json" text/plain
ct "Content-Type multipart/form-data" 415 0 "$T/b600.json" "multipart/form-data; boundary=x"
ct "Content-Type application/jsonx" 415 0 "$T/b600.json" application/jsonx
ct "Content-Type 'application/json, text/plain'" 415 0 "$T/b600.json" "application/json, text/plain"
ct "no Content-Type (curl then sends x-www-form-urlencoded)" 415 0 "$T/b600.json" ""
printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
	"$AGENT" "$(stat -c %s "$T/b600.json")" "$(cat "$T/b600.json")" >"$T/noct.http"
hcase "no Content-Type header at all" 415 0 0 RAW "$T/noct.http"
ct "Content-Encoding br" 415 0 "$T/b600.json" "$J" -H "Content-Encoding: br"
ct "Content-Encoding deflate" 415 0 "$T/b600.json" "$J" -H "Content-Encoding: deflate"
ct "Content-Encoding 'gzip, gzip'" 415 0 "$T/b600.json" "$J" -H "Content-Encoding: gzip, gzip"
ct "Content-Type with a charset" 200 1 "$T/b600.json" "application/json; charset=utf-8"
hb_ndjson 601 601 >"$T/b601.ndjson"
ct "Content-Type in upper case" 200 1 "$T/b601.ndjson" "APPLICATION/X-NDJSON"
hb_array 602 602 >"$T/b602.json"
ct "Content-Encoding identity" 200 1 "$T/b602.json" "$J" -H "Content-Encoding: identity"
hcase "triage with Content-Type text/plain" 415 0 0 POST /v1/anomalies/1/triage \
	-H "Authorization: Bearer $OFFICER" -H "Content-Type: text/plain" --data '{"status":"resolved","note":"x"}'

hostile_finish
