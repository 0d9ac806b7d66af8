#!/bin/bash
# limits: max_body bounds what one request may cost the collector, before
# and after gzip. A body over the limit is 413 whether its size is announced
# (Content-Length) or not (chunked); a gzip bomb is 413 without the
# collector inflating it into memory; a corrupt gzip body is 400. After all
# of it the collector still serves.
. "$(dirname "$0")/lib.sh"

MAX_BODY=65536
col_init
AGENT=$(mint_agent ws-0001)
OFFICER=$(mint_officer "E2E Officer")
col_start || bail "collector starts and answers /healthz"

# padded SIZE SEQ: a valid JSON array holding one event, padded with spaces
# to exactly SIZE bytes.
padded() {
	local ev="[$(hb "$2")]"
	printf '%s' "$ev"
	head -c $(($1 - ${#ev})) /dev/zero | tr '\0' ' '
}
expect_413() {   # expect_413 DESCRIPTION CODE
	is "$2" 413 "$1: 413"
	check "$1: JSON error body" is_json_error "$RESP"
}

# -- raw body size ------------------------------------------------------------------
padded 65536 1 >"$T/at-limit.json"
padded 65537 2 >"$T/over-by-one.json"
padded 300000 3 >"$T/big.json"
check "fixture sizes" test "$(stat -c %s "$T/at-limit.json") $(stat -c %s "$T/over-by-one.json")" = "65536 65537"

code=$(post_events "$AGENT" "$T/at-limit.json")
is "$code $(counts "$RESP")" "200 1 0 0 1" "a body of exactly max_body bytes is accepted"
code=$(post_events "$AGENT" "$T/over-by-one.json")
expect_413 "max_body + 1 bytes with Content-Length" "$code"
code=$(post_events "$AGENT" "$T/big.json")
expect_413 "300000 bytes with Content-Length" "$code"
code=$(post_events "$AGENT" "$T/over-by-one.json" application/json -H "Transfer-Encoding: chunked")
expect_413 "max_body + 1 bytes chunked (no Content-Length)" "$code"
code=$(post_events "$AGENT" "$T/big.json" application/json -H "Transfer-Encoding: chunked")
expect_413 "300000 bytes chunked" "$code"
padded 65536 4 >"$T/at-limit-4.json"
code=$(post_events "$AGENT" "$T/at-limit-4.json" application/json -H "Transfer-Encoding: chunked")
is "$code $(counts "$RESP")" "200 1 0 0 4" "max_body bytes chunked: accepted"
is "$(db 'SELECT group_concat(seq) FROM events')" "1,4" "only the bodies within the limit were stored"

# -- inflated size ----------------------------------------------------------------------
padded 65536 5 | gzip -9 -c >"$T/at-limit.json.gz"
padded 65537 6 | gzip -9 -c >"$T/over-by-one.json.gz"
code=$(post_events "$AGENT" "$T/at-limit.json.gz" application/json -H "Content-Encoding: gzip")
is "$code $(counts "$RESP")" "200 1 0 0 5" "gzip inflating to exactly max_body: accepted"
code=$(post_events "$AGENT" "$T/over-by-one.json.gz" application/json -H "Content-Encoding: gzip")
expect_413 "gzip inflating to max_body + 1" "$code"

# -- corrupt gzip -------------------------------------------------------------------------
hb_array 100 400 | gzip -c >"$T/good.gz"
cp "$T/good.gz" "$T/corrupt.gz"
printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' | dd of="$T/corrupt.gz" bs=1 seek=200 conv=notrunc status=none
head -c $(($(stat -c %s "$T/good.gz") / 2)) "$T/good.gz" >"$T/truncated.gz"
printf 'this is not gzip at all' >"$T/notgzip.gz"
: >"$T/empty.gz"
for f in corrupt truncated notgzip empty; do
	code=$(post_events "$AGENT" "$T/$f.gz" application/json -H "Content-Encoding: gzip")
	is "$code" 400 "$f gzip body: 400"
	check "$f gzip body: JSON error body" is_json_error "$RESP"
done
is "$(db 'SELECT count(*) FROM events WHERE seq >= 100')" 0 "nothing from the corrupt gzip bodies was stored"
code=$(post_events "$AGENT" "$T/good.gz" application/json -H "Content-Encoding: gzip")
is "$code $(counts "$RESP")" "200 301 0 0 400" "the intact gzip body of the same batch: accepted 301"

# Refusals are counted like any other answer, including the 413s sent
# before the body was read.
is "$(metric_wait 'vigil_http_requests_total{code="413"}' 5)" 5 'vigil_http_requests_total{code="413"} is 5'
is "$(metric_wait 'vigil_http_requests_total{code="400"}' 4)" 4 'vigil_http_requests_total{code="400"} is 4'

# A gzip file may hold several members (what `cat a.gz b.gz` or a writer
# that appends to a compressed spool produces; gzip -d reads them all).
# Either every member is read, or the body is refused: accepting the first
# member alone would drop the rest of the batch silently, with a 200.
{ hb_ndjson 600 604 | gzip -c; hb_ndjson 605 609 | gzip -c; } >"$T/two-members.gz"
check "fixture: gzip -d reads both members" test "$(gzip -dc "$T/two-members.gz" | wc -l)" = 10
code=$(post_events "$AGENT" "$T/two-members.gz" application/x-ndjson -H "Content-Encoding: gzip")
stored=$(db 'SELECT count(*) FROM events WHERE seq BETWEEN 600 AND 609')
if { [ "$code" = 200 ] && [ "$(jget "$RESP" '$.accepted')" = 10 ]; } ||
	{ [ "${code#4}" != "$code" ] && [ "$stored" = 0 ]; }; then
	ok "two-member gzip body: all 10 events stored, or the body refused"
else
	not_ok "two-member gzip body: all 10 events stored, or the body refused"
	diag "HTTP $code $(head -c 200 "$RESP"); stored $stored of 10: the second member was dropped silently"
fi

col_stop_and_check

# -- gzip bombs --------------------------------------------------------------------------
# 100 MB of zeros (and of '[', which could never parse) compress to about
# 100 KB. With max_body 1 MiB the compressed body is within the limit and
# the inflated one is 100 times over it: the collector must stop inflating
# at the limit, answer 413, and its peak memory must not grow by anything
# like 100 MB.
MAX_BODY=1048576
col_start collector-bomb || bail "collector restarts with max_body 1 MiB"
head -c 100000000 /dev/zero | gzip -9 -c >"$T/zeros.gz"
head -c 100000000 /dev/zero | tr '\0' '[' | gzip -9 -c >"$T/brackets.gz"
check "the bombs are below max_body when compressed" \
	test "$(stat -c %s "$T/zeros.gz")" -lt $MAX_BODY -a "$(stat -c %s "$T/brackets.gz")" -lt $MAX_BODY
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$COL_PID/status"; }
before=$(hwm)
for i in 1 2 3; do
	code=$(post_events "$AGENT" "$T/zeros.gz" application/json -H "Content-Encoding: gzip")
	[ "$i" = 1 ] && expect_413 "gzip bomb of 100 MB of zeros" "$code"
	code=$(post_events "$AGENT" "$T/brackets.gz" application/x-ndjson -H "Content-Encoding: gzip")
	[ "$i" = 1 ] && expect_413 "gzip bomb of 100 MB of '['" "$code"
done
after=$(hwm)
grown=$(((after - before) / 1024))
# Each bomb may cost about max_body (plus the sanitizer's quarantine of freed
# blocks); inflating one would cost 100 MB.
check "peak RSS grew by less than 50 MB over 6 bombs (grew $grown MB)" test "$grown" -lt 50
code=$(req GET /healthz)
is "$code" 200 "the collector still answers /healthz after the bombs"
hb_array 700 709 | gzip -c >"$T/after.gz"
code=$(post_events "$AGENT" "$T/after.gz" application/json -H "Content-Encoding: gzip")
is "$code $(counts "$RESP")" "200 10 0 0 709" "and still ingests a normal gzip batch"
code=$(get "$OFFICER" "/v1/events?limit=10000")
is "$(jsql "$RESP" "SELECT json_array_length(j,'\$.events') FROM d")" "$(db 'SELECT count(*) FROM events')" \
	"and still answers queries"
code=$(get "$OFFICER" "/v1/events?limit=10001")
is "$code" 400 "a query limit above 10000 is refused"

col_stop_and_check
done_testing
