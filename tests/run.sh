#!/bin/sh
# tests/run.sh BUILD_REL BUILD_SAN: runs every vigil test and prints one
# summary line.
#
#   1. unit tests: each binary in BUILD_REL/tests/ and BUILD_SAN/tests/
#      (cmocka, CMOCKA_MESSAGE_OUTPUT=TAP);
#   2. scenario suites: tests/e2e, tests/hostile, tests/fault and
#      tests/scenarios, each *.sh in name order, against the sanitizer
#      build's programs (BUILD_SAN/bin), so that AddressSanitizer and UBSan
#      watch the collector while it serves real HTTP (tests/scenarios runs
#      against BUILD_REL/bin).
#
# Each result line is printed prefixed with its suite ("unit/rel/test_common:
# ok 3 - ..."). The last line of output is exactly
#     N passed, N failed, N skipped
# and the exit status is 0 iff nothing failed. A binary or scenario that
# crashes, times out, or ends without its TAP plan counts as a failure; a
# test that cannot run here is skipped with its reason, never passed.
#
# Environment: VIGIL_E2E=pattern runs only the scenarios whose file name
# matches (shell glob, e.g. VIGIL_E2E='auth*'); VIGIL_UNIT=0 skips the unit
# tests.

# make calls "sh tests/run.sh"; the parsing below needs bash.
[ -z "$BASH_VERSION" ] && exec bash "$0" "$@"

set -u
if [ $# -ne 2 ]; then
	echo "usage: sh tests/run.sh BUILD_REL BUILD_SAN" >&2
	exit 2
fi

REPO=$(cd "$(dirname "$0")/.." && pwd)
abspath() { case $1 in /*) echo "$1" ;; *) echo "$PWD/$1" ;; esac; }
BUILD_REL=$(abspath "$1")
BUILD_SAN=$(abspath "$2")

PASSED=0
FAILED=0
SKIPPED=0
UNIT_TIMEOUT=${VIGIL_UNIT_TIMEOUT:-300}
E2E_TIMEOUT=${VIGIL_E2E_TIMEOUT:-600}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-run.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# tally SUITE OUTFILE STATUS: prints and counts the TAP results in OUTFILE.
# Lines "ok", "not ok", "... # SKIP ..." are results; "1..N" plans are
# checked against the number of results; "#" lines after a failure are
# printed as its diagnostics.
tally() {
	local suite=$1 out=$2 status=$3
	local results=0 fails=0 planned=0 plans=0 show_diag=0 line
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		"ok "*"# SKIP"* | "not ok "*"# SKIP"* | "ok "*"# skip"*)
			SKIPPED=$((SKIPPED + 1)); results=$((results + 1)); show_diag=0
			echo "$suite: $line" ;;
		"not ok "*)
			FAILED=$((FAILED + 1)); fails=$((fails + 1)); results=$((results + 1)); show_diag=1
			echo "$suite: $line" ;;
		"ok "*)
			PASSED=$((PASSED + 1)); results=$((results + 1)); show_diag=0
			echo "$suite: $line" ;;
		"1..0 # SKIP"* | "1..0 # skip"*)
			plans=$((plans + 1))
			SKIPPED=$((SKIPPED + 1))
			echo "$suite: ok - whole suite # SKIP ${line#*SKIP }" ;;
		1..*)
			plans=$((plans + 1))
			n=${line#1..}
			n=${n%% *}
			case $n in '' | *[!0-9]*) n=0 ;; esac
			planned=$((planned + n))
			# What a scenario prints after its plan (e.g. the collector's
			# log) explains its failures.
			[ "$fails" -gt 0 ] && show_diag=1 ;;
		"#"*)
			[ "$show_diag" -eq 1 ] && echo "$suite: $line" ;;
		*)
			# Anything else is noise (e.g. a sanitizer report on stdout);
			# show it only in the context of a failure.
			[ "$show_diag" -eq 1 ] && echo "$suite: # $line" ;;
		esac
	done <"$out"

	if [ "$plans" -eq 0 ]; then
		FAILED=$((FAILED + 1))
		echo "$suite: not ok - ended without a TAP plan (exit status $status; crashed, timed out or aborted)"
		show_tail "$suite" "$out.err"
	elif [ "$results" -lt "$planned" ]; then
		FAILED=$((FAILED + 1))
		echo "$suite: not ok - ran $results of $planned planned tests (exit status $status)"
		show_tail "$suite" "$out.err"
	elif [ "$status" -ne 0 ] && [ "$fails" -eq 0 ]; then
		FAILED=$((FAILED + 1))
		echo "$suite: not ok - exited with status $status without a failed test"
		show_tail "$suite" "$out.err"
	elif [ "$fails" -gt 0 ]; then
		show_tail "$suite" "$out.err"
	fi
}

# show_tail SUITE FILE: the end of a test's stderr, as diagnostics.
show_tail() {
	[ -s "$2" ] || return 0
	tail -n 25 "$2" | sed "s|^|$1: #   |"
}

run_timeout() {   # run_timeout SECONDS CMD...: timeout(1) when available
	local secs=$1
	shift
	if command -v timeout >/dev/null 2>&1; then
		timeout -k 10 "$secs" "$@"
	else
		"$@"
	fi
}

# ---- unit tests ----------------------------------------------------------

if [ "${VIGIL_UNIT:-1}" != 0 ]; then
	for build in "$BUILD_REL" "$BUILD_SAN"; do
		label=$(basename "$build")
		if [ ! -d "$build/tests" ]; then
			FAILED=$((FAILED + 1))
			echo "unit/$label: not ok - no unit test binaries in $build/tests (build them with make unit-bins)"
			continue
		fi
		for bin in "$build"/tests/*; do
			[ -f "$bin" ] && [ -x "$bin" ] || continue
			name=$(basename "$bin")
			out=$WORK/unit-$label-$name
			(cd "$REPO" && CMOCKA_MESSAGE_OUTPUT=TAP \
				ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
				UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
				run_timeout "$UNIT_TIMEOUT" "$bin") >"$out" 2>"$out.err" </dev/null
			status=$?
			tally "unit/$label/$name" "$out" "$status"
		done
	done
fi

# ---- end-to-end, hostile-input, fault and scenario suites ----------------

# Each suite is a directory of scenario scripts, run in name order against
# the sanitizer build's programs (the scenario suite against the release
# build: it measures detection over a large synthetic organisation, and the
# sanitizer build would only make it slower).
for suite in e2e hostile fault scenarios; do
	[ -d "$REPO/tests/$suite" ] || continue
	bindir=$BUILD_SAN/bin
	[ "$suite" = scenarios ] && bindir=$BUILD_REL/bin
	for script in "$REPO"/tests/$suite/*.sh; do
		[ -f "$script" ] || continue
		name=$(basename "$script" .sh)
		[ "$name" = lib ] && continue
		case $name.sh in ${VIGIL_E2E:-*}) ;; *) continue ;; esac
		out=$WORK/$suite-$name
		(cd "$REPO" && VIGIL_BIN="$bindir" VIGIL_BUILD_REL="$BUILD_REL" \
			run_timeout "$E2E_TIMEOUT" bash "$script") >"$out" 2>"$out.err" </dev/null
		status=$?
		tally "$suite/$name" "$out" "$status"
	done
done

echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" -eq 0 ]
