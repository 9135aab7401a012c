#!/bin/bash
# No port forward, no DNAT hook: gatewayd registers the inet prerouting and
# output nat chains only while some network has a forward. The first
# forward added by reload creates them (one fib lookup per new connection
# leads to the DNAT maps), the last removed deletes them -- both as an
# update, not a replace of the tables: a guest's open connection through
# NAT keeps flowing, the network's counters keep counting (a replace would
# make the tables anew, counters from zero and the bridge ports' map empty
# for a moment), dnsmasq its pid.
#
#   [inet] 198.51.100.1 ── up0 198.51.100.2 [host: gatewayd] ── gw0
#                                   gw0 ── vg1 ── [g1] 10.213.0.10  httpd :22,
#                                                      a TCP flow to [inet]:9000
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
HOST='host g1 { mac = "52:54:00:f0:00:01" ipv4 = "10.213.0.10" }'
FWD='forward ssh { proto = tcp port = 2222 to = "10.213.0.10:22" }'
# no connection quota either: its dispatch is a nat prerouting rule too
HOST="$HOST guest_connections = none"
write_conf "$HOST"
gw_start

guest_add 1
G1=$(guest_ns 1)
ip -n "$G1" link set eth0 down
ip -n "$G1" link set eth0 address 52:54:00:f0:00:01
ip -n "$G1" link set eth0 up
udhcpc_lease 1 || fail "guest 1: no lease"
[ "$(lease_var 1 ip)" = 10.213.0.10 ] || fail "guest 1 leased '$(lease_var 1 ip)'"
mkdir -p "$T/www"
echo ssh >"$T/www/who"
in_ns "$G1" busybox httpd -p 10.213.0.10:22 -h "$T/www"

get() { in_ns "$1" timeout 5 busybox wget -q -O - "$2" 2>/dev/null; }
nat_hooks() { in_host nft list table inet gatewayd | grep -c 'type nat hook \(prerouting\|output\)'; }
out_packets() { in_host nft list counter inet gatewayd fwd_out_default | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
reload() { $GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"; }

[ "$(nat_hooks)" = 0 ] || fail "no forward, yet: $(in_host nft list table inet gatewayd | grep 'type nat')"
[ -z "$(get "$NS_INET" http://198.51.100.2:2222/who)" ] || fail "port 2222 answered with no forward"
flow_start "$G1"
ok "no forward: no prerouting or output nat chain; the guest's flow through NAT runs"

# 200 packets out first: a counter made anew would read far below this
in_ns "$G1" busybox ping -q -A -c 200 -W 5 198.51.100.1 >/dev/null || fail "guest 1 cannot ping the internet"
c0=$(out_packets)
[ "$c0" -ge 200 ] || fail "fwd_out_default: $c0 packets after 200 pings"
pid=$(dnsmasq_pid)
write_conf "$HOST" "$FWD"
reload
wait_until 5 sh -c "[ \"\$(ip netns exec $NS_HOST nft list table inet gatewayd | grep -c 'type nat hook \(prerouting\|output\)')\" = 2 ]" ||
	fail "the first forward: $(nat_hooks) nat hooks"
[ "$(get "$NS_INET" http://198.51.100.2:2222/who)" = ssh ] || fail "the new forward does not answer from the internet"
[ "$(get "$NS_HOST" http://198.51.100.2:2222/who)" = ssh ] || fail "the new forward does not answer the host itself"
flowing || fail "the guest's flow stopped when the first forward came"
c1=$(out_packets)
[ "$c1" -gt "$c0" ] || fail "fwd_out_default went from $c0 to $c1 packets: the tables were made anew"
grep -q "replacing them whole" "$T/gw.log" && fail "the update was refused: $(grep "replacing them whole" "$T/gw.log")"
[ "$(dnsmasq_pid)" = "$pid" ] || fail "dnsmasq restarted"
ok "the first forward, by reload: prerouting and output made, it answers (internet, host), flow kept, fwd_out $c0 -> $c1 packets"

write_conf "$HOST"
reload
wait_until 5 sh -c "[ \"\$(ip netns exec $NS_HOST nft list table inet gatewayd | grep -c 'type nat hook \(prerouting\|output\)')\" = 0 ]" ||
	fail "the last forward gone, $(nat_hooks) nat hooks left"
[ -z "$(get "$NS_INET" http://198.51.100.2:2222/who)" ] || fail "the removed forward still answers"
flowing || fail "the guest's flow stopped when the last forward went"
c2=$(out_packets)
[ "$c2" -gt "$c1" ] || fail "fwd_out_default went from $c1 to $c2 packets: the tables were made anew"
grep -q "replacing them whole" "$T/gw.log" && fail "the update was refused"
ok "the last forward removed by reload: prerouting and output gone, flow kept, fwd_out $c1 -> $c2 packets"

# What the kernel holds is what gatewayd -n -v prints, chain for chain.
in_host "$GATEWAYD" -n -v -c "$T/gw.conf" | sed -n '/^table inet/,/^}/p' | grep -o '^	chain [a-z0-9_]*' >"$T/want"
in_host nft list table inet gatewayd | grep -o '^	chain [a-z0-9_]*' >"$T/have"
diff -u "$T/want" "$T/have" || fail "chains differ from gatewayd -n -v"
ok "the kernel's chains are those gatewayd -n -v prints ($(wc -l <"$T/have"))"
