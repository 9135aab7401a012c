#!/bin/bash
# A reload that removes one network must not cut another network's guests
# off. The reload's transaction deletes the removed network's chains, so it
# rewrites the maps of bridge ports; on main at 03e5446 it flushed guest
# binding's bind_nets whole ("the daemon refills it right after"): until
# then every guest port of every network was a port not known yet, and the
# untrusted backstop dropped its traffic (2-4 pings of 50 at 50/s lost per
# reload, counted in `untrusted`). Asserted: guest 1 on network default
# pings the internet namespace at 50/s through four reloads that add and
# remove network b, none lost, nothing counted in untrusted; guest 1 stays
# in bind_nets; the control: after network b goes, its port's guest is
# gone from bind_nets.
#
#   [g1: busybox ping 50/s] ── vg1 ── gw0 10.213.0.1 [host: gatewayd] ── up0 ── [inet 198.51.100.1]
#   [g2] ── vg2 ── gw1 10.214.0.1 (network b, added and removed by reloads)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
net_b() { printf 'network b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n}\n' >>"$T/gw.conf"; }
write_conf
net_b
gw_start
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "guest 1: no lease"
wait_until 5 in_ns "$G1" busybox ping -c 1 -W 1 198.51.100.1 >/dev/null || fail "guest 1 never bound"
untrusted() { in_host nft list counter bridge gatewayd untrusted | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
applied() { grep -c "reload: new configuration applied" "$T/gw.log"; }
in_bind_nets() { in_host nft list map bridge gatewayd bind_nets | grep -q "\"$1\""; }

u0=$(untrusted)
for step in 1 2 3 4; do
	wait_until 5 in_host ip link show gw1 >/dev/null 2>&1 || [ $((step % 2)) = 0 ] || fail "no gw1"
	if [ $((step % 2)) = 1 ]; then
		# a guest on network b, so that its bind chain has a port
		ip -n "$NS_HOST" link del vg2 2>/dev/null
		ip netns del "gwt$ID-g2" 2>/dev/null
		ip netns add "gwt$ID-g2"
		GUESTS+=("gwt$ID-g2")
		ip -n "$NS_HOST" link add vg2 type veth peer name eth0 netns "gwt$ID-g2"
		ip -n "$NS_HOST" link set vg2 master gw1 up
		wait_until 3 in_bind_nets vg2 || fail "vg2 never in bind_nets"
	fi
	in_ns "$G1" busybox ping -i 0.02 -c 50 -W 1 198.51.100.1 >"$T/ping.out" 2>&1 &
	P=$!
	sleep 0.3 # the pings under way before the reload (not a wait for a condition)
	n0=$(applied)
	write_conf
	[ $((step % 2)) = 0 ] && net_b
	kill -HUP "$GW_PID"
	wait_until 5 sh -c "[ \$(grep -c 'reload: new configuration applied' $T/gw.log) -gt $n0 ]" \
		|| fail "reload $step not applied"
	wait "$P"
	grep -q "50 packets received" "$T/ping.out" \
		|| fail "reload $step ($([ $((step % 2)) = 1 ] && echo removes || echo adds) network b): guest 1 lost pings: $(grep 'packet loss' "$T/ping.out"); untrusted $u0 -> $(untrusted)"
	in_bind_nets vg1 || fail "vg1 not in bind_nets after reload $step"
	if [ $((step % 2)) = 1 ]; then
		wait_until 3 sh -c "! ip netns exec $NS_HOST nft list map bridge gatewayd bind_nets | grep -q '\"vg2\"'" \
			|| fail "vg2 (network b gone) still in bind_nets"
	fi
	ok "reload $step: guest 1 lost none of 50 pings"
done
[ "$(untrusted)" = "$u0" ] || fail "guest 1's traffic counted as untrusted: $u0 -> $(untrusted)"
ok "nothing counted in untrusted through the four reloads"
