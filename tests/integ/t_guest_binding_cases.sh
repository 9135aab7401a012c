#!/bin/bash
# Guest binding, the hard cases (found by the red team):
#  - a guest's duplicate address probes for a neighbour's address do not
#    make the neighbour give it up (its address stays, not "dadfailed");
#  - a VM's SLAAC address is predictable from its MAC: a guest that takes
#    it before the VM shows up loses it once the VM has a lease;
#  - a static host whose guest sets its address by hand (no DHCP) is bound
#    as soon as the bridge sees its MAC, with no other event;
#  - guest-bindings written before a reboot (other ports had the numbers)
#    is not used: both guests keep working.
#
#   [g1] ── vg1 ─┐
#   [g2] ── vg2 ─┼─ gw0 [host: gatewayd] ── up0 ── [inet]
#   [g3] ── vg3 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

ND="$TOP/tests/integ/nd_send.pl"
GW6=fd42:213::1
guest_pair 'host srv {' ' mac = "02:00:00:00:0a:01"' ' ipv4 = "10.213.0.10"' '}'
slaac_done() { ip -n "$1" -6 addr show dev eth0 scope global | grep -q fd42:213 && ! ip -n "$1" -6 addr show dev eth0 | grep -q tentative; }
slaac() { in_ns "$1" ip -6 addr show dev eth0 scope global | sed -n 's/.*inet6 \(fd42:213:[0-9a-f:]*\)\/64.*/\1/p' | head -n 1; }
bound6() { in_host nft list set bridge gatewayd bind6 | grep -q "$1"; }

# --- duplicate address probes for guest 1's address
wait_until 15 slaac_done "$G1" || fail "guest 1: no SLAAC address"
A1=$(slaac "$G1")
in_ns "$G1" busybox ping -6 -c 1 -W 2 "$GW6" >/dev/null || fail "guest 1 cannot ping the gateway"
wait_until 3 bound6 "$A1" || fail "guest 1's $A1 not bound"
in_ns "$G1" ip -6 addr del "$A1/64" dev eth0 # a reboot, a link down/up: DAD again
in_ns "$G2" perl "$ND" "$IDX2" "$MAC2" :: "$A1" 30 &
probes=$!
sleep 0.3
in_ns "$G1" ip -6 addr add "$A1/64" dev eth0
wait_until 5 sh -c "! ip -n $G1 -6 addr show dev eth0 | grep -q tentative" || true
wait "$probes"
in_ns "$G1" ip -6 addr show dev eth0 | grep "$A1" | grep -q dadfailed &&
	fail "guest 2's probes made guest 1 give up $A1: $(in_ns "$G1" ip -6 addr show dev eth0 | grep "$A1")"
in_ns "$G1" busybox ping -6 -c 1 -W 2 -I "$A1" "$GW6" >/dev/null || fail "guest 1 cannot use $A1 again"
ok "guest 2's duplicate address probes for guest 1's $A1: guest 1 keeps it"

# --- guest 2 takes web1's SLAAC address before web1 is there
WEBMAC=52:54:00:12:0b:01 # its EUI-64 interface id has no zero group: the printf is canonical
IFS=: read -r m0 m1 m2 m3 m4 m5 <<<"$WEBMAC"
AW=$(printf 'fd42:213::%x:%x:%x:%x' $(((0x$m0 ^ 2) * 256 + 0x$m1)) $((0x$m2 * 256 + 0xff)) $((0xfe * 256 + 0x$m3)) $((0x$m4 * 256 + 0x$m5)))
in_ns "$G2" perl "$ND" "$IDX2" "$MAC2" "$AW" "$GW6" 3
wait_until 3 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind6 | grep -q '$MAC2 . $AW'" ||
	fail "guest 2 did not come to hold $AW (the test's premise): $(in_host nft list set bridge gatewayd bind6)"
guest_add 3
G3=$(guest_ns 3)
in_ns "$G3" ip link set eth0 down
in_ns "$G3" ip link set eth0 address "$WEBMAC"
in_ns "$G3" ip link set eth0 up
udhcpc_lease 3 || fail "web1: no lease"
wait_until 15 slaac_done "$G3" || fail "web1: no SLAAC address"
[ "$(slaac "$G3")" = "$AW" ] || fail "web1's SLAAC address is $(slaac "$G3"), not $AW"
wait_until 5 in_ns "$G3" busybox ping -6 -c 1 -W 1 -I "$AW" "$GW6" ||
	fail "web1 cannot use its own SLAAC address $AW: $(in_host nft list set bridge gatewayd bind6)"
bound6 "$WEBMAC . $AW" || fail "$AW is not web1's: $(in_host nft list set bridge gatewayd bind6)"
ok "guest 2 took web1's SLAAC address $AW first; web1, once leased, holds it and uses it"

# --- a static host set up by hand: no DHCP, nothing else happening
in_ns "$G2" ip link set eth0 down
in_ns "$G2" ip link set eth0 address 02:00:00:00:0a:01
in_ns "$G2" ip addr flush dev eth0
in_ns "$G2" ip addr add 10.213.0.10/24 dev eth0
in_ns "$G2" ip link set eth0 up # its IPv6 link-local traffic teaches the bridge its MAC
wait_until 3 in_ns "$G2" busybox ping -c 1 -W 1 10.213.0.1 ||
	fail "static host srv (10.213.0.10, set by hand) never got through: $(in_host nft list set bridge gatewayd bind4)"
ok "static host srv, configured by hand, bound as soon as the bridge saw its MAC"

# --- guest-bindings from another boot: not used
udhcpc_lease 1 || fail "guest 1: no lease"
I1=$(in_host cat /sys/class/net/vg1/ifindex) I3=$(in_host cat /sys/class/net/vg3/ifindex)
wait_until 3 grep -q "^$I1 " "$T/state/guest-bindings" || fail "guest-bindings lacks vg1: $(cat "$T/state/guest-bindings")"
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
# as a previous boot left it: another boot id, vg1's and vg3's numbers swapped
sed -i "1s/^boot .*/boot 00000000-0000-4000-8000-000000000000/; s/^$I1 /X /; s/^$I3 /$I1 /; s/^X /$I3 /" "$T/state/guest-bindings"
in_host bridge fdb del "$(in_ns "$G1" cat /sys/class/net/eth0/address)" dev vg1 master 2>/dev/null
gw_start
grep -q "is from another boot; not used" "$T/gw.log" || fail "the old boot's guest-bindings was not noticed"
udhcpc_lease 1 || fail "guest 1 cannot renew after a restart with another boot's bindings"
wait_until 5 in_ns "$G1" busybox ping -c 1 -W 1 10.213.0.1 || fail "guest 1 cut off by another boot's bindings"
wait_until 5 in_ns "$G3" busybox ping -c 1 -W 1 10.213.0.1 || fail "web1 cut off by another boot's bindings"
ok "guest-bindings from another boot (numbers swapped) not used: guests 1 and 3 still work"
