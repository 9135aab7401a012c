#!/bin/bash
# The host snapshot (gatewayd/host/snapshot.c) and routes the kernel keeps
# several of under one destination and metric (issue 17, red team R2):
# IPv4 routes appended through one device by other gateways or with
# another TOS, multipath routes (IPv4: added and deleted whole; IPv6: a
# nexthop at a time, announced alone), routes through a nexthop object
# (deleted with it, without a word), unreachable routes, the IPv4 routes
# the kernel flushes silently (a multipath one when all its nexthops are
# down or one's link is deleted; every one through a link that lost its
# last IPv4 address); and two IPv4 point-to-point addresses with one
# local address and two peers. A
# snapshot that keyed routes by destination, metric and device kept one
# where the kernel had two, and dropped it when one of them went: the
# overlap warning was lifted while a route into the subnet remained.
#
#   [host: gatewayd] gw0 (10.213.0.0/24) ── vg1 ── [g1]
#                    xa ═ xb, xc ═ xd (veth): the routes and addresses
#                    up0 ── [inet] 198.51.100.1, .3: an overlapping route
#                                  through two gateways; another through
#                                  a nexthop object, then deleted with it
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq

topo_init
in_host sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
write_conf
export GATEWAYD_TEST_SNAP_CHECK=1
GW_FLAGS=-v gw_start

snap_last() { tail -n +"$1" "$T/gw.log" | grep 'snapshot: \(matches\|differs\)' | tail -n 1; }
# step WHAT CMD...: run CMD in the host, one more event, then the checks
# that follow until one matches (the kernel announces some changes a
# little after a read shows them); a snapshot that drifted stays different
step() {
	local mark what=$1
	shift
	mark=$(($(wc -l <"$T/gw.log") + 1))
	in_host sh -c "$*" || fail "$what: $*"
	in_host ip link add xfin type veth peer name xfin2
	in_host ip link del xfin
	wait_until 15 sh -c "tail -n +$mark '$T/gw.log' | grep 'snapshot: \(matches\|differs\)' | tail -n 1 | grep -q matches" ||
		fail "$what: $(snap_last "$mark")"
	ok "$what: $(snap_last "$mark" | sed 's/.*snapshot: //')"
}

in_host ip link add xa type veth peer name xb
in_host ip link set xa up
in_host ip link set xb up
in_host ip addr add 192.168.77.1/24 dev xa
in_host ip -6 addr add 2001:db8:7::1/64 dev xa
step "start" true
step "IPv4: a second gateway appended" \
	'ip route add 198.18.9.0/24 via 192.168.77.2 dev xa metric 5 && ip route append 198.18.9.0/24 via 192.168.77.3 dev xa metric 5'
step "IPv4: the first gateway's route deleted" 'ip route del 198.18.9.0/24 via 192.168.77.2 dev xa metric 5'
step "IPv4: a multipath route" 'ip route add 198.18.10.0/24 nexthop via 192.168.77.2 dev xa nexthop via 192.168.77.3 dev xa'
step "IPv4: the multipath route deleted" 'ip route del 198.18.10.0/24'
step "IPv6: a second nexthop appended" \
	'ip -6 route add 2001:db8:9::/64 via 2001:db8:7::2 dev xa && ip -6 route append 2001:db8:9::/64 via 2001:db8:7::3 dev xa'
step "IPv6: the first nexthop deleted" 'ip -6 route del 2001:db8:9::/64 via 2001:db8:7::2 dev xa'
step "IPv6: a multipath route" 'ip -6 route add 2001:db8:a::/64 nexthop via 2001:db8:7::2 dev xa nexthop via 2001:db8:7::3 dev xa'
step "IPv6: one of its nexthops deleted" 'ip -6 route del 2001:db8:a::/64 via 2001:db8:7::3 dev xa'
step "IPv6: a multipath route replaced by one" 'ip -6 route replace 2001:db8:a::/64 via 2001:db8:7::4 dev xa'
step "IPv4: routes with a TOS and without" 'ip route add 198.18.11.0/24 dev xa tos 0x10 && ip route add 198.18.11.0/24 dev xa'
step "IPv4: the TOS one deleted" 'ip route del 198.18.11.0/24 dev xa tos 0x10'
step "an unreachable route beside a unicast one" \
	'ip route add unreachable 198.18.12.0/24 metric 9 && ip route add 198.18.12.0/24 dev xa metric 9 tos 0x10'
step "the unreachable one deleted" 'ip route del unreachable 198.18.12.0/24 metric 9'
step "one local address, two peers" \
	'ip addr add 10.77.0.1 peer 10.77.0.2/32 dev xa && ip addr add 10.77.0.1 peer 10.77.0.3/32 dev xa'
step "one of the peers deleted" 'ip addr del 10.77.0.1 peer 10.77.0.2/32 dev xa'
if in_host ip nexthop add id 7 via 192.168.77.2 dev xa 2>/dev/null; then
	step "a route through a nexthop object" 'ip route add 198.18.13.0/24 nhid 7'
	step "the nexthop object deleted (its route goes silently)" 'ip nexthop del id 7'
else
	say "no nexthop objects here: skipped"
fi

in_host ip link add xc type veth peer name xd
in_host ip link set xc up
in_host ip link set xd up
in_host ip addr add 192.168.78.1/24 dev xc
step "IPv4: a multipath route over xa and xc" \
	'ip route add 198.18.20.0/24 nexthop via 192.168.77.2 dev xa nexthop via 192.168.78.2 dev xc'
step "xa down: the route stays (its other nexthop is alive)" 'ip link set xa down'
step "xa up" 'ip link set xa up'
step "xc deleted: the route goes whole, without a word" 'ip link del xc'
step "IPv4: a route through a gateway, then xa's last IPv4 address deleted (the kernel flushes the route without a word)" \
	'ip route add 198.18.21.0/24 via 192.168.77.2 metric 3 && ip addr del 192.168.77.1/24 dev xa'

# an overlap through two gateways: warned while either route remains
in_inet ip addr add 198.51.100.3/24 dev eth0
in_host ip route add 10.213.0.0/16 via 198.51.100.1 dev up0 metric 7
in_host ip route append 10.213.0.0/16 via 198.51.100.3 dev up0 metric 7
wait_until 5 grep -q 'network "default": subnet 10.213.0.0/24 overlaps route 10.213.0.0/16 dev up0' "$T/gw.log" ||
	fail "no overlap warning for 10.213.0.0/16"
n=$(grep -c 'network "default": overlap gone' "$T/gw.log")
step "the overlapping route's first gateway deleted" 'ip route del 10.213.0.0/16 via 198.51.100.1 dev up0 metric 7'
[ "$(grep -c 'network "default": overlap gone' "$T/gw.log")" = "$n" ] ||
	fail "overlap lifted while 10.213.0.0/16 via 198.51.100.3 remains"
ok "one of the two overlapping routes deleted: still warned"
in_host ip route del 10.213.0.0/16 via 198.51.100.3 dev up0 metric 7
wait_until 5 sh -c "[ \$(grep -c 'network \"default\": overlap gone' '$T/gw.log') -gt $n ]" ||
	fail "the last overlapping route deleted: no all-clear"
ok "the last one deleted: overlap gone"

# an overlap through a nexthop object: lifted when the object goes (the
# kernel deletes the route without a word)
if in_host ip nexthop add id 9 via 198.51.100.1 dev up0 2>/dev/null; then
	n=$(grep -c 'network "default": overlap gone' "$T/gw.log")
	in_host ip route add 10.213.0.0/20 nhid 9
	wait_until 5 grep -q 'network "default": subnet 10.213.0.0/24 overlaps route 10.213.0.0/20' "$T/gw.log" ||
		fail "no overlap warning for 10.213.0.0/20 through nexthop 9"
	in_host ip nexthop del id 9
	wait_until 5 sh -c "[ \$(grep -c 'network \"default\": overlap gone' '$T/gw.log') -gt $n ]" ||
		fail "nexthop 9 deleted with its route: the overlap was not lifted"
	ok "an overlapping route through a nexthop object, the object deleted: overlap gone"
fi
