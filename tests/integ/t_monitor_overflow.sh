#!/bin/bash
# Lost events are not lost state. gatewayd's rtnetlink monitor gets a tiny
# receive buffer (test hook GATEWAYD_TEST_MONITOR_RCVBUF). While the daemon
# is frozen (SIGSTOP: it stands in for a daemon busy elsewhere), a burst
# overflows the monitor's queue: first 200 address changes on ev0, which
# fill it, then 120 veth link changes with the deletion of gatewayd's
# bridge in their middle -- all dropped by the kernel, which reports
# ENOBUFS. The few events that fit say only "addresses changed", which
# would not make anyone look at the bridge; the lost-events flag must make
# the daemon re-read everything, recreate the bridge and serve DHCP again.
#
#   [host] gw0 ── vg1 ── [g1]      ev0 ── ev1 (veth: 200 addresses)
#                                  + veth pairs oN/qN created and deleted
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq

topo_init
write_conf
# Well under one burst: the kernel queues a handful of events, then drops.
export GATEWAYD_TEST_MONITOR_RCVBUF=4096
GW_FLAGS=-v gw_start
guest_add 1
udhcpc_lease 1 || fail "no first lease"
in_host ip link add ev0 type veth peer name ev1
in_host ip link set ev0 up
in_host ip link set ev1 up
# vg1's port events and the rest of the start have been seen
wait_until 5 sh -c "ip -n $NS_HOST link show vg1 | grep -q 'master gw0'" || fail "guest port not on gw0"
sleep 0.5

{
	for i in $(seq 1 200); do echo "addr add 10.77.$((i / 200)).$((i % 200 + 1))/32 dev ev0"; done
	for i in $(seq 1 60); do echo "link add o$i type veth peer name q$i"; done
	echo "link del gw0"
	for i in $(seq 1 60); do echo "link del o$i"; done
} >"$T/burst"
lost_before=$(grep -c 'monitor lost events' "$T/gw.log")
kill -STOP "$GW_PID"
in_host ip -batch "$T/burst" || { kill -CONT "$GW_PID"; fail "the burst failed"; }
in_host ip link show gw0 >/dev/null 2>&1 && { kill -CONT "$GW_PID"; fail "gw0 still there"; }
kill -CONT "$GW_PID"

wait_until 5 in_host ip link show gw0 || fail "bridge gw0 not recreated after events were lost: $(grep -E 'rtnetlink|watch' "$T/gw.log" | tail -3)"
wait_until 5 sh -c "ip -n $NS_HOST -4 addr show dev gw0 | grep -q 10.213.0.1/24" || fail "bridge address not restored"
wait_until 5 sh -c "ip -n $NS_HOST link show vg1 | grep -q 'master gw0'" || fail "guest port not plugged back"
grep -q 'bridge gw0 was deleted; recreated it' "$T/gw.log" || fail "repair not logged"
[ "$(grep -c 'monitor lost events' "$T/gw.log")" -gt "$lost_before" ] ||
	fail "no 'events were lost' in the log after the burst"
rm -f "$T/udhcpc-1.env"
udhcpc_lease 1 || fail "no lease after the repair"
[ -n "$(lease_var 1 ip)" ] || fail "udhcpc reported no address"
ok "monitor overflowed ($(grep -m1 -o 'monitor lost events[^:]*' "$T/gw.log")); gw0 deleted in the lost burst was recreated and leased $(lease_var 1 ip)"
grep -q "Protocol error\|EPROTO" "$T/gw.log" && fail "netlink protocol errors in the log: $(grep -m1 'Protocol error' "$T/gw.log")"
true
