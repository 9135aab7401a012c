#!/bin/bash
# One isolated network per customer: two networks on one host, each guest
# gets its own network's lease and reaches the internet, and neither can
# reach the other network's guests (nor its gateway address).
#
#   [ga] ── vg1 ── gw0 (10.213.0.1, cust-a) ┐
#                                          [host: gatewayd] ── up0 ── [inet]
#   [gb] ── vg2 ── gw1 (10.214.0.1, cust-b) ┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
printf 'network cust-b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n}\n' >>"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[cust-b\]: started" "$T/gw.log" || fail "second network not served"
guest_add 1
ip netns add "gwt$ID-gb"; GUESTS+=("gwt$ID-gb")
ip -n "gwt$ID-gb" link set lo up
ip -n "$NS_HOST" link add vg2 type veth peer name eth0 netns "gwt$ID-gb"
ip -n "$NS_HOST" link set vg2 master gw1 up
ip -n "gwt$ID-gb" link set eth0 up
GA=$(guest_ns 1) GB=gwt$ID-gb

udhcpc_lease 1 || fail "guest A got no lease"
ipa=$(lease_var 1 ip)
ENVOUT="$T/udhcpc-b.env" in_ns "$GB" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -s "$T/udhcpc.sh" >/dev/null 2>&1 \
	|| fail "guest B got no lease"
ipb=$(sed -n 's/^ip=//p' "$T/udhcpc-b.env")
case "$ipa" in 10.213.0.*) ;; *) fail "guest A lease $ipa" ;; esac
case "$ipb" in 10.214.0.*) ;; *) fail "guest B lease $ipb" ;; esac
[ "$(sed -n 's/^router=//p' "$T/udhcpc-b.env")" = 10.214.0.1 ] || fail "guest B router"
ok "leases: A $ipa (router 10.213.0.1), B $ipb (router 10.214.0.1)"

internet_httpd
[ "$(http_get "$GA" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "A has no NAT"
[ "$(http_get "$GB" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "B has no NAT"
ok "both reach the internet through SNAT"

in_ns "$GB" busybox httpd -p "$ipb:8080" -h "$T/www"
in_ns "$GA" busybox httpd -p "$ipa:8080" -h "$T/www"
http_get "$GA" "http://$ipb:8080/cgi-bin/ip" && fail "A reached B's server"
http_get "$GB" "http://$ipa:8080/cgi-bin/ip" && fail "B reached A's server"
in_ns "$GA" busybox ping -c 1 -W 2 "$ipb" >/dev/null && fail "A pings B"
in_ns "$GA" busybox ping -c 1 -W 2 10.214.0.1 >/dev/null && fail "A pings B's gateway"
in_ns "$GB" busybox ping -c 1 -W 2 10.214.0.1 >/dev/null || fail "B cannot ping its own gateway (control)"
in_ns "$GA" timeout 5 busybox nslookup nosuchname 10.214.0.1 2>&1 | grep -q "NXDOMAIN\|can't find" \
	&& fail "A got DNS answers from B's dnsmasq"
in_ns "$GB" timeout 5 busybox nslookup nosuchname 10.214.0.1 2>&1 | grep -q "NXDOMAIN\|can't find" \
	|| fail "B gets no DNS from its own gateway (control)"
ok "A and B cannot reach each other's guests, gateway or DNS (each reaches its own)"
