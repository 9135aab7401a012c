#!/bin/bash
# A neighbour's lease released by a fragmented DHCPRELEASE. The claim
# checks read the BOOTP chaddr at the transport header + 36: in a first
# fragment that ends before it, the load fails, the rule does not match
# and the message passes unchecked; the second fragment has no UDP header
# at all; the host reassembles both for dnsmasq. Guest 2 (bound) sends a
# DHCPRELEASE with guest 1's chaddr and address from its own MAC and
# address, in two fragments. Asserted: guest 1's lease stays in the lease
# file and guest 1 still pings the gateway; the fragment is counted in
# claim_default; control: the same release in one piece is dropped too
# (t_dhcp_release.sh), and guest 2's own traffic still passes.
#
#   [g1: udhcpc, victim] ───────────────────── vg1 ─┐
#                                                   gw0 10.213.0.1 [host: gatewayd]
#   [g2: udhcpc, then dhcp_frag.py] ────────── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3

guest_pair
GWMAC=$(in_host cat /sys/class/net/gw0/address)
udhcpc_lease 1 || fail "guest 1 got no lease"
udhcpc_lease 2 || fail "guest 2 got no lease"
IP1=$(lease_var 1 ip) IP2=$(lease_var 2 ip)
wait_until 5 in_ns "$G1" busybox ping -c 1 -W 1 10.213.0.1 >/dev/null || fail "guest 1 never bound"
wait_until 5 in_ns "$G2" busybox ping -c 1 -W 1 10.213.0.1 >/dev/null || fail "guest 2 never bound"
grep -q " $MAC1 $IP1 " "$T/state/default.leases" || fail "guest 1's lease not in the file"
claims() { in_host nft list counter bridge gatewayd claim_default | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

c0=$(claims)
for _ in 1 2 3; do
	in_ns "$G2" python3 "$TOP/tests/integ/dhcp_frag.py" eth0 "$MAC2" "$GWMAC" "$IP2" 10.213.0.1 \
		"$MAC1" "$IP1" 10.213.0.1 >/dev/null || fail "dhcp_frag.py failed"
done
# dnsmasq logs a release it acts on; give it the time to
wait_until 2 sh -c "grep -q 'DHCPRELEASE(gw0) $IP1' $T/gw.log" &&
	fail "dnsmasq released guest 1's lease on guest 2's fragmented DHCPRELEASE: $(grep DHCPRELEASE "$T/gw.log")"
grep -q " $MAC1 $IP1 " "$T/state/default.leases" || fail "guest 1's lease is gone from the lease file"
[ "$(claims)" -gt "$c0" ] || fail "the fragments were not counted in claim_default ($c0 -> $(claims))"
in_ns "$G1" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 1 lost the gateway"
in_ns "$G2" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 2 lost the gateway"
ok "guest 2's fragmented DHCPRELEASE of guest 1's lease dropped ($c0 -> $(claims) in claim_default); guest 1 keeps its lease"
