#!/bin/bash
# A reload that removes a network takes its guests' ports out of
# bind_nets, and in the same nf_tables transaction their bind4 fast-path
# elements (review of issue 18): the fast path is the bridge prerouting
# chain's first rule, before the bind_nets dispatch, so an element left
# behind would keep accepting the port's frames until the daemon's next
# binding sync. Seen with `nft monitor`, which prints each transaction
# followed by "# new generation".
#
#   [g1] ── vg1 ── gw1 (network b: removed by the reload)
#                  gw0 (network default: stays)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
MON=

topo_init
net() { # NAME BRIDGE SUBNET-THIRD-OCTET
	printf 'network %s {\n bridge = "%s"\n ipv4 = "10.%s.0.1/24"\n dhcp { range = "10.%s.0.100-10.%s.0.150" }\n}\n' "$1" "$2" "$3" "$3" "$3"
}
# (cleanup ends it with the namespace if the test fails first)
mon_stop() { [ -n "$MON" ] && kill "$MON" 2>/dev/null && wait "$MON" 2>/dev/null; MON=; }

write_conf
net b gw1 214 >>"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "b not served"
guest_add 1
in_host ip link set vg1 nomaster
in_host ip link set vg1 master gw1 up
udhcpc_lease 1 || fail "guest 1 got no lease from b"
mac=$(ip -n "$(guest_ns 1)" -o link show eth0 | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2)
in_bind4() { in_host nft list set bridge gatewayd bind4 | grep -qi "$mac"; }
wait_until 10 in_bind4 || fail "guest 1 ($mac) never bound: $(in_host nft list set bridge gatewayd bind4)"

# the monitor, listening once it prints a change of our own
ip netns exec "$NS_HOST" nft monitor >"$T/mon" 2>&1 &
MON=$!
wait_until 5 sh -c "ip netns exec $NS_HOST nft add table bridge p18probe && ip netns exec $NS_HOST nft delete table bridge p18probe && grep -q 'p18probe' $T/mon" ||
	fail "nft monitor never saw a change"

write_conf
$CTL reload >"$T/out" 2>&1 || fail "reload refused: $(cat "$T/out")"
wait_until 10 sh -c "! ip netns exec $NS_HOST nft list set bridge gatewayd bind4 | grep -qi $mac" ||
	fail "guest 1's bind4 element outlived network b: $(in_host nft list set bridge gatewayd bind4)"
wait_until 5 grep -q "bind_nets.*vg1\|vg1.*bind_b" "$T/mon" || fail "the monitor never saw vg1 leave bind_nets"
mon_stop

# the transaction that takes vg1 out of bind_nets, and whether it also
# deletes its bind4 element
verdict=$(awk -v mac="$mac" '
	/^# new generation/ { if (nets) { print (fast ? "same" : "later"); exit } nets = fast = 0; next }
	/^delete element bridge gatewayd bind_nets / && /"vg1"/ { nets = 1 }
	/^delete element bridge gatewayd bind4 / && tolower($0) ~ mac { fast = 1 }
	END { if (!nets) print "none" }' "$T/mon")
[ "$verdict" = same ] || fail "vg1 left bind_nets with its bind4 element still in ($verdict transaction): $(grep -n 'generation\|bind_nets\|bind4' "$T/mon" | head -n 20)"
ok "network b removed: vg1 out of bind_nets and its bind4 element ($mac) gone in the same transaction"
