#!/bin/bash
# detect_behave: the behavioural detectors on a small organisation
# (tests/data/e2e/behave.cfg): eleven ordinary days teach them each
# person's rhythm, then day 10 (Thursday 2026-11-12) and day 12 bring:
#
#   alice  at 02:00 opens a session and reads 200 files   unusual_hour (medium), volume_spike (high)
#          then a file in /srv/owl/, new to her            first_access area (low), compartment (medium)
#          while logged in on ws-a1, ws-a1 tries six        failed_login_burst per source (high,
#          accounts on srv-l1                               attributed to alice)
#   bob    fails to log in five times in four minutes       failed_login_burst per account (medium)
#          has sessions on ws-b1 (hq) and lab-b2 (lab)      concurrent_sessions (high), first_access host (low)
#   erin   ssh from her workstation to srv-l1 (lab)         a chain, not concurrent; first_access host
#                                                           suppressed by the policy's rule SEC-7
#   carol  works on day 0, then nothing until day 12 02:00  dormant_account (high)
#   ws-c1  its agent goes quiet twice without a stop        agent_silent (high) twice
#
# and nothing else: workstations whose agents stop cleanly each evening are
# not silent. The same stream then goes to a second collector in small
# batches with hosts interleaved differently (within the reorder window,
# an hour in this policy),
# and to a third that is killed with SIGKILL halfway and restarted: all
# three record the same anomalies with the same counts.
. "$(dirname "$0")/lib.sh"

VIGIL_POLICY=$REPO/tests/data/e2e/behave.cfg
HOSTS="ws-a1 ws-b1 ws-c1 ws-e1 lab-b2 srv-l1"

# ---- the stream -----------------------------------------------------------

# Every event as "SORT-KEY<TAB>HOST<TAB>JSON-without-seq", then sorted, then
# numbered per host in time order.
awk -v OFS='\t' '
function t(day, hh, mm, ss) { return sprintf("2026-11-%02dT%02d:%02d:%02d.000Z", day + 2, hh, mm, ss) }
function key(day, hh, mm, ss) { return sprintf("%02d%02d%02d%02d", day, hh, mm, ss) }
function ev(day, hh, mm, ss, host, rest) {
	print key(day, hh, mm, ss), host, "\"time\":\"" t(day, hh, mm, ss) "\",\"host\":\"" host "\"," rest
}
function agent(day, hh, mm, host, action) { ev(day, hh, mm, 0, host, "\"kind\":\"agent\",\"detail\":{\"action\":\"" action "\"}") }
function session(day, hh, mm, host, user, kind, extra) {
	ev(day, hh, mm, 30, host, "\"kind\":\"" kind "\",\"user\":\"" user "\",\"service\":\"sshd\",\"result\":\"success\"" extra)
}
function read(day, hh, mm, ss, host, user, path) {
	ev(day, hh, mm, ss, host, "\"kind\":\"file_access\",\"user\":\"" user "\",\"path\":\"" path "\",\"op\":\"read\",\"result\":\"success\"")
}
function fail(day, hh, mm, ss, host, user, rhost) {
	ev(day, hh, mm, ss, host, "\"kind\":\"auth_failure\",\"user\":\"" user "\",\"service\":\"sshd\",\"result\":\"failure\"" (rhost ? ",\"rhost\":\"" rhost "\"" : ""))
}
function workday(day, user, host,   i, m) {
	agent(day, 8, 50, host, "start")
	for (m = 0; m <= 480; m += 10) agent(day, 9 + int(m / 60), m % 60, host, "heartbeat")
	session(day, 9, 0, host, user, "session_open", "")
	for (i = 0; i < 10; i++) read(day, 9, 5 + i * 5, 0, host, user, sprintf("/srv/proj/%s/doc%d.txt", user, (day * 10 + i) % 37))
	session(day, 17, 0, host, user, "session_close", "")
	agent(day, 17, 10, host, "stop")
}
BEGIN {
	for (d = 0; d <= 10; d++) { workday(d, "alice", "ws-a1"); workday(d, "bob", "ws-b1"); workday(d, "erin", "ws-e1") }
	# carol: one morning on day 0, then her agent goes quiet (no stop)
	agent(0, 8, 50, "ws-c1", "start")
	for (m = 0; m <= 30; m += 10) agent(0, 9, m, "ws-c1", "heartbeat")
	session(0, 9, 0, "ws-c1", "carol", "session_open", "")
	for (i = 0; i < 12; i++) read(0, 9, 2 + i * 2, 0, "ws-c1", "carol", sprintf("/srv/proj/carol/f%d", i))
	# day 10, the night: alice
	agent(10, 1, 50, "ws-a1", "start")
	for (m = 0; m <= 60; m += 10) agent(10, 2 + int(m / 60), m % 60, "ws-a1", "heartbeat")
	session(10, 1, 55, "ws-a1", "alice", "session_open", "")
	for (i = 0; i < 200; i++) read(10, 2, int(i * 10 / 60), (i * 10) % 60, "ws-a1", "alice", sprintf("/srv/proj/all/f%03d", i))
	read(10, 2, 45, 0, "ws-a1", "alice", "/srv/owl/plan.txt")
	split("root admin bob carol erin svc", acct, " ")
	for (k = 0; k < 6; k++) fail(10, 2, 10, k * 9, "srv-l1", acct[k + 1], "ws-a1")
	session(10, 3, 0, "ws-a1", "alice", "session_close", "")
	agent(10, 3, 5, "ws-a1", "stop")
	# day 10: bob
	for (k = 0; k < 5; k++) fail(10, 11, k, 0, "ws-b1", "bob", "")
	session(10, 10, 0, "lab-b2", "bob", "session_open", "")
	session(10, 10, 30, "lab-b2", "bob", "session_close", "")
	# day 10: erin, from her workstation
	session(10, 10, 0, "srv-l1", "erin", "session_open", ",\"rhost\":\"ws-e1\"")
	session(10, 10, 20, "srv-l1", "erin", "session_close", ",\"rhost\":\"ws-e1\"")
	# day 12: carol again, at night; ws-c1 goes quiet again
	agent(12, 1, 50, "ws-c1", "start")
	session(12, 2, 0, "ws-c1", "carol", "session_open", "")
	read(12, 2, 5, 0, "ws-c1", "carol", "/srv/proj/carol/f1")
	# day 14: a restart of ws-a1 moves event time past everything
	agent(14, 12, 0, "ws-a1", "start")
}' | sort -t "$(printf '\t')" -k1,1 -k2,2 |
	awk -F '\t' '{ seq[$2]++; printf "%s\t%s\t{\"seq\":%d,%s}\n", $1, $2, seq[$2], $3 }' >"$T/stream"
NEVENTS=$(wc -l <"$T/stream")

# batches SIZE ORDER: cuts the stream into files $T/b/NNNNN.HOST of at most
# SIZE events of one host from the same hour, as agents that ship every
# few minutes would. ORDER "time" sends the hosts of an hour in name
# order, "shuffle" in reverse (the policy's reorder window is an hour, so
# both are on time).
batches() {
	rm -rf "$T/b"
	mkdir -p "$T/b"
	local rev=
	[ "$2" = shuffle ] && rev=r
	awk -F '\t' '{ print substr($1, 1, 4) "\t" $0 }' "$T/stream" |
		sort -t "$(printf '\t')" -s -k1,1 -k3,3$rev | cut -f2- |
		awk -F '\t' -v size="$1" -v dir="$T/b" '
		$2 != host || n >= size { if (out) close(out); nb++; n = 0; host = $2; out = sprintf("%s/%05d.%s", dir, nb, host) }
		{ print $3 > out; n++ }'
}

# run NAME SIZE ORDER [KILL-AT]: a fresh collector gets the stream; with
# KILL-AT it is killed with SIGKILL after that many batches and restarted.
# Leaves the anomalies as sorted lines in $T/NAME.anomalies.
run() {
	local name=$1 kill_at=${4:-0} f h nb=0 bad=0
	DB=$T/$name.db
	CONF=$T/$name.conf
	col_init
	declare -gA TOK
	for h in $HOSTS; do TOK[$h]=$(mint_agent "$h"); done
	col_start "$name" || bail "collector $name starts"
	batches "$2" "$3"
	for f in "$T"/b/*; do
		h=${f##*.}
		code=$(post_events "${TOK[$h]}" "$f" application/x-ndjson)
		[ "$code" = 200 ] || bad=$((bad + 1))
		nb=$((nb + 1))
		if [ "$nb" = "$kill_at" ]; then
			col_kill9
			col_start "$name" || bail "collector $name restarts after SIGKILL"
		fi
	done
	is "$bad" 0 "$name: every batch accepted ($nb batches)"
	is "$(db 'SELECT count(*) FROM events')" "$NEVENTS" "$name: all $NEVENTS events stored once"
	get "" /metrics >/dev/null
	like "$(cat "$RESP")" 'vigil_anomalies_suppressed_total [1-9]' "$name: the suppressed finding is counted"
	db "SELECT kind, coalesce(person,'-'), coalesce(account,'-'), coalesce(host,'-'), time_ms,
	           count, severity, reasons FROM anomalies ORDER BY 1,2,3,4,5" >"$T/$name.anomalies"
	col_stop_and_check
}

# ---- one collector, batches as an agent sends them --------------------------

run a 100 time

# anomaly KIND PERSON SEVERITY [HOST]: how many anomalies match.
anomaly() {
	local sev
	sev=$(case $3 in low) echo 0 ;; medium) echo 1 ;; high) echo 2 ;; critical) echo 3 ;; esac)
	awk -F '|' -v k="$1" -v p="$2" -v s="$sev" -v h="${4:-}" \
		'$1 == k && $2 == p && $7 == s && (h == "" || $4 == h) { n++ } END { print n + 0 }' "$T/a.anomalies"
}
is "$(anomaly volume_spike p1 high)" 1 "alice's 200 night reads: volume_spike, high"
is "$(anomaly unusual_hour p1 medium)" 1 "alice at 02:00 on a Thursday: unusual_hour, medium"
is "$(anomaly first_access p1 low)" 1 "alice's first read in /srv/owl/: first_access (area), low"
is "$(anomaly first_access p1 medium)" 1 "... and her first use of compartment OWL: first_access, medium"
is "$(anomaly failed_login_burst p1 high ws-a1)" 1 \
	"six accounts tried from ws-a1: failed_login_burst per source, high, attributed to alice"
is "$(anomaly failed_login_burst p2 medium ws-b1)" 1 "bob's five failures: failed_login_burst per account, medium"
is "$(anomaly concurrent_sessions p2 high)" 1 "bob at hq and at the lab at once: concurrent_sessions, high"
is "$(anomaly first_access p2 low lab-b2)" 1 "bob's first session on lab-b2: first_access (host), low"
is "$(anomaly concurrent_sessions p5 high)" 0 "erin's ssh from her workstation is not a concurrent session"
is "$(anomaly first_access p5 low srv-l1)" 0 "erin's first session on srv-l1 is covered by suppression SEC-7"
is "$(anomaly dormant_account p3 high)" 1 "carol back after twelve days: dormant_account, high"
is "$(anomaly agent_silent - high ws-c1)" 2 "ws-c1 went quiet twice without a stop: agent_silent twice"
is "$(grep -c '^agent_silent' "$T/a.anomalies")" 2 "agents that stop cleanly each evening are not silent"
is "$(wc -l <"$T/a.anomalies")" 11 "nothing else: eleven anomalies" ||
	diag "$(cat "$T/a.anomalies")"
like "$(grep '^volume_spike' "$T/a.anomalies" | cut -d'|' -f8)" 'own_median:10.*peer_median:10' \
	"the volume_spike names alice's own and her peers' median (10 a day)"
is "$(grep '^volume_spike' "$T/a.anomalies" | cut -d'|' -f6)" 156 \
	"every read of the day past the threshold of 55 joins the one volume_spike (count 156)"
is "$(grep '^failed_login_burst|p1' "$T/a.anomalies" | cut -d'|' -f6)" 6 \
	"the per-source burst holds all six failures"
is "$(db "SELECT count(*) FROM detector_journal")" 0 "a clean stop leaves the detector journal empty"

# ---- the same stream, other splits, a crash --------------------------------


run b 7 shuffle
if cmp -s "$T/a.anomalies" "$T/b.anomalies"; then
	ok "batches of 7 with the hosts of each hour in the other order: identical anomalies"
else
	not_ok "batches of 7 with the hosts of each hour in the other order: identical anomalies"
	diag "$(diff "$T/a.anomalies" "$T/b.anomalies" | head -n 20)"
fi

run c 50 time 40
if cmp -s "$T/a.anomalies" "$T/c.anomalies"; then
	ok "killed with SIGKILL after 40 batches and restarted: identical anomalies and counts"
else
	not_ok "killed with SIGKILL after 40 batches and restarted: identical anomalies and counts"
	diag "$(diff "$T/a.anomalies" "$T/c.anomalies" | head -n 20)"
fi
like "$(cat "$T/c.log")" 'detection: state restored' "the restarted collector restored the detectors' state"

done_testing
