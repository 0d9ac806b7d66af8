#!/bin/bash
# fault/clock: agents whose clocks jump. Event time is evidence, not
# identity: seq orders an agent's events, so a batch whose times run
# backwards, or leap years ahead, is stored whole and in seq order.
#
# Posted directly: times at both ends of the schema's range (1970-01-01 and
# 9999-12-31) are accepted, times outside it (1969, year 10000) are
# quarantined with their raw text, a batch whose times go backwards while
# seq goes up is accepted with the right high_seq, and detection and the
# read API keep working over such times.
#
# A real vigil-agent under libfaketime (package faketime): its clock jumps
# three years back, then five years ahead, then home, while logins come
# in. Nothing is lost or duplicated, seqs stay contiguous and in intake
# order, and each event carries the time the agent's clock showed.
. "$(dirname "$0")/lib.sh"

col_init
DIRECT=$(mint_agent ws-direct)
DID=$(agent_id "$DIRECT")
READER=$(mint_officer Reader)
fcol_up || bail "collector starts"

# -- posted events with jumped times ----------------------------------------------------
ev() { printf '{"seq":%d,"time":"%s","kind":"auth_success","user":"clock-%d","service":"sshd"}' "$1" "$2" "$1"; }
{
	printf '['
	ev 1 2031-05-01T12:00:00.000Z
	printf ','
	ev 2 2021-05-01T12:00:00.000Z
	printf ','
	ev 3 1970-01-01T00:00:00.000Z
	printf ','
	ev 4 9999-12-31T23:59:59.999Z
	printf ','
	ev 5 2026-11-20T10:00:00.000Z
	printf ']'
} >"$T/jumps.json"
code=$(post_events "$DIRECT" "$T/jumps.json")
is "$code $(counts "$RESP")" "200 5 0 0 5" "times running backwards and to both ends of the range: all 5 accepted"
ms() { echo "$(date -u -d "$1" +%s)${1:20:3}"; }
is "$(db "SELECT group_concat(time_ms, ' ') FROM (SELECT time_ms FROM events WHERE agent = $DID ORDER BY seq)")" \
	"$(ms 2031-05-01T12:00:00.000Z) $(ms 2021-05-01T12:00:00.000Z) 0 $(ms 9999-12-31T23:59:59.999Z) $(ms 2026-11-20T10:00:00.000Z)" \
	"each stored with its own time, in seq order"
for t in 1969-12-31T23:59:59.999Z 10000-01-01T00:00:00.000Z 0000-01-01T00:00:00.000Z 2026-11-20T10:00:00.000+14:00; do
	ev 6 "$t" >"$T/bad.ndjson"
	code=$(post_events "$DIRECT" "$T/bad.ndjson" application/x-ndjson)
	is "$code $(counts "$RESP")" "200 0 0 1 5" "time $t: quarantined"
	is "$(db 'SELECT reason LIKE "%''time''%" AND hex(raw) = hex(CAST(readfile('"'$T/bad.ndjson'"') AS BLOB)) FROM quarantine ORDER BY id DESC LIMIT 1')" 1 \
		"  with the raw line and a reason naming 'time'"
done
printf '[%s,%s]' "$(ev 6 2026-11-20T10:00:01.000Z)" "$(ev 7 2026-11-20T10:00:02.000Z)" >"$T/after.json"
code=$(post_events "$DIRECT" "$T/after.json")
is "$code $(counts "$RESP")" "200 2 0 0 7" "the agent's next batch after the jumps: accepted, high_seq 7"
code=$(get "$READER" "/v1/events?agent=$DID&limit=100")
is "$code $(jsql "$RESP" "SELECT json_array_length(j, '\$.events') FROM d")" "200 7" "GET /v1/events lists all 7"
code=$(get "$READER" "/v1/events?since=9999-12-31&limit=100")
is "$code $(jsql "$RESP" "SELECT json_extract(j, '\$.events[0].seq') FROM d")" "200 4" "a query in year 9999 finds seq 4"
code=$(get "$READER" "/v1/anomalies?limit=1000")
is "$code" 200 "GET /v1/anomalies works over events from 1970 to 9999"
is "$(db "SELECT count(*) FROM anomalies WHERE account LIKE 'clock-%'")" 7 \
	"detection judged every event (one unknown_account anomaly each)"

# -- a real agent whose clock jumps --------------------------------------------------------
FT=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ -f "$FT" ] || FT=$(find /usr/lib* -name 'libfaketime.so.1' 2>/dev/null | head -n 1)
if [ -z "$FT" ] || [ ! -f "$FT" ]; then
	skip "an agent whose clock jumps loses nothing" "libfaketime is not installed (apt-get install faketime)"
	col_stop_and_check
	done_testing
fi
echo "+0" >"$T/faketime"
preload=$FT
readelf -d "$AGENT_BIN" | grep -q 'NEEDED.*libasan' && preload="$(cc -print-file-name=libasan.so) $FT"
AGENT_ENV=("LD_PRELOAD=$preload" "FAKETIME_TIMESTAMP_FILE=$T/faketime" "FAKETIME_NO_CACHE=1"
	"FAKETIME_DONT_FAKE_MONOTONIC=1")
fagent_setup ws-fault-clock
fagent_up || bail "vigil-agent starts under libfaketime"

# phase OFFSET SERVICE: sets the agent's clock offset, then 20 logins, and
# waits until the agent has spooled them (so the next jump cannot reach
# them).
phase() {
	local h0 i
	h0=$(spool_high)
	echo "$1" >"$T/faketime"
	is "$(pam_send 20 "$2" 5)" 20 "clock $1: 20 logins go through"
	for i in $(seq 1 150); do
		[ "$(spool_high)" -ge $((h0 + 20)) ] && break
		sleep 0.1
	done
}
NOW=$(date +%s)000
phase +0 clock-home
phase -3y clock-past
phase +5y clock-future
phase +0 clock-back
exactly_once_check "after the clock jumps"
span() {   # span SERVICE: "count min-offset-days max-offset-days" of its events' times
	db "SELECT count(*)||' '||cast(min(time_ms - $NOW) / 86400000 AS INT)||' '||cast(max(time_ms - $NOW) / 86400000 AS INT)
	    FROM events WHERE agent = $AID AND json LIKE '%\"service\":\"$1\"%'"
}
like "$(span clock-home)" '^20 0 0$' "before the jumps: 20 events at today's time"
like "$(span clock-past)" '^20 -109[45] -109[45]$' "three years back: 20 events about 1095 days ago"
like "$(span clock-future)" '^20 182[45] 182[45]$' "five years ahead: 20 events about 1825 days ahead"
like "$(span clock-back)" '^20 0 0$' "clock home again: 20 events at today's time"
is "$(db "SELECT count(*) FROM events e JOIN events f ON e.agent = f.agent AND e.agent = $AID
          AND e.seq < f.seq AND e.received_ms > f.received_ms")" 0 "delivered in seq order whatever the times"
fagent_stop
is "$AGENT_RC" 0 "the agent stops cleanly"
agent_log_clean
col_stop_and_check
done_testing
