#!/bin/bash
# Guest binding's fast paths (bind_NET's first rules, issue 18): a bound
# guest's own IPv4 and IPv6 is accepted at once, and what the fast path
# must leave to the rules after it still meets them:
#  - a frame from guest 2's bound MAC and address reaches guest 1 untagged,
#    IPv4 and IPv6 (the fast path's control);
#  - the same frame in an 802.1Q tag (VLAN 5, or a priority tag, VID 0)
#    or an 802.1ad tag reaches no one and is counted in bind_default: the
#    port's receive path takes the tag out of the frame, so meta protocol
#    reads IPv4 (IPv6) under it, and only the ether type (nft puts the
#    tag back for link-layer loads) tells;
#  - a DHCP DISCOVER from guest 2's bound address whose chaddr is not its
#    MAC still meets the claim check (no lease, counted in claim_default);
#  - a neighbour advertisement from guest 2's bound IPv6 address for guest
#    1's address still meets the held-target check (ICMPv6 is not on the
#    fast path): the host keeps guest 1's MAC for it; counted.
#
#   [g1] ── vg1 ─┐
#                ├─ gw0 [host: gatewayd] ── up0 ── [inet]
#   [g2] ── vg2 ─┘   (g2 writes its own frames: udp_frame.py, dhcp_send.pl, nd_send.pl)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl python3 tcpdump

GW6=fd42:213::1
guest_pair
udhcpc_lease 1 || fail "guest 1: no lease"
udhcpc_lease 2 || fail "guest 2: no lease"
IP1=$(lease_var 1 ip) IP2=$(lease_var 2 ip)
slaac() { in_ns "$1" ip -6 addr show dev eth0 scope global | sed -n 's/.*inet6 \(fd42:213:[0-9a-f:]*\)\/64.*/\1/p' | head -n 1; }
for g in "$G1" "$G2"; do
	wait_until 15 sh -c "ip -n $g -6 addr show dev eth0 scope global | grep -q fd42:213 && ! ip -n $g -6 addr show dev eth0 | grep -q tentative" || fail "$g: no SLAAC address"
done
A1=$(slaac "$G1") A2=$(slaac "$G2")
for g in "$G1" "$G2"; do
	in_ns "$g" busybox ping -6 -c 1 -W 2 "$GW6" >/dev/null || fail "$g cannot ping the gateway"
done
wait_until 3 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind6 | grep -q '$A2'" ||
	fail "guest 2's $A2 not bound: $(in_host nft list set bridge gatewayd bind6)"
in_host nft list set bridge gatewayd bind4 | grep -q "$IP2" || fail "guest 2's $IP2 not bound"

# What guest 1 receives from guest 2's MAC, tagged or not.
in_ns "$G1" tcpdump -i eth0 -nn -e -l --immediate-mode "ether src $MAC2" >"$T/dump" 2>"$T/dump.err" &
DUMP=$!
wait_until 5 grep -q "listening on" "$T/dump.err" || fail "tcpdump in guest 1 did not start"
seen() { grep -c "\.$1: " "$T/dump"; }
# send SRC DST PORT TAGS COUNT: guest 2's frames to guest 1
send() { in_ns "$G2" python3 "$TOP/tests/integ/udp_frame.py" eth0 "$MAC1" "$1" "$2" "$3" "$4" "$5" || fail "udp_frame.py failed"; }
# control SRC DST PORT: an untagged frame after the tagged ones; once it
# is seen, whatever was sent before it has been bridged or dropped
control() {
	send "$1" "$2" "$3" - 1
	wait_until 5 sh -c "grep -q '\\.$3: ' '$T/dump'" || fail "guest 1 did not receive guest 2's untagged $1 -> $2 (port $3): $(cat "$T/dump")"
}

port=7000
for fam in 4 6; do
	if [ $fam = 4 ]; then src=$IP2 dst=$IP1; else src=$A2 dst=$A1; fi
	control "$src" "$dst" $((port++))
	ok "IPv$fam: guest 2's own untagged UDP from $src reaches guest 1"
	for tags in 8100:5 8100:0 88a8:5,8100:7; do
		before=$(bridge_counter bind_default)
		send "$src" "$dst" $port "$tags" 3
		control "$src" "$dst" $((port + 1))
		[ "$(seen $port)" = 0 ] || fail "IPv$fam: guest 1 received guest 2's tagged ($tags) frames from its bound $src: $(grep "\.$port: " "$T/dump")"
		after=$(bridge_counter bind_default)
		[ "$after" -ge $((before + 3)) ] || fail "IPv$fam, tags $tags: bind_default counted $before -> $after, not 3 more"
		ok "IPv$fam: tagged ($tags) frames from guest 2's bound MAC and $src reach no one; counted"
		port=$((port + 2))
	done
done
kill "$DUMP" 2>/dev/null
wait "$DUMP" 2>/dev/null

# DHCP from a bound address still goes through the claims: made-up chaddrs
LEASES=$T/state/default.leases
before=$(bridge_counter claim_default)
in_ns "$G2" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX2" "$MAC2" ff:ff:ff:ff:ff:ff "$IP2" 255.255.255.255 discover 3 chaddr=random rapid=1 ||
	fail "dhcp_send.pl failed"
n0=$(grep -ci "DHCPACK(gw0) [0-9.]* $MAC2" "$T/gw.log")
in_ns "$G2" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX2" "$MAC2" ff:ff:ff:ff:ff:ff "$IP2" 255.255.255.255 discover 1 rapid=1 ||
	fail "dhcp_send.pl failed"
wait_until 10 sh -c "[ \$(grep -ci 'DHCPACK(gw0) [0-9.]* $MAC2' '$T/gw.log') -gt $n0 ]" ||
	fail "control: guest 2's own DISCOVER from $IP2 was not answered"
others=$(grep -vic -e " $MAC1 " -e " $MAC2 " "$LEASES")
[ "$others" = 0 ] || fail "DISCOVERs from guest 2's bound $IP2 with made-up chaddrs made $others leases: $(cat "$LEASES")"
after=$(bridge_counter claim_default)
[ "$after" -ge $((before + 3)) ] || fail "claim_default counted $before -> $after, not 3 more"
ok "DHCP from guest 2's bound $IP2 with made-up chaddrs: no lease, counted in claim_default"

# ND from a bound source still goes through the IPv6 checks: guest 2, from
# its own A2, advertises guest 1's A1 as at its MAC (override)
in_host busybox ping -6 -c 1 -W 2 "$A1" >/dev/null || fail "host cannot ping guest 1"
neigh_a1() { in_host ip -6 neigh show "$A1" dev gw0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'; }
[ "$(neigh_a1)" = "$MAC1" ] || fail "host's neighbour entry for $A1 is not guest 1's $MAC1: $(neigh_a1)"
sleep 1.2 # past the entry's locktime: an unchecked advertisement would win
before=$(bridge_counter bind_default)
in_ns "$G2" perl "$TOP/tests/integ/nd_send.pl" "$IDX2" "$MAC2" "$A2" "$A1" 3 "$MAC2" na || fail "nd_send.pl failed"
wait_until 5 sh -c "[ \$(ip netns exec $NS_HOST nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p') -ge $((before + 3)) ]" ||
	fail "guest 2's advertisements for $A1 from its bound $A2 were not counted in bind_default ($before -> $(bridge_counter bind_default)); host has $A1 at $(neigh_a1)"
[ "$(neigh_a1)" = "$MAC1" ] || fail "guest 2's advertisement from its bound $A2 moved $A1 to $(neigh_a1)"
ok "an advertisement for guest 1's $A1 from guest 2's bound $A2: dropped, counted; the host keeps $MAC1"
