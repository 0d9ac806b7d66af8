#!/bin/bash
# tests/scenarios/lib/deliver.sh: posts a generated organisation's events to
# a collector the way its agents would: every agent ships what it has
# gathered, slice after slice of event time, so that the collector sees the
# hosts interleaved roughly in time order, as in live delivery.
#
#   deliver.sh URL TOKENS EVENTS_DIR WORK_DIR SLICE ORDER GZIP [FLUSH]
#
#   URL         the collector, http://127.0.0.1:PORT
#   TOKENS      lines "HOST TOKEN" (one enrolled agent per host)
#   EVENTS_DIR  the generator's events/ (HOST.ndjson, seq and time ordered)
#   WORK_DIR    scratch space for the batches (created)
#   SLICE       seconds of event time per round (divides a day); in each
#               round every host with events posts them (batches of at most
#               5000), so no event reaches the collector more than SLICE
#               after a later one of another host
#   ORDER       forward or reverse: the order of the hosts within a round
#   GZIP        1: bodies gzip-compressed (Content-Encoding: gzip), 0: plain
#   FLUSH       seconds: at the end, the host of the last event sends one more
#               heartbeat this long after it (the reorder window and a little:
#               everything before it is then decided)
#
# All requests go through one curl process (a config file, one keep-alive
# connection). Prints one line:
#   batches=N events=N failed=N [flush=HTTP-CODE]
# and exits 1 when a request did not answer 200. What the collector stored
# is for the caller to check (its database).
set -u
if [ $# -lt 7 ] || [ $# -gt 8 ]; then
	echo "usage: deliver.sh URL TOKENS EVENTS_DIR WORK_DIR SLICE ORDER GZIP [FLUSH]" >&2
	exit 2
fi
URL=$1 TOKENS=$2 EVENTS=$3 WORK=$4 SLICE=$5 ORDER=$6 GZIP=$7 FLUSH=${8:-}
case $FLUSH in *[!0-9]*) echo "deliver.sh: FLUSH must be seconds" >&2; exit 2 ;; esac
case $SLICE in '' | *[!0-9]*) echo "deliver.sh: SLICE must be seconds" >&2; exit 2 ;; esac
if [ "$SLICE" -lt 1 ] || [ $((86400 % SLICE)) -ne 0 ]; then
	echo "deliver.sh: SLICE must divide a day (86400 s), got $SLICE" >&2
	exit 2
fi
case $ORDER in forward | reverse) ;; *) echo "deliver.sh: ORDER is forward or reverse" >&2; exit 2 ;; esac

mkdir -p "$WORK/batches" || exit 1

# Every line starts {"seq":N,"time":"...": with " as the separator the time
# is field 6, so the per-host files merge by time with sort -m (stable, so a
# host's own order is kept for equal times).
shopt -s nullglob
files=("$EVENTS"/*.ndjson)
[ ${#files[@]} -gt 0 ] || { echo "deliver.sh: no events in $EVENTS" >&2; exit 1; }

LC_ALL=C sort -m -s -t'"' -k6,6 "${files[@]}" |
	LC_ALL=C awk -v tokens="$TOKENS" -v slice="$SLICE" -v order="$ORDER" -v gz="$GZIP" \
		-v url="$URL" -v dir="$WORK" '
	BEGIN {
		FS = "\""
		n = 0
		while ((getline line < tokens) > 0) {
			split(line, f, " ")
			n++
			host[n] = f[1]
			tok[f[1]] = f[2]
			idx[f[1]] = n
		}
		nb = 0
		cfg = dir "/curl.cfg"
		printf "" > cfg
		cur = ""
	}
	function flush_host(h, i, j, file) {
		if (cnt[h] == 0) return
		nb++
		file = sprintf("%s/batches/%07d.nd", dir, nb)
		printf "%s", buf[h] > file
		close(file)
		if (nb > 1) print "next" > cfg
		print "url = \"" url "/v1/events\"" > cfg
		print "header = \"Authorization: Bearer " tok[h] "\"" > cfg
		print "header = \"Content-Type: application/x-ndjson\"" > cfg
		# no "Expect: 100-continue" round trip before each body
		print "header = \"Expect:\"" > cfg
		if (gz == 1) {
			print "header = \"Content-Encoding: gzip\"" > cfg
			file = file ".gz"
		}
		print "data-binary = \"@" file "\"" > cfg
		print "output = \"/dev/null\"" > cfg
		print "write-out = \"%{http_code}\\n\"" > cfg
		buf[h] = ""
		cnt[h] = 0
	}
	function flush_round(i) {
		if (order == "forward")
			for (i = 1; i <= n; i++) flush_host(host[i])
		else
			for (i = n; i >= 1; i--) flush_host(host[i])
	}
	{
		t = $6
		s = substr(t, 12, 2) * 3600 + substr(t, 15, 2) * 60 + substr(t, 18, 2)
		key = substr(t, 1, 10) "/" int(s / slice)
		if (key != cur) {
			flush_round()
			cur = key
		}
		if (match($0, /"host":"[^"]*"/) == 0) {
			print "deliver.sh: an event without a host: " substr($0, 1, 200) > "/dev/stderr"
			exit 1
		}
		h = substr($0, RSTART + 8, RLENGTH - 9)
		if (!(h in tok)) {
			print "deliver.sh: no token for host " h > "/dev/stderr"
			exit 1
		}
		buf[h] = buf[h] $0 "\n"
		seen[h]++
		last_host = h
		last_time = t
		events++
		if (++cnt[h] >= 5000) flush_host(h)
	}
	END {
		flush_round()
		close(cfg)
		print nb, events, last_host, last_time, seen[last_host], tok[last_host] > (dir "/counts")
	}' || exit 1

read -r NBATCH NEVENTS LAST_HOST LAST_TIME LAST_SEQ LAST_TOKEN <"$WORK/counts"
if [ "$GZIP" = 1 ]; then
	find "$WORK/batches" -name '*.nd' -print0 | xargs -0 -r gzip -1 || exit 1
fi
curl -sS --max-time 3600 -K "$WORK/curl.cfg" >"$WORK/codes" 2>"$WORK/curl.err"
FAILED=$(grep -vc '^200$' "$WORK/codes")
GOT=$(wc -l <"$WORK/codes")
[ "$GOT" -eq "$NBATCH" ] || FAILED=$((FAILED + NBATCH - GOT))
FLUSHED=
if [ -n "$FLUSH" ] && [ "$FAILED" -eq 0 ]; then
	t=$(sqlite3 :memory: "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', julianday('${LAST_TIME%Z}') + $FLUSH / 86400.0)")
	printf '{"seq":%d,"time":"%s","kind":"agent","host":"%s","detail":{"action":"heartbeat","message":"end of the stream"}}\n' \
		$((LAST_SEQ + 1)) "$t" "$LAST_HOST" >"$WORK/flush.nd"
	code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $LAST_TOKEN" \
		-H "Content-Type: application/x-ndjson" --data-binary "@$WORK/flush.nd" "$URL/v1/events" 2>>"$WORK/curl.err")
	FLUSHED=" flush=$code"
	[ "$code" = 200 ] || FAILED=$((FAILED + 1))
fi
echo "batches=$NBATCH events=$NEVENTS failed=$FAILED$FLUSHED"
[ "$FAILED" -eq 0 ] || head -n 5 "$WORK/curl.err" >&2
[ "$FAILED" -eq 0 ]
