#!/bin/bash
# role_matrix: every route × every role, from one table.
#
# The table below is the intended access matrix, written here on its own
# and not derived from the collector's code: a status per role for each
# route, plus a request without a token and one with a revoked token (of
# an admin, so that 401 shows the revocation, not a role). 200 means the
# role may use the route (a well-formed request succeeds), 403 that a known
# token of that role is refused, 401 that there is no valid token.
#
#   agent    ingest only
#   officer  reads and triage
#   vetting  the vetting view only: clearance states and due dates, and the
#            activity of people whose vetting is not current; not dossiers,
#            risk or events (need to know: vetting officers decide
#            clearances, they do not investigate behaviour)
#   policy   policy reload only
#   auditor  every read, the access log and the identities; no triage
#   admin    every read, identities, the access log, triage and reload
#
# Every route in collector/col_http.c's routes[] must have a row (a new
# route without one fails here until its access is decided), and every row
# must name a route. The web dashboard (/ui/) signs officers in with its own
# sessions: a bearer token of any role opens nothing there.
. "$(dirname "$0")/lib.sh"

read -r -d '' MATRIX <<'EOF'
# METHOD PATH                          agent officer vetting policy auditor admin none revoked
POST   /v1/events                      200   403     403     403    403     403   401  401
GET    /v1/events                      403   200     403     403    200     200   401  401
GET    /v1/anomalies                   403   200     403     403    200     200   401  401
GET    /v1/anomalies/{ANOMALY}         403   200     403     403    200     200   401  401
POST   /v1/anomalies/{ANOMALY}/triage  403   200     403     403    403     200   401  401
GET    /v1/quarantine                  403   200     403     403    200     200   401  401
GET    /v1/vetting                     403   200     200     403    200     200   401  401
GET    /v1/risk                        403   200     403     403    200     200   401  401
GET    /v1/persons/p1001               403   200     403     403    200     200   401  401
GET    /v1/summary                     403   200     403     403    200     200   401  401
GET    /v1/export/events               403   200     403     403    200     200   401  401
GET    /v1/export/anomalies            403   200     403     403    200     200   401  401
GET    /v1/access-log                  403   403     403     403    200     200   401  401
GET    /v1/identities                  403   403     403     403    200     200   401  401
POST   /v1/policy/reload               403   403     403     200    403     200   401  401
GET    /healthz                        200   200     200     200    200     200   200  200
GET    /metrics                        200   200     200     200    200     200   200  200
GET    /ui/                            303   303     303     303    303     303   303  303
GET    /ui/login                       200   200     200     200    200     200   200  200
EOF
COLUMNS_=(agent officer vetting policy auditor admin none revoked)

col_init
declare -A TOKEN
TOKEN[agent]=$(mint_agent ws-matrix)
for role in officer vetting policy auditor admin; do
	TOKEN[$role]=$(mint_officer "Matrix ${role^}" "$role")
	[ -n "${TOKEN[$role]}" ] || bail "officer add --role $role prints a token"
done
TOKEN[revoked]=$(mint_officer "Matrix Revoked Admin" admin)
"$COLLECTOR" -c "$CONF" officer revoke "Matrix Revoked Admin" >/dev/null 2>>"$T/cli.err" ||
	bail "officer revoke works"
TOKEN[none]=
col_start || bail "collector starts"

# An anomaly to read and triage: a login by an account no vetted person has.
SEQ=1
event() {   # event: one auth_success of an unknown account, next seq
	printf '{"seq":%d,"time":"%s","kind":"auth_success","user":"matrix-nobody","service":"sshd"}' \
		"$SEQ" "$(ts $((36000 + SEQ)))"
	SEQ=$((SEQ + 1))
}
event >"$T/ev.json"
[ "$(post_events "${TOKEN[agent]}" "$T/ev.json")" = 200 ] || bail "the agent posts an event"
for i in $(seq 1 150); do
	ANOMALY=$(db "SELECT min(id) FROM anomalies")
	[ -n "$ANOMALY" ] && break
	sleep 0.1
done
[ -n "$ANOMALY" ] || bail "the unknown account makes an anomaly to read and triage"

# request COLUMN METHOD PATH: the status of a well-formed request.
request() {
	local col=$1 method=$2 path=$3 auth=()
	[ -n "${TOKEN[$col]}" ] && auth=(-H "Authorization: Bearer ${TOKEN[$col]}")
	case "$method $path" in
	"POST /v1/events")
		event >"$T/ev.json"
		req POST "$path" "${auth[@]}" -H "Content-Type: application/json" --data-binary @"$T/ev.json" ;;
	"POST "*/triage)
		req POST "$path" "${auth[@]}" -H "Content-Type: application/json" \
			--data-binary '{"status":"acknowledged","note":"role matrix"}' ;;
	*)
		req "$method" "$path" "${auth[@]}" ;;
	esac
}

# ---- the routes the collector has ------------------------------------------------
# "METHOD PATH PREFIX" for each entry of routes[].
mapfile -t ROUTES < <(grep -oE '\{"(GET|POST|PUT|DELETE|PATCH)", "[^"]+", [01],' "$REPO/collector/col_http.c" |
	sed -E 's/\{"([A-Z]+)", "([^"]+)", ([01]),/\1 \2 \3/')
[ "${#ROUTES[@]}" -ge 10 ] || bail "routes[] is read from collector/col_http.c (${#ROUTES[@]} found)"
HAS_UI=0
grep -q 'col_web_owns' "$REPO/collector/col_http.c" && HAS_UI=1

# route_of METHOD PATH: the routes[] entry the request falls under, if any.
route_of() {
	local r m p x
	for r in "${ROUTES[@]}"; do
		read -r m p x <<<"$r"
		[ "$m" = "$1" ] || continue
		if [ "$x" = 1 ]; then
			case $2 in "$p"?*) echo "$r"; return 0 ;; esac
		elif [ "$2" = "$p" ]; then
			echo "$r"
			return 0
		fi
	done
	return 1
}

declare -A COVERED
while read -r method path expect; do
	[ -z "$method" ] || [ "${method:0:1}" = "#" ] && continue
	path=${path//\{ANOMALY\}/$ANOMALY}
	read -r -a want <<<"$expect"
	if route=$(route_of "$method" "$path"); then
		COVERED[$route]=1
	elif [ "${path:0:4}" = "/ui/" ]; then
		if [ "$HAS_UI" = 0 ]; then
			skip "$method $path" "the collector has no web dashboard"
			continue
		fi
	else
		not_ok "the matrix row $method $path names a route of col_http.c"
		continue
	fi
	for i in "${!COLUMNS_[@]}"; do
		col=${COLUMNS_[$i]}
		is "$(request "$col" "$method" "$path")" "${want[$i]}" "$method $path as $col: ${want[$i]}"
	done
done <<<"$MATRIX"

for r in "${ROUTES[@]}"; do
	if [ -n "${COVERED[$r]:-}" ]; then
		ok "route ${r% *} has a row in the matrix"
	else
		not_ok "route ${r% *} has a row in the matrix (decide who may use it and add it above)"
	fi
done

# Refusals say why, as JSON.
request none GET /v1/events >/dev/null
like "$(jget "$RESP" '$.error')" "missing or unknown bearer token" "no token: the error says the token is missing"
request revoked GET /v1/events >/dev/null
like "$(jget "$RESP" '$.error')" "revoked" "a revoked token: the error says it was revoked"
request vetting GET /v1/events >/dev/null
like "$(jget "$RESP" '$.error')" "role may not use" "a wrong role: the error says the role may not use it"

col_stop_and_check
done_testing
