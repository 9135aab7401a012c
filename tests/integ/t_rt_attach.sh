#!/bin/bash
# Red team, gatewayctl attach (and so qemu-ifup, which QEMU runs with
# whatever ifname= it was given) on a tap that is something else already:
#  - network b's uplink is a tap (a VPN's): attaching it to network
#    default's bridge would cut b off its uplink and put default's guests
#    on b's wire: refused;
#  - a tap on an admin's bridge br9: refused, left on br9;
#  - a tap QEMU's bridge helper put on gw0 (default's): not moved to gw1;
#  - a tap gatewayctl attach put on gw0 may be attached to b instead, and
#    one already on the bridge asked for is attached in place.
#
#   [host: gatewayd]
#     gw0 (default) ── hp1 (helper)   gw1 (b, uplink vpn0: a tap)
#     br9 (admin's) ── adm0
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
in_host ip tuntap add dev vpn0 mode tap
in_host ip addr add 203.0.113.2/24 dev vpn0
in_host ip link set vpn0 up
write_conf
printf 'network b {\n bridge = "gw1"\n uplink = "vpn0"\n mode = routed\n ipv4 = "10.214.0.1/24"\n dhcp { range = "10.214.0.100-10.214.0.150" }\n}\n' >>"$T/gw.conf"
gw_start
master() { in_host ip -d link show "$1" | sed -n 's/.* master \([^ ]*\) .*/\1/p' | head -n 1; }
refused() { # DEV NET PATTERN
	local code=0 out
	out=$($CTL attach "$1" "$2" 2>&1) || code=$?
	[ "$code" = 1 ] && echo "$out" | grep -q "$3" || fail "attach $1 $2: exit $code: $out"
}

refused vpn0 default 'vpn0 is the uplink of network "b"'
[ -z "$(master vpn0)" ] || fail "vpn0 was enslaved to $(master vpn0)"
ok "b's uplink vpn0 (a tap) is not attached to default"

in_host ip link add br9 type bridge
in_host ip tuntap add dev adm0 mode tap
in_host ip link set adm0 master br9 up
refused adm0 b 'adm0 is a port of bridge br9 already'
[ "$(master adm0)" = br9 ] || fail "adm0 left br9 for $(master adm0)"
ok "adm0 on the admin's br9 stays there"

in_host ip tuntap add dev hp1 mode tap
in_host ip link set hp1 master gw0 up
refused hp1 b 'hp1 is a port of bridge gw0 already'
[ "$(master hp1)" = gw0 ] || fail "hp1 left gw0 for $(master hp1)"
$CTL attach hp1 default >"$T/out" 2>&1 || fail "attach hp1 in place: $(cat "$T/out")"
$CTL attach hp1 b >"$T/out" 2>&1 || fail "moving attached hp1 to b: $(cat "$T/out")"
wait_until 5 sh -c "ip -n $NS_HOST -d link show hp1 | grep -q ' master gw1 '" || fail "hp1 not on gw1"
ok "a helper's hp1 on gw0 is not moved; attached in place, then moved to b"
