#!/bin/bash
# fault/agent_kill: vigil-agent is killed with SIGKILL at random moments,
# ten times, under login load, and restarted each time. Logins never fail
# or wait because of it (real PAM conversations through pam_vigil.so with
# pamtester, when this machine allows, run while the agent is alive and
# while it is dead). Every event the spool holds durably at the moment of
# a kill is delivered after the restart: at the end the collector holds the
# agent's seqs 1..N, each once, with no gap, N being the spool's high seq.
# Datagrams sent while the agent is dead are not recorded, by design.
. "$(dirname "$0")/lib.sh"

ROUNDS=10
col_init
fcol_up || bail "collector starts"
fagent_setup ws-fault-2
fagent_up || bail "vigil-agent starts"

pam_service_setup   # real logins through pam_vigil.so when this machine allows

LOGINS_OK=0
LOGINS=0
highs=()
for round in $(seq 1 $ROUNDS); do
	pam_send 150 fault 4 >"$T/sent.$round" &
	LOAD=$!
	BG_PIDS+=("$LOAD")
	sleep "$(rand_sleep 100 700)"
	fagent_kill9
	highs+=("$(spool_high)")
	if [ -n "$PAMSVC" ]; then
		LOGINS_OK=$((LOGINS_OK + $(logins 3)))   # while the agent is dead
		LOGINS=$((LOGINS + 3))
	fi
	wait "$LOAD"
	fagent_up || bail "vigil-agent restarts after kill $round"
	if [ -n "$PAMSVC" ]; then
		LOGINS_OK=$((LOGINS_OK + $(logins 2)))   # and alive again
		LOGINS=$((LOGINS + 2))
	fi
done
if [ -n "$PAMSVC" ]; then
	is "$LOGINS_OK" "$LOGINS" "all $LOGINS pamtester sessions succeeded, with the agent dead or alive"
else
	skip "pamtester sessions succeed with the agent dead or alive" "needs root, pamtester and pam_vigil.so"
fi
exactly_once_check "after $ROUNDS kills"
final=$(spool_high)
bad=0
for h in "${highs[@]}"; do
	[ "$h" -le "$final" ] && [ "$(stored_missing 1 "$h")" = 0 ] || bad=$((bad + 1))
done
is "$bad" 0 "everything spooled before each kill (high seqs ${highs[*]}) was delivered"
is "$(db "SELECT count(*) FROM events WHERE agent = $AID AND kind = 'agent' AND json LIKE '%\"action\":\"start\"%'")" \
	$((ROUNDS + 1)) "each of the $((ROUNDS + 1)) agent starts is reported"
sent=$(awk '{ s += $1 } END { print s }' "$T"/sent.*)
stored=$(db "SELECT count(*) FROM events WHERE agent = $AID AND kind = 'session_open' AND json LIKE '%\"service\":\"fault\"%'")
check "session events stored ($stored) are at most the datagrams taken ($sent)" test "$stored" -le "$sent"
diag "datagrams taken by the kernel: $sent; recorded: $stored (the rest died queued with a killed agent)"
fagent_stop
is "$AGENT_RC" 0 "the agent stops cleanly after the last restart"
agent_log_clean
col_stop_and_check
done_testing
