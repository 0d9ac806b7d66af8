#!/bin/bash
# tls: the collector over HTTPS and mutual TLS.
#
# A throw-away CA signs the collector's certificate (subjectAltName
# IP:127.0.0.1 and DNS:localhost) and a client certificate; a second,
# unrelated CA signs another client certificate. Then:
#   1. with `tls = { certificate; key; }` HTTPS works for a client that
#      trusts the CA, and fails for plain HTTP and for a client that does
#      not; TLS 1.0 and 1.1 are refused;
#   2. vigil-agent, given the CA in `ca`, delivers its start event over
#      HTTPS; given another CA it delivers nothing and logs why;
#   3. with `client_ca` (mutual TLS) an authenticated endpoint answers 403
#      to a client without a certificate and to one whose certificate the
#      other CA signed, and 200 to the right certificate with a token. The
#      collector requests but does not require a client certificate in the
#      handshake, so a foreign certificate completes the handshake and is
#      refused per request (403), like a missing one; /healthz stays open.
#      vigil-agent without a client certificate is refused too (ca.sh
#      shows it delivering with certificate and key from the vigil CA);
#   4. configuration: plain HTTP on a non-loopback address is refused by
#      -t with file:line; a missing key file is reported by -t and stops
#      the collector from starting with a message naming the file.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed (mk/deps.sh installs it)"
AGENT=$VIGIL_BIN/vigil-agent
[ -x "$AGENT" ] || bail "vigil-agent is built ($AGENT missing)"

# ---- certificates --------------------------------------------------------

PKI=$T/pki
mkdir -p "$PKI"

# make_ca NAME CN: a self-signed CA certificate NAME.pem with key NAME.key.
make_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$PKI/$1.key" -out "$PKI/$1.pem" -days 2 -subj "/CN=$2" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>>"$T/openssl.err"
}

# make_cert NAME CA CN EXTENSIONS: a key and a certificate signed by CA.
make_cert() {
	printf '%s\n' "$4" >"$PKI/$1.ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$PKI/$1.key" -out "$PKI/$1.csr" -subj "/CN=$3" 2>>"$T/openssl.err" &&
		openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/$2.pem" -CAkey "$PKI/$2.key" \
			-CAcreateserial -days 2 -out "$PKI/$1.pem" -extfile "$PKI/$1.ext" \
			>>"$T/openssl.err" 2>&1
}

LEAF="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature"
make_ca ca "vigil e2e CA" &&
	make_ca other "unrelated e2e CA" &&
	make_cert collector ca 127.0.0.1 "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth
$LEAF" &&
	make_cert client ca ws-tls "extendedKeyUsage=clientAuth
$LEAF" &&
	make_cert foreign other ws-tls "extendedKeyUsage=clientAuth
$LEAF" ||
	bail "openssl makes the test certificates: $(tail -n 5 "$T/openssl.err")"
CA=$PKI/ca.pem
verifies() {   # verifies PURPOSE CERT: CERT chains to $CA for PURPOSE
	openssl verify -CAfile "$CA" -purpose "$1" "$2" >/dev/null 2>&1
}
check "the collector certificate verifies against the CA" verifies sslserver "$PKI/collector.pem"
check "the client certificate verifies against the CA" verifies sslclient "$PKI/client.pem"
check "the other CA's client certificate does not" eval '! verifies sslclient "$PKI/foreign.pem"'

TLS_SERVER="certificate = \"$PKI/collector.pem\"; key = \"$PKI/collector.key\";"

# ---- collector over HTTPS --------------------------------------------------

# tls_start LOGNAME: col_start over HTTPS, trusting the test CA.
tls_start() {
	COL_SCHEME=https COL_CA=$CA col_start "$1"
}

# handshake_refused VERSION: gnutls-cli (or openssl s_client) offering only
# TLS VERSION (1.0, 1.1) cannot complete a handshake with the collector.
handshake_refused() {
	if command -v gnutls-cli >/dev/null 2>&1; then
		! gnutls-cli --x509cafile "$CA" --priority "NORMAL:-VERS-ALL:+VERS-TLS$1" \
			-p "$PORT" 127.0.0.1 </dev/null 2>&1 | grep -q 'Handshake was completed'
	else
		local flag=-tls1
		[ "$1" = 1.1 ] && flag=-tls1_1
		! openssl s_client -connect "127.0.0.1:$PORT" "$flag" -cipher 'DEFAULT@SECLEVEL=0' \
			-CAfile "$CA" </dev/null 2>&1 | grep -q '^New, TLS'
	fi
}

CONF_EXTRA="tls = { $TLS_SERVER };"
col_init
OFFICER=$(mint_officer "TLS Officer" officer)
AGENT_TOKEN=$(mint_agent ws-tls)
WRONG_CA_TOKEN=$(mint_agent ws-tls-wrong-ca)
tls_start collector || bail "the collector starts with tls and answers https /healthz"
ok "the collector starts with tls and answers https /healthz"

code=$(req GET /v1/events --cacert "$CA" -H "Authorization: Bearer $OFFICER")
is "$code" 200 "GET /v1/events over HTTPS with curl --cacert and a token: 200"
code=$(curl -s -m 10 --cacert "$CA" --resolve "localhost:$PORT:127.0.0.1" -o /dev/null \
	-w '%{http_code}' "https://localhost:$PORT/healthz")
is "$code" 200 "the certificate is valid for the name localhost too"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")
is "$code" 000 "plain HTTP to the TLS port gets no HTTP answer"
curl -s -m 10 -o /dev/null "$BASE/healthz"
is "$?" 60 "a client that does not trust the CA refuses the collector (curl exit 60)"
code=$(curl -s -m 10 --cacert "$PKI/other.pem" -o /dev/null -w '%{http_code}' "$BASE/healthz")
is "$code" 000 "a client that trusts only another CA gets no answer"
check "the collector still serves after refused handshakes" \
	[ "$(curl -s -m 10 --cacert "$CA" -o /dev/null -w '%{http_code}' "$BASE/healthz")" = 200 ]
check "a TLS 1.0 handshake is refused" handshake_refused 1.0
check "a TLS 1.1 handshake is refused" handshake_refused 1.1

# ---- vigil-agent over HTTPS -------------------------------------------------

# agent_conf NAME HOST CA-FILE: writes $T/NAME.conf for an agent with its own
# spool, socket and token file, shipping to $BASE.
agent_conf() {
	write_agent_conf "$T/$1.conf" "$2" "$T/$1.token" "$T/$1.spool.db" "$T/$1.sock" "ca = \"$3\";"
}

# agent_run NAME TOKEN: enrolls TOKEN and starts the agent; sets AGENT_PID.
agent_run() {
	echo "$2" | "$AGENT" -c "$T/$1.conf" enroll >/dev/null 2>>"$T/$1.log" ||
		bail "vigil-agent enroll ($1)"
	"$AGENT" -c "$T/$1.conf" >>"$T/$1.log" 2>&1 &
	AGENT_PID=$!
	BG_PIDS+=("$AGENT_PID")
}

# start_events AGENT-TOKEN: how many agent/start events the collector holds
# from the agent with that token.
start_events() {
	local aid
	aid=$(agent_id "$1")
	[ -n "$aid" ] || { echo none; return; }
	db "SELECT count(*) FROM events WHERE agent = $aid AND kind = 'agent'
	    AND json_extract(json, '\$.detail.action') = 'start'"
}

# wait_for_file_match FILE REGEX: until FILE holds a line matching (~15 s).
wait_for_file_match() {
	local i
	for i in $(seq 1 150); do
		grep -Eqi -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# no_sanitizer_reports NAME: vigil-agent NAME's log is free of sanitizer
# reports.
no_sanitizer_reports() {
	if grep -Eq "$SANITIZER_PATTERN" "$T/$1.log"; then
		not_ok "no sanitizer reports from vigil-agent ($1)"
		diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$T/$1.log" | head -n 40)"
	else
		ok "no sanitizer reports from vigil-agent ($1)"
	fi
}

agent_conf good ws-tls "$CA"
agent_run good "$AGENT_TOKEN"
GOOD_PID=$AGENT_PID
for i in $(seq 1 150); do
	[ "$(start_events "$AGENT_TOKEN")" = 1 ] && break
	sleep 0.1
done
is "$(start_events "$AGENT_TOKEN")" 1 "vigil-agent with ca = the CA delivers its start event over HTTPS"

agent_conf wrong ws-tls-wrong-ca "$PKI/other.pem"
agent_run wrong "$WRONG_CA_TOKEN"
WRONG_PID=$AGENT_PID
check "vigil-agent with ca = another CA logs a certificate error" \
	wait_for_file_match "$T/wrong.log" 'certificate'
is "$(start_events "$WRONG_CA_TOKEN")" 0 "... and delivers nothing"
check "... and keeps its events spooled" \
	[ "$(sqlite3 -batch "$T/wrong.spool.db" "SELECT count(*) FROM spool" 2>/dev/null)" -ge 1 ]
stop_pid "$WRONG_PID"
is "$(start_events "$WRONG_CA_TOKEN")" 0 "... not even while it stops"
no_sanitizer_reports wrong
stop_pid "$GOOD_PID"
is "$(db "SELECT count(*) FROM events WHERE agent = $(agent_id "$AGENT_TOKEN") AND kind = 'agent'
          AND json_extract(json, '\$.detail.action') = 'stop'")" 1 \
	"vigil-agent's stop event is delivered over HTTPS too"
no_sanitizer_reports good
col_stop_and_check

# ---- mutual TLS ---------------------------------------------------------------

CONF_EXTRA="tls = { $TLS_SERVER client_ca = \"$CA\"; };"
tls_start collector-mtls || bail "the collector starts with tls.client_ca"
ok "the collector starts with tls.client_ca"
CLIENT=(--cert "$PKI/client.pem" --key "$PKI/client.key")
FOREIGN=(--cert "$PKI/foreign.pem" --key "$PKI/foreign.key")

code=$(req GET /v1/events --cacert "$CA" -H "Authorization: Bearer $OFFICER")
is "$code" 403 "mTLS: GET /v1/events with a token but no client certificate: 403"
code=$(req GET /v1/events --cacert "$CA" "${FOREIGN[@]}" -H "Authorization: Bearer $OFFICER")
is "$code" 403 "mTLS: with a client certificate from another CA: 403 (the handshake completes)"
code=$(req GET /v1/events --cacert "$CA" "${CLIENT[@]}" -H "Authorization: Bearer $OFFICER")
is "$code" 200 "mTLS: with the CA's client certificate and a token: 200"
code=$(req GET /v1/events --cacert "$CA" "${CLIENT[@]}")
is "$code" 401 "mTLS: the CA's client certificate without a token: 401"
code=$(req GET /v1/events --cacert "$CA" "${CLIENT[@]}" -H "Authorization: Bearer $AGENT_TOKEN")
is "$code" 403 "mTLS: the client certificate does not lift a role check (agent token reading: 403)"

hb_ndjson 1000 1002 >"$T/batch.ndjson"
code=$(post_events "$AGENT_TOKEN" "$T/batch.ndjson" application/x-ndjson --cacert "$CA")
is "$code" 403 "mTLS: POST /v1/events without a client certificate: 403"
code=$(post_events "$AGENT_TOKEN" "$T/batch.ndjson" application/x-ndjson --cacert "$CA" "${FOREIGN[@]}")
is "$code" 403 "mTLS: POST /v1/events with the other CA's certificate: 403"
is "$(db "SELECT count(*) FROM events WHERE seq >= 1000")" 0 "... and nothing refused was stored"
code=$(post_events "$AGENT_TOKEN" "$T/batch.ndjson" application/x-ndjson --cacert "$CA" "${CLIENT[@]}")
is "$code" 200 "mTLS: POST /v1/events with the client certificate and the agent token: 200"
is "$(counts "$RESP")" "3 0 0 1002" "... and the batch is stored"
code=$(curl -s -m 10 --cacert "$CA" -o /dev/null -w '%{http_code}' "$BASE/healthz")
is "$code" 200 "mTLS: /healthz needs no client certificate"

# vigil-agent without `certificate`/`key`: refused, and says so.
agent_conf mtls ws-tls "$CA"
agent_run mtls "$AGENT_TOKEN"
check "vigil-agent without a client certificate is refused by a mutual-TLS collector (HTTP 403 logged)" \
	wait_for_file_match "$T/mtls.log" 'HTTP 403'
stop_pid "$AGENT_PID"
col_stop_and_check

# ---- configuration -----------------------------------------------------------

# conf_file NAME LISTEN TLS-GROUP: a configuration file $T/NAME.
conf_file() {
	cat >"$T/$1" <<EOF
listen = "$2";
database = "$DB";
policy = "$VIGIL_POLICY";
user = "root";
$3
EOF
}
conf_file public-plain.conf "192.0.2.1:8470" ""
"$COLLECTOR" -c "$T/public-plain.conf" -t >"$T/out" 2>&1
is "$?" 1 "-t refuses plain HTTP on a non-loopback address"
like "$(cat "$T/out")" "public-plain.conf:1: .*loopback" "... saying file:line and why"
conf_file public-tls.conf "0.0.0.0:8470" "tls = { $TLS_SERVER };"
"$COLLECTOR" -c "$T/public-tls.conf" -t >"$T/out" 2>&1
is "$?" 0 "-t accepts a non-loopback address with tls"

conf_file missing-key.conf "127.0.0.1:$(pick_port)" \
	"tls = { certificate = \"$PKI/collector.pem\"; key = \"$T/no-such.key\"; };"
"$COLLECTOR" -c "$T/missing-key.conf" -t >"$T/out" 2>&1
is "$?" 1 "-t reports a tls key file that does not exist"
like "$(cat "$T/out")" "no-such\.key" "... naming the file"
timeout 20 "$COLLECTOR" -c "$T/missing-key.conf" >"$T/out" 2>&1
is "$?" 1 "the collector does not start when the tls key file is missing (exit 1)"
like "$(cat "$T/out")" "no-such\.key: cannot open" "... and says which file it cannot open"
unlike "$(cat "$T/out")" "listening on" "... without ever listening"

done_testing
