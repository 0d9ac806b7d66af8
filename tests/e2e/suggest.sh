#!/bin/bash
# suggest: false-positive triage marks feed suppression suggestions. Bob
# (office schedule) logs in at 03:00 on three nights and once more at
# 04:00; an officer marks three of those incidents false_positive.
# `vigil-report suggest` proposes one rule for the repeated pattern, in the
# policy's own syntax: pasted into the policy (with the placeholders filled
# in) it passes `vigil-policy check`, and a login at midnight of the day
# the rule is created (rules apply from their `created` day) is then
# suppressed instead of recorded.
. "$(dirname "$0")/lib.sh"

REPORT=$VIGIL_BIN/vigil-report
POLICY_CLI=$VIGIL_BIN/vigil-policy
VIGIL_POLICY=$T/policy.cfg
cp "$REPO/policy/examples/example.cfg" "$VIGIL_POLICY"
col_init
OFFICER=$(mint_officer "Officer Ada")
POLICY_TOKEN=$(mint_officer "Policy Pat" policy)
AGENT=$(mint_agent ws-0002)
col_start || bail "collector starts and answers /healthz"

login() {   # login SEQ DATE HH
	post_text "$AGENT" "{\"seq\":$1,\"time\":\"$2T$3:00:00.000Z\",\"kind\":\"session_open\",\"host\":\"ws-0002\",\"user\":\"bob\",\"service\":\"sshd\",\"result\":\"success\"}" >/dev/null
}
login 1 2026-11-16 03
login 2 2026-11-17 03
login 3 2026-11-18 03
login 4 2026-11-19 04
get "$OFFICER" "/v1/anomalies?kind=outside_schedule" >/dev/null
is "$(jsql "$RESP" "SELECT json_array_length(j,'\$.anomalies') FROM d")" 4 \
	"four nights, four outside_schedule incidents"
IDS=$(jsql "$RESP" "SELECT group_concat(value->>'id', ' ') FROM d, json_each(j, '\$.anomalies')")

report() {
	"$REPORT" --collector "$BASE" --token "$OFFICER" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}
report suggest
is "$RC" 0 "suggest with nothing marked exits 0"
like "$(cat "$T/out")" 'nothing to suggest' "and says there is nothing to suggest"

n=0
for id in $IDS; do
	n=$((n + 1))
	[ $n -le 3 ] || break
	printf '{"status":"false_positive","note":"Bob is on the night rota this month."}' >"$T/body"
	code=$(req POST "/v1/anomalies/$id/triage" -H "Authorization: Bearer $OFFICER" \
		-H "Content-Type: application/json" --data-binary "@$T/body")
	is "$code" 200 "anomaly $id marked false_positive"
done

report suggest
is "$RC" 0 "suggest exits 0"
like "$(cat "$T/out")" '3 x outside_schedule of p1002 on ws-0002' \
	"one suggestion: three false positives of the same kind, person and host"
like "$(cat "$T/out")" 'reason = "outside_schedule:"' "the rule narrows to the reason family"

report suggest --format json
is "$RC" 0 "suggest --format json exits 0"
is "$(jsql "$T/out" "SELECT json_array_length(j)||' '||json_extract(j,'\$[0].count')||' '||json_array_length(j,'\$[0].anomalies') FROM d")" \
	"1 3 3" "JSON: one group, count 3, the three anomaly ids"
report suggest --format csv
like "$(head -n 1 "$T/out")" '^kind,person,host,reason,count,anomalies' "CSV has a header row"
report suggest --format html
is "$RC" 2 "suggest refuses --format html with a usage error"

# The suggested rule, placeholders filled in, makes a valid policy that
# suppresses the pattern.
report suggest --format json
RULE=$(jsql "$T/out" "SELECT json_extract(j,'\$[0].rule') FROM d" |
	sed 's/WHY THEY ARE EXPECTED/night rota/; s/"WHO"/"CSO"/; s/"TICKET"/"SEC-9"/')
sed -i 's/^policy *= *{.*serial *= *\([0-9]*\);/policy = { id = "example"; serial = 99;/' "$VIGIL_POLICY"
printf '\nsuppressions = (\n%s\n);\n' "$RULE" >>"$VIGIL_POLICY"
"$POLICY_CLI" check "$VIGIL_POLICY" >"$T/check.out" 2>&1
is "$?" 0 "the policy with the suggested rule passes vigil-policy check" ||
	diag "$(cat "$T/check.out")" "$(tail -n 8 "$VIGIL_POLICY")"
code=$(req POST /v1/policy/reload -H "Authorization: Bearer $POLICY_TOKEN")
is "$code" 200 "the collector reloads it"
login 5 "$(date -u +%Y-%m-%d)" 00
get "$OFFICER" "/v1/anomalies?kind=outside_schedule" >/dev/null
is "$(jsql "$RESP" "SELECT json_array_length(j,'\$.anomalies') FROM d")" 4 \
	"the next night's login is suppressed, not recorded"
get "" /metrics >/dev/null
like "$(cat "$RESP")" 'vigil_anomalies_suppressed_total 1' "and counted as suppressed"

col_stop_and_check
done_testing
