#!/bin/sh
# vigil officer-view benchmark: bench/officer.sh BUILD   (run by bench/run.sh)
#
# Fills a database with VIGIL_BENCH_OFFICER_EVENTS events (10,000,000) and
# VIGIL_BENCH_OFFICER_ANOMALIES anomalies (100,000) for 5000 persons
# (bench/bench_officer, direct SQLite inserts), starts vigil-collector on it
# (loopback, free port, pinned to CPU 0) and times what an officer asks for:
# the anomaly list, a dossier (of the person with the most anomalies and of
# a typical one), the risk ranking, the vetting report and the digest, each
# over HTTP with curl (one warm-up, then 5 runs; the median and the worst
# are reported), and vigil-report rendering HTML reports end to end.
# Targets (issue 6): each answer < 200 ms, an HTML report < 1 s.
#
# Environment: VIGIL_BENCH_OFFICER_DIR=DIR reuses (or keeps) a filled
# database in DIR instead of a temporary one; VIGIL_BENCH_OFFICER_EVENTS,
# VIGIL_BENCH_OFFICER_ANOMALIES; VIGIL_BENCH_STRICT=1 exits 1 when a target
# is missed.
set -u

B=${1:-build/rel}
COLLECTOR=$B/bin/vigil-collector
REPORT=$B/bin/vigil-report
FILL=$B/bench/bench_officer
EVENTS=${VIGIL_BENCH_OFFICER_EVENTS:-10000000}
ANOMALIES=${VIGIL_BENCH_OFFICER_ANOMALIES:-100000}
T_API_MS=200
T_HTML_MS=1000
RUNS=5

for f in "$COLLECTOR" "$REPORT" "$FILL"; do
	[ -x "$f" ] || { echo "bench-officer: $f is missing; run 'make bench'" >&2; exit 2; }
done
command -v curl >/dev/null 2>&1 || { echo "bench-officer: curl is required" >&2; exit 2; }

if [ -n "${VIGIL_BENCH_OFFICER_DIR:-}" ]; then
	D=$VIGIL_BENCH_OFFICER_DIR
	KEEP=1
else
	D=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench-officer.XXXXXX")
	KEEP=0
fi
PID=
cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		i=0
		while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
		kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
	fi
	[ "$KEEP" = 1 ] || rm -rf "$D"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms() { t=$(date +%s%N); echo $((t / 1000000)); }
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }

# 1. The database (reused when DIR already holds one of the same size).
if [ -f "$D/fill.txt" ] && [ "$(kv "$(cat "$D/fill.txt")" events)" = "$EVENTS" ] &&
	[ "$(kv "$(cat "$D/fill.txt")" anomalies)" = "$ANOMALIES" ]; then
	FILLED=$(cat "$D/fill.txt")
	echo "bench-officer: reusing $D ($FILLED)"
else
	rm -f "$D"/vigil.db* "$D/fill.txt"
	FILLED=$(timeout 1800 "$FILL" "$D" "$EVENTS" "$ANOMALIES") || { echo "bench-officer: fill failed" >&2; exit 1; }
	echo "$FILLED" >"$D/fill.txt"
	echo "bench-officer: $FILLED"
fi
HEAVY=$(kv "$FILLED" heavy)
TYPICAL=$(kv "$FILLED" typical)

# 2. The collector on it.
PORT=$(awk 'BEGIN {srand(); printf "%d", 20000 + int(rand() * 40000)}')
cat >"$D/collector.conf" <<EOF
listen = "127.0.0.1:$PORT";
database = "$D/vigil.db";
policy = "$D/policy.cfg";
threads = 4;
log_level = "warn";
EOF
TOKEN=$("$COLLECTOR" -c "$D/collector.conf" officer add "bench officer" --role officer 2>>"$D/collector.log") ||
	{ echo "bench-officer: officer add failed" >&2; tail -n 5 "$D/collector.log" >&2; exit 1; }
taskset -c 0 "$COLLECTOR" -c "$D/collector.conf" 2>>"$D/collector.log" &
PID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
	if ! kill -0 "$PID" 2>/dev/null || [ $i -ge 600 ]; then
		echo "bench-officer: collector did not become healthy" >&2
		tail -n 20 "$D/collector.log" >&2
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done

missed=0
RESULTS=
# measure LABEL TARGET_MS COMMAND...: one warm-up run, then RUNS timed runs
# of COMMAND (which must succeed); records "label median worst verdict".
# TARGET_MS 0: reported without a target (the digest combines several
# views; issue 6 sets targets for the list, dossier, ranking and vetting).
measure() {
	label=$1 target=$2
	shift 2
	"$@" >/dev/null 2>"$D/measure.err" || { echo "bench-officer: $label failed: $(head -c 300 "$D/measure.err")" >&2; missed=1; return; }
	: >"$D/times"
	n=0
	while [ $n -lt $RUNS ]; do
		t0=$(date +%s%N)
		"$@" >/dev/null 2>>"$D/measure.err"
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000)) >>"$D/times"
		n=$((n + 1))
	done
	med=$(sort -n "$D/times" | sed -n "$(((RUNS + 1) / 2))p")
	worst=$(sort -n "$D/times" | tail -n 1)
	v=PASS
	if [ "$target" = 0 ]; then
		v="(info)"
	elif [ $((worst / 1000)) -ge "$target" ]; then
		v=MISS
		missed=1
	fi
	RESULTS="$RESULTS$(printf '  %-50s %9.1f %9.1f   %-7s %s' "$label" \
		"$(awk -v u="$med" 'BEGIN {print u / 1000}')" "$(awk -v u="$worst" 'BEGIN {print u / 1000}')" \
		"$([ "$target" = 0 ] && echo - || echo "< $target")" "$v")
"
}
api() {   # api PATH: one GET that must answer 200
	code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT$1")
	[ "$code" = 200 ] || { echo "GET $1: HTTP $code" >&2; return 1; }
}
report() {   # report ARGS...: vigil-report against the collector, output to a file
	"$REPORT" --collector "http://127.0.0.1:$PORT" --token "$TOKEN" "$@" >"$D/report.out"
}

measure "GET /v1/anomalies (100 newest)" $T_API_MS api "/v1/anomalies"
measure "GET /v1/anomalies?severity=critical&status=open" $T_API_MS api "/v1/anomalies?severity=critical&status=open"
measure "GET /v1/anomalies?person=$TYPICAL" $T_API_MS api "/v1/anomalies?person=$TYPICAL"
measure "GET /v1/persons/$HEAVY (most anomalies)" $T_API_MS api "/v1/persons/$HEAVY"
measure "GET /v1/persons/$TYPICAL (typical)" $T_API_MS api "/v1/persons/$TYPICAL"
measure "GET /v1/risk (top 50, 30-day trends)" $T_API_MS api "/v1/risk"
measure "GET /v1/vetting" $T_API_MS api "/v1/vetting"
measure "GET /v1/summary (7 days)" 0 api "/v1/summary"
measure "vigil-report person $HEAVY --format html" $T_HTML_MS report person "$HEAVY" --format html
measure "vigil-report risk --format html" $T_HTML_MS report risk --format html
measure "vigil-report summary --format html" $T_HTML_MS report summary --format html
measure "vigil-report anomalies --limit 1000 --format html" $T_HTML_MS report anomalies --limit 1000 --format html
HWM=$(awk '$1 == "VmHWM:" {printf "%.1f", $2 / 1024}' "/proc/$PID/status" 2>/dev/null)

echo
echo "vigil officer-view benchmark ($(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $(nproc) CPUs;" \
     "$(kv "$FILLED" events) events, $(kv "$FILLED" anomalies) anomalies, $(kv "$FILLED" persons) persons," \
     "database $(kv "$FILLED" db_mb) MB)"
printf '  %-50s %9s %9s   %-7s\n' "request (ms)" "median" "worst" "target"
printf '%s' "$RESULTS"
echo "  collector peak RSS after the requests: ${HWM:-?} MB"
if [ $missed -ne 0 ]; then
	echo "bench-officer: at least one target missed"
	[ "${VIGIL_BENCH_STRICT:-0}" = 1 ] && exit 1
fi
exit 0
