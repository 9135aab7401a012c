#!/bin/bash
# OPEN (not fixed; not named t_*.sh, so `make check` does not run it): a port
# gatewayd has not listed yet -- the 42-97 ms after it is plugged in, or for
# as long as gatewayd is frozen (SIGSTOP here) -- sends DHCP client messages
# that the claim checks and the meter would refuse, and dnsmasq acts on
# them: the untrusted backstop lets DHCP client messages through (a
# newcomer needs its lease), but the claim checks (chaddr = frame source)
# and the DHCP meter live in bind_NET, which an unlisted port never
# reaches. Here (port-set form) guest 2, plugged in while gatewayd is
# frozen, releases guest 1's lease (a DHCPRELEASE with guest 1's chaddr
# and address, from 192.0.2.9 to the gateway) and takes 60 leases with
# made-up chaddrs (rapid commit). Exits 1 while the hole is open.
#
#   [g1: udhcpc, victim] ── vg1 ─┐
#                                gw0 10.213.0.1 [host: gatewayd, frozen]
#   [g2: dhcp_send.pl]   ── vg2 ─┘ (plugged in while gatewayd is frozen)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

topo_init
write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
MAC1=$(in_ns "$G1" cat /sys/class/net/eth0/address)
udhcpc_lease 1 || fail "guest 1 got no lease"
IP1=$(lease_var 1 ip)
wait_until 5 in_ns "$G1" busybox ping -c 1 -W 1 10.213.0.1 >/dev/null || fail "guest 1 never bound"
kill -STOP "$GW_PID"
trap 'kill -CONT $GW_PID 2>/dev/null; cleanup' EXIT
guest_add 2
G2=$(guest_ns 2)
MAC2=$(in_ns "$G2" cat /sys/class/net/eth0/address)
IDX2=$(in_ns "$G2" cat /sys/class/net/eth0/ifindex)
GWMAC=$(in_host cat /sys/class/net/gw0/address)
n0=$(grep -c . "$T/state/default.leases")
in_ns "$G2" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX2" "$MAC2" "$GWMAC" 192.0.2.9 10.213.0.1 release 3 \
	chaddr="$MAC1" ciaddr="$IP1" server=10.213.0.1 || fail "dhcp_send.pl"
in_ns "$G2" perl "$TOP/tests/integ/dhcp_send.pl" "$IDX2" "$MAC2" ff:ff:ff:ff:ff:ff 0.0.0.0 255.255.255.255 \
	discover 60 chaddr=random rapid=1 || fail "dhcp_send.pl"
wait_until 2 sh -c "! grep -q ' $MAC1 $IP1 ' $T/state/default.leases" &&
	fail "an unlisted port released guest 1's lease (chaddr $MAC1, from 192.0.2.9)"
n=$(grep -c . "$T/state/default.leases")
[ "$n" -le $((n0 + 6)) ] || fail "an unlisted port took $((n - n0)) leases with made-up chaddrs"
ok "an unlisted port neither releases a neighbour's lease nor takes leases for made-up chaddrs"
