#!/bin/bash
# A real guest under QEMU run as an unprivileged user (nobody) on a tap
# that gatewayd made for that user from a `tap` section: the README's
# "user-owned persistent tap" recipe, `-netdev tap,ifname=qtap1,script=no,
# downscript=no` (from gatewayctl qemu-args --tap), no root anywhere in
# QEMU.
#
#   [inet] eth0 198.51.100.1  httpd: /cgi-bin/ip answers the client's address
#     |  veth
#   [host] up0 198.51.100.2   gw0 10.213.0.1/24, fd42:213::1/64
#            gatewayd: tap qtap1 { user = nobody } ─ qtap1 ── QEMU (uid nobody) ── guest
#
# /dev/net/tun is 0666 on a stock Debian (the kernel's own mode for it);
# in this container it is 0600, so QEMU gets, in a private mount
# namespace, a node of the same device with the stock mode.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
require busybox dnsmasq nft setpriv unshare
qemu_require
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"

topo_init
write_conf
echo 'tap qtap1 { network = "default" user = "nobody" }' >>"$T/gw.conf"
internet_httpd
gw_start

wait_until 10 sh -c "[ \"\$(ip netns exec $NS_HOST cat /sys/class/net/qtap1/owner 2>/dev/null)\" = $(id -u nobody) ]" ||
	fail "gatewayd made no tap qtap1 owned by nobody"
in_host ip -d link show qtap1 | grep -q 'master gw0' || fail "qtap1 is not on gw0: $(in_host ip -d link show qtap1)"
ok "gatewayd made qtap1 for nobody, on gw0"

args=$(in_host $CTL qemu-args default --name vm2 --tap qtap1 2>"$T/args.err") || fail "qemu-args --tap failed: $(cat "$T/args.err")"
MAC=$(echo "$args" | sed -n 's/.*,mac=\([0-9a-f:]*\).*/\1/p')
[ "$args" = "-netdev tap,id=gw-default,ifname=qtap1,script=no,downscript=no -device virtio-net-pci,netdev=gw-default,mac=$MAC" ] ||
	fail "qemu-args default --name vm2 --tap qtap1: '$args'"
ok "gatewayctl qemu-args default --name vm2 --tap qtap1: $args"

qemu_readable_by nobody
tun=/dev/net/tun
if [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
	mknod -m 666 "$T/tun" c 10 200
	tun=$T/tun
fi
# shellcheck disable=SC2016,SC2086
qemu_start vm2 ip netns exec "$NS_HOST" unshare -m sh -c \
	'[ "$0" = /dev/net/tun ] || mount --bind "$0" /dev/net/tun; exec "$@"' "$tun" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups -- $args
wait_until 10 sh -c "ps -o user= -p ${QG_PID[vm2]} | grep -qx nobody" ||
	qemu_fail vm2 "QEMU does not run as nobody: $(ps -o user=,args= -p "${QG_PID[vm2]}" || echo it exited)"
ok "QEMU runs as nobody"
qemu_check_guest vm2

lease=$(qemu_get vm2 lease)
lease=${lease%%/*}
st=$(in_host $CTL status default) || fail "gatewayctl status failed: $st"
echo "$st" | grep -q "qtap1 origin=tap mac=$MAC ipv4=$lease\$" ||
	fail "gatewayctl status does not show qtap1 as a user tap with the guest's MAC and lease: $(echo "$st" | grep -i port)"
ok "gatewayctl status: $(echo "$st" | grep -o 'qtap1 origin=.*')"

qemu_stop vm2
in_host ip link show qtap1 >/dev/null 2>&1 || fail "qtap1 is gone after QEMU exited (it is persistent)"
ok "qtap1 outlives QEMU"
