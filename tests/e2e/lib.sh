# tests/e2e/lib.sh: helpers for the end-to-end scenarios (bash; sourced).
#
# A scenario sources this file, starts a real vigil-collector over HTTP on
# 127.0.0.1 and prints TAP lines:
#     ok N - description
#     not ok N - description
#     ok N - description # SKIP reason
# followed by a plan "1..N" when it finishes (tests/run.sh treats a scenario
# that ends without a plan as failed). Diagnostics are "# ..." lines.
#
# Environment:
#   VIGIL_BIN     directory holding vigil-collector (tests/run.sh passes the
#                 sanitizer build's bin/); default build/san/bin
#   VIGIL_POLICY  policy file; default policy/examples/example.cfg when it
#                 exists, else tests/data/e2e/policy.cfg
#
# Everything a scenario creates lives in one mktemp -d directory ($T) that is
# removed at exit, and every background process it starts is recorded and
# stopped by pid at exit.

set -u

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
VIGIL_BIN=${VIGIL_BIN:-$REPO/build/san/bin}
case $VIGIL_BIN in /*) ;; *) VIGIL_BIN=$REPO/$VIGIL_BIN ;; esac
COLLECTOR=$VIGIL_BIN/vigil-collector
FIXTURE_POLICY=$REPO/tests/data/e2e/policy.cfg
if [ -z "${VIGIL_POLICY:-}" ]; then
	if [ -f "$REPO/policy/examples/example.cfg" ]; then
		VIGIL_POLICY=$REPO/policy/examples/example.cfg
	else
		VIGIL_POLICY=$FIXTURE_POLICY
	fi
fi

# Sanitizer builds: abort on the first error so it cannot be missed, report
# leaks at exit (LeakSanitizer works here); reports go to the collector's
# stderr log, which col_stop scans.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:halt_on_error=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
SANITIZER_PATTERN='ERROR: (Address|Leak|Thread|Memory)Sanitizer|runtime error:|SUMMARY: (Address|Undefined|Leak)'

T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-e2e.XXXXXX")
RESP=$T/resp                # body of the last HTTP response
TESTNO=0
FAILED=0
BG_PIDS=()                  # every background process we started
COL_PID=
COL_LOG=
PORT=
BASE=

# ---- TAP ---------------------------------------------------------------

diag() {   # diag LINE...: each argument (and each line in it) as "# ..."
	printf '%s\n' "$@" | sed 's/^/# /'
}

ok() {
	TESTNO=$((TESTNO + 1))
	echo "ok $TESTNO - $*"
}

not_ok() {
	TESTNO=$((TESTNO + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $TESTNO - $*"
}

skip() {   # skip DESCRIPTION REASON
	TESTNO=$((TESTNO + 1))
	echo "ok $TESTNO - $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; diag "command failed: $*"; fi
}

# is GOT WANT DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3"
		diag "got:  '$1'" "want: '$2'"
	fi
}

# like GOT EXTENDED-REGEX DESCRIPTION
like() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		ok "$3"
	else
		not_ok "$3"
		diag "got:  '$(printf '%s' "$1" | head -c 600)'" "want match: /$2/"
	fi
}

# unlike GOT EXTENDED-REGEX DESCRIPTION
unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		not_ok "$3"
		diag "got:  '$(printf '%s' "$1" | head -c 600)'" "want no match: /$2/"
	else
		ok "$3"
	fi
}

# Ends the scenario: prints the plan and exits 0 when nothing failed.
done_testing() {
	echo "1..$TESTNO"
	[ "$FAILED" -eq 0 ] && exit 0
	exit 1
}

# Skips a whole scenario that cannot run here (not root, missing tool).
skip_all() {
	echo "1..0 # SKIP $*"
	exit 0
}

# Fails a whole scenario that cannot even start (collector missing or not
# starting): one failed test, then the plan.
bail() {
	not_ok "$*"
	done_testing
}

# ---- cleanup -----------------------------------------------------------

stop_pid() {   # stop_pid PID: SIGTERM, up to 10 s, then SIGKILL; reaps it.
	local pid=$1 i
	kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
	kill -TERM "$pid" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	local pid live
	# Only children not yet reaped: a reaped pid may belong to someone
	# else by now.
	live=" $(jobs -p | tr '\n' ' ') "
	for pid in "${BG_PIDS[@]}"; do
		case $live in *" $pid "*) stop_pid "$pid" ;; esac
	done
	local logs=
	if [ "$FAILED" -gt 0 ]; then
		local log
		for log in "$T"/collector*.log; do
			[ -f "$log" ] || continue
			logs+="--- last lines of $(basename "$log") ---"$'\n'"$(tail -n 15 "$log")"$'\n'
		done
	fi
	rm -rf "$T"
	[ -n "$logs" ] && diag "$logs"
	return 0
}
trap cleanup EXIT
# A signal ends the scenario through the EXIT trap, so the cleanup runs.
trap 'exit 143' TERM INT HUP
trap 'exit 141' PIPE

# ---- collector ---------------------------------------------------------

for tool in curl sqlite3 gzip; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed (mk/deps.sh installs it)"
done

CONF=$T/collector.conf
DB=$T/vigil.db
MAX_BODY=16777216
CONF_EXTRA=""               # more lines for collector.conf
# Whom the collector runs as (collector.conf `user`). The scenarios keep
# root, their files being root's in a private directory, whether or not
# this machine has a vigil account; privdrop.sh tests the switch.
COL_USER=root
COL_LOG_LEVEL=info          # collector.conf log_level

# Writes $CONF for port $1 (0 when only enrolling).
write_conf() {
	cat >"$CONF" <<EOF
# written by tests/e2e/lib.sh
listen = "127.0.0.1:$1";
database = "$DB";
policy = "$VIGIL_POLICY";
max_body = $MAX_BODY;
threads = 4;
log_level = "$COL_LOG_LEVEL";
user = "$COL_USER";
$CONF_EXTRA
EOF
}

# A port nobody listens on now, in 20000-60000.
pick_port() {
	local p i
	for i in $(seq 1 50); do
		p=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# col_init: checks the binary and writes the configuration so that tokens
# can be minted before the collector starts.
col_init() {
	[ -x "$COLLECTOR" ] || bail "vigil-collector is built ($COLLECTOR missing)"
	write_conf 0
}

# col_start [LOGNAME]: starts the collector on a free port and waits (at most
# ~15 s) until GET /healthz answers 200. Sets COL_PID, COL_LOG, PORT, BASE.
# With COL_SCHEME=https (the configuration then has a tls group) the probe
# goes over HTTPS trusting $COL_CA. Returns 1 when it does not come up.
COL_SCHEME=http
COL_CA=
col_start() {
	local name=${1:-collector} attempt i code ca=()
	[ -n "$COL_CA" ] && ca=(--cacert "$COL_CA")
	COL_LOG=$T/$name.log
	for attempt in 1 2 3 4 5; do
		PORT=$(pick_port) || return 1
		BASE=$COL_SCHEME://127.0.0.1:$PORT
		write_conf "$PORT"
		"$COLLECTOR" -c "$CONF" >>"$COL_LOG" 2>&1 &
		COL_PID=$!
		BG_PIDS+=("$COL_PID")
		for i in $(seq 1 150); do
			if ! kill -0 "$COL_PID" 2>/dev/null; then
				wait "$COL_PID" 2>/dev/null
				break
			fi
			code=$(curl -s -m 2 "${ca[@]}" -o /dev/null -w '%{http_code}' "$BASE/healthz" 2>/dev/null)
			[ "$code" = 200 ] && return 0
			sleep 0.1
		done
		if kill -0 "$COL_PID" 2>/dev/null; then
			stop_pid "$COL_PID"
			diag "collector did not answer $COL_SCHEME /healthz within 15 s"
			return 1
		fi
		# Lost a race for the port: try another one.
		grep -q 'cannot listen' "$COL_LOG" || { diag "$(tail -n 20 "$COL_LOG")"; return 1; }
	done
	return 1
}

# col_stop: SIGTERM, wait; sets COL_RC to the exit status (or "killed").
col_stop() {
	local i
	COL_RC=
	[ -n "$COL_PID" ] || return 0
	kill -TERM "$COL_PID" 2>/dev/null
	for i in $(seq 1 100); do
		kill -0 "$COL_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$COL_PID" 2>/dev/null; then
		kill -KILL "$COL_PID" 2>/dev/null
		wait "$COL_PID" 2>/dev/null
		COL_RC=killed
	else
		wait "$COL_PID" 2>/dev/null
		COL_RC=$?
	fi
	COL_PID=
}

# col_kill9: the crash: SIGKILL and reap.
col_kill9() {
	kill -KILL "$COL_PID" 2>/dev/null
	wait "$COL_PID" 2>/dev/null
	COL_PID=
}

# col_stop_and_check: stops the collector and reports two tests: it exits 0
# on SIGTERM, and its log holds no AddressSanitizer/UBSan/LeakSanitizer
# report.
col_stop_and_check() {
	col_stop
	is "$COL_RC" 0 "collector exits 0 on SIGTERM"
	if grep -Eq "$SANITIZER_PATTERN" "$COL_LOG"; then
		not_ok "no sanitizer reports in the collector log"
		diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$COL_LOG" | head -n 40)"
	else
		ok "no sanitizer reports in the collector log"
	fi
}

# pam_env_for MODULE: sets PAM_ENV, the env(1) prefix under which a PAM
# application can load MODULE: a sanitizer build of the module needs the
# ASan runtime (and libcrypt, which pam_unix needs first) preloaded.
pam_env_for() {
	PAM_ENV=(env)
	if readelf -d "$1" | grep -q 'NEEDED.*libasan'; then
		PAM_ENV=(env "LD_PRELOAD=$(cc -print-file-name=libasan.so) libcrypt.so.1"
			"ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:halt_on_error=1")
		diag "sanitizer build: PAM applications run with libasan preloaded"
	fi
}

# write_agent_conf FILE HOST TOKEN-FILE SPOOL SOCKET [EXTRA-LINES]: an
# agent configuration shipping to $BASE without audit intake, in small,
# quick batches and with a short back-off, as the scenarios want.
write_agent_conf() {
	cat >"$1" <<EOF
collector = "$BASE";
token_file = "$3";
host = "$2";
spool = "$4";
socket = "$5";
audit = "off";
batch_events = 25;
batch_delay_ms = 50;
backoff_max = 1;
heartbeat = 3600;
${6:-}
EOF
}

# Mints tokens with the CLI; prints the token (the only line of stdout).
mint_agent() {
	"$COLLECTOR" -c "$CONF" agent add "$1" 2>>"$T/cli.err"
}
mint_officer() {   # mint_officer NAME [ROLE]
	"$COLLECTOR" -c "$CONF" officer add "$1" --role "${2:-officer}" 2>>"$T/cli.err"
}
# The agent id of a token, from the database.
agent_id() {
	sqlite3 "$DB" "SELECT id FROM agents WHERE token_hash='$(printf '%s' "$1" | sha256sum | cut -d' ' -f1)'"
}

# ---- HTTP --------------------------------------------------------------

# req METHOD PATH [CURL-ARGS...]: prints the status code ("000" when no
# answer); the body is in $RESP, the response headers in $RESP.h.
req() {
	local method=$1 path=$2
	shift 2
	curl -sS -m 60 -o "$RESP" -D "$RESP.h" -w '%{http_code}' -X "$method" "$@" "$BASE$path" \
		2>>"$T/curl.err"
}

# get TOKEN PATH: GET with a bearer token.
get() {
	req GET "$2" -H "Authorization: Bearer $1"
}

# post_events TOKEN FILE [CONTENT-TYPE [CURL-ARGS...]]: POST /v1/events.
post_events() {
	local tok=$1 file=$2 ct=${3:-application/json}
	shift 2
	[ $# -gt 0 ] && shift
	req POST /v1/events -H "Authorization: Bearer $tok" -H "Content-Type: $ct" \
		--data-binary "@$file" "$@"
}

# post_text TOKEN TEXT [CONTENT-TYPE]: as post_events with inline text.
post_text() {
	printf '%s' "$2" >"$T/inline.body"
	post_events "$1" "$T/inline.body" "${3:-application/json}"
}

# ---- JSON (through sqlite3's JSON functions; jq is not a dependency) ------

# jget FILE JSON-PATH: prints the value at JSON-PATH ('$.accepted').
jget() {
	sqlite3 -batch :memory: "SELECT json_extract(CAST(readfile('$1') AS TEXT), '$2')" 2>/dev/null
}

# jsql FILE SQL: runs SQL where table d has one row, column j = the document.
jsql() {
	sqlite3 -batch :memory: "WITH d(j) AS (SELECT CAST(readfile('$1') AS TEXT)) $2" 2>/dev/null
}

# counts FILE: "accepted duplicate quarantined high_seq" of an ingest reply.
counts() {
	jsql "$1" "SELECT json_extract(j,'\$.accepted')||' '||json_extract(j,'\$.duplicate')||' '||
	           json_extract(j,'\$.quarantined')||' '||json_extract(j,'\$.high_seq') FROM d"
}

# is_json_error FILE: the body is {"error": "<non-empty string>"}.
is_json_error() {
	[ "$(jsql "$1" "SELECT json_valid(j) AND json_type(j,'\$.error')='text'
	                AND length(json_extract(j,'\$.error'))>0 FROM d")" = 1 ]
}

# db SQL: a query on the collector's database.
db() {
	sqlite3 -batch "$DB" "$1"
}

# ---- events ------------------------------------------------------------

# ts SECONDS: 2026-11-20 plus SECONDS (< 86400) as the event time format.
ts() {
	printf '2026-11-20T%02d:%02d:%02d.000Z' $(($1 / 3600)) $(($1 / 60 % 60)) $(($1 % 60))
}

# hb SEQ: an agent heartbeat event; its time is 2026-11-20 + SEQ seconds.
hb() {
	printf '{"seq":%d,"time":"%s","kind":"agent","detail":{"action":"heartbeat"}}' \
		"$1" "$(ts $(($1 % 86400)))"
}

# hb_array FIRST LAST: a JSON array of heartbeats FIRST..LAST.
hb_array() {
	local s sep=
	printf '['
	for ((s = $1; s <= $2; s++)); do
		printf '%s{"seq":%d,"time":"2026-11-20T%02d:%02d:%02d.000Z","kind":"agent","detail":{"action":"heartbeat"}}' \
			"$sep" "$s" $((s % 86400 / 3600)) $((s % 3600 / 60)) $((s % 60))
		sep=,
	done
	printf ']'
}

# hb_ndjson FIRST LAST: the same as NDJSON.
hb_ndjson() {
	local s
	for ((s = $1; s <= $2; s++)); do
		printf '{"seq":%d,"time":"2026-11-20T%02d:%02d:%02d.000Z","kind":"agent","detail":{"action":"heartbeat"}}\n' \
			"$s" $((s % 86400 / 3600)) $((s % 3600 / 60)) $((s % 60))
	done
}

# metric NAME-WITH-LABELS: the value of one sample of GET /metrics.
metric() {
	curl -s -m 10 "$BASE/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

# metric_wait NAME WANT: polls /metrics (at most ~5 s) until the sample
# equals WANT and prints the last value seen. Request counters are updated
# when the server has finished sending a response, which may be just after
# the client has read it; waiting for the value keeps the check exact
# without depending on timing.
metric_wait() {
	local v i
	for i in $(seq 1 50); do
		v=$(metric "$1")
		[ "$v" = "$2" ] && break
		sleep 0.1
	done
	echo "$v"
}
