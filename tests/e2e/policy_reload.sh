#!/bin/bash
# policy_reload: POST /v1/policy/reload swaps the policy while ingest runs.
# A reload with a new serial answers 200 {"serial","id","persons",
# "resources","warnings"} and anomalies found afterwards carry the new
# policy_serial; a broken policy answers 422 with every "file:line:"
# diagnostic and the old policy keeps deciding; only the policy and admin
# roles may reload; and a poster sending batches throughout every reload
# gets 200 for each of them.
. "$(dirname "$0")/lib.sh"

cp "$REPO/policy/examples/example.cfg" "$T/policy.cfg" || bail "copy the example policy"
VIGIL_POLICY=$T/policy.cfg
col_init
AGENT=$(mint_agent ws-0004)
BUSY=$(mint_agent ws-0001)
POLICY_TOK=$(mint_officer "Policy Author" policy)
ADMIN=$(mint_officer "Admin" admin)
OFFICER=$(mint_officer "Officer" officer)
col_start || bail "collector starts and answers /healthz"

set_serial() {   # set_serial N: rewrites the policy's serial in place
	sed -i "s/^policy = { id = \"example\"; serial = [0-9]*; };/policy = { id = \"example\"; serial = $1; };/" "$T/policy.cfg"
}
reload() {   # reload TOKEN: POST /v1/policy/reload, prints the status
	req POST /v1/policy/reload -H "Authorization: Bearer $1"
}
# dave (SECRET) reads a TOP SECRET file on DAY at 10:00: clearance_exceeded.
violate() {   # violate SEQ DAY
	printf '[{"seq":%d,"time":"%sT10:00:00.000Z","kind":"file_access","host":"ws-0004","user":"dave","path":"/srv/vigil-demo/ts/roadmap.txt","op":"read","result":"success"}]' \
		"$1" "$2" >"$T/violation"
	post_events "$AGENT" "$T/violation"
}
# The policy_serial of dave's anomaly on DAY (empty when none).
serial_of() {   # serial_of DAY
	get "$OFFICER" "/v1/anomalies?person=p1004&limit=100" >/dev/null
	jsql "$RESP" "SELECT json_extract(value, '\$.policy_serial') FROM d, json_each(json_extract(j, '\$.anomalies')) WHERE json_extract(value, '\$.time') LIKE '$1%'"
}

# -- serial 1, then a reload to serial 2 ---------------------------------------------------
is "$(violate 1 2026-11-18)" 200 "a violating event is accepted"
is "$(serial_of 2026-11-18)" 1 "its anomaly carries policy_serial 1"
set_serial 2
is "$(reload "$POLICY_TOK")" 200 "reload with the policy role answers 200"
is "$(jget "$RESP" '$.serial') $(jget "$RESP" '$.id') $(jget "$RESP" '$.persons') $(jget "$RESP" '$.resources')" \
	"2 example 11 7" "the reply names the installed serial, id and counts"
like "$(jget "$RESP" '$.warnings')" '^[0-9]+$' "the reply counts the warnings"
is "$(violate 2 2026-11-19)" 200 "a violating event after the reload is accepted"
is "$(serial_of 2026-11-19)" 2 "its anomaly carries policy_serial 2"

# -- roles -------------------------------------------------------------------------------
set_serial 3
is "$(reload "$ADMIN")" 200 "the admin role may reload"
is "$(jget "$RESP" '$.serial')" 3 "the admin's reload installs serial 3"
is "$(reload "$OFFICER")" 403 "the officer role may not reload"
is "$(req POST /v1/policy/reload)" 401 "reload without a token is 401"
is "$(get "$POLICY_TOK" /v1/policy/reload)" 405 "GET on the reload route is 405"

# -- a broken policy keeps the old one ------------------------------------------------------
cp "$T/policy.cfg" "$T/good.cfg"
sed -i 's/level = "SECRET"; status = "active"; nda_signed = "2023-06-19";/level = "SECRT"; status = "active"; nda_signed = "2023-06-19";/' "$T/policy.cfg"
set_serial 4
is "$(reload "$POLICY_TOK")" 422 "reloading a policy with errors answers 422"
like "$(jget "$RESP" '$.diagnostics[0]')" "policy.cfg:[0-9]+: unknown level 'SECRT'" \
	"the 422 lists the error as file:line: message"
like "$(jget "$RESP" '$.error')" "current policy stays" "the 422 says the current policy stays"
is "$(violate 3 2026-11-20)" 200 "events are still accepted"
is "$(serial_of 2026-11-20)" 3 "and decided by the old policy (serial 3)"
printf 'policy = { id = "example"; serial = 5; \n' >"$T/policy.cfg"
is "$(reload "$POLICY_TOK")" 422 "a syntax error answers 422 too"
like "$(jget "$RESP" '$.diagnostics[0]')" "policy.cfg:[0-9]+: syntax error" "with its line"
cp "$T/good.cfg" "$T/policy.cfg"

# -- ingest never pauses ------------------------------------------------------------------
# A poster sends small batches as fast as it can while the policy is
# reloaded ten times, by HTTP and by SIGHUP in turn.
(
	seq=1
	while [ ! -e "$T/stop" ]; do
		printf '[{"seq":%d,"time":"2026-11-18T11:%02d:%02d.000Z","kind":"file_access","host":"ws-0001","user":"alice","path":"/srv/vigil-demo/secret/s.txt","op":"read","result":"success"}]' \
			"$seq" $(((seq / 60) % 60)) $((seq % 60)) >"$T/busy.json"
		curl -sS -m 30 -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $BUSY" \
			-H "Content-Type: application/json" --data-binary "@$T/busy.json" \
			"$BASE/v1/events" >>"$T/busy.codes" 2>>"$T/curl.err"
		seq=$((seq + 1))
	done
) &
POSTER=$!
BG_PIDS+=("$POSTER")
codes=
for i in 1 2 3 4 5 6 7 8 9 10; do
	set_serial $((10 + i))
	if [ $((i % 2)) = 0 ]; then
		kill -HUP "$COL_PID"
		sleep 0.3
	else
		codes+="$(reload "$POLICY_TOK") "
	fi
done
touch "$T/stop"
wait "$POSTER"
is "$codes" "200 200 200 200 200 " "every HTTP reload under load answers 200"
n=$(wc -l <"$T/busy.codes")
like "$n" '^[1-9][0-9]*$' "batches were posted during the reloads ($n)"
is "$(grep -vc '^200$' "$T/busy.codes")" 0 "every batch posted during the reloads got 200"
is "$(sqlite3 "$DB" "SELECT count(*) FROM events WHERE agent=$(agent_id "$BUSY")")" "$n" \
	"every batch posted during the reloads is stored"
set_serial 21
is "$(reload "$POLICY_TOK")" 200 "a final reload answers 200"
is "$(jget "$RESP" '$.serial')" 21 "and installs the last serial"

col_stop_and_check
done_testing
