# tests/hostile/lib.sh: helpers for the hostile-input suite (bash; sourced
# after nothing else: it sources tests/e2e/lib.sh itself).
#
# A hostile case is one request built to hurt the collector. Each case is
# one TAP line that holds only when all of these are true:
#   - the answer has the expected HTTP status (and a JSON {"error"} body for
#     4xx/5xx, unless the case says libmicrohttpd answers before vigil does);
#   - the collector still runs and answers GET /healthz;
#   - the store changed by exactly the expected number of events and
#     quarantine rows (for a 200 from POST /v1/events, the reply's accepted,
#     duplicate and quarantined counts agree);
#   - the store can still be served back: GET /v1/events and
#     GET /v1/quarantine list exactly the rows the database holds (a stored
#     event that the API cannot read back would break every later query);
#   - when the case says so, the newest quarantine row keeps the raw bytes
#     sent (or a marker from them) and its reason matches.
# hostile_finish ends a script: integrity_check, `vigil-collector verify`
# when the build has it, the collector's clean exit and sanitizer check.

. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

NCASES=0                    # hostile cases run by this script
HOSTILE_OFFICER=            # token used by the consistency checks
J=application/json
N=application/x-ndjson

# store_counts: "EVENTS QUARANTINED" in the database.
store_counts() {
	db "SELECT (SELECT count(*) FROM events)||' '||(SELECT count(*) FROM quarantine)"
}

# alive: the collector process runs and GET /healthz answers 200.
alive() {
	[ -n "$COL_PID" ] && kill -0 "$COL_PID" 2>/dev/null &&
		[ "$(curl -s -m 20 -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ]
}

# served EVENTS QUARANTINED: the API lists exactly that many rows (or its
# largest page, 10000).
served() {
	local f=$T/served.json code n
	set -- $(($1 < 10000 ? $1 : 10000)) $(($2 < 10000 ? $2 : 10000))
	code=$(curl -s -m 60 -o "$f" -w '%{http_code}' -H "Authorization: Bearer $HOSTILE_OFFICER" \
		"$BASE/v1/events?limit=10000")
	n=$(jsql "$f" "SELECT json_array_length(j,'\$.events') FROM d")
	[ "$code $n" = "200 $1" ] || { SERVED_WHY="GET /v1/events: HTTP $code, $n events, want $1"; return 1; }
	code=$(curl -s -m 60 -o "$f" -w '%{http_code}' -H "Authorization: Bearer $HOSTILE_OFFICER" \
		"$BASE/v1/quarantine?limit=10000")
	n=$(jsql "$f" "SELECT json_array_length(j,'\$.quarantined') FROM d")
	[ "$code $n" = "200 $2" ] || { SERVED_WHY="GET /v1/quarantine: HTTP $code, $n rows, want $2"; return 1; }
	return 0
}

# hexof FILE: the file's bytes as upper-case hex (as SQLite's hex()).
hexof() {
	od -An -v -tx1 "$1" | tr -d ' \n' | tr a-f A-F
}

# raw_req FILE: sends FILE's bytes as they are over a new connection (for
# requests curl will not make), reads the answer (at most 20 s) and prints
# its status code, "000" when the collector closed without answering. The
# body is in $RESP. The request should say "Connection: close".
raw_req() {
	(
		trap '' PIPE
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
		cat "$1" >&3 2>/dev/null
		timeout 20 cat <&3 >"$RESP.raw" 2>/dev/null
	)
	local code
	code=$(head -n 1 "$RESP.raw" 2>/dev/null | awk '$1 ~ /^HTTP\// { print $2 }')
	sed '1,/^\r\{0,1\}$/d' "$RESP.raw" >"$RESP" 2>/dev/null
	echo "${code:-000}"
}

# hcase [-k raw:FILE|has:TEXT] [-r REASON-REGEX] [-d DUPLICATES] [-m]
#       DESCRIPTION STATUS EVENTS+ QUARANTINE+ METHOD PATH [CURL-ARGS...]
#   (or ... QUARANTINE+ RAW FILE: the request is FILE's bytes, see raw_req)
#   One hostile request and every check above. -k: what the newest
#   quarantine row must keep (exactly FILE's bytes, or TEXT somewhere in
#   it); -r: its reason; -d: the reply's duplicate count; -m: the answer
#   comes from libmicrohttpd itself (HTML body, or no answer at all when
#   STATUS is 000).
hcase() {
	local keep= reason_re= dups= mhd=0 OPTIND=1 opt
	while getopts "k:r:d:m" opt; do
		case $opt in
		k) keep=$OPTARG ;;
		r) reason_re=$OPTARG ;;
		d) dups=$OPTARG ;;
		m) mhd=1 ;;
		*) bail "hcase: bad option" ;;
		esac
	done
	shift $((OPTIND - 1))
	local desc=$1 want=$2 de=$3 dq=$4 ev0 q0 code why=()
	shift 4
	NCASES=$((NCASES + 1))
	read -r ev0 q0 <<<"$(store_counts)"
	rm -f "$RESP"
	if [ "$1" = RAW ]; then code=$(raw_req "$2"); else code=$(req "$@"); fi
	cp "$RESP" "$T/case.resp" 2>/dev/null || : >"$T/case.resp"

	[ "$code" = "$want" ] || why+=("HTTP $code, want $want: $(head -c 300 "$T/case.resp")")
	if [ "$mhd" = 0 ] && [ "${code#[45]}" != "$code" ] && ! is_json_error "$T/case.resp"; then
		why+=("the $code answer is not {\"error\": ...}: $(head -c 200 "$T/case.resp")")
	fi
	if [ "$code" = 200 ] && [ "$1 $2" = "POST /v1/events" ]; then
		local got
		got="$(jget "$T/case.resp" '$.accepted') $(jget "$T/case.resp" '$.quarantined')"
		[ "$got" = "$de $dq" ] || why+=("reply accepted/quarantined $got, want $de $dq")
		if [ -n "$dups" ] && [ "$(jget "$T/case.resp" '$.duplicate')" != "$dups" ]; then
			why+=("reply duplicate $(jget "$T/case.resp" '$.duplicate'), want $dups")
		fi
	fi
	if [ -n "$keep" ] && [ "$dq" -gt 0 ]; then
		case $keep in
		raw:*)
			[ "$(db 'SELECT hex(raw) FROM quarantine ORDER BY id DESC LIMIT 1')" = "$(hexof "${keep#raw:}")" ] ||
				why+=("the quarantined raw bytes differ from what was sent")
			;;
		has:*)
			[ "$(db "SELECT instr(CAST(raw AS BLOB), CAST('${keep#has:}' AS BLOB)) > 0
			         FROM quarantine ORDER BY id DESC LIMIT 1")" = 1 ] ||
				why+=("the quarantined raw text does not hold '${keep#has:}'")
			;;
		esac
	fi
	if [ -n "$reason_re" ]; then
		local reason
		reason=$(db 'SELECT reason FROM quarantine ORDER BY id DESC LIMIT 1')
		printf '%s' "$reason" | grep -Eq -- "$reason_re" ||
			why+=("reason '$reason' does not match /$reason_re/")
	fi
	hverdict "$desc" "$ev0" "$q0" "$de" "$dq" "${why[@]}"
}

# hverdict DESCRIPTION EVENTS0 QUARANTINE0 EVENTS+ QUARANTINE+ [PROBLEM...]:
#   the end of a case: adds the checks every case shares (the collector is
#   up, the store changed by exactly EVENTS+ and QUARANTINE+ since the
#   counts EVENTS0 QUARANTINE0 and is served back) to the PROBLEMs found so
#   far, and prints one TAP line.
hverdict() {
	local desc=$1 ev0=$2 q0=$3 de=$4 dq=$5 ev1 q1
	shift 5
	local why=("$@")
	alive || why+=("the collector is down or does not answer /healthz")
	read -r ev1 q1 <<<"$(store_counts)"
	[ "$((ev1 - ev0)) $((q1 - q0))" = "$de $dq" ] ||
		why+=("store: events +$((ev1 - ev0)), quarantine +$((q1 - q0)); want +$de, +$dq")
	SERVED_WHY=
	served "$ev1" "$q1" || why+=("$SERVED_WHY")
	if [ ${#why[@]} -eq 0 ]; then
		ok "$desc"
	else
		not_ok "$desc"
		diag "${why[@]}"
	fi
}

# hbegin: counts a case whose request is made by the script itself and sets
# EV0 Q0 for hverdict.
hbegin() {
	NCASES=$((NCASES + 1))
	read -r EV0 Q0 <<<"$(store_counts)"
}

# hpost [hcase options] DESCRIPTION STATUS EVENTS+ QUARANTINE+ FILE
#       [CONTENT-TYPE [CURL-ARGS...]]: a hostile POST /v1/events with the
#   agent token $AGENT (or $HTOKEN when set: HTOKEN=... hpost ...).
hpost() {
	local opts=()
	while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do
		case $1 in -m) opts+=("$1"); shift ;; *) opts+=("$1" "$2"); shift 2 ;; esac
	done
	local desc=$1 want=$2 de=$3 dq=$4 file=$5 ct=${6-$J}
	shift 5
	[ $# -gt 0 ] && shift
	hcase "${opts[@]}" "$desc" "$want" "$de" "$dq" POST /v1/events \
		-H "Authorization: Bearer ${HTOKEN:-$AGENT}" -H "Content-Type: $ct" --data-binary "@$file" "$@"
}

# hline [hcase options] DESCRIPTION TEXT: TEXT (printf %s, no newline) as a
#   one-line NDJSON body that must be quarantined with its bytes kept.
hline() {
	local opts=()
	while [ $# -gt 0 ] && [ "${1#-}" != "$1" ]; do opts+=("$1" "$2"); shift 2; done
	printf '%s' "$2" >"$T/line.ndjson"
	hpost "${opts[@]}" -k "raw:$T/line.ndjson" "$1" 200 0 1 "$T/line.ndjson" "$N"
}

# hstart [LOGNAME]: starts the collector with one agent ($AGENT, $AID, host
# ws-0001) and one officer ($OFFICER) enrolled, or bails.
hstart() {
	col_init
	AGENT=$(mint_agent ws-0001)
	OFFICER=$(mint_officer "Hostile Officer")
	HOSTILE_OFFICER=$OFFICER
	AID=$(agent_id "$AGENT")
	col_start "${1:-collector}" || bail "collector starts and answers /healthz"
}

# hostile_finish: the end of a hostile script.
hostile_finish() {
	is "$(db 'PRAGMA integrity_check')" ok "database integrity_check is ok"
	is "$(db 'SELECT count(*) FROM events WHERE json_valid(json) = 0')" 0 \
		"every stored event is valid JSON"
	col_stop_and_check
	# Tamper evidence lands with `vigil-collector verify`; run it when built.
	local out rc
	out=$("$COLLECTOR" -c "$CONF" verify 2>&1)
	rc=$?
	if printf '%s' "$out" | grep -q '^usage:'; then
		skip "vigil-collector verify passes" "this build has no verify command yet"
	else
		is "$rc" 0 "vigil-collector verify passes"
		[ "$rc" = 0 ] || diag "$out"
	fi
	diag "$NCASES hostile cases"
	done_testing
}
