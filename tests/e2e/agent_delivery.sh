#!/bin/bash
# tests/e2e/agent_delivery.sh: what vigil-agent spools reaches the collector
# exactly once and in order, across a collector outage and a kill -9 of the
# agent, and a login never waits for either.
#
# Events come from real PAM conversations: pamtester runs a session-only
# stack with pam_vigil.so as root, each run sending session_open and
# session_close datagrams to the agent. The collector runs on one fixed port
# for the whole scenario so the agent can find it again after an outage.
#
# Needs root (writes /etc/pam.d) and pamtester; skipped otherwise.

. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to install a PAM service"
command -v pamtester >/dev/null 2>&1 || skip_all "pamtester is not installed (mk/deps.sh installs it)"
AGENT=$VIGIL_BIN/vigil-agent
BUILD_LIB=$(dirname "$VIGIL_BIN")/lib
[ -x "$AGENT" ] || bail "vigil-agent is built ($AGENT missing)"
[ -f "$BUILD_LIB/pam_vigil.so" ] || bail "pam_vigil.so is built ($BUILD_LIB missing it)"

# pamtester runs as root, but the module must still be readable where the
# stack names it.
chmod 0711 "$T"
cp "$BUILD_LIB/pam_vigil.so" "$T/pam_vigil.so"
chmod 0644 "$T/pam_vigil.so"
pam_env_for "$T/pam_vigil.so"
SVC=vigil-e2e-delivery-$$
AGENT_PID=
delivery_cleanup() {
	rm -f "/etc/pam.d/$SVC"
	cleanup
}
trap delivery_cleanup EXIT
cat >"/etc/pam.d/$SVC" <<EOF
session	required	pam_permit.so
session	optional	$T/pam_vigil.so socket=$T/agent.sock
EOF

col_init
PORT=$(pick_port) || bail "no free port"
BASE=http://127.0.0.1:$PORT
COL_LOG=$T/collector.log

collector_up() {   # starts the collector on $PORT and waits for /healthz
	local i
	write_conf "$PORT"
	"$COLLECTOR" -c "$CONF" >>"$COL_LOG" 2>&1 &
	COL_PID=$!
	BG_PIDS+=("$COL_PID")
	for i in $(seq 1 150); do
		[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] && return 0
		sleep 0.1
	done
	bail "collector did not come up on port $PORT"
}

agent_up() {
	"$AGENT" -c "$T/agent.conf" >>"$T/agent.log" 2>&1 &
	AGENT_PID=$!
	BG_PIDS+=("$AGENT_PID")
	local i
	for i in $(seq 1 100); do
		[ -S "$T/agent.sock" ] && return 0
		sleep 0.1
	done
	bail "vigil-agent did not open its socket: $(tail -n 5 "$T/agent.log")"
}

# logins N: N PAM sessions (2 events each); prints how many succeeded.
logins() {
	local i okn=0
	for i in $(seq 1 "$1"); do
		"${PAM_ENV[@]}" pamtester "$SVC" root open_session close_session >/dev/null 2>&1 && okn=$((okn + 1))
	done
	echo "$okn"
}

sessions_stored() {
	db "SELECT count(*) FROM events WHERE kind IN ('session_open','session_close') AND json LIKE '%\"service\":\"$SVC\"%'"
}

# wait_stored N: until the collector holds N session events (bounded).
wait_stored() {
	local i
	for i in $(seq 1 300); do
		[ "$(sessions_stored)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

spooled() {
	sqlite3 -batch "$T/spool.db" "SELECT count(*) FROM spool" 2>/dev/null || echo 0
}

collector_up
TOKEN=$(mint_agent ws-e2e)
write_agent_conf "$T/agent.conf" ws-e2e "$T/agent.token" "$T/spool.db" "$T/agent.sock"
echo "$TOKEN" | "$AGENT" -c "$T/agent.conf" enroll >/dev/null 2>>"$T/agent.log" || bail "vigil-agent enroll"
is "$(stat -c %a "$T/agent.token")" 600 "enroll stores the token with mode 0600"
agent_up

# 1. Collector up: events arrive.
is "$(logins 20)" 20 "20 PAM sessions through pam_vigil.so succeed"
wait_stored 40
is "$(sessions_stored)" 40 "their 40 session events reach the collector"

# 2. Collector down: logins go on, the agent spools; back up: all arrive.
col_stop
is "$(logins 30)" 30 "logins succeed while the collector is down"
for i in $(seq 1 50); do [ "$(spooled)" -ge 60 ] && break; sleep 0.1; done
check "the agent keeps the 60 undelivered events in its spool" [ "$(spooled)" -ge 60 ]
collector_up
wait_stored 100
is "$(sessions_stored)" 100 "after the outage every spooled event is delivered"
is "$(db "SELECT count(*) FROM events e1 JOIN events e2 ON e1.agent = e2.agent AND e1.seq < e2.seq
          AND e1.received_ms > e2.received_ms")" 0 "events were delivered in spool order"

# 3. kill -9 of the agent while it delivers a backlog; restart; exactly once.
col_stop
is "$(logins 50)" 50 "50 more logins while the collector is down"
for i in $(seq 1 50); do [ "$(spooled)" -ge 100 ] && break; sleep 0.1; done
collector_up
sleep 0.05
kill -KILL "$AGENT_PID" 2>/dev/null
wait "$AGENT_PID" 2>/dev/null
is "$(logins 5)" 5 "logins succeed while the agent is dead"
agent_up
wait_stored 200
is "$(sessions_stored)" 200 "after kill -9 and restart every session event is stored exactly once"
for i in $(seq 1 100); do [ "$(spooled)" = 0 ] && break; sleep 0.1; done
is "$(spooled)" 0 "the spool is empty once the collector acknowledged everything"
AID=$(db "SELECT id FROM agents WHERE host = 'ws-e2e'")
is "$(db "SELECT max(seq) - min(seq) + 1 - count(*) FROM events WHERE agent = $AID")" 0 \
	"the agent's sequence numbers have no gaps: nothing was lost"
is "$(db "SELECT count(*) FROM events WHERE agent = $AID AND kind = 'agent'
          AND json LIKE '%\"action\":\"start\"%'")" 2 "both agent starts are reported as agent events"
is "$(db "SELECT count(*) FROM events WHERE agent = $AID AND kind = 'agent'
          AND json LIKE '%\"action\":\"stop\"%'")" 0 "a kill -9 leaves no stop event (only a clean stop does)"

# 4. A clean stop is reported, and the agent's log is clean.
stop_pid "$AGENT_PID"
is "$(db "SELECT count(*) FROM events WHERE agent = $AID AND kind = 'agent'
          AND json LIKE '%\"action\":\"stop\"%'")" 1 "a clean stop is delivered before the agent exits"
if grep -Eq "$SANITIZER_PATTERN" "$T/agent.log"; then
	not_ok "no sanitizer reports from vigil-agent"
	diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$T/agent.log" | head -n 40)"
else
	ok "no sanitizer reports from vigil-agent"
fi
col_stop_and_check
done_testing
