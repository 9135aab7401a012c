#!/bin/bash
# A real guest under QEMU on `-netdev bridge` through qemu-bridge-helper,
# allowed by the ACL gatewayd keeps (qemu_bridge_acl), its command line
# from `gatewayctl qemu-args --static` and a port forward to the address
# that gave it: the README's bridge-helper recipe, and SLIRP's hostfwd
# replaced.
#
#   [inet] eth0 198.51.100.1  httpd: /cgi-bin/ip answers the client's address
#     |  veth
#   [host] up0 198.51.100.2   gw0 10.213.0.1/24, fd42:213::1/64
#                              └─ tapN (the helper's) ── QEMU ── guest, static lease
#                                                         httpd :80 <- forward 8081
#
# QEMU and its helper read /etc/qemu/bridge.conf. The test never touches
# the real /etc: QEMU runs in a private mount namespace where a copy of
# /etc ($T/etc) is /etc, and gatewayd's qemu_conf_dir is $T/etc/qemu.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
require busybox dnsmasq nft unshare
qemu_require
HELPER=/usr/lib/qemu/qemu-bridge-helper
[ -x "$HELPER" ] || skip "needs $HELPER (Debian package qemu-system-common)"
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"

topo_init
cp -a /etc "$T/etc"
rm -rf "$T/etc/qemu"
mkdir -m 755 "$T/etc/qemu"
printf '# the administrator'"'"'s own lines\nallow br-admin\n' >"$T/etc/qemu/bridge.conf"
cp "$T/etc/qemu/bridge.conf" "$T/bridge.conf.orig"
# shellcheck disable=SC2016
IN_ETC=(ip netns exec "$NS_HOST" unshare -m sh -c 'mount --bind "$0" /etc && exec "$@"' "$T/etc")
# conf ACL [NETWORK LINES...]: the standard config, qemu_bridge_acl = ACL
conf() {
	local acl=$1
	shift
	write_conf "$@"
	printf 'qemu_conf_dir = "%s"\nqemu_bridge_acl = %s\n' "$T/etc/qemu" "$acl" >>"$T/gw.conf"
}
conf false
internet_httpd
gw_start

# ACL off (the default): the helper refuses gw0.
args=$(in_host $CTL qemu-args default --name vm4 --helper 2>"$T/args.err") || fail "qemu-args failed: $args $(cat "$T/args.err")"
grep -q "qemu_bridge_acl is off" "$T/args.err" || fail "qemu-args --helper with the ACL off gave no note: $(cat "$T/args.err")"
# shellcheck disable=SC2086
qemu_start vm4-denied "${IN_ETC[@]}" -- $args
wait_until 20 sh -c "! kill -0 ${QG_PID[vm4-denied]} 2>/dev/null" || qemu_fail vm4-denied "QEMU runs on gw0 without the ACL"
grep -q "access denied by acl file" "$T/vm4-denied.qemu.log" || qemu_fail vm4-denied "QEMU did not fail on the helper's ACL"
ok "qemu_bridge_acl off: the helper refuses gw0 ($(grep -o 'access denied by acl file' "$T/vm4-denied.qemu.log"))"

# ACL on.
conf true
in_host $CTL reload >/dev/null || fail "reload failed"
wait_until 10 grep -qx "allow gw0" "$T/etc/qemu/gatewayd.conf" || fail "no 'allow gw0' in $T/etc/qemu/gatewayd.conf"
[ "$(head -n 2 "$T/etc/qemu/bridge.conf")" = "$(cat "$T/bridge.conf.orig")" ] &&
	grep -qx "include $T/etc/qemu/gatewayd.conf" "$T/etc/qemu/bridge.conf" ||
	fail "bridge.conf is not the admin's lines plus gatewayd's include: $(cat "$T/etc/qemu/bridge.conf")"
ok "qemu_bridge_acl on: gatewayd.conf allows gw0, bridge.conf includes it, the admin's lines kept"

args=$(in_host $CTL qemu-args default --name vm4 --static 2>"$T/args.err") || fail "qemu-args --static failed: $(cat "$T/args.err")"
addr=$(sed -n 's/.*static lease: vm4 .* gets \([0-9.]*\).*/\1/p' "$T/args.err")
mac=$(echo "$args" | sed -n 's/.*,mac=\([0-9a-f:]*\).*/\1/p')
case $args in "-netdev bridge,id=gw-default,br=gw0 -device virtio-net-pci,netdev=gw-default,mac=$mac") ;;
*) fail "qemu-args (helper form, the default with the ACL on): '$args'" ;; esac
[ -n "$addr" ] && [ -n "$mac" ] || fail "qemu-args --static: no address or MAC: $args / $(cat "$T/args.err")"
ok "gatewayctl qemu-args default --name vm4 --static: $args (static $addr)"
conf true "forward web { proto = tcp port = 8081 to = \"$addr:80\" }"
in_host $CTL reload >/dev/null || fail "reload with the forward failed: $(tail -n 5 "$T/gw.log")"

# shellcheck disable=SC2086
qemu_start vm4 "${IN_ETC[@]}" -- $args
qemu_check_guest vm4 "$addr"
page=$(http_get "$NS_INET" http://198.51.100.2:8081/) || qemu_fail vm4 "forward 8081 -> $addr:80: no answer from the internet namespace"
[ "$page" = "gwq-page vm4" ] || qemu_fail vm4 "forward 8081: got '$page', not the guest's page"
ok "forward 198.51.100.2:8081 -> guest $addr:80 from the internet namespace: '$page'"
st=$(in_host $CTL status default) || fail "gatewayctl status failed: $st"
echo "$st" | grep -Eq "tap[0-9]+ origin=helper mac=$mac ipv4=$addr\$" ||
	fail "gatewayctl status does not show the helper's tap with the guest's MAC and address: $(echo "$st" | grep -i port)"
ok "gatewayctl status: $(echo "$st" | grep -Eo 'tap[0-9]+ origin=.*')"

qemu_stop vm4
gw_stop || fail "gatewayd did not stop cleanly"
[ ! -e "$T/etc/qemu/gatewayd.conf" ] || fail "gatewayd.conf is still there after gatewayd stopped"
cmp -s "$T/etc/qemu/bridge.conf" "$T/bridge.conf.orig" || fail "bridge.conf is not the admin's again: $(cat "$T/etc/qemu/bridge.conf")"
ok "gatewayd stopped: its ACL file and include line are gone, bridge.conf is the admin's again"
