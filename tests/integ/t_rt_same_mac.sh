#!/bin/bash
# Two customers' networks, the same MAC (QEMU's default 52:54:00:12:34:56
# on a VM of each): guest binding's DHCP records (dhcp_macs / dhcp_seen)
# must be per network, not host-wide. Guest 1 on network default gets its
# lease and is bound first; then guest 2 on network other, same MAC, must
# get its lease, be bound to its own port and ping its gateway, and guest 1
# must still ping its own. On main at 03e5446 guest 2's every frame was
# dropped ("MAC recorded on another port", the record lasting a day).
#
#   [g1: 52:54:00:12:34:56, udhcpc] ── vg1 ─── gw0 10.213.0.1 ┐
#                                                             [host: gatewayd]
#   [g2: 52:54:00:12:34:56, udhcpc] ── vg2 ─── gw1 10.214.0.1 ┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

MAC=52:54:00:12:34:56
topo_init
gw_start_two

# guest N BRIDGE: namespace gN, eth0 with MAC, plugged into BRIDGE as vgN
guest() {
	local ns; ns=$(guest_ns "$1")
	ip netns add "$ns"
	GUESTS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$NS_HOST" link add "vg$1" type veth peer name eth0 netns "$ns"
	in_ns "$ns" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
	ip -n "$ns" link set eth0 address "$MAC"
	ip -n "$NS_HOST" link set "vg$1" master "$2" up
	ip -n "$ns" link set eth0 up
}
bound() { in_host nft list set bridge gatewayd bind4 | grep -q "\"$1\" \. $MAC \. $2"; }

guest 1 gw0
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "guest 1 (network default): no lease"
IP1=$(lease_var 1 ip)
wait_until 5 bound vg1 "$IP1" || fail "guest 1 never bound: $(in_host nft list set bridge gatewayd bind4)"
wait_until 5 in_ns "$G1" busybox ping -c 1 -W 1 10.213.0.1 >/dev/null || fail "guest 1 cannot ping its gateway"
ok "guest 1 ($MAC) on network default: $IP1, bound to vg1"

guest 2 gw1
G2=$(guest_ns 2)
udhcpc_lease 2 || fail "guest 2 (network other, same MAC as guest 1 on network default): no lease"
IP2=$(lease_var 2 ip)
wait_until 5 bound vg2 "$IP2" || fail "guest 2 never bound: $(in_host nft list set bridge gatewayd bind4)"
wait_until 5 in_ns "$G2" busybox ping -c 1 -W 1 10.214.0.1 >/dev/null || fail "guest 2 cannot ping its gateway"
ok "guest 2 ($MAC) on network other: $IP2, bound to vg2"
in_ns "$G1" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 1 lost its gateway after guest 2 came"
ok "guest 1 still pings its gateway"
# both renew: each keeps its lease on its own network
in_ns "$G1" ip -4 addr flush dev eth0
udhcpc_lease 1 || fail "guest 1: no lease on renewal"
in_ns "$G2" ip -4 addr flush dev eth0
udhcpc_lease 2 || fail "guest 2: no lease on renewal"
wait_until 5 in_ns "$G1" busybox ping -c 1 -W 1 10.213.0.1 >/dev/null || fail "guest 1 cannot ping after renewal"
wait_until 5 in_ns "$G2" busybox ping -c 1 -W 1 10.214.0.1 >/dev/null || fail "guest 2 cannot ping after renewal"
ok "both renew and keep pinging their own gateways"
