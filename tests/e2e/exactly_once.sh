#!/bin/bash
# exactly_once: (agent, seq) is an event's identity. Whatever the order,
# overlap or repetition of batches, and however many posters race, each
# identity is stored exactly once, and the "accepted" counts of all
# responses add up to the number of distinct events stored.
#
# Agents re-send batches whenever they are unsure a batch arrived (timeout,
# crash before the spool was updated), and batches may arrive out of order
# or with gaps; the collector must therefore deduplicate by identity, never
# by a high-water mark.
. "$(dirname "$0")/lib.sh"

col_init
A1=$(mint_agent ws-0101)
A2=$(mint_agent ws-0102)
OFFICER=$(mint_officer "E2E Officer")
ID1=$(agent_id "$A1")
ID2=$(agent_id "$A2")
col_start || bail "collector starts and answers /healthz"
check "two enrolments give two agent identities" test -n "$ID1" -a -n "$ID2" -a "$ID1" != "$ID2"

# stored AGENT-ID [LO HI]: "count distinct" of that agent's stored seqs in LO..HI.
stored() {
	db "SELECT count(*)||' '||count(DISTINCT seq) FROM events WHERE agent=$1 AND seq BETWEEN ${2:-0} AND ${3:-9223372036854775807}"
}
# api_count AGENT-ID: how many events GET /v1/events returns for the agent.
api_count() {
	get "$OFFICER" "/v1/events?agent=$1&limit=10000" >/dev/null
	jsql "$RESP" "SELECT json_array_length(j,'\$.events') FROM d"
}

# -- the same batch twice --------------------------------------------------------
hb_array 1 50 >"$T/b1-50.json"
post_events "$A1" "$T/b1-50.json" >/dev/null
is "$(counts "$RESP")" "50 0 0 50" "first post of seq 1-50: accepted 50"
code=$(post_events "$A1" "$T/b1-50.json")
is "$code" 200 "re-post of the same batch: 200"
is "$(counts "$RESP")" "0 50 0 50" "re-post: accepted 0, duplicate 50"
is "$(stored "$ID1")" "50 50" "database: 50 events, each seq once"
is "$(api_count "$ID1")" 50 "GET /v1/events: 50 events"

# A re-sent event whose content changed is still the same identity: it is a
# duplicate and the first version stays.
printf '[{"seq":7,"time":"2026-11-20T23:59:59.999Z","kind":"exec","exe":"/bin/changed"}]' >"$T/changed.json"
post_events "$A1" "$T/changed.json" >/dev/null
is "$(counts "$RESP")" "0 1 0 50" "same (agent, seq) with different content: duplicate"
is "$(db "SELECT kind FROM events WHERE agent=$ID1 AND seq=7")" agent "the first stored version is kept"

# -- overlapping batches ------------------------------------------------------------
hb_array 40 80 >"$T/b40-80.json"
post_events "$A1" "$T/b40-80.json" >/dev/null
is "$(counts "$RESP")" "30 11 0 80" "overlapping seq 40-80: accepted 30 (51-80), duplicate 11 (40-50)"

# Duplicates inside one batch count once.
printf '[%s,%s,%s]' "$(hb 81)" "$(hb 81)" "$(hb 82)" >"$T/dupinside.json"
post_events "$A1" "$T/dupinside.json" >/dev/null
is "$(counts "$RESP")" "2 1 0 82" "seq 81 twice in one batch: accepted 2, duplicate 1"

# -- out of order ------------------------------------------------------------------------
hb_array 200 299 >"$T/b200-299.json"
hb_array 100 199 >"$T/b100-199.json"
hb_array 83 99 >"$T/b83-99.json"
post_events "$A1" "$T/b200-299.json" >/dev/null
is "$(counts "$RESP")" "100 0 0 299" "seq 200-299 before 100-199: accepted 100, high_seq 299"
post_events "$A1" "$T/b100-199.json" >/dev/null
is "$(counts "$RESP")" "100 0 0 299" "then seq 100-199: all 100 accepted (no high-water mark), high_seq stays 299"
post_events "$A1" "$T/b83-99.json" >/dev/null
is "$(counts "$RESP")" "17 0 0 299" "then the gap 83-99: accepted 17"
is "$(db "SELECT count(*)||' '||min(seq)||' '||max(seq) FROM events WHERE agent=$ID1")" "299 1 299" \
	"agent 1 holds exactly seq 1..299"
hb_ndjson 5000 5000 >"$T/far.ndjson"
post_events "$A1" "$T/far.ndjson" application/x-ndjson >/dev/null
is "$(counts "$RESP")" "1 0 0 5000" "a gap up to seq 5000: accepted"
hb_ndjson 4000 4000 >"$T/mid.ndjson"
post_events "$A1" "$T/mid.ndjson" application/x-ndjson >/dev/null
is "$(counts "$RESP")" "1 0 0 5000" "then seq 4000 below the high seq: accepted"

# -- identities are per agent ---------------------------------------------------------------
post_events "$A2" "$T/b1-50.json" >/dev/null
is "$(counts "$RESP")" "50 0 0 50" "agent 2 sending seq 1-50: all new (identity is (agent, seq))"
is "$(stored "$ID2")" "50 50" "agent 2 holds its own 50 events"
is "$(stored "$ID1" 1 50)" "50 50" "agent 1's seq 1-50 untouched"

# Mixed encodings of the same events are still duplicates.
hb_ndjson 1 50 | gzip -c >"$T/b1-50.ndjson.gz"
post_events "$A2" "$T/b1-50.ndjson.gz" application/x-ndjson -H "Content-Encoding: gzip" >/dev/null
is "$(counts "$RESP")" "0 50 0 50" "the same events again as gzip NDJSON: duplicate 50"

# -- concurrent posters -------------------------------------------------------------------
# 8 workers, 4 per agent, each posts 8 batches of 80 events. Worker w's
# batch b starts at 1000 + ((b + w) mod 8) * 50, so neighbouring batches
# overlap by 30 and every worker of an agent sends every range, in a
# different order. Each agent ends with seq 1000-1429 (430 events).
for b in 0 1 2 3 4 5 6 7; do
	lo=$((1000 + b * 50))
	hb_array "$lo" $((lo + 79)) >"$T/conc-$b.json"
done
worker() {   # worker W TOKEN
	local w=$1 tok=$2 b k code
	for k in 0 1 2 3 4 5 6 7; do
		b=$(((k + w) % 8))
		code=$(curl -sS -m 60 -o "$T/conc-resp-$w-$k" -w '%{http_code}' -X POST \
			-H "Authorization: Bearer $tok" -H "Content-Type: application/json" \
			--data-binary "@$T/conc-$b.json" "$BASE/v1/events" 2>>"$T/curl.err")
		echo "$code" >"$T/conc-code-$w-$k"
	done
}
WPIDS=()
for w in 0 1 2 3 4 5 6 7; do
	if [ $((w % 2)) -eq 0 ]; then tok=$A1; else tok=$A2; fi
	worker "$w" "$tok" &
	WPIDS+=($!)
	BG_PIDS+=($!)
done
for pid in "${WPIDS[@]}"; do wait "$pid"; done

is "$(cat "$T"/conc-code-* | sort | uniq -c | awk '{ print $2 ":" $1 }' | tr '\n' ' ')" "200:64 " \
	"all 64 concurrent posts answered 200"
sum_field() {   # sum of a reply field over all concurrent responses
	local f s=0 v
	for f in "$T"/conc-resp-*; do
		v=$(jget "$f" "\$.$1")
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
is "$(sum_field accepted)" 860 "sum of accepted over all responses = 860 distinct events (2 x 430)"
is "$(sum_field duplicate)" $((64 * 80 - 860)) "sum of duplicate = events sent - distinct"
is "$(sum_field quarantined)" 0 "nothing quarantined"
is "$(stored "$ID1" 1000 1429)" "430 430" "agent 1: seq 1000-1429 each stored once"
is "$(stored "$ID2" 1000 1429)" "430 430" "agent 2: seq 1000-1429 each stored once"
is "$(db "SELECT count(*) FROM (SELECT agent, seq FROM events GROUP BY agent, seq HAVING count(*) > 1)")" 0 \
	"no (agent, seq) stored twice anywhere"
is "$(api_count "$ID1")" $((299 + 2 + 430)) "GET /v1/events agrees for agent 1"
is "$(api_count "$ID2")" $((50 + 430)) "GET /v1/events agrees for agent 2"
is "$(metric vigil_events_accepted_total)" \
	"$(db 'SELECT count(*) FROM events')" "vigil_events_accepted_total equals the events stored"

col_stop_and_check
done_testing
