#!/bin/bash
# verify: tamper evidence end to end. A collector stores events, a
# quarantined item, an anomaly and an officer's triage step, logging chain
# anchors as it goes; `vigil-collector verify` passes on the live database
# and against the logged anchors. Then each kind of tampering, done with
# sqlite3 on a fresh copy of the database, makes verify fail and name the
# record (table, key, block). A chain rewritten wholesale by a script that
# recomputes every hash (tests/data/e2e/chain_rewrite.py) passes plain
# verify but fails against the anchors the collector logged before. The
# anchors also reach a syslog receiver (RFC 5424, MSGID chain-anchor; the
# receiver is tests/data/alerts/dgram_sink.c, built here), and verify reads
# them from there too. About 10 s.

. "$(dirname "$0")/lib.sh"

VIGIL_POLICY=$REPO/policy/examples/example.cfg
CONF_EXTRA='anchor_interval = 1;'

# A syslog receiver for the anchors, when it can be built here.
SYSLOG=
if command -v cc >/dev/null 2>&1 && [ -f "$REPO/tests/data/alerts/dgram_sink.c" ] &&
	cc -std=c11 -O1 -o "$T/dgram_sink" "$REPO/tests/data/alerts/dgram_sink.c" 2>"$T/cc.err"; then
	SYSLOG=$T/syslog.out
	"$T/dgram_sink" udp "$T/udp.port" "$SYSLOG" 2>>"$T/sink.err" &
	BG_PIDS+=("$!")
	for i in $(seq 1 100); do [ -s "$T/udp.port" ] && break; sleep 0.1; done
	# Alerts only for critical anomalies: this scenario makes none.
	CONF_EXTRA+="
alerts = { min_severity = \"critical\"; syslog = \"udp:127.0.0.1:$(cat "$T/udp.port")\"; facility = \"daemon\"; };"
fi
col_init
AGENT=$(mint_agent ws-0004)
OFFICER=$(mint_officer "Officer Ada")
AID=$(agent_id "$AGENT")
col_start || bail "collector starts and answers /healthz"

# ---- a store worth protecting ---------------------------------------------

hb_ndjson 1 50 >"$T/hb.ndjson"
is "$(post_events "$AGENT" "$T/hb.ndjson" application/x-ndjson)" 200 "50 heartbeats are ingested"
read_ts() {   # read_ts SEQ MINUTE: Dave (SECRET) reads a TOP SECRET file
	printf '{"seq":%d,"time":"2026-11-18T10:%02d:00.000Z","kind":"file_access","host":"ws-0004","user":"dave","path":"/srv/vigil-demo/ts/roadmap.txt","op":"read","result":"success"}' "$1" "$2"
}
code=$(post_text "$AGENT" "[$(read_ts 51 5),$(read_ts 52 6),{\"seq\":\"x\"}]")
is "$code" 200 "two forbidden reads and an invalid item are ingested"
is "$(counts "$RESP")" "2 0 1 52" "2 accepted, 1 quarantined"
get "$OFFICER" "/v1/anomalies?kind=clearance_exceeded" >/dev/null
ID=$(jget "$RESP" '$.anomalies[0].id')
like "$ID" '^[0-9]+$' "the reads are one anomaly (id $ID)"
printf '{"status":"acknowledged","note":"Asked the line manager."}' >"$T/triage.body"
code=$(req POST "/v1/anomalies/$ID/triage" -H "Authorization: Bearer $OFFICER" \
	-H 'Content-Type: application/json' --data-binary "@$T/triage.body")
is "$code" 200 "an officer triages it"

# verify CONF [ARGS...]: runs verify, output in $T/verify.out; prints the status.
verify() {
	local conf=$1
	shift
	"$COLLECTOR" -c "$conf" verify "$@" >"$T/verify.out" 2>&1
	echo $?
}

# Verify while batches keep arriving: each run reads one consistent snapshot.
(
	for b in $(seq 0 19); do
		hb_ndjson $((53 + b * 50)) $((102 + b * 50)) >"$T/bg$b.ndjson"
		echo "$(post_events "$AGENT" "$T/bg$b.ndjson" application/x-ndjson)" >"$T/bg$b.code"
	done
) &
BGP=$!
fails=0
for i in 1 2 3; do
	[ "$(verify "$CONF")" = 0 ] || { fails=$((fails + 1)); diag "$(cat "$T/verify.out")"; }
done
wait "$BGP"
is "$fails" 0 "verify passes three times while batches keep arriving"
is "$(cat "$T"/bg*.code | sort -u)" 200 "and every one of those batches is stored"

is "$(verify "$CONF")" 0 "verify passes on the database of the running collector"
like "$(cat "$T/verify.out")" \
	'^verify: ok: [0-9]+ blocks, head block [0-9]+ hash [0-9a-f]{64}; events 1052, anomalies 1, anomaly_events 2, anomaly_history 1, quarantine 1' \
	"it counts every chained record"
HEAD=$(sed -n 's/.*head block \([0-9]*\) hash \([0-9a-f]*\);.*/\1:\2/p' "$T/verify.out")

col_stop_and_check
like "$(cat "$COL_LOG")" 'info: chain-anchor block=0 hash=0{64} \(start\)' "the start anchor is logged"
like "$(cat "$COL_LOG")" "info: chain-anchor block=${HEAD%%:*} hash=${HEAD#*:} \\(shutdown\\)" \
	"the shutdown anchor is the head verify saw"
is "$(verify "$CONF" --anchors "$COL_LOG")" 0 "verify passes against every anchor in the log"
like "$(cat "$T/verify.out")" '; [2-9][0-9]* anchors checked$' "and says how many it checked"
is "$(verify "$CONF" --anchor "$HEAD")" 0 "verify --anchor BLOCK:HASH passes for the head"
if [ -n "$SYSLOG" ]; then
	like "$(cat "$SYSLOG")" "^<29>1 [0-9T:.-]+Z [^ ]+ vigil-collector [0-9]+ chain-anchor \\[vigil@32473 block=\"${HEAD%%:*}\" hash=\"${HEAD#*:}\"\\] chain-anchor block=${HEAD%%:*} hash=${HEAD#*:}" \
		"the anchors reach the syslog receiver as RFC 5424, MSGID chain-anchor"
	is "$(verify "$CONF" --anchors "$SYSLOG")" 0 "verify passes against the anchors syslog received"
else
	skip "anchors reach a syslog receiver" "cc or tests/data/alerts/dgram_sink.c is missing"
	skip "verify passes against the anchors syslog received" "no syslog receiver"
fi

# ---- tampering, each on a fresh copy ------------------------------------------

# tamper NAME SQL: a copy of the database changed by SQL; sets TCONF.
tamper() {
	sqlite3 "$DB" ".backup '$T/$1.db'"
	sed "s|^database = .*|database = \"$T/$1.db\";|" "$CONF" >"$T/$1.conf"
	sqlite3 "$T/$1.db" "$2"
	TCONF=$T/$1.conf
}

# expect_fail NAME SQL REGEX DESCRIPTION
expect_fail() {
	tamper "$1" "$2"
	is "$(verify "$TCONF")" 1 "$4: verify fails"
	like "$(cat "$T/verify.out")" "$3" "$4: verify names it"
}

expect_fail json "UPDATE events SET json = replace(json, 'dave', 'carol') WHERE agent = $AID AND seq = 51" \
	"^verify: events agent=$AID seq=51 block=[0-9]+: altered" "an event's JSON altered"
expect_fail delete "DELETE FROM events WHERE agent = $AID AND seq = 10" \
	"^verify: events agent=$AID seq=10 block=[0-9]+: deleted" "an event deleted"
expect_fail forge "INSERT INTO events(agent, seq, time_ms, kind, host, received_ms, json, chain_block)
	SELECT agent, 5000, time_ms, kind, host, received_ms, replace(json, '\"seq\":52', '\"seq\":5000'), chain_block
	FROM events WHERE agent = $AID AND seq = 52" \
	"^verify: events agent=$AID seq=5000 block=[0-9]+: inserted" "a forged event inserted"
expect_fail forge2 "INSERT INTO events(agent, seq, time_ms, kind, received_ms, json)
	VALUES($AID, 5001, 0, 'agent', 0, '{}')" \
	"^verify: events agent=$AID seq=5001: inserted: not chained" "a forged event without a block"
expect_fail severity "UPDATE anomalies SET severity = 0 WHERE id = $ID" \
	"^verify: anomalies id=$ID block=[0-9]+: altered" "an anomaly's severity lowered"
expect_fail note "UPDATE anomaly_history SET note = 'Nothing to see.' WHERE anomaly = $ID" \
	"^verify: anomaly_history id=[0-9]+ block=[0-9]+: altered" "a triage note altered"
like "$(cat "$T/verify.out")" "^verify: FAILED: 1 problem in [0-9]+ blocks" "the summary counts the problems"

# ---- a consistent rewrite: only the anchors tell -----------------------------

if command -v python3 >/dev/null 2>&1; then
	tamper rewrite "UPDATE events SET json = replace(json, 'dave', 'carol'), user = 'carol'
		WHERE agent = $AID AND seq IN (51, 52)"
	is "$(verify "$TCONF")" 1 "after changing events, verify fails"
	python3 "$REPO/tests/data/e2e/chain_rewrite.py" "$T/rewrite.db" >"$T/rewrite.out" 2>&1
	is "$?" 0 "a script recomputes every hash of the chain"
	is "$(verify "$TCONF")" 0 "plain verify then passes"
	is "$(verify "$TCONF" --anchors "$COL_LOG")" 1 "verify against the logged anchors fails"
	like "$(cat "$T/verify.out")" "^verify: block [0-9]+: rewritten: the anchor logged [0-9a-f]{64}, the chain now hashes to" \
		"naming the block whose anchor no longer matches"
	if [ -n "$SYSLOG" ]; then
		is "$(verify "$TCONF" --anchors "$SYSLOG")" 1 "and against the anchors syslog received"
	fi
else
	skip "a rewritten chain fails against the anchors" "python3 is not installed"
fi

# ---- the command line ----------------------------------------------------------

is "$(verify "$CONF" --bogus)" 2 "an unknown option: usage, exit 2"
is "$(verify "$CONF" --anchor 12:abc)" 2 "a malformed anchor: exit 2"
like "$(cat "$T/verify.out")" "want BLOCK:HASH" "saying what it wants"
is "$(verify "$CONF" --anchors "$T/absent.log")" 1 "an anchors file that cannot be read: exit 1"
printf 'nothing here\n' >"$T/empty.log"
is "$(verify "$CONF" --anchors "$T/empty.log")" 1 "an anchors file without anchors: exit 1"
like "$(cat "$T/verify.out")" "no chain-anchor lines" "saying so"

sed 's/^anchor_interval = 1;/anchor_interval = 100000;/' "$CONF" >"$T/bad.conf"
out=$("$COLLECTOR" -c "$T/bad.conf" -t 2>&1)
is "$?" 1 "-t refuses an anchor_interval over a day"
like "$out" "bad.conf:[0-9]+: .*anchor_interval" "naming the file, line and setting"

done_testing
