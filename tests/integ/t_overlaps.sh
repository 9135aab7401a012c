#!/bin/bash
# Subnet collisions, refused at start with the culprit named: an address
# on another interface, a covering route, an IPv6 overlap, two networks;
# warned about at run time (a VPN route appearing); and ipv4/ipv6 = auto
# choosing a free subnet that avoids a planted route and keeping it.
#
#   [host] ov0 (veth, collides) ... gw0 [gatewayd] ── up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require dnsmasq nft

topo_init
write_conf

# expect_refused PATTERN: gatewayd must exit 1 having applied nothing.
expect_refused() {
	in_host "$GATEWAYD" -f -c "$T/gw.conf" >"$T/out" 2>&1 && fail "started despite: $1"
	grep -q "$1" "$T/out" || fail "expected '$1', got: $(cat "$T/out")"
	grep -q "nothing applied" "$T/out" || fail "no 'nothing applied': $(cat "$T/out")"
	nft_host_has_table && fail "a table was made"
	in_host ip link show gw0 >/dev/null 2>&1 && fail "a bridge was made"
	ok "refused: $(grep -o 'network.*overlaps[^;]*' "$T/out")"
}

in_host ip link add ov0 type veth peer name ov1
in_host ip addr add 10.213.0.5/24 dev ov0
expect_refused 'network "default": subnet 10.213.0.0/24 overlaps address 10.213.0.5/24 on ov0'
in_host ip addr flush dev ov0

in_host ip route add 10.213.0.0/16 via 198.51.100.1
expect_refused 'network "default": subnet 10.213.0.0/24 overlaps route 10.213.0.0/16 dev up0'
in_host ip route del 10.213.0.0/16

in_host ip -6 addr add fd42:213::77/56 dev ov0 nodad
expect_refused 'network "default": subnet fd42:213::/64 overlaps address fd42:213::77/56 on ov0'
in_host ip -6 addr flush dev ov0

{ cat "$T/gw.conf"; printf 'network two {\n bridge = "gw1"\n ipv4 = "10.213.0.129/25"\n}\n'; } >"$T/two.conf"
in_host "$GATEWAYD" -f -c "$T/two.conf" >"$T/out" 2>&1; rc=$?
[ $rc = 2 ] && grep -q "two.conf:17: network \"two\": subnet 10.213.0.128/25 overlaps 10.213.0.0/24 of network \"default\"" "$T/out" \
	|| fail "two networks: rc $rc: $(cat "$T/out")"
ok "exit 2: $(sed "s|$T/||" "$T/out")"

# --- at run time: a route appears over the subnet (a VPN coming up)
gw_start
in_host ip route add 10.0.0.0/8 via 198.51.100.1
wait_until 5 grep -q 'network "default": subnet 10.213.0.0/24 overlaps route 10.0.0.0/8 dev up0: guests' "$T/gw.log" \
	|| fail "no warning for the new route: $(grep -v 'dnsmasq\[' "$T/gw.log")"
ok "run time: $(grep -o 'network "default": subnet 10.213.0.0/24 overlaps route 10.0.0.0/8 dev up0' "$T/gw.log" | head -1)"
in_host ip route del 10.0.0.0/8
wait_until 5 grep -q 'network "default": overlap gone' "$T/gw.log" || fail "no all-clear"
gw_stop

# --- auto subnets: avoid a planted route, keep the choice
sed -i 's|ipv4   = "10.213.0.1/24"|ipv4   = auto|; s|ipv6   = "fd42:213::1/64"|ipv6   = auto|; /range      =/d' "$T/gw.conf"
first=$(in_host "$GATEWAYD" -n -v -c "$T/gw.conf" | sed -n 's/^ *ipv4 *= "\(.*\)\.1\/24" *# auto/\1.0/p')
[ -n "$first" ] || fail "gatewayd -n -v shows no auto ipv4: $(in_host "$GATEWAYD" -n -v -c "$T/gw.conf" | head -20)"
[ -e "$T/state/default.subnets" ] && fail "gatewayd -n wrote the state"
in_host ip route add "$first/24" via 198.51.100.1
gw_start
got=$(sed -n 's/^ipv4 //p' "$T/state/default.subnets")
got6=$(sed -n 's/^ipv6 //p' "$T/state/default.subnets")
[ -n "$got" ] && [ "$got" != "$first/24" ] || fail "auto chose '$got' over the planted route $first/24"
case "$got6" in fd??:*::/64) ;; *) fail "auto IPv6 '$got6' is not a ULA /64" ;; esac
in_host ip -4 -o addr show dev gw0 | grep -q "${got%.0/24}.1/24" || fail "bridge lacks ${got%.0/24}.1/24"
guest_add 1
udhcpc_lease 1 || fail "no lease on the auto subnet"
case "$(lease_var 1 ip)" in "${got%.0/24}".*) ;; *) fail "lease $(lease_var 1 ip) outside $got" ;; esac
ok "ipv4 = auto avoided $first/24 (planted route), chose $got and $got6; lease $(lease_var 1 ip)"
gw_stop
in_host ip route del "$first/24"
gw_start
[ "$(sed -n 's/^ipv4 //p' "$T/state/default.subnets")" = "$got" ] || fail "auto subnet changed across restarts"
in_host ip -4 -o addr show dev gw0 | grep -q "${got%.0/24}.1/24" || fail "restart: bridge lacks ${got%.0/24}.1/24"
in_host ip -6 -o addr show dev gw0 | grep -q "${got6%::/64}::1/64" || fail "restart: bridge lacks ${got6%::/64}::1/64"
in_host "$GATEWAYD" -n -v -c "$T/gw.conf" | grep -q "ipv4 *= \"${got%.0/24}.1/24\" *# auto" || fail "-n -v does not show the kept choice"
ok "same subnets after a restart (even with the planted route gone), shown by -n -v"
