#!/bin/bash
# fault/disk_full: the disk under a database fills up.
#
# The collector's database lives on a size-limited tmpfs, which is then
# filled: ingest answers 503 with a JSON error and stores nothing of the
# batch, reads and /healthz go on, the collector stays up; an agent shipping
# meanwhile keeps its events; once space is freed the same batch is
# accepted and the agent's events arrive, each exactly once, and the
# database is intact.
#
# The agent's spool lives on another such tmpfs, filled the same way:
# logins go on (real PAM sessions where this machine allows), the events the
# spool cannot take are counted, and once space is freed the agent reports
# them (detail.action "spool_write_failed", detail.lost = N) and ships
# again: stored + reported lost = logins sent, exactly.
#
# Needs root (mount); runs in a private mount namespace (unshare), so the
# mounts vanish with the scenario whatever happens.

if [ -z "${VIGIL_FAULT_NS:-}" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "1..0 # SKIP needs root to mount a size-limited tmpfs"
		exit 0
	fi
	if ! unshare --mount --propagation private true 2>/dev/null; then
		echo "1..0 # SKIP cannot create a mount namespace here (unshare --mount)"
		exit 0
	fi
	VIGIL_FAULT_NS=1 exec unshare --mount --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/cdisk" "$T/adisk"
mount -t tmpfs -o size=64m,mode=0700 vigil-fault-c "$T/cdisk" || bail "mount a 64 MiB tmpfs for the collector"
FAULT_MOUNTS+=("$T/cdisk")
mount -t tmpfs -o size=64m,mode=0700 vigil-fault-a "$T/adisk" || bail "mount a 64 MiB tmpfs for the agent"
FAULT_MOUNTS+=("$T/adisk")

# fill DIR: fills the file system of DIR (a file "filler" takes every free
# block); unfill DIR frees it again.
fill() {
	dd if=/dev/zero of="$1/filler" bs=64k status=none 2>/dev/null
	sync
	[ "$(df --output=avail -B1 "$1" | tail -n 1)" -lt 65536 ]
}
unfill() { rm -f "$1/filler"; }

DB=$T/cdisk/vigil.db
SPOOL=$T/adisk/spool.db
col_init
DIRECT=$(mint_agent ws-direct)
DID=$(agent_id "$DIRECT")
READER=$(mint_officer Reader)
fcol_up || bail "collector starts"
fagent_setup ws-fault-disk
fagent_up || bail "vigil-agent starts"
pam_service_setup
direct_post() {   # direct_post FILE: POST as agent ws-direct; prints the status
	curl -sS -m 60 -o "$RESP" -w '%{http_code}' -H "Authorization: Bearer $DIRECT" \
		-H "Content-Type: application/json" --data-binary "@$1" "$BASE/v1/events" 2>>"$T/curl.err"
}
sessions() { db "SELECT count(*) FROM events WHERE agent = $AID AND kind = 'session_open' AND json LIKE '%\"service\":\"$1\"%'"; }

# -- the collector's disk ----------------------------------------------------------------
hb_array 1 100 >"$T/d1.json"
code=$(direct_post "$T/d1.json")
is "$code $(counts "$RESP")" "200 100 0 0 100" "a batch before the disk fills"
check "the collector's disk is full" fill "$T/cdisk"
hb_array 101 2100 >"$T/d2.json"
refused=0
for i in 1 2 3; do   # the WAL may still have room for a little: push until refused
	code=$(direct_post "$T/d2.json")
	[ "$code" = 503 ] && { refused=1; break; }
	diag "batch $i on the full disk: HTTP $code $(head -c 200 "$RESP")"
	hb_array $((i * 10000 + 1)) $((i * 10000 + 2000)) >"$T/d2.json"
done
is "$refused" 1 "a batch of 2,000 events on the full disk: 503"
check "  with a JSON error" is_json_error "$RESP"
like "$(jget "$RESP" '$.error')" "storage.*full" "  that says the storage failed because the disk is full"
like "$(grep 'ingest from agent' "$COL_LOG" | tail -n 1)" "full" "the collector's log says the disk is full"
is "$(db "SELECT count(*) FROM events WHERE agent = $DID AND seq = $(jsql "$T/d2.json" "SELECT json_extract(j, '\$[0].seq') FROM d")")" 0 \
	"nothing of the refused batch was stored"
pam_send 100 disk-col 5 >"$T/sent.col"
is "$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$BASE/healthz")" 200 "/healthz answers on the full disk"
code=$(get "$READER" "/v1/quarantine?limit=1")
is "$code" 200 "GET /v1/quarantine answers on the full disk"
code=$(get "$READER" "/v1/events?limit=1")
is "$code" 503 "GET /v1/events, whose access-log entry cannot be written, is withheld: 503"
check "  with a JSON error" is_json_error "$RESP"
check "the collector is still running" kill -0 "$COL_PID"
unfill "$T/cdisk"
code=$(direct_post "$T/d2.json")
is "$code $(jget "$RESP" '$.accepted')" "200 2000" "space freed: the same batch is accepted whole"
exactly_once_check "agent shipping across the full collector disk"
is "$(sessions disk-col)" "$(cat "$T/sent.col")" "every login sent while the collector's disk was full is stored once"
is "$(db "SELECT count(*) FROM events WHERE agent = $DID")" 2100 "the direct agent's 2,100 events are stored once"

# -- the agent's disk ----------------------------------------------------------------------------
check "the agent's disk is full" fill "$T/adisk"
sent=$(pam_send 300 disk-agent 2)
is "$sent" 300 "300 logins go through while the spool's disk is full"
if [ -n "$PAMSVC" ]; then
	is "$(logins 5)" 5 "real PAM sessions succeed while the spool's disk is full"
else
	skip "real PAM sessions succeed while the spool's disk is full" "needs root, pamtester and pam_vigil.so"
fi
check "the agent is still running" kill -0 "$AGENT_PID"
sleep 1
unfill "$T/adisk"
for i in $(seq 1 150); do
	[ "$(db "SELECT count(*) FROM events WHERE agent = $AID AND json LIKE '%spool_write_failed%'")" -gt 0 ] && break
	sleep 0.2
done
exactly_once_check "after the spool's disk was full"
lost=$(db "SELECT coalesce(sum(json_extract(json, '\$.detail.lost')), 0) FROM events
           WHERE agent = $AID AND json_extract(json, '\$.detail.action') = 'spool_write_failed'")
stored=$(sessions disk-agent)
check "the agent reported events it could not spool ($lost)" test "$lost" -gt 0
pamlost=0
[ -n "$PAMSVC" ] && pamlost=$((10 - $(db "SELECT count(*) FROM events WHERE agent = $AID AND json LIKE '%\"service\":\"$PAMSVC\"%'")))
is "$((stored + lost - pamlost))" 300 "stored ($stored) + reported lost ($lost, $pamlost of them PAM sessions) = the 300 logins sent"
like "$(grep -m 1 'were not spooled\|an event was dropped' "$AGENT_LOG")" "full" "the agent's log says the disk is full"
sent=$(pam_send 20 disk-after)
exactly_once_check "after recovery"
is "$(sessions disk-after)" 20 "logins after recovery are stored"

fagent_stop
is "$AGENT_RC" 0 "the agent stops cleanly"
agent_log_clean
col_stop_and_check
done_testing
