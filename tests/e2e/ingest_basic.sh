#!/bin/bash
# ingest_basic: the four body encodings of POST /v1/events are accepted with
# the right counts, GET /v1/events finds exactly the stored events under
# each filter, and /healthz and /metrics report what happened.
#
# One agent (enrolled as ws-0001) sends 14 events on 2026-11-20, one per
# hour (seq N at N:00), in five requests:
#
#   seq  time   kind           user     host (sent)  encoding
#   1    01:00  session_open   alice    ws-0001      JSON array
#   2    02:00  file_access    alice    -            JSON array
#   3    03:00  exec           bob      -            JSON array
#   4    04:00  file_access    bob      ws-0002      single object
#   5    05:00  session_close  alice    -            NDJSON (CRLF, blank line)
#   6    06:00  exec           bob      ws-0002      NDJSON
#   7    07:00  agent          -        -            NDJSON
#   8    08:00  file_access    alice    -            gzip JSON array
#   9    09:00  exec           alice    -            gzip JSON array
#   10   10:00  file_access    bob      -            gzip JSON array
#   11   11:00  agent          -        -            gzip JSON array
#   12   12:00  session_open   bob      ws-0002      gzip JSON array
#   13   13:00  exec           bob      -            gzip NDJSON
#   14   14:00  auth_failure   mallory  -            gzip NDJSON
#
# An event sent without a host is stored with the enrolled host (ws-0001).
. "$(dirname "$0")/lib.sh"

col_init
AGENT=$(mint_agent ws-0001)
OFFICER=$(mint_officer "E2E Officer")
AID=$(agent_id "$AGENT")
col_start || bail "collector starts and answers /healthz"

# -- liveness -----------------------------------------------------------------
code=$(req GET /healthz)
is "$code" 200 "GET /healthz answers 200 without a token"
is "$(jget "$RESP" '$.status')" ok "/healthz body is {\"status\":\"ok\"}"

ev() {   # ev SEQ KIND [USER] [HOST] [EXTRA-MEMBERS]
	local s="{\"seq\":$1,\"time\":\"$(ts $(($1 * 3600)))\",\"kind\":\"$2\""
	[ -n "${3:-}" ] && s+=",\"user\":\"$3\""
	[ -n "${4:-}" ] && s+=",\"host\":\"$4\""
	[ -n "${5:-}" ] && s+=",$5"
	printf '%s}' "$s"
}

# -- JSON array -----------------------------------------------------------------
printf '[%s,\n %s,\n %s]\n' \
	"$(ev 1 session_open alice ws-0001 '"service":"sshd","rhost":"10.0.0.5","tty":"ssh"')" \
	"$(ev 2 file_access alice '' '"path":"/srv/public/readme.txt","op":"read","result":"success","uid":1001,"auid":1001')" \
	"$(ev 3 exec bob '' '"exe":"/usr/bin/ls","pid":4242')" >"$T/array.json"
code=$(post_events "$AGENT" "$T/array.json")
is "$code" 200 "JSON array: 200"
is "$(counts "$RESP")" "3 0 0 3" "JSON array: accepted 3, duplicate 0, quarantined 0, high_seq 3"

# -- single object ----------------------------------------------------------------
ev 4 file_access bob ws-0002 '"path":"/srv/public/a.txt","op":"read"' >"$T/single.json"
code=$(post_events "$AGENT" "$T/single.json" "application/json; charset=utf-8")
is "$code" 200 "single object (Content-Type with a charset parameter): 200"
is "$(counts "$RESP")" "1 0 0 4" "single object: accepted 1, high_seq 4"

# -- NDJSON -----------------------------------------------------------------------
{
	printf '%s\r\n' "$(ev 5 session_close alice)"
	printf '\r\n'
	printf '%s\r\n' "$(ev 6 exec bob ws-0002 '"exe":"/usr/bin/vim"')"
	printf '   \n'
	printf '%s' "$(ev 7 agent '' '' '"detail":{"action":"start","version":"1"}')"
} >"$T/lines.ndjson"
code=$(post_events "$AGENT" "$T/lines.ndjson" application/x-ndjson)
is "$code" 200 "NDJSON: 200"
is "$(counts "$RESP")" "3 0 0 7" "NDJSON with CRLF, blank lines and no final newline: accepted 3, high_seq 7"

# -- gzip JSON array ----------------------------------------------------------------
printf '[%s,%s,%s,%s,%s]' \
	"$(ev 8 file_access alice '' '"path":"/srv/falcon/plan.txt","op":"read"')" \
	"$(ev 9 exec alice '' '"exe":"/usr/bin/cat"')" \
	"$(ev 10 file_access bob '' '"path":"/srv/public/b.txt","op":"write"')" \
	"$(ev 11 agent '' '' '"detail":{"action":"heartbeat"}')" \
	"$(ev 12 session_open bob ws-0002 '"service":"login"')" | gzip -c >"$T/array.json.gz"
code=$(post_events "$AGENT" "$T/array.json.gz" application/json -H "Content-Encoding: gzip")
is "$code" 200 "gzip JSON array: 200"
is "$(counts "$RESP")" "5 0 0 12" "gzip JSON array: accepted 5, high_seq 12"

# -- gzip NDJSON ------------------------------------------------------------------------
printf '%s\n%s\n' "$(ev 13 exec bob '' '"exe":"/usr/bin/ssh"')" \
	"$(ev 14 auth_failure mallory '' '"service":"sshd","result":"failure"')" | gzip -c >"$T/lines.ndjson.gz"
code=$(post_events "$AGENT" "$T/lines.ndjson.gz" application/x-ndjson -H "Content-Encoding: gzip")
is "$code" 200 "gzip NDJSON: 200"
is "$(counts "$RESP")" "2 0 0 14" "gzip NDJSON: accepted 2, high_seq 14"

is "$(db 'SELECT count(*), min(seq), max(seq) FROM events')" "14|1|14" "database holds events 1..14 once each"
is "$(db "SELECT host FROM events WHERE seq=2")" ws-0001 "an event sent without host is stored with the enrolled host"

# -- GET /v1/events and its filters -----------------------------------------------------
# seqs QUERY: the seq numbers GET /v1/events?QUERY returns, in answer order.
seqs() {
	local code
	code=$(get "$OFFICER" "/v1/events?$1")
	if [ "$code" != 200 ]; then
		echo "HTTP $code"
		return
	fi
	jsql "$RESP" "SELECT group_concat(json_extract(value,'\$.seq'),' ') FROM d, json_each(d.j,'\$.events')"
}
is "$(seqs '')" "14 13 12 11 10 9 8 7 6 5 4 3 2 1" "no filter: all 14 events, newest first"
is "$(seqs 'host=ws-0002')" "12 6 4" "host=ws-0002"
is "$(seqs 'host=ws-0001')" "14 13 11 10 9 8 7 5 3 2 1" "host=ws-0001 (explicit and defaulted)"
is "$(seqs 'user=alice')" "9 8 5 2 1" "user=alice"
is "$(seqs 'user=nobody')" "" "user with no events: empty list"
is "$(seqs 'kind=exec')" "13 9 6 3" "kind=exec"
is "$(seqs 'kind=file_access&user=bob')" "10 4" "kind and user combined"
is "$(seqs 'host=ws-0002&user=bob&kind=session_open')" "12" "host, user and kind combined"
is "$(seqs 'since=2026-11-20T09:30:00Z')" "14 13 12 11 10" "since (RFC 3339 without milliseconds)"
is "$(seqs 'until=2026-11-20T03:30:00.000Z')" "3 2 1" "until (full millisecond format)"
is "$(seqs 'since=2026-11-20T04:30Z&until=2026-11-20T08:30Z')" "8 7 6 5" "since and until (HH:MM form)"
is "$(seqs 'since=2026-11-20')" "14 13 12 11 10 9 8 7 6 5 4 3 2 1" "since as a date"
is "$(seqs 'since=2026-11-21')" "" "since after every event: empty list"
is "$(seqs 'limit=2')" "14 13" "limit=2: the two newest"
is "$(seqs 'user=alice&limit=1')" "9" "limit with a filter"
is "$(seqs "agent=$AID&kind=agent")" "11 7" "agent id filter"

code=$(get "$OFFICER" "/v1/events?kind=file_access&user=alice&limit=1")
is "$(jsql "$RESP" "SELECT json_extract(j,'\$.events[0].agent')||' '||json_extract(j,'\$.events[0].path')||' '||
	json_extract(j,'\$.events[0].op')||' '||json_extract(j,'\$.events[0].time')||' '||json_extract(j,'\$.events[0].host') FROM d")" \
	"$AID /srv/falcon/plan.txt read 2026-11-20T08:00:00.000Z ws-0001" \
	"returned event carries agent id, path, op, time and host"
code=$(get "$OFFICER" "/v1/events?user=alice&kind=file_access&until=2026-11-20T03:00:00.001Z")
is "$(jsql "$RESP" "SELECT json_extract(j,'\$.events[0].uid')||' '||json_extract(j,'\$.events[0].result') FROM d")" \
	"1001 success" "integer and enumerated fields round-trip"
code=$(get "$OFFICER" "/v1/events?kind=agent&limit=1")
is "$(jsql "$RESP" "SELECT json_extract(j,'\$.events[0].detail.action') FROM d")" heartbeat "detail object round-trips"

# Bad query parameters are 400 with a JSON error naming the parameter.
code=$(get "$OFFICER" "/v1/events?kind=teleport")
is "$code" 400 "unknown kind in the query: 400"
like "$(jget "$RESP" '$.error')" "kind" "the error names the 'kind' parameter"
code=$(get "$OFFICER" "/v1/events?since=yesterday")
is "$code" 400 "unparseable since: 400"
like "$(jget "$RESP" '$.error')" "since" "the error names the 'since' parameter"
code=$(get "$OFFICER" "/v1/events?limit=0")
is "$code" 400 "limit=0: 400"
code=$(get "$OFFICER" "/v1/events?limit=10001")
is "$code" 400 "limit above 10000: 400"
code=$(get "$OFFICER" "/v1/events?limit=10000")
is "$code" 200 "limit=10000 (the maximum): 200"

# -- /metrics -------------------------------------------------------------------------------
# Re-sending the first batch makes 3 duplicates; one bad event makes one
# quarantined item; two requests without a token make two 401s.
code=$(post_events "$AGENT" "$T/array.json")
is "$(counts "$RESP")" "0 3 0 14" "re-sent JSON array: duplicate 3"
code=$(post_text "$AGENT" '[{"seq":99,"kind":"exec"}]')
is "$(counts "$RESP")" "0 0 1 14" "an event without time: quarantined 1"
req POST /v1/events -H "Content-Type: application/json" --data-binary @"$T/array.json" >/dev/null
req GET /v1/events >/dev/null
is "$(metric_wait 'vigil_http_requests_total{code="401"}' 2)" 2 'vigil_http_requests_total{code="401"} is 2'

is "$(metric_wait 'vigil_http_requests_total{code="400"}' 4)" 4 "four 400s (the bad query parameters)"

# A scrape where every finished request is in both the status counters and
# the histogram (a request is recorded just after its response went out, so
# the scrape is repeated until the two agree; a bounded number of times).
mv_() { awk -v n="$1" '$1 == n { print $2 }' "$T/metrics"; }
for i in $(seq 1 20); do
	curl -s -m 10 -o "$T/metrics" -D "$T/metrics.h" "$BASE/metrics"
	cnt=$(mv_ vigil_http_request_duration_seconds_count)
	codes_sum=$(awk '/^vigil_http_requests_total\{/ { s += $2 } END { print s }' "$T/metrics")
	[ -n "$cnt" ] && [ "$cnt" = "$codes_sum" ] && break
	sleep 0.1
done
like "$(cat "$T/metrics.h")" "Content-Type: text/plain" "/metrics is text/plain"
is "$(mv_ vigil_events_accepted_total)" 14 "vigil_events_accepted_total is 14"
is "$(mv_ vigil_events_duplicate_total)" 3 "vigil_events_duplicate_total is 3"
is "$(mv_ vigil_events_quarantined_total)" 1 "vigil_events_quarantined_total is 1"
like "$(grep '^# TYPE' "$T/metrics")" "vigil_events_accepted_total counter" "counters are typed"
like "$(grep '^# TYPE' "$T/metrics")" "vigil_http_request_duration_seconds histogram" "latency histogram is typed"
like "$(grep -c '^vigil_anomalies_total{kind="' "$T/metrics")" '^(1[7-9]|[2-9][0-9])$' "vigil_anomalies_total has a sample per anomaly kind"
req_200=$(mv_ 'vigil_http_requests_total{code="200"}')
# Requests answered 200 so far: 1 healthz (plus the start-up probe), 5
# ingests, 18 event queries, 2 more ingests, metric_wait's scrapes.
like "$req_200" '^[0-9]+$' "vigil_http_requests_total{code=\"200\"} is present"
check "at least 26 requests answered 200" test "${req_200:-0}" -ge 26

# Histogram: cumulative buckets never decrease, +Inf equals _count, and
# _count equals the requests counted by status code.
hist=$(awk '/^vigil_http_request_duration_seconds_bucket/ { print $2 }' "$T/metrics" | tr '\n' ' ')
mono=$(awk '/^vigil_http_request_duration_seconds_bucket/ { if ($2 < prev) bad = 1; prev = $2 } END { print bad ? "no" : "yes" }' "$T/metrics")
is "$mono" yes "histogram buckets are cumulative ($hist)"
inf=$(mv_ 'vigil_http_request_duration_seconds_bucket{le="+Inf"}')
is "$inf" "$cnt" "+Inf bucket equals _count"
is "$cnt" "$codes_sum" "_count equals the sum of vigil_http_requests_total"
like "$(mv_ vigil_http_request_duration_seconds_sum)" '^[0-9]+(\.[0-9]+)?$' "_sum is a number"

# An agent speaks for the host it was enrolled as: an event naming another
# host is stored as sent, flagged with the enrolled host, and counted.
MISMATCH_AGENT=$(mint_agent ws-0009)
mismatch_before=$(metric vigil_events_host_mismatch_total)
code=$(post_text "$MISMATCH_AGENT" '[{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"agent","host":"ws-0777"},
  {"seq":2,"time":"2026-11-20T10:00:01.000Z","kind":"agent","host":"ws-0009"}]')
is "$code" 200 "events from ws-0009's agent, one claiming host ws-0777: 200"
is "$(db "SELECT host || '/' || coalesce(enrolled_host, '-') FROM events WHERE agent = $(agent_id "$MISMATCH_AGENT") ORDER BY seq" | tr '\n' ' ')" \
	"ws-0777/ws-0009 ws-0009/- " "the mismatching event keeps its host and records the enrolled one"
get "$OFFICER" "/v1/events?host=ws-0777" >/dev/null
is "$(jget "$RESP" '$.events[0].enrolled_host')" ws-0009 "GET /v1/events shows the enrolled host of a mismatching event"
want=$((mismatch_before + 1))
is "$(metric_wait vigil_events_host_mismatch_total "$want")" "$want" "vigil_events_host_mismatch_total counts it"

col_stop_and_check
done_testing
