#!/bin/bash
# Red team of the claim checks (issue 16 items 5 and 7): the claim checks
# compare through one dynamic set, mac_self (65,535 pairs, 2 s timeout),
# that every DHCP message and every ND message of types 133-136 adds its
# source to. DHCP from new sources is metered per port; ND was not: one
# guest sending router solicitations from made-up MACs as fast as it can
# (~100,000 a second here) keeps the set full, and a full set fails the
# checks closed for everyone -- every other guest's DHCP (and ND with a
# link-layer option) is dropped for as long as the flood lasts, on every
# network. Now ND from a new source (port . MAC) goes through the same
# per-port meter as DHCP (dhcp_rate_NET). Guest 2 sends a DISCOVER from
# its own MAC every 0.25 s during an 8 s flood: each must be answered.
# (Control: nothing is lost without the flood -- the first one.)
#
#   [g1: nd_flood.pl, RS from made-up MACs] ── vg1 ─┐
#                                                   gw0 [host: gatewayd]
#   [g2: dhcp_send.pl, its own MAC]  ───────── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require dnsmasq nft perl

guest_pair
send2() { in_ns "$G2" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX2" "$MAC2" ff:ff:ff:ff:ff:ff 0.0.0.0 255.255.255.255 discover 1 rapid=1; }
acks() { grep -ci "DHCPACK(gw0) [0-9.]* $MAC2" "$T/gw.log"; }
set_size() { in_host nft list set bridge gatewayd mac_self | grep -o "02:42:" | wc -l; }

send2 || fail "dhcp_send.pl failed"
wait_until 5 sh -c "[ \$(grep -ci 'DHCPACK(gw0) [0-9.]* $MAC2' '$T/gw.log') -ge 1 ]" ||
	fail "control: guest 2's DISCOVER was not answered without a flood"
ok "control: guest 2's DISCOVER is answered"

in_ns "$G1" perl "$TOP/tests/integ/nd_flood.pl" "$IDX1" 8 >"$T/sent" &
flood=$!
# under way: the set fills, or the meter drops (the DHCP meter, or with
# guest binding the source MACs' meter first, counted in bind_default)
started() {
	[ "$(in_host nft list set bridge gatewayd mac_self | grep -c .)" -gt 20 ] ||
		[ "$(in_host nft list counter bridge gatewayd dhcp_rate_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')" -gt 0 ] ||
		[ "$(in_host nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')" -gt 1000 ]
}
wait_until 5 started || fail "the flood did not start"
before=$(acks)
sent=0
for _ in $(seq 16); do
	kill -0 "$flood" 2>/dev/null || break
	send2 || fail "dhcp_send.pl failed"
	sent=$((sent + 1))
	sleep 0.25 # pacing the DISCOVERs over the flood, not waiting for it
done
pairs=$(($(set_size) / 2))
wait "$flood"
say "guest 1 sent $(cat "$T/sent") solicitations from made-up MACs; mac_self held $pairs of them"
[ "$sent" -ge 8 ] || fail "the flood ended before guest 2 sent 8 DISCOVERs ($sent)"
wait_until 5 sh -c "[ \$(grep -ci 'DHCPACK(gw0) [0-9.]* $MAC2' '$T/gw.log') -ge $((before + sent)) ]"
got=$(($(acks) - before))
[ "$got" = "$sent" ] ||
	fail "during the flood dnsmasq answered $got of guest 2's $sent DISCOVERs (mac_self held $pairs made-up pairs)"
ok "during the flood all $sent of guest 2's DISCOVERs were answered"
[ "$pairs" -lt 100 ] || fail "mac_self held $pairs made-up pairs"
n=$(in_host nft list counter bridge gatewayd dhcp_rate_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')
ok "mac_self held $pairs made-up pairs; the meter dropped $n solicitations (dhcp_rate_default)"
