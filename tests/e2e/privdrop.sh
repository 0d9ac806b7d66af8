#!/bin/bash
# privdrop: least privilege.
#   1. the collector, started as root with `user = NAME`, runs as that user
#      (ps, /proc: every uid and gid, no capabilities, no_new_privs) after
#      binding, and its database stays writable; the CLI, run as root,
#      creates the database as that user too;
#   2. a database directory the user cannot write, or a database file
#      another user owns, stops the collector (and -t) with a message that
#      names the file and the chown that fixes it; an unknown user is an
#      error; root without a user and without a vigil account is a warning;
#   3. vigil-agent keeps uid 0 but no capability with audit = "off", and
#      only CAP_AUDIT_CONTROL with audit = "netlink", in every thread, with
#      an empty bounding set and no_new_privs, and still delivers.
# Needs root (it creates a throw-away system account and removes it).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || skip_all "needs root (creates a system account, starts the collector as root)"
command -v useradd >/dev/null 2>&1 || skip_all "useradd is not installed"
AGENT=$VIGIL_BIN/vigil-agent
[ -x "$AGENT" ] || bail "vigil-agent is built ($AGENT missing)"

U=vgtest$$
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" 2>"$T/useradd.err" ||
	bail "useradd --system $U: $(cat "$T/useradd.err")"
trap 'userdel "$U" >/dev/null 2>&1; cleanup' EXIT
UID_=$(id -u "$U")
GID_=$(id -g "$U")

# The collector, once it is $U, must reach its directory and read the policy.
chmod 0711 "$T"
mkdir "$T/data"
chown "$U:" "$T/data"
chmod 0700 "$T/data"
cp "$VIGIL_POLICY" "$T/policy.cfg"
chmod 0644 "$T/policy.cfg"
VIGIL_POLICY=$T/policy.cfg
DB=$T/data/vigil.db
COL_USER=$U

# ---- 1. running as the user -------------------------------------------------------
col_init
AGENT_TOKEN=$(mint_agent ws-priv)
POLICY_TOKEN=$(mint_officer "Priv Policy" policy)
OFFICER=$(mint_officer "Priv Officer" officer)
is "$(stat -c %U "$DB")" "$U" "agent add, run as root, creates the database as the collector's user"
col_start || bail "the collector starts as root with user = \"$U\""
is "$(ps -o user= -p "$COL_PID" | tr -d ' ')" "$U" "ps shows the collector running as $U"
status_field() { awk -v k="$2:" '$1 == k { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }
is "$(status_field "$COL_PID" Uid)" "$UID_ $UID_ $UID_ $UID_" "real, effective, saved and file uid are $U's"
is "$(status_field "$COL_PID" Gid)" "$GID_ $GID_ $GID_ $GID_" "... and so are the gids"
is "$(status_field "$COL_PID" Groups)" "$GID_" "no supplementary group but its own"
is "$(status_field "$COL_PID" CapEff) $(status_field "$COL_PID" CapPrm)" \
	"0000000000000000 0000000000000000" "no capability left"
is "$(status_field "$COL_PID" NoNewPrivs)" 1 "no_new_privs is set"
like "$(cat "$COL_LOG")" "running as user $U \(uid $UID_" "the log says whom it runs as"
hb_array 1 5 >"$T/batch.json"
is "$(post_events "$AGENT_TOKEN" "$T/batch.json")" 200 "the agent's batch is accepted"
is "$(db 'SELECT count(*) FROM events')" 5 "... and stored: the database is writable"
is "$(stat -c %U "$DB-wal")" "$U" "the write-ahead log belongs to $U"
is "$(req POST /v1/policy/reload -H "Authorization: Bearer $POLICY_TOKEN")" 200 \
	"a policy reload as $U reads the policy"
is "$(get "$OFFICER" /v1/events)" 200 "officers read"
col_stop_and_check

# ---- 2. clear errors -------------------------------------------------------------------
# run_conf NAME LINES [start]: -t (and with "start" a start) with a
# configuration of LINES; sets T_RC, T_OUT, RUN_RC, RUN_OUT.
run_conf() {
	cat >"$T/$1.conf" <<EOF
listen = "127.0.0.1:$(pick_port)";
policy = "$VIGIL_POLICY";
$2
EOF
	T_OUT=$("$COLLECTOR" -c "$T/$1.conf" -t 2>&1)
	T_RC=$?
	[ "${3:-}" = start ] || return 0
	RUN_OUT=$(timeout 20 "$COLLECTOR" -c "$T/$1.conf" 2>&1)
	RUN_RC=$?
}
mkdir "$T/rootdir"
chmod 0755 "$T/rootdir"
run_conf rootdir "database = \"$T/rootdir/vigil.db\"; user = \"$U\";" start
is "$T_RC" 1 "-t: a database directory $U cannot write is an error"
like "$T_OUT" "rootdir .*not writable by user $U.*chown $U: $T/rootdir" "... naming the directory and the chown"
is "$RUN_RC" 1 "the collector does not start then (exit 1)"
like "$RUN_OUT" "not writable by user $U" "... and says why"
unlike "$RUN_OUT" "listening on" "... without ever serving"
check "... and creates no database there" [ ! -e "$T/rootdir/vigil.db" ]

mkdir "$T/mixed"
chown "$U:" "$T/mixed"
sqlite3 "$T/mixed/vigil.db" 'PRAGMA user_version' >/dev/null
run_conf mixed "database = \"$T/mixed/vigil.db\"; user = \"$U\";" start
is "$T_RC $RUN_RC" "1 1" "a database file owned by root: -t and the start fail"
like "$RUN_OUT" "mixed/vigil.db is owned by uid 0.*chown $U: $T/mixed/vigil.db" "... naming the file and the chown"

run_conf nouser "database = \"$T/data/vigil.db\"; user = \"no-such-user-$$\";"
is "$T_RC" 1 "-t: a user that does not exist is an error"
like "$T_OUT" "user 'no-such-user-$$' does not exist" "... saying so"
if id vigil >/dev/null 2>&1; then
	skip "root without user and without a vigil account is a warning" "this machine has a vigil account"
else
	run_conf nosetting "database = \"$T/data/vigil.db\";"
	like "$T_OUT" "warning: running as root" "-t warns that the collector would run as root"
fi

# ---- 3. the agent's capabilities -------------------------------------------------------------
COL_USER=$U
col_start collector-agents || bail "the collector starts again"
# A fresh identity: the batch above used the sequence numbers an agent's
# spool starts with.
AGENT_TOKEN=$(mint_agent ws-priv)
AGENT_ID=$(agent_id "$AGENT_TOKEN")
caps_line() {   # caps_line PID: "CapEff CapPrm CapBnd NoNewPrivs Uid(real)" of every thread, distinct
	local t
	for t in /proc/"$1"/task/*; do
		awk '$1 == "CapEff:" { e = $2 } $1 == "CapPrm:" { p = $2 } $1 == "CapBnd:" { b = $2 }
		     $1 == "NoNewPrivs:" { n = $2 } $1 == "Uid:" { u = $2 }
		     END { print e, p, b, n, u }' "$t/status"
	done | sort -u
}
wait_for_log() {   # wait_for_log FILE REGEX
	local i
	for i in $(seq 1 150); do
		grep -Eq -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
start_agent() {   # start_agent NAME AUDIT: sets AGENT_PID once the agent runs
	write_agent_conf "$T/$1.conf" ws-priv "$T/$1.token" "$T/$1.spool.db" "$T/$1.sock"
	sed -i "s/^audit = \"off\";\$/audit = \"$2\";/" "$T/$1.conf"
	echo "$AGENT_TOKEN" | "$AGENT" -c "$T/$1.conf" enroll >/dev/null 2>>"$T/$1.log"
	"$AGENT" -c "$T/$1.conf" >>"$T/$1.log" 2>&1 &
	AGENT_PID=$!
	BG_PIDS+=("$AGENT_PID")
	wait_for_log "$T/$1.log" "running on"
}
start_agent off off || bail "vigil-agent starts (audit off)"
is "$(caps_line "$AGENT_PID")" "0000000000000000 0000000000000000 0000000000000000 1 0" \
	"audit off: every thread of the agent is uid 0 with no capability, an empty bounding set, no_new_privs"
like "$(cat "$T/off.log")" "capabilities kept: none" "... and its log says so"
for i in $(seq 1 150); do
	[ "$(db "SELECT count(*) FROM events WHERE agent = $AGENT_ID AND kind = 'agent'")" -ge 1 ] && break
	sleep 0.1
done
is "$(db "SELECT count(*) > 0 FROM events WHERE agent = $AGENT_ID AND kind = 'agent'
          AND json_extract(json, '\$.detail.action') = 'start'")" 1 "... and it still delivers (its start event)"
stop_pid "$AGENT_PID"

if auditctl -s >/dev/null 2>&1; then
	start_agent netlink netlink || bail "vigil-agent starts (audit netlink)"
	# CAP_AUDIT_CONTROL is capability 30.
	is "$(caps_line "$AGENT_PID")" "0000000040000000 0000000040000000 0000000000000000 1 0" \
		"audit netlink: only CAP_AUDIT_CONTROL is left, in every thread"
	like "$(cat "$T/netlink.log")" "capabilities kept: CAP_AUDIT_CONTROL" "... and its log says so"
	stop_pid "$AGENT_PID"
	unlike "$(cat "$T/netlink.log")" "error" "the agent stops without errors (its exclusion rule removed with the kept capability)"
else
	skip "audit netlink: only CAP_AUDIT_CONTROL is left" "the kernel audit subsystem does not answer"
fi
for log in off netlink; do
	[ -f "$T/$log.log" ] || continue
	if grep -Eq "$SANITIZER_PATTERN" "$T/$log.log"; then
		not_ok "no sanitizer reports from vigil-agent ($log)"
		diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$T/$log.log" | head -n 30)"
	else
		ok "no sanitizer reports from vigil-agent ($log)"
	fi
done
col_stop_and_check

done_testing
