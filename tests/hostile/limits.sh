#!/bin/bash
# hostile/limits: requests built to cost the collector memory, time or
# connections. Fields one byte over their limit, bodies one byte over
# max_body (announced or streamed), gzip bombs and broken gzip, a batch of
# 5,000 bad lines, clients that send one byte per second, connections
# that go idle, hundreds of connections at once and more than the
# connection limit. Every refusal is the documented status, nothing is
# stored in part, and the collector keeps serving everyone else.
# The checks of every case are described in tests/hostile/lib.sh.
. "$(dirname "$0")/lib.sh"

MAX_BODY=1048576
CONF_EXTRA='connection_timeout = 2;'
hstart
T0='"time":"2026-11-20T10:00:00.000Z"'

# str N CHAR: CHAR N times.
str() { head -c "$1" /dev/zero | tr '\0' "$2"; }

# -- fields at and over their limits (NDJSON; raw kept) --------------------------
# field limit
fseq=1000
while read -r field limit; do
	fseq=$((fseq + 1))
	lead=
	[ "$field" = path ] || [ "$field" = exe ] && lead=/
	v=$lead$(str $((limit - ${#lead})) x)
	printf '{"seq":%d,%s,"kind":"exec","%s":"%s"}' "$fseq" "$T0" "$field" "$v" >"$T/at.ndjson"
	hpost "NDJSON: $field of $limit bytes (the limit) is accepted" 200 1 0 "$T/at.ndjson" "$N"
	hline -r "'$field'" "NDJSON: $field of $((limit + 1)) bytes" \
		"$(printf '{"seq":1,%s,"kind":"exec","%s":"%sx"}' "$T0" "$field" "$v")"
done <<'EOF'
host 255
user 1024
service 1024
key 1024
path 4096
exe 4096
EOF
EURO=$(for i in $(seq 1 342); do printf '\xe2\x82\xac'; done)
hline -r "'user'.*longer" "NDJSON: user of 342 three-byte characters (1026 bytes)" \
	"{\"seq\":1,$T0,\"kind\":\"exec\",\"user\":\"$EURO\"}"
# A bad value is quoted in the reason, cut at 60 bytes: never inside a
# character, or the reason could not be served as JSON.
hline -r "'time'" "NDJSON: a time of 30 three-byte characters" "{\"seq\":1,\"time\":\"${EURO:0:90}\",\"kind\":\"exec\"}"
get "$OFFICER" "/v1/quarantine?limit=1" >/dev/null
like "$(jget "$RESP" '$.quarantined[0].reason')" "^line 1: field 'time'.*\\.\\.\\.\"\$" \
	"its reason is served, with the value cut at a character boundary"
printf '{"seq":2000,%s,"kind":"agent","detail":{"blob":"%s"}}' "$T0" "$(str 1000000 d)" >"$T/bigdetail.ndjson"
hpost "NDJSON: a detail of 1,000,000 bytes within max_body is accepted" 200 1 0 "$T/bigdetail.ndjson" "$N"

# -- bodies over max_body -----------------------------------------------------------------
# padded SIZE SEQ: a JSON array holding one event, padded to SIZE bytes.
padded() {
	local ev="[$(hb "$1")]"
	printf '%s' "$ev"
	str $(($2 - ${#ev})) ' '
}
padded 3000 $MAX_BODY >"$T/at-limit.json"
hpost "JSON: a body of exactly max_body bytes is accepted" 200 1 0 "$T/at-limit.json"
padded 3001 $((MAX_BODY + 1)) >"$T/over.json"
hpost "JSON: max_body + 1 bytes with Content-Length" 413 0 0 "$T/over.json"
hpost "JSON: max_body + 1 bytes chunked" 413 0 0 "$T/over.json" "$J" -H "Transfer-Encoding: chunked"
hb_ndjson 3100 20000 >"$T/many.ndjson"
check "fixture: 16,901 valid lines are over max_body" test "$(stat -c %s "$T/many.ndjson")" -gt $MAX_BODY
hpost "NDJSON: 16,901 valid events over max_body are refused whole" 413 0 0 "$T/many.ndjson" "$N"
printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999999\r\nConnection: close\r\n\r\n[]' \
	"$AGENT" >"$T/cl.http"
hcase -m "a Content-Length of 10^23 is refused from the headers" 413 0 0 RAW "$T/cl.http"
printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nffffffffffffffff\r\n[]\r\n0\r\n\r\n' \
	"$AGENT" >"$T/chunk.http"
hcase -m "a chunk announcing 2^64-1 bytes: the connection is closed" 000 0 0 RAW "$T/chunk.http"
# A body length announced twice or both ways could be read differently by
# a proxy in front (request smuggling): refused before the body is read.
body=$(hb_array 3200 3201)
printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nContent-Length: 5\r\nConnection: close\r\n\r\n%s' \
	"$AGENT" "${#body}" "$body" >"$T/twocl.http"
hcase "two different Content-Length headers" 400 0 0 RAW "$T/twocl.http"
printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n%x\r\n%s\r\n0\r\n\r\n' \
	"$AGENT" "${#body}" "${#body}" "$body" >"$T/clte.http"
hcase "Content-Length and Transfer-Encoding: chunked together" 400 0 0 RAW "$T/clte.http"
# 5,000 lines that are not JSON: every one is quarantined, exactly.
str 5000 x | sed 's/x/x\n/g' >"$T/20k.ndjson"
hpost "NDJSON: 5,000 garbage lines are 5,000 quarantine rows" 200 0 5000 "$T/20k.ndjson" "$N"

# -- gzip ---------------------------------------------------------------------------------------
head -c 100000000 /dev/zero | gzip -1 -c >"$T/zeros.gz"
check "fixture: the 100 MB bomb is below max_body compressed" test "$(stat -c %s "$T/zeros.gz")" -lt $MAX_BODY
hpost "gzip bomb: 100 MB of zeros" 413 0 0 "$T/zeros.gz" "$J" -H "Content-Encoding: gzip"
head -c 100000000 /dev/zero | tr '\0' '[' | gzip -1 -c >"$T/brackets.gz"
hpost "gzip bomb: 100 MB of '['" 413 0 0 "$T/brackets.gz" "$N" -H "Content-Encoding: gzip"
hb_ndjson 1 30000 | gzip -c >"$T/valid-over.gz"
check "fixture: 30,000 gzipped events are within max_body compressed" test "$(stat -c %s "$T/valid-over.gz")" -lt $MAX_BODY
hpost "gzip: valid events inflating past max_body store nothing" 413 0 0 "$T/valid-over.gz" "$N" -H "Content-Encoding: gzip"
hb_ndjson 40000 40099 | gzip -c >"$T/good.gz"
head -c $(($(stat -c %s "$T/good.gz") - 20)) "$T/good.gz" >"$T/trunc.gz"
hpost "gzip: truncated" 400 0 0 "$T/trunc.gz" "$N" -H "Content-Encoding: gzip"
cp "$T/good.gz" "$T/crc.gz"
printf '\xde\xad\xbe\xef' | dd of="$T/crc.gz" bs=1 seek=$(($(stat -c %s "$T/good.gz") - 8)) conv=notrunc status=none
hpost "gzip: wrong CRC" 400 0 0 "$T/crc.gz" "$N" -H "Content-Encoding: gzip"
head -c 10 "$T/good.gz" >"$T/header.gz"
hpost "gzip: a header alone" 400 0 0 "$T/header.gz" "$N" -H "Content-Encoding: gzip"
{ cat "$T/good.gz"; printf 'garbage after the member'; } >"$T/tail.gz"
hpost "gzip: garbage after a complete member" 400 0 0 "$T/tail.gz" "$N" -H "Content-Encoding: gzip"
hb_array 50000 50001 >"$T/plain.json"
hpost "gzip announced, plain JSON sent" 400 0 0 "$T/plain.json" "$J" -H "Content-Encoding: gzip"
gzip -c "$T/good.gz" >"$T/double.gz"
hpost -k "raw:$T/good.gz" "gzip of gzip: the inner gzip bytes are one quarantined item" 200 0 1 "$T/double.gz" "$J" \
	-H "Content-Encoding: gzip"
printf '' | gzip -c >"$T/nothing.gz"
hpost "gzip of nothing as NDJSON: nothing" 200 0 0 "$T/nothing.gz" "$N" -H "Content-Encoding: gzip"
hpost "gzip of the intact batch after all that: accepted" 200 100 0 "$T/good.gz" "$N" -H "Content-Encoding: gzip"

# -- slow drip ----------------------------------------------------------------------------------
# drip_post SEQ: a POST of event SEQ whose first 8 bytes go one per second,
# the rest at once; its status code lands in $T/drip.SEQ.
drip_post() {
	local body req
	body=$(hb "$1")
	req=$(printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/x-ndjson\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
		"$AGENT" "${#body}" "$body")
	(
		trap '' PIPE
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
		for i in 0 1 2 3 4 5 6 7; do
			printf '%s' "${req:i:1}" >&3
			sleep 1
		done
		printf '%s' "${req:8}" >&3
		timeout 20 head -n 1 <&3 | awk '{ print $2 }' >"$T/drip.$1"
	)
}
hbegin
DRIPS=()
for s in 60001 60002 60003 60004 60005 60006; do   # more drippers than worker threads
	drip_post "$s" &
	DRIPS+=($!)
	BG_PIDS+=($!)
done
sleep 1
why=()
for i in $(seq 1 10); do
	hb_array $((61000 + i * 10)) $((61000 + i * 10 + 4)) >"$T/fast.json"
	code=$(curl -sS -m 10 -o "$T/fast.resp" -w '%{http_code}' -H "Authorization: Bearer $AGENT" \
		-H "Content-Type: application/json" --data-binary "@$T/fast.json" "$BASE/v1/events" 2>>"$T/curl.err")
	[ "$code" = 200 ] || why+=("fast post $i while the drips run: HTTP $code")
done
for pid in "${DRIPS[@]}"; do wait "$pid"; done
for s in 60001 60002 60003 60004 60005 60006; do
	[ "$(cat "$T/drip.$s" 2>/dev/null)" = 200 ] || why+=("drip $s: HTTP '$(cat "$T/drip.$s" 2>/dev/null)'")
done
hverdict "six clients sending one byte per second: 10 other batches served meanwhile, and the drips too" \
	"$EV0" "$Q0" 56 0 "${why[@]}"

# An idle connection (half a request, then nothing) is closed after
# connection_timeout (2 s here); 20 s is the bound of the wait, not a
# measurement.
hbegin
why=()
(
	trap '' PIPE
	exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
	printf 'POST /v1/events HTTP/1.1\r\nHost: x\r\n' >&3
	if timeout 20 cat <&3 >/dev/null; then echo closed; else echo open; fi >"$T/idle"
)
[ "$(cat "$T/idle")" = closed ] || why+=("the idle connection was still open after 20 s")
hverdict "a connection idle in the middle of its headers is closed by connection_timeout" "$EV0" "$Q0" 0 0 "${why[@]}"

# connection_timeout is range-checked like every setting.
for bad in 0 3601 '"60"'; do
	sed "s/^connection_timeout = .*/connection_timeout = $bad;/" "$CONF" >"$T/bad.conf"
	out=$("$COLLECTOR" -c "$T/bad.conf" -t 2>&1)
	like "$? $out" "^1 .*bad.conf:[0-9]+:.*connection_timeout" "-t refuses connection_timeout = $bad with file:line"
done

# -- many connections -----------------------------------------------------------------------------
# 300 connections opened and left idle while 40 batches are posted in
# parallel: every batch is answered and stored once.
hbegin
why=()
IDLE=()
for i in $(seq 1 300); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" && IDLE+=("$fd")
done
PIDS=()
for i in $(seq 0 39); do
	hb_array $((70000 + i * 10)) $((70000 + i * 10 + 9)) >"$T/par.$i.json"
	curl -sS -m 30 -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $AGENT" \
		-H "Content-Type: application/json" --data-binary "@$T/par.$i.json" "$BASE/v1/events" \
		>"$T/par.$i.code" 2>>"$T/curl.err" &
	PIDS+=($!)
done
for pid in "${PIDS[@]}"; do wait "$pid"; done
for fd in "${IDLE[@]}"; do exec {fd}>&-; done
[ "$(cat "$T"/par.*.code | sort | uniq -c | awk '{ print $2 ":" $1 }')" = "200:40" ] ||
	why+=("answers: $(cat "$T"/par.*.code | sort | uniq -c | tr '\n' ' ')")
hverdict "300 idle connections open, 40 batches posted in parallel: all stored once" "$EV0" "$Q0" 400 0 "${why[@]}"

# More connections than the collector allows at once (1024): the excess is
# turned away, and once connection_timeout has closed the idle ones the
# collector serves again without anyone closing anything.
hbegin
why=()
IDLE=()
for i in $(seq 1 1100); do
	exec {fd}<>"/dev/tcp/127.0.0.1/$PORT" 2>/dev/null && IDLE+=("$fd")
done
diag "opened ${#IDLE[@]} connections"
for i in $(seq 1 50); do
	[ "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] && break
	sleep 0.5
done
hb_array 80000 80009 >"$T/after-flood.json"
code=$(curl -sS -m 30 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $AGENT" \
	-H "Content-Type: application/json" --data-binary "@$T/after-flood.json" "$BASE/v1/events" 2>>"$T/curl.err")
[ "$code" = 200 ] || why+=("a batch after the flood: HTTP $code")
for fd in "${IDLE[@]}"; do exec {fd}>&-; done
hverdict "1,100 idle connections: served again once they time out" "$EV0" "$Q0" 10 0 "${why[@]}"

hostile_finish
