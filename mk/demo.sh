#!/bin/bash
# make demo: vigil live on this machine.
#
# Starts a collector on loopback with policy/examples/demo.cfg, an agent
# reading the kernel audit stream and PAM datagrams, auditd if it is not
# running, and a demo PAM service stacking pam_vigil.so. Throw-away users
# (vd-*) log in with pamtester and read files in demo classified
# directories; the report at the end shows what vigil made of it. Then a
# recorded week of the example organisation, and six weeks of a synthetic
# one with insiders for the behavioural detectors and risk scores. With
# VIGIL_DEMO_KEEP=1 the last collector keeps running for the web dashboard
# (its address and a sign-in token are printed) until Ctrl-C. Everything
# the demo creates is removed when it ends, however it ends.
set -euo pipefail
BUILD=${1:-build/rel}
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=$REPO/$BUILD/bin
DEMO_ROOT=/srv/vigil-demo
USERS="vd-alice vd-bob vd-carol vd-dave vd-erin vd-mallory"
PASSWORD=vigil-demo-pw

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
die() { echo "demo: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || die "must run as root (it creates users, a PAM service and audit rules)"
[ -x "$BIN/vigil-collector" ] || die "$BIN/vigil-collector is missing: run make first"
command -v auditctl >/dev/null && command -v pamtester >/dev/null || die "auditd and pamtester are needed (mk/deps.sh installs them)"
auditctl -s >/dev/null 2>&1 || die "the kernel audit subsystem does not answer (auditctl -s)"

T=$(mktemp -d /tmp/vigil-demo.XXXXXX)
PAM_SERVICE=vigil-demo-$$
CREATED_USERS=""
CREATED_ROOT=0
AUDITD_PID="" COLLECTOR_PID="" AGENT_PID=""
OLD_BACKLOG=$(auditctl -s | awk '$1 == "backlog_limit" {print $2}')
OLD_QLEN=$(sysctl -n net.unix.max_dgram_qlen 2>/dev/null || echo "")

cleanup() {
	set +e
	[ -n "$AGENT_PID" ] && kill "$AGENT_PID" 2>/dev/null && wait "$AGENT_PID" 2>/dev/null
	[ -n "$COLLECTOR_PID" ] && kill "$COLLECTOR_PID" 2>/dev/null && wait "$COLLECTOR_PID" 2>/dev/null
	auditctl -W "$DEMO_ROOT" -p rwa -k vigil-demo >/dev/null 2>&1
	[ -n "$OLD_BACKLOG" ] && auditctl -b "$OLD_BACKLOG" >/dev/null 2>&1
	[ -n "$OLD_QLEN" ] && sysctl -qw net.unix.max_dgram_qlen="$OLD_QLEN" >/dev/null 2>&1
	[ -n "$AUDITD_PID" ] && kill "$AUDITD_PID" 2>/dev/null && wait "$AUDITD_PID" 2>/dev/null
	rm -f "/etc/pam.d/$PAM_SERVICE"
	for u in $CREATED_USERS; do userdel "$u" >/dev/null 2>&1; done
	[ "$CREATED_ROOT" = 1 ] && rm -rf "$DEMO_ROOT"
	rm -rf "$T"
	# Last: userdel refuses while a process of the account still runs.
	[ "${CREATED_VIGIL:-0}" = 1 ] && userdel vigil >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
	local p
	for p in 8470 $(shuf -i 20000-60000 -n 20); do
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
	die "no free loopback port"
}

say "Setting up: demo users, classified directories, PAM service, audit rules"
for u in $USERS; do
	if id "$u" >/dev/null 2>&1; then die "user $u already exists; remove it or run the demo elsewhere"; fi
	useradd -M -d /nonexistent -s /usr/sbin/nologin "$u"
	CREATED_USERS="$CREATED_USERS $u"
	echo "$u:$PASSWORD" | chpasswd
done
if [ ! -e "$DEMO_ROOT" ]; then
	CREATED_ROOT=1
	for d in public falcon orca ts; do
		mkdir -p "$DEMO_ROOT/$d"
		echo "demo $d document" >"$DEMO_ROOT/$d/briefing.txt"
		echo "demo $d plan" >"$DEMO_ROOT/$d/plan.txt"
	done
	chmod -R a+rX "$DEMO_ROOT"
else
	die "$DEMO_ROOT already exists; remove it or run the demo elsewhere"
fi
# The demo stack: Debian's layouts from docs/pam.md, pam_vigil.so recording
# every phase.
cat >"/etc/pam.d/$PAM_SERVICE" <<PAM
auth	[success=2 default=ignore]	pam_unix.so nullok
auth	optional	$REPO/$BUILD/lib/pam_vigil.so authfail socket=$T/agent.sock
auth	requisite	pam_deny.so
auth	optional	$REPO/$BUILD/lib/pam_vigil.so authsucc socket=$T/agent.sock
auth	required	pam_permit.so
account	[success=1 new_authtok_reqd=done default=ignore]	pam_unix.so
account	requisite	pam_deny.so
account	optional	$REPO/$BUILD/lib/pam_vigil.so socket=$T/agent.sock
account	required	pam_permit.so
session	required	pam_unix.so
session	optional	$REPO/$BUILD/lib/pam_vigil.so socket=$T/agent.sock
PAM
if ! pgrep -x auditd >/dev/null; then
	auditd -n -s nochange >"$T/auditd.log" 2>&1 &
	AUDITD_PID=$!
	echo "started auditd (pid $AUDITD_PID)"
fi
auditctl -b 8192 >/dev/null
# Room for a burst of PAM datagrams (docs/pam.md).
[ -n "$OLD_QLEN" ] && sysctl -qw net.unix.max_dgram_qlen=512 >/dev/null 2>&1 || true
auditctl -w "$DEMO_ROOT" -p rwa -k vigil-demo >/dev/null

# The collector gives up root for the account vigil after binding: the
# demo makes the account if this machine has none (and removes it after),
# and gives it a directory for the databases and copies of the policies.
CREATED_VIGIL=0
if ! getent passwd vigil >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin vigil
	CREATED_VIGIL=1
fi
chmod 0711 "$T"
install -d -o vigil -g vigil -m 0700 "$T/data"

# start_collector NAME POLICY: a collector on a free loopback port with its
# own database, running as vigil; sets PORT and COLLECTOR_PID.
start_collector() {
	PORT=$(free_port)
	install -m 0644 "$2" "$T/$1-policy.cfg"
	cat >"$T/$1.conf" <<CONF
listen = "127.0.0.1:$PORT";
database = "$T/data/$1.db";
policy = "$T/$1-policy.cfg";
log_level = "warn";
user = "vigil";
CONF
	# The check's verdict; its warnings (overdue reviews, say) are in the
	# policy's own words in $T/NAME.check and `vigil-policy check` prints them.
	"$BIN/vigil-collector" -c "$T/$1.conf" -t >"$T/$1.check" 2>&1 || { cat "$T/$1.check"; die "configuration check failed"; }
	warnings=$(grep -c 'warning:' "$T/$1.check")
	echo "$(tail -n 1 "$T/$1.check")${warnings:+ ($warnings policy warnings)}" | sed 's/ (0 policy warnings)//'
	"$BIN/vigil-collector" -c "$T/$1.conf" >"$T/$1.log" 2>&1 &
	COLLECTOR_PID=$!
	for _ in $(seq 100); do
		curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
		sleep 0.1
	done
	curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null || { cat "$T/$1.log"; die "collector did not start"; }
	echo "collector on 127.0.0.1:$PORT (pid $COLLECTOR_PID)"
}

say "Starting the collector and the agent"
start_collector collector "$REPO/policy/examples/demo.cfg"
cat >"$T/agent.conf" <<CONF
collector = "http://127.0.0.1:$PORT";
token_file = "$T/agent.token";
host = "ws-demo";
spool = "$T/spool.db";
socket = "$T/agent.sock";
audit = "netlink";
batch_delay_ms = 200;
heartbeat = 5;
log_level = "warn";
CONF
"$BIN/vigil-collector" -c "$T/collector.conf" agent add ws-demo | "$BIN/vigil-agent" -c "$T/agent.conf" enroll
"$BIN/vigil-agent" -c "$T/agent.conf" >"$T/agent.log" 2>&1 &
AGENT_PID=$!
for _ in $(seq 100); do [ -S "$T/agent.sock" ] && break; sleep 0.1; done
[ -S "$T/agent.sock" ] && kill -0 "$AGENT_PID" 2>/dev/null || { cat "$T/agent.log"; die "agent did not start"; }
echo "agent as host ws-demo (pid $AGENT_PID), reading the audit netlink group and $T/agent.sock"

login() {   # login USER PASSWORD: a full PAM conversation through the demo service
	printf '%s\n' "$2" | pamtester "$PAM_SERVICE" "$1" authenticate acct_mgmt open_session close_session \
		>/dev/null 2>&1 && echo "  $1 logged in" || echo "  $1 was refused"
}
read_as() { # read_as USER FILE
	runuser -u "$1" -- cat "$2" >/dev/null 2>&1 && echo "  $1 read $2" || echo "  $1 could not read $2"
}

say "A working day on ws-demo"
login vd-alice "$PASSWORD"
read_as vd-alice "$DEMO_ROOT/falcon/plan.txt"
read_as vd-alice "$DEMO_ROOT/orca/briefing.txt"
read_as vd-alice "$DEMO_ROOT/ts/plan.txt"
login vd-bob wrong-password
login vd-bob "$PASSWORD"
read_as vd-bob "$DEMO_ROOT/public/briefing.txt"
read_as vd-bob "$DEMO_ROOT/falcon/briefing.txt"
read_as vd-bob "$DEMO_ROOT/ts/plan.txt"
read_as vd-bob "$DEMO_ROOT/orca/plan.txt"
login vd-carol "$PASSWORD"
read_as vd-carol "$DEMO_ROOT/falcon/plan.txt"
login vd-dave "$PASSWORD"
read_as vd-dave "$DEMO_ROOT/public/briefing.txt"
login vd-erin "$PASSWORD"
login vd-mallory "$PASSWORD"

say "Waiting for the agent to deliver"
sleep 1
left=unknown
for _ in $(seq 150); do
	kill -0 "$AGENT_PID" 2>/dev/null || { cat "$T/agent.log"; die "the agent stopped"; }
	left=$(sqlite3 "$T/spool.db" "SELECT count(*) FROM spool" 2>/dev/null || echo unknown)
	[ "$left" = 0 ] && break
	sleep 0.2
done
[ "$left" = 0 ] || { cat "$T/agent.log"; die "the agent still holds $left events"; }
echo "agent spool empty: every event acknowledged by the collector"

OFFICER=$("$BIN/vigil-collector" -c "$T/collector.conf" officer add "Demo Officer" --role officer)
say "Events stored by the collector"
curl -fsS -H "Authorization: Bearer $OFFICER" "http://127.0.0.1:$PORT/metrics" | grep -E '^vigil_events_(accepted|quarantined)_total'

say "Anomaly report (vigil-report anomalies)"
"$BIN/vigil-report" --collector "http://127.0.0.1:$PORT" --token "$OFFICER" anomalies --limit 200

say "A recorded week: 12 workstations of the example organisation"
kill "$AGENT_PID" && wait "$AGENT_PID" 2>/dev/null; AGENT_PID=""
kill "$COLLECTOR_PID" && wait "$COLLECTOR_PID" 2>/dev/null; COLLECTOR_PID=""
start_collector recorded "$REPO/policy/examples/example.cfg"
STREAM=$REPO/tests/data/demo-events.ndjson
# Each workstation posts its own events with its own agent token, as its
# agent would have.
for host in $(grep -o '"host":"[^"]*"' "$STREAM" | cut -d'"' -f4 | sort -u); do
	token=$("$BIN/vigil-collector" -c "$T/recorded.conf" agent add "$host")
	grep "\"host\":\"$host\"" "$STREAM" >"$T/$host.ndjson"
	printf '  %-9s %s\n' "$host" "$(curl -fsS -H "Authorization: Bearer $token" \
		-H 'Content-Type: application/x-ndjson' --data-binary "@$T/$host.ndjson" \
		"http://127.0.0.1:$PORT/v1/events")"
done
OFFICER=$("$BIN/vigil-collector" -c "$T/recorded.conf" officer add "Demo Officer" --role officer)
say "Anomalies of the recorded week, high and critical (vigil-report anomalies --severity high)"
"$BIN/vigil-report" --collector "http://127.0.0.1:$PORT" --token "$OFFICER" anomalies --severity high --limit 200

say "Six weeks of a synthetic organisation with insiders: behaviour (tests/scenarios)"
# The scenario generator writes an organisation of 120 people at four
# sites: weeks of ordinary work (rhythms, holidays, typos, late days), then
# insiders from week four. Its policy sets the reorder window to 36 hours,
# so that each host's day can be posted as one round, as deliver.sh does.
kill "$COLLECTOR_PID" && wait "$COLLECTOR_PID" 2>/dev/null; COLLECTOR_PID=""
"$REPO/$BUILD/tests-bin/vigil-scenario-gen" --out "$T/org" --persons 120 --weeks 6 --seed 7 \
	--reorder 36h || die "vigil-scenario-gen failed"
start_collector org "$T/org/policy.cfg"
while read -r host; do
	echo "$host $("$BIN/vigil-collector" -c "$T/org.conf" agent add "$host")"
done <"$T/org/agents.txt" >"$T/org/tokens"
echo "posting six weeks of events from $(wc -l <"$T/org/agents.txt") hosts, a day at a time..."
bash "$REPO/tests/scenarios/lib/deliver.sh" "http://127.0.0.1:$PORT" "$T/org/tokens" \
	"$T/org/events" "$T/org/work" 86400 forward 1 $((36 * 3600 + 60)) ||
	die "delivery to the collector failed"
rm -rf "$T/org/work"
OFFICER=$("$BIN/vigil-collector" -c "$T/org.conf" officer add "Demo Officer" --role officer)
say "Risk ranking (vigil-report risk --limit 12)"
"$BIN/vigil-report" --collector "http://127.0.0.1:$PORT" --token "$OFFICER" risk --limit 12
say "Behavioural anomalies, high (vigil-report anomalies --severity high)"
for kind in volume_spike failed_login_burst concurrent_sessions dormant_account agent_silent; do
	"$BIN/vigil-report" --collector "http://127.0.0.1:$PORT" --token "$OFFICER" anomalies \
		--kind "$kind" --severity high --limit 5 | sed '$d'
done
echo
echo "For comparison, the generator's truth: who it made an insider, and how"
echo "(tests/scenarios/insiders.sh measures recall and false positives against it):"
awk -F, '$2 == "insider" {print "  " $1 "  " $3}' "$T/org/truth.csv" | sort -k2 | head -n 40

say "The web dashboard"
if [ "${VIGIL_DEMO_KEEP:-0}" = 1 ]; then
	cat <<MSG
Open http://127.0.0.1:$PORT/ui/ in a browser on this machine and sign in with this officer token:

    $OFFICER

(From another machine: ssh -L $PORT:127.0.0.1:$PORT THIS-MACHINE, then open the same address.)
Click an anomaly, write a note and press Acknowledge (docs/dashboard.md walks through it).
The collector keeps running until you press Ctrl-C; then the demo removes everything it made.
MSG
	wait "$COLLECTOR_PID" || true
else
	echo "The collector serves a dashboard at http://127.0.0.1:$PORT/ui/ while it runs. To try it,"
	echo "run the demo as 'VIGIL_DEMO_KEEP=1 make demo': it then keeps the collector running at the"
	echo "end and prints the address and an officer token to sign in with (docs/dashboard.md)."
fi
