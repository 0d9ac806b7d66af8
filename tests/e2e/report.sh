#!/bin/bash
# report: vigil-report against a real collector. The recorded week of the
# example organisation (tests/data/demo-events.ndjson) is posted host by host,
# each with its own agent token, and the officer's report is read in every
# format: the anomalies the policy implies are there, filters narrow them,
# and tokens and arguments that are wrong give the documented exit status.

. "$(dirname "$0")/lib.sh"

REPORT=$VIGIL_BIN/vigil-report
[ -x "$REPORT" ] || bail "vigil-report is built ($REPORT missing)"
VIGIL_POLICY=$REPO/policy/examples/example.cfg
STREAM=$REPO/tests/data/demo-events.ndjson
[ -f "$STREAM" ] || bail "tests/data/demo-events.ndjson exists"

col_init
OFFICER=$(mint_officer "Report Officer")
AUDITOR=$(mint_officer "Report Auditor" auditor)
hosts=$(grep -o '"host":"[^"]*"' "$STREAM" | cut -d'"' -f4 | sort -u)
declare -A AG
for h in $hosts; do
	AG[$h]=$(mint_agent "$h")
done
col_start || bail "collector starts and answers /healthz"

total=0
for h in $hosts; do
	grep "\"host\":\"$h\"" "$STREAM" >"$T/$h.ndjson"
	code=$(post_events "${AG[$h]}" "$T/$h.ndjson" application/x-ndjson)
	[ "$code" = 200 ] || not_ok "posting $h's events: $code"
	total=$((total + $(jget "$RESP" '$.accepted')))
done
is "$total" "$(grep -c . "$STREAM")" "every recorded event is accepted"

report() {   # report ARGS...: runs vigil-report, output in $OUT, status in $RC
	"$REPORT" --collector "$BASE" "$@" >"$T/out" 2>"$T/err"
	RC=$?
	OUT=$(cat "$T/out")
}

# Text: one aligned row per anomaly, the summary below it, a count line.
report --token "$OFFICER" anomalies --limit 200
is "$RC" 0 "anomalies (text) exits 0"
for kind in clearance_exceeded need_to_know vetting_lapsed unknown_account host_not_accredited \
	removable_media unauthorized_privilege outside_schedule; do
	like "$OUT" "$kind" "the text report shows $kind"
done
like "$OUT" "Frank Miller's clearance is suspended" "summaries speak the policy's words"
like "$OUT" '\([0-9]+ events\)' "an incident that grouped several events says how many"
like "$(tail -n 1 "$T/out")" '^[0-9]+ anomalies$' "the last line counts the anomalies"
# The only multi-byte character in the output is the ellipsis of a cut
# summary; count it as the one column it takes.
sed 's/…/./g' "$T/out" >"$T/out.cols"
check "every text line fits 80 columns when piped" \
	awk 'length($0) > 80 { bad = 1 } END { exit bad }' "$T/out.cols"
get "$OFFICER" "/v1/anomalies?limit=200" >/dev/null
api_count=$(jsql "$RESP" "SELECT json_array_length(j, '\$.anomalies') FROM d")
is "$(tail -n 1 "$T/out" | cut -d' ' -f1)" "$api_count" "the report lists what GET /v1/anomalies returns"

# Filters are the collector's.
report --token "$OFFICER" anomalies --severity critical --format json
is "$RC" 0 "anomalies --severity critical --format json exits 0"
printf '%s' "$OUT" >"$T/crit.json"
is "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$T/crit.json')) WHERE json_extract(value, '\$.severity') != 'critical'")" 0 \
	"--severity critical returns only critical anomalies"
check "--severity critical returns some (Frank's suspended clearance)" \
	[ "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$T/crit.json'))")" -gt 0 ]
report --token "$OFFICER" anomalies --person p1010 --kind removable_media --format csv
is "$RC" 0 "anomalies --person --kind --format csv exits 0"
is "$(sed -n 1p "$T/out" | cut -d, -f1-4)" "id,time,severity,kind" "CSV starts with its header"
is "$(tail -n +2 "$T/out" | grep -c .)" 1 "Judy's removable-media incident is one CSV row"
like "$(sed -n 2p "$T/out")" ",removable_media,p1010,judy,ws-0003," "the row names the kind, person, account and host"
report --token "$AUDITOR" anomalies --since 2026-11-19 --until 2026-11-20 --format json
printf '%s' "$OUT" >"$T/range.json"
is "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$T/range.json'))
	WHERE json_extract(value, '\$.time') NOT LIKE '2026-11-19T%'")" 0 \
	"an auditor's report for 2026-11-19 holds only that day's anomalies"

# Wrong credentials and arguments.
report --token "${AG[ws-0001]}" anomalies
is "$RC" 1 "an agent token: exit 1"
like "$(cat "$T/err")" "403" "and the collector's 403 is shown"
report --token 0000000000000000000000000000000000000000000000000000000000000000 anomalies
is "$RC" 1 "an unknown token: exit 1"
report --token "$OFFICER" anomalies --severity severe
is "$RC" 2 "an unknown severity is a usage error (exit 2)"
report --token "$OFFICER" anomalies --since yesterday
is "$RC" 2 "an unreadable time is a usage error (exit 2)"
"$REPORT" --collector "http://127.0.0.1:1" --token "$OFFICER" anomalies >/dev/null 2>"$T/err"
is "$?" 1 "an unreachable collector: exit 1"

col_stop_and_check
done_testing
