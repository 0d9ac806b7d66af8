#!/bin/bash
# policy_cli: vigil-policy as a policy author scripts it. check exits 0/1
# with every problem as "file:line: message" (warnings included); test
# prints a line per case and a summary and exits 1 on any failure; explain
# --json names the exception that waived a reason; show prints the
# effective policy after @include, which loads again as it is; diff prints
# "+ ID NAME gains ..." / "- ... loses ..." lines and exits 0 (no change),
# 1 (changes) or 2 (errors).
. "$(dirname "$0")/lib.sh"

P=$VIGIL_BIN/vigil-policy
[ -x "$P" ] || bail "vigil-policy is missing in $VIGIL_BIN"
FIX=$REPO/tests/data/policy
EX=$REPO/policy/examples

# run ARGS...: sets RC, OUT (stdout), ERR (stderr).
run() {
	"$P" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
}

# -- check -------------------------------------------------------------------------------
run check "$EX/example.cfg" --now 2026-11-22
is "$RC" 0 "check: the example has no errors"
like "$OUT" "example.cfg: 0 errors, 1 warning, serial [0-9]+, sha256 [0-9a-f]{64}$" "check: summary line"
run check "$FIX/language-errors.cfg"
is "$RC" 1 "check: errors exit 1"
like "$ERR" "language-errors.cfg:15: unknown caveat 'NOFRN'" "check: an error names file and line"
like "$OUT" "16 errors" "check: every error is counted"
run check "$FIX/language-warnings.cfg" --now 2026-11-22
is "$RC" 0 "check: warnings alone exit 0"
like "$ERR" "language-warnings.cfg:15: warning: exception T-1 for 'eng' on 'r1' expires on 2026-12-01, within 14 days" \
	"check: an exception expiring within 14 days is a warning"
like "$ERR" "warning: no one is read on to compartment 'SI'" "check: a compartment no one holds"
like "$ERR" "warning: schedule 'spare' is not used by any person" "check: an unused schedule"
run check "$EX/example.cfg" --now 2026-11-22
like "$ERR" "warning: clearance review of person 'p1007' was due 2026-09-30 and is overdue" \
	"check: an overdue review"
run check
is "$RC" 2 "check: a usage error exits 2"

# -- test --------------------------------------------------------------------------------
run test "$EX/example.cfg" "$EX/example-cases.cfg"
is "$RC" 0 "test: the example cases pass"
like "$OUT" "example-cases.cfg: [0-9]+ cases, [0-9]+ passed, 0 failed$" "test: summary line"
cat >"$T/cases.cfg" <<'CASES'
cases = (
  { name = "ben is excepted into ts"; account = "ben"; path = "/srv/ts/x";
    time = "2026-11-16T10:00:00Z"; expect = "allow"; },
  { name = "the exception has expired"; account = "ben"; path = "/srv/ts/x";
    time = "2026-11-20T10:00:00Z"; expect = "deny"; reasons = ["level:SECRET<TOP SECRET"]; },
  { name = "wrong on purpose"; account = "amy"; path = "/srv/noforn/x";
    time = "2026-11-16T10:00:00Z"; expect = "deny"; }
);
CASES
run test "$FIX/language.cfg" "$T/cases.cfg"
is "$RC" 1 "test: a failing case exits 1"
is "$(printf '%s\n' "$OUT" | grep -c '^ok ')" 2 "test: an ok line per passing case"
like "$OUT" "FAIL wrong on purpose \(.*cases.cfg:6\): expected deny, got allow" "test: a FAIL line says why"
like "$OUT" "cases.cfg: 3 cases, 2 passed, 1 failed$" "test: summary counts"

# -- explain --json ------------------------------------------------------------------------
run explain "$FIX/language.cfg" --account ben --path /srv/ts/x --time 2026-11-16T10:00:00Z --json
is "$RC" 0 "explain --json exits 0"
is "$(jsql "$T/out" "SELECT json_extract(j, '\$.decision') || ' ' || json_extract(j, '\$.exception.ticket') || ' ' || json_extract(j, '\$.waived[0].code') FROM d")" \
	"allow SEC-101 level:SECRET<TOP SECRET" "explain --json: the exception and what it waived"
run explain "$FIX/language.cfg" --account fay --path /srv/rel/usa/x --time 2026-11-17T23:00:00Z --json
is "$(jsql "$T/out" "SELECT group_concat(json_extract(value, '\$.code'), ' ') FROM d, json_each(json_extract(j, '\$.reasons'))")" \
	"releasability:FRA,DEU" "explain --json: reason codes"
run explain "$FIX/language.cfg" --account ben --path /srv/ts/x --time 2026-11-16T10:00:00Z
like "$OUT" "Waived by exception SEC-101" "explain: the text names the exception"

# -- sources hash, owners, host accreditation ------------------------------------------------
run check "$FIX/accredit-main.cfg" --now 2026-07-01
is "$RC" 0 "check: owners and max_level load"
HASH=$(printf '%s\n' "$OUT" | sed -n 's/.*sha256 \([0-9a-f]*\)$/\1/p')
is "$HASH" "$(cat "$FIX/accredit-main.cfg" "$FIX/accredit-persons.cfg" | sha256sum | cut -c1-64)" \
	"check: the hash covers the policy file and its include"
run explain "$FIX/accredit-main.cfg" --account ann --host ws-0042 --path /srv/ts/plan \
	--time 2026-07-01T12:00:00Z
like "$OUT" "sha256 $HASH" "explain: the text names the sources hash"
like "$OUT" "Host ws-0042 is accredited to process up to SECRET, but resource 'ts' \(/srv/ts/\) is classified TOP SECRET" \
	"explain: a host accreditation range in words"
run explain "$FIX/accredit-main.cfg" --account ann --host ws-0042 --path /srv/ts/plan \
	--time 2026-07-01T12:00:00Z --json
is "$(jsql "$T/out" "SELECT json_extract(j, '\$.source_hash') || ' ' || json_extract(j, '\$.policy_serial') || ' ' || json_extract(j, '\$.reasons[0].code') FROM d")" \
	"$HASH 12 host_accreditation:TOP SECRET>SECRET" "explain --json: hash, serial and reason"
run check "$FIX/accredit-errors.cfg"
like "$ERR" "accredit-errors.cfg:11: unknown person 'p-anne' \(did you mean 'p-ann'\?\)" \
	"check: an unknown owner"

# -- privileges to whom, named time zones, an included persons file ------------------------
run check "$FIX/features-main.cfg" --now 2026-11-22
is "$RC" 0 "check: named zones and targeted privileges load"
run check "$FIX/features-bad-main.cfg"
is "$RC" 1 "check: errors in an included persons file exit 1"
like "$ERR" "features-bad-persons.cfg:7: unknown privilege 'sudx' \\(did you mean 'sudo'\\?\\)" \
	"check: an error in the included file names that file and line"
run check "$FIX/features-errors.cfg"
like "$ERR" "features-errors.cfg:5: unknown time zone 'Europe/Londn'" "check: an unknown zone name"
run explain "$FIX/features-main.cfg" --account lia --action privilege --service sudo --target root \
	--time 2026-07-01T10:00:00Z
like "$OUT" "privilege_target_not_granted:sudo:root" "explain: a target not granted"
like "$OUT" "to account root" "explain: the request names the target"
cat >"$T/features-cases.cfg" <<'CASES'
cases = (
  { name = "lia may su to root"; account = "lia"; time = "2026-07-01T10:00:00Z";
    action = "privilege"; service = "su"; target = "root"; expect = "allow"; },
  { name = "lia may not sudo to root"; account = "lia"; time = "2026-07-01T10:00:00Z";
    action = "privilege"; service = "sudo"; target = "root"; expect = "deny";
    reasons = ["privilege_target_not_granted:sudo:root"]; },
  { name = "08:30 UTC is 09:30 in a London summer"; account = "lia";
    time = "2026-07-01T08:30:00Z"; action = "other"; expect = "allow"; },
  { name = "08:30 UTC is 08:30 in a London winter"; account = "lia";
    time = "2026-01-15T08:30:00Z"; action = "other"; expect = "deny";
    reasons = ["outside_schedule:london-office"]; }
);
CASES
run test "$FIX/features-main.cfg" "$T/features-cases.cfg"
is "$RC" 0 "test: target and time zone cases pass"
like "$OUT" "features-cases.cfg: 4 cases, 4 passed, 0 failed$" "test: summary for the feature cases"
run show "$FIX/features-main.cfg"
like "$OUT" 'tz = "Europe/London"' "show: the zone name is kept"
like "$OUT" '"sudo:svc-\*"' "show: the included targeted privileges appear"

# -- show ----------------------------------------------------------------------------------
run show "$FIX/include-main.cfg"
is "$RC" 1 "show: a policy with errors exits 1"
mkdir -p "$T/inc"
cat >"$T/inc/main.cfg" <<'MAIN'
policy = { id = "split"; serial = 4; };
levels = ( { name = "SECRET"; rank = 20; } );
@include "persons.cfg"
MAIN
cat >"$T/inc/persons.cfg" <<'PERSONS'
persons = ( { id = "p1"; name = "Pat"; accounts = ["pat"]; hosts = ["*"];
              clearance = { level = "SECRET"; status = "active"; granted = "2020-01-01";
                            nda_signed = "2020-01-01"; }; } );
PERSONS
run show "$T/inc/main.cfg"
is "$RC" 0 "show exits 0"
like "$OUT" 'accounts = \[ "pat" \]' "show: the included persons appear"
unlike "$OUT" "@include" "show: no include directives remain"
printf '%s\n' "$OUT" >"$T/shown.cfg"
run check "$T/shown.cfg"
is "$RC" 0 "show: the output loads as a policy"

# -- diff ----------------------------------------------------------------------------------
sed -e 's/serial = 1;/serial = 2;/' \
    -e '/id = "p1004"/,/hosts/s/level = "SECRET"/level = "TOP SECRET"/' "$EX/example.cfg" >"$T/new.cfg"
run diff "$EX/example.cfg" "$T/new.cfg" --time 2026-11-18T10:00:00Z
is "$RC" 1 "diff: changes exit 1"
is "$OUT" "+ p1004 Dave Brown gains read of demo-ts (/srv/vigil-demo/ts/)" \
	"diff: a raised clearance gains a TOP SECRET read"
run diff "$T/new.cfg" "$EX/example.cfg" --time 2026-11-18T10:00:00Z
is "$OUT" "- p1004 Dave Brown loses read of demo-ts (/srv/vigil-demo/ts/)" "diff: and the reverse loses it"
run diff "$EX/example.cfg" "$EX/example.cfg"
is "$RC" 0 "diff: no changes exit 0"
is "$OUT" "" "diff: no changes print nothing"
run diff "$EX/example.cfg" "$FIX/language-errors.cfg"
is "$RC" 2 "diff: a policy with errors exits 2"
run diff "$EX/example.cfg" "$T/new.cfg" --time yesterday
is "$RC" 2 "diff: a bad time exits 2"

done_testing
