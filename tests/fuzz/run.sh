#!/bin/sh
# tests/fuzz/run.sh BUILD SECONDS: runs each libFuzzer harness in
# BUILD/bin/ for SECONDS (libFuzzer fork mode: a crash is saved and the run
# goes on) and prints one line per target: executions, corpus
# size, and the crash if there was one. Crashing inputs are kept under
# BUILD/crashes/TARGET/, the working corpus under BUILD/corpus/TARGET/
# (seeded from tests/fuzz/corpus/TARGET/, which holds inputs extracted from
# tests/data/), full logs under BUILD/logs/. Exit status 1 when any target
# crashed. FUZZ_TARGETS="policy audit_text" runs only those. Leaks inside
# libconfig and libauparse are suppressed (tests/fuzz/lsan.supp says why).
set -u
if [ $# -ne 2 ]; then
	echo "usage: sh tests/fuzz/run.sh BUILD SECONDS" >&2
	exit 2
fi
REPO=$(cd "$(dirname "$0")/../.." && pwd)
cd "$REPO" || exit 2
BUILD=$1
SECONDS_EACH=$2
TARGETS=${FUZZ_TARGETS:-event_decode ingest_body pam_datagram audit_text policy}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$REPO/tests/fuzz/lsan.supp:print_suppressions=0}

# Inputs longer than this are cut; a policy is parsed into a large tree, so
# it stays small.
max_len() {
	case $1 in
	event_decode) echo 4096 ;;
	ingest_body) echo 16384 ;;
	pam_datagram) echo 4200 ;;    # AGENT_PAM_MAX and a little over
	audit_text) echo 8192 ;;
	policy) echo 4096 ;;
	*) echo 4096 ;;
	esac
}

# classify BIN FILE...: re-runs each saved input (fork mode shows only some
# of the children's reports) and prints one line per distinct error, long
# numbers folded, with how often it was hit.
classify() {
	local bin=$1 f
	shift
	for f in "$@"; do
		timeout 30 "$bin" "$f" 2>&1 |
			grep -E -m 1 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|fuzz invariant broken|ERROR: libFuzzer: (timeout|out-of-memory)' |
			sed -e 's/^==[0-9]*==//' -e 's/[0-9]\{5,\}/N/g' -e 's/0x[0-9a-f]*/0xN/g' | cut -c1-160
	done | sort | uniq -c | sort -rn | sed 's/^ *\([0-9]*\) /\1x /'
}

crashed=0
for t in $TARGETS; do
	bin=$BUILD/bin/fuzz_$t
	if [ ! -x "$bin" ]; then
		echo "fuzz_$t: not built ($bin missing)"
		crashed=1
		continue
	fi
	corpus=$BUILD/corpus/$t
	crashes=$BUILD/crashes/$t
	log=$BUILD/logs/$t.log
	mkdir -p "$corpus" "$crashes" "$BUILD/logs"
	cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null
	before=$(ls "$crashes" | wc -l)
	# Fork mode with -ignore_crashes: a crash is saved and fuzzing goes on
	# for the whole time, so one shallow bug does not hide the rest.
	"$bin" -fork=1 -ignore_crashes=1 -max_total_time="$SECONDS_EACH" \
		-max_len="$(max_len "$t")" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$crashes/" "$corpus" >"$log" 2>&1
	execs=$(sed -n 's/^#\([0-9][0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
	units=$(ls "$corpus" | wc -l)
	new=$(($(ls "$crashes" | wc -l) - before))
	if [ "$new" -eq 0 ]; then
		echo "fuzz_$t: ${execs:-?} executions in ${SECONDS_EACH} s, corpus $units inputs, no crash"
	else
		crashed=1
		echo "fuzz_$t: ${execs:-?} executions in ${SECONDS_EACH} s, corpus $units inputs, CRASHED: $new inputs saved in $crashes/"
		# shellcheck disable=SC2046
		classify "$bin" $(ls -t "$crashes"/* | head -n "$((new < 50 ? new : 50))") |
			head -n 5 | sed "s|^|fuzz_$t:   |"
		echo "fuzz_$t:   reproduce: $bin $crashes/FILE"
	fi
done
exit $crashed
