#!/bin/bash
# One guest fills mac_self (the claim checks' set of (MAC, MAC) pairs, 65535
# elements, 2 s each: nft/binding_claim.c) with neighbour solicitations from
# made-up MACs: once it is full, every guest's DHCP and ND on every network
# fail the check (the update fails, the lookup misses: dropped, fail
# closed), for as long as the flood goes on. DHCP from made-up MACs is held
# by the meter; ND was not. Now, with guest binding, a port's new source
# MACs are metered like DHCP clients (mac_clients, mac_rate: nft/binding.c);
# the rest are dropped and counted in bind_NET.
# Asserted: during a 12 s flood from A (bounded: 2,000,000 frames), a guest on
# another network (V) gets a DHCP lease, is bound within 2 s (on main at
# 03e5446 the bridge's forwarding database, grown by A's MACs and read at
# every sync, delayed that 9 s, to the flood's end) and pings its
# gateway; mac_self stays far from full, the bridge learns few of A's MACs;
# A's flood is counted as dropped in bind_default.
#
#   [A: nd_flood.py, made-up MACs] ── vg1 ── gw0 10.213.0.1 ┐
#                                                            [host: gatewayd]
#   [V: udhcpc, then ping]         ── vg2 ── gw1 10.214.0.1 ┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

topo_init
gw_start_two
guest_add 1
A=$(guest_ns 1)
udhcpc_lease 1 || fail "guest A: no lease"
V=gwt$ID-g2
ip netns add "$V"
GUESTS+=("$V")
ip -n "$V" link set lo up
ip -n "$NS_HOST" link add vg2 type veth peer name eth0 netns "$V"
in_ns "$V" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
ip -n "$NS_HOST" link set vg2 master gw1 up
ip -n "$V" link set eth0 up
self_n() { in_host nft list set bridge gatewayd mac_self | grep -o ' \. ' | wc -l; }

ip netns exec "$A" python3 "$TOP/tests/integ/nd_flood.py" eth0 2000000 12 >"$T/flood.out" 2>&1 &
FLOOD=$!
sleep 3 # let the flood fill what it can (no condition: the point is that it cannot)
kill -0 "$FLOOD" 2>/dev/null || fail "the flood stopped early: $(cat "$T/flood.out")"
n=$(self_n)
say "mac_self holds $n pairs 3 s into the flood"
ENVOUT="$T/udhcpc-2.env" in_ns "$V" busybox udhcpc -i eth0 -f -q -n -t 3 -T 1 -s "$T/udhcpc.sh" \
	>>"$T/udhcpc-2.log" 2>&1 || fail "V (network other) got no lease during A's ND flood (mac_self: $n pairs; $(in_host nft list counter bridge gatewayd claim_other | grep packets))"
kill -0 "$FLOOD" 2>/dev/null || fail "the flood ended before V's DHCP was done: $(cat "$T/flood.out")"
ok "V got $(lease_var 2 ip) during A's flood"
t0=$(date +%s%N)
bound_v() { in_host nft list set bridge gatewayd bind4 | grep -q "\"vg2\" \. .* \. $(lease_var 2 ip)"; }
wait_until 2 bound_v || fail "V's lease not bound within 2 s during A's flood (bound only after $(wait_until 20 bound_v; echo $((($(date +%s%N) - t0) / 1000000))) ms)"
kill -0 "$FLOOD" 2>/dev/null || fail "the flood ended before V was bound: $(cat "$T/flood.out")"
in_ns "$V" busybox ping -c 1 -W 2 10.214.0.1 >/dev/null || fail "V cannot ping its gateway"
ok "V bound within $((($(date +%s%N) - t0) / 1000000)) ms of its lease, pings its gateway"
[ "$n" -lt 60000 ] || fail "mac_self nearly full ($n) from one port"
fdb=$(in_host bridge fdb show br gw0 | grep -c ' dev vg1 ')
[ "$fdb" -lt 1000 ] || fail "the bridge learned $fdb MACs on A's port"
ok "mac_self $n pairs, $fdb forwarding entries on A's port"
wait "$FLOOD"
say "A: $(cat "$T/flood.out"); dropped: $(in_host nft list counter bridge gatewayd bind_default | grep -o 'packets [0-9]*')"
