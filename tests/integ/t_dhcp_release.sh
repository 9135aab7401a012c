#!/bin/bash
# A neighbour's lease released or declined by someone else (issue 16 item
# 2): guest 2 sends a DHCPRELEASE and a DHCPDECLINE carrying guest 1's
# chaddr and address, from its own bound address and MAC (and once with
# guest 1's MAC as the frame's source). The kernel drops them: the chaddr
# is not the frame's source (claim_default), and guest 1's MAC is bound to
# guest 1's port (bind_default). Guest 1's lease stays, it still reaches
# the gateway and the internet namespace, and guest 2 asking under a fresh
# MAC for guest 1's address gets another one.
#
#   [g1: udhcpc, victim] ─────────────────────── vg1 ─┐
#                                                     gw0 [host: gatewayd] ── up0 ── [inet]
#   [g2: udhcpc, then dhcp_send.pl raw frames] ── vg2 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

guest_pair
GWMAC=$(in_host cat /sys/class/net/gw0/address)
GW=10.213.0.1
udhcpc_lease 1 || fail "guest 1 got no lease"
udhcpc_lease 2 || fail "guest 2 got no lease"
IP1=$(lease_var 1 ip) IP2=$(lease_var 2 ip)
bound() { in_host nft list set bridge gatewayd bind4 | grep -q "$1 . $2"; }
wait_until 5 bound "$MAC1" "$IP1" || fail "guest 1 ($MAC1, $IP1) not bound"
wait_until 5 bound "$MAC2" "$IP2" || fail "guest 2 ($MAC2, $IP2) not bound"
ok "guest 1 $MAC1 $IP1, guest 2 $MAC2 $IP2: leases and bindings"

leases() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" leases; }
# send2 SRCMAC DSTMAC SRCIP DSTIP TYPE [KEY=VALUE...]: from guest 2's port
send2() { in_ns "$G2" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX2" "$1" "$2" "$3" "$4" "$5" 1 "${@:6}"; }
# fresh MAC: guest 2 asks for guest 1's address under a MAC nobody has;
# once its lease is written dnsmasq has seen what was sent before
fresh() {
	send2 "$1" ff:ff:ff:ff:ff:ff 0.0.0.0 255.255.255.255 discover rapid=1 "req=$IP1"
	wait_until 10 sh -c "'$GATEWAYCTL' -s '$T/run/gatewayd.sock' leases | grep -qi '$1'" ||
		fail "the fresh MAC $1 got no lease"
	leases | grep -i "$1" | grep -qw "$IP1" && fail "guest 2 under the fresh MAC $1 got guest 1's $IP1: $(leases)"
	return 0
}
victim_ok() {
	leases | grep -i "$MAC1" | grep -qw "$IP1" || fail "$1: guest 1's lease is gone: $(leases)"
	bound "$MAC1" "$IP1" || fail "$1: guest 1's binding is gone"
	in_ns "$G1" busybox ping -c 1 -W 2 "$GW" >/dev/null || fail "$1: guest 1 cannot ping the gateway"
	in_ns "$G1" busybox ping -c 1 -W 2 198.51.100.1 >/dev/null || fail "$1: guest 1 cannot ping the internet namespace"
}

claims() { in_host nft list counter bridge gatewayd claim_default 2>/dev/null | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
claim0=$(claims)
send2 "$MAC2" "$GWMAC" "$IP2" "$GW" release "chaddr=$MAC1" "ciaddr=$IP1" "server=$GW"
fresh 02:00:00:b1:00:01
victim_ok "after guest 2's DHCPRELEASE for it"
ok "DHCPRELEASE for guest 1 from guest 2's $IP2: guest 1 keeps its lease and network; a fresh MAC asking for $IP1 got another address"

send2 "$MAC2" "$GWMAC" "$IP2" "$GW" decline "chaddr=$MAC1" "req=$IP1" "server=$GW"
# and with guest 1's MAC as the frame's source
send2 "$MAC1" "$GWMAC" "$IP2" "$GW" release "chaddr=$MAC1" "ciaddr=$IP1" "server=$GW"
fresh 02:00:00:b1:00:02
victim_ok "after guest 2's DHCPDECLINE for it"
ok "DHCPDECLINE for guest 1 from guest 2, and a DHCPRELEASE with guest 1's MAC as source: guest 1 keeps its lease and network"
claim=$(claims)
[ $((${claim:-0} - ${claim0:-0})) -ge 2 ] || fail "claim_default counted $((claim - claim0)), not the release and the decline"
in_host nft list counter bridge gatewayd bind_default | grep -q 'packets [1-9]' || fail "bind_default counted nothing"
ok "counted: claim_default $((claim - claim0)), bind_default $(in_host nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')"
