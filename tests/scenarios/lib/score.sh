#!/bin/bash
# tests/scenarios/lib/score.sh: how well a collector found the insiders of a
# generated organisation. The one place the figures are computed; used by
# tests/scenarios/insiders.sh (which asserts floors) and bench/run.sh (which
# prints them).
#
#   score.sh DB TRUTH [EXAMPLES]
#
#   DB      the collector's SQLite database (its anomalies table), after the
#           stream has been delivered and flushed
#   TRUTH   the generator's truth.csv (person,role,scenario)
#   EXAMPLES  how many false positives and misses to list (default 10)
#
# A person is flagged when they have at least one high or critical anomaly.
# Prints lines of "name value..." (bench/run.sh and insiders.sh read them):
#   recall R FLAGGED INSIDERS           insiders flagged / insiders
#   fp_rate R FLAGGED BENIGN            benign persons flagged / benign persons
#                                       (victims excluded: see below)
#   victims FLAGGED VICTIMS             benign persons whose account an insider
#                                       used (the anomalies of that use name
#                                       them), flagged / all
#   scenario NAME FLAGGED INSIDERS      recall per scenario
#   kind KIND SEVERITY ANOMALIES PERSONS_INSIDER PERSONS_BENIGN
#                                       anomalies per kind and severity, and
#                                       how many insiders / benign persons have
#                                       one
#   fp PERSON KIND: SUMMARY             examples of benign persons flagged
#   insider PERSON SCENARIO KINDS       every insider and the kinds of their
#                                       high and critical anomalies
#   missed PERSON SCENARIO              insiders not flagged
set -u
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: score.sh DB TRUTH [EXAMPLES]" >&2
	exit 2
fi
DB=$1 TRUTH=$2 EXAMPLES=${3:-10}
[ -r "$DB" ] || { echo "score.sh: cannot read $DB" >&2; exit 1; }
[ -r "$TRUTH" ] || { echo "score.sh: cannot read $TRUTH" >&2; exit 1; }
case $EXAMPLES in '' | *[!0-9]*) echo "score.sh: EXAMPLES must be a number" >&2; exit 2 ;; esac

# Severity in the store: 0 low, 1 medium, 2 high, 3 critical.
sqlite3 -batch -noheader -separator ' ' :memory: <<EOF
CREATE TABLE truth(person TEXT, role TEXT, scenario TEXT);
.import --csv --skip 1 '$TRUTH' truth
ATTACH '$DB' AS c;
CREATE TEMP TABLE flagged AS
  SELECT DISTINCT person FROM c.anomalies WHERE severity >= 2 AND person IS NOT NULL;
CREATE TEMP VIEW who AS
  SELECT t.person, t.role, t.scenario, f.person IS NOT NULL AS hit
  FROM truth t LEFT JOIN flagged f ON f.person = t.person;
SELECT 'recall', printf('%.4f', CASE WHEN count(*) THEN 1.0 * sum(hit) / count(*) ELSE 0 END),
       sum(hit), count(*) FROM who WHERE role = 'insider';
SELECT 'fp_rate', printf('%.4f', CASE WHEN count(*) THEN 1.0 * sum(hit) / count(*) ELSE 0 END),
       sum(hit), count(*) FROM who WHERE role = 'benign' AND scenario = '';
SELECT 'victims', coalesce(sum(hit), 0), count(*) FROM who WHERE role = 'benign' AND scenario <> '';
SELECT 'scenario', scenario, sum(hit), count(*) FROM who WHERE role = 'insider'
  GROUP BY scenario ORDER BY scenario;
SELECT 'kind', a.kind, CASE a.severity WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high'
       ELSE 'critical' END, count(*),
       count(DISTINCT CASE WHEN w.role = 'insider' THEN a.person END),
       count(DISTINCT CASE WHEN w.role = 'benign' THEN a.person END)
  FROM c.anomalies a LEFT JOIN who w ON w.person = a.person
  GROUP BY a.kind, a.severity ORDER BY a.kind, a.severity;
SELECT 'fp', w.person, group_concat(DISTINCT a.kind) || ':',
       (SELECT summary FROM c.anomalies b WHERE b.person = w.person AND b.severity >= 2
        ORDER BY b.time_ms LIMIT 1)
  FROM who w JOIN c.anomalies a ON a.person = w.person AND a.severity >= 2
  WHERE w.role = 'benign' AND w.scenario = ''
  GROUP BY w.person ORDER BY w.person LIMIT $EXAMPLES;
SELECT 'insider', w.person, w.scenario,
       coalesce((SELECT group_concat(k, ',') FROM (SELECT DISTINCT kind AS k FROM c.anomalies a
                 WHERE a.person = w.person AND a.severity >= 2 ORDER BY kind)), '-')
  FROM who w WHERE w.role = 'insider' ORDER BY w.scenario, w.person;
SELECT 'missed', person, scenario FROM who WHERE role = 'insider' AND NOT hit
  ORDER BY scenario, person LIMIT $EXAMPLES;
EOF
