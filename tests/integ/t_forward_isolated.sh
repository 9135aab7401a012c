#!/bin/bash
# A port forward obeys the mode of the network the connection comes FROM:
# an isolated network's guest reaches nothing beyond its bridge, also not
# through a forward's listen address (its own gateway's, the uplink's).
# The internet reaches the forward, and so does a guest of another NAT
# network (like the internet does: README "Port forwards"). Control: a
# reload that makes the isolated network nat lets the same guest through.
#
#   [inet] 198.51.100.1 ── up0 198.51.100.2 [host: gatewayd]
#                                  ├── gw0 10.213.0.1 (nat, forward tcp/8080 -> 10.213.0.10:80) ── [g1 httpd]
#                                  ├── gw1 10.215.0.1 (isolated) ── [g2]
#                                  └── gw2 10.216.0.1 (nat) ── [g3]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf 'host web { mac = "52:54:00:00:02:10"  ipv4 = "10.213.0.10" }' \
	'forward web { proto = tcp  port = 8080  to = "10.213.0.10:80" }'
printf 'network lab {\n bridge = "gw1"\n mode = isolated\n ipv4 = "10.215.0.1/24"\n}\n' >>"$T/gw.conf"
printf 'network other {\n bridge = "gw2"\n ipv4 = "10.216.0.1/24"\n}\n' >>"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[lab\]: started" "$T/gw.log" || fail "isolated network not served"
wait_until 10 grep -q "dnsmasq\[other\]: started" "$T/gw.log" || fail "second nat network not served"
guest_add 1
ip -n "$(guest_ns 1)" link set eth0 address 52:54:00:00:02:10
guest_add_at "$NS_HOST" 2 gw1
guest_add_at "$NS_HOST" 3 gw2
G1=$(guest_ns 1) G2=$(guest_ns 2) G3=$(guest_ns 3)
udhcpc_lease 1 || fail "guest 1: no lease"
[ "$(lease_var 1 ip)" = 10.213.0.10 ] || fail "guest 1: lease $(lease_var 1 ip), not its host entry's"
udhcpc_lease 2 || fail "isolated guest 2: no lease"
ip2=$(lease_var 2 ip)
udhcpc_lease 3 || fail "guest 3: no lease"
ip3=$(lease_var 3 ip)

internet_httpd
in_ns "$G1" busybox httpd -p 10.213.0.10:80 -h "$T/www"
wait_until 5 in_ns "$G1" sh -c "ss -ltn | grep -q '10.213.0.10:80 '" || fail "guest 1's httpd did not start"
# what reaches guest 1 from the isolated subnet, answered or not
in_ns "$G1" nft add table inet obs
in_ns "$G1" nft add chain inet obs in '{ type filter hook input priority -10; }'
in_ns "$G1" nft add rule inet obs in ip saddr 10.215.0.0/24 counter
seen_pkts() { in_ns "$G1" nft list chain inet obs in | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

# controls: the forward works from the internet and from another NAT network
seen=$(in_inet timeout 5 busybox wget -q -O - http://198.51.100.2:8080/cgi-bin/ip) ||
	fail "the forward does not answer from the internet"
[ "$seen" = 198.51.100.1 ] || fail "forward from the internet: guest saw $seen"
seen=$(http_get "$G3" http://198.51.100.2:8080/cgi-bin/ip) ||
	fail "guest 3 of another NAT network does not reach the forward"
ok "forward tcp/8080 -> 10.213.0.10:80 answers the internet and guest $ip3 of another NAT network (guest saw $seen)"

# the isolated guest, even with a route of its own through its gateway
ip -n "$G2" route add default via 10.215.0.1
for a in 198.51.100.2 10.215.0.1 10.213.0.1 10.216.0.1; do
	http_get "$G2" "http://$a:8080/cgi-bin/ip" >/dev/null &&
		fail "isolated guest $ip2 reached the forward through $a:8080"
done
[ "$(seen_pkts)" = 0 ] || fail "$(seen_pkts) packets from the isolated network reached guest 1"
in_ns "$G2" busybox ping -c 1 -W 2 10.215.0.1 >/dev/null || fail "isolated guest cannot ping its gateway"
in_ns "$G2" timeout 5 busybox nslookup nosuchname 10.215.0.1 2>&1 | grep -q "NXDOMAIN\|can't find" ||
	fail "isolated guest: no DNS from its gateway"
ok "isolated guest $ip2: no forward through the uplink's, its gateway's or other gateways' address (0 packets at the target); gateway ping and DNS work"

# control: the same guest once its network is nat (reload) reaches the
# forward, so what stopped it above was the isolated mode
sed -i 's/^ mode = isolated$/ mode = nat/' "$T/gw.conf"
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
seen=$(http_get "$G2" http://198.51.100.2:8080/cgi-bin/ip) ||
	fail "after lab -> nat, guest $ip2 does not reach the forward"
[ "$seen" = "$ip2" ] || fail "after lab -> nat: guest 1 saw $seen, not $ip2"
ok "control: reload lab -> nat, the same guest $ip2 reaches the forward (guest 1 saw $seen)"
