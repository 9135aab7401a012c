#!/bin/bash
# OPEN FINDING (red team r2), not fixed: rename to t_rt_dhcp6_duid.sh when
# it passes. No fix in the kernel rules is possible as they stand (a
# DHCPv6 client's DUID is an option anywhere in the message, and a DUID
# need not hold the sender's MAC: DUID-EN, DUID-UUID, a DUID-LLT of
# another NIC); it would take dnsmasq or gatewayd capping leases per
# client port. It fails today.
#
# The DHCP meter counts (port . MAC); the claim checks cover DHCPv4's
# chaddr. A DHCPv6 client's identity is its DUID, which the guest writes:
# one guest, one MAC, perfdhcp with 200 made-up DUIDs takes every address
# of a stateful range (ipv6_dhcp_range, 32 addresses: 32 leases), and the
# meter drops nothing (the MAC is a known client after its first
# message). The next guest asking stateful DHCPv6 gets no address.
#
#   [g1: perfdhcp -6 -R 200, one MAC] ── vg1 ─┐
#                                              gw0 [host: gatewayd, fd42:213::100-11f]
. "$(dirname "$0")/lib.sh"
require dnsmasq nft perfdhcp

topo_init
cat >"$T/gw.conf" <<CONF
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network default {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    ipv6   = "fd42:213::1/64"
    ipv6_dhcp_range = "fd42:213::100-fd42:213::11f"
    dhcp { range = "10.213.0.100-10.213.0.115" }
    ra { enabled = true }
}
CONF
gw_start
guest_add 1
G1=$(guest_ns 1)
# perfdhcp binds to the global address: wait for SLAAC and DAD
wait_until 15 sh -c "ip -n $G1 -6 addr show dev eth0 scope global | grep inet6 | grep -qv tentative" ||
	fail "guest 1 got no global IPv6 address"
in_ns "$G1" timeout 30 perfdhcp -6 -l eth0 -R 200 -r 20 -n 200 -p 15 >"$T/pd.out" 2>&1
n=$(sed -n '/^duid/,$p' "$T/state/default.leases" | grep -c 'fd42:213::')
rate=$(in_host nft list counter bridge gatewayd dhcp_rate_default | sed -n 's/.*packets \([0-9]*\).*/\1/p')
say "one guest, one MAC, 200 made-up DUIDs: $n DHCPv6 leases of 32; the meter dropped $rate"
[ "$n" -le 4 ] || fail "one guest with one MAC took $n of the range's 32 DHCPv6 addresses"
ok "one guest took $n DHCPv6 leases"
