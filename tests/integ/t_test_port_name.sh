#!/bin/bash
# A veth named like the doctor's test port is a guest like any other
# (issue 16 item 16a): what makes the doctor's port the doctor's is that
# gatewayd made it (its ifindex), not a name anyone can give a veth.
#  1. no guest_ports: a guest whose port is "gwdtx" runs a rogue DHCP
#     server and RAs; the port is listed and bound like any guest, and
#     guest 3 takes neither (on main a3a2a74 the port was skipped by the
#     ports map and by binding: the rogue's offers and RAs got through);
#  2. guest_ports = {"vg*"}: a veth "gwdt0a1b2c" (the doctor's very name
#     form) is not a guest port: the guard trips, naming it (on main: it
#     was a guest port whatever the patterns);
#  3. and the doctor's own test port still gets its answer under those
#     patterns (the guard lets our offers out to the port gatewayd made);
#  4. a start removes a killed doctor's leftover pair, never a guest's veth
#     that happens to be called gwdt0a1b2f (on main: deleted).
#
#   [gx rogue dnsmasq 10.99.0.1, RA 2001:db8:bad::/64] ── gwdtx ─┐
#                                                               gw0 [host: gatewayd]
#   [g3 udhcpc, rdisc6] ────────────────────────────────── vg3 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft rdisc6
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"

# port_add NS PORT: namespace NS whose eth0 is plugged into gw0 as PORT
port_add() {
	ip netns add "$1"
	GUESTS+=("$1")
	ip -n "$1" link set lo up
	ip -n "$NS_HOST" link add "$2" type veth peer name eth0 netns "$1"
	ip -n "$NS_HOST" link set "$2" master gw0 up
	ip -n "$1" link set eth0 up
}

# --- 1. a "gwdtx" guest with a rogue server, no guest_ports
topo_init
write_conf
gw_start
GX=gwt$ID-gx
port_add "$GX" gwdtx
guest_add 3
G3=$(guest_ns 3)
# listed like any guest port (on main it never is: the wait runs out)
wait_until 5 sh -c "ip netns exec $NS_HOST nft list map bridge gatewayd bind_nets | grep -q gwdtx"
listed=$?
wait_until 5 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd guest_ports | grep -q vg3" \
	|| fail "vg3 never listed"
rogue_server "$GX" eth0
for i in 1 2 3; do
	udhcpc_lease 3 || fail "guest 3 got no lease"
	[ "$(lease_var 3 router)" = 10.213.0.1 ] || fail "guest 3 took router $(lease_var 3 router) from the gwdtx guest's rogue server"
done
ll_ready "$G3" eth0 || fail "guest 3 has no usable link-local address"
in_ns "$G3" rdisc6 -m -w 3000 -r 2 eth0 >"$T/rdisc-g3.out" 2>&1
g3mac=$(ip -n "$G3" link show eth0 | awk '/ether/ {print $2}')
grep -qi "DHCPOFFER(eth0) 10.99.0.[0-9]* $g3mac" "$T/rogue-$GX.log" \
	|| fail "the rogue never offered to guest 3 (test proves nothing)"
grep -q "2001:db8:bad" "$T/rdisc-g3.out" && fail "guest 3 received the gwdtx guest's RA: $(cat "$T/rdisc-g3.out")"
grep -q "fd42:213::" "$T/rdisc-g3.out" || fail "guest 3 did not get gatewayd's own RA: $(cat "$T/rdisc-g3.out")"
[ $listed = 0 ] || fail "gwdtx never in bind_nets (skipped as if it were the doctor's)"
in_host nft list map bridge gatewayd port_nets | grep -q gwdtx || fail "gwdtx not in port_nets"
ok "a guest on port gwdtx is checked like any other: listed, bound, its rogue DHCP and RA dropped"
kill "$(cat "$T/rogue-$GX.pid")" 2>/dev/null
gw_stop || fail "gatewayd did not stop cleanly"
ip -n "$NS_HOST" link del gwdtx 2>/dev/null
ip -n "$NS_HOST" link del vg3 2>/dev/null

# --- 2. guest_ports = {"vg*"}: gwdt0a1b2c is not a guest port
write_conf 'guest_ports = {"vg*"}'
gw_start
guest_add 1
udhcpc_lease 1 || fail "guest 1 (vg1) got no lease"
GY=gwt$ID-gy
port_add "$GY" gwdt0a1b2c
wait_until 5 grep -q 'port gwdt0a1b2c (kind "veth") joined bridge gw0 and is not a guest port' "$T/gw.log" \
	|| fail "the guard did not trip for gwdt0a1b2c under guest_ports = vg*"
$CTL status | grep -q "tripped by gwdt0a1b2c" || fail "status does not name gwdt0a1b2c: $($CTL status)"
no_lease "$GY" eth0 || fail "gwdt0a1b2c's guest got a lease"
ok "guest_ports = vg*: a veth named gwdt0a1b2c trips the guard"
ip -n "$NS_HOST" link del gwdt0a1b2c
wait_until 5 grep -q "port gwdt0a1b2c left bridge gw0; DHCP and router advertisements resume" "$T/gw.log" \
	|| fail "no resume after gwdt0a1b2c left"

# --- 3. the doctor's own test port, under the same patterns
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]" || fail "dnsmasq not restarted"
$CTL doctor >"$T/doctor.out" 2>&1
grep -qE "^ok +DHCP self-test" "$T/doctor.out" || fail "doctor's self-test under guest_ports = vg*: $(grep -i "self-test" "$T/doctor.out")"
grep -q "tripped" <($CTL status) && fail "the doctor's own port tripped the guard"
ok "the doctor's own test port is still answered under guest_ports = vg*"

# --- 4. a start removes a killed doctor's leftovers, not a guest's port
# that happens to have such a name
GZ=gwt$ID-gz
port_add "$GZ" gwdt0a1b2f
gw_stop || fail "gatewayd did not stop cleanly"
write_conf
gw_start
ip -n "$NS_HOST" link show gwdt0a1b2f >/dev/null 2>&1 \
	|| fail "gatewayd's start deleted a guest's veth named gwdt0a1b2f: $(grep gwdt0a1b2f "$T/gw.log")"
ok "a guest's veth named gwdt0a1b2f survives a start (only the doctor's own pair is removed)"
