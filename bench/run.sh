#!/bin/sh
# vigil benchmarks: bench/run.sh BUILD   (run by `make bench` with build/rel)
#
# Builds nothing: `make bench` has built BUILD/bin/vigil-collector and
# BUILD/bench/*. Generates a synthetic organisation (bench/gen_org), starts
# vigil-collector pinned to CPU 0 on a free loopback port with a database in
# a temporary directory, posts the generated events from CPU 1
# (bench/bench_ingest), samples the collector's memory, runs the raw SQLite
# reference and, when it was built, bench/bench_policy; then prints a summary
# against the targets. See docs/benchmarks.md.
#
# Environment: VIGIL_BENCH_PERSONS (10000), VIGIL_BENCH_RESOURCES (100000),
# VIGIL_BENCH_EVENTS (400000), VIGIL_BENCH_BATCHES (400),
# VIGIL_BENCH_KEEP=1 keeps the temporary directory,
# VIGIL_BENCH_STRICT=1 exits 1 when a target is missed.
set -u

B=${1:-build/rel}
COLLECTOR=$B/bin/vigil-collector
GEN=$B/bench/gen_org
INGEST=$B/bench/bench_ingest
POLBENCH=$B/bench/bench_policy
PERSONS=${VIGIL_BENCH_PERSONS:-10000}
RESOURCES=${VIGIL_BENCH_RESOURCES:-100000}
EVENTS=${VIGIL_BENCH_EVENTS:-400000}
BATCHES=${VIGIL_BENCH_BATCHES:-400}

# Targets.
T_EPS=100000          # events/s, with policy decisions and durable commits
T_RAW_RATIO=0.333     # of the raw SQLite insert rate
T_RSS_MB=64           # collector resident memory

for f in "$COLLECTOR" "$GEN" "$INGEST"; do
	[ -x "$f" ] || { echo "bench: $f is missing; run 'make bench'" >&2; exit 2; }
done
for t in taskset curl; do
	command -v $t >/dev/null 2>&1 || { echo "bench: $t is required" >&2; exit 2; }
done

# Pinning: the collector on CPU 0, the client on CPU 1 (when there is one).
NCPU=$(nproc 2>/dev/null || echo 1)
SRV_CPU=0
CLI_CPU=1
[ "$NCPU" -ge 2 ] || CLI_CPU=0

T=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench.XXXXXX")
PID=
SAMPLER=
cleanup() {
	[ -n "$SAMPLER" ] && kill "$SAMPLER" 2>/dev/null
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		i=0
		while kill -0 "$PID" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.2; i=$((i + 1)); done
		kill -0 "$PID" 2>/dev/null && kill -KILL "$PID" 2>/dev/null
	fi
	if [ "${VIGIL_BENCH_KEEP:-0}" = 1 ]; then
		echo "bench: kept $T" >&2
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ms() { t=$(date +%s%N); echo $((t / 1000000)); }
# kv LINE KEY: the value of KEY=VALUE in a result line.
kv() { printf '%s\n' "$1" | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n 1; }
status_kb() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status" 2>/dev/null; }
mb() { awk -v k="${1:-0}" 'BEGIN {printf "%.1f", k / 1024}'; }

echo "bench: workdir $T; collector on CPU $SRV_CPU, client on CPU $CLI_CPU"

# 1. The organisation.
t0=$(ms)
GENOUT=$(timeout 120 "$GEN" "$T/org" "$PERSONS" "$RESOURCES" "$EVENTS") || { echo "bench: gen_org failed" >&2; exit 1; }
echo "$GENOUT  ($(($(ms) - t0)) ms)"
POLICY=$T/org/policy.cfg
POLICY_MB=$(du -m "$POLICY" | awk '{print $1}')

# 2. Collector configuration and agent tokens (one agent per host).
PORT=$("$INGEST" free-port) || exit 1
cat >"$T/collector.conf" <<EOF
listen = "127.0.0.1:$PORT";
database = "$T/vigil.db";
policy = "$POLICY";
max_body = 16777216;
threads = 4;
log_level = "info";
EOF
: >"$T/tokens.txt"
while read -r host; do
	tok=$("$COLLECTOR" -c "$T/collector.conf" agent add "$host") || { echo "bench: agent add $host failed" >&2; exit 1; }
	echo "$host $tok" >>"$T/tokens.txt"
done <"$T/org/hosts.txt"
echo "bench: $(wc -l <"$T/tokens.txt") agents enrolled"

# 3. Policy load time: validation loads and compiles the policy once.
t0=$(ms)
timeout 120 taskset -c $SRV_CPU "$COLLECTOR" -c "$T/collector.conf" -t >"$T/validate.out" 2>"$T/validate.err"
vrc=$?
LOAD_MS=$(($(ms) - t0))
if [ $vrc -ne 0 ]; then
	echo "bench: policy does not validate (exit $vrc):" >&2
	head -n 20 "$T/validate.err" "$T/validate.out" >&2
	exit 1
fi
echo "bench: $(cat "$T/validate.out") [$LOAD_MS ms, $(wc -l <"$T/validate.err") diagnostics]"

# 4. The collector, on one core.
t0=$(ms)
taskset -c $SRV_CPU "$COLLECTOR" -c "$T/collector.conf" 2>"$T/collector.log" &
PID=$!
i=0
until curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
	if ! kill -0 "$PID" 2>/dev/null || [ $i -ge 600 ]; then
		echo "bench: collector did not become healthy" >&2
		tail -n 20 "$T/collector.log" >&2
		exit 1
	fi
	sleep 0.1
	i=$((i + 1))
done
START_MS=$(($(ms) - t0))
RSS_IDLE=$(status_kb "$PID" VmRSS)
HWM_START=$(status_kb "$PID" VmHWM)
echo "bench: collector pid $PID healthy on port $PORT after $START_MS ms; VmRSS $(mb "$RSS_IDLE") MB, VmHWM $(mb "$HWM_START") MB"

# Memory sampler: VmRSS every 100 ms while the collector runs.
(
	while [ -r "/proc/$PID/status" ]; do
		awk '$1 == "VmRSS:" {print $2}' "/proc/$PID/status" 2>/dev/null
		sleep 0.1
	done
) >"$T/rss.samples" 2>/dev/null &
SAMPLER=$!

# 5. Ingest: plain NDJSON, then gzip (new seq numbers, so not duplicates).
run_ingest() {
	timeout 150 taskset -c $CLI_CPU "$INGEST" ingest --url "http://127.0.0.1:$PORT" \
		--tokens "$T/tokens.txt" --events "$T/org/events.ndjson" --batch 1000 \
		--max-batches "$BATCHES" --max-seconds 60 "$@"
}
PLAIN=$(run_ingest --label plain) || { echo "bench: ingest failed" >&2; tail -n 20 "$T/collector.log" >&2; exit 1; }
echo "$PLAIN"
RSS_AFTER_PLAIN=$(status_kb "$PID" VmRSS)
GZIP=$(run_ingest --label gzip --gzip --seq-offset 1000000000) || { echo "bench: gzip ingest failed" >&2; exit 1; }
echo "$GZIP"
sleep 0.3
RSS_AFTER=$(status_kb "$PID" VmRSS)
HWM_END=$(status_kb "$PID" VmHWM)
kill "$SAMPLER" 2>/dev/null
wait "$SAMPLER" 2>/dev/null
SAMPLER=
RSS_MAX=$(sort -n "$T/rss.samples" | tail -n 1)
[ -n "$RSS_MAX" ] || RSS_MAX=$RSS_AFTER

ANOMALIES=$(curl -sf "http://127.0.0.1:$PORT/metrics" | awk '/^vigil_anomalies_total/ {s += $NF} END {printf "%d", s}')

# 6. Stop the collector (by pid).
kill -TERM "$PID"
i=0
while kill -0 "$PID" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$PID" 2>/dev/null; then
	echo "bench: collector did not stop on SIGTERM within 10 s" >&2
	kill -KILL "$PID" 2>/dev/null
fi
wait "$PID" 2>/dev/null
PID=
DB_MB=$(du -cm "$T"/vigil.db* 2>/dev/null | awk 'END {print $1}')

# 7. Raw SQLite reference: the same rows on the same core and disk.
RAW=$(timeout 150 taskset -c $SRV_CPU "$INGEST" raw --db "$T/raw.db" --events "$T/org/events.ndjson" \
	--batch 1000 --max-batches "$BATCHES" --max-seconds 60) || { echo "bench: raw SQLite run failed" >&2; exit 1; }
echo "$RAW"
rm -f "$T"/raw.db*

# 8. Policy decision benchmark, when someone has written one.
POLLINE=
if [ -x "$POLBENCH" ]; then
	POLLINE=$(timeout 120 taskset -c $SRV_CPU "$POLBENCH" "$POLICY" 2>&1) || echo "bench: bench_policy failed" >&2
	printf '%s\n' "$POLLINE"
fi

# 9. Summary.
EPS=$(kv "$PLAIN" events_per_s)
EPS_GZ=$(kv "$GZIP" events_per_s)
RAWR=$(kv "$RAW" rows_per_s)
EVN=$(kv "$PLAIN" events)
EVN_GZ=$(kv "$GZIP" events)
missed=0
verdict() { # verdict VALUE OP TARGET
	if awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {exit !((op == ">=") ? v >= t : v <= t)}'; then
		echo PASS
	else
		echo MISS
	fi
}
row() { printf '  %-44s %14s   %-12s %s\n' "$1" "$2" "$3" "$4"; }
RATIO=$(awk -v a="$EPS" -v b="$RAWR" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
V1=$(verdict "$EPS" ">=" $T_EPS)
V2=$(verdict "$RATIO" ">=" $T_RAW_RATIO)
V3=$(verdict "$(mb "$HWM_END")" "<=" $T_RSS_MB)
V4=$(verdict "$(mb "$RSS_MAX")" "<=" $T_RSS_MB)
for v in "$V1" "$V2" "$V3" "$V4"; do [ "$v" = PASS ] || missed=1; done

echo
echo "vigil benchmark summary ($(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $NCPU CPUs; $PERSONS persons, $RESOURCES resources, policy ${POLICY_MB} MB)"
row "metric" "measured" "target" ""
row "ingest, NDJSON, 1000/batch (events/s)" "$EPS" ">= $T_EPS" "$V1"
row "  batch latency p50 / p99 (ms)" "$(kv "$PLAIN" p50_ms) / $(kv "$PLAIN" p99_ms)" "" ""
row "ingest, NDJSON+gzip (events/s)" "$EPS_GZ" "" ""
row "  batch latency p50 / p99 (ms)" "$(kv "$GZIP" p50_ms) / $(kv "$GZIP" p99_ms)" "" ""
row "raw SQLite insert (rows/s)" "$RAWR" "" ""
row "ingest / raw SQLite" "$RATIO" ">= 0.33" "$V2"
row "collector peak RSS, VmHWM (MB)" "$(mb "$HWM_END")" "<= $T_RSS_MB" "$V3"
row "collector RSS, max during ingest (MB)" "$(mb "$RSS_MAX")" "<= $T_RSS_MB" "$V4"
row "collector RSS idle / after ingest (MB)" "$(mb "$RSS_IDLE") / $(mb "$RSS_AFTER")" "" ""
row "policy load, collector -t (ms)" "$LOAD_MS" "" ""
row "collector start to /healthz (ms)" "$START_MS" "" ""
row "events stored / anomalies recorded" "$(( ${EVN:-0} + ${EVN_GZ:-0} )) / $ANOMALIES" "" ""
row "database size (MB)" "$DB_MB" "" ""
if [ -n "$POLLINE" ]; then
	printf '%s\n' "$POLLINE" | sed 's/^/  bench_policy: /'
fi
if [ $missed -ne 0 ]; then
	echo "bench: at least one target missed (see docs/benchmarks.md for the profile)"
	[ "${VIGIL_BENCH_STRICT:-0}" = 1 ] && exit 1
fi
exit 0
