#!/bin/sh
# Finds the Debian packages vigil needs to build, test and demo, and installs
# the missing ones with apt-get when run as root; otherwise prints the exact
# command to run. Quiet when nothing is missing. (chromium is for the
# dashboard's browser test, tests/e2e/web_browser.sh.)
set -u
PKGS="build-essential pkg-config libpam0g-dev libaudit-dev libauparse-dev auditd
libsqlite3-dev sqlite3 libcurl4-openssl-dev curl libconfig-dev libmicrohttpd-dev
libjansson-dev libyajl-dev zlib1g-dev libgnutls28-dev gnutls-bin openssl libcmocka-dev
pamtester libpam-wrapper procps libcap-ng-dev time chromium faketime"

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "vigil: missing Debian packages:$missing" >&2
	echo "vigil: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "vigil: installing missing Debian packages:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends $missing >/tmp/vigil-apt.log 2>&1; then
	apt-get update >>/tmp/vigil-apt.log 2>&1
	if ! apt-get install -y --no-install-recommends $missing >>/tmp/vigil-apt.log 2>&1; then
		echo "vigil: apt-get failed; see /tmp/vigil-apt.log" >&2
		tail -n 20 /tmp/vigil-apt.log >&2
		exit 1
	fi
fi
