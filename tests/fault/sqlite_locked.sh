#!/bin/bash
# fault/sqlite_locked: another process holds the write lock of a database.
#
# The collector's database, locked for 3 s (under the 5 s busy timeout):
# ingest waits and succeeds. Locked for 8 s: ingest answers 503 with a JSON
# error and stores nothing, reads and /healthz go on (WAL), and the same
# batch is accepted once the lock is gone; an agent shipping through it
# retries until everything is stored exactly once.
#
# The agent's spool, locked for 3 s: logins go on and every event is
# spooled late but whole. Locked for 8 s: logins go on, the events the
# spool could not take are counted and reported (detail.action
# "spool_write_failed", detail.lost = N) once it takes writes again, and
# stored + reported lost = logins sent, exactly.
. "$(dirname "$0")/lib.sh"

col_init
DIRECT=$(mint_agent ws-direct)
fcol_up || bail "collector starts"
fagent_setup ws-fault-lock
fagent_up || bail "vigil-agent starts"

# hold DB SECONDS: another process takes DB's write lock (BEGIN IMMEDIATE)
# and keeps it SECONDS; returns once the lock is held. Sets HOLD_PID.
hold() {
	local i
	rm -f "$T/hold.out"
	{
		printf 'BEGIN IMMEDIATE;\nSELECT %s;\n' "'locked'"
		sleep "$2"
		printf 'COMMIT;\n'
	} | sqlite3 -bail -cmd '.timeout 20000' "$1" >"$T/hold.out" 2>&1 &
	HOLD_PID=$!
	BG_PIDS+=("$HOLD_PID")
	for i in $(seq 1 200); do
		grep -q '^locked$' "$T/hold.out" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
direct_post() {   # direct_post FILE: POST as agent ws-direct; prints the status
	curl -sS -m 60 -o "$RESP" -w '%{http_code}' -H "Authorization: Bearer $DIRECT" \
		-H "Content-Type: application/json" --data-binary "@$1" "$BASE/v1/events" 2>>"$T/curl.err"
}
DID=$(agent_id "$DIRECT")
direct_count() { db "SELECT count(*) FROM events WHERE agent = $DID"; }
sessions() { db "SELECT count(*) FROM events WHERE agent = $AID AND kind = 'session_open' AND json LIKE '%\"service\":\"$1\"%'"; }

# -- the collector's database ----------------------------------------------------------
hb_array 1 10 >"$T/d1.json"
check "the collector's database is locked for 3 s" hold "$DB" 3
code=$(direct_post "$T/d1.json")
is "$code $(counts "$RESP")" "200 10 0 0 10" "a batch during a 3 s lock waits and is accepted"
wait "$HOLD_PID"

hb_array 11 20 >"$T/d2.json"
check "the collector's database is locked for 8 s" hold "$DB" 8
code=$(direct_post "$T/d2.json")
# Logins go on meanwhile; the agent ships them into the rest of the lock.
pam_send 100 locked-col 10 >"$T/sent.col" &
LOAD=$!
is "$code" 503 "a batch during an 8 s lock: 503 after the busy timeout"
check "  with a JSON error" is_json_error "$RESP"
like "$(jget "$RESP" '$.error')" "storage.*locked" "  that says the storage is locked"
is "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$BASE/healthz")" 200 "/healthz answers during the lock"
code=$(get "$(mint_officer Reader)" "/v1/events?limit=1")
is "$code" 200 "GET /v1/events answers during the lock (WAL readers)"
wait "$HOLD_PID"
wait "$LOAD"
is "$(direct_count)" 10 "nothing of the refused batch was stored"
code=$(direct_post "$T/d2.json")
is "$code $(counts "$RESP")" "200 10 0 0 20" "the same batch after the lock: accepted whole"
exactly_once_check "agent shipping through an 8 s collector lock"
is "$(sessions locked-col)" "$(cat "$T/sent.col")" "every login sent during the lock is stored once"
like "$(grep 'ingest from agent' "$COL_LOG" | head -n 1)" "database is locked" \
	"the collector's log names the cause of the 503"

# -- the agent's spool ------------------------------------------------------------------------
check "the agent's spool is locked for 3 s" hold "$SPOOL" 3
sent=$(pam_send 20 locked-spool-3)
is "$sent" 20 "20 logins go through while the spool is locked"
wait "$HOLD_PID"
exactly_once_check "after a 3 s spool lock"
is "$(sessions locked-spool-3)" 20 "all 20 are stored: the agent waited within the busy timeout"
is "$(db "SELECT count(*) FROM events WHERE agent = $AID AND json LIKE '%spool_write_failed%'")" 0 \
	"and reported no loss"

check "the agent's spool is locked for 8 s" hold "$SPOOL" 8
sent=$(pam_send 20 locked-spool-8)
is "$sent" 20 "20 logins go through while the spool is locked"
wait "$HOLD_PID"
for i in $(seq 1 100); do
	[ "$(db "SELECT count(*) FROM events WHERE agent = $AID AND json LIKE '%spool_write_failed%'")" -gt 0 ] && break
	sleep 0.2
done
exactly_once_check "after an 8 s spool lock"
lost=$(db "SELECT coalesce(sum(json_extract(json, '\$.detail.lost')), 0) FROM events
           WHERE agent = $AID AND json_extract(json, '\$.detail.action') = 'spool_write_failed'")
stored=$(sessions locked-spool-8)
check "the agent reported events it could not spool ($lost)" test "$lost" -gt 0
is "$((stored + lost))" 20 "stored ($stored) + reported lost ($lost) = the 20 logins sent"
grep -q 'database is locked; an event was dropped' "$AGENT_LOG" && ok "the agent's log says why" ||
	not_ok "the agent's log says why"
check "the collector turns the report into an audit_loss anomaly of the host" \
	test "$(db "SELECT count(*) FROM anomalies WHERE kind = 'audit_loss' AND host = 'ws-fault-lock'")" -ge 1

fagent_stop
is "$AGENT_RC" 0 "the agent stops cleanly"
agent_log_clean
col_stop_and_check
done_testing
