#!/bin/bash
# Guests' DNS goes upstream to the servers in the host's resolv.conf, which
# gatewayd hands to every dnsmasq (no-resolv + servers-file, so no dnsmasq
# needs an inotify instance of its own); when resolv.conf names another
# server, the guests use it within a second, without a dnsmasq restart.
#
#   [inet] 198.51.100.1 DNS: example.test = 192.0.2.10
#          198.51.100.9 DNS: example.test = 192.0.2.99
#     |
#   [host] resolv.conf (/etc/netns/NS/resolv.conf) ── gatewayd, gw0 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
in_inet ip addr add 198.51.100.9/24 dev eth0
for a in 1:10 9:99; do
	ip netns exec "$NS_INET" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
		--listen-address="198.51.100.${a%:*}" --bind-interfaces --no-resolv --no-hosts \
		--address="/example.test/192.0.2.${a#*:}" --user=root --log-facility="$T/up-${a%:*}.log" &
done
wait_until 5 grep -q started "$T/up-1.log" || fail "upstream DNS 1 did not start"
wait_until 5 grep -q started "$T/up-9.log" || fail "upstream DNS 9 did not start"
mkdir -p "/etc/netns/$NS_HOST"
echo "nameserver 198.51.100.1" >"/etc/netns/$NS_HOST/resolv.conf"

write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
answer() { in_ns "$G1" timeout 6 busybox nslookup example.test 10.213.0.1 2>&1 | sed -n 's/^Address: *\(192\.0\.2\.[0-9]*\).*/\1/p' | head -1; }
[ "$(answer)" = 192.0.2.10 ] || fail "guest got '$(answer)' for example.test, expected 192.0.2.10 from 198.51.100.1"
grep -q "^server=198.51.100.1$" "$T/run/upstream.servers" || fail "servers-file: $(cat "$T/run/upstream.servers")"
grep -q "^no-resolv$" "$T/run/default.dnsmasq.conf" || fail "dnsmasq reads resolv.conf itself"
pid=$(dnsmasq_pid)
ok "guest resolves example.test = 192.0.2.10 through the host's upstream 198.51.100.1"

# Written in place (the file gatewayd sees is a bind mount of this one).
echo "nameserver 198.51.100.9" >"/etc/netns/$NS_HOST/resolv.conf"
wait_until 5 grep -q "resolv.conf changed: 1 upstream DNS server" "$T/gw.log" || fail "change of resolv.conf not seen"
wait_until 5 sh -c "[ \"\$(ip netns exec $G1 timeout 6 busybox nslookup example.test 10.213.0.1 2>&1 | grep -c 192.0.2.99)\" -ge 1 ]" \
	|| fail "guest still gets '$(answer)' after resolv.conf named 198.51.100.9"
[ "$(dnsmasq_pid)" = "$pid" ] || fail "dnsmasq was restarted (pid $pid -> $(dnsmasq_pid))"
ok "resolv.conf now names 198.51.100.9: guest gets 192.0.2.99, same dnsmasq (pid $pid)"
