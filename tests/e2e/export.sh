#!/bin/bash
# export: events and anomalies leave the collector as JSON lines, one object
# per line, exactly as the API shows them (events with their agent,
# anomalies with their history), from the command line and over HTTP
# (streamed as application/x-ndjson), with since/until filters; readers may
# export, other roles may not. A million events export in bounded memory.

. "$(dirname "$0")/lib.sh"

VIGIL_POLICY=$REPO/policy/examples/example.cfg
col_init
OFFICER=$(mint_officer "Officer Ada")
AUDITOR=$(mint_officer "Auditor Cy" auditor)
POLICY=$(mint_officer "Policy Pat" policy)
AGENT=$(mint_agent ws-0004)
col_start || bail "collector starts and answers /healthz"

# 90 events, one every 20 s from 10:00:00: heartbeats, Alice reading public
# files, and the readings that are anomalies (Dave: TOP SECRET; zed: an
# unknown account; Frank: suspended).
users=(alice dave zed frank alice)
paths=(/srv/vigil-demo/public/a.txt /srv/vigil-demo/ts/roadmap.txt /srv/vigil-demo/public/b.txt
	/srv/vigil-demo/public/c.txt /srv/vigil-demo/public/d.txt)
{
	printf '['
	for ((i = 1; i <= 90; i++)); do
		t=$(printf '2026-11-18T10:%02d:%02d.000Z' $((i * 20 / 60)) $((i * 20 % 60)))
		[ "$i" -gt 1 ] && printf ','
		if ((i % 6 == 0)); then
			printf '{"seq":%d,"time":"%s","kind":"agent","detail":{"action":"heartbeat"}}' "$i" "$t"
		else
			k=$((i % 5))
			printf '{"seq":%d,"time":"%s","kind":"file_access","host":"ws-0004","user":"%s","path":"%s","op":"read","result":"success"}' \
				"$i" "$t" "${users[$k]}" "${paths[$k]}"
		fi
	done
	printf ']'
} >"$T/batch.json"
is "$(post_events "$AGENT" "$T/batch.json")" 200 "90 events are ingested"
get "$OFFICER" "/v1/anomalies?kind=clearance_exceeded" >/dev/null
DAVE=$(jget "$RESP" '$.anomalies[0].id')
printf '{"status":"acknowledged","note":"Asked the line manager."}' >"$T/triage.json"
code=$(req POST "/v1/anomalies/$DAVE/triage" -H "Authorization: Bearer $OFFICER" \
	-H 'Content-Type: application/json' --data-binary "@$T/triage.json")
is "$code" 200 "one anomaly is triaged (it has a history)"

# jsonl_ok FILE: every line is one JSON value (the lines joined by commas
# form an array with as many elements as there are lines).
jsonl_ok() {
	local n
	n=$(wc -l <"$1")
	sed '1s/^/[/; $!s/$/,/; $s/$/]/' "$1" >"$1.array"
	[ "$(jsql "$1.array" "SELECT json_valid(j) AND json_array_length(j) = $n FROM d")" = 1 ]
}

# sorted_api FILE KEY: the objects of a list reply, one per line, sorted.
sorted_api() {
	jsql "$1" "SELECT value FROM d, json_each(j, '\$.$2') ORDER BY value"
}
# sorted_lines FILE: the objects of a JSON-lines file, sorted the same way.
sorted_lines() {
	sed '1s/^/[/; $!s/$/,/; $s/$/]/' "$1" >"$1.array"
	jsql "$1.array" "SELECT value FROM d, json_each(j) ORDER BY value"
}

# ---- events ----------------------------------------------------------------

"$COLLECTOR" -c "$CONF" export events --out "$T/events.jsonl" 2>"$T/export.err"
is "$?" 0 "export events exits 0"
like "$(cat "$T/export.err")" "exported 90 events to $T/events.jsonl" "and says how many it wrote"
is "$(wc -l <"$T/events.jsonl")" 90 "one line per event"
check "each line is valid JSON" jsonl_ok "$T/events.jsonl"
is "$(stat -c %a "$T/events.jsonl")" 600 "the file is readable by its owner only"
get "$OFFICER" "/v1/events?limit=10000" >/dev/null
is "$(sorted_lines "$T/events.jsonl")" "$(sorted_api "$RESP" events)" \
	"the export holds exactly the events GET /v1/events returns (with agent)"
head -n 1 "$T/events.jsonl" >"$T/first.json"
is "$(jsql "$T/first.json" "SELECT json_extract(j,'\$.seq')||' '||json_extract(j,'\$.agent') FROM d")" \
	"1 $(agent_id "$AGENT")" "oldest first, each with its agent"

# Filters: since inclusive, until exclusive, as in the API.
"$COLLECTOR" -c "$CONF" export events --since 2026-11-18T10:10:00Z --until 2026-11-18T10:20:00.000Z \
	>"$T/window.jsonl" 2>/dev/null
get "$OFFICER" "/v1/events?since=2026-11-18T10:10:00Z&until=2026-11-18T10:20:00.000Z&limit=10000" >/dev/null
is "$(wc -l <"$T/window.jsonl")" 30 "--since/--until select the 30 events of 10:10-10:20 (to standard output)"
is "$(sorted_lines "$T/window.jsonl")" "$(sorted_api "$RESP" events)" "the same events as the API's since/until"
"$COLLECTOR" -c "$CONF" export events --since 2026-11-19 >"$T/none.jsonl" 2>/dev/null
is "$(wc -c <"$T/none.jsonl")" 0 "an empty window exports nothing"

# ---- anomalies -------------------------------------------------------------

"$COLLECTOR" -c "$CONF" export anomalies --out "$T/anomalies.jsonl" 2>/dev/null
n=$(db "SELECT count(*) FROM anomalies")
is "$(wc -l <"$T/anomalies.jsonl")" "$n" "one line per anomaly ($n)"
check "each line is valid JSON" jsonl_ok "$T/anomalies.jsonl"
same=0
while IFS= read -r line; do
	printf '%s' "$line" >"$T/line.json"
	id=$(jget "$T/line.json" '$.id')
	get "$OFFICER" "/v1/anomalies/$id" >/dev/null
	[ "$(cat "$RESP")" = "$line" ] && same=$((same + 1))
done <"$T/anomalies.jsonl"
is "$same" "$n" "each line is the anomaly exactly as GET /v1/anomalies/ID returns it"
grep -F "\"id\":$DAVE," "$T/anomalies.jsonl" >"$T/dave.json"
is "$(jget "$T/dave.json" '$.history[0].note')" "Asked the line manager." "with its triage history"
"$COLLECTOR" -c "$CONF" export anomalies --until 2026-11-18T10:00:30Z 2>/dev/null >"$T/early.jsonl"
is "$(wc -l <"$T/early.jsonl")" 1 "--until selects by the anomaly's time (the first one, at 10:00:20)"

# ---- the command line refuses what it cannot do -----------------------------

"$COLLECTOR" -c "$CONF" export persons >/dev/null 2>"$T/err"
is "$?" 2 "an unknown kind: exit 2"
like "$(cat "$T/err")" "usage: .* export events" "with the usage"
"$COLLECTOR" -c "$CONF" export events --since yesterday >/dev/null 2>"$T/err"
is "$?" 2 "a bad --since: exit 2"
like "$(cat "$T/err")" "--since 'yesterday': expected YYYY-MM-DD" "naming the option and value"
"$COLLECTOR" -c "$CONF" export events --out /nonexistent/dir/x.jsonl >/dev/null 2>"$T/err"
is "$?" 1 "an output that cannot be created: exit 1"
like "$(cat "$T/err")" "/nonexistent/dir/x.jsonl: cannot create" "naming the file"

# ---- HTTP -------------------------------------------------------------------

code=$(get "$OFFICER" /v1/export/events)
is "$code" 200 "GET /v1/export/events: 200"
like "$(grep -i '^content-type:' "$RESP.h")" 'application/x-ndjson' "as application/x-ndjson"
like "$(grep -i '^transfer-encoding:' "$RESP.h")" 'chunked' "streamed (chunked)"
check "the same bytes as the command line's export" cmp -s "$RESP" "$T/events.jsonl"
code=$(get "$AUDITOR" "/v1/export/anomalies")
is "$code" 200 "an auditor exports anomalies"
check "the same bytes as the command line's export" cmp -s "$RESP" "$T/anomalies.jsonl"
get "$OFFICER" "/v1/export/events?since=2026-11-18T10:10:00Z&until=2026-11-18T10:20:00.000Z" >/dev/null
check "since/until over HTTP" cmp -s "$RESP" "$T/window.jsonl"
is "$(get "$OFFICER" '/v1/export/events?since=soon')" 400 "a bad since: 400"
check "with a JSON error" is_json_error "$RESP"
is "$(get "$POLICY" /v1/export/events)" 403 "a policy token may not export: 403"
is "$(get "$AGENT" /v1/export/anomalies)" 403 "an agent may not: 403"
is "$(req GET /v1/export/events)" 401 "no token: 401"

col_stop_and_check

# ---- a million events ---------------------------------------------------------

# Written straight into the store (ingest is measured elsewhere), then
# exported: the output is a few hundred megabytes, the exporter's memory
# stays small. The release build runs this part when tests/run.sh names it
# (the sanitizer build, which ran every export above, would take four times
# as long and its quarantine of freed memory would blur the peak); a
# sanitizer build here keeps that quarantine small.
BIG=$COLLECTOR
if [ -n "${VIGIL_BUILD_REL:-}" ] && [ -x "$VIGIL_BUILD_REL/bin/vigil-collector" ]; then
	BIG=$VIGIL_BUILD_REL/bin/vigil-collector
fi
diag "the million-event part runs $BIG"
AID=$(agent_id "$AGENT")
db "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000000)
    INSERT INTO events(agent, seq, time_ms, kind, host, user, received_ms, json)
    SELECT $AID, 1000 + i, 1795500000000 + i * 10, 'file_access', 'ws-0004', 'bulk', 1795500000000,
           json_object('seq', 1000 + i, 'time',
                       strftime('%Y-%m-%dT%H:%M:%fZ', (1795500000000 + i * 10) / 1000.0, 'unixepoch'),
                       'kind', 'file_access', 'host', 'ws-0004', 'user', 'bulk',
                       'path', '/srv/bulk/file-' || i, 'op', 'read', 'result', 'success')
    FROM n" || bail "a million events are written into the store"
if [ -x /usr/bin/time ]; then
	ASAN_OPTIONS=$ASAN_OPTIONS:quarantine_size_mb=4 /usr/bin/time -f '%M' -o "$T/rss" \
		"$BIG" -c "$CONF" export events --since 2026-11-20 2>/dev/null | wc -l >"$T/count"
	is "$(cat "$T/count")" 1000000 "a million events export, one line each"
	rss=$(tail -n 1 "$T/rss")
	diag "peak resident memory of the export: $((rss / 1024)) MiB"
	check "in bounded memory (peak under 96 MiB for about 200 MiB of output)" test "$rss" -lt 98304
else
	skip "a million events export in bounded memory" "/usr/bin/time is not installed (mk/deps.sh installs it)"
fi
COLLECTOR=$BIG
col_start collector2 || bail "the collector restarts"
curl -sS -m 300 -H "Authorization: Bearer $OFFICER" "$BASE/v1/export/events?since=2026-11-20" | wc -l >"$T/count"
is "$(cat "$T/count")" 1000000 "and stream over HTTP"
col_stop_and_check
done_testing
