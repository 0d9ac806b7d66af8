#!/bin/bash
# crash: an acknowledged batch is durable. A poster streams batches of 10
# events; the collector is killed with SIGKILL in the middle of the stream
# and restarted on the same database. Then:
#   - every event of every batch that was answered 200 is stored, once;
#   - every batch is stored entirely or not at all (one transaction each);
#   - re-sending every batch (as an agent does after a failure) stores the
#     missing ones and duplicates nothing.
# When exactly the kill lands does not matter: the checks hold for any
# moment.
. "$(dirname "$0")/lib.sh"

BATCH=10          # events per batch
MAXB=3000         # the poster stops here at the latest
col_init
AGENT=$(mint_agent ws-0001)
AID=$(agent_id "$AGENT")
col_start || bail "collector starts and answers /healthz"

# The poster: batch b holds seq b*10 .. b*10+9, for b from $1 on. It
# records "b code" for every answered batch and stops at the first failure
# (no answer).
poster() {
	local b code
	for ((b = $1; b <= MAXB; b++)); do
		hb_array $((b * BATCH)) $((b * BATCH + BATCH - 1)) >"$T/p.json"
		code=$(curl -s -m 30 -o /dev/null -w '%{http_code}' -X POST -H "Authorization: Bearer $AGENT" \
			-H "Content-Type: application/json" --data-binary @"$T/p.json" "$BASE/v1/events")
		echo "$b $code" >>"$T/acks"
		[ "$code" = 000 ] && break
	done
}
: >"$T/acks"
poster 1 &
POSTER=$!
BG_PIDS+=("$POSTER")

# Kill once at least 30 batches have been acknowledged (bounded wait).
for i in $(seq 1 1200); do
	[ "$(grep -c ' 200$' "$T/acks")" -ge 30 ] && break
	kill -0 "$POSTER" 2>/dev/null || break
	sleep 0.05
done
col_kill9
wait "$POSTER"

acked=$(awk '$2 == 200 { print $1 }' "$T/acks")
n_acked=$(echo "$acked" | grep -c .)
last=$(awk 'END { print $1 }' "$T/acks")
diag "batches answered 200 before the kill: $n_acked; last attempted: $last"
check "at least 30 batches were acknowledged before the kill" test "$n_acked" -ge 30
check "the stream was cut by the kill (the poster saw a failure)" \
	test "$(awk 'END { print $2 }' "$T/acks")" = 000
is "$(awk '$2 != 200 && $2 != "000"' "$T/acks" | wc -l)" 0 "no batch got an answer other than 200"

col_start collector-restarted || bail "collector restarts on the same database"
is "$(db 'PRAGMA integrity_check')" ok "database integrity_check is ok after the kill"

# Every acknowledged batch is complete.
missing=0
for b in $acked; do
	got=$(db "SELECT count(*) FROM events WHERE agent=$AID AND seq BETWEEN $((b * BATCH)) AND $((b * BATCH + BATCH - 1))")
	[ "$got" = "$BATCH" ] || { missing=$((missing + 1)); diag "batch $b: $got of $BATCH events stored"; }
done
is "$missing" 0 "every event of every acknowledged batch is stored"
# Every batch is all or nothing.
partial=$(db "SELECT count(*) FROM (SELECT seq / $BATCH AS b, count(*) AS n FROM events WHERE agent=$AID
              GROUP BY b HAVING n != $BATCH)")
is "$partial" 0 "no batch is stored in part"
stored_before=$(db "SELECT count(*) FROM events WHERE agent=$AID")
check "stored events are the acknowledged ones, plus at most the batch in flight" \
	test "$stored_before" -ge $((n_acked * BATCH)) -a "$stored_before" -le $(((n_acked + 1) * BATCH))

# The agent re-sends everything it is not sure about (here: everything).
sum=0
bad=0
for ((b = 1; b <= last; b++)); do
	hb_array $((b * BATCH)) $((b * BATCH + BATCH - 1)) >"$T/p.json"
	code=$(post_events "$AGENT" "$T/p.json")
	[ "$code" = 200 ] || bad=$((bad + 1))
	sum=$((sum + $(jget "$RESP" '$.accepted')))
done
is "$bad" 0 "every re-sent batch is answered 200"
is "$sum" $((last * BATCH - stored_before)) "re-sending accepts exactly the events that were missing"
is "$(db "SELECT count(*)||' '||count(DISTINCT seq)||' '||min(seq)||' '||max(seq) FROM events WHERE agent=$AID")" \
	"$((last * BATCH)) $((last * BATCH)) $BATCH $((last * BATCH + BATCH - 1))" \
	"after the re-send every event is stored exactly once"

# -- a clean stop in the middle of the stream ---------------------------------------
# SIGTERM lets in-flight requests finish: the collector exits 0, and again
# every acknowledged batch is stored whole.
first=$((last + 1))
: >"$T/acks"
poster "$first" &
POSTER=$!
BG_PIDS+=("$POSTER")
for i in $(seq 1 1200); do
	[ "$(grep -c ' 200$' "$T/acks")" -ge 20 ] && break
	kill -0 "$POSTER" 2>/dev/null || break
	sleep 0.05
done
col_stop_and_check
wait "$POSTER"
acked=$(awk '$2 == 200 { print $1 }' "$T/acks")
n_acked=$(echo "$acked" | grep -c .)
check "at least 20 batches were acknowledged before SIGTERM" test "$n_acked" -ge 20
col_start collector-after-term || bail "collector restarts after SIGTERM"
missing=0
for b in $acked; do
	got=$(db "SELECT count(*) FROM events WHERE agent=$AID AND seq BETWEEN $((b * BATCH)) AND $((b * BATCH + BATCH - 1))")
	[ "$got" = "$BATCH" ] || missing=$((missing + 1))
done
is "$missing" 0 "every batch acknowledged before SIGTERM is stored"
partial=$(db "SELECT count(*) FROM (SELECT seq / $BATCH AS b, count(*) AS n FROM events WHERE agent=$AID
              GROUP BY b HAVING n != $BATCH)")
is "$partial" 0 "no batch is stored in part"

col_stop_and_check
done_testing
