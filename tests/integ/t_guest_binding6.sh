#!/bin/bash
# Guest binding, IPv6: an address belongs to the first guest the host sees
# using it (first come, first served), and the gateway's addresses to
# nobody but the host.
#  - guest 1 talks from its SLAAC address: bound within a second (bind6);
#  - guest 2 announcing the gateway's address (unsolicited neighbour
#    advertisement, override) does not change guest 1's entry for it;
#  - guest 2 announcing guest 1's address does not change the host's entry
#    for guest 1, and guest 2's packets from that address reach nothing;
#    guest 2's own address works; the drops are counted in bind_NET;
#  - a static host's IPv6 address is held for it before it shows up;
#  - guest 1's address stays its own across kill -9 and a restart, even
#    when the host has forgotten its neighbour entry.
#
#   [g1] ── vg1 ─┐
#                ├─ gw0 [host: gatewayd, observer table ip6 obs] ── up0 ── [inet]
#   [g2] ── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

GW6=fd42:213::1
guest_pair 'host fixed {' ' mac = "02:00:00:00:0f:01"' ' ipv6 = "fd42:213::f1"' '}'
GWMAC=$(in_host cat /sys/class/net/gw0/address)
GWLL=$(in_host ip -6 addr show dev gw0 scope link | sed -n 's/.*inet6 \([0-9a-f:]*\).*/\1/p')
slaac() { in_ns "$1" ip -6 addr show dev eth0 scope global | sed -n 's/.*inet6 \(fd42:213:[0-9a-f:]*\)\/64.*/\1/p' | head -n 1; }
wait_until 15 sh -c "ip -n $G1 -6 addr show dev eth0 scope global | grep -q fd42:213 && ! ip -n $G1 -6 addr show dev eth0 | grep -q tentative" || fail "guest 1: no SLAAC address"
wait_until 15 sh -c "ip -n $G2 -6 addr show dev eth0 scope global | grep -q fd42:213 && ! ip -n $G2 -6 addr show dev eth0 | grep -q tentative" || fail "guest 2: no SLAAC address"
A1=$(slaac "$G1") A2=$(slaac "$G2")
bind6() { in_host nft list set bridge gatewayd bind6; }
claimed6() { in_host nft list set bridge gatewayd claimed6; }

claimed6 | grep -q "$GW6" && claimed6 | grep -q "$GWLL" || fail "the gateway's addresses $GW6, $GWLL are not held: $(claimed6)"
claimed6 | grep -q "fd42:213::f1" || fail "static host fixed's fd42:213::f1 is not held: $(claimed6)"
ok "held from the start: the gateway's $GW6 and $GWLL, static host fixed's fd42:213::f1"

in_ns "$G1" busybox ping -6 -c 1 -W 2 "$GW6" >/dev/null || fail "guest 1 cannot ping the gateway from $A1"
start=$(date +%s%N)
wait_until 2 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind6 | grep -q '$A1'" \
	|| fail "guest 1's $A1 not bound: $(bind6)"
ms=$((($(date +%s%N) - start) / 1000000))
in_ns "$G2" busybox ping -6 -c 1 -W 2 "$GW6" >/dev/null || fail "guest 2 cannot ping the gateway from $A2"
wait_until 2 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind6 | grep -q '$A2'" \
	|| fail "guest 2's $A2 not bound: $(bind6)"
in_host busybox ping -6 -c 1 -W 2 "$A1" >/dev/null || fail "host cannot ping guest 1"
ok "guests' SLAAC addresses $A1, $A2 bound (guest 1's ${ms} ms after its ping)"

neigh6_mac() { in_ns "$1" ip -6 neigh show "$2" dev "$3" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'; }
sleep 1.2 # past the neighbour entries' locktime: an unchecked advertisement would win

# --- neighbour advertisements: guest 2 speaks for the gateway, then for
# guest 1 (an address added with ndisc_notify on is announced with
# unsolicited, overriding advertisements once DAD -- here none -- is done)
in_ns "$G2" sysctl -qw net.ipv6.conf.eth0.ndisc_notify=1
in_ns "$G2" sysctl -qw net.ipv6.conf.eth0.dad_transmits=0
announced() { wait_until 2 sh -c "ip -n $G2 -6 addr show dev eth0 | grep -q '$1/128' && ! ip -n $G2 -6 addr show dev eth0 | grep -q tentative"; sleep 0.3; }
in_ns "$G2" ip -6 addr add "$GW6/128" dev eth0
announced "$GW6"
in_ns "$G2" ip -6 addr del "$GW6/128" dev eth0
got=$(neigh6_mac "$G1" "$GW6" eth0)
[ "$got" = "$GWMAC" ] || fail "guest 1's neighbour entry for the gateway is $got, not $GWMAC (guest 2 is $MAC2)"
ok "guest 2 advertising the gateway's $GW6: guest 1 still has the gateway's MAC"

in_ns "$G2" ip -6 addr add "$A1/128" dev eth0
announced "$A1"
got=$(neigh6_mac "$NS_HOST" "$A1" gw0)
[ "$got" = "$MAC1" ] || fail "the host's neighbour entry for guest 1 ($A1) is $got, not $MAC1"
ok "guest 2 advertising guest 1's $A1: the host still has guest 1's MAC"

# --- guest 2 sends from guest 1's address
in_host nft add table ip6 obs
in_host nft add chain ip6 obs pre '{ type filter hook prerouting priority -300; }'
in_host nft add rule ip6 obs pre ip6 saddr "$A1" ether saddr "$MAC2" counter
in_host nft add rule ip6 obs pre ip6 saddr "$A2" ether saddr "$MAC2" icmpv6 type echo-request counter
in_ns "$G2" busybox ping -6 -c 3 -W 1 -I "$A1" "$GW6" >/dev/null 2>&1
in_host nft list chain ip6 obs pre | grep "saddr $A1 " | grep -q 'packets 0 ' \
	|| fail "guest 2's packets from guest 1's $A1 reached the host: $(in_host nft list chain ip6 obs pre)"
in_ns "$G2" busybox ping -6 -c 1 -W 2 -I "$A2" "$GW6" >/dev/null || fail "guest 2 cannot ping from its own address"
in_host nft list chain ip6 obs pre | grep "saddr $A2 " | grep -q 'packets [1-9]' || fail "observer saw no legitimate ping"
in_host nft list counter bridge gatewayd bind_default | grep -q 'packets [1-9]' || fail "bind_default did not count"
in_ns "$G1" busybox ping -6 -c 1 -W 2 "$GW6" >/dev/null || fail "guest 1 lost its network to guest 2"
ok "guest 2 from guest 1's $A1: nothing reaches the host (its own address works; counted)"
in_ns "$G2" ip -6 addr del "$A1/128" dev eth0

# --- the static host's address: held for its MAC alone
in_ns "$G2" ip -6 addr add fd42:213::f1/64 dev eth0 nodad
in_ns "$G2" busybox ping -6 -c 2 -W 1 -I fd42:213::f1 "$GW6" >/dev/null 2>&1 \
	&& fail "guest 2 reached the gateway from static host fixed's fd42:213::f1"
in_ns "$G2" ip -6 addr del fd42:213::f1/64 dev eth0
ok "guest 2 cannot use static host fixed's fd42:213::f1"

# --- kill -9, the host forgets guest 1, gatewayd comes back: still guest 1's
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
in_host ip -6 neigh flush dev gw0
gw_start
wait_until 5 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind6 | grep -q '$A1'" \
	|| fail "guest 1's $A1 not bound after a restart: $(bind6)"
in_ns "$G2" ip -6 addr add "$A1/128" dev eth0 nodad
in_ns "$G2" busybox ping -6 -c 2 -W 1 -I "$A1" "$GW6" >/dev/null 2>&1 \
	&& fail "after a restart guest 2 reached the gateway from guest 1's $A1"
in_ns "$G2" ip -6 addr del "$A1/128" dev eth0
in_ns "$G1" busybox ping -6 -c 1 -W 2 "$GW6" >/dev/null || fail "guest 1 cannot ping the gateway after a restart"
ok "after kill -9 and a restart, $A1 is still guest 1's alone"

# --- a guest making up addresses: at most 32 held for its port (the rest
# pass unheld), the daemon stays responsive, guest 1 keeps its own
many=$(for i in $(seq 1 40); do printf 'ip -6 addr add fd42:213::7:%x/64 dev eth0 nodad; busybox ping -6 -c 1 -W 1 -I fd42:213::7:%x %s >/dev/null; ' "$i" "$i" "$GW6"; done)
in_ns "$G2" sh -c "$many"
held2() { in_host nft list set bridge gatewayd bind6 | grep -o "$MAC2 . fd42:213::[0-9a-f:]*" | wc -l; }
wait_until 5 sh -c "[ \$(ip netns exec $NS_HOST nft list set bridge gatewayd bind6 | grep -o '$MAC2 . fd42:213::' | wc -l) -ge 32 ]" ||
	fail "guest 2's made-up addresses were not bound: $(held2) held"
sleep 0.6 # two more syncs' time: the count must not grow past the cap
n=$(held2)
[ "$n" = 32 ] || fail "guest 2 holds $n addresses: not the cap of 32"
in_host nft list set bridge gatewayd bind6 | grep -q "$A1" || fail "guest 1's $A1 lost"
start=$(date +%s%N)
"$GATEWAYCTL" -s "$T/run/gatewayd.sock" status >/dev/null || fail "status did not answer"
ms=$((($(date +%s%N) - start) / 1000000))
ok "guest 2 using 40 made-up addresses holds 32 (the cap; the rest pass unheld); guest 1 keeps $A1; status answered in ${ms} ms"
