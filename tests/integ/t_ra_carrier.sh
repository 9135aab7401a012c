#!/bin/bash
# gatewayd's router advertisements follow the bridge's carrier (issue 17):
# a bridge without a port up sends none -- nobody hears them, and each
# would fail only after the kernel looked through every interface for a
# source address, which at 1,000 portless bridges was most of gatewayd's
# idle CPU -- and the first port coming up brings the first RA at once,
# unasked: a guest that sends no solicitation still hears one.
#  1. no port on gw0 for 5 s (the first RAs go out every 3-4 s): no RA sent;
#  2. a guest that sends no router solicitation joins: an RA within 2 s,
#     and status counts no solicitation;
#  3. its port leaves again: no more RAs.
#
#   [g1: router_solicitations 0] ─ vg1 ─ gw0 fd42:213::1 [host: gatewayd] ── up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

ra_sent() {
	$GATEWAYCTL -s "$T/run/gatewayd.sock" status default | awk '$1 == "ra_sent" { print $2 }'
}

topo_init
write_conf
GW_FLAGS=-v gw_start # a failed send is logged at debug level
[ "$($GATEWAYCTL -s "$T/run/gatewayd.sock" status default | awk '$1 == "ra" { print $2 }')" = sending ] ||
	fail "RAs not on: $($GATEWAYCTL -s "$T/run/gatewayd.sock" status default)"

# --- 1. an observation window, not a wait: nothing must happen in it
sleep 5
[ "$(ra_sent)" = 0 ] || fail "$(ra_sent) RA(s) sent on gw0 without a port"
! grep -q "ra: gw0: sending a router advertisement" "$T/gw.log" ||
	fail "RAs tried on gw0 without a port: $(grep -c "ra: gw0: sending" "$T/gw.log") failed sends"
ok "no port on gw0: no RA sent, none tried, in 5 s"

# --- 2. a guest that never solicits
G1=gwt$ID-g1
ip netns add "$G1"
GUESTS+=("$G1")
in_ns "$G1" sysctl -qw net.ipv6.conf.default.router_solicitations=0
in_ns "$G1" sysctl -qw net.ipv6.conf.all.router_solicitations=0
ip -n "$G1" link set lo up
ip -n "$NS_HOST" link add vg1 type veth peer name eth0 netns "$G1"
in_ns "$G1" nft add table inet obs
in_ns "$G1" nft add chain inet obs in '{ type filter hook input priority -10; }'
in_ns "$G1" nft add rule inet obs in icmpv6 type nd-router-advert counter
in_ns "$G1" nft add rule inet obs in icmpv6 type nd-router-solicit counter
ip -n "$G1" link set eth0 up
ip -n "$NS_HOST" link set vg1 master gw0 up
wait_until 2 sh -c "ip netns exec $G1 nft list chain inet obs in | grep -q 'nd-router-advert counter packets [1-9]'" ||
	fail "no RA within 2 s of the first port coming up (status: ra_sent $(ra_sent))"
st=$($GATEWAYCTL -s "$T/run/gatewayd.sock" status default)
echo "$st" | grep -Eq "^ *ra_solicitations +0$" || fail "the guest solicited after all: $st"
ok "first port up: an RA at once, unasked"

# --- 3. the port goes: gw0 has no carrier again
ip -n "$NS_HOST" link set vg1 nomaster
n0=$(ra_sent)
sleep 5
[ "$(ra_sent)" = "$n0" ] || fail "RAs sent after gw0's last port left: $n0 -> $(ra_sent)"
ok "last port gone: no more RAs"
