#!/bin/bash
# A burst of link changes must not blind the watch. Hundreds of veth pairs
# come and go in the host namespace while gatewayd dumps the links on each
# event: some dumps are interrupted (NLM_F_DUMP_INTR). Afterwards the
# guards still work: a deleted bridge is recreated, a foreign port stops
# DHCP, the backstop's ports set follows the bridge, and status says so.
#
#   [host] gw0 ── vg1 ── [g1]     + veth pairs bN/pN created and deleted
#          vx0 (vxlan, the stand-in for a LAN port; see lan_vxlan)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
lan_vxlan
write_conf
gw_start
guest_add 1

# 6 rounds of 60 pairs created and deleted in one `ip -batch` each.
for round in 1 2 3 4 5 6; do
	for i in $(seq 1 60); do echo "link add b$round-$i type veth peer name p$round-$i"; done >"$T/add"
	for i in $(seq 1 60); do echo "link del b$round-$i"; done >"$T/del"
	in_host ip -batch "$T/add"
	in_host ip -batch "$T/del" &
	del=$!
	in_host ip link set lo mtu $((65000 + round))
	wait "$del"
done

# --- a deleted bridge comes back
in_host ip link del gw0
wait_until 5 in_host ip link show gw0 || fail "deleted bridge not recreated after the burst: $(grep -E 'watch|error' "$T/gw.log" | tail -3)"
wait_until 5 sh -c "ip -n $NS_HOST -4 addr show dev gw0 | grep -q 10.213.0.1/24" || fail "bridge address not restored"
wait_until 5 sh -c "ip -n $NS_HOST link show vg1 | grep -q 'master gw0'" || fail "guest port not plugged back"
udhcpc_lease 1 || fail "no lease after the repair"
ok "after a burst of 360 link changes, a deleted bridge was recreated with its address and guest port"

# --- the ports set follows the bridge
in_host nft list map bridge gatewayd port_nets | grep -q '"vg1"' || fail "ports set lost vg1"

# --- a foreign port still stops DHCP
pid=$(dnsmasq_pid)
in_host ip link set vx0 master gw0
wait_until 3 sh -c "! kill -0 $pid 2>/dev/null" || fail "foreign port vx0 joined after the burst, dnsmasq $pid still runs"
grep -q 'port vx0 (kind "vxlan") joined bridge gw0 and is not a guest port' "$T/gw.log" || fail "trip not logged"
in_host ip link set vx0 nomaster
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]" || fail "DHCP did not resume"
ok "foreign port after the burst: DHCP stopped, and resumed when it left"
grep -q "Protocol error\|EPROTO" "$T/gw.log" && fail "netlink protocol errors in the log: $(grep -m1 'Protocol error' "$T/gw.log")"
# an interrupted dump is retried whole, never given up
grep -q "Interrupted system call" "$T/gw.log" && fail "a dump was given up: $(grep -m1 'Interrupted system call' "$T/gw.log")"
true
