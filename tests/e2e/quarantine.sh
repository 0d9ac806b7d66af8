#!/bin/bash
# quarantine: an event that fails validation is never dropped silently and
# never stored as an event: it goes to quarantine with its raw text and a
# reason that names what is wrong (the field, the line), the response counts
# it, GET /v1/quarantine shows it, and the valid events of the same batch
# are stored as usual.
. "$(dirname "$0")/lib.sh"

col_init
AGENT=$(mint_agent ws-0001)
OFFICER=$(mint_officer "E2E Officer")
AID=$(agent_id "$AGENT")
col_start || bail "collector starts and answers /healthz"

T0='"time":"2026-11-20T10:00:00.000Z"'
QTOTAL=0      # quarantined items so far, as the responses report them

# One valid event first, so that high_seq is defined in every reply.
post_text "$AGENT" "[{\"seq\":1,$T0,\"kind\":\"exec\",\"exe\":\"/bin/true\"}]" >/dev/null
is "$(counts "$RESP")" "1 0 0 1" "a valid event is accepted"

# qcase DESCRIPTION CONTENT-TYPE BODY REASON-REGEX [RAW-REGEX]
#   posts BODY, which holds exactly one bad item; expects 200 with
#   quarantined 1 and accepted 0, and the newest quarantine entry to carry a
#   reason matching REASON-REGEX and raw text matching RAW-REGEX.
qcase() {
	local desc=$1 ct=$2 body=$3 re=$4 rawre=${5:-} code reason raw
	code=$(post_text "$AGENT" "$body" "$ct")
	is "$code $(jget "$RESP" '$.accepted') $(jget "$RESP" '$.quarantined')" "200 0 1" \
		"$desc: 200, accepted 0, quarantined 1"
	QTOTAL=$((QTOTAL + 1))
	get "$OFFICER" "/v1/quarantine?limit=1" >/dev/null
	reason=$(jget "$RESP" '$.quarantined[0].reason')
	like "$reason" "$re" "$desc: reason \"$(printf '%s' "$reason" | head -c 120)\""
	if [ -n "$rawre" ]; then
		raw=$(jget "$RESP" '$.quarantined[0].raw')
		[ -z "$raw" ] && raw="hex:$(jget "$RESP" '$.quarantined[0].raw_hex')"
		like "$raw" "$rawre" "$desc: raw text kept"
	fi
}

J=application/json
N=application/x-ndjson

# -- required fields ---------------------------------------------------------------
qcase "missing seq" $J "[{$T0,\"kind\":\"exec\",\"exe\":\"/q/01\"}]" "'seq'.*required" '/q/01'
qcase "missing time" $J '[{"seq":2,"kind":"exec","exe":"/q/02"}]' "'time'.*required" '/q/02'
qcase "missing kind" $J "[{\"seq\":3,$T0,\"exe\":\"/q/03\"}]" "'kind'.*required" '/q/03'

# -- wrong types ----------------------------------------------------------------------
qcase "seq as a string" $J "[{\"seq\":\"4\",$T0,\"kind\":\"exec\",\"exe\":\"/q/04\"}]" "'seq'.*integer" '/q/04'
qcase "seq as a fraction" $J "[{\"seq\":4.5,$T0,\"kind\":\"exec\",\"exe\":\"/q/05\"}]" "'seq'" '/q/05'
qcase "time as a number" $J '[{"seq":6,"time":1763632800000,"kind":"exec","exe":"/q/06"}]' "'time'.*string" '/q/06'
qcase "kind as a number" $J "[{\"seq\":7,$T0,\"kind\":5,\"exe\":\"/q/07\"}]" "'kind'" '/q/07'
qcase "uid as a string" $J "[{\"seq\":8,$T0,\"kind\":\"exec\",\"uid\":\"root\",\"exe\":\"/q/08\"}]" "'uid'" '/q/08'
qcase "user as an array" $J "[{\"seq\":9,$T0,\"kind\":\"exec\",\"user\":[\"a\"],\"exe\":\"/q/09\"}]" "'user'" '/q/09'
qcase "detail not an object" $J "[{\"seq\":10,$T0,\"kind\":\"agent\",\"detail\":\"/q/10\"}]" "'detail'" '/q/10'

# -- bad values ---------------------------------------------------------------------------
qcase "time without milliseconds" $J '[{"seq":11,"time":"2026-11-20T10:00:00Z","kind":"exec","exe":"/q/11"}]' \
	"'time'.*RFC 3339" '/q/11'
qcase "time with a zone offset" $J '[{"seq":12,"time":"2026-11-20T10:00:00.000+01:00","kind":"exec","exe":"/q/12"}]' \
	"'time'" '/q/12'
qcase "time on February 30" $J '[{"seq":13,"time":"2026-02-30T10:00:00.000Z","kind":"exec","exe":"/q/13"}]' \
	"'time'" '/q/13'
qcase "time in words" $J '[{"seq":14,"time":"yesterday","kind":"exec","exe":"/q/14"}]' "'time'.*yesterday" '/q/14'
qcase "unknown kind" $J "[{\"seq\":15,$T0,\"kind\":\"teleport\",\"exe\":\"/q/15\"}]" "'kind'.*teleport" '/q/15'
qcase "unknown field" $J "[{\"seq\":16,$T0,\"kind\":\"exec\",\"colour\":\"blue\",\"exe\":\"/q/16\"}]" \
	"colour.*schema|schema.*colour" '/q/16'
qcase "negative seq" $J "[{\"seq\":-5,$T0,\"kind\":\"exec\",\"exe\":\"/q/17\"}]" "'seq'.*(range|negative)" '/q/17'
qcase "uid above 2^32-1" $J "[{\"seq\":18,$T0,\"kind\":\"exec\",\"uid\":4294967296,\"exe\":\"/q/18\"}]" "'uid'.*range" '/q/18'
qcase "unknown op" $J "[{\"seq\":19,$T0,\"kind\":\"file_access\",\"op\":\"delete\",\"path\":\"/q/19\"}]" "'op'.*delete" '/q/19'
qcase "unknown result" $J "[{\"seq\":20,$T0,\"kind\":\"auth_failure\",\"result\":\"maybe\",\"exe\":\"/q/20\"}]" "'result'" '/q/20'
qcase "malformed audit_id" $J "[{\"seq\":21,$T0,\"kind\":\"exec\",\"audit_id\":\"abc\",\"exe\":\"/q/21\"}]" "'audit_id'" '/q/21'
qcase "empty host" $J "[{\"seq\":22,$T0,\"kind\":\"exec\",\"host\":\"\",\"exe\":\"/q/22\"}]" "'host'" '/q/22'
qcase "control character in host" $J "[{\"seq\":23,$T0,\"kind\":\"exec\",\"host\":\"ws\\u0001x\",\"exe\":\"/q/23\"}]" \
	"'host'.*control" '/q/23'
qcase "newline in user" $J "[{\"seq\":24,$T0,\"kind\":\"exec\",\"user\":\"al\\nice\",\"exe\":\"/q/24\"}]" \
	"'user'.*control" '/q/24'
HUGE=$(head -c 2000 /dev/zero | tr '\0' 'u')
qcase "user of 2000 bytes" $J "[{\"seq\":25,$T0,\"kind\":\"exec\",\"user\":\"$HUGE\",\"exe\":\"/q/25\"}]" \
	"'user'.*longer" '/q/25'
HUGEP=/$(head -c 5000 /dev/zero | tr '\0' 'p')
qcase "path of 5001 bytes" $J "[{\"seq\":26,$T0,\"kind\":\"file_access\",\"path\":\"$HUGEP\",\"exe\":\"/q/26\"}]" \
	"'path'.*longer" '/q/26'
HUGEH=$(head -c 300 /dev/zero | tr '\0' 'h')
qcase "host of 300 bytes" $J "[{\"seq\":27,$T0,\"kind\":\"exec\",\"host\":\"$HUGEH\",\"exe\":\"/q/27\"}]" "'host'" '/q/27'

# -- not an event object ------------------------------------------------------------------
qcase "a number as array element" $J '[42]' "object" '^42$'
qcase "a string as array element" $J '["/q/29"]' "object" '/q/29'
qcase "null as array element" $J '[null]' "object" 'null'
qcase "an array as array element" $J '[[1,2]]' "object" '\[1,2\]'
qcase "a bare number as the body" $J '17' "object|expected" '17'

# -- bodies that are not valid JSON ---------------------------------------------------------
qcase "invalid JSON on line 2 of NDJSON (line 1 blank)" $N "
{\"seq\":31, this is not json /q/31}" "line 2.*invalid JSON" '/q/31'
qcase "duplicate keys (NDJSON)" $N "{\"seq\":32,\"seq\":33,$T0,\"kind\":\"exec\",\"exe\":\"/q/32\"}" "duplicate" '/q/32'
qcase "duplicate keys (JSON array)" $J "[{\"seq\":34,$T0,\"kind\":\"exec\",\"kind\":\"agent\",\"exe\":\"/q/34\"}]" \
	"duplicate" '/q/34'
qcase "invalid UTF-8 in a string (NDJSON)" $N $'{"seq":35,"time":"2026-11-20T10:00:00.000Z","kind":"exec","user":"\xff\xfe","exe":"/q/35"}' \
	"UTF-8|utf-8|decode|byte" '(/q/35|hex:.*fffe)'
qcase "NUL escape in a string" $N "{\"seq\":36,$T0,\"kind\":\"exec\",\"user\":\"a\\u0000b\",\"exe\":\"/q/36\"}" \
	"0000|NUL" '/q/36'
qcase "seq beyond 64 bits" $N "{\"seq\":99999999999999999999,$T0,\"kind\":\"exec\",\"exe\":\"/q/37\"}" \
	"integer|big|range" '/q/37'
qcase "truncated JSON array body" $J "[{\"seq\":38,$T0,\"kind\":\"exec\",\"exe\":\"/q/38\"},{\"seq\":39" \
	"invalid JSON" '/q/38'
code=$(get "$OFFICER" "/v1/quarantine?limit=1")
is "$(jget "$RESP" '$.quarantined[0].raw')" "[{\"seq\":38,$T0,\"kind\":\"exec\",\"exe\":\"/q/38\"},{\"seq\":39" \
	"an unparseable body is kept byte for byte"

# -- valid and invalid in one batch ------------------------------------------------------------
printf '[{"seq":100,%s,"kind":"exec","exe":"/ok/100"},
 {"seq":101,"kind":"exec","exe":"/bad/101"},
 {"seq":102,%s,"kind":"exec","exe":"/ok/102"},
 42,
 {"seq":103,%s,"kind":"exec","exe":"/ok/103","bogus":1}]' "$T0" "$T0" "$T0" >"$T/mixed.json"
code=$(post_events "$AGENT" "$T/mixed.json")
is "$code $(counts "$RESP")" "200 2 0 3 102" "mixed JSON array: accepted 2, quarantined 3"
QTOTAL=$((QTOTAL + 3))
get "$OFFICER" "/v1/quarantine?limit=3" >/dev/null
is "$(jsql "$RESP" "SELECT group_concat(substr(json_extract(value,'\$.reason'),1,7),'|') FROM d, json_each(d.j,'\$.quarantined')")" \
	"event 4|event 3|event 1" "reasons give each bad element's index in the batch (newest first)"
is "$(db "SELECT group_concat(seq) FROM (SELECT seq FROM events WHERE seq BETWEEN 100 AND 103 ORDER BY seq)")" "100,102" \
	"the valid elements 100 and 102 are stored"

{
	printf '{"seq":110,%s,"kind":"exec","exe":"/ok/110"}\n' "$T0"
	printf 'garbage /bad/111\n'
	printf '{"seq":112,%s,"kind":"exec","exe":"/ok/112"}\n' "$T0"
	printf '{"seq":-113,%s,"kind":"exec","exe":"/bad/113"}\n' "$T0"
} >"$T/mixed.ndjson"
code=$(post_events "$AGENT" "$T/mixed.ndjson" $N)
is "$code $(counts "$RESP")" "200 2 0 2 112" "mixed NDJSON: accepted 2, quarantined 2"
QTOTAL=$((QTOTAL + 2))
is "$(db "SELECT group_concat(seq) FROM (SELECT seq FROM events WHERE seq BETWEEN 110 AND 113 ORDER BY seq)")" "110,112" \
	"the valid lines 110 and 112 are stored"

# The raw text of a quarantined element is what the agent sent: the
# collector's default for a missing host must not show up in it.
post_text "$AGENT" '[{"seq":120,"kind":"exec","exe":"/q/120"}]' >/dev/null
QTOTAL=$((QTOTAL + 1))
get "$OFFICER" "/v1/quarantine?limit=1" >/dev/null
unlike "$(jget "$RESP" '$.quarantined[0].raw')" '"host"' "quarantined raw text has no host the agent did not send"

post_text "$AGENT" '[]' >/dev/null
is "$(counts "$RESP")" "0 0 0 112" "an empty array is accepted with zero counts"

# -- GET /v1/quarantine --------------------------------------------------------------------
code=$(get "$OFFICER" "/v1/quarantine?limit=10000")
is "$code" 200 "GET /v1/quarantine: 200"
is "$(jsql "$RESP" "SELECT json_array_length(j,'\$.quarantined') FROM d")" "$QTOTAL" \
	"it lists every quarantined item ($QTOTAL)"
is "$(jsql "$RESP" "SELECT count(*) FROM d, json_each(d.j,'\$.quarantined')
	WHERE json_type(value,'\$.id')='integer' AND json_extract(value,'\$.agent')=$AID
	AND json_extract(value,'\$.received') GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z'
	AND json_type(value,'\$.reason')='text'
	AND (json_type(value,'\$.raw')='text' OR json_type(value,'\$.raw_hex')='text')")" "$QTOTAL" \
	"each item has id, agent, received (RFC 3339 ms), reason and raw"
is "$(jsql "$RESP" "SELECT count(*) FROM d, json_each(d.j,'\$.quarantined') WHERE json_extract(value,'\$.raw_hex') LIKE '%fffe%'")" 1 \
	"raw bytes that are not UTF-8 are shown in hex"
is "$(db 'SELECT count(*) FROM quarantine')" "$QTOTAL" "the database holds $QTOTAL quarantine rows"
is "$(metric vigil_events_quarantined_total)" "$QTOTAL" "vigil_events_quarantined_total is $QTOTAL"
# Stored events: seq 1, 100, 102, 110, 112.
is "$(db "SELECT group_concat(seq) FROM (SELECT seq FROM events ORDER BY seq)")" "1,100,102,110,112" \
	"no quarantined item was stored as an event"
code=$(get "$OFFICER" "/v1/events?limit=10000")
is "$(jsql "$RESP" "SELECT json_array_length(j,'\$.events') FROM d")" 5 "GET /v1/events lists only the 5 valid events"
code=$(get "$OFFICER" "/v1/quarantine?limit=0")
is "$code" 400 "GET /v1/quarantine?limit=0: 400"

col_stop_and_check
done_testing
