#!/bin/bash
# Self-healing: each sabotage by "someone else" is noticed from an event,
# repaired (one log line), and followed by a real DHCP renewal and a
# request through NAT that must succeed.
#
#   [inet] httpd ── up0 [host: gatewayd] gw0 ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
internet_httpd
udhcpc_lease 1 || fail "no first lease"

still_works() {
	udhcpc_lease 1 || fail "$1: no DHCP renewal"
	[ "$(http_get "$G1" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "$1: no NAT"
}

# --- nftables: other processes cannot flush or delete our tables
in_host nft flush ruleset
nft_host_has_table || fail "nft flush ruleset removed our table"
in_host nft list table bridge gatewayd >/dev/null || fail "nft flush ruleset removed our bridge table"
in_host nft delete table inet gatewayd 2>"$T/err" && fail "another process deleted our table"
in_host nft flush chain inet gatewayd forward 2>>"$T/err" && fail "another process flushed our chain"
in_host nft list chain inet gatewayd forward | grep -q 'oifname vmap @to_nets' || fail "forward chain lost its rules"
still_works "nft flush ruleset"
ok "flush ruleset / delete table / flush chain by others: refused ($(head -1 "$T/err" | cut -c1-60)); DHCP and NAT fine"

# --- bridge deleted
in_host ip link del gw0
wait_until 3 grep -q 'bridge gw0 was deleted; recreated it with its addresses, put back 1 of its 1 ports' "$T/gw.log" \
	|| fail "bridge not recreated: $(grep -v 'dnsmasq\[' "$T/gw.log" | tail -5)"
still_works "bridge deleted"
ok "bridge deleted -> $(grep -o 'recreated it.*' "$T/gw.log" | tail -1)"

# --- address removed
in_host ip addr del 10.213.0.1/24 dev gw0
wait_until 3 grep -q 'an address of bridge gw0 was removed; added it again' "$T/gw.log" || fail "address not re-added"
still_works "address removed"
ok "address removed -> added again"

# --- bridge set down
in_host ip link set gw0 down
wait_until 3 grep -q 'bridge gw0 was set down; set it up again' "$T/gw.log" || fail "bridge not set up again"
still_works "bridge down"
ok "bridge down -> up again"

# --- ip_forward turned off
in_host sh -c 'echo 0 > /proc/sys/net/ipv4/ip_forward'
wait_until 3 grep -q 'forwarding was turned off by someone else; turned it on again' "$T/gw.log" || fail "ip_forward not repaired"
[ "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "ip_forward still 0"
still_works "ip_forward=0"
ok "ip_forward=0 -> 1 again, warned"

# --- uplink address changed, uplink down/up: masquerade follows
in_host ip addr del 198.51.100.2/24 dev up0
in_host ip addr add 198.51.100.3/24 dev up0
in_host ip route replace default via 198.51.100.1
[ "$(http_get "$G1" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.3 ] || fail "NAT does not follow the new uplink address"
in_host ip link set up0 down
in_host ip link set up0 up
in_host ip route replace default via 198.51.100.1
wait_until 5 sh -c "[ \"\$(ip netns exec $G1 timeout 5 busybox wget -q -O - http://198.51.100.1/cgi-bin/ip)\" = 198.51.100.3 ]" \
	|| fail "NAT broken after uplink down/up"
ok "uplink readdressed and bounced: internet sees 198.51.100.3"

# --- dnsmasq killed 20 times in a row: never given up on
for i in $(seq 1 20); do
	pid=$(dnsmasq_pid)
	[ -n "$pid" ] || fail "no dnsmasq pid (kill $i)"
	kill -KILL "$pid"
	wait_until 5 sh -c "p=\$(cat $T/run/default.dnsmasq.pid 2>/dev/null); [ -n \"\$p\" ] && [ \"\$p\" != $pid ]" \
		|| fail "dnsmasq not restarted after kill $i"
done
grep -q "restart #20" "$T/gw.log" || fail "restarts not counted"
grep -q "restarting in 2000 ms" "$T/gw.log" || fail "backoff did not reach its cap"
in_ns "$G1" ip addr flush dev eth0
udhcpc_lease 1 || fail "no lease after 20 kills"
[ "$(http_get "$G1" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.3 ] || fail "no NAT after 20 kills"
ok "dnsmasq SIGKILLed 20 times: restarted every time (backoff capped at 2 s); lease and NAT fine"
