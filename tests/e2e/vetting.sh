#!/bin/bash
# vetting: the vetting officer's view. With the example organisation's
# policy (Frank suspended, Grace's review overdue since 2026-09-30, Ivan on
# an interim clearance) and Frank's and Grace's recorded week ingested,
# GET /v1/vetting and `vigil-report vetting` list exactly those three as
# not current or interim, with the activity each logged while not vetted;
# a longer window adds the people whose review falls due in it.

. "$(dirname "$0")/lib.sh"

REPORT=$VIGIL_BIN/vigil-report
VIGIL_POLICY=$REPO/policy/examples/example.cfg
STREAM=$REPO/tests/data/demo-events.ndjson
col_init
OFFICER=$(mint_officer "Vetting Officer")
AUDITOR=$(mint_officer "Vetting Auditor" auditor)
declare -A AG
for h in ws-0006 ws-0007; do AG[$h]=$(mint_agent "$h"); done
col_start || bail "collector starts and answers /healthz"
for h in ws-0006 ws-0007; do
	grep "\"host\":\"$h\"" "$STREAM" >"$T/$h.ndjson"
	is "$(post_events "${AG[$h]}" "$T/$h.ndjson" application/x-ndjson)" 200 "$h's week is ingested"
done

# The people whose vetting needs attention, with what they did meanwhile.
is "$(get "$OFFICER" "/v1/vetting?due_within=30")" 200 "GET /v1/vetting: 200"
is "$(jsql "$RESP" "SELECT group_concat(json_extract(value, '\$.person') || ':' || json_extract(value, '\$.state'), ' ')
	FROM d, json_each(j, '\$.persons')")" "p1006:not_current p1007:not_current p1009:interim" \
	"Frank and Grace are not current, Ivan is interim"
is "$(jsql "$RESP" "SELECT json_extract(value, '\$.why') FROM d, json_each(j, '\$.persons')
	WHERE json_extract(value, '\$.person') = 'p1007'")" review_overdue "Grace's reason is the overdue review"
is "$(jsql "$RESP" "SELECT json_extract(value, '\$.why') FROM d, json_each(j, '\$.persons')
	WHERE json_extract(value, '\$.person') = 'p1006'")" status "Frank's is his suspended status"
check "Frank's and Grace's activity while not vetted is counted" \
	[ "$(jsql "$RESP" "SELECT min(json_extract(value, '\$.lapsed_activity')) FROM d, json_each(j, '\$.persons')
		WHERE json_extract(value, '\$.state') = 'not_current'")" -gt 0 ]
is "$(jget "$RESP" '$.due_within_days')" 30 "the window is echoed"

# A window of 2,000 days also lists reviews falling due in it.
get "$AUDITOR" "/v1/vetting?due_within=2000" >/dev/null
like "$(jsql "$RESP" "SELECT group_concat(json_extract(value, '\$.person'), ' ') FROM d, json_each(j, '\$.persons')
	WHERE json_extract(value, '\$.state') = 'review_due'")" "p1011" \
	"an auditor sees Kim's review (2028-02-12) due within 2,000 days"
is "$(get "$OFFICER" "/v1/vetting?due_within=-1")" 400 "a negative window: 400"
is "$(get "$OFFICER" "/v1/vetting?due_within=99999")" 400 "a window over 10 years: 400"
is "$(get "${AG[ws-0006]}" "/v1/vetting")" 403 "an agent token: 403"

# The same from the command line.
out=$("$REPORT" --collector "$BASE" --token "$OFFICER" vetting --due-within 30)
is "$?" 0 "vigil-report vetting exits 0"
like "$out" "p1006 +Frank Miller +suspended" "the text report lists Frank"
like "$out" "review_overdue" "and why Grace is not current"
check "every line fits 80 columns" awk 'length($0) > 80 { bad = 1 } END { exit bad }' <<<"$out"
out=$("$REPORT" --collector "$BASE" --token "$OFFICER" vetting --due-within 30 --format csv)
is "$(printf '%s\n' "$out" | grep -c '^person,')" 3 "CSV: a row per person"
like "$out" "person,p1009,Ivan Taylor,SECRET,interim," "with the clearance fields"
"$REPORT" --collector "$BASE" --token "$OFFICER" vetting --due-within x >/dev/null 2>&1
is "$?" 2 "a bad --due-within is a usage error (exit 2)"

col_stop_and_check
done_testing
