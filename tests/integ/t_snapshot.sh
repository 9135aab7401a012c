#!/bin/bash
# The host snapshot kept from rtnetlink events (gatewayd/host/snapshot.c)
# does not drift from the kernel. Test hook GATEWAYD_TEST_SNAP_CHECK=1:
# once events stop, gatewayd compares its snapshot with a fresh read of
# the host and logs "snapshot: matches the host" or "... differs ...".
#
# One burst makes every kind of event the snapshot applies, including the
# removals the kernel does without a word (the IPv4 routes through a link
# set down or deleted; a deleted link's addresses):
#
#   [host: gatewayd] gw0 ── vg1 ── [g1]
#                    xa ═ xb (veth), xb into bridge xbr (renamed xbr2, then
#                    released), addresses and routes on xa, a veth xc with
#                    an address and a route, deleted whole; ip_forward
#                    turned off (gatewayd turns it on again)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq

topo_init
# IPv6 addresses in DAD are in a dump but announced only once usable:
# without DAD the kernel says at once what a read shows
in_host sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
write_conf
export GATEWAYD_TEST_SNAP_CHECK=1
GW_FLAGS=-v gw_start
guest_add 1
udhcpc_lease 1 || fail "no lease"

# snap_last: the last "snapshot:" line after line $1 of the log
snap_last() { tail -n +"$1" "$T/gw.log" | grep 'snapshot: \(matches\|differs\)' | tail -n 1; }
# settle: one more event after the burst (a veth pair made and deleted),
# then the checks that follow it until one matches: the kernel announces
# some removals a little after a read shows them. A snapshot that drifted
# stays different.
settle() {
	local mark
	mark=$(($(wc -l <"$T/gw.log") + 1))
	in_host ip link add xfin type veth peer name xfin2
	in_host ip link del xfin
	wait_until 10 sh -c "tail -n +$mark '$T/gw.log' | grep 'snapshot: \(matches\|differs\)' | tail -n 1 | grep -q matches"
	last=$(snap_last "$mark")
	case $last in
	*matches*) ok "$1: ${last#*snapshot: }" ;;
	'') fail "no snapshot check after the burst ($1)" ;;
	*) fail "$1: ${last#*snapshot: }" ;;
	esac
}
settle "start"

cat >"$T/burst" <<'EOF'
link add xa type veth peer name xb
link set xa up
link set xb up
addr add 192.168.77.1/24 dev xa
addr add 2001:db8:5::1/64 dev xa nodad
route add 198.18.7.0/24 dev xa
route add 198.18.8.0/24 dev xa metric 50
route replace 198.18.8.0/24 dev xb metric 50
link add xbr type bridge
link set xbr up
link set xb master xbr
link set xbr name xbr2
link set xb mtu 1400
link set xa down
link set xa up
addr del 192.168.77.1/24 dev xa
link set xb nomaster
link add xc type veth peer name xd
addr add 10.99.0.1/24 dev xc
link set xc up
route add 10.98.0.0/16 dev xc
link del xc
EOF
in_host ip -batch "$T/burst" || fail "burst"
in_host sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
wait_until 5 grep -q 'forwarding was turned off by someone else' "$T/gw.log" || fail "ip_forward not repaired"
settle "links made, enslaved, renamed, set down, released; addresses and routes added, replaced, removed, flushed"

# the rest goes: the veth pair with its addresses and routes, the bridge
in_host ip link set xb master xbr2
in_host ip link del xa
in_host ip link del xbr2
settle "veth pair and bridge deleted"
true
