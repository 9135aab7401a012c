#!/bin/bash
# One guest, one MAC, made-up chaddrs (issue 16 item 5): dnsmasq keys a
# lease by the DHCP message's chaddr (and client identifier), the meter
# counts Ethernet sources. Guest 1 sends 200 DISCOVERs with rapid commit
# (dnsmasq answers each with an ACK and a lease) from its own MAC, each
# with a new random chaddr: the kernel drops them all (chaddr is not the
# frame's source) and counts them in claim_default; no lease is made.
# Control (issue 19 item 6): 100 DISCOVERs whose chaddr is guest 1's MAC, each with a new
# client identifier, make exactly one lease (dhcp-ignore-clid); guest 2
# (busybox udhcpc) then gets its lease from the 16-address pool.
#
#   [g1: dhcp_send.pl, raw frames from eth0's MAC] ── vg1 ─┐
#                                                          gw0 [host: gatewayd, pool .100-.115]
#   [g2: udhcpc] ───────────────────────────────────── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

topo_init
gw_start_pool16
guest_add 2
LEASES=$T/state/default.leases
send1() { in_ns "$G1" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX1" "$MAC1" ff:ff:ff:ff:ff:ff 0.0.0.0 255.255.255.255 "$@"; }

send1 discover 200 chaddr=random rapid=1 || fail "dhcp_send.pl failed"
# the control: after the flood, so that when its lease is there dnsmasq has
# seen everything before it
send1 discover 100 clid=random rapid=1
wait_until 10 grep -qi " $MAC1 " "$LEASES" ||
	fail "guest 1's own MAC got no lease after the flood: $(grep -c . "$LEASES" 2>/dev/null) leases taken by made-up chaddrs"
others=$(grep -vic " $MAC1 " "$LEASES")
own=$(grep -ic " $MAC1 " "$LEASES")
[ "$others" = 0 ] || fail "200 made-up chaddrs from one MAC made $others leases of 16"
ok "200 DISCOVERs from $MAC1 with made-up chaddrs: no lease made"
[ "$own" = 1 ] || fail "100 client identifiers from one MAC made $own leases"
ok "control: 100 DISCOVERs from $MAC1 for itself, 100 client ids: one lease, $(grep -i " $MAC1 " "$LEASES" | cut -d' ' -f3)"
n=$(bridge_counter claim_default)
[ "${n:-0}" -ge 200 ] || fail "claim_default counted ${n:-nothing}, not the 200 dropped"
rate=$(bridge_counter dhcp_rate_default)
ok "claim_default counted $n (the meter, which counts Ethernet sources: $rate)"
udhcpc_lease 2 || fail "guest 2 got no lease"
ok "guest 2 still gets a lease: $(lease_var 2 ip)"
"$GATEWAYCTL" -s "$T/run/gatewayd.sock" status >"$T/status" 2>&1
grep -q "claim_dropped" "$T/status" || fail "gatewayctl status does not show claim_dropped: $(cat "$T/status")"
ok "gatewayctl status shows it: $(grep claim_dropped "$T/status" | head -1 | sed 's/^ *//')"
