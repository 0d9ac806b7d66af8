#!/bin/bash
# detect: events that break the example policy (policy/examples/example.cfg)
# become anomalies with the right kind, severity, person, reasons and
# evidence; events the policy allows become none; GET /v1/anomalies filters
# work; and re-sending the same events, in any split, adds no anomaly
# (detection follows the stored event, and an event is stored once).
#
# The events, all on Wednesday 2026-11-18 (inside the "office" schedule
# except seq 9), each from an agent enrolled for the event's host:
#
#   seq time   account  host     action                                 expected
#   1   10:00  alice    ws-0001  read /srv/vigil-demo/falcon/plan.txt   allowed (TOP SECRET, read on to FALCON)
#   2   10:05  dave     ws-0004  read /srv/vigil-demo/ts/roadmap.txt    clearance_exceeded, high (SECRET < TOP SECRET)
#   3   10:10  heidi    ws-0008  read /srv/vigil-demo/falcon/budget.xls need_to_know, high (not read on to FALCON)
#   4   10:15  frank    ws-0006  session_open                           vetting_lapsed, critical (suspended)
#   5   10:20  mallory  ws-0009  session_open                           unknown_account, medium (no such person)
#   6   10:25  judy     lab-01   session_open                           host_not_accredited, high (ws-* only)
#   7   10:30  bob      ws-0002  read /srv/vigil-demo/secret/specs.pdf  allowed (SECRET, office hours)
#   8   10:35  -        ws-0002  agent heartbeat                        nothing to decide
#   9   03:00  bob      ws-0002  session_open                           outside_schedule, low (office is 07-19)
. "$(dirname "$0")/lib.sh"

VIGIL_POLICY=$REPO/policy/examples/example.cfg
[ -f "$VIGIL_POLICY" ] || bail "policy/examples/example.cfg exists"
SERIAL=$(sed -n 's/^policy *= *{.*serial *= *\([0-9][0-9]*\).*/\1/p' "$VIGIL_POLICY")
col_init
OFFICER=$(mint_officer "E2E Officer")
declare -A AG ID
for h in ws-0001 ws-0002 ws-0004 ws-0006 ws-0008 ws-0009 lab-01; do
	AG[$h]=$(mint_agent "$h")
	ID[$h]=$(agent_id "${AG[$h]}")
done
col_start || bail "collector starts and answers /healthz"

D=2026-11-18
# event SEQ HH:MM KIND USER HOST [EXTRA-MEMBERS]
event() {
	local s="{\"seq\":$1,\"time\":\"${D}T$2:00.000Z\",\"kind\":\"$3\",\"host\":\"$5\""
	[ -n "$4" ] && s+=",\"user\":\"$4\""
	[ -n "${6:-}" ] && s+=",$6"
	printf '%s}' "$s"
}
READ='"op":"read","result":"success"'
LOGIN='"service":"sshd","result":"success"'
event 1 10:00 file_access alice ws-0001 "\"path\":\"/srv/vigil-demo/falcon/plan.txt\",$READ" >"$T/e1"
event 2 10:05 file_access dave ws-0004 "\"path\":\"/srv/vigil-demo/ts/roadmap.txt\",$READ" >"$T/e2"
event 3 10:10 file_access heidi ws-0008 "\"path\":\"/srv/vigil-demo/falcon/budget.xls\",$READ" >"$T/e3"
event 4 10:15 session_open frank ws-0006 "$LOGIN" >"$T/e4"
event 5 10:20 session_open mallory ws-0009 "$LOGIN" >"$T/e5"
event 6 10:25 session_open judy lab-01 "$LOGIN" >"$T/e6"
event 7 10:30 file_access bob ws-0002 "\"path\":\"/srv/vigil-demo/secret/specs.pdf\",$READ" >"$T/e7"
event 8 10:35 agent '' ws-0002 '"detail":{"action":"heartbeat"}' >"$T/e8"
event 9 03:00 session_open bob ws-0002 "$LOGIN" >"$T/e9"
HOST_OF=(- ws-0001 ws-0004 ws-0008 ws-0006 ws-0009 lab-01 ws-0002 ws-0002 ws-0002)

# Each host's events in one batch, in the order of the table.
send_all() {   # send_all: prints "accepted duplicate" summed over the batches
	local h n acc=0 dup=0
	for h in ws-0001 ws-0004 ws-0008 ws-0006 ws-0009 lab-01 ws-0002; do
		printf '[' >"$T/batch"
		local sep=
		for n in 1 2 3 4 5 6 7 8 9; do
			[ "${HOST_OF[$n]}" = "$h" ] || continue
			printf '%s' "$sep" >>"$T/batch"
			cat "$T/e$n" >>"$T/batch"
			sep=,
		done
		printf ']' >>"$T/batch"
		post_events "${AG[$h]}" "$T/batch" >/dev/null
		acc=$((acc + $(jget "$RESP" '$.accepted')))
		dup=$((dup + $(jget "$RESP" '$.duplicate')))
	done
	echo "$acc $dup"
}
is "$(send_all)" "9 0" "all 9 events accepted"

# anomalies QUERY SQL-COLUMNS: one line per anomaly of GET /v1/anomalies?QUERY
anomalies() {
	local code
	code=$(get "$OFFICER" "/v1/anomalies?$1")
	[ "$code" = 200 ] || { echo "HTTP $code"; return; }
	jsql "$RESP" "SELECT ${2:-json_extract(value,'\$.kind')} FROM d, json_each(d.j,'\$.anomalies')"
}
list() { anomalies "$1" | tr '\n' ' ' | sed 's/ $//'; }

is "$(list '')" "host_not_accredited unknown_account vetting_lapsed need_to_know clearance_exceeded outside_schedule" \
	"exactly the six expected anomalies, newest event time first"
is "$(db 'SELECT count(*) FROM anomalies')" 6 "six anomalies in the database"
is "$(db "SELECT count(*) FROM anomaly_events WHERE (agent, seq) IN (VALUES (${ID[ws-0001]}, 1), (${ID[ws-0002]}, 7), (${ID[ws-0002]}, 8))")" 0 \
	"the allowed events (1, 7) and the heartbeat (8) have no anomaly"

# One anomaly in full: severity person account host time status serial
# reasons events, then 1/0 for: score is a number, id is an integer,
# detected is a timestamp, summary is a sentence.
detail() {   # detail KIND
	get "$OFFICER" "/v1/anomalies?kind=$1" >/dev/null
	jsql "$RESP" "SELECT json_extract(a,'\$.severity')||' '||ifnull(json_extract(a,'\$.person'),'null')||' '||
		json_extract(a,'\$.account')||' '||json_extract(a,'\$.host')||' '||json_extract(a,'\$.time')||' '||
		json_extract(a,'\$.status')||' '||json_extract(a,'\$.policy_serial')||' '||
		json_extract(a,'\$.reasons')||' '||json_extract(a,'\$.events')||' '||
		(json_type(a,'\$.score') IN ('real','integer'))||' '||
		(json_type(a,'\$.id')='integer')||' '||
		(json_extract(a,'\$.detected') GLOB '[0-9][0-9][0-9][0-9]-*Z')||' '||
		(length(json_extract(a,'\$.summary')) > 10)
		FROM (SELECT json_extract(j,'\$.anomalies[0]') AS a FROM d)"
}
ev_ref() { printf '[{"agent":%s,"seq":%s}]' "${ID[$1]}" "$2"; }
is "$(detail clearance_exceeded)" \
	"high p1004 dave ws-0004 ${D}T10:05:00.000Z open $SERIAL [\"level:SECRET<TOP SECRET\"] $(ev_ref ws-0004 2) 1 1 1 1" \
	"clearance_exceeded: dave (p1004), high, reason level:SECRET<TOP SECRET, event (ws-0004, 2)"
is "$(detail need_to_know)" \
	"high p1008 heidi ws-0008 ${D}T10:10:00.000Z open $SERIAL [\"missing_compartment:FALCON\"] $(ev_ref ws-0008 3) 1 1 1 1" \
	"need_to_know: heidi (p1008), high, reason missing_compartment:FALCON, event (ws-0008, 3)"
is "$(detail vetting_lapsed)" \
	"critical p1006 frank ws-0006 ${D}T10:15:00.000Z open $SERIAL [\"status:suspended\"] $(ev_ref ws-0006 4) 1 1 1 1" \
	"vetting_lapsed: frank (p1006), critical, reason status:suspended, event (ws-0006, 4)"
is "$(detail unknown_account)" \
	"medium null mallory ws-0009 ${D}T10:20:00.000Z open $SERIAL [\"unknown_account\"] $(ev_ref ws-0009 5) 1 1 1 1" \
	"unknown_account: mallory, no person (null), medium, event (ws-0009, 5)"
is "$(detail host_not_accredited)" \
	"high p1010 judy lab-01 ${D}T10:25:00.000Z open $SERIAL [\"host_not_permitted:lab-01\"] $(ev_ref lab-01 6) 1 1 1 1" \
	"host_not_accredited: judy (p1010) on lab-01, high, event (lab-01, 6)"
is "$(detail outside_schedule)" \
	"low p1002 bob ws-0002 ${D}T03:00:00.000Z open $SERIAL [\"outside_schedule:office\"] $(ev_ref ws-0002 9) 1 1 1 1" \
	"outside_schedule: bob (p1002) at 03:00, low, event (ws-0002, 9)"
get "$OFFICER" "/v1/anomalies?kind=need_to_know" >/dev/null
like "$(jget "$RESP" '$.anomalies[0].summary')" "(heidi|Heidi Moore).*FALCON" \
	"the need_to_know summary names the person and the compartment"

# GET /v1/anomalies/ID is the same object as in the list, plus its triage
# history (empty for a new anomaly).
NTK_ID=$(jget "$RESP" '$.anomalies[0].id')
cp "$RESP" "$T/list1"
code=$(get "$OFFICER" "/v1/anomalies/$NTK_ID")
is "$code" 200 "GET /v1/anomalies/$NTK_ID: 200"
is "$(sqlite3 :memory: "SELECT json_remove(CAST(readfile('$RESP') AS TEXT), '\$.history') = json_extract(CAST(readfile('$T/list1') AS TEXT), '\$.anomalies[0]')")" 1 \
	"GET /v1/anomalies/ID returns the same object as the list"
is "$(jsql "$RESP" "SELECT json_array_length(j, '\$.history') FROM d")" 0 "and an empty history"

# -- filters ----------------------------------------------------------------------------
is "$(list 'severity=critical')" "vetting_lapsed" "severity=critical"
is "$(list 'severity=high')" "host_not_accredited vetting_lapsed need_to_know clearance_exceeded" \
	"severity=high means high or above"
is "$(list 'severity=medium')" "host_not_accredited unknown_account vetting_lapsed need_to_know clearance_exceeded" \
	"severity=medium means medium or above"
is "$(list 'severity=low' | wc -w)" 6 "severity=low: all"
is "$(list 'kind=unknown_account')" "unknown_account" "kind=unknown_account"
is "$(list 'kind=removable_media')" "" "a kind with no anomalies: empty list"
is "$(list 'person=p1004')" "clearance_exceeded" "person=p1004 (dave)"
is "$(list 'person=p1002')" "outside_schedule" "person=p1002 (bob): only the out-of-hours login"
is "$(list 'person=p9999')" "" "an unknown person: empty list"
is "$(list "since=${D}T10:12:00Z")" "host_not_accredited unknown_account vetting_lapsed" "since=10:12"
is "$(list "until=${D}T10:12:00Z")" "need_to_know clearance_exceeded outside_schedule" "until=10:12"
is "$(list "since=${D}T10:00Z&until=${D}T10:22Z&severity=high")" "vetting_lapsed need_to_know clearance_exceeded" \
	"since, until and severity combined"
is "$(list "since=${D}")" "host_not_accredited unknown_account vetting_lapsed need_to_know clearance_exceeded outside_schedule" \
	"since as a date"
is "$(list 'status=open' | wc -w)" 6 "status=open: all six are open"
is "$(list 'status=resolved')" "" "status=resolved: none yet"
is "$(list 'limit=2')" "host_not_accredited unknown_account" "limit=2: the two newest"
for q in severity=severe kind=teleport status=closed since=soon limit=0; do
	code=$(get "$OFFICER" "/v1/anomalies?$q")
	is "$code" 400 "bad query $q: 400"
done

# -- no new anomalies for re-sent events -------------------------------------------------------
is "$(send_all)" "0 9" "re-sending the same batches: all 9 are duplicates"
for n in 1 2 3 4 5 6 7 8 9; do
	post_events "${AG[${HOST_OF[$n]}]}" "$T/e$n" >/dev/null
done
is "$(db 'SELECT count(*) FROM events')" 9 "re-sending one event at a time stores nothing new"
is "$(db 'SELECT count(*) FROM anomalies')" 6 "and adds no anomaly"
is "$(list '' | wc -w)" 6 "GET /v1/anomalies still lists six"

# -- metrics -----------------------------------------------------------------------------------
for k in clearance_exceeded need_to_know vetting_lapsed unknown_account host_not_accredited outside_schedule; do
	is "$(metric "vigil_anomalies_total{kind=\"$k\"}")" 1 "vigil_anomalies_total{kind=\"$k\"} is 1"
done
is "$(metric 'vigil_anomalies_total{kind="removable_media"}')" 0 'vigil_anomalies_total{kind="removable_media"} is 0'

# -- one anomaly per incident ---------------------------------------------------------------
# Findings of the same kind, account, host and reasons on the same UTC day
# are one incident: a later (or earlier) event adds to its count and
# evidence instead of making a new anomaly. Another day is a new incident.
# (Once event time moves on to the next day, ws-0002's agent, silent since
# its heartbeat, is an agent_silent anomaly of its own: policy_anomalies
# leaves it out; tests/e2e/detect_behave.sh covers it.)
policy_anomalies() {
	db "SELECT count(*) FROM anomalies WHERE kind <> 'agent_silent'"
}
# ce_field JSON-PATH: a field of the (oldest) clearance_exceeded anomaly of 2026-11-18.
ce_field() {
	get "$OFFICER" "/v1/anomalies?kind=clearance_exceeded&until=2026-11-19" >/dev/null
	jget "$RESP" "\$.anomalies[0]$1"
}
event 10 11:05 file_access dave ws-0004 "\"path\":\"/srv/vigil-demo/ts/other.txt\",$READ" >"$T/e10"
post_events "${AG[ws-0004]}" "$T/e10" >/dev/null
is "$(policy_anomalies)" 6 "dave's second TOP SECRET read that day: no new anomaly"
is "$(ce_field .count)" 2 "the clearance_exceeded incident counts 2 events"
is "$(ce_field .events)" "[{\"agent\":${ID[ws-0004]},\"seq\":2},{\"agent\":${ID[ws-0004]},\"seq\":10}]" \
	"and lists both events as evidence"
is "$(ce_field .time)" "${D}T10:05:00.000Z" "its time stays the first event's"
event 11 09:00 file_access dave ws-0004 "\"path\":\"/srv/vigil-demo/ts/early.txt\",$READ" >"$T/e11"
post_events "${AG[ws-0004]}" "$T/e11" >/dev/null
is "$(ce_field .count) $(ce_field .time)" "3 ${D}T09:00:00.000Z" \
	"an earlier event arriving late joins the incident and moves its time back"
post_events "${AG[ws-0004]}" "$T/e10" >/dev/null
post_events "${AG[ws-0004]}" "$T/e11" >/dev/null
is "$(ce_field .count)" 3 "re-sent events do not add to the count"
D=2026-11-19 event 12 10:00 file_access dave ws-0004 "\"path\":\"/srv/vigil-demo/ts/roadmap.txt\",$READ" >"$T/e12"
post_events "${AG[ws-0004]}" "$T/e12" >/dev/null
is "$(policy_anomalies)" 7 "the same read on the next day is a new anomaly"
is "$(list 'kind=clearance_exceeded' | wc -w)" 2 "two clearance_exceeded anomalies are listed"

# -- after a restart, the same events are still duplicates ---------------------------------------------
col_stop_and_check
col_start collector-restarted || bail "collector restarts on the same database"
is "$(send_all)" "0 9" "after a restart the same events are still duplicates"
is "$(policy_anomalies)" 7 "and still no new anomaly"

col_stop_and_check
done_testing
