#!/bin/bash
# tests/e2e/pam_module.sh: pam_vigil.so in real PAM stacks, driven by pamtester.
#
# Builds /etc/pam.d/vigil-test-* services from the stack lines docs/pam.md
# recommends (tests/data/pam/), adds a throw-away user with a known password,
# and receives the module's datagrams with pam_sink (tests/data/pam), which
# runs the agent's real intake and prints each event it would spool. Checks:
#   - the module exports exactly the six pam_sm_* entry points;
#   - success and failure each record the right phases and fields, and the
#     login outcome is the one the stack gives without the module;
#   - loginuid/sessionid become auid and detail.session;
#   - su's layout (pam_rootok) records only the session phases for root;
#   - without a mode argument auth records nothing; unknown options are ignored;
#   - a login run by an ordinary user is recorded as untrusted, not believed;
#   - with no agent, a stale socket or a full queue, logins still succeed.
# Needs root (writes /etc/pam.d, adds a user) and pamtester; skipped otherwise.
# Environment: VIGIL_BIN as lib.sh (the module is ../lib/pam_vigil.so beside
# it), or VIGIL_BUILD for the build directory itself.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root: writes /etc/pam.d and adds a user"
for tool in pamtester useradd userdel chpasswd setpriv cc nm readelf; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed (mk/deps.sh installs pamtester)"
done

BUILD_DIR=${VIGIL_BUILD:-$(dirname "$VIGIL_BIN")}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$REPO/$BUILD_DIR ;; esac
MODULE=$BUILD_DIR/lib/pam_vigil.so
DATA=$REPO/tests/data/pam
[ -f "$MODULE" ] || bail "pam_vigil.so is built ($MODULE missing)"
for lib in libvgagent.a libvgcommon.a; do
	[ -f "$BUILD_DIR/lib/$lib" ] || bail "$lib is built ($BUILD_DIR/lib/$lib missing)"
done

# Everything under $T must be reachable by the test user for the untrusted
# case; the socket directory is what agent_pam_open would create (0755).
chmod 0711 "$T"
# The checkout may sit below a directory the test user cannot enter (a
# mktemp -d clone is 0700): PAM would then fail to load the module for that
# user, silently, as it must. The stacks use a copy the test user can read.
cp "$MODULE" "$T/pam_vigil.so"
chmod 0644 "$T/pam_vigil.so"
MODULE=$T/pam_vigil.so
SOCK=$T/run/agent.sock
OUT=$T/events
PAMLOG=$T/pamtester.log
SUFFIX=$(tr -dc 'a-z0-9' </dev/urandom | head -c 8)
SVC=vigil-test-$SUFFIX
SVC_SU=vigil-test-su-$SUFFIX
SVC_NOMODE=vigil-test-nomode-$SUFFIX
TEST_USER=vgt$SUFFIX
PASS=Vg-$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 16)
SERVICES=()
USER_ADDED=
SINK_PID=

pam_cleanup() {
	local s
	for s in "${SERVICES[@]}"; do
		rm -f "/etc/pam.d/$s"
	done
	[ -n "$USER_ADDED" ] && userdel "$TEST_USER" 2>/dev/null
	[ -n "${PAM_KEEP_EVENTS:-}" ] && cp "$OUT" "$PAM_KEEP_EVENTS"
	cleanup
}
trap pam_cleanup EXIT

pam_env_for "$MODULE"

# make_service NAME TEMPLATE...: /etc/pam.d/NAME from tests/data/pam files.
make_service() {
	local name=$1 f
	shift
	SERVICES+=("$name")
	for f in "$@"; do
		sed -e "s|@MODULE@|$MODULE|g" -e "s|@ARGS@|socket=$SOCK|g" "$DATA/$f"
	done >"/etc/pam.d/$name"
}

# pam PASSWORD [pamtester args...]: runs pamtester feeding PASSWORD to each
# prompt; returns pamtester's status.
pam() {
	local pw=$1
	shift
	echo "### pamtester $*" >>"$PAMLOG"
	printf '%s\n%s\n' "$pw" "$pw" | "${PAM_ENV[@]}" pamtester "$@" >>"$PAMLOG" 2>&1
}

# ---- the receiver ----------------------------------------------------------

SINK=$T/pam_sink
SINK_CFLAGS=()
if nm "$BUILD_DIR/lib/libvgagent.a" 2>/dev/null | grep -q __asan_; then
	SINK_CFLAGS=(-fsanitize=address,undefined -fno-omit-frame-pointer)
fi
# shellcheck disable=SC2046
if ! cc -std=c11 -D_GNU_SOURCE -g "${SINK_CFLAGS[@]}" -I"$REPO/agent" -I"$REPO/common" \
	$(pkg-config --cflags jansson) -o "$SINK" "$DATA/pam_sink.c" \
	"$BUILD_DIR/lib/libvgagent.a" "$BUILD_DIR/lib/libvgcommon.a" \
	$(pkg-config --libs jansson yajl sqlite3 libconfig) -lm -lpthread 2>"$T/cc.err"; then
	diag "$(cat "$T/cc.err")"
	bail "the test receiver pam_sink compiles"
fi

# sink_start [-hold]: starts pam_sink on $SOCK and waits until it is bound.
sink_start() {
	local i
	rm -f "$OUT.ready"
	"$SINK" "$@" "$SOCK" "$OUT" 2>>"$T/sink.err" &
	SINK_PID=$!
	BG_PIDS+=("$SINK_PID")
	for i in $(seq 1 100); do
		[ -e "$OUT.ready" ] && return 0
		kill -0 "$SINK_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "pam_sink did not start: $(cat "$T/sink.err")"
	return 1
}

sink_stop() {
	stop_pid "$SINK_PID"
	SINK_PID=
}

nlines() {
	if [ -f "$OUT" ]; then wc -l <"$OUT"; else echo 0; fi
}

# wait_lines N: waits (at most ~10 s) until the receiver has written N lines.
wait_lines() {
	local i
	for i in $(seq 1 100); do
		[ "$(nlines)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# new_events FROM: the lines written after the first FROM.
new_events() {
	tail -n +"$(($1 + 1))" "$OUT"
}

# count_matching TEXT STRING...: lines of TEXT holding every STRING.
count_matching() {
	local text=$1 s
	shift
	for s in "$@"; do
		text=$(printf '%s\n' "$text" | grep -F -- "$s")
	done
	if [ -z "$text" ]; then echo 0; else printf '%s\n' "$text" | wc -l; fi
}

# ---- the module's interface ----------------------------------------------

syms=$(nm -D --defined-only "$MODULE" | awk '{print $3}' | sort | tr '\n' ' ')
is "$syms" "pam_sm_acct_mgmt pam_sm_authenticate pam_sm_chauthtok pam_sm_close_session pam_sm_open_session pam_sm_setcred " \
	"pam_vigil.so exports exactly the six pam_sm_* entry points"

make_service "$SVC" common-auth common-account common-session
make_service "$SVC_SU" su-auth common-auth common-account common-session
make_service "$SVC_NOMODE" no-mode-auth common-session
if ! useradd -M -s /usr/sbin/nologin "$TEST_USER" 2>>"$T/useradd.err"; then
	diag "$(cat "$T/useradd.err")"
	bail "test user $TEST_USER can be created"
fi
USER_ADDED=1
echo "$TEST_USER:$PASS" | chpasswd
TEST_UID=$(id -u "$TEST_USER")
TEST_GID=$(id -g "$TEST_USER")
U=\"user\":\"$TEST_USER\"
S=\"service\":\"$SVC\"

# ---- an agent is listening -----------------------------------------------

sink_start || bail "pam_sink receives on $SOCK"

# A password login, with the items sshd would set.
n0=$(nlines)
pam "$PASS" -I rhost=198.51.100.7 -I tty=ssh -I ruser=alice "$SVC" "$TEST_USER" \
	authenticate acct_mgmt open_session close_session
is "$?" 0 "a login with the right password succeeds through the recording stack"
wait_lines $((n0 + 4))
ev=$(new_events "$n0")
is "$(printf '%s\n' "$ev" | grep -c .)" 4 "it records exactly four events (auth, account, session open and close)"
is "$(count_matching "$ev" '"kind":"auth_success"' '"phase":"auth_success"' '"result":"success"' "$U" "$S" \
	'"rhost":"198.51.100.7"' '"tty":"ssh"' '"ruser":"alice"' '"host":"e2e-host"' '"sender_uid":0' '"pid":')" 1 \
	"authsucc records an auth_success with user, service, rhost, tty, ruser and the sender"
is "$(count_matching "$ev" '"kind":"auth_success"' '"phase":"account"' "$U" "$S")" 1 \
	"the account phase records an auth_success with detail.phase account"
is "$(count_matching "$ev" '"kind":"session_open"' '"phase":"session_open"' "$U" "$S" '"rhost":"198.51.100.7"')" 1 \
	"open_session records a session_open"
is "$(count_matching "$ev" '"kind":"session_close"' "$U" "$S")" 1 "close_session records a session_close"
is "$(count_matching "$ev" '"kind":"auth_failure"')" 0 "a successful login records no failure"
is "$(count_matching "$ev" '"time":"')" 4 "every event has a time"

# A wrong password.
n0=$(nlines)
pam "not-$PASS" "$SVC" "$TEST_USER" authenticate
rc=$?
check "a wrong password still fails (pamtester status $rc)" test "$rc" -ne 0
wait_lines $((n0 + 1))
ev=$(new_events "$n0")
is "$(printf '%s\n' "$ev" | grep -c .)" 1 "a failed authentication records exactly one event"
is "$(count_matching "$ev" '"kind":"auth_failure"' '"phase":"auth_failure"' '"result":"failure"' "$U" "$S")" 1 \
	"authfail records an auth_failure with the user and service"

# An account that does not exist: the attempt is still evidence.
n0=$(nlines)
pam "whatever" "$SVC" "nosuch$SUFFIX" authenticate
rc=$?
check "an unknown account fails (pamtester status $rc)" test "$rc" -ne 0
wait_lines $((n0 + 1))
is "$(count_matching "$(new_events "$n0")" '"kind":"auth_failure"' "\"user\":\"nosuch$SUFFIX\"")" 1 \
	"a failure for an unknown account is recorded with the name tried"

# A hostile name: control characters and invalid UTF-8 become '?', and a
# name over 255 bytes is cut before a character that would not fit (the
# 2-byte e-acute at bytes 255-256), so the attempt is still a login event.
xs=$(printf 'x%.0s' $(seq 1 249))
n0=$(nlines)
pam "whatever" "$SVC" "$(printf 'ab\tc\377')${xs}$(printf '\303\251')yyy" authenticate
wait_lines $((n0 + 1))
is "$(count_matching "$(new_events "$n0")" '"kind":"auth_failure"' "\"user\":\"ab?c?${xs}\"")" 1 \
	"a name with control bytes, invalid UTF-8 and 257 bytes is recorded cleaned and cut to 254"

# An expired account: pam_unix refuses it, pam_deny ends the stack before
# the recorder, so no "account" success is claimed.
if command -v chage >/dev/null 2>&1; then
	chage -E 0 "$TEST_USER"
	n0=$(nlines)
	pam "" "$SVC" "$TEST_USER" acct_mgmt
	rc=$?
	check "an expired account is still refused (pamtester status $rc)" test "$rc" -ne 0
	sleep 0.3
	is "$(nlines)" "$n0" "a refused account check records nothing"
	chage -E -1 "$TEST_USER"
else
	skip "a refused account check records nothing" "chage is not installed"
fi

# After pam_loginuid the audit ids are in /proc/self: here they are set by
# hand for pamtester's process.
n0=$(nlines)
printf '%s\n' "$PASS" | "${PAM_ENV[@]}" bash -c 'echo 4242 >/proc/self/loginuid 2>/dev/null || exit 99
	exec pamtester "$@"' _ "$SVC" "$TEST_USER" open_session close_session >>"$PAMLOG" 2>&1
rc=$?
if [ "$rc" -eq 99 ]; then
	skip "loginuid and sessionid become auid and detail.session" "/proc/self/loginuid is not writable here"
else
	is "$rc" 0 "a session opens with a loginuid set"
	wait_lines $((n0 + 2))
	is "$(count_matching "$(new_events "$n0")" '"kind":"session_open"' '"auid":4242' '"session":')" 1 \
		"loginuid and sessionid become auid and detail.session"
fi

# su's layout: pam_rootok ends auth for root, so only sessions are recorded.
n0=$(nlines)
pam "" "$SVC_SU" root authenticate open_session close_session
is "$?" 0 "root passes su's layout without a password"
wait_lines $((n0 + 2))
sleep 0.3   # would an auth event follow? (none must)
ev=$(new_events "$n0")
is "$(printf '%s\n' "$ev" | grep -c .)" 2 "su's layout for root records the two session phases only"
is "$(count_matching "$ev" '"kind":"session_open"' '"user":"root"' "\"service\":\"$SVC_SU\"")" 1 \
	"su's session_open names root and the su service"

# No mode argument in auth, and an unknown option.
n0=$(nlines)
pam "" "$SVC_NOMODE" "$TEST_USER" authenticate open_session
is "$?" 0 "a stack with pam_vigil.so in auth without a mode (and an unknown option) succeeds"
wait_lines $((n0 + 1))
sleep 0.3
ev=$(new_events "$n0")
is "$(printf '%s\n' "$ev" | grep -c .)" 1 "auth without authfail/authsucc records nothing (only the session)"
is "$(count_matching "$ev" '"kind":"session_open"')" 1 "the unknown option does not stop the session record"

# An ordinary user running a PAM application (a screen locker does): the
# datagram is kept but not believed.
n0=$(nlines)
printf '%s\n' "$PASS" | "${PAM_ENV[@]}" setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups \
	pamtester "$SVC" "$TEST_USER" authenticate >>"$PAMLOG" 2>&1
is "$?" 0 "the test user authenticates itself through the stack"
wait_lines $((n0 + 1))
ev=$(new_events "$n0")
is "$(count_matching "$ev" '"kind":"agent"' '"action":"untrusted_pam_datagram"' "\"sender_uid\":$TEST_UID" \
	"\"claimed_user\":\"$TEST_USER\"" '"claimed_phase":"auth_success"')" 1 \
	"a datagram from uid $TEST_UID becomes an untrusted_pam_datagram event with its claims"
is "$(count_matching "$ev" '"kind":"auth_success"')" 0 "and not a login event"

# su and sudo are setuid root: the real uid is the invoking user's. The module
# states its effective uid, so their records are believed. A setuid copy of
# pamtester run by the test user stands in for them.
if [ "${#PAM_ENV[@]}" -gt 1 ]; then
	skip "a setuid-root application run by an ordinary user is trusted" \
		"the sanitizer runtime cannot be preloaded into a setuid program"
elif findmnt -no OPTIONS -T "$T" 2>/dev/null | grep -qw nosuid; then
	skip "a setuid-root application run by an ordinary user is trusted" "$T is on a nosuid mount"
else
	cp "$(command -v pamtester)" "$T/pamtester-suid"
	chmod 4755 "$T/pamtester-suid"
	n0=$(nlines)
	printf '%s\n' "$PASS" | setpriv --reuid="$TEST_UID" --regid="$TEST_GID" --clear-groups \
		"$T/pamtester-suid" "$SVC" "$TEST_USER" authenticate >>"$PAMLOG" 2>&1
	is "$?" 0 "the test user authenticates through a setuid-root application"
	wait_lines $((n0 + 1))
	is "$(count_matching "$(new_events "$n0")" '"kind":"auth_success"' '"sender_uid":0' "$U")" 1 \
		"a setuid-root application run by an ordinary user is trusted (effective uid 0)"
fi

is "$(grep -c '^INVALID' "$OUT")" 0 "every event the intake made passes schema v1"
sink_stop

# ---- no agent ----------------------------------------------------------------

rm -f "$SOCK"
n0=$(nlines)
pam "$PASS" "$SVC" "$TEST_USER" authenticate acct_mgmt open_session close_session
is "$?" 0 "with no agent socket a login still succeeds"
pam "not-$PASS" "$SVC" "$TEST_USER" authenticate
rc=$?
check "with no agent socket a wrong password still fails (status $rc)" test "$rc" -ne 0

# A socket file left by a dead agent (ECONNREFUSED).
sink_start || bail "pam_sink receives on $SOCK"
kill -KILL "$SINK_PID"
wait "$SINK_PID" 2>/dev/null
check "a killed agent leaves its socket file behind" test -S "$SOCK"
pam "$PASS" "$SVC" "$TEST_USER" authenticate acct_mgmt open_session close_session
is "$?" 0 "with a stale socket (no receiver) a login still succeeds"
is "$(nlines)" "$n0" "nothing was recorded while no agent ran"

# ---- a full queue ------------------------------------------------------------

# An agent that never reads: the kernel queue holds max_dgram_qlen + 1
# datagrams, after which sends fail with EAGAIN. Logins must not care.
QLEN=$(cat /proc/sys/net/unix/max_dgram_qlen 2>/dev/null || echo 10)
LOGINS=$((QLEN / 4 + 3))
[ "$LOGINS" -gt 200 ] && LOGINS=200
sink_start -hold || bail "pam_sink holds $SOCK"
n0=$(nlines)
fails=0
for i in $(seq 1 "$LOGINS"); do
	pam "$PASS" "$SVC" "$TEST_USER" authenticate acct_mgmt open_session close_session || fails=$((fails + 1))
done
is "$fails" 0 "$LOGINS logins against an agent that never reads all succeed"
kill -USR1 "$SINK_PID"
wait "$SINK_PID" 2>/dev/null
got=$(($(nlines) - n0))
sent=$((LOGINS * 4))
if [ "$sent" -gt $((QLEN + 1)) ]; then
	check "the queue really was full: $got of $sent datagrams were queued (max_dgram_qlen $QLEN)" \
		test "$got" -gt 0 -a "$got" -lt "$sent"
else
	skip "the queue really was full" "max_dgram_qlen $QLEN is above what $LOGINS logins send"
fi

# ---- sanitizers ----------------------------------------------------------------

if grep -Eq "$SANITIZER_PATTERN" "$PAMLOG" "$T/sink.err" 2>/dev/null; then
	not_ok "no sanitizer reports from the module or the intake"
	diag "$(grep -E -h -A 12 "$SANITIZER_PATTERN" "$PAMLOG" "$T/sink.err" | head -n 40)"
else
	ok "no sanitizer reports from the module or the intake"
fi

done_testing
