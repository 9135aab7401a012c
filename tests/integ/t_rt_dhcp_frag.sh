#!/bin/bash
# Red team of the DHCP claim check (issue 16 item 5): a DHCP client message
# sent as two IPv4 fragments. The bridge chain sees the fragments, the
# host reassembles them before dnsmasq reads the message. The first
# fragment carries the UDP header and 24 bytes of BOOTP (op, htype, hlen:
# "udp dport 67" matches, the chain enters claim_NET) but not the chaddr
# at byte 36: the chaddr's load fails, and a rule whose load fails does
# not match -- a "!= @mac_self ... drop" rule let it through. Guest 1,
# bound to its own address and MAC, sends 20 fragmented DISCOVERs with
# rapid commit and made-up chaddrs: no lease may be made. Control: the
# same DISCOVERs unfragmented are dropped today too (t_dhcp_chaddr); and
# guest 1's own chaddr, unfragmented, still gets its lease.
#
#   [g1: udhcpc, then dhcp_send.pl frag=32] ── vg1 ─┐
#                                                   gw0 [host: gatewayd, pool .100-.115]
#   [g2: udhcpc] ────────────────────────────── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

topo_init
gw_start_pool16
guest_add 2
LEASES=$T/state/default.leases
udhcpc_lease 1 || fail "guest 1: no lease"
IP1=$(lease_var 1 ip)
# bound: its frames from its own address pass the binding
wait_until 10 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind4 | grep -q '$IP1'" ||
	fail "guest 1 was not bound"
ok "guest 1 bound at $IP1"
send1() { in_ns "$G1" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX1" "$MAC1" ff:ff:ff:ff:ff:ff "$IP1" 255.255.255.255 "$@"; }

before=$(bridge_counter claim_default)
send1 discover 20 chaddr=random rapid=1 frag=32 || fail "dhcp_send.pl failed"
# then the same guest's own chaddr, whole: when dnsmasq has answered it,
# it has read everything before it
acks() { grep -ci "DHCPACK(gw0) [0-9.]* $MAC1" "$T/gw.log"; }
n0=$(acks)
send1 discover 1 rapid=1
wait_until 10 sh -c "[ \$(grep -ci 'DHCPACK(gw0) [0-9.]* $MAC1' '$T/gw.log') -gt $n0 ]" ||
	fail "guest 1's own DISCOVER, whole, was not answered"
others=$(grep -vic " $MAC1 " "$LEASES")
[ "$others" = 0 ] || fail "20 fragmented DISCOVERs with made-up chaddrs from $MAC1 made $others leases: $(cat "$LEASES")"
ok "20 fragmented DISCOVERs with made-up chaddrs: no lease made"
after=$(bridge_counter claim_default)
[ "$after" -ge $((before + 20)) ] || fail "claim_default counted $before -> $after, not 20 more"
ok "claim_default counted them: $before -> $after"
grep -qi " $MAC1 " "$LEASES" || fail "guest 1's own lease is gone"
udhcpc_lease 2 || fail "guest 2 got no lease"
ok "guest 2 still gets a lease: $(lease_var 2 ip)"
