#!/bin/bash
# detect_agent: what an agent reports about the audit trail itself becomes
# an anomaly of the host: records the kernel lost (audit_loss), a spool that
# overflowed (audit_loss), audit rules changed, auditing switched off or
# auditd stopped (audit_tamper). Heartbeats and starts are not anomalies.
# The same holds whether the events come as NDJSON or as a JSON array.

. "$(dirname "$0")/lib.sh"

VIGIL_POLICY=$REPO/policy/examples/example.cfg
col_init
OFFICER=$(mint_officer "E2E Officer")
A1=$(mint_agent ws-0001)
A2=$(mint_agent ws-0002)
col_start || bail "collector starts and answers /healthz"

agent_ev() {   # agent_ev SEQ HH:MM ACTION [EXTRA-DETAIL]
	printf '{"seq":%d,"time":"2026-11-18T%s:00.000Z","kind":"agent","host":"ws-0001","detail":{"action":"%s"%s}}' \
		"$1" "$2" "$3" "${4:-}"
}
{
	agent_ev 1 09:00 start
	echo
	agent_ev 2 09:01 heartbeat
	echo
	agent_ev 3 09:02 audit_loss ',"lost":42,"lost_total":42'
	echo
	agent_ev 4 09:03 audit_config_change ',"op":"remove_rule","key":"vigil-srv"'
	echo
	agent_ev 5 09:04 audit_disabled
	echo
	agent_ev 6 09:05 auditd_end
	echo
	agent_ev 7 09:06 spool_drop ',"message":"12 events dropped while the spool was full"'
	echo
} >"$T/agent.ndjson"
is "$(post_events "$A1" "$T/agent.ndjson" application/x-ndjson)" 200 "seven agent reports from ws-0001 (NDJSON): 200"

anomaly() {   # anomaly KIND FIELD: FIELD of the anomaly of KIND on ws-0001
	get "$OFFICER" "/v1/anomalies?kind=$1" >/dev/null
	jsql "$RESP" "SELECT group_concat(json_extract(value, '\$.$2'), '|') FROM d, json_each(j, '\$.anomalies')
		WHERE json_extract(value, '\$.host') = '${3:-ws-0001}'"
}
is "$(anomaly audit_loss severity)" "medium|high" "lost records (high) and the spool overflow (medium) are audit_loss"
like "$(anomaly audit_loss summary)" "The kernel lost audit records on ws-0001: 42\." "the summary says how many were lost"
is "$(anomaly audit_tamper reasons)" '["auditd_end"]|["audit_disabled"]|["audit_config_change"]' \
	"rule change, auditing off and auditd stopping are audit_tamper, with the action as reason"
is "$(anomaly audit_tamper severity)" "high|critical|high" "switching auditing off is critical"
is "$(anomaly audit_tamper person)" "" "a host's finding names no person"
get "$OFFICER" "/v1/anomalies?since=2026-11-18&until=2026-11-19" >/dev/null
is "$(jsql "$RESP" "SELECT count(*) FROM d, json_each(j, '\$.anomalies')")" 5 \
	"start and heartbeat make no anomaly: 5 in all"
get "$OFFICER" "/v1/anomalies?kind=audit_loss" >/dev/null
is "$(jsql "$RESP" "SELECT json_extract(value, '\$.events[0].seq') FROM d, json_each(j, '\$.anomalies')
	WHERE json_extract(value, '\$.severity') = 'high'")" 3 "the anomaly points at the agent's event"

# The JSON-array path decides the same.
printf '[%s]' "$(agent_ev 1 10:00 audit_loss ',"lost":7' | sed 's/ws-0001/ws-0002/')" >"$T/array.json"
is "$(post_events "$A2" "$T/array.json" application/json)" 200 "an audit_loss report as a JSON array: 200"
like "$(anomaly audit_loss summary ws-0002)" "lost audit records on ws-0002: 7\." "it is detected the same way"

col_stop_and_check
done_testing
