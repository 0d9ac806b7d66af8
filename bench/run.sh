#!/bin/sh
# vigil benchmarks: bench/run.sh BUILD   (run by `make bench` with build/rel)
#
# Builds nothing: `make bench` has built BUILD/bin/vigil-collector and
# BUILD/bench/*. Generates a synthetic organisation (bench/gen_org), then for
# each ingest scenario starts vigil-collector on a fresh database in a
# temporary directory, on a free loopback port, pinned to CPU 0, enrols one
# agent per generated host, posts the generated events from CPU 1
# (bench/bench_ingest) and samples the collector's memory. Then it runs the
# raw SQLite reference on CPU 0 and, when it was built, bench/bench_policy,
# and prints a summary against the targets. See docs/benchmarks.md.
#
# Environment: VIGIL_BENCH_PERSONS (10000), VIGIL_BENCH_RESOURCES (100000),
# VIGIL_BENCH_EVENTS (400000), VIGIL_BENCH_BATCHES (400, of 1000 events),
# VIGIL_BENCH_RUNS (3: headline and raw SQLite runs, the median is reported),
# VIGIL_BENCH_VERIFY_EVENTS (1000000: events in the database verify checks),
# VIGIL_BENCH_OFFICER_* (bench/officer.sh),
# VIGIL_BENCH_SCEN_PERSONS (1000; 0 skips) and VIGIL_BENCH_SCEN_WEEKS (8):
# the insider scenario organisation (tests/scenarios/lib/measure.sh, run last),
# VIGIL_BENCH_KEEP=1 keeps the temporary directory,
# VIGIL_BENCH_STRICT=1 exits 1 when a target is missed.
set -u

B=${1:-build/rel}
COLLECTOR=$B/bin/vigil-collector
GEN=$B/bench/gen_org
INGEST=$B/bench/bench_ingest
POLBENCH=$B/bench/bench_policy
VERBENCH=$B/bench/bench_verify
VERIFY_EVENTS=${VIGIL_BENCH_VERIFY_EVENTS:-1000000}
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
HZ=$(getconf CLK_TCK 2>/dev/null || echo 100)

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
maxof() { printf '%s\n' "$@" | sort -n | tail -n 1; }
# cpu_ms PID: user + system CPU time of a process so far, in ms.
cpu_ms() { sed 's/.*) //' "/proc/$1/stat" | awk -v hz="$HZ" '{printf "%d", ($12 + $13) * 1000 / hz}'; }

echo "bench: workdir $T; collector on CPU $SRV_CPU, client on CPU $CLI_CPU"

# 1. The organisation.
t0=$(ms)
GENOUT=$(timeout 120 "$GEN" "$T/org" "$PERSONS" "$RESOURCES" "$EVENTS") || { echo "bench: gen_org failed" >&2; exit 1; }
echo "$GENOUT  ($(($(ms) - t0)) ms)"
POLICY=$T/org/policy.cfg
POLICY_MB=$(du -m "$POLICY" | awk '{print $1}')

PORT=$("$INGEST" free-port) || exit 1
cat >"$T/collector.conf" <<EOF
listen = "127.0.0.1:$PORT";
database = "$T/vigil.db";
policy = "$POLICY";
max_body = 16777216;
threads = 4;
log_level = "info";
user = "root";
EOF

# 2. Policy load time: validation loads and compiles the policy once.
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

# start_collector: fresh database, one agent per host, collector on CPU 0.
# Sets PID, START_MS, RSS_IDLE; starts the VmRSS sampler.
start_collector() {
	rm -f "$T"/vigil.db*
	: >"$T/tokens.txt"
	while read -r host; do
		tok=$("$COLLECTOR" -c "$T/collector.conf" agent add "$host") ||
			{ echo "bench: agent add $host failed" >&2; exit 1; }
		echo "$host $tok" >>"$T/tokens.txt"
	done <"$T/org/hosts.txt"
	t0=$(ms)
	taskset -c $SRV_CPU "$COLLECTOR" -c "$T/collector.conf" 2>>"$T/collector.log" &
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
	echo "bench: collector pid $PID healthy on port $PORT after $START_MS ms;" \
	     "$(wc -l <"$T/tokens.txt") agents; VmRSS $(mb "$RSS_IDLE") MB, VmHWM $(mb "$(status_kb "$PID" VmHWM)") MB"
	(
		while [ -r "/proc/$PID/status" ]; do
			awk '$1 == "VmRSS:" {print $2}' "/proc/$PID/status" 2>/dev/null
			sleep 0.1
		done
	) >>"$T/rss.samples" 2>/dev/null &
	SAMPLER=$!
}

# stop_collector: reads the counters, stops the collector by pid. Sets
# HWM, RSS_AFTER, ANOMALIES, DB_MB.
stop_collector() {
	RSS_AFTER=$(status_kb "$PID" VmRSS)
	HWM=$(status_kb "$PID" VmHWM)
	ANOMALIES=$(curl -sf "http://127.0.0.1:$PORT/metrics" |
		awk '/^vigil_anomalies_total/ {s += $NF} END {printf "%d", s}')
	kill "$SAMPLER" 2>/dev/null
	wait "$SAMPLER" 2>/dev/null
	SAMPLER=
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
}

# ingest CPUS ARGS...: the ingest client, bounded in batches and time.
ingest() {
	cpus=$1
	shift
	timeout 150 taskset -c "$cpus" "$INGEST" ingest --url "http://127.0.0.1:$PORT" \
		--tokens "$T/tokens.txt" --events "$T/org/events.ndjson" --batch 1000 \
		--max-batches "$BATCHES" --max-seconds 60 "$@"
}

: >"$T/rss.samples"

# 3. Headline: plain NDJSON, one agent connection at a time, collector on
# one core. Three runs, each on a fresh database; the median run is reported.
RUNS=${VIGIL_BENCH_RUNS:-3}
PLAIN_ALL=
: >"$T/plain.runs"
n=0
while [ $n -lt "$RUNS" ]; do
	n=$((n + 1))
	start_collector
	c0=$(cpu_ms "$PID")
	line=$(ingest $CLI_CPU --label plain) || { echo "bench: ingest failed" >&2; tail -n 20 "$T/collector.log" >&2; exit 1; }
	c1=$(cpu_ms "$PID")
	echo "$line"
	cpu_us=$(awk -v c=$((c1 - c0)) -v n="$(kv "$line" events)" 'BEGIN {printf "%.1f", (n > 0) ? c * 1000 / n : 0}')
	util=$(awk -v c=$((c1 - c0)) -v s="$(kv "$line" seconds)" 'BEGIN {printf "%.0f", (s > 0) ? c / s / 10 : 0}')
	sleep 0.3
	stop_collector
	# events/s, then the fields the summary needs, one run a line
	echo "$(kv "$line" events_per_s) cpu_us=$cpu_us util=$util hwm=$HWM idle=$RSS_IDLE after=$RSS_AFTER start=$START_MS anomalies=$ANOMALIES db=$DB_MB $line" >>"$T/plain.runs"
	PLAIN_ALL="$PLAIN_ALL${PLAIN_ALL:+,}$(kv "$line" events_per_s)"
done
MED=$(sort -n "$T/plain.runs" | sed -n "$(( (RUNS + 1) / 2 ))p")
PLAIN=$MED
CPU_US=$(kv "$MED" cpu_us) UTIL=$(kv "$MED" util) RSS_IDLE_PLAIN=$(kv "$MED" idle)
RSS_AFTER_PLAIN=$(kv "$MED" after) START_PLAIN=$(kv "$MED" start) ANOM_PLAIN=$(kv "$MED" anomalies)
DB_PLAIN=$(kv "$MED" db)
# shellcheck disable=SC2046  # one argument per run, split on purpose
HWM_PLAIN=$(maxof $(sed 's/.* hwm=\([0-9]*\).*/\1/' "$T/plain.runs"))

# 4. The same with gzip bodies, on a fresh database.
start_collector
GZIP=$(ingest $CLI_CPU --label gzip --gzip) || { echo "bench: gzip ingest failed" >&2; exit 1; }
echo "$GZIP"
stop_collector
HWM_GZIP=$HWM

# 5. Informational: 4 agents at once, collector free to use every CPU
# (shared with the client), to show what more cores buy.
PAR=
HWM_PAR=0
if [ "$NCPU" -ge 2 ]; then
	start_collector
	if taskset -a -p -c 0-$((NCPU - 1)) "$PID" >/dev/null 2>&1; then
		PAR=$(ingest 0-$((NCPU - 1)) --label parallel4 --parallel 4) ||
			{ echo "bench: parallel ingest failed" >&2; exit 1; }
		echo "$PAR"
	fi
	stop_collector
	HWM_PAR=$HWM
fi
RSS_MAX=$(sort -n "$T/rss.samples" | tail -n 1)
HWM_MAX=$(maxof "$HWM_PLAIN" "$HWM_GZIP" "$HWM_PAR")

# 6. Raw SQLite reference: the same rows on the same core and disk.
RAW=$(timeout 200 taskset -c $SRV_CPU "$INGEST" raw --db "$T/raw.db" --events "$T/org/events.ndjson" \
	--batch 1000 --max-batches "$BATCHES" --max-seconds 60 --repeat "$RUNS") || { echo "bench: raw SQLite run failed" >&2; exit 1; }
echo "$RAW"
rm -f "$T"/raw.db*

# 6b. Tamper evidence: a chained database of VERIFY_EVENTS events built
# through the store (bench/bench_verify), then `vigil-collector verify` on
# it, timed, on the collector's core.
VERLINE=
BUILDLINE=
if [ -x "$VERBENCH" ]; then
	OUT=$(timeout 600 taskset -c $SRV_CPU "$VERBENCH" --db "$T/verify.db" --events "$T/org/events.ndjson" \
		--count "$VERIFY_EVENTS") || { echo "bench: bench_verify failed" >&2; OUT=; }
	printf '%s\n' "$OUT"
	BUILDLINE=$(printf '%s\n' "$OUT" | grep '^chain_build ')
	HASHLINE=$(printf '%s\n' "$OUT" | grep '^chain_hash ')
	if [ -n "$BUILDLINE" ]; then
		sed "s|^database = .*|database = \"$T/verify.db\";|" "$T/collector.conf" >"$T/verify.conf"
		t0=$(ms)
		timeout 600 taskset -c $SRV_CPU "$COLLECTOR" -c "$T/verify.conf" verify >"$T/verify.out" 2>&1
		vrc=$?
		VMS=$(($(ms) - t0))
		VERLINE="chain_verify events=$(kv "$BUILDLINE" events) blocks=$(kv "$BUILDLINE" blocks) ms=$VMS exit=$vrc"
		echo "$VERLINE"
		[ $vrc -eq 0 ] || { echo "bench: verify failed:" >&2; tail -n 5 "$T/verify.out" >&2; }
	fi
	rm -f "$T"/verify.db*
fi

# 7. Policy decision benchmark, when someone has written one.
POLLINE=
if [ -x "$POLBENCH" ]; then
	POLLINE=$(timeout 120 taskset -c $SRV_CPU "$POLBENCH" "$POLICY" 2>"$T/polbench.err") ||
		{ echo "bench: bench_policy failed" >&2; POLLINE=; }
	cat "$T/polbench.err"
	printf '%s\n' "$POLLINE"
fi

# 7b. Detection alone: policy decisions and the behavioural engine over the
# same events, without HTTP or the event store (bench/bench_detect).
DETLINE=
if [ -x "$B/bench/bench_detect" ]; then
	DETLINE=$(timeout 300 taskset -c $SRV_CPU "$B/bench/bench_detect" "$POLICY" \
		"$T/org/events.ndjson" 1000 2>"$T/detect.err") ||
		{ echo "bench: bench_detect failed" >&2; cat "$T/detect.err" >&2; DETLINE=; }
	printf '%s\n' "$DETLINE"
fi

# 8. Summary.
EPS=$(kv "$PLAIN" events_per_s)
RAWR=$(kv "$RAW" rows_per_s)
missed=0
verdict() { # verdict VALUE OP TARGET
	if awk -v v="$1" -v t="$3" -v op="$2" 'BEGIN {exit !((op == ">=") ? v >= t : v <= t)}'; then
		echo PASS
	else
		echo MISS
	fi
}
row() { printf '  %-46s %15s   %-10s %s\n' "$1" "$2" "$3" "$4"; }
RATIO=$(awk -v a="$EPS" -v b="$RAWR" 'BEGIN {printf "%.2f", (b > 0) ? a / b : 0}')
V1=$(verdict "$EPS" ">=" $T_EPS)
V2=$(verdict "$RATIO" ">=" $T_RAW_RATIO)
V3=$(verdict "$(mb "$HWM_MAX")" "<=" $T_RSS_MB)
V4=$(verdict "$(mb "$RSS_MAX")" "<=" $T_RSS_MB)
for v in "$V1" "$V2" "$V3" "$V4"; do [ "$v" = PASS ] || missed=1; done

echo
echo "vigil benchmark summary ($(date -u +%Y-%m-%dT%H:%MZ), $(uname -m), $NCPU CPUs;" \
     "$PERSONS persons, $RESOURCES resources, policy ${POLICY_MB} MB)"
row "metric" "measured" "target" ""
row "ingest, NDJSON, 1000/batch, 1 core (events/s)" "$EPS" ">= $T_EPS" "$V1"
row "  runs (events/s; median above)" "$PLAIN_ALL" "" ""
row "  batch latency p50 / p99 (ms)" "$(kv "$PLAIN" p50_ms) / $(kv "$PLAIN" p99_ms)" "" ""
row "  collector CPU per event (us), CPU busy" "$CPU_US, ${UTIL}%" "" ""
row "ingest, NDJSON+gzip, 1 core (events/s)" "$(kv "$GZIP" events_per_s)" "" ""
row "  batch latency p50 / p99 (ms)" "$(kv "$GZIP" p50_ms) / $(kv "$GZIP" p99_ms)" "" ""
if [ -n "$PAR" ]; then
	row "ingest, 4 agents at once, $NCPU CPUs (events/s)" "$(kv "$PAR" events_per_s)" "(info)" ""
	row "  batch latency p50 / p99 (ms)" "$(kv "$PAR" p50_ms) / $(kv "$PAR" p99_ms)" "" ""
fi
row "raw SQLite insert, 1 core (rows/s)" "$RAWR" "" ""
row "  runs (rows/s; median above)" "$(kv "$RAW" runs)" "" ""
row "ingest / raw SQLite" "$RATIO" ">= 0.33" "$V2"
row "collector peak RSS, VmHWM (MB)" "$(mb "$HWM_MAX")" "<= $T_RSS_MB" "$V3"
row "collector RSS, max sampled while serving (MB)" "$(mb "$RSS_MAX")" "<= $T_RSS_MB" "$V4"
row "collector RSS idle / after ingest (MB)" "$(mb "$RSS_IDLE_PLAIN") / $(mb "$RSS_AFTER_PLAIN")" "" ""
row "policy load, collector -t (ms)" "$LOAD_MS" "" ""
row "collector start to /healthz (ms)" "$START_PLAIN" "" ""
row "events stored / anomalies (plain run)" "$(kv "$PLAIN" accepted) / $ANOM_PLAIN" "" ""
row "database size after plain run (MB)" "$DB_PLAIN" "" ""
if [ -n "$VERLINE" ]; then
	row "verify, $(kv "$VERLINE" events) events in $(kv "$VERLINE" blocks) blocks (s)" \
		"$(awk -v m="$(kv "$VERLINE" ms)" 'BEGIN {printf "%.1f", m / 1000}')" "" \
		"$([ "$(kv "$VERLINE" exit)" = 0 ] && echo ok || echo FAILED)"
	row "  chain: SHA-256 per event (ns)" "$(kv "$HASHLINE" ns_per_event)" "" ""
	row "  store+chain without HTTP or policy (events/s)" "$(kv "$BUILDLINE" events_per_s)" "" ""
fi
if [ -n "$DETLINE" ]; then
	row "detection CPU per event: policy / behaviour (us)" \
		"$(kv "$DETLINE" decide_us) / $(kv "$DETLINE" behave_us)" "" ""
	row "  detector state records, VmHWM (MB)" \
		"$(kv "$DETLINE" state_records), $(kv "$DETLINE" vmhwm_mb)" "" ""
fi
if [ -n "$POLLINE" ]; then
	row "policy decision, bench_policy median / p99 (ns)" "$(kv "$POLLINE" median_ns) / $(kv "$POLLINE" p99_ns)" "" ""
fi

# 9. The officer's views on a large database (bench/officer.sh: 10,000,000
# events, 100,000 anomalies; anomaly list, dossier, risk ranking, vetting
# report < 200 ms, HTML reports < 1 s).
if [ -x "$B/bench/bench_officer" ]; then
	echo
	VIGIL_BENCH_STRICT=1 sh "$(dirname "$0")/officer.sh" "$B" || missed=1
fi

# 10. Insider detection over a synthetic organisation (vigil-scenario-gen):
# recall and false-positive rate of high and critical anomalies, measured as
# tests/scenarios/insiders.sh measures them, on a larger organisation.
SCEN_PERSONS=${VIGIL_BENCH_SCEN_PERSONS:-1000}
SCEN_WEEKS=${VIGIL_BENCH_SCEN_WEEKS:-8}
if [ "$SCEN_PERSONS" -gt 0 ] && [ -x "$B/tests-bin/vigil-scenario-gen" ]; then
	echo
	echo "insider scenarios: $SCEN_PERSONS persons, $SCEN_WEEKS weeks (tests/scenarios/lib/measure.sh)"
	if bash "$(dirname "$0")/../tests/scenarios/lib/measure.sh" "$B" "$SCEN_PERSONS" "$SCEN_WEEKS" \
		>"$T/scen.out" 2>"$T/scen.err"; then
		sed 's/^/  /' "$T/scen.out"
		REC=$(awk '$1 == "recall" {print $2}' "$T/scen.out")
		FPR=$(awk '$1 == "fp_rate" {print $2}' "$T/scen.out")
		row "insiders flagged high/critical (recall)" "$REC" ">= 0.95" "$(verdict "$REC" ">=" 0.95)"
		row "benign persons flagged high/critical (FP rate)" "$FPR" "<= 0.01" "$(verdict "$FPR" "<=" 0.01)"
		[ "$(verdict "$REC" ">=" 0.95)$(verdict "$FPR" "<=" 0.01)" = PASSPASS ] || missed=1
	else
		echo "bench: insider scenario measurement failed:" >&2
		tail -n 5 "$T/scen.err" >&2
		missed=1
	fi
fi
if [ $missed -ne 0 ]; then
	echo "bench: at least one target missed (see docs/benchmarks.md for the profile)"
	[ "${VIGIL_BENCH_STRICT:-0}" = 1 ] && exit 1
fi
exit 0
