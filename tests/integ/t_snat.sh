#!/bin/bash
# snat_address, snat6_address and ipv6_nat, as the far host sees them.
#  1. snat_address = a second address of the uplink: the far host sees it,
#     not the uplink's first address; a reload to a third address (the
#     same rule but for it): the far host sees that one; with a port range,
#     a port in it.
#  2. an address that is not the uplink's: the reload is refused with
#     FILE:LINE, the running setup stays.
#  3. NAT66 (ULA prefix, ipv6_nat = true): the far host sees the uplink's
#     IPv6 address; with snat6_address the second one; ipv6_nat = false
#     routes the prefix: the far host sees the guest's own ULA address.
#
#   [inet] 198.51.100.1, 2001:db8:51::1   httpd (prints REMOTE_ADDR REMOTE_PORT)
#      |
#   [host: gatewayd] up0 198.51.100.2 + .5 + .6, 2001:db8:51::2 (+ ::5 later)
#      |
#   gw0 10.213.0.1, fd42:213::1 (nat) ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
in_host ip addr add 198.51.100.5/24 dev up0
in_host ip addr add 198.51.100.6/24 dev up0
reload() {
	$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
}
write_conf 'snat_address = "198.51.100.5"' 'ipv6_nat = true'
gw_start
guest_add 1
G=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
internet_httpd
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR $REMOTE_PORT"\n' >"$T/www/cgi-bin/ipport"
chmod +x "$T/www/cgi-bin/ipport"
in_inet busybox httpd -p "[2001:db8:51::1]:80" -h "$T/www"

seen=$(http_get "$G" http://198.51.100.1/cgi-bin/ip) || fail "guest cannot reach the internet"
[ "$seen" = 198.51.100.5 ] || fail "far side saw $seen, not the snat_address 198.51.100.5"
in_host nft list chain inet gatewayd nat_default | grep -q "snat ip to 198.51.100.5" ||
	fail "no snat rule: $(in_host nft list chain inet gatewayd nat_default)"
ok "snat_address: the far host sees 198.51.100.5"

# only the address in the rule changes: the NAT chain is still refilled
write_conf 'snat_address = "198.51.100.6"' 'ipv6_nat = true'
reload
seen=$(http_get "$G" http://198.51.100.1/cgi-bin/ip) || fail "no internet after snat_address .6"
[ "$seen" = 198.51.100.6 ] || fail "far side saw $seen after the reload to snat_address 198.51.100.6"
ok "reload to snat_address 198.51.100.6: the far host sees it"

write_conf 'snat_address = "198.51.100.5:40000-40009"' 'ipv6_nat = true'
reload
for i in 1 2 3; do
	set -- $(http_get "$G" http://198.51.100.1/cgi-bin/ipport) || fail "no internet after the port range"
	[ "$1" = 198.51.100.5 ] && [ "$2" -ge 40000 ] && [ "$2" -le 40009 ] ||
		fail "far side saw $1 port $2, not 198.51.100.5:40000-40009"
done
ok "snat_address with ports: the far host sees 198.51.100.5, port $2 (in 40000-40009)"

# 2. not an address of the uplink: refused, FILE:LINE, nothing changed
write_conf 'snat_address = "203.0.113.5"' 'ipv6_nat = true'
line=$(grep -n snat_address "$T/gw.conf" | cut -d: -f1)
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 && fail "reload with a foreign snat_address accepted"
grep -qF "$T/gw.conf:$line: network \"default\": snat_address 203.0.113.5 is not an address of uplink up0" "$T/out" ||
	fail "refusal says: $(cat "$T/out")"
set -- $(http_get "$G" http://198.51.100.1/cgi-bin/ipport)
[ "$1" = 198.51.100.5 ] && [ "$2" -ge 40000 ] && [ "$2" -le 40009 ] || fail "after the refused reload: $*"
ok "foreign snat_address refused: $(cat "$T/out")"

# 3. NAT66
ll=$(in_host ip -6 -o addr show dev gw0 scope link | awk '{print $4}' | cut -d/ -f1)
wait_until 20 sh -c "ip -n $G -6 route show default | grep -q 'via $ll'" || fail "guest has no IPv6 default route"
wait_until 20 sh -c "ip -n $G -6 -o addr show dev eth0 scope global | grep -q 'fd42:213::'" || fail "no SLAAC address"
wait_until 10 sh -c "! ip -n $G -6 addr show dev eth0 | grep -q tentative" || fail "SLAAC address still tentative"
g6=$(ip -n "$G" -6 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
seen=$(http_get "$G" "http://[2001:db8:51::1]/cgi-bin/ip") || fail "guest cannot reach the internet over IPv6"
[ "$seen" = "[2001:db8:51::2]" ] || fail "NAT66: far side saw $seen, not the uplink's 2001:db8:51::2"
ok "ipv6_nat = true: the far host sees $seen (guest $g6)"

# (the second address only now: masquerade would pick it, the newest)
in_host ip -6 addr add 2001:db8:51::5/64 dev up0 nodad
write_conf 'snat_address = "198.51.100.5"' 'ipv6_nat = true' 'snat6_address = "2001:db8:51::5"'
reload
seen=$(http_get "$G" "http://[2001:db8:51::1]/cgi-bin/ip") || fail "no IPv6 after snat6_address"
[ "$seen" = "[2001:db8:51::5]" ] || fail "snat6_address: far side saw $seen"
ok "snat6_address: the far host sees $seen"

# without NAT66 the prefix is routed: the far host needs a route back
in_inet ip -6 route add fd42:213::/64 via 2001:db8:51::2
write_conf 'snat_address = "198.51.100.5"' 'ipv6_nat = false'
reload
seen=$(http_get "$G" "http://[2001:db8:51::1]/cgi-bin/ip") || fail "no IPv6 with ipv6_nat = false"
[ "$seen" = "[$g6]" ] || fail "ipv6_nat = false: far side saw $seen, not the guest's $g6"
[ "$(http_get "$G" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.5 ] || fail "IPv4 SNAT lost"
ok "ipv6_nat = false: routed, the far host sees the guest's $seen; IPv4 still SNATed"
