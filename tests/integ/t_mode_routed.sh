#!/bin/bash
# mode = routed: no NAT. The internet namespace routes the guest subnet to
# the host (the static route an upstream router would get), sees the
# guest's own address, and reaches the guest's server (inbound = accept,
# the default). A reload to inbound = drop keeps the guest's own
# connections and blocks new ones from outside; a reload to mode = nat
# (a mode change) brings masquerade back.
#
#   [inet] 198.51.100.1, routes 10.213.0.0/24 via .2, fd42:213::/64 via ::2
#      |
#   [host: gatewayd] up0 198.51.100.2 ── gw0 10.213.0.1, fd42:213::1 (routed) ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
conf() { # MODE [EXTRA LINE]
	write_conf ${2:+"$2"}
	sed -i "s/^    mode   = nat$/    mode   = $1/" "$T/gw.conf"
}
reload() {
	$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
}
conf routed
gw_start
guest_add 1
G=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
ip=$(lease_var 1 ip)
[ "$(lease_var 1 router)" = 10.213.0.1 ] || fail "router: '$(lease_var 1 router)'"
in_inet ip route add 10.213.0.0/24 via 198.51.100.2
internet_httpd
seen=$(http_get "$G" http://198.51.100.1/cgi-bin/ip) || fail "guest cannot reach the internet"
[ "$seen" = "$ip" ] || fail "the far side saw $seen, not the guest's $ip (NATed?)"
in_host nft list chain inet gatewayd nat_default | grep -q "masquerade\|snat" && fail "routed network has NAT rules"
ok "guest $ip reaches the internet un-NATed (far side sees $seen)"

# IPv6 is routed too (no NAT66 outside mode = nat)
in_inet ip -6 route add fd42:213::/64 via 2001:db8:51::2
in_inet busybox httpd -p "[2001:db8:51::1]:80" -h "$T/www"
wait_until 20 sh -c "ip -n $G -6 route show default | grep -q via" || fail "guest has no IPv6 default route"
wait_until 20 sh -c "ip -n $G -6 -o addr show dev eth0 scope global | grep -q 'fd42:213::'" || fail "no SLAAC address"
wait_until 10 sh -c "! ip -n $G -6 addr show dev eth0 | grep -q tentative" || fail "SLAAC address still tentative"
g6=$(ip -n "$G" -6 -o addr show dev eth0 scope global | awk '{print $4}' | cut -d/ -f1 | head -1)
seen=$(http_get "$G" "http://[2001:db8:51::1]/cgi-bin/ip") || fail "guest cannot reach the internet over IPv6"
[ "$seen" = "[$g6]" ] || fail "IPv6: the far side saw $seen, not the guest's $g6"
in_inet busybox ping -c 1 -W 2 "$g6" >/dev/null || fail "inbound = accept: internet cannot ping the guest over IPv6"
ok "IPv6 routed as well: far side sees $seen, and pings it"

in_ns "$G" busybox httpd -p "$ip:8080" -h "$T/www"
wait_until 5 in_ns "$G" sh -c "ss -ltn | grep -q ':8080 '" || fail "guest httpd did not start"
seen=$(http_get "$NS_INET" "http://$ip:8080/cgi-bin/ip") || fail "inbound = accept: internet cannot reach the guest"
[ "$seen" = 198.51.100.1 ] || fail "guest saw $seen"
ok "inbound = accept: the internet reaches the guest's server (guest sees $seen)"

# inbound = drop by reload: new connections in blocked, the guest's own work
conf routed "inbound = drop"
reload
http_get "$NS_INET" "http://$ip:8080/cgi-bin/ip" >/dev/null && fail "inbound = drop: internet still reaches the guest"
in_inet busybox ping -c 1 -W 2 "$ip" >/dev/null && fail "inbound = drop: internet pings the guest"
seen=$(http_get "$G" http://198.51.100.1/cgi-bin/ip) || fail "inbound = drop: guest lost the internet"
[ "$seen" = "$ip" ] || fail "inbound = drop: far side saw $seen"
ok "inbound = drop (by reload): internet -> guest blocked, guest -> internet works un-NATed"

# mode change by reload: routed -> nat
conf nat
reload
seen=$(http_get "$G" http://198.51.100.1/cgi-bin/ip) || fail "after routed -> nat: no internet"
[ "$seen" = 198.51.100.2 ] || fail "after routed -> nat: far side saw $seen, not the uplink's address"
http_get "$NS_INET" "http://$ip:8080/cgi-bin/ip" >/dev/null && fail "nat: internet reaches the guest"
ok "mode routed -> nat by reload: masqueraded again (far side sees $seen), nothing inbound"
