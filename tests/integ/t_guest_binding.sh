#!/bin/bash
# Guest binding: a guest sends IPv4 and ARP only from its own MAC and the
# address its lease gives it, on its own port.
#  - guest 2 announcing the gateway's address (gratuitous ARP) does not
#    change guest 1's neighbour entry for the gateway;
#  - guest 2 announcing guest 1's address does not change the host's
#    neighbour entry for guest 1;
#  - guest 2 taking guest 1's address gets nothing to the host (an
#    observer counts what arrives from that address with guest 2's MAC);
#    guest 2 forging guest 1's MAC as well gets nothing through either;
#  - a new lease is bound within a second (guest 3 pings at once);
#  - with guest_binding = false (reload) the same takeover gets through;
#  - a guest that stays silent keeps its binding across a crash and
#    restart of gatewayd, when the bridge has forgotten where its MAC is.
#
#   [g1] ── vg1 ─┐
#   [g2] ── vg2 ─┼─ gw0 [host: gatewayd, observer table ip obs] ── up0 ── [inet]
#   [g3] ── vg3 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

guest_pair
udhcpc_lease 1 || fail "guest 1: no lease"
udhcpc_lease 2 || fail "guest 2: no lease"
IP1=$(lease_var 1 ip) IP2=$(lease_var 2 ip)
GWMAC=$(in_host cat /sys/class/net/gw0/address)
wait_until 3 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind4 | grep -q '$IP2'" \
	|| fail "guest 2's lease $IP2 never bound: $(in_host nft list set bridge gatewayd bind4)"
in_ns "$G1" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 1 cannot ping the gateway"
in_ns "$G2" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 2 cannot ping the gateway"
in_host busybox ping -c 1 -W 2 "$IP1" >/dev/null || fail "host cannot ping guest 1"
ok "leases bound: guests $IP1 and $IP2 reach the gateway"

neigh_mac() { in_ns "$1" ip neigh show "$2" dev "$3" | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'; }
sleep 1.2 # past the neighbour entries' locktime: an unchecked announcement would win

# --- ARP: guest 2 claims the gateway's address, then guest 1's
in_ns "$G2" ip addr add 10.213.0.1/32 dev eth0
in_ns "$G2" busybox arping -q -U -c 3 -I eth0 -s 10.213.0.1 10.213.0.1 >/dev/null 2>&1
in_ns "$G2" busybox arping -q -A -c 3 -I eth0 -s 10.213.0.1 10.213.0.1 >/dev/null 2>&1
in_ns "$G2" ip addr del 10.213.0.1/32 dev eth0
got=$(neigh_mac "$G1" 10.213.0.1 eth0)
[ "$got" = "$GWMAC" ] || fail "guest 1's ARP entry for the gateway is $got, not $GWMAC (guest 2 is $MAC2)"
ok "guest 2's ARP for the gateway: guest 1 still has the gateway's MAC"
in_ns "$G2" ip addr add "$IP1/32" dev eth0
in_ns "$G2" busybox arping -q -U -c 3 -I eth0 -s "$IP1" "$IP1" >/dev/null 2>&1
in_ns "$G2" busybox arping -q -A -c 3 -I eth0 -s "$IP1" "$IP1" >/dev/null 2>&1
got=$(neigh_mac "$NS_HOST" "$IP1" gw0)
[ "$got" = "$MAC1" ] || fail "the host's ARP entry for guest 1 ($IP1) is $got, not $MAC1"
ok "guest 2's ARP for guest 1's address: the host still has guest 1's MAC"

# --- guest 2 sends from guest 1's address
in_host nft add table ip obs
in_host nft add chain ip obs pre '{ type filter hook prerouting priority -300; }'
in_host nft add rule ip obs pre ip saddr "$IP1" ether saddr "$MAC2" counter
in_host nft add rule ip obs pre ip saddr "$IP2" ether saddr "$MAC2" icmp type echo-request counter
takeover() { # guest 2 pings the gateway from guest 1's address
	in_ns "$G2" busybox ping -c 3 -W 1 -I "$IP1" 10.213.0.1 >/dev/null 2>&1
	in_host nft list chain ip obs pre | grep "saddr $IP1 " | grep -q 'packets [1-9]'
}
takeover && fail "guest 2's packets from guest 1's address $IP1 reached the host: $(in_host nft list chain ip obs pre)"
in_ns "$G2" busybox ping -c 1 -W 2 -I "$IP2" 10.213.0.1 >/dev/null || fail "guest 2 cannot ping from its own address"
in_host nft list chain ip obs pre | grep "saddr $IP2 " | grep -q 'packets [1-9]' || fail "observer saw no legitimate ping"
in_host nft list counter bridge gatewayd bind_default | grep -q 'packets [1-9]' || fail "bind_default did not count"
ok "guest 2 from guest 1's address $IP1: nothing reaches the host (its own address works; counted)"

# --- ... and with guest 1's MAC too
in_ns "$G2" ip link set eth0 address "$MAC1"
in_host nft add rule ip obs pre ip saddr "$IP1" ether saddr "$MAC1" icmp type echo-request counter
in_ns "$G2" busybox ping -c 3 -W 1 -I "$IP1" 10.213.0.1 >/dev/null 2>&1
in_host nft list chain ip obs pre | grep "saddr $IP1 ether saddr $MAC1" | grep -q 'packets 0 ' \
	|| fail "guest 2 with guest 1's MAC and address reached the host: $(in_host nft list chain ip obs pre)"
in_ns "$G1" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 1 lost its network to guest 2's forgery"
# a DHCP request (allowed before a lease) with guest 1's MAC would teach
# the bridge that guest 1 is behind vg2: the host's ping would go there
in_ns "$G2" timeout 3 busybox udhcpc -i eth0 -n -q -t 2 -T 1 -s /bin/true >/dev/null 2>&1
in_host busybox ping -c 1 -W 1 "$IP1" >/dev/null || fail "guest 2's DHCP request with guest 1's MAC moved guest 1's MAC to vg2"
ok "guest 2 with guest 1's MAC and address: nothing through; guest 1 still works"
in_ns "$G2" ip link set eth0 address "$MAC2"
in_ns "$G2" ip addr del "$IP1/32" dev eth0

# --- a new lease is bound at once
guest_add 3
G3=$(guest_ns 3)
udhcpc_lease 3 || fail "guest 3: no lease"
start=$(date +%s%N)
wait_until 1 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd bind4 | grep -q '$(lease_var 3 ip)'" \
	|| fail "guest 3's lease not bound within 1 s: $(in_host nft list set bridge gatewayd bind4)"
ms=$((($(date +%s%N) - start) / 1000000))
in_ns "$G3" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest 3 cannot ping the gateway"
ok "guest 3's new lease $(lease_var 3 ip) bound ${ms} ms after udhcpc returned"

# --- opt-out: guest_binding = false lets the takeover through
write_conf 'guest_binding = false'
kill -HUP "$GW_PID"
wait_until 10 grep -q "reload: new configuration applied" "$T/gw.log" || fail "reload failed"
in_ns "$G2" ip addr add "$IP1/32" dev eth0
takeover || fail "guest_binding = false: guest 2's packets from $IP1 still dropped"
ok "guest_binding = false: guest 2 may send from another address"

# --- crash and restart: guest 3 (IPv4 only, silent) keeps its binding
write_conf
kill -HUP "$GW_PID"
wait_until 10 sh -c "grep -c 'reload: new configuration applied' $T/gw.log | grep -q 2" || fail "reload failed"
in_ns "$G3" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
MAC3=$(in_ns "$G3" cat /sys/class/net/eth0/address)
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
in_host bridge fdb del "$MAC3" dev vg3 master 2>/dev/null
in_host bridge fdb show br gw0 | grep -q "$MAC3" && fail "could not make the bridge forget $MAC3"
gw_start
wait_until 5 in_ns "$G3" busybox ping -c 1 -W 1 10.213.0.1 || fail "guest 3 lost its binding across a restart: $(in_host nft list set bridge gatewayd bind4)"
ok "after kill -9 and a restart, with its MAC forgotten by the bridge, guest 3 still reaches the gateway"
