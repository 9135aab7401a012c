#!/bin/bash
# allow_from opens one direction between two customer networks: A lists B,
# so B's guest reaches A's guest's server (and gets its answers), while A's
# guest still cannot open anything to B's. A reload without allow_from
# closes B -> A again (isolation is the default).
#
#   [ga] ── vg1 ── gw0 (10.213.0.1, default, allow_from = {"cust-b"}) ┐
#                                                [host: gatewayd] ── up0 ── [inet]
#   [gb] ── vg2 ── gw1 (10.214.0.1, cust-b)                           ┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
conf() {
	write_conf "$@"
	printf 'network cust-b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n}\n' >>"$T/gw.conf"
}
conf 'allow_from = {"cust-b"}'
gw_start
wait_until 10 grep -q "dnsmasq\[cust-b\]: started" "$T/gw.log" || fail "second network not served"
guest_add 1
ip netns add "gwt$ID-gb"
GUESTS+=("gwt$ID-gb")
ip -n "gwt$ID-gb" link set lo up
ip -n "$NS_HOST" link add vg2 type veth peer name eth0 netns "gwt$ID-gb"
ip -n "$NS_HOST" link set vg2 master gw1 up
ip -n "gwt$ID-gb" link set eth0 up
GA=$(guest_ns 1) GB=gwt$ID-gb

udhcpc_lease 1 || fail "guest A got no lease"
ipa=$(lease_var 1 ip)
ENVOUT="$T/udhcpc-b.env" in_ns "$GB" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -s "$T/udhcpc.sh" >/dev/null 2>&1 ||
	fail "guest B got no lease"
ipb=$(sed -n 's/^ip=//p' "$T/udhcpc-b.env")

internet_httpd
in_ns "$GA" busybox httpd -p "$ipa:8080" -h "$T/www"
in_ns "$GB" busybox httpd -p "$ipb:8080" -h "$T/www"
wait_until 5 in_ns "$GA" sh -c "ss -ltn | grep -q ':8080 '" || fail "A's httpd did not start"
wait_until 5 in_ns "$GB" sh -c "ss -ltn | grep -q ':8080 '" || fail "B's httpd did not start"

seen=$(http_get "$GB" "http://$ipa:8080/cgi-bin/ip") || fail "B cannot reach A's server (allow_from)"
[ "$seen" = "$ipb" ] || fail "A's server saw $seen, not B's guest $ipb"
in_ns "$GB" busybox ping -c 1 -W 2 "$ipa" >/dev/null || fail "B cannot ping A"
ok "B ($ipb) reaches A's server at $ipa:8080 (A sees $seen) and pings A"

http_get "$GA" "http://$ipb:8080/cgi-bin/ip" >/dev/null && fail "A reached B's server (allow_from is one way)"
in_ns "$GA" busybox ping -c 1 -W 2 "$ipb" >/dev/null && fail "A pings B"
ok "A cannot open anything to B"

[ "$(http_get "$GA" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "A lost the internet"
[ "$(http_get "$GB" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "B lost the internet"
ok "both still reach the internet through NAT"

conf
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
http_get "$GB" "http://$ipa:8080/cgi-bin/ip" >/dev/null && fail "without allow_from B still reaches A"
in_ns "$GB" busybox ping -c 1 -W 2 "$ipa" >/dev/null && fail "without allow_from B still pings A"
ok "reload without allow_from: B can no longer reach A"
