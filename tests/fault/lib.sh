# tests/fault/lib.sh: helpers for the fault-injection scenarios (bash;
# sourced; sources tests/e2e/lib.sh itself).
#
# A fault scenario runs a real collector on one fixed port (so that an agent
# finds it again after a crash), a real vigil-agent shipping to it, and
# login load sent to the agent's PAM socket the way pam_vigil.so sends it
# (one datagram per login phase, from root). Then it breaks something —
# kill -9, a full disk, a held SQLite lock, a clock jump — and checks what
# the project promises: no acknowledged event is lost, none is stored
# twice, the agent's sequence numbers arrive without gaps, errors are
# clear, and everything recovers without manual repair.
#
# What an agent's spool "considers acknowledged": the spool deletes rows up
# to the last seq the collector answered 200 for, and seqs are never reused
# (AUTOINCREMENT), so every seq below the smallest row still spooled (or up
# to the spool's high seq when it is empty) was acknowledged.

. "$(dirname "${BASH_SOURCE[0]}")/../e2e/lib.sh"

AGENT_BIN=$VIGIL_BIN/vigil-agent
AGENT_PID=
AGENT_LOG=$T/agent.log
SPOOL=$T/spool.db
SOCK=$T/agent.sock
AGENT_CONF=$T/agent.conf
AGENT_EXTRA=""              # more lines for agent.conf
AGENT_HEARTBEAT=3600        # agent.conf heartbeat (seconds)
AGENT_ENV=()                # env(1) arguments for the agent (LD_PRELOAD ...)
command -v perl >/dev/null 2>&1 || skip_all "perl is not installed (it sends the PAM datagrams)"
[ -x "$AGENT_BIN" ] || bail "vigil-agent is built ($AGENT_BIN missing)"

# At exit, besides lib.sh's cleanup: the PAM service a scenario installed
# and the mounts it made (lazily unmounted: a process still using one lets
# go when cleanup stops it).
FAULT_MOUNTS=()
fault_cleanup() {
	[ -n "${PAMSVC:-}" ] && rm -f "/etc/pam.d/$PAMSVC"
	local m
	for m in "${FAULT_MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done
	cleanup
}
trap fault_cleanup EXIT

# fcol_up [LOGNAME]: starts the collector on $PORT (picked on first use) and
# waits until /healthz answers (at most ~30 s).
fcol_up() {
	local i attempt first=
	[ -z "$PORT" ] && first=1
	COL_LOG=$T/${1:-collector}.log
	# The first start picks a port, and another one when it loses a race
	# for it; restarts keep it, as the agent ships there.
	for attempt in 1 2 3 4 5; do
		if [ -n "$first" ]; then
			PORT=$(pick_port) || bail "no free port"
			BASE=http://127.0.0.1:$PORT
		fi
		write_conf "$PORT"
		"$COLLECTOR" -c "$CONF" >>"$COL_LOG" 2>&1 &
		COL_PID=$!
		BG_PIDS+=("$COL_PID")
		for i in $(seq 1 300); do
			[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ] && return 0
			kill -0 "$COL_PID" 2>/dev/null || break
			sleep 0.1
		done
		[ -n "$first" ] && ! kill -0 "$COL_PID" 2>/dev/null &&
			tail -n 3 "$COL_LOG" | grep -q 'cannot listen' || break
	done
	diag "$(tail -n 20 "$COL_LOG")"
	return 1
}

# fagent_setup HOST: enrols an agent for HOST with the collector and writes
# its configuration (audit off, small quick batches, back-off at most 1 s,
# a heartbeat every $AGENT_HEARTBEAT seconds). Sets AGENT_TOKEN and AID.
fagent_setup() {
	AGENT_TOKEN=$(mint_agent "$1")
	AID=$(agent_id "$AGENT_TOKEN")
	write_agent_conf "$AGENT_CONF" "$1" "$T/agent.token" "$SPOOL" "$SOCK" "$AGENT_EXTRA"
	sed -i "s/^heartbeat = .*/heartbeat = $AGENT_HEARTBEAT;/" "$AGENT_CONF"
	echo "$AGENT_TOKEN" | "$AGENT_BIN" -c "$AGENT_CONF" enroll >/dev/null 2>>"$AGENT_LOG" ||
		bail "vigil-agent enroll"
}

# fagent_up: starts the agent and waits for its PAM socket (at most ~15 s).
fagent_up() {
	local i
	rm -f "$SOCK"
	env "${AGENT_ENV[@]}" "$AGENT_BIN" -c "$AGENT_CONF" >>"$AGENT_LOG" 2>&1 &
	AGENT_PID=$!
	BG_PIDS+=("$AGENT_PID")
	for i in $(seq 1 150); do
		[ -S "$SOCK" ] && return 0
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	diag "$(tail -n 10 "$AGENT_LOG")"
	return 1
}

fagent_kill9() {
	kill -KILL "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID" 2>/dev/null
	AGENT_PID=
}

# fagent_stop: SIGTERM; sets AGENT_RC.
fagent_stop() {
	AGENT_RC=
	[ -n "$AGENT_PID" ] || return 0
	kill -TERM "$AGENT_PID" 2>/dev/null
	local i
	for i in $(seq 1 300); do
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$AGENT_PID" 2>/dev/null && { kill -KILL "$AGENT_PID"; AGENT_RC=killed; }
	wait "$AGENT_PID" 2>/dev/null
	[ -z "$AGENT_RC" ] && AGENT_RC=$?
	AGENT_PID=
}

# pam_send N [SERVICE [PAUSE-MS]]: N session_open datagrams to the agent's
# socket (as pam_vigil.so sends them, blocking when the agent's queue is
# full), PAUSE-MS apart (default 0). Prints how many the kernel took:
# while the agent is down a send fails and that login is not recorded, by
# design.
pam_send() {
	perl -MSocket -e '
		my ($path, $n, $svc, $pause) = @ARGV;
		socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
		my $addr = sockaddr_un($path);
		my $sent = 0;
		for my $i (1 .. $n) {
			my $m = "vigil-pam/1\0phase=session_open\0service=$svc\0user=root\0tty=pts/$i\0";
			$sent++ if send($s, $m, 0, $addr);
			select(undef, undef, undef, $pause / 1000) if $pause > 0;
		}
		print "$sent\n";' "$SOCK" "$1" "${2:-fault}" "${3:-0}"
}

# pam_service_setup: when this machine allows (root, pamtester, a built
# pam_vigil.so), installs a PAM service $PAMSVC whose session stack ends in
# pam_vigil.so reporting to $SOCK, removed at exit; else PAMSVC is empty.
PAMSVC=
pam_service_setup() {
	local module
	module=$(dirname "$VIGIL_BIN")/lib/pam_vigil.so
	[ "$(id -u)" -eq 0 ] && command -v pamtester >/dev/null 2>&1 && [ -f "$module" ] || return 0
	chmod 0711 "$T"
	cp "$module" "$T/pam_vigil.so"
	chmod 0644 "$T/pam_vigil.so"
	pam_env_for "$T/pam_vigil.so"
	PAMSVC=vigil-fault-$$
	printf 'session\trequired\tpam_permit.so\nsession\toptional\t%s socket=%s\n' \
		"$T/pam_vigil.so" "$SOCK" >"/etc/pam.d/$PAMSVC"
}

# logins N: N real PAM sessions through $PAMSVC (pamtester); prints how many
# succeeded.
logins() {
	local i n=0
	for i in $(seq 1 "$1"); do
		"${PAM_ENV[@]}" pamtester "$PAMSVC" root open_session close_session >/dev/null 2>&1 && n=$((n + 1))
	done
	echo "$n"
}

# spool_sql SQL: a query on the agent's spool (another connection; WAL).
spool_sql() {
	sqlite3 -batch -cmd '.timeout 10000' "$SPOOL" "$1" 2>/dev/null
}

# spool_high: the highest seq the spool ever assigned.
spool_high() {
	spool_sql "SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name='spool'), 0)"
}

# spool_acked: every seq up to this one was acknowledged by the collector.
spool_acked() {
	spool_sql "SELECT coalesce((SELECT min(seq) - 1 FROM spool),
	                           (SELECT seq FROM sqlite_sequence WHERE name='spool'), 0)"
}

# wait_drained [SECONDS]: until the agent's spool is empty (default 90 s).
wait_drained() {
	local i
	for i in $(seq 1 $((${1:-90} * 5))); do
		[ "$(spool_sql 'SELECT count(*) FROM spool')" = 0 ] && return 0
		sleep 0.2
	done
	return 1
}

# stored_missing LO HI: how many of the agent's seqs LO..HI the collector
# lacks (its database, read directly).
stored_missing() {
	db "SELECT ($2) - ($1) + 1 - count(*) FROM events WHERE agent = $AID AND seq BETWEEN $1 AND $2"
}

# exactly_once_check LABEL: the collector holds the agent's seqs 1..H
# (H = the spool's high seq) each exactly once, nothing above H, and the
# spool is empty. Four TAP lines.
exactly_once_check() {
	local high i
	# Settled: drained, and no datagram still on its way into the spool.
	for i in $(seq 1 20); do
		wait_drained || break
		high=$(spool_high)
		sleep 0.5
		[ "$(spool_high) $(spool_sql 'SELECT count(*) FROM spool')" = "$high 0" ] && break
	done
	check "$1: the spool drained" wait_drained
	high=$(spool_high)
	is "$(db "SELECT count(*)||' '||count(DISTINCT seq)||' '||coalesce(min(seq),0)||' '||coalesce(max(seq),0)
	          FROM events WHERE agent = $AID")" "$high $high 1 $high" \
		"$1: the collector holds seqs 1..$high of the agent, each once"
	is "$(db 'PRAGMA integrity_check')" ok "$1: collector database integrity_check is ok"
	is "$(spool_sql 'PRAGMA integrity_check')" ok "$1: spool integrity_check is ok"
}

# agent_log_clean: no sanitizer report from the agent.
agent_log_clean() {
	if grep -Eq "$SANITIZER_PATTERN" "$AGENT_LOG"; then
		not_ok "no sanitizer reports from vigil-agent"
		diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$AGENT_LOG" | head -n 40)"
	else
		ok "no sanitizer reports from vigil-agent"
	fi
}

# logs_clean: no sanitizer report in any collector log of the scenario.
collector_logs_clean() {
	if cat "$T"/collector*.log | grep -Eq "$SANITIZER_PATTERN"; then
		not_ok "no sanitizer reports in the collector logs"
		diag "$(cat "$T"/collector*.log | grep -E -A 12 "$SANITIZER_PATTERN" | head -n 40)"
	else
		ok "no sanitizer reports in the collector logs"
	fi
}

# rand_ms LO HI: a random number of milliseconds in LO..HI, as seconds for
# sleep(1).
rand_sleep() {
	local ms=$(($1 + RANDOM % ($2 - $1 + 1)))
	printf '%d.%03d' $((ms / 1000)) $((ms % 1000))
}
