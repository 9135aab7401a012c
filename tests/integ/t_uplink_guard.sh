#!/bin/bash
# Never serve the uplink: a VXLAN port (standing in for a physical NIC)
# enslaved to a running guest bridge, with a DHCP client and rdisc6 on the
# far side.
#  1. backstop alone: gatewayd frozen (SIGSTOP), dnsmasq left running and
#     a stand-in sending gatewayd's RAs (ra_standin): the bridge-family
#     rules keep offers and RAs off the VXLAN port while a veth guest on
#     the same bridge still gets its lease and its RAs;
#  2. the watch: gatewayd running: dnsmasq stopped within a second of the
#     port joining, logged with the port's name, resumed when it leaves;
#  3. guest_ports patterns narrow what counts as a guest port.
#
#   [lan] vx0 ~~vxlan~~ vx0 ─┐
#                            gw0 [host: gatewayd] ── up0 ── [inet]
#   [g1]  eth0 ──── vg1 ─────┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft rdisc6

topo_init
write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
lan_vxlan
udhcpc_lease 1 || fail "control guest got no lease"

# --- 1. the kernel backstop on its own
kill -STOP "$GW_PID"
ra_standin
in_host ip link set vx0 master gw0
dpid=$(dnsmasq_pid)
no_lease "$NS_LAN" vx0 || fail "backstop: the LAN side got a DHCP lease"
ll_ready "$NS_LAN" vx0 || fail "lan vx0 has no usable link-local address"
ll_ready "$G1" eth0 || fail "guest 1 has no usable link-local address"
ip netns exec "$NS_LAN" rdisc6 -1 -w 1500 -r 2 vx0 >"$T/rdisc-lan.out" 2>&1 && fail "backstop: RA reached the LAN: $(cat "$T/rdisc-lan.out")"
grep -q "Cannot\|rror" "$T/rdisc-lan.out" && fail "rdisc6 on the LAN side could not run: $(cat "$T/rdisc-lan.out")"
udhcpc_lease 1 || fail "backstop: the veth guest lost DHCP"
in_ns "$G1" rdisc6 -1 -w 1500 -r 2 eth0 >"$T/rdisc-g1.out" 2>&1 || fail "backstop: the veth guest gets no RA"
alive "$dpid" || fail "dnsmasq died while gatewayd was frozen"
in_host nft list counter bridge gatewayd guard_default | grep -q 'packets [1-9]' || fail "guard counter did not count"
ok "backstop alone (gatewayd frozen, dnsmasq running): no lease, no RA through vx0; veth guest served"
ra_standin_stop
kill -CONT "$GW_PID"
wait_until 5 grep -q "DHCPOFFER(gw0).*$(ip -n "$NS_LAN" link show vx0 | awk '/ether/ {print $2}')" "$T/gw.log" \
	|| fail "dnsmasq never offered to the LAN client: the backstop was not what stopped it"
ok "dnsmasq did offer to the LAN client; the kernel dropped it"

# --- 2. the watch (it catches up at once after SIGCONT)
wait_until 2 grep -q "port vx0 (kind \"vxlan\") joined bridge gw0 and is not a guest port" "$T/gw.log" \
	|| fail "watch did not log the foreign port"
wait_until 2 sh -c "! ps -p $dpid >/dev/null" || fail "dnsmasq still running with vx0 in the bridge"
in_host ip link set vx0 nomaster
wait_until 5 grep -q "port vx0 left bridge gw0; DHCP and router advertisements resume" "$T/gw.log" \
	|| fail "no resume after vx0 left"
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]" || fail "dnsmasq not restarted"
udhcpc_lease 1 || fail "no lease after resume"
ok "watch: DHCP/RA stopped for vx0, resumed when it left"

# the same with gatewayd awake all along, timed
dpid=$(dnsmasq_pid)
t0=$(date +%s%N)
in_host ip link set vx0 master gw0
wait_until 3 sh -c "! ps -p $dpid >/dev/null" || fail "dnsmasq not stopped"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -le 1000 ] || fail "dnsmasq stopped only after $ms ms"
no_lease "$NS_LAN" vx0 || fail "LAN got a lease with the watch tripped"
ok "port joined -> dnsmasq stopped in $ms ms"
in_host ip link set vx0 nomaster
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]" || fail "dnsmasq not restarted"

# --- 3. guest_ports patterns: a veth that does not match is not a guest
write_conf 'guest_ports = {"vg*"}'
kill -HUP "$GW_PID"
wait_until 10 grep -q "reload: new configuration applied" "$T/gw.log" || fail "reload with guest_ports"
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]" || fail "no dnsmasq after reload"
ip netns add "gwt$ID-x"; EXTRA_NS+=("gwt$ID-x")
ip -n "$NS_HOST" link add xx1 type veth peer name eth0 netns "gwt$ID-x"
ip -n "gwt$ID-x" link set eth0 up
kill -STOP "$GW_PID"
in_host ip link set xx1 master gw0 up
no_lease "gwt$ID-x" eth0 || fail "patterns: xx1 (not vg*) got a lease through the backstop"
udhcpc_lease 1 || fail "patterns: vg1 lost DHCP"
kill -CONT "$GW_PID"
wait_until 2 grep -q "port xx1 (kind \"veth\") joined bridge gw0 and is not a guest port" "$T/gw.log" \
	|| fail "watch did not trip on xx1"
ok "guest_ports = {\"vg*\"}: veth xx1 treated as foreign by backstop and watch; vg1 served"

# --- refused at start: an existing bridge that already has a foreign port
gw_stop
in_host ip link add gw0 type bridge
in_host ip link set vx0 master gw0
in_host "$GATEWAYD" -f -c "$T/gw.conf" >"$T/out" 2>&1 && fail "started with vx0 in gw0"
grep -q 'bridge "gw0" has port "vx0" (kind "vxlan") that is not a guest port' "$T/out" || fail "refusal: $(cat "$T/out")"
nft_host_has_table && fail "table made despite the refusal"
ok "refused at start: $(grep -o 'bridge "gw0" has port "vx0"[^;]*' "$T/out")"
