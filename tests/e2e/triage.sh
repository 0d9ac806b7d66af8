#!/bin/bash
# triage: a security officer works an anomaly through the API: acknowledge
# and assign it, then resolve it, each step with a note; the anomaly keeps
# its full history; auditors may read but not triage; every malformed
# request is refused with a message that names the problem.

. "$(dirname "$0")/lib.sh"

VIGIL_POLICY=$REPO/policy/examples/example.cfg
col_init
OFFICER=$(mint_officer "Officer Ada")
ADMIN=$(mint_officer "Admin Bo" admin)
AUDITOR=$(mint_officer "Auditor Cy" auditor)
AGENT=$(mint_agent ws-0004)
col_start || bail "collector starts and answers /healthz"

# Dave (SECRET) reads a TOP SECRET file: one clearance_exceeded anomaly.
code=$(post_text "$AGENT" '{"seq":1,"time":"2026-11-18T10:05:00.000Z","kind":"file_access","host":"ws-0004","user":"dave","path":"/srv/vigil-demo/ts/roadmap.txt","op":"read","result":"success"}')
is "$code" 200 "a forbidden read is ingested"
get "$OFFICER" "/v1/anomalies?kind=clearance_exceeded" >/dev/null
ID=$(jget "$RESP" '$.anomalies[0].id')
like "$ID" '^[0-9]+$' "it is an anomaly (id $ID)"
is "$(jget "$RESP" '$.anomalies[0].status')" open "a new anomaly is open"

triage() {   # triage TOKEN ID JSON [CONTENT-TYPE]
	printf '%s' "$3" >"$T/triage.body"
	req POST "/v1/anomalies/$2/triage" -H "Authorization: Bearer $1" \
		-H "Content-Type: ${4:-application/json}" --data-binary "@$T/triage.body"
}

code=$(triage "$OFFICER" "$ID" '{"status":"acknowledged","note":"Asked Dave'"'"'s manager.","assignee":"Officer Ada"}')
is "$code" 200 "the officer acknowledges and assigns it: 200"
is "$(jget "$RESP" '$.status')" acknowledged "the reply shows the new status"
is "$(jget "$RESP" '$.assignee')" "Officer Ada" "and the assignee"
is "$(jget "$RESP" '$.history[0].officer')" "Officer Ada" "the history names who did it (from the token)"
is "$(jget "$RESP" '$.history[0].note')" "Asked Dave's manager." "and keeps the note"
like "$(jget "$RESP" '$.history[0].time')" '^20[0-9-]+T[0-9:.]+Z$' "and when"

code=$(triage "$ADMIN" "$ID" '{"status":"resolved","note":"Wrong share mounted; access removed."}')
is "$code" 200 "an admin resolves it: 200"
get "$AUDITOR" "/v1/anomalies/$ID" >/dev/null
is "$(jget "$RESP" '$.status')" resolved "an auditor reads the resolved anomaly"
is "$(jget "$RESP" '$.assignee')" "Officer Ada" "a step without an assignee keeps the current one"
is "$(jsql "$RESP" "SELECT json_array_length(j, '\$.history') FROM d")" 2 "the history holds both steps"
is "$(jget "$RESP" '$.history[1].officer') $(jget "$RESP" '$.history[1].status')" "Admin Bo resolved" \
	"in order, with who and what"
get "$OFFICER" "/v1/anomalies?status=resolved" >/dev/null
is "$(jget "$RESP" '$.anomalies[0].id')" "$ID" "GET /v1/anomalies?status=resolved finds it"

# Who may triage.
is "$(triage "$AUDITOR" "$ID" '{"status":"open","note":"x"}')" 403 "an auditor may not triage: 403"
is "$(triage "$AGENT" "$ID" '{"status":"open","note":"x"}')" 403 "an agent may not triage: 403"
is "$(req POST "/v1/anomalies/$ID/triage" -H 'Content-Type: application/json' --data-binary '{}')" 401 \
	"no token: 401"

# What is refused.
is "$(triage "$OFFICER" 999999 '{"status":"resolved","note":"x"}')" 404 "an unknown anomaly: 404"
is "$(triage "$OFFICER" "$ID" '{"status":"closed","note":"x"}')" 400 "an unknown status: 400"
like "$(jget "$RESP" '$.error')" "open, acknowledged, resolved, false_positive" "naming the statuses"
is "$(triage "$OFFICER" "$ID" '{"status":"resolved"}')" 400 "a step without a note: 400"
like "$(jget "$RESP" '$.error')" "note" "naming the note"
is "$(triage "$OFFICER" "$ID" '{"status":"resolved","note":"x","severity":"low"}')" 400 "an unknown field: 400"
is "$(triage "$OFFICER" "$ID" '{"status":"resolved","note":"a\u001b[31mb"}')" 400 "control characters in the note: 400"
is "$(triage "$OFFICER" "$ID" 'not json')" 400 "a body that is not JSON: 400"
is "$(triage "$OFFICER" "$ID" '{"status":"resolved","note":"x"}' text/plain)" 415 "not application/json: 415"
big=$(head -c 70000 /dev/zero | tr '\0' 'a')
is "$(triage "$OFFICER" "$ID" "{\"status\":\"resolved\",\"note\":\"$big\"}")" 413 "a body over 64 KiB: 413"
is "$(req POST "/v1/anomalies/$ID/close" -H "Authorization: Bearer $OFFICER" -H 'Content-Type: application/json' --data-binary '{}')" 404 \
	"another action under the anomaly: 404"
get "$OFFICER" "/v1/anomalies/$ID" >/dev/null
is "$(jsql "$RESP" "SELECT json_array_length(j, '\$.history') FROM d")" 2 "refused requests leave no history"

# The same workflow from the command line.
REPORT=$VIGIL_BIN/vigil-report
out=$("$REPORT" --collector "$BASE" --token "$OFFICER" triage "$ID" --status false_positive \
	--note "Share was misclassified." --assignee "Officer Ada" 2>&1)
is "$?" 0 "vigil-report triage exits 0"
like "$out" "^anomaly $ID: false_positive, assigned to Officer Ada; 3 steps in its history" \
	"and confirms the new state"
like "$out" "Officer Ada: Share was misclassified." "with the step it recorded"
"$REPORT" --collector "$BASE" --token "$AUDITOR" triage "$ID" --status open --note x >/dev/null 2>"$T/err"
is "$?" 1 "vigil-report triage with an auditor token exits 1"
like "$(cat "$T/err")" "HTTP 403" "showing the collector's 403"
"$REPORT" --collector "$BASE" --token "$OFFICER" triage "$ID" --status open >/dev/null 2>&1
is "$?" 2 "vigil-report triage without --note is a usage error (exit 2)"
"$REPORT" --collector "$BASE" --token "$OFFICER" triage 12x --status open --note x >/dev/null 2>&1
is "$?" 2 "a malformed anomaly id is a usage error (exit 2)"
out=$("$REPORT" --collector "$BASE" --token "$OFFICER" triage "$ID" --status acknowledged --note "Reopened." --format json)
printf '%s' "$out" >"$T/t.json"
is "$(sqlite3 :memory: "SELECT json_extract(readfile('$T/t.json'), '\$.status') || ' ' || json_array_length(readfile('$T/t.json'), '\$.history')")" \
	"acknowledged 4" "--format json prints the anomaly with its whole history"

col_stop_and_check
done_testing
