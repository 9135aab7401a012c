#!/bin/bash
# The host's own packets from a gateway address (a service on the host
# bound to 10.213.0.1 talking out of the uplink) are NATed like the
# guests': the inet namespace has no route back to the guest subnets, so a
# ping from a gateway address is answered only if it left as the uplink's
# address. They reach their network's NAT chain through the maps
# local4_nets / local6_nets (one lookup by source address), not a chain of
# every network's rules.
#
#   [host: gatewayd] gw0 10.213.0.1, fd42:213::1   gw1 10.214.0.1 ── up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
printf 'network b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n}\n' >>"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "b not served"
wait_until 5 sh -c "ip netns exec $NS_HOST ip -6 addr show dev gw0 | grep -q 'fd42:213::1.*scope global' && ! ip netns exec $NS_HOST ip -6 addr show dev gw0 | grep -q tentative" || fail "gw0's IPv6 address not ready"
in_host busybox ping -c 1 -W 3 -I 10.213.0.1 198.51.100.1 >/dev/null || fail "ping from 10.213.0.1 not NATed"
in_host busybox ping -c 1 -W 3 -I 10.214.0.1 198.51.100.1 >/dev/null || fail "ping from 10.214.0.1 not NATed"
in_host busybox ping -6 -c 1 -W 3 -I fd42:213::1 2001:db8:51::1 >/dev/null || fail "ping from fd42:213::1 not NATed"
in_host nft list chain inet gatewayd postrouting | grep -q "ip saddr vmap @local4_nets" || fail "no local4_nets dispatch"
in_host nft list chain inet gatewayd nat_local >/dev/null 2>&1 && fail "a nat_local chain of every network's rules is back"
ok "the host's own packets from 10.213.0.1, 10.214.0.1 and fd42:213::1 leave NATed (map local4_nets/local6_nets)"
