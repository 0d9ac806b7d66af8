#!/bin/bash
# tests/e2e/pam_enforce.sh: login enforcement through pam_vigil.so `enforce`.
#
# Runs a collector and vigil-agent (audit = "off") whose agent.conf names a
# policy (tests/data/pam/enforce-policy.cfg) where host rule "ws-enf*" has
# enforce_login = true, and PAM services with
#     account required pam_vigil.so enforce socket=...   [fail=closed]
#     account required pam_permit.so
# driven by pamtester. Checks:
#   - a person the policy permits on the host logs in;
#   - a person it does not permit is refused, and the deny reaches the
#     collector as auth_failure with detail.enforced = true and the reasons;
#   - a PAM line whose fail mode differs from the policy's is warned about;
#   - with the agent stopped, the fail=open line lets logins through at once
#     and the fail=closed line refuses them within its timeout;
#   - on a host whose rule does not enforce (ws-open1) anyone logs in, and
#     the login is recorded with detail.enforced = false.
# Needs root (writes /etc/pam.d) and pamtester; skipped otherwise.

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root: writes /etc/pam.d and asks the agent as root"
command -v pamtester >/dev/null 2>&1 || skip_all "pamtester is not installed (mk/deps.sh installs it)"
AGENT=$VIGIL_BIN/vigil-agent
BUILD_LIB=$(dirname "$VIGIL_BIN")/lib
ENF_POLICY=$REPO/tests/data/pam/enforce-policy.cfg
[ -x "$AGENT" ] || bail "vigil-agent is built ($AGENT missing)"
[ -f "$BUILD_LIB/pam_vigil.so" ] || bail "pam_vigil.so is built ($BUILD_LIB missing it)"

chmod 0711 "$T"
cp "$BUILD_LIB/pam_vigil.so" "$T/pam_vigil.so"
chmod 0644 "$T/pam_vigil.so"
pam_env_for "$T/pam_vigil.so"
SOCK=$T/run/agent.sock
SVC_OPEN=vigil-e2e-enf-open-$$
SVC_CLOSED=vigil-e2e-enf-closed-$$
AGENT_PID=
enforce_cleanup() {
	rm -f "/etc/pam.d/$SVC_OPEN" "/etc/pam.d/$SVC_CLOSED"
	cleanup
}
trap enforce_cleanup EXIT
cat >"/etc/pam.d/$SVC_OPEN" <<EOF2
account	required	$T/pam_vigil.so enforce socket=$SOCK
account	required	pam_permit.so
EOF2
cat >"/etc/pam.d/$SVC_CLOSED" <<EOF2
account	required	$T/pam_vigil.so enforce fail=closed timeout=300 socket=$SOCK
account	required	pam_permit.so
EOF2

# acct SERVICE USER: the account phase under pamtester; its exit status.
acct() {
	echo "### pamtester $1 $2 acct_mgmt" >>"$T/pamtester.log"
	"${PAM_ENV[@]}" pamtester "$1" "$2" acct_mgmt >>"$T/pamtester.log" 2>&1
}
# outcome SERVICE USER: "success" or "refused".
outcome() {
	if acct "$1" "$2"; then echo success; else echo refused; fi
}

# agent_conf HOST SPOOL [POLICY]: writes $T/agent.conf.
agent_conf() {
	write_agent_conf "$T/agent.conf" "$1" "$T/agent-$1.token" "$2" "$SOCK" "${3:+policy = \"$3\";}"
}

agent_up() {
	"$AGENT" -c "$T/agent.conf" >>"$T/agent.log" 2>&1 &
	AGENT_PID=$!
	BG_PIDS+=("$AGENT_PID")
	local i
	for i in $(seq 1 100); do
		[ -S "$SOCK" ] && [ -S "$SOCK.query" ] && return 0
		sleep 0.1
	done
	bail "vigil-agent did not open its sockets: $(tail -n 5 "$T/agent.log")"
}

# stored_where SQL-CONDITION: how many stored events match.
stored_where() {
	db "SELECT count(*) FROM events WHERE $1"
}
# wait_where SQL-CONDITION N: until N events match (bounded, ~15 s).
wait_where() {
	local i
	for i in $(seq 1 150); do
		[ "$(stored_where "$1")" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}

col_init
col_start || bail "the collector starts"
TOK1=$(mint_agent ws-enf1)
TOK2=$(mint_agent ws-open1)
[ -n "$TOK1" ] && [ -n "$TOK2" ] || bail "agent tokens are minted"

# ---- an enforcing host ------------------------------------------------------

agent_conf ws-enf1 "$T/spool1.db" "$ENF_POLICY"
echo "$TOK1" | "$AGENT" -c "$T/agent.conf" enroll >/dev/null 2>>"$T/agent.log" || bail "vigil-agent enroll"
agent_check() { "$AGENT" -c "$T/agent.conf" -t >/dev/null 2>>"$T/agent.log"; }
check "vigil-agent -t accepts the configuration with its policy" agent_check
agent_up
is "$(stat -c %a "$SOCK.query")" 600 "the query socket is only for root (0600)"
AID1=$(agent_id "$TOK1")

is "$(outcome "$SVC_OPEN" alice)" success "a person the policy permits on ws-enf1 logs in"
is "$(outcome "$SVC_OPEN" bob)" refused "a person the policy does not permit on ws-enf1 is refused"
is "$(outcome "$SVC_CLOSED" bob)" refused "... also through the fail=closed line"
is "$(outcome "$SVC_OPEN" mallory)" refused "an account the policy does not know is refused"

DENY="agent = $AID1 AND kind = 'auth_failure' AND user = 'bob'
      AND json_extract(json, '\$.detail.enforced') = 1
      AND json_extract(json, '\$.detail.decision') = 'deny'
      AND json_extract(json, '\$.detail.phase') = 'account'
      AND json_extract(json, '\$.result') = 'failure'"
wait_where "$DENY" 2
is "$(stored_where "$DENY")" 2 "both denies reach the collector as auth_failure, detail.enforced = true"
is "$(db "SELECT count(*) FROM events WHERE $DENY AND json LIKE '%host_not_permitted:ws-enf1%'")" 2 \
	"each deny carries the policy's reasons"
is "$(db "SELECT json_extract(json, '\$.service') FROM events WHERE $DENY LIMIT 1")" "$SVC_OPEN" \
	"the deny names the PAM service"
ALLOW="agent = $AID1 AND kind = 'auth_success' AND user = 'alice'
       AND json_extract(json, '\$.detail.enforced') = 1
       AND json_extract(json, '\$.detail.decision') = 'allow'"
wait_where "$ALLOW" 1
is "$(stored_where "$ALLOW")" 1 "the permitted login is recorded once, as an enforced allow"
is "$(stored_where "agent = $AID1 AND kind = 'auth_success' AND user = 'bob'")" 0 \
	"a refused login is never recorded as a success"
like "$(cat "$T/agent.log")" "fail=closed but the policy's host rule for ws-enf1 says fail = \"open\"" \
	"the agent warns that the fail=closed line does not match the policy"
like "$(stored_where "agent = $AID1 AND kind = 'agent' AND json_extract(json, '\$.detail.action') = 'policy_load'")" \
	'^[1-9]' "the policy load is reported as an agent event"

# ---- the agent stopped ------------------------------------------------------

stop_pid "$AGENT_PID"
AGENT_PID=
start=$(date +%s%N)
is "$(outcome "$SVC_OPEN" bob)" success "agent stopped: the fail=open line lets the login through"
is "$(outcome "$SVC_OPEN" alice)" success "... for anyone"
elapsed=$((($(date +%s%N) - start) / 1000000))
check "... at once, without waiting for the timeout (${elapsed} ms for two logins)" [ "$elapsed" -lt 1500 ]
is "$(outcome "$SVC_CLOSED" alice)" refused "agent stopped: the fail=closed line refuses the login"

# A socket nobody reads: the query waits its timeout, then the fail mode decides.
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import socket,sys,time,os
s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); os.chmod(sys.argv[1],0o600)
open(sys.argv[1]+".ready","w").close(); time.sleep(30)' "$SOCK.query" &
	MUTE_PID=$!
	BG_PIDS+=("$MUTE_PID")
	for i in $(seq 1 50); do [ -e "$SOCK.query.ready" ] && break; sleep 0.1; done
	start=$(date +%s%N)
	r=$(outcome "$SVC_CLOSED" alice)
	elapsed=$((($(date +%s%N) - start) / 1000000))
	is "$r" refused "an agent that does not answer: fail=closed refuses"
	check "... after its 300 ms timeout, not much later (${elapsed} ms)" test "$elapsed" -ge 290 \
		-a "$elapsed" -lt 2000
	is "$(outcome "$SVC_OPEN" bob)" success "an agent that does not answer: fail=open lets the login through"
	stop_pid "$MUTE_PID"
	rm -f "$SOCK.query" "$SOCK.query.ready"
else
	skip "an agent that does not answer" "python3 is not installed"
fi

# ---- a host that does not enforce ------------------------------------------

agent_conf ws-open1 "$T/spool2.db" "$ENF_POLICY"
echo "$TOK2" | "$AGENT" -c "$T/agent.conf" enroll >/dev/null 2>>"$T/agent.log" || bail "vigil-agent enroll"
agent_up
AID2=$(agent_id "$TOK2")
is "$(outcome "$SVC_CLOSED" bob)" success "on ws-open1 (no enforce_login) the policy's deny does not block"
is "$(outcome "$SVC_OPEN" mallory)" success "... nor does an unknown account"
OPEN="agent = $AID2 AND kind = 'auth_success' AND user IN ('bob', 'mallory')
      AND json_extract(json, '\$.detail.enforced') = 0"
wait_where "$OPEN" 2
is "$(stored_where "$OPEN")" 2 "those logins are recorded with detail.enforced = false"
stop_pid "$AGENT_PID"
AGENT_PID=

if grep -Eq "$SANITIZER_PATTERN" "$T/agent.log"; then
	not_ok "no sanitizer reports from vigil-agent"
	diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$T/agent.log" | head -n 40)"
else
	ok "no sanitizer reports from vigil-agent"
fi
[ "$FAILED" -gt 0 ] && diag "--- agent log ---" "$(tail -n 30 "$T/agent.log")" \
	"--- pamtester log ---" "$(tail -n 30 "$T/pamtester.log")"
col_stop_and_check
done_testing
