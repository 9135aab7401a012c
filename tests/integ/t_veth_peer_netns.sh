#!/bin/bash
# A veth on gw0 whose other end moves between namespaces (issue 17, red
# team R2). The kernel says nothing about pA when its peer pB leaves or
# enters the host namespace -- only pB is announced -- so the snapshot
# must work out that pA's peer changed. While pA is up its carrier follows
# pB and the kernel announces pA for that; while pA is down (round 2),
# nothing does. Otherwise:
#   - pB comes in from a container and joins br-lan: pA now patches gw0
#     to br-lan, but the snapshot still thinks pA's peer is elsewhere: the
#     guard stays blind;
#   - pB goes back into the container: the patch is over, but nothing of
#     gw0 changed in the events: the guard stays tripped.
#
#   [host: gatewayd] gw0 ─ pA ══veth══ pB ─ br-lan      (pB in the host)
#                     │          └═══ pB  [ct]          (pB in a container)
#                     └─ vg1 ── [g1] guest
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq
NS_CT=gwt$ID-ct
TRIP='port pA (kind "veth") joined bridge gw0 and is not a guest port'
LEFT='port pA left bridge gw0; DHCP and router advertisements resume'

topo_init
# link-local addresses in DAD are in a read but announced only once usable
in_host sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
ip netns add "$NS_CT"
EXTRA_NS+=("$NS_CT")
in_host ip link add br-lan type bridge
in_host ip link set br-lan up
ip -n "$NS_HOST" link add pA type veth peer name pB netns "$NS_CT"
in_host ip link set pA up
write_conf
export GATEWAYD_TEST_SNAP_CHECK=1
GW_FLAGS=-v gw_start
guest_add 1
udhcpc_lease 1 || fail "no lease"
in_host ip link set pA master gw0
sleep 0.5 # negative check: a guest's veth on gw0, nothing to trip
grep -q "$TRIP" "$T/gw.log" && fail "pA (peer in a container) tripped the guard"

count() { grep -c "$1" "$T/gw.log"; }
# snap_ok MARK WHAT: the last snapshot check after line MARK matches (the
# kernel announces some changes, a bridge's carrier, a little after a read
# shows them: a check may differ before the last one; a drift stays)
snap_last() { tail -n +"$1" "$T/gw.log" | grep 'snapshot: \(matches\|differs\)' | tail -n 1; }
snap_ok() {
	wait_until 15 sh -c "tail -n +$1 '$T/gw.log' | grep 'snapshot: \(matches\|differs\)' | tail -n 1 | grep -q matches" ||
		fail "$2: $(snap_last "$1")"
}

for round in 1 2; do
	[ $round = 2 ] && in_host ip link set pA down
	# pB comes into the host and onto br-lan: pA patches gw0 to br-lan
	mark=$(($(wc -l <"$T/gw.log") + 1))
	n=$(count "$TRIP")
	ip -n "$NS_CT" link set pB netns "$NS_HOST"
	in_host ip link set pB up master br-lan
	wait_until 5 sh -c "[ \$(grep -c '$TRIP' '$T/gw.log') -gt $n ]" ||
		fail "round $round: pB came in from the container and joined br-lan: the guard did not trip for pA"
	snap_ok "$mark" "round $round, pB in"
	ok "round $round: pA's peer came into the host and onto br-lan: tripped, snapshot matches"

	# pB back into the container: the patch is over
	mark=$(($(wc -l <"$T/gw.log") + 1))
	n=$(count "$LEFT")
	in_host ip link set pB netns "$NS_CT"
	wait_until 5 sh -c "[ \$(grep -c '$LEFT' '$T/gw.log') -gt $n ]" ||
		fail "round $round: pB went back into the container: the guard did not resume"
	snap_ok "$mark" "round $round, pB out"
	ok "round $round: pA's peer went back into the container: resumed, snapshot matches"
done
udhcpc_lease 1 || fail "guest 1 got no lease after the guard resumed"
ok "guest 1 is served again"
