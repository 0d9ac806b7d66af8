#!/bin/bash
# access_log: every officer read of an anomaly, a dossier, an event search
# or an export, and every triage step, is recorded with who (name, role),
# what (method, path, object, query), when and how it ended; auditors and
# admins read the log with filters, officers may not (403). When the entry
# cannot be written, the data is not shown (503).

. "$(dirname "$0")/lib.sh"

VIGIL_POLICY=$REPO/policy/examples/example.cfg
col_init
ADA=$(mint_officer "Officer Ada")
BO=$(mint_officer "Officer Bo")
CY=$(mint_officer "Auditor Cy" auditor)
DI=$(mint_officer "Admin Di" admin)
AGENT=$(mint_agent ws-0004)
col_start || bail "collector starts and answers /healthz"

post_text "$AGENT" '{"seq":1,"time":"2026-11-18T10:05:00.000Z","kind":"file_access","host":"ws-0004","user":"dave","path":"/srv/vigil-demo/ts/roadmap.txt","op":"read","result":"success"}' >/dev/null
get "$ADA" "/v1/anomalies?kind=clearance_exceeded" >/dev/null
ID=$(jget "$RESP" '$.anomalies[0].id')
like "$ID" '^[0-9]+$' "an anomaly to read (id $ID)"

now_ms() { date +%s%3N; }
T0=$(now_ms)
is "$(get "$ADA" "/v1/anomalies/$ID")" 200 "Ada reads the anomaly"
is "$(get "$ADA" /v1/anomalies/999999)" 404 "Ada asks for one that does not exist"
is "$(get "$ADA" "/v1/events?user=dave&kind=file_access")" 200 "Ada searches Dave's file events"
is "$(get "$ADA" /v1/anomalies)" 200 "Ada lists anomalies (a list is not logged)"
printf '{"status":"acknowledged","note":"Looking into it."}' >"$T/triage.json"
is "$(req POST "/v1/anomalies/$ID/triage" -H "Authorization: Bearer $ADA" \
	-H 'Content-Type: application/json' --data-binary "@$T/triage.json")" 200 "Ada triages it"
PERSON_CODE=$(get "$ADA" /v1/persons/p1004)
diag "GET /v1/persons/p1004: $PERSON_CODE"
is "$(get "$ADA" "/v1/export/anomalies?since=2026-11-01")" 200 "Ada exports anomalies"
is "$(get "$BO" "/v1/anomalies/$ID")" 200 "Bo reads the anomaly"
T1=$(now_ms)

is "$(get "$ADA" /v1/access-log)" 403 "an officer may not read the access log: 403"
is "$(get "$AGENT" /v1/access-log)" 403 "nor an agent"
is "$(req GET /v1/access-log)" 401 "nor anyone without a token: 401"

is "$(get "$CY" /v1/access-log)" 200 "an auditor reads the access log"
cp "$RESP" "$T/log.json"
e() {   # e INDEX FIELD: a field of the INDEX-th entry (0 = newest)
	jget "$T/log.json" "\$.access_log[$1].$2"
}
is "$(jsql "$T/log.json" "SELECT json_array_length(j, '\$.access_log') FROM d")" 7 \
	"7 entries: 6 of Ada's actions and Bo's read"
is "$(e 0 officer) $(e 0 role) $(e 0 method) $(e 0 path) $(e 0 object) $(e 0 status)" \
	"Officer Bo officer GET /v1/anomalies/$ID $ID 200" "newest first: Bo read anomaly $ID (200)"
is "$(e 1 method) $(e 1 path) $(e 1 query) $(e 1 status)" \
	"GET /v1/export/anomalies since=2026-11-01 200" "Ada's export with its query"
is "$(e 2 method) $(e 2 path) $(e 2 object) $(e 2 status)" \
	"GET /v1/persons/p1004 p1004 $PERSON_CODE" "Ada's look at Dave's dossier"
is "$(e 3 method) $(e 3 path) $(e 3 object) $(e 3 status)" \
	"POST /v1/anomalies/$ID/triage $ID 200" "Ada's triage step, with the anomaly's id"
is "$(e 4 method) $(e 4 path) $(e 4 query) $(e 4 status)" \
	"GET /v1/events user=dave&kind=file_access 200" "Ada's event search with its filters"
is "$(e 5 path) $(e 5 object) $(e 5 status)" "/v1/anomalies/999999 999999 404" \
	"Ada's request for an anomaly that does not exist, answered 404"
is "$(e 6 officer) $(e 6 role) $(e 6 path) $(e 6 status)" "Officer Ada officer /v1/anomalies/$ID 200" \
	"Ada's first read"
is "$(e 6 officer_id)" "$(db "SELECT id FROM officers WHERE name = 'Officer Ada'")" "with her officer id"
like "$(e 6 time)" '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' "and the time (RFC 3339 UTC)"
is "$(db "SELECT count(*) FROM access_log WHERE time_ms BETWEEN $T0 AND $T1")" 7 \
	"every entry is timed within the requests"
is "$(db "SELECT count(*) FROM access_log WHERE path IN ('/v1/anomalies', '/v1/access-log')")" 0 \
	"lists and reads of the log itself are not logged"

# Filters.
get "$CY" "/v1/access-log?officer=Officer%20Bo" >/dev/null
is "$(jsql "$RESP" "SELECT json_array_length(j, '\$.access_log') FROM d") $(jget "$RESP" '$.access_log[0].officer')" \
	"1 Officer Bo" "officer= selects one officer's entries"
get "$CY" "/v1/access-log?limit=2" >/dev/null
is "$(jsql "$RESP" "SELECT json_array_length(j, '\$.access_log') FROM d")" 2 "limit= caps the list"
since=$(jget "$T/log.json" '$.access_log[1].time')
get "$CY" "/v1/access-log?since=$since" >/dev/null
is "$(jsql "$RESP" "SELECT json_array_length(j, '\$.access_log') FROM d")" 2 "since= is inclusive"
get "$CY" "/v1/access-log?until=$since" >/dev/null
is "$(jsql "$RESP" "SELECT json_array_length(j, '\$.access_log') FROM d")" 5 "until= is exclusive"
is "$(get "$CY" '/v1/access-log?since=yesterday')" 400 "a bad since: 400"
like "$(jget "$RESP" '$.error')" "since" "naming the parameter"
is "$(get "$DI" /v1/access-log)" 200 "an admin reads it too"

# When the log cannot be written, reads are refused rather than unrecorded.
db "CREATE TRIGGER access_log_full BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'disk full'); END"
is "$(get "$ADA" "/v1/anomalies/$ID")" 503 "with the access log failing, a read is answered 503"
check "with a JSON error" is_json_error "$RESP"
unlike "$(cat "$RESP")" 'summary' "and without the anomaly"
is "$(get "$ADA" /v1/export/events)" 503 "an export too"
printf '{"status":"resolved","note":"Done."}' >"$T/triage.json"
is "$(req POST "/v1/anomalies/$ID/triage" -H "Authorization: Bearer $ADA" \
	-H 'Content-Type: application/json' --data-binary "@$T/triage.json")" 200 \
	"a triage step, already made, is answered as it went"
check "and the failure is in the collector's log" grep -q 'access log: POST /v1/anomalies/' "$COL_LOG"
db "DROP TRIGGER access_log_full"
is "$(get "$ADA" "/v1/anomalies/$ID")" 200 "once the log works again, reads are answered"

col_stop_and_check
done_testing
