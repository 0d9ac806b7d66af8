#!/bin/bash
# hostile/injection: SQL metacharacters in every event field and every
# query parameter, and path traversal in every path segment and URL
# parameter. Values are bound, never spliced into SQL: a stored value comes
# back byte for byte, a query matches it literally (no LIKE wildcards), the
# tables survive; paths are matched exactly, never normalised into another
# route, ids are canonical decimal numbers, and a URL holding %00 is
# refused rather than cut short.
# The checks of every case are described in tests/hostile/lib.sh.
. "$(dirname "$0")/lib.sh"

hstart
T0='"time":"2026-11-20T10:00:00.000Z"'
OFF=(-H "Authorization: Bearer $OFFICER")
TABLES=$(db "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type='table' ORDER BY name)")
IDENTS=$(db "SELECT (SELECT count(*) FROM agents)||' '||(SELECT count(*) FROM officers)")

# The hostile strings, as values (printable: control characters are
# refused in these fields for other reasons).
SQL=(
	"'; DROP TABLE events; --"
	"x' OR '1'='1"
	'" OR ""="'
	"*/ UNION SELECT token_hash FROM agents /*"
	"\\'; DELETE FROM quarantine; --"
	"1); UPDATE agents SET host='pwned' WHERE (1=1"
	"'||(SELECT hex(token_hash) FROM officers)||'"
	'$(reboot) `id` <script>x</script>'
)
# jstr VALUE: VALUE escaped for the inside of a JSON string.
jstr() {
	local s=${1//\\/\\\\}
	printf '%s' "${s//\"/\\\"}"
}

# -- SQL metacharacters in every string field of an event -----------------------------
seq=100
while IFS='|' read -r field idx; do
	case $idx in
	%|_) v=$idx ;;
	*) v=${SQL[idx]} ;;
	esac
	[ "$field" = path ] || [ "$field" = exe ] && v="/$v"
	seq=$((seq + 1))
	printf '{"seq":%d,%s,"kind":"file_access","%s":"%s"}' "$seq" "$T0" "$field" "$(jstr "$v")" >"$T/sql.ndjson"
	hpost "$field = $v" 200 1 0 "$T/sql.ndjson" "$N"
	get "$OFFICER" "/v1/events?agent=$AID&limit=10000" >/dev/null
	got=$(jsql "$RESP" "SELECT json_extract(value,'\$.$field') FROM d, json_each(d.j,'\$.events')
	                    WHERE json_extract(value,'\$.seq') = $seq")
	is "$got" "$v" "  and $field comes back byte for byte"
done <<'EOF'
host|0
user|%
service|2
rhost|1
ruser|_
tty|3
path|4
exe|5
key|6
EOF
printf '{"seq":120,%s,"kind":"agent","host":"ws-0001","detail":{"%s":"%s","n":{"%s":["%s"]}}}' "$T0" "$(jstr "${SQL[4]}")" \
	"$(jstr "${SQL[7]}")" "$(jstr "${SQL[2]}")" "$(jstr "${SQL[0]}")" >"$T/detail.ndjson"
hpost "detail names and values holding SQL" 200 1 0 "$T/detail.ndjson" "$N"
is "$(db "SELECT json FROM events WHERE agent=$AID AND seq=120")" "$(cat "$T/detail.ndjson")" \
	"  and the line is stored byte for byte"
printf '[{"seq":121,%s,"kind":"exec","user":"%s","exe":"/%s"}]' "$T0" "$(jstr "${SQL[5]}")" "$(jstr "${SQL[6]}")" >"$T/arr.json"
hpost "SQL in fields through the JSON-array path" 200 1 0 "$T/arr.json"
# Enumerated fields refuse such values: quarantined, raw kept.
hline -r "'kind'" "kind = ${SQL[0]}" "{\"seq\":130,$T0,\"kind\":\"$(jstr "${SQL[0]}")\"}"
hline -r "'time'" "time = ${SQL[1]}" "{\"seq\":131,\"time\":\"$(jstr "${SQL[1]}")\",\"kind\":\"exec\"}"
hline -r "'op'" "op = ${SQL[2]}" "{\"seq\":132,$T0,\"kind\":\"file_access\",\"op\":\"$(jstr "${SQL[2]}")\"}"
hline -r "'result'" "result = ${SQL[3]}" "{\"seq\":133,$T0,\"kind\":\"exec\",\"result\":\"$(jstr "${SQL[3]}")\"}"
hline -r "'audit_id'" "audit_id = ${SQL[4]}" "{\"seq\":134,$T0,\"kind\":\"exec\",\"audit_id\":\"$(jstr "${SQL[4]}")\"}"
hline -r "not in schema" "a member named ${SQL[0]}" "{\"seq\":135,$T0,\"kind\":\"exec\",\"$(jstr "${SQL[0]}")\":1}"
is "$(db "SELECT group_concat(name) FROM (SELECT name FROM sqlite_master WHERE type='table' ORDER BY name)")" "$TABLES" \
	"every table is still there"
is "$(db "SELECT (SELECT count(*) FROM agents)||' '||(SELECT count(*) FROM officers)")|$(db "SELECT count(*) FROM agents WHERE host='pwned'")" \
	"$IDENTS|0" "no identity was added or changed"

# -- SQL metacharacters in every query parameter -----------------------------------------
# urlenc TEXT: percent-encodes every byte of TEXT.
urlenc() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n' | sed 's/../%&/g'; }
# q DESCRIPTION STATUS PATH?QUERY [WANT-COUNT JSON-KEY]: an officer GET.
q() {
	hcase "$1" "$2" 0 0 GET "$3" "${OFF[@]}"
	if [ $# -ge 5 ]; then
		is "$(jsql "$T/case.resp" "SELECT json_array_length(j,'\$.$5') FROM d")" "$4" "  and lists $4"
	fi
}
q "events?host= the stored SQL host matches itself only" 200 "/v1/events?host=$(urlenc "${SQL[0]}")" 1 events
q "events?user= the SQL user of the array path matches itself only" 200 "/v1/events?user=$(urlenc "${SQL[5]}")" 1 events
q "events?user=_ matches nothing (no user is named _)" 200 "/v1/events?user=_" 0 events
q "events?host=x' OR '1'='1 matches nothing" 200 "/v1/events?host=$(urlenc "x' OR '1'='1")" 0 events
q "events?host=% is no wildcard" 200 "/v1/events?host=%25" 0 events
q "events?user=% matches only the user named %" 200 "/v1/events?user=%25" 1 events
q "events?kind= SQL" 400 "/v1/events?kind=$(urlenc "exec' OR '1'='1")"
q "events?since= SQL" 400 "/v1/events?since=$(urlenc "2026-01-01' OR 1=1 --")"
q "events?until= SQL" 400 "/v1/events?until=$(urlenc "2026-01-01; DROP TABLE events")"
q "events?limit= SQL" 400 "/v1/events?limit=$(urlenc "1; DROP TABLE events")"
q "events?agent= SQL" 400 "/v1/events?agent=$(urlenc "1 OR 1=1")"
q "anomalies?kind= SQL" 400 "/v1/anomalies?kind=$(urlenc "x' OR '1'='1")"
q "anomalies?severity= SQL" 400 "/v1/anomalies?severity=$(urlenc "low' OR '1'='1")"
q "anomalies?status= SQL" 400 "/v1/anomalies?status=$(urlenc "open' OR '1'='1")"
q "anomalies?person= SQL matches nothing" 200 "/v1/anomalies?person=$(urlenc "x' OR '1'='1")" 0 anomalies
q "anomalies?since= SQL" 400 "/v1/anomalies?since=$(urlenc "' OR 1=1 --")"
q "anomalies?limit= SQL" 400 "/v1/anomalies?limit=$(urlenc "5 UNION SELECT 1")"
q "anomalies?until= SQL" 400 "/v1/anomalies?until=$(urlenc "2027-01-01' OR '1'='1")"
q "quarantine?limit= SQL" 400 "/v1/quarantine?limit=$(urlenc "1; DELETE FROM quarantine")"
# The other read endpoints, parameter by parameter: free text (officer)
# matches nothing, typed values (times, numbers, person ids) are refused.
AUDITOR=$(mint_officer "Hostile Auditor" auditor)
SQLV=$(urlenc "x' OR '1'='1; DROP TABLE events; --")
while read -r path param want who; do
	tok=$OFFICER
	[ "$who" = auditor ] && tok=$AUDITOR
	hcase "$path?$param= SQL" "$want" 0 0 GET "$path?$param=$SQLV" -H "Authorization: Bearer $tok"
done <<'EOF'
/v1/risk person 400 officer
/v1/risk at 400 officer
/v1/risk limit 400 officer
/v1/risk days 400 officer
/v1/persons/p1001 at 400 officer
/v1/persons/p1001 limit 400 officer
/v1/persons/p1001 days 400 officer
/v1/persons/p1001 activity_days 400 officer
/v1/summary since 400 officer
/v1/summary until 400 officer
/v1/summary top 400 officer
/v1/vetting due_within 400 officer
/v1/export/events since 400 officer
/v1/export/events until 400 officer
/v1/export/anomalies since 400 officer
/v1/export/anomalies until 400 officer
/v1/access-log officer 200 auditor
/v1/access-log since 400 auditor
/v1/access-log until 400 auditor
/v1/access-log limit 400 auditor
EOF
hcase "/v1/persons/ with SQL as the id" 404 0 0 GET "/v1/persons/$SQLV" "${OFF[@]}"
q "an unknown parameter holding SQL is ignored" 200 "/v1/events?x=$(urlenc "${SQL[0]}")&limit=1" 1 events
q "a parameter name holding SQL is ignored" 200 "/v1/events?$(urlenc "host' OR '1'='1")=1&limit=1" 1 events

# -- path traversal -------------------------------------------------------------------------------
# An anomaly to aim at: an unknown account logs in.
printf '[{"seq":200,%s,"kind":"auth_success","user":"mallory-unknown","service":"sshd"}]' "$T0" >"$T/anom.json"
post_events "$AGENT" "$T/anom.json" >/dev/null
AN=$(db "SELECT min(id) FROM anomalies")
check "an anomaly exists to aim at (id $AN)" test -n "$AN"
p() { hcase "$1" "$2" 0 0 GET "$3" "${OFF[@]}" --path-as-is; }
p "/v1/anomalies/../../etc/passwd" 404 "/v1/anomalies/../../etc/passwd"
p "/v1/anomalies/%2e%2e%2f%2e%2e%2fetc%2fpasswd" 404 "/v1/anomalies/%2e%2e%2f%2e%2e%2fetc%2fpasswd"
p "/v1/anomalies/..%2f..%2fetc%2fpasswd" 404 "/v1/anomalies/..%2f..%2fetc%2fpasswd"
p "/v1/anomalies/..\\..\\etc\\passwd" 404 "/v1/anomalies/..%5c..%5cetc%5cpasswd"
p "/v1/anomalies/$AN/../$AN" 404 "/v1/anomalies/$AN/../$AN"
p "/v1/events/../quarantine" 404 "/v1/events/../quarantine"
p "/v1/../v1/events" 404 "/v1/../v1/events"
p "/v1%2fevents is /v1/events (decoded, never normalised)" 200 "/v1%2fevents"
p "/%2e%2e/%2e%2e/etc/passwd" 404 "/%2e%2e/%2e%2e/etc/passwd"
p "/healthz/../metrics" 404 "/healthz/../metrics"
p "/v1/persons/../../etc/passwd" 404 "/v1/persons/../../etc/passwd"
p "/v1/events%00.json" 400 "/v1/events%00.json"
p "/v1/anomalies/$AN%00" 400 "/v1/anomalies/$AN%00"
p "/v1/events?host=ws-0001%00' OR '1'='1" 400 "/v1/events?host=ws-0001%00%27%20OR%20%271%27%3D%271"
hcase "POST /v1/anomalies/$AN/triage/../../../policy/reload" 404 0 0 \
	POST "/v1/anomalies/$AN/triage/../../../policy/reload" "${OFF[@]}" --path-as-is \
	-H "Content-Type: $J" --data '{"status":"resolved","note":"traversal"}'
hcase "POST /v1/anomalies/../policy/reload" 404 0 0 POST "/v1/anomalies/../policy/reload" "${OFF[@]}" \
	--path-as-is -H "Content-Type: $J" --data '{"status":"resolved","note":"traversal"}'
is "$(db "SELECT count(*) FROM anomaly_history")" 0 "no triage was recorded by the traversals"
# ids: canonical decimal only; out of range and negative ones are 404.
p "anomaly id $AN (the real one)" 200 "/v1/anomalies/$AN"
for id in 0 -1 "-$AN" "+$AN" "%20$AN" "0$AN" "$AN.0" "${AN}e0" "0x$AN" "$AN%20" 99999999999999999999999999 \
	"$(head -c 5000 /dev/zero | tr '\0' 9)"; do
	p "anomaly id '${id:0:40}'" 404 "/v1/anomalies/$id"
done
printf 'GET /v1/anomalies/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' \
	"$(head -c 300000 /dev/zero | tr '\0' 1)" "$OFFICER" >"$T/longurl.http"
hcase -m "an id of 300,000 digits (URL over the request memory): 414 from libmicrohttpd" 414 0 0 RAW "$T/longurl.http"
# ... and in URL parameters.
q "events?host=../../etc/passwd matches nothing" 200 "/v1/events?host=..%2F..%2Fetc%2Fpasswd" 0 events
q "events?user=../../../ matches nothing" 200 "/v1/events?user=../../../" 0 events
q "events?kind=../../etc/passwd" 400 "/v1/events?kind=../../etc/passwd"
q "events?since=../../" 400 "/v1/events?since=../../"
q "anomalies?person=../../etc/shadow matches nothing" 200 "/v1/anomalies?person=../../etc/shadow" 0 anomalies
q "anomalies?status=../" 400 "/v1/anomalies?status=../"
q "quarantine?limit=../1" 400 "/v1/quarantine?limit=../1"

hostile_finish
