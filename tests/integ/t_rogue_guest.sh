#!/bin/bash
# Never trust a guest: a rogue DHCP server and a rogue RA sender inside
# guest 2; guest 3 never receives either (the bridge-family forward rules
# drop server frames crossing the bridge from port to port).
#
#   [g2 rogue dnsmasq 10.99.0.1, RA 2001:db8:bad::/64] ── vg2 ─┐
#                                                             gw0 [host: gatewayd]
#   [g3 udhcpc, rdisc6, tcpdump] ─────────────────────── vg3 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft rdisc6 tcpdump

topo_init
write_conf
gw_start
guest_add 2
guest_add 3
G2=$(guest_ns 2) G3=$(guest_ns 3)
wait_until 5 sh -c "ip netns exec $NS_HOST nft list map bridge gatewayd port_nets | grep -q vg3" \
	|| fail "ports set never got vg3"
rogue_server "$G2" eth0

ip netns exec "$G3" timeout 15 tcpdump -U -ni eth0 -w "$T/g3.pcap" 'udp port 68 or icmp6' >/dev/null 2>&1 &
tcpdump_pid=$!
wait_until 5 test -s "$T/g3.pcap" || fail "tcpdump did not start" # the pcap header is written at open
for i in 1 2 3; do udhcpc_lease 3 || fail "guest 3 got no lease at all"; done
[ "$(lease_var 3 router)" = 10.213.0.1 ] || fail "guest 3's router is $(lease_var 3 router)"
ll_ready "$G3" eth0 || fail "guest 3 has no usable link-local address"
in_ns "$G3" rdisc6 -m -w 3000 -r 2 eth0 >"$T/rdisc-g3.out" 2>&1
kill -TERM "$tcpdump_pid"
wait "$tcpdump_pid"
g3mac=$(ip -n "$G3" link show eth0 | awk '/ether/ {print $2}')
grep -qi "DHCPOFFER(eth0) 10.99.0.[0-9]* $g3mac" "$T/rogue-$G2.log" \
	|| fail "the rogue server never offered to guest 3 (test proves nothing): $(tail -5 "$T/rogue-$G2.log")"
grep -q "RTR-ADVERT(eth0) 2001:db8:bad::" "$T/rogue-$G2.log" || fail "the rogue never sent an RA"
tcpdump -nr "$T/g3.pcap" 2>/dev/null >"$T/g3.txt"
grep -q "10.99.0.1" "$T/g3.txt" && fail "guest 3 received the rogue's DHCP: $(grep 10.99.0.1 "$T/g3.txt" | head -3)"
grep -q "2001:db8:bad" "$T/rdisc-g3.out" && fail "guest 3 received the rogue's RA: $(cat "$T/rdisc-g3.out")"
grep -q "fd42:213::" "$T/rdisc-g3.out" || fail "guest 3 did not get gatewayd's own RA: $(cat "$T/rdisc-g3.out")"
grep -q "10.213.0.1.67 > " "$T/g3.txt" || fail "capture saw no offer at all (capture broken?)"
ok "rogue in guest 2 offered and advertised; guest 3 saw only gatewayd's (3 leases, router 10.213.0.1)"
