#!/bin/bash
# Install the Debian packages the demo needs, if any is missing.
set -eu
pkgs="build-essential pkg-config libmnl-dev libnftnl-dev libconfuse-dev dnsmasq-base nftables iproute2 busybox-static procps"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "demo: missing packages:$missing -- run 'sudo make demo'" >&2
	exit 1
fi
echo "demo: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y --no-install-recommends $missing
