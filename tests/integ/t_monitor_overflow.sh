#!/bin/bash
# Lost events are not lost state. gatewayd's monitors get a tiny receive
# buffer (test hook GATEWAYD_TEST_MONITOR_RCVBUF). While the daemon is
# frozen (SIGSTOP: it stands in for a daemon busy elsewhere), a burst
# overflows a monitor's queue, and the kernel drops the rest (ENOBUFS).
#
# rtnetlink: first 200 address changes on ev0, which fill the queue, then
# 120 veth link changes with the deletion of gatewayd's bridge in their
# middle -- all dropped. The few events that fit say only "addresses
# changed", which would not make anyone look at the bridge; the lost-events
# flag must make the daemon re-read everything, recreate the bridge and
# serve DHCP again.
#
# nf_tables (unowned tables, GATEWAYD_TEST_NO_PERSIST, so the daemon
# watches them): one transaction adds someone else's table with 300
# chains, which fill the queue, and deletes gatewayd's inet table -- that
# notification is dropped. The events that fit are about another table;
# the lost-events flag must make the daemon restore its tables.
#
# Last, with the daemon running, link bursts interrupt its dumps
# (NLM_F_DUMP_INTR): none may be given up.
#
#   [host] gw0 ── vg1 ── [g1]      ev0 ── ev1 (veth: 200 addresses)
#                                  + veth pairs oN/qN created and deleted
#                                  + table inet gwt_other, chains c1..c300
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
# Well under one burst: the kernel queues a handful of events, then drops.
export GATEWAYD_TEST_MONITOR_RCVBUF=4096
export GATEWAYD_TEST_NO_PERSIST=1
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
# --- nf_tables
grep -q "no NFT_TABLE_F_PERSIST" "$T/gw.log" || fail "tables are owned: the nf_tables monitor is off"
{
	echo "add table inet gwt_other"
	for i in $(seq 1 300); do echo "add chain inet gwt_other c$i"; done
	echo "delete table inet gatewayd"
} >"$T/nft-burst"
restored_before=$(grep -c "restored them" "$T/gw.log")
lost_before=$(grep -c 'nftables: monitor lost events' "$T/gw.log")
kill -STOP "$GW_PID"
in_host nft -f "$T/nft-burst" || { kill -CONT "$GW_PID"; fail "the nft burst failed"; }
nft_host_has_table && { kill -CONT "$GW_PID"; fail "table inet gatewayd still there"; }
kill -CONT "$GW_PID"
wait_until 5 sh -c "[ \$(grep -c 'restored them' $T/gw.log) -gt $restored_before ]" ||
	fail "tables not restored after the monitor lost the deletion: $(grep nftables "$T/gw.log" | tail -3)"
wait_until 3 nft_host_has_table || fail "table inet gatewayd not back"
in_host nft list chain inet gatewayd postrouting | grep -q "vmap @nat_nets" || fail "NAT dispatch missing after the restore"
[ "$(grep -c 'nftables: monitor lost events' "$T/gw.log")" -gt "$lost_before" ] ||
	fail "no 'events were lost' from the nf_tables monitor in the log"
udhcpc_lease 1 || fail "no lease after the nftables restore"
# Each restore's own notifications may overflow the tiny queue again (and
# restore again): the queue doubles each time, so that must stop.
settled() {
	local a; a=$(grep -c "restored them" "$T/gw.log"); sleep 1
	[ "$(grep -c "restored them" "$T/gw.log")" = "$a" ]
}
wait_until 20 settled || fail "the daemon keeps restoring its tables: $(grep -c 'restored them' "$T/gw.log") restores"
restores=$(($(grep -c "restored them" "$T/gw.log") - restored_before))
[ "$restores" -le 12 ] || fail "$restores restores for one lost burst"
ok "nf_tables monitor overflowed; the inet table deleted in the lost burst was restored ($restores restores until the queue held our own)"

# --- dumps interrupted by a burst are run again, not given up
# With the daemon running, each overflow makes it re-read all links while
# veth pairs come and go: the kernel marks many of those dumps interrupted
# (NLM_F_DUMP_INTR); each must be drained and retried until it is whole.
for round in 1 2 3 4; do
	for i in $(seq 1 60); do echo "link add d$round-$i type veth peer name e$round-$i"; done >"$T/add"
	for i in $(seq 1 60); do echo "link del d$round-$i"; done >"$T/del"
	in_host ip -batch "$T/add"
	in_host ip -batch "$T/del"
done
in_host ip link del gw0
wait_until 5 sh -c "ip -n $NS_HOST -4 addr show dev gw0 | grep -q 10.213.0.1/24" || fail "bridge not recreated after the last burst"
grep -q "Interrupted system call" "$T/gw.log" &&
	fail "a dump was given up as interrupted: $(grep -m1 'Interrupted system call' "$T/gw.log")"
# A dump still interrupted after the transport's retries makes the watch
# look again shortly (never a check silently skipped): the last one ran.
n_later=$(grep -c "kept changing while read" "$T/gw.log")
ok "480 link changes with the monitor overflowing: every interrupted dump was retried ($n_later watch passes deferred and run again)"

grep -q "Protocol error\|EPROTO" "$T/gw.log" && fail "netlink protocol errors in the log: $(grep -m1 'Protocol error' "$T/gw.log")"
true
