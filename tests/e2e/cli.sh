#!/bin/bash
# cli: the collector's command line. `-t` validates configuration and
# policy (exit 0, or 1 with every problem as "file:line: message");
# `agent add` and `officer add` print a fresh 64-hex token alone on a line
# and store only its SHA-256; usage errors and unknown roles exit 2.
. "$(dirname "$0")/lib.sh"

col_init
C=$COLLECTOR

# run_cli ARGS...: runs the collector CLI; sets RC, OUT (stdout), ERR (stderr).
run_cli() {
	"$C" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# -- -t on a good configuration --------------------------------------------------------
run_cli -c "$CONF" -t
is "$RC" 0 "-t on a good configuration exits 0"
like "$OUT$ERR" "ok" "-t says the configuration is ok"
is "$(ls "$T" | grep -c '^vigil.db')" 0 "-t does not create the database"

# bad_conf NAME LINE-NUMBER DESCRIPTION CONTENT: a broken configuration
# must be refused by -t with exit 1 and "NAME:LINE:" in the message.
bad_conf() {
	local name=$1 line=$2 desc=$3
	printf '%s\n' "$4" >"$T/$name"
	run_cli -c "$T/$name" -t
	is "$RC" 1 "-t on $desc exits 1"
	like "$ERR$OUT" "$name:$line: " "-t on $desc reports $name:$line:"
}
GOOD_LINES="listen = \"127.0.0.1:8470\";
database = \"$DB\";
policy = \"$VIGIL_POLICY\";"

bad_conf unknown-key.conf 4 "an unknown key" "$GOOD_LINES
colour = \"blue\";"
bad_conf bad-listen.conf 1 "listen without a port" "listen = \"127.0.0.1\";
database = \"$DB\";
policy = \"$VIGIL_POLICY\";"
bad_conf bad-listen-port.conf 2 "listen with port 70000" "
listen = \"127.0.0.1:70000\";
database = \"$DB\";
policy = \"$VIGIL_POLICY\";"
bad_conf public-listen.conf 1 "plain HTTP on a non-loopback address" "listen = \"0.0.0.0:8470\";
database = \"$DB\";
policy = \"$VIGIL_POLICY\";"
bad_conf listen-type.conf 1 "listen as a number" "listen = 8470;
database = \"$DB\";
policy = \"$VIGIL_POLICY\";"
bad_conf small-body.conf 4 "max_body below its minimum" "$GOOD_LINES
max_body = 100;"
bad_conf threads.conf 5 "threads as a string" "$GOOD_LINES

threads = \"four\";"
bad_conf threads-range.conf 4 "threads = 0" "$GOOD_LINES
threads = 0;"
bad_conf log-level.conf 4 "an unknown log_level" "$GOOD_LINES
log_level = \"chatty\";"
bad_conf syntax.conf 3 "a syntax error" "listen = \"127.0.0.1:8470\";
database = \"$DB\"
policy = ;"
bad_conf tls-key.conf 4 "an unknown key inside tls" "$GOOD_LINES
tls = { certificate = \"/x.pem\"; key = \"/x.key\"; ca = \"/y.pem\"; };"

printf 'listen = "127.0.0.1:8470";\npolicy = "%s";\n' "$VIGIL_POLICY" >"$T/no-db.conf"
run_cli -c "$T/no-db.conf" -t
is "$RC" 1 "-t without a database setting exits 1"
like "$ERR" "database" "the message names the missing 'database'"
run_cli -c "$T/does-not-exist.conf" -t
is "$RC" 1 "-t on a missing configuration file exits 1"
like "$ERR" "does-not-exist.conf" "the message names the file"

# A broken policy: -t must fail with the policy's own file:line.
cp "$VIGIL_POLICY" "$T/broken-policy.cfg"
printf '\npersons = ( { id = "p9"; ); \n' >>"$T/broken-policy.cfg"
broken_line=$(grep -n '^persons = ( { id = "p9"' "$T/broken-policy.cfg" | cut -d: -f1)
printf 'listen = "127.0.0.1:8470";\ndatabase = "%s";\npolicy = "%s";\n' "$DB" "$T/broken-policy.cfg" >"$T/bp.conf"
run_cli -c "$T/bp.conf" -t
is "$RC" 1 "-t with a policy that does not parse exits 1"
like "$ERR$OUT" "broken-policy.cfg:$broken_line:" "the policy error is reported as broken-policy.cfg:$broken_line:"

# A policy that parses but refers to an undefined level.
cat >"$T/bad-level.cfg" <<'EOF'
policy = { id = "bad-level"; serial = 1; };
levels = ( { name = "UNCLASSIFIED"; rank = 0; },
           { name = "SECRET"; rank = 20; } );
persons = (
  { id = "p1"; name = "Test Person"; accounts = ["tp"];
    clearance = { level = "COSMIC"; status = "active"; nda_signed = "2022-01-01";
                  granted = "2022-01-01"; review_due = "2032-01-01"; }; } );
EOF
printf 'listen = "127.0.0.1:8470";\ndatabase = "%s";\npolicy = "%s";\n' "$DB" "$T/bad-level.cfg" >"$T/bl.conf"
run_cli -c "$T/bl.conf" -t
is "$RC" 1 "-t with a policy naming an undefined level exits 1"
like "$ERR$OUT" "bad-level.cfg:6:" "the undefined level is reported as bad-level.cfg:6:"
printf 'listen = "127.0.0.1:8470";\ndatabase = "%s";\npolicy = "%s";\n' "$DB" "$T/no-such-policy.cfg" >"$T/np.conf"
run_cli -c "$T/np.conf" -t
is "$RC" 1 "-t with a missing policy file exits 1"

# -- usage ---------------------------------------------------------------------------------
run_cli
is "$RC" 2 "no arguments: exit 2"
like "$ERR" "usage" "no arguments: usage on stderr"
run_cli -c "$CONF" agent add
is "$RC" 2 "agent add without a host: exit 2"
run_cli -c "$CONF" officer add "Someone"
is "$RC" 2 "officer add without --role: exit 2"
run_cli -c "$CONF" officer add "Someone" --role superuser
is "$RC" 2 "officer add with an unknown role: exit 2"
like "$ERR" "superuser" "the unknown role is named"
run_cli -c "$CONF" officer add "Someone" --role agent
is "$RC" 2 "agent is not an officer role: exit 2"
run_cli -c "$CONF" agent remove ws-1
is "$RC" 2 "an unknown subcommand: exit 2"
run_cli -c "$CONF" -x
is "$RC" 2 "an unknown option: exit 2"

# -- enrolment ------------------------------------------------------------------------------
HEX64='^[0-9a-f]{64}$'
run_cli -c "$CONF" agent add ws-0042
is "$RC" 0 "agent add exits 0"
like "$OUT" "$HEX64" "agent add prints a 64-hex token alone on its line"
is "$(wc -l <"$T/out")" 1 "agent add prints exactly one line"
TOK_A1=$OUT
run_cli -c "$CONF" agent add ws-0042
TOK_A2=$OUT
check "enrolling the same host again gives another token" test -n "$TOK_A2" -a "$TOK_A1" != "$TOK_A2"
is "$(db "SELECT count(*)||' '||count(DISTINCT id) FROM agents WHERE host='ws-0042'")" "2 2" \
	"every agent add is a new agent identity"

declare -A TOK
for role in officer policy auditor admin; do
	run_cli -c "$CONF" officer add "J. Doe ($role)" --role "$role"
	is "$RC" 0 "officer add --role $role exits 0"
	like "$OUT" "$HEX64" "officer add --role $role prints a 64-hex token alone on its line"
	TOK[$role]=$OUT
done
is "$(db "SELECT group_concat(role, ',') FROM (SELECT role FROM officers ORDER BY id)")" "officer,policy,auditor,admin" \
	"officers are stored with their roles"
is "$(db "SELECT count(*) FROM officers WHERE name='Someone'")" 0 "refused enrolments stored nothing"

sha() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
is "$(db "SELECT count(*) FROM agents WHERE token_hash='$(sha "$TOK_A1")'")" 1 "the agent's SHA-256 is stored"
is "$(db "SELECT count(*) FROM officers WHERE token_hash='$(sha "${TOK[admin]}")'")" 1 "the officer's SHA-256 is stored"
leaks=0
for tok in "$TOK_A1" "$TOK_A2" "${TOK[@]}"; do
	n=$(cat "$DB" "$DB-wal" "$DB-shm" 2>/dev/null | grep -a -c "$tok")
	leaks=$((leaks + n))
done
is "$leaks" 0 "no token text appears in the database files"

# The tokens work against the running collector, for their roles.
col_start || bail "collector starts and answers /healthz"
hb_array 1 2 >"$T/b.json"
code=$(post_events "$TOK_A1" "$T/b.json")
is "$code" 200 "a minted agent token posts events"
code=$(post_events "$TOK_A2" "$T/b.json")
is "$code $(counts "$RESP")" "200 2 0 0 2" "the second agent of the same host has its own sequence space"
code=$(get "${TOK[officer]}" /v1/events)
is "$code" 200 "a minted officer token reads events"
run_cli -c "$CONF" agent add ws-0043
TOK_A3=$OUT
code=$(post_events "$TOK_A3" "$T/b.json")
is "$code" 200 "an agent enrolled while the collector runs can post at once"

col_stop_and_check
done_testing
