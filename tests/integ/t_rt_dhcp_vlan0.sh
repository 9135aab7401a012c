#!/bin/bash
# Red team r2's finding, fixed by r3 in nft/binding_claim.c (the rule
# suggested below, in bind_NET of every network).
#
# The claim checks (chaddr = frame source) and the DHCP meter, promised on
# every network also with guest_binding = false, are skipped by a DHCP
# message behind two VLAN tags whose outer one is a priority tag (VID 0):
# the port's receive path moves the outer tag out of the frame, the
# bridge family's pktinfo then sees ether type 8021q inside, so
# "udp dport 67" does not match and claim_NET is never entered; when the
# frame reaches the bridge device itself, the kernel strips every VID-0
# tag (__netif_receive_skb_core's check_vlan_id loop) and dnsmasq reads a
# plain IPv4 DISCOVER. guest_binding = true drops it ("ether type 8021q
# drop" in bind_NET); guest_binding = false does not. A single priority
# tag is checked (its tag leaves the frame: pktinfo sees IPv4).
# Suggested fix (bind_NET, every network, before the claim jumps):
#   meta protocol { 8021q, 8021ad } vlan id 0 counter name "claim_NET" drop
# (meta protocol is the type under the outer tag: a VLAN type there means
# at least two tags; VID 0 outside means the host would take the frame).
#
#   [g1: dhcp_send.pl tags=8100:0,8100:0, made-up chaddrs] ── vg1 ── gw0
#   [host: gatewayd, guest_binding = false, pool .100-.115]
. "$(dirname "$0")/lib.sh"
require dnsmasq nft perl

topo_init
gw_start_pool16 "guest_binding = false"
LEASES=$T/state/default.leases
send1() { in_ns "$G1" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX1" "$MAC1" ff:ff:ff:ff:ff:ff 0.0.0.0 255.255.255.255 "$@"; }
acks() { grep -ci "DHCPACK(gw0) [0-9.]* $MAC1" "$T/gw.log"; }

for tags in 8100:0 8100:0,8100:0 88a8:0,8100:0; do
	send1 discover 5 chaddr=random rapid=1 "tags=$tags" || fail "dhcp_send.pl failed"
done
# control: guest 1's own DISCOVER, untagged; once answered, dnsmasq has
# read everything before it
n0=$(acks)
send1 discover 1 rapid=1
wait_until 10 sh -c "[ \$(grep -ci 'DHCPACK(gw0) [0-9.]* $MAC1' '$T/gw.log') -gt $n0 ]" ||
	fail "control: guest 1's own DISCOVER was not answered"
ok "control: guest 1's own DISCOVER is answered"
others=$(grep -vic " $MAC1 " "$LEASES")
[ "$others" = 0 ] ||
	fail "15 priority-tagged DISCOVERs with made-up chaddrs (one tag, two tags, 802.1ad outside) made $others leases"
ok "priority-tagged DISCOVERs with made-up chaddrs made no lease"
