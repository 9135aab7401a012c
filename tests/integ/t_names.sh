#!/bin/bash
# Names and upstream DNS per network. Network default has a domain, its
# own upstream server (dns_servers) and an MTU; network b has neither and
# uses the host's resolver. A guest's DHCP hostname and a MAC-only static
# host are resolvable as NAME.DOMAIN from another guest; the domain is
# never forwarded upstream; the RAs carry the MTU and the search domain.
# The uplink's MTU is 1450: network b, without mtu, tells its guests that.
#
#   [inet] 198.51.100.1 DNS: example.test = 192.0.2.10, *.cust-a.internal = 192.0.2.66
#          198.51.100.9 DNS: example.test = 192.0.2.99  (the host's resolv.conf)
#     |
#   [host] gatewayd ── gw0 (default: cust-a.internal, dns_servers 198.51.100.1) ── [g1] [g2] [g3]
#                   └─ gw1 (b: the host's resolver)                              ── [gb]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft rdisc6

topo_init
in_inet ip addr add 198.51.100.9/24 dev eth0
for a in 1:10 9:99; do
	ip netns exec "$NS_INET" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
		--listen-address="198.51.100.${a%:*}" --bind-interfaces --no-resolv --no-hosts \
		--address="/example.test/192.0.2.${a#*:}" --address=/cust-a.internal/192.0.2.66 \
		--user=root --log-facility="$T/up-${a%:*}.log" &
done
wait_until 5 grep -q started "$T/up-1.log" || fail "upstream DNS 1 did not start"
wait_until 5 grep -q started "$T/up-9.log" || fail "upstream DNS 9 did not start"
mkdir -p "/etc/netns/$NS_HOST"
echo "nameserver 198.51.100.9" >"/etc/netns/$NS_HOST/resolv.conf"

# An uplink below 1500 (a tunnel, say): networks without mtu tell guests its MTU.
in_host ip link set up0 mtu 1450
in_inet ip link set eth0 mtu 1450
write_conf 'domain = "cust-a.internal"' 'dns_servers = {"198.51.100.1"}' 'mtu = 1400' \
	'host gamma { mac = "52:54:00:00:00:33" }'
printf 'network b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n}\n' >>"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "network b not served"

# g1 says its name is alpha; g3 has gamma's MAC and says nothing.
guest_add 1
guest_add 2
guest_add 3
ip -n "$(guest_ns 3)" link set eth0 address 52:54:00:00:00:33
udhcpc_lease 2 || fail "guest 2 got no lease" # (writes $T/udhcpc.sh)
ENVOUT="$T/udhcpc-1.env" in_ns "$(guest_ns 1)" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -x hostname:alpha \
	-s "$T/udhcpc.sh" >/dev/null 2>&1 || fail "guest 1 got no lease"
ip1=$(lease_var 1 ip)
udhcpc_lease 3 || fail "guest 3 got no lease"
ip3=$(lease_var 3 ip)

# resolve N SERVER NAME: the first address the answer gives, or "".
resolve() {
	in_ns "$1" timeout 5 busybox nslookup -type=a "$3" "$2" 2>/dev/null |
		sed -n '/^Name:/,$s/^Address: *\([0-9][0-9.]*\).*/\1/p' | head -1
}
G2=$(guest_ns 2)
[ "$(resolve "$G2" 10.213.0.1 alpha.cust-a.internal)" = "$ip1" ] ||
	fail "alpha.cust-a.internal from guest 2: '$(resolve "$G2" 10.213.0.1 alpha.cust-a.internal)', guest 1 is $ip1"
[ "$(resolve "$G2" 10.213.0.1 gamma.cust-a.internal)" = "$ip3" ] ||
	fail "gamma.cust-a.internal from guest 2: '$(resolve "$G2" 10.213.0.1 gamma.cust-a.internal)', guest 3 is $ip3"
ok "DHCP names: alpha.cust-a.internal = $ip1 (its own hostname), gamma.cust-a.internal = $ip3 (MAC-only host)"

# Not ours: never forwarded (the upstream would answer 192.0.2.66).
out=$(in_ns "$G2" timeout 5 busybox nslookup -type=a nosuch.cust-a.internal 10.213.0.1 2>&1)
echo "$out" | grep -q "192.0.2.66" && fail "nosuch.cust-a.internal was forwarded upstream: $out"
echo "$out" | grep -qi "NXDOMAIN\|can't find" || fail "nosuch.cust-a.internal: $out"
ok "nosuch.cust-a.internal: NXDOMAIN from dnsmasq, not forwarded"

# Upstream: default's own server, b the host's.
[ "$(resolve "$G2" 10.213.0.1 example.test)" = 192.0.2.10 ] ||
	fail "example.test on default: '$(resolve "$G2" 10.213.0.1 example.test)', expected 192.0.2.10 from its dns_servers"
ip netns add "gwt$ID-gb"
GUESTS+=("gwt$ID-gb")
ip -n "gwt$ID-gb" link set lo up
ip -n "$NS_HOST" link add vgb type veth peer name eth0 netns "gwt$ID-gb"
ip -n "$NS_HOST" link set vgb master gw1 up
ip -n "gwt$ID-gb" link set eth0 up
printf '#!/bin/sh\ncase "$1" in bound|renew) ip -4 addr flush dev "$interface"; ip addr add "$ip/$mask" dev "$interface"; echo "mtu=$mtu" >"$ENVOUT" ;; esac\nexit 0\n' >"$T/mtu.sh"
chmod +x "$T/mtu.sh"
ENVOUT="$T/gb.env" in_ns "gwt$ID-gb" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -O mtu -s "$T/mtu.sh" >/dev/null 2>&1 ||
	fail "guest on b got no lease"
[ "$(cat "$T/gb.env")" = mtu=1450 ] || fail "guest on b (no mtu key, uplink 1450): '$(cat "$T/gb.env")'"
[ "$(resolve "gwt$ID-gb" 10.214.0.1 example.test)" = 192.0.2.99 ] ||
	fail "example.test on b: '$(resolve "gwt$ID-gb" 10.214.0.1 example.test)', expected 192.0.2.99 from the host's resolver"
grep -q "^server=198.51.100.1$" "$T/run/default.dnsmasq.conf" || fail "default's config has no server= line"
ok "upstream: default asks its dns_servers (192.0.2.10), b the host's resolver (192.0.2.99); b's guest got the uplink's MTU 1450"

# The RAs: MTU and search domain.
ll_ready "$G2" eth0 || fail "guest 2 has no link-local address"
ra=$(in_ns "$G2" rdisc6 -1 -w 3000 eth0 2>&1)
echo "$ra" | grep -q "MTU *: *1400 bytes" || fail "no MTU 1400 in the RA: $ra"
echo "$ra" | grep -qi "DNS search list *: *cust-a.internal" || fail "no search domain in the RA: $ra"
ok "router advertisement: MTU 1400, DNS search list cust-a.internal"
