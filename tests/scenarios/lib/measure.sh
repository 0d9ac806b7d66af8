#!/bin/bash
# tests/scenarios/lib/measure.sh: the insider suite's figures for one
# generated organisation, outside the test harness (bench/run.sh uses it;
# tests/scenarios/insiders.sh does the same under TAP and asserts floors).
#
#   measure.sh BUILD PERSONS WEEKS [SEED]
#
# Generates the organisation (BUILD/tests-bin/vigil-scenario-gen, reorder
# window 36 h), starts BUILD/bin/vigil-collector on a fresh database (in
# /dev/shm when it has room), enrols one agent per host, delivers the
# events in rounds of a day of event time (deliver.sh) with the final flush,
# stops the collector and prints, after two lines about the run,
#   scenario_org vigil-scenario-gen ... (the generator's summary)
#   scenario_delivery batches=N events=N failed=0 flush=200 seconds=S
# the lines of score.sh (recall, fp_rate, victims, scenario, kind, fp,
# missed). Exits 1 when something failed (the reason on stderr).
set -u
if [ $# -lt 3 ] || [ $# -gt 4 ]; then
	echo "usage: measure.sh BUILD PERSONS WEEKS [SEED]" >&2
	exit 2
fi
B=$1 PERSONS=$2 WEEKS=$3 SEED=${4:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
GEN=$B/tests-bin/vigil-scenario-gen
COLLECTOR=$B/bin/vigil-collector
for f in "$GEN" "$COLLECTOR"; do
	[ -x "$f" ] || { echo "measure.sh: $f is missing (make builds it)" >&2; exit 1; }
done

W=$(mktemp -d "${TMPDIR:-/tmp}/vigil-measure.XXXXXX") || exit 1
SHM= PID=
cleanup() {
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null
		wait "$PID" 2>/dev/null
	fi
	rm -rf "$W"
	[ -n "$SHM" ] && rm -rf "$SHM"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "measure.sh: $*" >&2; exit 1; }

"$GEN" --out "$W/org" --persons "$PERSONS" --weeks "$WEEKS" --seed "$SEED" --reorder 36h \
	>"$W/gen.out" 2>"$W/gen.err" || die "vigil-scenario-gen failed: $(cat "$W/gen.err")"
echo "scenario_org $(cat "$W/gen.out")"
EVENTS=$(sed -n 's/.* events=\([0-9]*\).*/\1/p' "$W/gen.out")

# About 600 bytes of database per event; /dev/shm when it holds that twice.
need_kb=$((EVENTS * 600 * 2 / 1024))
if [ -d /dev/shm ] && [ -w /dev/shm ] &&
	[ "$(df -Pk /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')" -gt "$need_kb" ] 2>/dev/null; then
	SHM=$(mktemp -d /dev/shm/vigil-measure.XXXXXX) || SHM=
fi
DBDIR=${SHM:-$W}

PORT=
for i in $(seq 1 50); do
	p=$((20000 + (RANDOM * 32768 + RANDOM) % 40001))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PORT=$p; break; fi
done
[ -n "$PORT" ] || die "no free loopback port"
cat >"$W/collector.conf" <<EOF
listen = "127.0.0.1:$PORT";
database = "$DBDIR/vigil.db";
policy = "$W/org/policy.cfg";
max_body = 16777216;
threads = 4;
log_level = "warn";
EOF
while read -r host; do
	tok=$("$COLLECTOR" -c "$W/collector.conf" agent add "$host" 2>>"$W/cli.err") && [ -n "$tok" ] ||
		die "agent add $host failed: $(tail -n 3 "$W/cli.err")"
	echo "$host $tok"
done <"$W/org/agents.txt" >"$W/tokens"

"$COLLECTOR" -c "$W/collector.conf" 2>>"$W/collector.log" &
PID=$!
for i in $(seq 1 600); do
	curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
	kill -0 "$PID" 2>/dev/null || die "the collector exited: $(tail -n 5 "$W/collector.log")"
	sleep 0.1
done
t0=$(date +%s)
LINE=$(bash "$HERE/deliver.sh" "http://127.0.0.1:$PORT" "$W/tokens" "$W/org/events" "$W/deliver" \
	86400 forward 0 $((36 * 3600 + 60))) || die "delivery failed: $LINE"
echo "scenario_delivery $LINE seconds=$(($(date +%s) - t0))"
rm -rf "$W/deliver"
kill -TERM "$PID"
wait "$PID" || die "the collector did not stop cleanly: $(tail -n 5 "$W/collector.log")"
PID=
bash "$HERE/score.sh" "$DBDIR/vigil.db" "$W/org/truth.csv" 10
