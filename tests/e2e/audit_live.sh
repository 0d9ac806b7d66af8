#!/usr/bin/env bash
# tests/e2e/audit_live.sh: the agent's audit intake against the real kernel.
#
# A watch with a unique key on a directory of the scenario, the agent's
# audit code reading the kernel's multicast group (tests/data/audit/
# audit_sink.c, linked with the built libvgagent.a), and real processes:
#   - a test user's read of a watched file is a file_access event with the
#     path, op, user and key; a denied write is a failed write;
#   - su run by root is a privilege event naming the target account;
#   - the intake's own pid is excluded by a kernel rule (-a never,exit
#     -F pid=PID -k vigil-self) installed first and removed at exit, and its
#     own read of the watched file never comes back;
#   - a reader too slow for a burst reports audit_netlink_overrun;
#   - records the kernel drops (rate limit) are reported as audit_loss;
#   - when vigil-agent and vigil-collector are built: the same read arrives
#     at the collector through the real agent (audit = "netlink").
# Needs root and kernel audit (auditctl -s); skipped otherwise. Every rule
# and setting it changes is restored, every process it starts is stopped by
# pid.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root: audit rules, the audit multicast group, a test user"
command -v auditctl >/dev/null 2>&1 || skip_all "auditctl is not installed (the auditd package)"
STATUS0=$(auditctl -s 2>&1) || skip_all "auditctl -s fails here (no kernel audit): $STATUS0"
for tool in useradd userdel setpriv cc nm pkg-config su; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed"
done
status_value() { awk -v k="$1" '$1 == k { print $2 }' <<<"$2"; }
ENABLED0=$(status_value enabled "$STATUS0")
BACKLOG0=$(status_value backlog_limit "$STATUS0")
RATE0=$(status_value rate_limit "$STATUS0")
FAILURE0=$(status_value failure "$STATUS0")
[ "$ENABLED0" = 2 ] && skip_all "the audit configuration is locked (enabled 2)"

BUILD_DIR=${VIGIL_BUILD:-$(dirname "$VIGIL_BIN")}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$REPO/$BUILD_DIR ;; esac
for lib in libvgagent.a libvgcommon.a; do
	[ -f "$BUILD_DIR/lib/$lib" ] || bail "$lib is built ($BUILD_DIR/lib/$lib missing)"
done
nm "$BUILD_DIR/lib/libvgagent.a" 2>/dev/null | grep -q ' T agent_audit_netlink_read' ||
	bail "libvgagent.a holds the audit intake"

SUFFIX=$(tr -dc 'a-z0-9' </dev/urandom | head -c 8)
KEY=vigil-e2e-$SUFFIX
DIR=$T/classified
TEST_USER=vga$SUFFIX
RULES=()                 # auditctl arguments that delete what we added
USER_ADDED=
SINK_PID=

# shellcheck disable=SC2317  # called through the EXIT trap
audit_cleanup() {
	local pid r
	# Processes first: they remove their own exclusion rules on exit.
	for pid in "${BG_PIDS[@]}"; do
		stop_pid "$pid"
	done
	BG_PIDS=()
	for r in "${RULES[@]}"; do
		# shellcheck disable=SC2086
		auditctl $r >/dev/null 2>&1
	done
	auditctl -r "$RATE0" >/dev/null 2>&1
	auditctl -b "$BACKLOG0" >/dev/null 2>&1
	auditctl -e "$ENABLED0" >/dev/null 2>&1
	[ -n "$USER_ADDED" ] && userdel "$TEST_USER" 2>/dev/null
	cleanup
}
trap audit_cleanup EXIT

# ---- setup -----------------------------------------------------------------

chmod 0711 "$T"
mkdir -p "$DIR"
echo "falcon plans" >"$DIR/secret.txt"
chmod 0755 "$DIR"
chmod 0644 "$DIR/secret.txt"
useradd -M -N -s /bin/sh "$TEST_USER" || bail "useradd $TEST_USER"
USER_ADDED=1
TEST_UID=$(id -u "$TEST_USER")

auditctl -e 1 >/dev/null || bail "auditctl -e 1"
auditctl -b 8192 >/dev/null
auditctl -w "$DIR/" -p rwxa -k "$KEY" >/dev/null || bail "auditctl -w $DIR"
RULES+=("-W $DIR/ -p rwxa -k $KEY")
auditctl -a always,exit -F arch=b64 -S execve -F path=/usr/bin/su -k "$KEY-priv" >/dev/null ||
	bail "auditctl -a ... -F path=/usr/bin/su"
RULES+=("-d always,exit -F arch=b64 -S execve -F path=/usr/bin/su -k $KEY-priv")

SINK=$T/audit_sink
SINK_CFLAGS=()
if nm "$BUILD_DIR/lib/libvgagent.a" 2>/dev/null | grep -q __asan_; then
	# shellcheck disable=SC2054  # one compiler option, not two elements
	SINK_CFLAGS=(-fsanitize=address,undefined -fno-omit-frame-pointer)
fi
# shellcheck disable=SC2046
if ! cc -std=c11 -D_GNU_SOURCE -g "${SINK_CFLAGS[@]}" -I"$REPO/agent" -I"$REPO/common" \
	$(pkg-config --cflags jansson) -o "$SINK" "$REPO/tests/data/audit/audit_sink.c" \
	"$BUILD_DIR/lib/libvgagent.a" "$BUILD_DIR/lib/libvgcommon.a" \
	$(pkg-config --libs jansson yajl audit auparse) -lm -lpthread 2>"$T/cc.err"; then
	diag "$(cat "$T/cc.err")"
	bail "the test reader audit_sink compiles"
fi

# sink_start OUT [options]: starts audit_sink and waits until it is bound.
sink_start() {
	local out=$1 _
	shift
	"$SINK" "$@" "$out" 2>>"$out.err" &
	SINK_PID=$!
	BG_PIDS+=("$SINK_PID")
	for _ in $(seq 1 100); do
		[ -e "$out.ready" ] && return 0
		kill -0 "$SINK_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "audit_sink did not start: $(cat "$out.err")"
	return 1
}

# sink_stop: SIGTERM; sets SINK_RC.
sink_stop() {
	local _
	kill -TERM "$SINK_PID" 2>/dev/null
	for _ in $(seq 1 100); do
		kill -0 "$SINK_PID" 2>/dev/null || break
		sleep 0.1
	done
	wait "$SINK_PID" 2>/dev/null
	SINK_RC=$?
	SINK_PID=
}

# wait_event FILE STRING...: waits (at most ~15 s) for a line of FILE holding
# every STRING; prints it.
wait_event() {
	local file=$1 _ line
	shift
	for _ in $(seq 1 150); do
		line=$(grep_all "$file" "$@")
		if [ -n "$line" ]; then
			printf '%s' "$line"
			return 0
		fi
		sleep 0.1
	done
	return 1
}
grep_all() {
	local file=$1 s
	shift
	local lines
	lines=$(cat "$file" 2>/dev/null)
	for s in "$@"; do
		lines=$(printf '%s\n' "$lines" | grep -F -- "$s")
	done
	printf '%s' "$lines" | head -n 1
}

# field JSON PATH: a value of one event.
field() {
	printf '%s' "$1" >"$T/ev.json"
	jget "$T/ev.json" "$2"
}

# as_user CMD...: runs CMD as the test user in a session of its own
# (loginuid = its uid, as pam_loginuid sets at login).
as_user() {
	sh -c "echo $TEST_UID > /proc/self/loginuid 2>/dev/null; exec setpriv --reuid=$TEST_UID \
		--regid=$(id -g "$TEST_USER") --init-groups \"\$@\"" sh "$@"
}

# ---- the intake on the multicast group ---------------------------------------

OUT=$T/events
sink_start "$OUT" -read "$DIR/secret.txt" || bail "audit_sink starts (netlink, exclusion rule)"
ok "the intake joins the audit multicast group"
INTAKE_PID=$SINK_PID

rules=$(auditctl -l)
like "$rules" "^-a never,exit -S all -F pid=$SINK_PID -F key=vigil-self" \
	"the intake's pid is excluded by a kernel rule at the head of the exit list"

as_user cat "$DIR/secret.txt" >/dev/null
ev=$(wait_event "$OUT" '"kind":"file_access"' "\"path\":\"$DIR/secret.txt\"" '"op":"read"')
if [ -n "$ev" ]; then
	ok "a test user's read of a watched file arrives as file_access"
	is "$(field "$ev" '$.user')" "$TEST_USER" "  ... attributed to the test user"
	is "$(field "$ev" '$.uid')" "$TEST_UID" "  ... with its uid"
	is "$(field "$ev" '$.key')" "$KEY" "  ... with the rule's key"
	is "$(field "$ev" '$.result')" success "  ... as a success"
	is "$(field "$ev" '$.exe')" /usr/bin/cat "  ... by /usr/bin/cat"
	like "$(field "$ev" '$.audit_id')" '^[0-9]+\.[0-9]{3}:[0-9]+$' "  ... with the audit id sec.msec:serial"
else
	not_ok "a test user's read of a watched file arrives as file_access"
	diag "events: $(cat "$OUT")"
fi

as_user sh -c "echo x > '$DIR/new.txt'" 2>/dev/null
ev=$(wait_event "$OUT" '"kind":"file_access"' "\"path\":\"$DIR\"" '"result":"failure"')
is "$(field "$ev" '$.op')/$(field "$ev" '$.detail.parent')" write/1 \
	"a denied create is a failed write to the directory (the kernel records no file name)"

chmod 0640 "$DIR/secret.txt"
ev=$(wait_event "$OUT" '"kind":"file_access"' "\"path\":\"$DIR/secret.txt\"" '"op":"attr"')
is "$(field "$ev" '$.user')" root "chmod by root is an attr access attributed to root"
chmod 0644 "$DIR/secret.txt"

su -s /bin/sh -c true "$TEST_USER"
ev=$(wait_event "$OUT" '"kind":"privilege"' '"service":"su"' "\"ruser\":\"$TEST_USER\"")
is "$(field "$ev" '$.exe')" /usr/bin/su "su to the test user is a privilege event naming the target"

sleep 1.5   # let the tick hand over the last events
sink_stop
is "$SINK_RC" 0 "the intake stops cleanly on SIGTERM"
unlike "$(auditctl -l)" "pid=[0-9]+ -F key=vigil-self" "its exclusion rule is removed at exit"
is "$(grep -c -F "\"pid\":$INTAKE_PID," "$OUT")" 0 "no event carries the intake's own pid"
self_reads=$(grep -F "\"path\":\"$DIR/secret.txt\"" "$OUT" | grep -c '"comm":"audit_sink"')
is "$self_reads" 0 "the intake's own read of the watched file never came back"
like "$(cat "$OUT.stats" 2>/dev/null)" ' self=0 ' "  ... because the kernel never sent it (no user-space drop needed)"
if grep -Eq "$SANITIZER_PATTERN" "$OUT.err"; then
	not_ok "no sanitizer reports from the intake"
	diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$OUT.err" | head -n 40)"
else
	ok "no sanitizer reports from the intake"
fi

# ---- a reader too slow for a burst -----------------------------------------

OUT2=$T/events-slow
sink_start "$OUT2" -small -hold 3 || bail "audit_sink starts with a small buffer"
for _ in $(seq 1 3000); do
	: <"$DIR/secret.txt"
done
ev=$(wait_event "$OUT2" '"action":"audit_netlink_overrun"')
if [ -n "$ev" ]; then
	ok "an overrun of the multicast queue is reported as audit_netlink_overrun"
	like "$(field "$ev" '$.detail.count')" '^[1-9][0-9]*$' "  ... with the number of overruns"
else
	not_ok "an overrun of the multicast queue is reported as audit_netlink_overrun"
	diag "$(tail -n 3 "$OUT2")"
fi
sink_stop

# ---- records the kernel loses -----------------------------------------------

if [ "$FAILURE0" = 2 ]; then
	skip "records the kernel loses are reported as audit_loss" "failure mode 2 panics on loss"
else
	OUT3=$T/events-loss
	sink_start "$OUT3" || bail "audit_sink starts"
	sleep 1.5   # the first status poll sets the baseline
	auditctl -r 1 >/dev/null
	for _ in $(seq 1 200); do
		: <"$DIR/secret.txt"
	done
	auditctl -r "$RATE0" >/dev/null
	ev=$(wait_event "$OUT3" '"action":"audit_loss"')
	if [ -n "$ev" ]; then
		ok "records the kernel loses are reported as audit_loss"
		like "$(field "$ev" '$.detail.lost')" '^[1-9][0-9]*$' "  ... with the number lost"
	else
		not_ok "records the kernel loses are reported as audit_loss"
		diag "$(tail -n 3 "$OUT3")"
	fi
	sink_stop
fi

# ---- through the real agent to the collector ---------------------------------

AGENT=$VIGIL_BIN/vigil-agent
if [ ! -x "$AGENT" ] || [ ! -x "$COLLECTOR" ]; then
	skip "the read arrives at the collector through vigil-agent" "vigil-agent or vigil-collector not built"
else
	col_init
	AGENT_TOKEN=$(mint_agent e2e-audit)
	OFFICER=$(mint_officer auditor auditor)
	col_start || bail "collector starts"
	cat >"$T/agent.conf" <<EOF
collector = "$BASE";
token_file = "$T/agent.token";
host = "e2e-audit";
spool = "$T/spool.db";
socket = "$T/agent.sock";
audit = "netlink";
batch_delay_ms = 200;
log_level = "info";
EOF
	echo "$AGENT_TOKEN" | "$AGENT" -c "$T/agent.conf" enroll >/dev/null 2>>"$T/agent.log" ||
		bail "vigil-agent enroll"
	"$AGENT" -c "$T/agent.conf" >>"$T/agent.log" 2>&1 &
	AGENT_PID=$!
	BG_PIDS+=("$AGENT_PID")
	for _ in $(seq 1 100); do
		auditctl -l | grep -q "pid=$AGENT_PID -F key=vigil-self" && break
		sleep 0.1
	done
	like "$(auditctl -l)" "pid=$AGENT_PID -F key=vigil-self" "vigil-agent excludes its own pid"
	as_user cat "$DIR/secret.txt" >/dev/null
	found=
	for _ in $(seq 1 150); do
		if [ "$(get "$OFFICER" "/v1/events?kind=file_access&limit=100")" = 200 ] &&
			[ -n "$(jsql "$RESP" "SELECT 1 FROM d, json_each(json_extract(j,'\$.events'))
			        WHERE json_extract(value,'\$.path')='$DIR/secret.txt'
			          AND json_extract(value,'\$.user')='$TEST_USER' LIMIT 1")" ]; then
			found=1
			break
		fi
		sleep 0.1
	done
	if [ -n "$found" ]; then
		ok "the read arrives at the collector through vigil-agent"
		is "$(jsql "$RESP" "SELECT json_extract(value,'\$.op')||' '||json_extract(value,'\$.host')
		      FROM d, json_each(json_extract(j,'\$.events'))
		      WHERE json_extract(value,'\$.path')='$DIR/secret.txt' LIMIT 1")" "read e2e-audit" \
			"  ... as a read from the agent's host"
	else
		not_ok "the read arrives at the collector through vigil-agent"
		diag "$(tail -n 20 "$T/agent.log")"
	fi
	stop_pid "$AGENT_PID"
	unlike "$(auditctl -l)" "pid=$AGENT_PID " "vigil-agent removes its exclusion rule at exit"
	if grep -Eq "$SANITIZER_PATTERN" "$T/agent.log"; then
		not_ok "no sanitizer reports from vigil-agent"
		diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$T/agent.log" | head -n 40)"
	else
		ok "no sanitizer reports from vigil-agent"
	fi
	col_stop_and_check
fi

done_testing
