#!/usr/bin/env bash
# Installs what cutover needs on a fresh Debian 12 machine (as root):
# every package listed in scripts/packages/*.txt (one name a line, # comments).
# Each room keeps its own list there; this script knows none of them.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

pkgs=$(cat "$here"/packages/*.txt | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' | sort -u)
missing=()
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "install-deps: all packages present"; exit 0; }

# Debian packages of servers (bind9, knot, neutron, postgresql) try to start a
# default instance; tests run their own on loopback, so keep those off.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod +x /usr/sbin/policy-rc.d
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}"
