#!/bin/bash
# fault/collector_kill: the collector is killed with SIGKILL at random
# moments, ten times, while logins keep coming and the agent keeps
# shipping. After each kill every event the agent's spool considers
# acknowledged is in the collector's database; the collector restarts on
# the same database without repair; the agent finds it again by itself.
# At the end the collector holds every event the agent spooled, seqs 1..N
# each exactly once, and one session event per login sent.
. "$(dirname "$0")/lib.sh"

ROUNDS=10
col_init
fcol_up || bail "collector starts"
fagent_setup ws-fault-1
fagent_up || bail "vigil-agent starts"

SENT=0
lost=0
for round in $(seq 1 $ROUNDS); do
	# Load for the whole round: 150 logins 4 ms apart (about 0.6 s or more).
	pam_send 150 fault 4 >"$T/sent.$round" &
	LOAD=$!
	BG_PIDS+=("$LOAD")
	sleep "$(rand_sleep 100 900)"
	col_kill9
	acked=$(spool_acked)
	missing=$(stored_missing 1 "$acked")
	[ "$missing" = 0 ] || lost=$((lost + 1))
	is "$missing" 0 "kill $round: all $acked events the agent saw acknowledged are stored"
	wait "$LOAD"
	SENT=$((SENT + $(cat "$T/sent.$round")))
	fcol_up "collector" || bail "collector restarts after kill $round"
done
is "$SENT" $((ROUNDS * 150)) "the agent took every login datagram (it never stopped)"
exactly_once_check "after $ROUNDS kills"
is "$(db "SELECT count(*) FROM events WHERE agent = $AID AND kind = 'session_open'
          AND json LIKE '%\"service\":\"fault\"%'")" "$SENT" "one session event per login, none lost, none twice"
fagent_stop
is "$AGENT_RC" 0 "the agent stops cleanly"
agent_log_clean
col_stop
is "$COL_RC" 0 "the last collector stops cleanly"
collector_logs_clean
done_testing
