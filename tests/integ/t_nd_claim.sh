#!/bin/bash
# Made-up neighbour solicitations naming a neighbour's MAC (issue 16 item
# 7): guest 2 sends 40 NS from made-up addresses whose source link-layer
# option is guest 1's MAC (its frames carry its own), and 5 more with a
# nonce option before that link-layer option. The kernel drops them all
# (the option is not the frame's source; the first option is not the
# link-layer one) and counts them in claim_default: the host's neighbour
# table learns none of those addresses as guest 1's, none is held for
# guest 1's port, and guest 1's next address is held for guest 1 (its
# quota of 32 is not used up). The same for an advertisement naming guest
# 1's MAC for an address the host is resolving. Control: guest 2's
# solicitation naming its own MAC still teaches the host where it is.
#
#   [g1: SLAAC, victim] ──────────────────── vg1 ─┐
#                                                 gw0 [host: gatewayd, fd42:213::1/64]
#   [g2: nd_send.pl raw frames, attacker] ── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

GW6=fd42:213::1
guest_pair
ND="$TOP/tests/integ/nd_send.pl"
wait_until 15 sh -c "ip -n $G1 -6 addr show dev eth0 scope global | grep -q fd42:213 && ! ip -n $G1 -6 addr show dev eth0 | grep -q tentative" || fail "guest 1: no SLAAC address"
A1=$(in_ns "$G1" ip -6 addr show dev eth0 scope global | sed -n 's/.*inet6 \(fd42:213:[0-9a-f:]*\)\/64.*/\1/p' | head -n 1)
in_ns "$G1" busybox ping -6 -c 1 -W 2 "$GW6" >/dev/null || fail "guest 1 cannot ping the gateway from $A1"
held1() { in_host nft list set bridge gatewayd bind6 | grep -o "$MAC1 . $1[0-9a-f:]*"; }
wait_until 3 held1 "$A1" || fail "guest 1's $A1 not held"
ok "guest 1 ($MAC1) holds $A1"

for i in $(seq 1 40); do
	in_ns "$G2" perl "$ND" "$IDX2" "$MAC1" "fd42:213::9:$i" "$GW6" 1 "$MAC2" || fail "nd_send.pl failed"
done
for i in $(seq 101 105); do
	in_ns "$G2" perl "$ND" "$IDX2" "$MAC1" "fd42:213::9:$i" "$GW6" 1 "$MAC2" nonce
done
# the host's neighbour table is written as the frames arrive; gatewayd's
# bindings follow it: wait for something guest 1 does after the attack
in_ns "$G1" ip -6 addr add fd42:213::a:1/64 dev eth0 nodad
in_ns "$G1" busybox ping -6 -c 1 -W 2 -I fd42:213::a:1 "$GW6" >/dev/null || fail "guest 1 cannot ping from its next address"
wait_until 3 held1 fd42:213::a:1 ||
	fail "guest 1's next address fd42:213::a:1 is not held for it; held for guest 1: $(held1 fd42:213:: | wc -l): $(held1 fd42:213::9: | wc -l) made up by guest 2"
ok "guest 1's next address fd42:213::a:1 is held for guest 1"
n=$(held1 fd42:213::9: | wc -l)
[ "$n" = 0 ] || fail "$n of guest 2's made-up addresses are held for guest 1's port"
learnt=$(in_host ip -6 neigh show dev gw0 | grep "fd42:213::9:" | grep -ci "lladdr $MAC1")
[ "$learnt" = 0 ] || fail "the host's neighbour table has $learnt of guest 2's made-up addresses at guest 1's MAC"
ok "45 NS from guest 2 naming guest 1's MAC: none held for guest 1, none in the host's neighbour table"
c=$(in_host nft list counter bridge gatewayd claim_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')
[ "${c:-0}" -ge 45 ] || fail "claim_default counted ${c:-nothing}, not the 45"
ok "claim_default counted $c"

# a neighbour advertisement naming guest 1's MAC, for an address the host
# is resolving (its entry is incomplete: an unsolicited, overriding
# advertisement fills it)
in_host busybox ping -6 -c 1 -W 3 fd42:213::9:99 >/dev/null 2>&1 &
PING=$!
wait_until 3 sh -c "ip -n $NS_HOST -6 neigh show fd42:213::9:99 dev gw0 | grep -q ." || fail "the host is not resolving fd42:213::9:99"
in_ns "$G2" perl "$ND" "$IDX2" "$MAC1" fd42:213::9:99 fd42:213::9:99 3 "$MAC2" na
wait "$PING" # busybox ping in the host namespace, not gatewayd
in_host ip -6 neigh show fd42:213::9:99 dev gw0 | grep -qi "lladdr $MAC1" &&
	fail "guest 2's advertisement naming guest 1's MAC filled the host's entry: $(in_host ip -6 neigh show fd42:213::9:99 dev gw0)"
held1 fd42:213::9:99 && fail "fd42:213::9:99 is held for guest 1's port"
ok "guest 2's advertisement for fd42:213::9:99 naming guest 1's MAC: the host's entry stays unfilled"

# control: guest 2 naming itself
in_ns "$G2" perl "$ND" "$IDX2" "$MAC2" fd42:213::8:1 "$GW6" 1
wait_until 3 sh -c "ip -n $NS_HOST -6 neigh show fd42:213::8:1 dev gw0 | grep -qi 'lladdr $MAC2'" ||
	fail "control: guest 2's NS naming its own MAC did not reach the host: $(in_host ip -6 neigh show fd42:213::8:1 dev gw0)"
ok "control: guest 2's NS with its own MAC teaches the host fd42:213::8:1 is at $MAC2"
