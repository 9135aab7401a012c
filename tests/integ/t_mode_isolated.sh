#!/bin/bash
# mode = isolated (host-only): the guest gets a lease without a router and
# no default route (IPv4: no router option; IPv6: RAs with router lifetime
# 0, so SLAAC but no default route), cannot reach the internet namespace
# even with a route of its own through the gateway, cannot be reached from
# it, and still gets DNS from its gateway. A reload to mode = nat gives the
# next lease a router and the guest the internet.
#
#   [inet] 198.51.100.1, route 10.213.0.0/24 via .2
#      |
#   [host: gatewayd] up0 ── gw0 10.213.0.1, fd42:213::1 (isolated) ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft rdisc6

topo_init
conf() { write_conf; sed -i "s/^    mode   = nat$/    mode   = $1/" "$T/gw.conf"; }
conf isolated
gw_start
guest_add 1
G=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
ip=$(lease_var 1 ip)
case "$ip" in 10.213.0.*) ;; *) fail "lease '$ip'" ;; esac
[ -z "$(lease_var 1 router)" ] || fail "the lease names a router: $(lease_var 1 router)"
[ "$(lease_var 1 dns)" = 10.213.0.1 ] || fail "DNS server '$(lease_var 1 dns)'"
[ -z "$(ip -n "$G" route show default)" ] || fail "guest has a default route: $(ip -n "$G" route show default)"
ok "lease $ip without a router (DNS 10.213.0.1), no IPv4 default route"

ll_ready "$G" eth0 || fail "guest link-local not ready"
ra=$(in_ns "$G" rdisc6 -1 -w 3000 eth0 2>&1) || fail "no RA: $ra"
echo "$ra" | grep -q "Prefix *: fd42:213::/64" || fail "RA without the prefix: $ra"
echo "$ra" | grep -Eq "Router lifetime *: *0 " || fail "RA router lifetime not 0: $ra"
wait_until 20 sh -c "ip -n $G -6 -o addr show dev eth0 scope global | grep -q 'fd42:213::'" ||
	fail "no SLAAC address in fd42:213::/64"
sleep 1 # a default route would have come with the same RA as the address
[ -z "$(ip -n "$G" -6 route show default)" ] || fail "IPv6 default route: $(ip -n "$G" -6 route show default)"
ok "RA: prefix fd42:213::/64, router lifetime 0; SLAAC address, no IPv6 default route"

internet_httpd
in_inet ip route add 10.213.0.0/24 via 198.51.100.2
in_inet ip -6 route add fd42:213::/64 via 2001:db8:51::2
# even a guest that routes through the gateway by itself gets nowhere
ip -n "$G" route add default via 10.213.0.1
ll=$(in_host ip -6 -o addr show dev gw0 scope link | awk '{print $4}' | cut -d/ -f1)
ip -n "$G" -6 route add default via "$ll" dev eth0
# what arrives on either side from the other, replies or not
obs() { # NS SADDR4 SADDR6
	in_ns "$1" nft add table inet obs
	in_ns "$1" nft add chain inet obs in '{ type filter hook input priority -10; }'
	in_ns "$1" nft add rule inet obs in ip saddr "$2" counter
	in_ns "$1" nft add rule inet obs in ip6 saddr "$3" counter
}
seen_pkts() { in_ns "$1" nft list chain inet obs in | sed -n 's/.*packets \([0-9]*\).*/\1/p' | awk '{ s += $1 } END { print s + 0 }'; }
obs "$NS_INET" 10.213.0.0/24 fd42:213::/64
obs "$G" 198.51.100.0/24 2001:db8:51::/64
http_get "$G" http://198.51.100.1/cgi-bin/ip >/dev/null && fail "isolated guest reached the internet"
in_ns "$G" busybox ping -c 1 -W 2 198.51.100.1 >/dev/null && fail "isolated guest pings the internet"
in_ns "$G" busybox ping -c 1 -W 2 2001:db8:51::1 >/dev/null && fail "isolated guest pings the internet over IPv6"
in_inet busybox ping -c 1 -W 2 "$ip" >/dev/null && fail "the internet pings the isolated guest"
[ "$(seen_pkts "$NS_INET")" = 0 ] || fail "packets from the isolated guest reached the internet namespace"
[ "$(seen_pkts "$G")" = 0 ] || fail "packets from the internet namespace reached the isolated guest"
in_ns "$G" busybox ping -c 1 -W 2 10.213.0.1 >/dev/null || fail "guest cannot ping its gateway"
in_ns "$G" timeout 5 busybox nslookup nosuchname 10.213.0.1 2>&1 | grep -q "NXDOMAIN\|can't find" ||
	fail "no DNS from the gateway"
ok "no way out (IPv4 and IPv6, even with its own routes) and none in; gateway ping and DNS work"

# mode change by reload: isolated -> nat
conf nat
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
ip -n "$G" route del default
wait_until 10 sh -c "grep -q 'dnsmasq\[default\]: started' $T/gw.log && [ \$(grep -c 'dnsmasq\[default\]: started' $T/gw.log) -ge 2 ]" ||
	fail "dnsmasq not restarted with the new config"
wait_until 20 udhcpc_lease 1 || fail "no lease after reload"
[ "$(lease_var 1 router)" = 10.213.0.1 ] || fail "after isolated -> nat: router '$(lease_var 1 router)'"
[ "$(http_get "$G" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "after isolated -> nat: no NAT out"
ok "mode isolated -> nat by reload: lease with router 10.213.0.1, internet through NAT"
