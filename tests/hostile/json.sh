#!/bin/bash
# hostile/json: event bodies that are not what the schema says. Malformed
# and truncated JSON, a wrong type in every field, numbers past every range,
# nesting 100,000 levels deep, invalid UTF-8 of every kind, NUL bytes in
# strings and in the body. Each is quarantined with its raw bytes (or, for a
# body that never parses, kept whole as one item), never stored as an
# event, and the collector keeps serving; what is valid around it is stored.
# The checks of every case are described in tests/hostile/lib.sh.
. "$(dirname "$0")/lib.sh"

hstart
T0='"time":"2026-11-20T10:00:00.000Z"'
EV="\"seq\":1,$T0,\"kind\":\"exec\""      # a valid event's required members

# rep N TEXT: TEXT N times (TEXT holds no sed specials: & / \).
rep() {
	head -c "$1" /dev/zero | tr '\0' '@' | sed "s/@/$2/g"
}

# -- malformed and truncated JSON -------------------------------------------------------
hline -r 'line 1: invalid JSON' "NDJSON: a lone '{'" '{'
hline -r 'invalid JSON' "NDJSON: truncated inside a string" "{\"seq\":1,\"time\":\"2026-11-2"
hline -r 'invalid JSON' "NDJSON: truncated after a member" "{$EV,"
hline -r 'invalid JSON' "NDJSON: trailing comma" "{$EV,}"
hline -r 'invalid JSON' "NDJSON: single-quoted names" "{'seq':1,'time':'2026-11-20T10:00:00.000Z','kind':'exec'}"
hline -r 'invalid JSON' "NDJSON: two objects on one line" "{$EV}{$EV}"
hline -r 'invalid JSON' "NDJSON: a comment" "{$EV /* hi */}"
hline -r 'invalid JSON' "NDJSON: NaN" "{$EV,\"detail\":{\"x\":NaN}}"
hline -r 'invalid JSON' "NDJSON: byte-order mark before the object" $'\xef\xbb\xbf'"{$EV}"
hline -r "'seq'" "NDJSON: an empty object" '{}'
hline -r 'object' "NDJSON: a bare string" '"{}"'
printf '[{%s},{"seq":2,"ti' "$EV" >"$T/trunc.json"
hpost -k "raw:$T/trunc.json" -r 'body: invalid JSON' "JSON: array truncated in the second element" 200 0 1 "$T/trunc.json"
printf '[' >"$T/open.json"
hpost -k "raw:$T/open.json" -r 'body: invalid JSON' "JSON: a lone '['" 200 0 1 "$T/open.json"
: >"$T/empty.json"
hpost -k "raw:$T/empty.json" -r 'body: invalid JSON' "JSON: an empty body is kept as one empty item" 200 0 1 "$T/empty.json"
hpost "NDJSON: an empty body is nothing at all" 200 0 0 "$T/empty.json" "$N"
printf '[{%s}] [' "$EV" >"$T/trailing.json"
hpost -k "raw:$T/trailing.json" -r 'body: invalid JSON' "JSON: data after the array" 200 0 1 "$T/trailing.json"
printf 'null' >"$T/null.json"
hpost -k "has:null" -r 'object' "JSON: null as the body" 200 0 1 "$T/null.json"

# -- a wrong type in every field (NDJSON, raw kept) ----------------------------------
# wrongtype FIELD VALUE: an event whose FIELD holds VALUE.
wrongtype() {
	case $1 in
	seq) printf '{"seq":%s,%s,"kind":"exec"}' "$2" "$T0" ;;
	time) printf '{"seq":1,"time":%s,"kind":"exec"}' "$2" ;;
	kind) printf '{"seq":1,%s,"kind":%s}' "$T0" "$2" ;;
	*) printf '{%s,"%s":%s}' "$EV" "$1" "$2" ;;
	esac
}
while read -r field value; do
	hline -r "'$field'" "NDJSON: $field as $value" "$(wrongtype "$field" "$value")"
done <<'EOF'
seq "1"
time 1763632800000
kind 5
host 42
user true
uid "0"
auid 1.5
service []
rhost {}
ruser null
tty 7
path false
op 1
result 0
exe {}
pid "1"
key [1]
audit_id 123
detail "x"
EOF
# The same through the JSON-array path (jansson), the raw element kept.
while read -r field value; do
	printf '[{"seq":9,%s,"kind":"exec","exe":"/h/%s","%s":%s}]' "$T0" "$field" "$field" "$value" >"$T/type.json"
	hpost -k "has:/h/$field" -r "event 0: field '$field'" "JSON: $field as $value" 200 0 1 "$T/type.json"
done <<'EOF'
uid -1
result "SUCCESS"
detail [1,2]
EOF

# -- numbers past every range -----------------------------------------------------
printf '{"seq":9223372036854775807,%s,"kind":"exec"}' "$T0" >"$T/max.ndjson"
hpost "NDJSON: seq 2^63-1, the largest, is accepted" 200 1 0 "$T/max.ndjson" "$N"
hline -r 'integer overflow|invalid JSON' "NDJSON: seq 2^63" "{\"seq\":9223372036854775808,$T0,\"kind\":\"exec\"}"
hline -r 'integer overflow|invalid JSON' "NDJSON: seq -2^63-1" "{\"seq\":-9223372036854775809,$T0,\"kind\":\"exec\"}"
hline -r "'seq'|integer overflow" "NDJSON: seq -2^63" "{\"seq\":-9223372036854775808,$T0,\"kind\":\"exec\"}"
hline -r 'overflow|invalid JSON' "NDJSON: seq 1e400" "{\"seq\":1e400,$T0,\"kind\":\"exec\"}"
hline -r "'seq'" "NDJSON: seq 1.0" "{\"seq\":1.0,$T0,\"kind\":\"exec\"}"
hline -r "'seq'" "NDJSON: seq 1e2" "{\"seq\":1e2,$T0,\"kind\":\"exec\"}"
hline -r "'uid'" "NDJSON: uid 2^32" "{$EV,\"uid\":4294967296}"
hline -r 'overflow|invalid JSON' "NDJSON: pid 10^20" "{$EV,\"pid\":100000000000000000000}"
hline -r 'overflow|invalid JSON' "NDJSON: 1e400 inside detail" "{$EV,\"detail\":{\"x\":1e400}}"
printf '{"seq":-0,%s,"kind":"exec","exe":"/h/minus-zero"}' "$T0" >"$T/mzero.ndjson"
hpost "NDJSON: seq written as minus zero is seq 0" 200 1 0 "$T/mzero.ndjson" "$N"
is "$(db "SELECT count(*) FROM events WHERE agent=$AID AND seq=0 AND json LIKE '%minus-zero%'")" 1 \
	"the minus-zero event is stored as seq 0"
printf '[{"seq":9223372036854775808,%s,"kind":"exec"}]' "$T0" >"$T/big.json"
hpost -k "raw:$T/big.json" -r 'body: invalid JSON' "JSON: seq 2^63 makes the body unreadable" 200 0 1 "$T/big.json"

# -- nesting ---------------------------------------------------------------------------------
# detail may nest VG_EVENT_MAX_DEPTH (32) levels, detail itself included.
deep() {   # deep SEQ LEVELS: an event whose detail nests LEVELS objects
	printf '{"seq":%d,%s,"kind":"exec","detail":%s1%s}' "$1" "$T0" "$(rep "$2" '{"a":')" "$(rep "$2" '}')"
}
deep 100 32 >"$T/d32.ndjson"
hpost "NDJSON: detail 32 levels deep is accepted" 200 1 0 "$T/d32.ndjson" "$N"
hline -r 'nested deeper than 32' "NDJSON: detail 33 levels deep" "$(deep 101 33)"
printf '[%s]' "$(deep 102 32)" >"$T/d32.json"
hpost "JSON: detail 32 levels deep is accepted" 200 1 0 "$T/d32.json"
printf '[%s]' "$(deep 103 33)" >"$T/d33.json"
hpost -r 'nested deeper than 32' "JSON: detail 33 levels deep" 200 0 1 "$T/d33.json"
deep 104 100000 >"$T/d100k.ndjson"
hpost -k "raw:$T/d100k.ndjson" -r 'nested deeper' "NDJSON: detail 100,000 levels deep" 200 0 1 "$T/d100k.ndjson" "$N"
printf '%s%s' "$(rep 100000 '[')" "$(rep 100000 ']')" >"$T/a100k.json"
hpost -k "raw:$T/a100k.json" -r 'body: invalid JSON' "JSON: 100,000 nested arrays as the body" 200 0 1 "$T/a100k.json"
hpost -k "raw:$T/a100k.json" -r 'object' "NDJSON: 100,000 nested arrays as a line" 200 0 1 "$T/a100k.json" "$N"
printf '{"seq":105,%s,"kind":"exec","detail":%s' "$T0" "$(rep 100000 '{"a":')" >"$T/open100k.ndjson"
hpost -k "raw:$T/open100k.ndjson" -r 'invalid JSON|nested deeper' "NDJSON: 100,000 unclosed objects" 200 0 1 "$T/open100k.ndjson" "$N"

# -- invalid UTF-8 (yajl lets several of these through; jansson, which reads
#    stored events back, does not) ---------------------------------------------------------------
hline -r "UTF-8" "NDJSON: overlong '/' (C0 AF) in user" $'{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"exec","user":"\xc0\xaf"}'
hline -r "UTF-8" "NDJSON: overlong three-byte form (E0 80 AF) in path" $'{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"exec","path":"/\xe0\x80\xaf"}'
hline -r "UTF-8" "NDJSON: an encoded surrogate (ED A0 80) in detail" $'{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"exec","detail":{"x":"\xed\xa0\x80"}}'
hline -r "UTF-?8" "NDJSON: a sequence cut short (E2 82) in user" $'{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"exec","user":"a\xe2\x82"}'
hline -r "UTF-8|invalid JSON" "NDJSON: F5 80 80 80 (beyond U+10FFFF) in exe" $'{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"exec","exe":"\xf5\x80\x80\x80"}'
hline -r "UTF-8|invalid JSON" "NDJSON: an FF byte in a detail member name" $'{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"exec","detail":{"\xff":1}}'
hline -r "UTF-8|invalid JSON" "NDJSON: a lone low surrogate escape" "{$EV,\"detail\":{\"x\":\"\\udc00\"}}"
hline -r "invalid JSON" "NDJSON: a lone high surrogate escape in user" "{$EV,\"user\":\"\\ud800\"}"
hline -r "invalid JSON" "NDJSON: a high surrogate escape before a non-surrogate" "{$EV,\"user\":\"\\ud800\\u0041\"}"
printf $'[{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"exec","user":"\xc0\xaf"}]' >"$T/utf8.json"
hpost -k "raw:$T/utf8.json" -r 'body: invalid JSON' "JSON: overlong UTF-8 makes the body unreadable" 200 0 1 "$T/utf8.json"
printf '{"seq":200,%s,"kind":"exec","user":"\\ud83d\\ude00","exe":"/h/\xf0\x9f\x98\x80"}' "$T0" >"$T/emoji.ndjson"
hpost "NDJSON: a surrogate pair escape and a raw four-byte character are accepted" 200 1 0 "$T/emoji.ndjson" "$N"
get "$OFFICER" "/v1/events?user=%F0%9F%98%80" >/dev/null
is "$(jget "$RESP" '$.events[0].exe')" "/h/"$'\xf0\x9f\x98\x80' "and are served back verbatim"

# -- NUL --------------------------------------------------------------------------------------------
hline -r "'user'.*NUL" "NDJSON: \\u0000 in user" "{$EV,\"user\":\"a\\u0000b\"}"
hline -r "'detail'.*NUL" "NDJSON: \\u0000 in a detail string" "{$EV,\"detail\":{\"x\":\"a\\u0000\"}}"
hline -r "'detail'.*NUL" "NDJSON: \\u0000 in a detail member name" "{$EV,\"detail\":{\"a\\u0000\":1}}"
hline -r 'invalid JSON' "NDJSON: a raw NUL byte inside a string" $'{"seq":1,"time":"2026-11-20T10:00:00.000Z","kind":"exec","user":"a\x00b"}'
{
	printf '{"seq":300,%s,"kind":"exec"}\n' "$T0"
	printf '\0\n'
	printf '{"seq":301,%s,"kind":"exec"}\n' "$T0"
} >"$T/nulline.ndjson"
printf '\0' >"$T/nul.byte"
hpost -k "raw:$T/nul.byte" -r 'line 2: invalid JSON' "NDJSON: a line holding one NUL byte between two valid lines" \
	200 2 1 "$T/nulline.ndjson" "$N"
printf '[{%s}]\0' "$EV" >"$T/nulafter.json"
hpost -k "raw:$T/nulafter.json" -r 'body: invalid JSON' "JSON: a NUL byte after the array" 200 0 1 "$T/nulafter.json"
printf '[{"seq":1,%s,"kind":"exec","user":"a\\u0000b"}]' "$T0" >"$T/nulesc.json"
hpost -k "raw:$T/nulesc.json" -r 'body: invalid JSON' "JSON: \\u0000 in an element" 200 0 1 "$T/nulesc.json"

# -- bad and good in one body: only the bad line is quarantined ------------------------------------
{
	printf '{"seq":400,%s,"kind":"exec"}\n' "$T0"
	printf '%s\n' "$(deep 401 100000)"
	printf '{"seq":402,%s,"kind":"exec","user":"\xc0\xaf"}\n' "$T0"
	printf '{"seq":403,%s,"kind":"exec","detail":{"x":"\\udc00"}}\n' "$T0"
	printf '{"seq":404,%s,"kind":"exec"}\n' "$T0"
} >"$T/mixed.ndjson"
hpost "NDJSON: three hostile lines between two valid ones" 200 2 3 "$T/mixed.ndjson" "$N"
is "$(db "SELECT group_concat(seq) FROM (SELECT seq FROM events WHERE seq BETWEEN 400 AND 404 ORDER BY seq)")" "400,404" \
	"only the valid lines 400 and 404 are stored"

hostile_finish
