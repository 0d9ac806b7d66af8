#!/bin/sh
# tests/fuzz/deps.sh: makes sure clang can build libFuzzer harnesses with
# AddressSanitizer and UBSan (Debian 12: clang and libclang-rt-14-dev).
# Installs them with apt-get when run as root, otherwise prints the command
# and fails. Quiet when everything is there. Used by `make fuzz` only, so
# that a plain build never needs clang.
set -u
PKGS="clang libclang-rt-14-dev"

works() {
	d=$(mktemp -d "${TMPDIR:-/tmp}/vigil-fuzz-probe.XXXXXX") || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }' \
		>"$d/probe.c"
	clang -fsanitize=fuzzer,address,undefined -o "$d/probe" "$d/probe.c" >/dev/null 2>&1
	rc=$?
	rm -rf "$d"
	return $rc
}

command -v clang >/dev/null 2>&1 && works && exit 0

cmd="apt-get install -y --no-install-recommends $PKGS"
if [ "$(id -u)" -ne 0 ]; then
	echo "vigil: make fuzz needs clang with libFuzzer; run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "vigil: installing $PKGS for make fuzz" >&2
export DEBIAN_FRONTEND=noninteractive
if ! $cmd >/tmp/vigil-apt-fuzz.log 2>&1; then
	apt-get update >>/tmp/vigil-apt-fuzz.log 2>&1
	if ! $cmd >>/tmp/vigil-apt-fuzz.log 2>&1; then
		echo "vigil: apt-get failed; see /tmp/vigil-apt-fuzz.log" >&2
		tail -n 20 /tmp/vigil-apt-fuzz.log >&2
		exit 1
	fi
fi
works || { echo "vigil: clang still cannot build a libFuzzer harness" >&2; exit 1; }
