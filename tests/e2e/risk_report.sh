#!/bin/bash
# risk_report: risk scores, the person dossier and the officer's reports
# against a real collector with the example policy.
#
# Events on Wednesday 2026-11-18 break the policy in known ways (each from
# an agent enrolled for its host), then a heartbeat at 12:00 sets "at", the
# moment scores are computed for (the newest event stored):
#
#   time   account          host     what                                anomaly
#   03:00  bob              ws-0002  session_open (office is 07-19)      outside_schedule, low
#   10:00  alice            ws-0001  read falcon/plan.txt                none (read on to FALCON)
#   10:05  dave             ws-0004  read ts/roadmap.txt                 clearance_exceeded, high
#   10:10  heidi            ws-0008  read falcon/budget.xls              need_to_know, high
#   10:15  frank            ws-0006  session_open (suspended)            vetting_lapsed, critical
#   10:16  frank            ws-0006  read secret/specs.pdf               vetting_lapsed (same incident)
#   10:20  <b>mallory</b>   ws-0009  session_open                        unknown_account, medium
#   12:00  -                ws-0002  agent heartbeat
#
# Expected: /v1/risk ranks frank (critical, 2 events) above dave and heidi
# (high) above bob (low); /v1/persons/ID is the dossier; an unknown person
# is 404; agents and policy authors get 403. Every vigil-report command
# runs in every format: text fits 80 columns with no colour when piped,
# CSV has its header, JSON is valid, HTML is one page with inline SVG and
# no external reference, and the hostile account name is escaped. Marking
# frank's anomaly false_positive takes him out of the ranking.
. "$(dirname "$0")/lib.sh"

REPORT=$VIGIL_BIN/vigil-report
[ -x "$REPORT" ] || bail "vigil-report is built ($REPORT missing)"
VIGIL_POLICY=$REPO/policy/examples/example.cfg
[ -f "$VIGIL_POLICY" ] || bail "policy/examples/example.cfg exists"
col_init
OFFICER=$(mint_officer "Risk Officer")
AUDITOR=$(mint_officer "Risk Auditor" auditor)
AUTHOR=$(mint_officer "Policy Author" policy)
declare -A AG
for h in ws-0001 ws-0002 ws-0004 ws-0006 ws-0008 ws-0009; do
	AG[$h]=$(mint_agent "$h")
done
col_start || bail "collector starts and answers /healthz"

D=2026-11-18
declare -A BATCH SEQ
# event HOST HH:MM KIND USER [EXTRA-MEMBERS]: appends to HOST's batch
event() {
	local h=$1 s=$((${SEQ[$1]:-0} + 1))
	SEQ[$h]=$s
	local e="{\"seq\":$s,\"time\":\"${D}T$2:00.000Z\",\"kind\":\"$3\",\"host\":\"$h\""
	[ -n "$4" ] && e+=",\"user\":\"$4\""
	[ -n "${5:-}" ] && e+=",$5"
	BATCH[$h]="${BATCH[$h]:+${BATCH[$h]},}$e}"
}
READ='"op":"read","result":"success"'
LOGIN='"service":"sshd","result":"success"'
event ws-0002 03:00 session_open bob "$LOGIN"
event ws-0001 10:00 file_access alice "\"path\":\"/srv/vigil-demo/falcon/plan.txt\",$READ"
event ws-0004 10:05 file_access dave "\"path\":\"/srv/vigil-demo/ts/roadmap.txt\",$READ"
event ws-0008 10:10 file_access heidi "\"path\":\"/srv/vigil-demo/falcon/budget.xls\",$READ"
event ws-0006 10:15 session_open frank "$LOGIN"
event ws-0006 10:16 file_access frank "\"path\":\"/srv/vigil-demo/secret/specs.pdf\",$READ"
event ws-0009 10:20 session_open '<b>mallory</b>' "$LOGIN"
event ws-0002 12:00 agent '' '"detail":{"action":"heartbeat"}'
accepted=0
for h in "${!BATCH[@]}"; do
	printf '[%s]' "${BATCH[$h]}" >"$T/batch"
	[ "$(post_events "${AG[$h]}" "$T/batch")" = 200 ] || not_ok "posting $h's events"
	accepted=$((accepted + $(jget "$RESP" '$.accepted')))
done
is "$accepted" 8 "all 8 events accepted"

# -- GET /v1/risk -----------------------------------------------------------------
is "$(get "$OFFICER" /v1/risk)" 200 "GET /v1/risk: 200 for an officer"
cp "$RESP" "$T/risk.json"
is "$(jget "$T/risk.json" '$.at')" "${D}T12:00:00.000Z" "at is the newest event stored, not the wall clock"
is "$(jget "$T/risk.json" '$.half_life_days')" 14 "the default half-life is 14 days"
is "$(jsql "$T/risk.json" "SELECT group_concat(json_extract(value,'\$.person'), ' ') FROM d, json_each(d.j,'\$.persons')")" \
	"p1006 p1008 p1004 p1002" \
	"ranked: frank (critical), heidi and dave (high; heidi's is 5 minutes fresher), bob (low); not alice or mallory"
is "$(jsql "$T/risk.json" "SELECT count(*) FROM d, json_each(d.j,'\$.persons') p, json_each(d.j,'\$.persons') q
	WHERE p.key + 1 = q.key AND json_extract(p.value,'\$.score') < json_extract(q.value,'\$.score')")" 0 \
	"scores never rise down the ranking"
is "$(jget "$T/risk.json" '$.persons[0].name')" "Frank Miller" "each entry names the person"
# Frank: one critical incident of 2 events, 1h45 old: 30 x 1.25 x 0.5^(105min/14d).
want=$(awk 'BEGIN { s = 30 * 1.25 * 2 ^ (-105 / (14 * 24 * 60)); printf "%.1f", 100 * (1 - exp(-s / 25)) }')
is "$(jget "$T/risk.json" '$.persons[0].score')" "$want" "frank's score follows the formula ($want)"
is "$(jget "$T/risk.json" '$.persons[0].anomalies[0].kind') $(jget "$T/risk.json" '$.persons[0].anomalies[0].severity')" \
	"vetting_lapsed critical" "his top contributing anomaly is the vetting_lapsed incident"
is "$(jsql "$T/risk.json" "SELECT json_array_length(j,'\$.persons[0].trend') FROM d")" 30 "a 30-day trend"
is "$(jget "$T/risk.json" '$.persons[0].trend[29].day') $(jget "$T/risk.json" '$.persons[0].trend[29].score')" \
	"$D $want" "the trend ends today at the current score"
is "$(jget "$T/risk.json" '$.persons[0].trend[28].score')" 0.0 "and was 0 the day before"
get "$OFFICER" "/v1/risk?person=p1004&days=7" >/dev/null
is "$(jsql "$RESP" "SELECT group_concat(json_extract(value,'\$.person')) || ' ' || json_array_length(value,'\$.trend') FROM d, json_each(d.j,'\$.persons')")" \
	"p1004 7" "?person= and ?days= narrow the ranking"
get "$OFFICER" "/v1/risk?person=p1001" >/dev/null
is "$(jget "$RESP" '$.persons[0].person') $(jget "$RESP" '$.persons[0].score')" "p1001 0.0" \
	"a person asked for without anomalies is listed at 0"
get "$OFFICER" "/v1/risk?limit=2" >/dev/null
is "$(jsql "$RESP" "SELECT json_array_length(j,'\$.persons') FROM d")" 2 "?limit=2: two persons"
get "$OFFICER" "/v1/risk?at=${D}T10:00:00Z" >/dev/null
is "$(jsql "$RESP" "SELECT group_concat(json_extract(value,'\$.person'), ' ') FROM d, json_each(d.j,'\$.persons')")" \
	"p1002" "?at= scores as of another moment: at 10:00 only bob's night login counted"
is "$(get "$OFFICER" "/v1/risk?limit=0")" 400 "?limit=0: 400"
is "$(get "$OFFICER" "/v1/risk?at=yesterday")" 400 "?at=yesterday: 400"
check "and the 400 is a JSON error" is_json_error "$RESP"

# -- GET /v1/persons/ID -------------------------------------------------------------
is "$(get "$OFFICER" /v1/persons/p1006)" 200 "GET /v1/persons/p1006: 200"
cp "$RESP" "$T/frank.json"
is "$(jget "$T/frank.json" '$.name') / $(jget "$T/frank.json" '$.clearance.status') / $(jget "$T/frank.json" '$.clearance.review_due')" \
	"Frank Miller / suspended / 2029-08-26" "the dossier holds the clearance from the policy"
is "$(jget "$T/frank.json" '$.accounts') $(jget "$T/frank.json" '$.hosts') $(jget "$T/frank.json" '$.schedule')" \
	'["frank"] ["ws-*"] office' "accounts, permitted hosts and schedule"
is "$(jget "$T/frank.json" '$.activity.events') $(jget "$T/frank.json" '$.activity.hosts[0].host') $(jget "$T/frank.json" '$.activity.hosts[0].events')" \
	"1 ws-0006 1" "hosts used, from the events (his session; file reads are not activity)"
is "$(jget "$T/frank.json" '$.activity.hour_of_week[2][10]')" 1 "the hour-of-week grid counts Wednesday 10:00 once"
is "$(jsql "$T/frank.json" "SELECT sum(c.value) FROM d, json_each(d.j,'\$.activity.hour_of_week') r, json_each(r.value) c")" 1 \
	"and nothing else"
is "$(jget "$T/frank.json" '$.anomalies[0].kind') $(jget "$T/frank.json" '$.anomalies[0].count')" "vetting_lapsed 2" \
	"his anomalies, with the incident's event count"
is "$(jget "$T/frank.json" '$.risk.score')" "$want" "the dossier's score is the ranking's"
get "$OFFICER" /v1/persons/p1001 >/dev/null
is "$(jsql "$RESP" "SELECT group_concat(json_extract(value,'\$.name') || ':' || json_extract(value,'\$.read_on'), ' ') FROM d, json_each(d.j,'\$.compartments')")" \
	"FALCON:2021-05-03 ORCA:2022-01-17" "compartments with their read-on dates"
is "$(jget "$RESP" '$.risk.score') $(jsql "$RESP" "SELECT json_array_length(j,'\$.anomalies') FROM d")" "0.0 0" \
	"alice, who only read what she may: score 0, no anomalies"
is "$(get "$OFFICER" /v1/persons/p9999)" 404 "an unknown person: 404"
check "with a JSON error" is_json_error "$RESP"
is "$(get "$OFFICER" /v1/persons/)" 404 "no id: 404"

# -- roles ------------------------------------------------------------------------------
for path in /v1/risk /v1/persons/p1006 /v1/summary; do
	is "$(get "$AUDITOR" "$path")" 200 "an auditor may read $path"
	is "$(get "${AG[ws-0001]}" "$path")" 403 "an agent token may not read $path"
	is "$(get "$AUTHOR" "$path")" 403 "a policy author may not read $path"
	is "$(req GET "$path")" 401 "no token: 401 for $path"
done

# -- GET /v1/summary ----------------------------------------------------------------
is "$(get "$OFFICER" "/v1/summary?since=$D")" 200 "GET /v1/summary: 200"
cp "$RESP" "$T/summary.json"
is "$(jget "$T/summary.json" '$.total')" "$(db "SELECT count(*) FROM anomalies WHERE time_ms >= strftime('%s','$D') * 1000")" \
	"the digest counts every anomaly of the period"
is "$(jsql "$T/summary.json" "SELECT json_extract(value,'\$.critical') FROM d, json_each(d.j,'\$.by_kind') WHERE json_extract(value,'\$.kind') = 'vetting_lapsed'")" \
	1 "by kind and severity: one critical vetting_lapsed"
is "$(jget "$T/summary.json" '$.persons[0].person')" p1006 "and the top persons by risk"
is "$(jsql "$T/summary.json" "SELECT json_array_length(j,'\$.agents') FROM d")" 6 "agent health lists the 6 agents"

# -- vigil-report in every format ----------------------------------------------------
report() {   # report ARGS...: output in $T/out, status in $RC
	"$REPORT" --collector "$BASE" --token "$OFFICER" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
fits_80() {   # every line at most 80 display columns
	[ "$(LC_ALL=C.UTF-8 wc -L <"$1")" -le 80 ] || { diag "longest line: $(LC_ALL=C.UTF-8 wc -L <"$1") columns"; return 1; }
}
html_ok() {   # a self-contained page: doctype, svg when asked, no external reference
	local f=$1 svg=$2
	[ "$(head -c 15 "$f")" = "<!DOCTYPE html>" ] || { diag "no doctype"; return 1; }
	tail -n 1 "$f" | grep -q '^</html>$' || { diag "does not end in </html>"; return 1; }
	! grep -Eq 'https?://' "$f" || { diag "references: $(grep -Eo '.{20}https?://.{20}' "$f" | head -3)"; return 1; }
	! grep -Eqi '<script|<link|<img|<iframe|@import|url\(' "$f" || { diag "active or external content"; return 1; }
	[ "$(grep -o '<table' "$f" | wc -l)" = "$(grep -o '</table>' "$f" | wc -l)" ] || { diag "unbalanced tables"; return 1; }
	[ "$svg" = 0 ] || grep -q '<svg' "$f" || { diag "no <svg>"; return 1; }
	grep -q '@media print' "$f" || { diag "no print style"; return 1; }
}
TRIAGE_ID=$(db "SELECT id FROM anomalies WHERE kind = 'need_to_know'")
for cmd in "person p1006" risk summary "anomalies --person p1006" vetting \
	"triage $TRIAGE_ID --status acknowledged --note checking"; do
	for f in text csv json html; do
		# shellcheck disable=SC2086  # the command's words
		report $cmd --format $f
		if [ "$RC" != 0 ]; then
			not_ok "$cmd --format $f exits 0"
			diag "$(cat "$T/err")"
			continue
		fi
		case $f in
		text) check "$cmd (text): fits 80 columns, no colour when piped" \
			eval "fits_80 '$T/out' && ! grep -q $'\x1b' '$T/out' && [ -s '$T/out' ]" ;;
		csv) like "$(head -n 1 "$T/out")" '^(section|rank|id),' "$cmd (csv): a header row" ;;
		json) is "$(sqlite3 :memory: "SELECT json_valid(CAST(readfile('$T/out') AS TEXT))")" 1 "$cmd (json): valid JSON" ;;
		html) check "$cmd (html): one self-contained page" html_ok "$T/out" "$([ "${cmd%% *}" = triage ] && echo 0 || echo 1)"
			cp "$T/out" "$T/${cmd%% *}.html" ;;
		esac
	done
done
like "$(cat "$T/person.html")" "Frank Miller" "the dossier page names the person"
like "$(grep -c '<svg' "$T/person.html")" '^[1-9]' "the dossier page has its charts"
like "$(cat "$T/person.html")" "Wed 10:00-10:59 UTC: 1 events" "including the hour-of-week heat-map"
report anomalies --kind unknown_account --format html
check "the anomalies page escapes the hostile account name" \
	eval "grep -q '&lt;b&gt;mallory' '$T/out' && ! grep -q '<b>mallory' '$T/out'"
report anomalies --since "${D}T10:06Z" --until "${D}T10:18Z" --severity high --format csv
is "$(tail -n +2 "$T/out" | cut -d, -f4 | sort | tr '\n' ' ')" "need_to_know vetting_lapsed " \
	"anomalies --since --until --severity filter (csv)"
report anomalies --status acknowledged --format json
is "$(sqlite3 :memory: "SELECT group_concat(json_extract(value,'\$.kind')) FROM json_each(readfile('$T/out'))")" \
	need_to_know "anomalies --status: the one just triaged"
report person p9999
is "$RC" 1 "person p9999: exit 1"
like "$(cat "$T/err")" "404" "and the 404 is shown"
report person
is "$RC" 2 "person without an id: usage error"

# -- a false positive leaves the ranking ------------------------------------------
FRANK_ID=$(db "SELECT id FROM anomalies WHERE person = 'p1006'")
report triage "$FRANK_ID" --status false_positive --note "badge reader test account"
is "$RC" 0 "triage frank's anomaly as false_positive"
get "$OFFICER" /v1/risk >/dev/null
is "$(jsql "$RESP" "SELECT group_concat(json_extract(value,'\$.person'), ' ') FROM d, json_each(d.j,'\$.persons')")" \
	"p1008 p1004 p1002" "a false positive no longer counts: frank leaves the ranking"
get "$OFFICER" /v1/persons/p1006 >/dev/null
is "$(jget "$RESP" '$.risk.score') $(jsql "$RESP" "SELECT json_array_length(j,'\$.anomalies') FROM d")" "0.0 1" \
	"his dossier keeps the anomaly but scores 0"

col_stop_and_check
done_testing
