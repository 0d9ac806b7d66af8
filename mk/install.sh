#!/bin/sh
# Installs vigil from BUILD into DESTDIR/PREFIX: programs, the PAM module,
# example configuration, audit rules and the auditd plugin configuration.
# Usage: sh mk/install.sh BUILD DESTDIR PREFIX
set -eu
build=$1 destdir=$2 prefix=$3

# Debian's multiarch PAM module directory.
pamdir=/lib/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)/security

install -d "$destdir$prefix/bin" "$destdir$prefix/sbin" "$destdir$prefix/share/vigil/examples" \
	"$destdir$pamdir" "$destdir/etc/vigil" "$destdir/etc/audit/rules.d" \
	"$destdir/etc/audit/plugins.d" "$destdir/var/lib/vigil"
install -m 0755 "$build/bin/vigil-collector" "$build/bin/vigil-policy" "$build/bin/vigil-report" \
	"$destdir$prefix/bin/"
# auditd requires its plugins to be root-owned and mode 0750.
install -m 0750 "$build/bin/vigil-agent" "$destdir$prefix/sbin/"
install -m 0644 "$build/lib/pam_vigil.so" "$destdir$pamdir/"
install -m 0644 policy/examples/*.cfg collector/collector.conf.example agent/agent.conf.example \
	"$destdir$prefix/share/vigil/examples/"
[ -f agent/vigil.rules ] && install -m 0640 agent/vigil.rules "$destdir/etc/audit/rules.d/vigil.rules"
if [ -f agent/plugin.conf ]; then
	sed "s|/usr/local/sbin|$prefix/sbin|" agent/plugin.conf >"$destdir/etc/audit/plugins.d/vigil.conf"
	chmod 0640 "$destdir/etc/audit/plugins.d/vigil.conf"
fi
# Never overwrite a configuration an administrator already has.
[ -e "$destdir/etc/vigil/agent.conf" ] || install -m 0640 agent/agent.conf.example "$destdir/etc/vigil/agent.conf"
[ -e "$destdir/etc/vigil/collector.conf" ] || install -m 0640 collector/collector.conf.example "$destdir/etc/vigil/collector.conf"
chmod 0750 "$destdir/var/lib/vigil"
# The collector gives up root for the account vigil (collector.conf `user`).
# /var/lib/vigil is shared with an agent on the same host: root's, group
# vigil, sticky, so each keeps its own files there. Only for a real install
# as root: a staged DESTDIR install leaves accounts to the package.
if [ -z "$destdir" ] && [ "$(id -u)" -eq 0 ]; then
	if ! getent passwd vigil >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /var/lib/vigil --shell /usr/sbin/nologin vigil
		echo "created the system account vigil for the collector"
	fi
	chgrp vigil /var/lib/vigil && chmod 1770 /var/lib/vigil
fi
echo "vigil installed under $destdir$prefix (PAM module in $destdir$pamdir)"
