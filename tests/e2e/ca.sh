#!/bin/bash
# ca: the vigil CA (`vigil-collector ca init` / `ca issue HOST`) and mutual
# TLS with the certificates it issues.
#   1. ca init writes ca.key/collector.key 0600 and ca.pem/collector.pem
#      0644; the collector certificate names its listen address; a second
#      init refuses to overwrite anything;
#   2. ca issue HOST: CN = HOST, clientAuth, one year, a random serial,
#      verifiable against the CA; existing files and odd names are refused;
#   3. a collector with these files and client_ca: an agent token with the
#      certificate of its own host is accepted; with another host's
#      certificate, or none, or the collector's own (server) certificate it
#      is refused (403); officer tokens need some certificate of the CA;
#   4. vigil-agent with `certificate`/`key` delivers over mutual TLS; with
#      another host's certificate it is refused and logs HTTP 403; agent -t
#      checks the key file's mode and that certificate and key go together.
. "$(dirname "$0")/lib.sh"

command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed (mk/deps.sh installs it)"
AGENT=$VIGIL_BIN/vigil-agent
[ -x "$AGENT" ] || bail "vigil-agent is built ($AGENT missing)"

col_init
PKI=$T/pki
CERTS=$T/certs
mkdir -p "$PKI" "$CERTS"
mode() { stat -c %a "$1" 2>/dev/null; }

# ---- 1. ca init ----------------------------------------------------------------
OUT=$("$COLLECTOR" -c "$CONF" ca init --dir "$PKI" 2>"$T/init.err")
is "$?" 0 "ca init exits 0"
like "$OUT" "tls = \{ certificate = \"$PKI/collector.pem\"" "... and prints the tls group to configure"
is "$(mode "$PKI/ca.key") $(mode "$PKI/ca.pem") $(mode "$PKI/collector.key") $(mode "$PKI/collector.pem")" \
	"600 644 600 644" "keys are 0600, certificates 0644"
check "the CA certificate is a CA (basicConstraints CA:TRUE)" \
	eval "openssl x509 -in '$PKI/ca.pem' -noout -text | grep -q 'CA:TRUE'"
verifies() {   # verifies PURPOSE CERT: CERT chains to the vigil CA for PURPOSE
	openssl verify -CAfile "$PKI/ca.pem" -purpose "$1" "$2" >/dev/null 2>&1
}
check "the collector certificate verifies as a TLS server certificate" verifies sslserver "$PKI/collector.pem"
like "$(openssl x509 -in "$PKI/collector.pem" -noout -ext subjectAltName 2>/dev/null | tail -n 1)" \
	"IP Address:127\.0\.0\.1.*DNS:localhost" "it names the listen address 127.0.0.1 and localhost"
before=$(cat "$PKI"/* | sha256sum)
"$COLLECTOR" -c "$CONF" ca init --dir "$PKI" >/dev/null 2>"$T/init2.err"
is "$?" 1 "a second ca init exits 1"
like "$(cat "$T/init2.err")" "refusing to overwrite" "... saying it will not overwrite"
is "$(cat "$PKI"/* | sha256sum)" "$before" "... and every file is unchanged"

# ---- 2. ca issue ---------------------------------------------------------------------
issue() {   # issue HOST: a client certificate for HOST into $CERTS
	"$COLLECTOR" -c "$CONF" ca issue "$1" --dir "$PKI" --out "$CERTS" >"$T/issue.out" 2>"$T/issue.err"
}
issue ws-m
is "$?" 0 "ca issue ws-m exits 0"
is "$(mode "$CERTS/ws-m.key") $(mode "$CERTS/ws-m.pem")" "600 644" "the client key is 0600, its certificate 0644"
like "$(openssl x509 -in "$CERTS/ws-m.pem" -noout -subject)" "CN ?= ?ws-m$" "its CN is the host"
like "$(openssl x509 -in "$CERTS/ws-m.pem" -noout -ext extendedKeyUsage | tail -n 1)" \
	"^ *TLS Web Client Authentication$" "its only extended key usage is clientAuth"
check "it verifies against the CA as a TLS client certificate" verifies sslclient "$CERTS/ws-m.pem"
check "... and not as a server certificate" eval '! verifies sslserver "$CERTS/ws-m.pem"'
days() {   # days CERT: whole days from notBefore to notAfter
	local a b
	a=$(date -d "$(openssl x509 -in "$1" -noout -startdate | cut -d= -f2)" +%s)
	b=$(date -d "$(openssl x509 -in "$1" -noout -enddate | cut -d= -f2)" +%s)
	echo $(((b - a) / 86400))
}
is "$(days "$CERTS/ws-m.pem")" 365 "it is valid for one year"
issue ws-n
is "$?" 0 "ca issue ws-n exits 0"
serial_m=$(openssl x509 -in "$CERTS/ws-m.pem" -noout -serial | cut -d= -f2)
serial_n=$(openssl x509 -in "$CERTS/ws-n.pem" -noout -serial | cut -d= -f2)
like "$serial_m" '^[0-9A-F]{32}$' "the serial is 128 bits"
check "two certificates have different serials" [ "$serial_m" != "$serial_n" ]
issue ws-m
is "$?" 1 "issuing ws-m again exits 1"
like "$(cat "$T/issue.err")" "refusing to overwrite" "... refusing to overwrite its files"
issue "../escape"
is "$?" 1 "a host name with a slash is refused"
check "... and nothing is written outside the output directory" [ ! -e "$T/escape.pem" ]
chmod 0644 "$PKI/ca.key"
issue ws-loose
is "$?" 1 "a CA key readable by others is refused"
like "$(cat "$T/issue.err")" "chmod 600" "... saying how to fix it"
chmod 0600 "$PKI/ca.key"

# ---- 3. mutual TLS with the issued certificates --------------------------------------------
AGENT_M=$(mint_agent ws-m)
AGENT_N=$(mint_agent ws-n)
OFFICER=$(mint_officer "Mara Officer" officer)
CONF_EXTRA="tls = { certificate = \"$PKI/collector.pem\"; key = \"$PKI/collector.key\";
        client_ca = \"$PKI/ca.pem\"; };"
COL_SCHEME=https COL_CA=$PKI/ca.pem col_start collector-mtls || bail "the collector starts with the vigil CA's files"
ok "the collector starts with the vigil CA's certificate, key and client_ca"
CA=(--cacert "$PKI/ca.pem")
CERT_M=(--cert "$CERTS/ws-m.pem" --key "$CERTS/ws-m.key")
CERT_N=(--cert "$CERTS/ws-n.pem" --key "$CERTS/ws-n.key")
hb_ndjson 1 3 >"$T/batch.ndjson"
post() { post_events "$1" "$T/batch.ndjson" application/x-ndjson "${CA[@]}" "${@:2}"; }

is "$(post "$AGENT_M" "${CERT_M[@]}")" 200 "agent ws-m's token with ws-m's certificate: 200"
is "$(counts "$RESP")" "3 0 0 3" "... and the batch is stored"
code=$(post "$AGENT_M" "${CERT_N[@]}")
is "$code" 403 "agent ws-m's token with ws-n's certificate: 403"
like "$(jget "$RESP" '$.error')" "not issued for this token's host" "... saying the certificate is for another host"
is "$(post "$AGENT_N" "${CERT_M[@]}")" 403 "agent ws-n's token with ws-m's certificate: 403"
code=$(post "$AGENT_M")
is "$code" 403 "agent ws-m's token without a certificate: 403"
like "$(jget "$RESP" '$.error')" "client certificate" "... saying a client certificate is required"
is "$(post "$AGENT_M" --cert "$PKI/collector.pem" --key "$PKI/collector.key")" 403 \
	"the collector's server certificate is no client certificate: 403"
is "$(db "SELECT count(*) FROM events")" 3 "nothing refused was stored"
is "$(req GET /v1/events "${CA[@]}" "${CERT_N[@]}" -H "Authorization: Bearer $OFFICER")" 200 \
	"an officer token with any certificate of the CA: 200"
is "$(req GET /v1/events "${CA[@]}" -H "Authorization: Bearer $OFFICER")" 403 \
	"an officer token without a certificate: 403"

# ---- 4. vigil-agent with a client certificate ----------------------------------------------
# agent_conf NAME HOST CERT-NAME: an agent of HOST presenting CERT-NAME's files.
agent_conf() {
	write_agent_conf "$T/$1.conf" "$2" "$T/$1.token" "$T/$1.spool.db" "$T/$1.sock" \
		"ca = \"$PKI/ca.pem\"; certificate = \"$CERTS/$3.pem\"; key = \"$CERTS/$3.key\";"
}
agent_run() {   # agent_run NAME TOKEN: enrol and start; sets AGENT_PID
	echo "$2" | "$AGENT" -c "$T/$1.conf" enroll >/dev/null 2>>"$T/$1.log" || bail "vigil-agent enroll ($1)"
	"$AGENT" -c "$T/$1.conf" >>"$T/$1.log" 2>&1 &
	AGENT_PID=$!
	BG_PIDS+=("$AGENT_PID")
}
wait_for() {   # wait_for COMMAND...: until it succeeds (~15 s)
	local i
	for i in $(seq 1 150); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
start_events() {   # start_events AGENT-ID: its agent/start events stored
	db "SELECT count(*) FROM events WHERE agent = $1 AND kind = 'agent'
	    AND json_extract(json, '\$.detail.action') = 'start'"
}

# A fresh identity of host ws-m: the curl posts above used sequence numbers
# the agent's spool would start with.
AGENT_M=$(mint_agent ws-m)
agent_conf good ws-m ws-m
"$AGENT" -c "$T/good.conf" -t >"$T/t.out" 2>&1
is "$?" 0 "vigil-agent -t accepts certificate and key"
agent_run good "$AGENT_M"
M_ID=$(agent_id "$AGENT_M")
check "vigil-agent with ws-m's certificate delivers its start event over mutual TLS" \
	wait_for eval '[ "$(start_events "$M_ID")" = 1 ]'
stop_pid "$AGENT_PID"

agent_conf wrong ws-m ws-n
agent_run wrong "$AGENT_M"
check "vigil-agent with ws-n's certificate and ws-m's token is refused (HTTP 403 logged)" \
	wait_for grep -q 'HTTP 403' "$T/wrong.log"
stop_pid "$AGENT_PID"
is "$(start_events "$M_ID")" 1 "... and delivered nothing: the only start event is the good agent's"
for log in good wrong; do
	if grep -Eq "$SANITIZER_PATTERN" "$T/$log.log"; then
		not_ok "no sanitizer reports from vigil-agent ($log)"
		diag "$(grep -E -A 12 "$SANITIZER_PATTERN" "$T/$log.log" | head -n 30)"
	else
		ok "no sanitizer reports from vigil-agent ($log)"
	fi
done
col_stop_and_check

cp "$CERTS/ws-m.key" "$T/loose.key"
chmod 0644 "$T/loose.key"
write_agent_conf "$T/loose.conf" ws-m "$T/good.token" "$T/l.spool.db" "$T/l.sock" \
	"ca = \"$PKI/ca.pem\"; certificate = \"$CERTS/ws-m.pem\"; key = \"$T/loose.key\";"
"$AGENT" -c "$T/loose.conf" -t >"$T/t.out" 2>&1
is "$?" 1 "vigil-agent -t refuses a client key readable by others"
like "$(cat "$T/t.out")" "loose\.key.*chmod 600" "... naming the file and the fix"
write_agent_conf "$T/half.conf" ws-m "$T/good.token" "$T/h.spool.db" "$T/h.sock" \
	"certificate = \"$CERTS/ws-m.pem\";"
"$AGENT" -c "$T/half.conf" -t >"$T/t.out" 2>&1
is "$?" 1 "vigil-agent -t refuses a certificate without a key"
like "$(cat "$T/t.out")" "half\.conf:[0-9]+: 'certificate' and 'key' go together" "... with file:line"

done_testing
