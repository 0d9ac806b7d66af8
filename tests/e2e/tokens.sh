#!/bin/bash
# tokens: the lifecycle of agent and officer tokens, against a running
# collector (log_level debug).
#   1. rotation: `agent rotate` / `officer rotate` print a new token; without
#      --grace the old one is refused at once (401, "replaced by
#      rotation"); with --grace both work until the grace ends, and a
#      further rotation ends it; a host with two identities must be named
#      by id;
#   2. revocation: `agent revoke ID|HOST`, `officer revoke NAME` take effect
#      on the very next request (401 "revoked"), for tokens in grace too;
#      nothing matched exits 1;
#   3. expiry: `--expires DUR` on add; an expired token is 401 "expired";
#   4. `agent list` / `officer list` (text and --json) show status, expiry,
#      revocation and grace, and never a token or its hash;
#   5. usage errors exit 2;
#   6. no token, and no token hash, appears in the collector's log at debug
#      level or in the CLI's messages.
. "$(dirname "$0")/lib.sh"

COL_LOG_LEVEL=debug
col_init
CLI_LOG=$T/cli-messages.log
cli() {   # cli ARGS...: runs the collector's CLI; stdout to $OUT, status to $RC
	OUT=$("$COLLECTOR" -c "$CONF" "$@" 2>>"$CLI_LOG")
	RC=$?
}
TOKENS=()   # every token this scenario sees, for the log check at the end
mint() {    # mint VAR ARGS...: a token from `ARGS` into VAR
	local var=$1
	shift
	cli "$@"
	printf -v "$var" '%s' "$OUT"
	TOKENS+=("$OUT")
}
mint AGENT_A agent add ws-a
mint AGENT_B agent add ws-b
mint OFFICER officer add "Olga Officer" --role officer
mint AUDITOR officer add "Aldo Auditor" --role auditor
col_start || bail "collector starts"

hb_array 1 2 >"$T/b1.json"
hb_array 3 4 >"$T/b2.json"
hb_array 5 6 >"$T/b3.json"
error_is() {   # error_is WANT DESCRIPTION: the last reply's error text matches WANT
	like "$(jget "$RESP" '$.error')" "$1" "$2"
}

is "$(post_events "$AGENT_A" "$T/b1.json")" 200 "agent A posts with its first token"
is "$(get "$OFFICER" /v1/events)" 200 "the officer reads with its first token"

# ---- 1. rotation ---------------------------------------------------------------
OLD_OFFICER=$OFFICER
mint OFFICER officer rotate "Olga Officer"
is "$RC" 0 "officer rotate NAME exits 0"
like "$OUT" '^[0-9a-f]{64}$' "... and prints the new token alone"
code=$(get "$OLD_OFFICER" /v1/events)
is "$code" 401 "without --grace the old officer token is refused at once: 401"
error_is "replaced by rotation" "... with an error that says it was replaced by rotation"
is "$(get "$OFFICER" /v1/events)" 200 "the new officer token works"

OLD_A=$AGENT_A
mint AGENT_A agent rotate ws-a --grace 1h
is "$RC" 0 "agent rotate HOST --grace 1h exits 0"
is "$(post_events "$OLD_A" "$T/b2.json")" 200 "during the grace period the old agent token still works"
is "$(post_events "$AGENT_A" "$T/b3.json")" 200 "... and so does the new one"
is "$(db "SELECT count(DISTINCT agent) FROM events")" 1 "both tokens post as the same agent identity"
cli agent list --json
printf '%s' "$OUT" >"$T/list.json"
is "$(jsql "$T/list.json" "SELECT json_extract(value,'\$.grace_until') IS NOT NULL FROM d, json_each(d.j)
     WHERE json_extract(value,'\$.host')='ws-a'")" 1 "agent list --json shows until when the old token is valid"
OLDER_A=$OLD_A
OLD_A=$AGENT_A
mint AGENT_A agent rotate 1
is "$RC" 0 "agent rotate ID (1) exits 0"
is "$(post_events "$OLDER_A" "$T/b2.json")" 401 "a further rotation ends the earlier grace period"
is "$(post_events "$OLD_A" "$T/b2.json")" 401 "... and the token it replaced stops at once"
is "$(post_events "$AGENT_A" "$T/b2.json")" 200 "... while the newest works"

mint AGENT_B2 agent add ws-b
cli agent rotate ws-b
is "$RC" 1 "agent rotate HOST with two active identities exits 1"
like "$(tail -n 1 "$CLI_LOG")" "ids 2, [0-9]+" "... naming their ids"
is "$(post_events "$AGENT_B" "$T/b1.json")" 200 "... and changes nothing"

# ---- 2. revocation, seen by the running collector at once --------------------------
mint AGENT_C agent add ws-c
OLD_C=$AGENT_C
mint AGENT_C agent rotate ws-c --grace 1d
cli agent revoke ws-c
is "$RC" 0 "agent revoke HOST exits 0"
like "$OUT" "revoked 1 agent" "... and says how many identities it revoked"
code=$(post_events "$AGENT_C" "$T/b1.json")
is "$code" 401 "the revoked agent's token is refused on the next request: 401"
error_is "revoked" "... with an error that says it was revoked"
is "$(post_events "$OLD_C" "$T/b1.json")" 401 "its token in grace is refused too"
error_is "revoked" "... also as revoked"
cli agent revoke ws-c
is "$RC" 1 "revoking again (nothing active) exits 1"
cli agent revoke ws-nobody
is "$RC" 1 "revoking an unknown host exits 1"

cli agent revoke "$(agent_id "$AGENT_B2")"
is "$RC" 0 "agent revoke ID exits 0"
is "$(post_events "$AGENT_B2" "$T/b1.json")" 401 "... and that identity is refused"
is "$(post_events "$AGENT_B" "$T/b1.json")" 200 "the other identity of the same host is not"

is "$(get "$AUDITOR" /v1/events)" 200 "the auditor reads before revocation"
cli officer revoke "Aldo Auditor"
is "$RC" 0 "officer revoke NAME exits 0"
code=$(get "$AUDITOR" /v1/events)
is "$code" 401 "the revoked officer is refused on the next request: 401"
error_is "revoked" "... with an error that says it was revoked"
is "$(get "$OFFICER" /v1/events)" 200 "other officers are unaffected"

# ---- 3. expiry ------------------------------------------------------------------
mint EXP_AGENT agent add ws-exp --expires 30d
is "$RC" 0 "agent add --expires 30d exits 0"
is "$(db "SELECT (expires_ms - created_ms) / 3600000 FROM agents WHERE host='ws-exp'")" 720 \
	"... and the token expires 30 days (720 h) after enrolment"
is "$(post_events "$EXP_AGENT" "$T/b1.json")" 200 "before its expiry the token works"
# Expiry is a stored time; move it into the past rather than wait.
db "UPDATE agents SET expires_ms = created_ms - 1 WHERE host='ws-exp'"
code=$(post_events "$EXP_AGENT" "$T/b1.json")
is "$code" 401 "after its expiry it is refused: 401"
error_is "expired" "... with an error that says it expired"
mint EXP_AGENT agent rotate ws-exp
is "$(post_events "$EXP_AGENT" "$T/b1.json")" 200 "rotation gives an expired identity a working token (no expiry)"
mint EXP_OFF officer add "Ephemeral Eve" --role officer --expires 1h
db "UPDATE officers SET expires_ms = created_ms - 1 WHERE name='Ephemeral Eve'"
is "$(get "$EXP_OFF" /v1/events)" 401 "an expired officer token is refused: 401"

# ---- 4. listing without secrets ----------------------------------------------------
cli agent list
is "$RC" 0 "agent list exits 0"
printf '%s\n' "$OUT" >"$T/agents.txt"
like "$(head -n 1 "$T/agents.txt")" "^ID +HOST +ROLE +STATUS" "agent list has a header"
like "$(grep ' ws-c ' "$T/agents.txt")" "revoked" "the revoked agent is listed as revoked"
like "$(grep ' ws-a ' "$T/agents.txt")" "active" "the rotated agent is active"
cli officer list --json
printf '%s' "$OUT" >"$T/officers.json"
is "$(jsql "$T/officers.json" "SELECT group_concat(json_extract(value,'\$.name')||':'||json_extract(value,'\$.status'), ',')
     FROM d, json_each(d.j)")" "Olga Officer:active,Aldo Auditor:revoked,Ephemeral Eve:expired" \
	"officer list --json gives each officer's status"
secret_listed=0
for tok in "${TOKENS[@]}"; do
	h=$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
	grep -q -e "$tok" -e "$h" "$T/agents.txt" "$T/officers.json" "$T/list.json" && secret_listed=1
done
is "$secret_listed" 0 "no listing shows a token or a token's hash"

# ---- 5. usage -----------------------------------------------------------------------
cli agent revoke ws-a --grace 1h
is "$RC" 2 "--grace with revoke: exit 2"
cli agent rotate ws-a --grace soon
is "$RC" 2 "a duration without a unit: exit 2"
like "$(tail -n 1 "$CLI_LOG")" "--grace 'soon'" "... naming the option and the value"
cli agent list ws-a
is "$RC" 2 "list with a name: exit 2"
cli officer add "No Role"
is "$RC" 2 "officer add without --role: exit 2"

# ---- 6. secrets never in logs ----------------------------------------------------------
col_stop_and_check
like "$(grep -c 'debug' "$COL_LOG")" '^[1-9]' "the collector logged at debug level"
leaked=
for tok in "${TOKENS[@]}"; do
	h=$(printf '%s' "$tok" | sha256sum | cut -d' ' -f1)
	grep -q -e "$tok" -e "$h" "$COL_LOG" "$CLI_LOG" && leaked+=" ${tok:0:8}..."
done
is "$leaked" "" "no token (${#TOKENS[@]} used) nor its hash appears in the collector's debug log or CLI messages"

done_testing
