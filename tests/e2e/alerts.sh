#!/bin/bash
# alerts: anomalies at or above alerts.min_severity reach a real syslog
# receiver (RFC 5424 over UDP, then over a unix datagram socket) and a real
# webhook receiver (JSON POST with the secret header), each exactly once in
# these runs: a medium anomaly and more events of an already alerted
# incident send nothing; a webhook answering 500 gets the alert again after
# the back-off; an alert still undelivered when the collector is killed -9
# is delivered after the restart. The receivers are small C programs
# (tests/data/alerts/) built here.

. "$(dirname "$0")/lib.sh"

for tool in cc pkg-config; do
	command -v "$tool" >/dev/null 2>&1 || skip_all "$tool is not installed (mk/deps.sh installs it)"
done
# shellcheck disable=SC2046
cc -std=c11 -O1 -o "$T/dgram_sink" "$REPO/tests/data/alerts/dgram_sink.c" 2>"$T/cc.err" &&
	cc -std=c11 -O1 -o "$T/hook_server" "$REPO/tests/data/alerts/hook_server.c" \
		$(pkg-config --cflags --libs libmicrohttpd) -lpthread 2>>"$T/cc.err" ||
	{ diag "$(cat "$T/cc.err")"; bail "the test receivers compile"; }

VIGIL_POLICY=$REPO/policy/examples/example.cfg
SYSLOG=$T/syslog.out        # one line per datagram received
HOOK=$T/hook.out            # one line per POST: status content-type body
SECRET="X-Vigil-Token"
SECRET_VALUE="s3cret-$RANDOM"

# wait_file FILE PORT-FILE: waits (at most ~10 s) for a helper's port file.
wait_file() {
	local i
	for i in $(seq 1 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# lines_in FILE REGEX: how many lines of FILE match.
lines_in() {
	[ -f "$1" ] || { echo 0; return; }
	grep -Ec -- "$2" "$1"
}

# wait_lines FILE REGEX N: waits (at most ~20 s) until N lines match; prints
# the count seen.
wait_lines() {
	local i n
	for i in $(seq 1 200); do
		n=$(lines_in "$1" "$2")
		[ "$n" -ge "$3" ] && break
		sleep 0.1
	done
	echo "$n"
}

start_hook() {   # start_hook PORT FAILS: the webhook receiver
	rm -f "$T/hook.port"
	"$T/hook_server" "$1" "$T/hook.port" "$HOOK" "$2" "$SECRET" "$SECRET_VALUE" 2>>"$T/hook.err" &
	HOOK_PID=$!
	BG_PIDS+=("$HOOK_PID")
	wait_file "$T/hook.port" || bail "the webhook receiver listens"
	HOOK_PORT=$(cat "$T/hook.port")
}

"$T/dgram_sink" udp "$T/udp.port" "$SYSLOG" 2>>"$T/sink.err" &
BG_PIDS+=("$!")
wait_file "$T/udp.port" || bail "the UDP syslog receiver listens"
start_hook 0 1              # the first POST is answered 500

alerts_conf() {   # alerts_conf SYSLOG-TARGET: the alerts group
	cat <<EOF
alerts = {
  min_severity = "high";
  syslog = "$1";
  facility = "auth";
  webhooks = ( { url = "http://127.0.0.1:$HOOK_PORT/hook"; secret_header = "$SECRET: $SECRET_VALUE"; } );
  backoff_initial = 1;
  backoff_max = 2;
};
EOF
}
CONF_EXTRA=$(alerts_conf "udp:127.0.0.1:$(cat "$T/udp.port")")
col_init
OFFICER=$(mint_officer "Officer Ada")
AGENT=$(mint_agent ws-0004)

# The configuration is checked: a misspelt key or a webhook that would send
# its secret in clear is refused with file:line.
sed 's/^  facility = "auth";/  facilty = "auth";/' "$CONF" >"$T/bad1.conf"
out=$("$COLLECTOR" -c "$T/bad1.conf" -t 2>&1)
is "$?" 1 "-t refuses an unknown key in alerts"
like "$out" "bad1.conf:[0-9]+: unknown setting 'facilty'" "naming the file, line and key"
sed 's|http://127.0.0.1:[0-9]*/hook|http://siem.example/hook|' "$CONF" >"$T/bad2.conf"
out=$("$COLLECTOR" -c "$T/bad2.conf" -t 2>&1)
is "$?" 1 "-t refuses a plain-http webhook off loopback"
like "$out" "bad2.conf:[0-9]+: 'url' = \"http://siem.example/hook\": plain http is only allowed to loopback" \
	"and says why"

col_start || bail "collector starts with alerts configured"

ev() {   # ev SEQ USER PATH [TIME]: a file read
	printf '{"seq":%d,"time":"%s","kind":"file_access","host":"ws-0004","user":"%s","path":"%s","op":"read","result":"success"}' \
		"$1" "${4:-2026-11-18T10:05:00.000Z}" "$2" "$3"
}

# An unknown account (medium) and Dave reading TOP SECRET (high).
code=$(post_text "$AGENT" "[$(ev 1 zed /srv/vigil-demo/public/a.txt),$(ev 2 dave /srv/vigil-demo/ts/roadmap.txt)]")
is "$code" 200 "a batch with a medium and a high anomaly is ingested"
get "$OFFICER" "/v1/anomalies?kind=clearance_exceeded" >/dev/null
DAVE=$(jget "$RESP" '$.anomalies[0].id')
like "$DAVE" '^[0-9]+$' "Dave's anomaly is recorded (id $DAVE)"

# Other messages may share the target (the audit chain's anchors): alerts
# are the lines whose MSGID is "anomaly".
ALERT=' anomaly \[vigil@32473 '
is "$(wait_lines "$SYSLOG" "$ALERT" 1)" 1 "one syslog alert arrives"
line=$(grep -E -m 1 -- "$ALERT" "$SYSLOG")
queued=$(db "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', queued_ms / 1000.0, 'unixepoch') FROM alert_outbox
             WHERE anomaly = $DAVE AND sink = 'syslog'")
like "$line" '^<35>1 ' "PRI 35 (auth * 8 + err for high), version 1"
is "$(echo "$line" | cut -d' ' -f2)" "$queued" "TIMESTAMP: RFC 3339 UTC with milliseconds, when it was queued"
like "$(echo "$line" | cut -d' ' -f3)" '^[!-~]{1,255}$' "HOSTNAME is printable ASCII"
is "$(echo "$line" | cut -d' ' -f4-6)" "vigil-collector $COL_PID anomaly" "APP-NAME vigil-collector, PROCID, MSGID anomaly"
like "$line" " anomaly \[vigil@32473 id=\"$DAVE\" kind=\"clearance_exceeded\" severity=\"high\" score=\"50\" person=\"p1004\" account=\"dave\" host=\"ws-0004\" time=\"2026-11-18T10:05:00.000Z\"\] " \
	"structured data: id, kind, severity, score, person, account, host, time"
like "$line" $'\] \xef\xbb\xbfDave Brown is cleared to SECRET' "MSG: BOM and the summary"
unlike "$(cat "$SYSLOG")" 'unknown_account' "the medium anomaly sends no alert"

# The webhook: 500 first, then delivered after the back-off.
is "$(wait_lines "$HOOK" '^200 ' 1)" 1 "the webhook gets the alert after a retry"
is "$(sed -n 1p "$HOOK" | cut -d' ' -f1)" 500 "the first POST was answered 500"
is "$(sed -n 2p "$HOOK" | cut -d' ' -f1-2)" "200 application/json" "the second, JSON with the secret header, 200"
sed -n 2p "$HOOK" | cut -d' ' -f3- >"$T/hook.body"
get "$OFFICER" "/v1/anomalies/$DAVE" >/dev/null
is "$(cat "$T/hook.body")" "$(cat "$RESP")" "the body is the anomaly as GET /v1/anomalies/ID returns it"
is "$(db "SELECT attempts || ' ' || (delivered_ms IS NOT NULL) || ' ' || ifnull(last_error, '-') FROM alert_outbox
           WHERE anomaly = $DAVE AND sink LIKE 'webhook:%'")" "1 1 -" "the outbox records one failed attempt, then delivery"
check "the failure is logged with the back-off" \
	grep -q 'alert for anomaly .* failed (HTTP status 500); retrying in 1000 ms' "$COL_LOG"

# More of Dave's incident adds to its count and alerts nothing; Frank
# (suspended) reading a file is critical and alerts.
post_text "$AGENT" "[$(ev 3 dave /srv/vigil-demo/ts/plan.txt),$(ev 4 frank /srv/vigil-demo/public/a.txt)]" >/dev/null
get "$OFFICER" "/v1/anomalies?kind=vetting_lapsed" >/dev/null
FRANK=$(jget "$RESP" '$.anomalies[0].id')
is "$(wait_lines "$SYSLOG" "$ALERT" 2)" 2 "the critical anomaly is the second syslog alert"
like "$(grep -E -- "$ALERT" "$SYSLOG" | sed -n 2p)" "^<34>1 .* id=\"$FRANK\" kind=\"vetting_lapsed\" severity=\"critical\"" "PRI 34 for critical"
is "$(wait_lines "$HOOK" "^200 .*\"id\":$FRANK," 1)" 1 "and the webhook gets it"
get "$OFFICER" "/v1/anomalies/$DAVE" >/dev/null
is "$(jget "$RESP" '$.count')" 2 "Dave's anomaly counted its second event"
is "$(lines_in "$SYSLOG" "id=\"$DAVE\"")" 1 "which sent no second syslog message"
is "$(lines_in "$HOOK" "^200 .*\"id\":$DAVE,")" 1 "and no second webhook"

# The webhook is down when Bob reads TOP SECRET; the collector is killed
# before it can deliver; after a restart the alert is delivered.
stop_pid "$HOOK_PID"
post_text "$AGENT" "[$(ev 5 bob /srv/vigil-demo/ts/roadmap.txt)]" >/dev/null
is "$(jget "$RESP" '$.accepted')" 1 "ingest goes on while the webhook is down"
get "$OFFICER" "/v1/anomalies?kind=clearance_exceeded&person=p1002" >/dev/null
BOB=$(jget "$RESP" '$.anomalies[0].id')
is "$(wait_lines "$SYSLOG" "id=\"$BOB\"" 1)" 1 "Bob's alert reaches syslog"
for i in $(seq 1 100); do
	[ "$(db "SELECT attempts FROM alert_outbox WHERE anomaly = $BOB AND sink LIKE 'webhook:%'")" -ge 1 ] && break
	sleep 0.1
done
is "$(db "SELECT count(*) FROM alert_outbox WHERE anomaly = $BOB AND sink LIKE 'webhook:%'
           AND delivered_ms IS NULL AND attempts >= 1")" 1 "its webhook delivery failed and is pending"
col_kill9

start_hook "$HOOK_PORT" 0
"$T/dgram_sink" unix "$T/log.sock" "$T/unix.out" 2>>"$T/sink.err" &
BG_PIDS+=("$!")
for i in $(seq 1 100); do [ -S "$T/log.sock" ] && break; sleep 0.1; done
CONF_EXTRA=$(alerts_conf "unix:$T/log.sock")
col_start collector2 || bail "the collector restarts"
is "$(wait_lines "$HOOK" "^200 .*\"id\":$BOB," 1)" 1 "after the restart Bob's alert reaches the webhook"
is "$(lines_in "$SYSLOG" "id=\"$BOB\"")" 1 "its syslog alert, delivered before the crash, is not sent again"
is "$(db "SELECT count(*) FROM alert_outbox WHERE delivered_ms IS NULL")" 0 "nothing is left in the outbox"

# Syslog over a unix datagram socket.
post_text "$AGENT" "[$(ev 6 erin /srv/vigil-demo/ts/roadmap.txt)]" >/dev/null
is "$(wait_lines "$T/unix.out" 'account="erin"' 1)" 1 "a unix datagram target receives the next alert"
like "$(grep -m 1 'account="erin"' "$T/unix.out")" '^<35>1 [^ ]+ [^ ]+ vigil-collector [0-9]+ anomaly \[vigil@32473 ' \
	"in the same RFC 5424 form"
is "$(wait_lines "$HOOK" '^200 .*"account":"erin"' 1)" 1 "and the webhook too"
is "$(lines_in "$HOOK" '^200 ')" 4 "each high or critical anomaly reached the webhook once (4)"
is "$(lines_in "$HOOK" '^401 ')" 0 "every POST carried the secret header"

col_stop_and_check
done_testing
