#!/bin/bash
# web_browser: the dashboard in a real browser. Headless Chromium (Debian's
# chromium package), driven over the DevTools protocol by web_cdp.py, signs
# in with an officer token, reads the overview and the anomaly list, clicks
# through to an anomaly, types a note and clicks "Acknowledge" (real mouse
# events), and opens the dossier, risk, vetting and agent pages. The pages
# must render with their style sheet and script under the strict CSP (no
# console errors, no CSP reports), show a hostile account name as text
# without running it, and the click must land in the anomaly's history as
# GET /v1/anomalies/ID reports it.

. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip_all "chromium is not installed (mk/deps.sh installs Debian's chromium package)"
command -v python3 >/dev/null 2>&1 || skip_all "python3 is not installed (it drives the browser)"

VIGIL_POLICY=$REPO/policy/examples/example.cfg
col_init
OFFICER=$(mint_officer "Officer Ada")
AGENT=$(mint_agent ws-0004)
col_start || bail "collector starts and answers /healthz"

code=$(post_text "$AGENT" '[{"seq":1,"time":"2026-11-18T10:05:00.000Z","kind":"file_access","host":"ws-0004","user":"dave","path":"/srv/vigil-demo/ts/roadmap.txt","op":"read","result":"success"},
{"seq":2,"time":"2026-11-18T11:00:00.000Z","kind":"session_open","host":"ws-0004","user":"<script>window.vigilPwned=true</script>","service":"sshd"},
{"seq":3,"time":"2026-11-18T11:01:00.000Z","kind":"file_access","host":"ws-0004","user":"<script>window.vigilPwned=true</script>","path":"/srv/\"><img src=x onerror=window.vigilPwned=true>","op":"read","result":"success"}]')
is "$code" 200 "a forbidden read and a hostile account's activity are ingested"
get "$OFFICER" "/v1/anomalies?kind=clearance_exceeded" >/dev/null
ID=$(jget "$RESP" '$.anomalies[0].id')
like "$ID" '^[0-9]+$' "there is an anomaly to triage (id $ID)"

OUT=$T/browser
mkdir -p "$OUT"
if command -v timeout >/dev/null 2>&1; then TIMEOUT=(timeout -k 10 240); else TIMEOUT=(); fi
"${TIMEOUT[@]}" python3 "$REPO/tests/e2e/web_cdp.py" "$CHROMIUM" "$BASE" "$OFFICER" "$ID" p1004 "$OUT" \
	2>"$T/cdp.err"
rc=$?
R=$OUT/result.json
if [ ! -s "$R" ]; then
	not_ok "the browser visit ran (exit $rc)"
	diag "$(tail -n 20 "$T/cdp.err")" "$(tail -n 20 "$OUT/profile/chromium.log" 2>/dev/null)"
	col_stop_and_check
	done_testing
fi
is "$(jget "$R" '$.completed')" 1 "the browser visit ran to its end"
[ "$rc" -eq 0 ] || diag "$(cat "$T/cdp.err")" "failed step: $(jget "$R" '$.failed_step')"
step() { jget "$R" "\$.steps.$1.$2"; }

is "$(step login url)" /ui/login "opening /ui/ without a session lands on the sign-in page"
is "$(step login h1)" "Sign in" "which renders"
is "$(step login css_loaded)" "rgb(245, 247, 250)" "with the collector's style sheet applied under the CSP"

is "$(step overview url)" /ui/ "clicking 'Sign in with token' leads to the overview"
is "$(step overview h1)" Overview "the overview renders"
is "$(step overview nav)" 5 "with the five sections in the navigation"
like "$(step overview text)" "Newest open high and critical anomalies" "the newest open high and critical anomalies"
like "$(step overview text)" "Dave Brown is cleared to SECRET" "among them Dave's"
like "$(step overview text)" "Highest risk" "the highest risks"
like "$(step overview text)" "agents enrolled" "and agent health"
[ "$(step overview svgs)" -ge 3 ] && ok "with server-drawn SVG charts ($(step overview svgs))" ||
	not_ok "with server-drawn SVG charts (got $(step overview svgs))"

is "$(step anomalies h1)" Anomalies "the anomaly list renders"
[ "$(step anomalies rows)" -ge 2 ] && ok "listing the anomalies ($(step anomalies rows) rows)" ||
	not_ok "listing the anomalies (got $(step anomalies rows) rows)"
like "$(step anomalies text)" "Account '<script>window.vigilPwned=true</script>' does not belong" \
	"the hostile account name is shown as text"
is "$(step anomalies scripts)" 1 "no script element but the dashboard's own"
is "$(step anomalies pwned)" 0 "nothing injected ran"

is "$(step anomaly url)" "/ui/anomalies/$ID" "clicking the anomaly's link opens it"
is "$(step anomaly h1)" "Anomaly #$ID" "the anomaly page renders"
is "$(step triaged url)" "/ui/anomalies/$ID?done=acknowledge" "clicking 'Acknowledge' posts the form and returns"
like "$(step triaged text)" "Acknowledged\\." "the page confirms it"
like "$(step triaged history)" "Officer Ada.*acknowledged.*Checked with the line manager; a briefing copy\\." \
	"and shows the step in the history"

get "$OFFICER" "/v1/anomalies/$ID" >/dev/null
is "$(jget "$RESP" '$.status')" acknowledged "GET /v1/anomalies/$ID: acknowledged"
is "$(jget "$RESP" '$.assignee')" "Officer Ada" "assigned to the officer typed in"
is "$(jsql "$RESP" "SELECT json_array_length(j, '\$.history') FROM d")" 1 "one step in its history"
is "$(jget "$RESP" '$.history[0].officer')|$(jget "$RESP" '$.history[0].note')" \
	"Officer Ada|Checked with the line manager; a briefing copy." "by the signed-in officer, with the typed note"

is "$(step person h1)" "Dave Brown (p1004)" "the dossier renders"
like "$(step person text)" "Clearance and vetting" "with clearance and vetting"
[ "$(step person svgs)" -ge 2 ] && ok "the risk trend and the hour-of-week heat map are drawn" ||
	not_ok "the risk trend and the hour-of-week heat map are drawn (got $(step person svgs) SVGs)"
is "$(step risk h1)" "Risk ranking" "the risk ranking renders"
like "$(step risk text)" "p1004" "ranking Dave"
is "$(step vetting h1)" Vetting "the vetting page renders"
is "$(step agents h1)" Agents "the agents page renders"
like "$(step agents text)" "ws-0004" "listing the workstation's agent"
is "$(step signed_out url)" /ui/login "'Sign out' returns to the sign-in page"

console=$(jsql "$R" "SELECT group_concat(value, char(10)) FROM d, json_each(j, '\$.console')")
is "$console" "" "no console errors, script exceptions or CSP reports on any page"
missing=
for shot in login overview anomalies anomaly triaged person risk vetting agents; do
	[ -s "$OUT/$shot.png" ] || missing+=" $shot.png"
done
is "$missing" "" "a screenshot of every page"
if [ -n "${VIGIL_WEB_SHOTS:-}" ]; then
	mkdir -p "$VIGIL_WEB_SHOTS" && cp "$OUT"/*.png "$VIGIL_WEB_SHOTS"/ && diag "screenshots in $VIGIL_WEB_SHOTS"
fi

col_stop_and_check
done_testing
