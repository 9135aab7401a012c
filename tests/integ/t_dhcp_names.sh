#!/bin/bash
# A guest's DHCP hostname is its own while its lease lives: guest A takes
# "web"; guest B (another MAC) asks for "web" too, and web.<domain> still
# answers A's address (dnsmasq alone would move the name to the newer
# lease). Once A's lease is gone (released), the name is free again: B
# gets it. A guest asking for "wpad" gets no DNS name (WPAD hijack: browsers
# ask for wpad.<domain> to find a proxy).
#
#   [g1 "web"] ─┐
#   [g2 "web"] ─┼─ gw0 10.213.0.1 (domain cust.internal) [host: gatewayd] ── up0 ── [inet]
#   [g3 "wpad"]─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf 'domain = "cust.internal"'
gw_start
# udhcpc_name N NAME: a lease for guest N, sending hostname NAME
udhcpc_name() {
	local n=$1 ns; ns=$(guest_ns "$1")
	udhcpc_lease "$n" >/dev/null 2>&1 # writes the script; the lease is renewed below
	ENVOUT="$T/udhcpc-$n.env" in_ns "$ns" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 \
		-x "hostname:$2" -s "$T/udhcpc.sh" >>"$T/udhcpc-$n.log" 2>&1
}
# resolve NS NAME: the IPv4 address the gateway's DNS gives for NAME ("" if none)
resolve() {
	in_ns "$1" timeout 5 busybox nslookup "$2" 10.213.0.1 2>/dev/null |
		awk '/^Name:/ { n = 1; next } n && /^Address/ { sub(/^Address( 1)?: */, ""); print $1; exit }'
}
guest_add 1
guest_add 2
guest_add 3
G1=$(guest_ns 1) G2=$(guest_ns 2) G3=$(guest_ns 3)

udhcpc_name 1 web || fail "guest 1: no lease"
ip1=$(lease_var 1 ip)
wait_until 5 sh -c "[ \"\$(ip netns exec $G1 timeout 5 busybox nslookup web.cust.internal 10.213.0.1 2>/dev/null | grep -c '$ip1')\" -ge 1 ]" ||
	fail "web.cust.internal does not answer guest 1's $ip1"
# the pins are guests' MACs and names, like the lease file: not for every user
[ "$(stat -c '%a %U' "$T/run/default.dhcp-names")" = "400 dnsmasq" ] ||
	fail "pins file: $(stat -c '%a %U:%G' "$T/run/default.dhcp-names")"
ok "guest 1 ($ip1) took the name web: web.cust.internal -> $ip1 (pinned in a file only dnsmasq reads)"

udhcpc_name 2 web || fail "guest 2: no lease"
ip2=$(lease_var 2 ip)
[ "$ip2" != "$ip1" ] || fail "guest 2 got guest 1's address"
grep -q " $ip2 web " "$T/state/default.leases" && fail "dnsmasq gave guest 2 the name web: $(cat "$T/state/default.leases")"
for i in 1 2 3; do
	got=$(resolve "$G2" web.cust.internal)
	[ "$got" = "$ip1" ] || fail "web.cust.internal -> '$got' (try $i), not guest 1's $ip1: guest 2 ($ip2) took the name"
	got=$(resolve "$G1" web)
	[ "$got" = "$ip1" ] || fail "web -> '$got', not guest 1's $ip1"
done
ok "guest 2 ($ip2) asked for web too: web and web.cust.internal still answer guest 1's $ip1"

udhcpc_name 3 wpad || fail "guest 3: no lease"
ip3=$(lease_var 3 ip)
got=$(resolve "$G3" wpad.cust.internal)
[ -z "$got" ] || fail "wpad.cust.internal -> $got: guest 3 registered wpad"
got=$(resolve "$G1" wpad)
[ -z "$got" ] || fail "wpad -> $got: guest 3 registered wpad"
grep -q " $ip3 wpad " "$T/state/default.leases" && fail "the lease of guest 3 carries the name wpad"
ok "guest 3 ($ip3) asked for wpad: no such name (NXDOMAIN), the lease has none"

# the pin lasts as long as the lease: guest 1 releases it (udhcpc -R sends
# a DHCPRELEASE when it is stopped), guest 2 may now take web
rm -f "$T/udhcpc-1.env"
ENVOUT="$T/udhcpc-1.env" ip netns exec "$G1" busybox udhcpc -i eth0 -f -R -t 5 -T 2 \
	-x hostname:web -s "$T/udhcpc.sh" >>"$T/udhcpc-1.log" 2>&1 &
U1=$!
wait_until 10 test -s "$T/udhcpc-1.env" || fail "guest 1: no lease from its second udhcpc"
kill -TERM "$U1"
wait "$U1"
wait_until 5 sh -c "! grep -q ' web ' $T/state/default.leases" || fail "guest 1's lease not released: $(cat "$T/state/default.leases")"
wait_until 5 sh -c "! grep -q ',web\$' $T/run/default.dhcp-names" || fail "the name web is still pinned: $(cat "$T/run/default.dhcp-names")"
udhcpc_name 2 web || fail "guest 2: no lease"
ip2=$(lease_var 2 ip)
wait_until 5 sh -c "[ \"\$(ip netns exec $G2 timeout 5 busybox nslookup web.cust.internal 10.213.0.1 2>/dev/null | grep -c '$ip2')\" -ge 1 ]" ||
	fail "after guest 1 released its lease, web.cust.internal does not answer guest 2's $ip2"
ok "guest 1 released its lease: the name is free, guest 2 ($ip2) now has web"
# the pins never cost dnsmasq its life (a SIGHUP before it is ready kills it)
grep -q "killed by signal" "$T/gw.log" && fail "dnsmasq was killed: $(grep "killed by signal" "$T/gw.log")"
ok "dnsmasq ran throughout (SIGHUPs only when the pins changed)"
