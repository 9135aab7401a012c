#!/bin/bash
# One NAT network end to end: DHCPv4 (udhcpc and dhclient), SLAAC, guest to
# guest, SNAT to the internet, no unsolicited inbound, no spoofed sources,
# and the installed ruleset equal to what `gatewayd -n -v` promises.
#
#   [inet] 198.51.100.1 httpd ── up0 [host: gatewayd, gw0 10.213.0.1] ── vg1 ── [g1]
#                                                                    └─ vg2 ── [g2]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft dhclient

guest_pair

# --- DHCPv4 with busybox udhcpc
udhcpc_lease 1 || fail "udhcpc got no lease"
ip1=$(lease_var 1 ip)
case "$ip1" in 10.213.0.1[0-9][0-9]|10.213.0.2[0-4][0-9]|10.213.0.250) ;; *) fail "udhcpc lease $ip1 not in the range" ;; esac
[ "$(lease_var 1 router)" = 10.213.0.1 ] || fail "udhcpc router is '$(lease_var 1 router)'"
[ "$(lease_var 1 dns)" = 10.213.0.1 ] || fail "udhcpc dns is '$(lease_var 1 dns)'"
ok "udhcpc lease $ip1, router and DNS 10.213.0.1"

# --- DHCPv4 with ISC dhclient (own script and lease file: never /etc)
cat >"$T/dhclient.sh" <<'SCRIPT'
#!/bin/sh
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
	ip addr add "$new_ip_address/${new_subnet_mask:+24}" dev "$interface" 2>/dev/null
	ip route replace default via "${new_routers%% *}" dev "$interface"
	;;
esac
exit 0
SCRIPT
chmod +x "$T/dhclient.sh"
in_ns "$G2" timeout 30 dhclient -4 -1 -v -sf "$T/dhclient.sh" -lf "$T/dhclient.leases" \
	-pf "$T/dhclient.pid" eth0 >"$T/dhclient.log" 2>&1 || { cat "$T/dhclient.log"; fail "dhclient got no lease"; }
grep -q "option routers 10.213.0.1;" "$T/dhclient.leases" || fail "dhclient lease has no router 10.213.0.1"
grep -q "option domain-name-servers 10.213.0.1;" "$T/dhclient.leases" || fail "dhclient lease has no DNS 10.213.0.1"
ip2=$(sed -n 's/^ *fixed-address \(.*\);/\1/p' "$T/dhclient.leases" | tail -1)
[ -n "$ip2" ] && [ "$ip2" != "$ip1" ] || fail "dhclient address '$ip2'"
ok "dhclient lease $ip2, router and DNS 10.213.0.1"
kill "$(cat "$T/dhclient.pid")" 2>/dev/null

# --- SLAAC: an address in the prefix, default route via the bridge's link-local
ll=$(in_host ip -6 -o addr show dev gw0 scope link | awk '{print $4}' | cut -d/ -f1)
[ -n "$ll" ] || fail "bridge has no link-local address"
wait_until 20 sh -c "ip -n $G1 -6 -o addr show dev eth0 scope global | grep -q 'fd42:213::'" \
	|| fail "no SLAAC address in fd42:213::/64"
wait_until 20 sh -c "ip -n $G1 -6 route show default | grep -q 'via $ll dev eth0'" \
	|| fail "no IPv6 default route via $ll: $(ip -n "$G1" -6 route show default)"
ok "SLAAC $(ip -n "$G1" -6 -o addr show dev eth0 scope global | awk '{print $4}' | head -1), default via $ll"

# --- guest to guest across the bridge (br_netfilter puts these frames
# through the inet forward hook too)
in_ns "$G1" busybox ping -c 2 -W 2 "$ip2" >/dev/null || fail "guest 1 cannot ping guest 2"
ok "guest 1 reaches guest 2"

# --- SNAT: the internet sees the host's uplink address
internet_httpd
seen=$(http_get "$G1" http://198.51.100.1/cgi-bin/ip) || fail "guest cannot reach the internet host"
[ "$seen" = 198.51.100.2 ] || fail "internet saw '$seen', expected the uplink address 198.51.100.2"
ok "internet host saw $seen (SNAT)"
in_host nft list counter inet gatewayd nat_default | grep -q 'packets [1-9]' || fail "nat counter did not count"
# The host's own packets from the gateway address are NATed too (the
# internet has no route back to 10.213.0.0/24 yet: a reply means NAT).
in_host busybox ping -c 1 -W 2 -I 10.213.0.1 198.51.100.1 >/dev/null || fail "host ping from 10.213.0.1 not NATed"
ok "host's own packet from 10.213.0.1 NATed out of the uplink"

# --- no unsolicited connection from the internet to a guest
in_ns "$G1" busybox httpd -p "$ip1:8080" -h "$T/www"
wait_until 5 http_get "$G2" "http://$ip1:8080/cgi-bin/ip" || fail "guest httpd not reachable from guest 2"
in_inet ip route add 10.213.0.0/24 via 198.51.100.2
! http_get "$NS_INET" "http://$ip1:8080/cgi-bin/ip" || fail "internet reached a guest's server unsolicited"
ok "unsolicited internet -> guest connection fails (guest 2 -> guest works)"

# --- spoofed source: nothing reaches the internet
in_inet nft add table ip obs
in_inet nft add chain ip obs in '{ type filter hook prerouting priority -300; }'
in_inet nft add rule ip obs in ip saddr 192.0.2.77 counter
in_inet nft add rule ip obs in ip saddr 198.51.100.2 icmp type echo-request counter
in_ns "$G1" ip addr add 192.0.2.77/32 dev eth0
in_ns "$G1" busybox ping -c 3 -W 1 -I 192.0.2.77 198.51.100.1 >/dev/null 2>&1
in_ns "$G1" busybox ping -c 1 -W 2 198.51.100.1 >/dev/null || fail "guest cannot ping the internet host"
obs=$(in_inet nft list chain ip obs in)
echo "$obs" | grep 'saddr 192.0.2.77' | grep -q 'packets 0 ' || fail "spoofed packets reached the internet: $obs"
echo "$obs" | grep 'saddr 198.51.100.2' | grep -q 'packets [1-9]' || fail "observer saw no legitimate ping: $obs"
# guest binding (bind_default, in the bridge table) drops them first
{ in_host nft list counter inet gatewayd drop_default; in_host nft list counter bridge gatewayd bind_default; } | grep -q 'packets [1-9]' || fail "drop counter did not count"
ok "spoofed source 192.0.2.77 dropped (legitimate ping passes)"

# --- the kernel holds exactly the ruleset `gatewayd -n -v` prints (less
# counter values and the ports set's elements, which are run-time data)
in_host "$GATEWAYD" -n -v -c "$T/gw.conf" | sed -n '/^table /,/^}/p' >"$T/want.nft"
{ in_host nft list table inet gatewayd; in_host nft list table bridge gatewayd; } >"$T/raw.nft"
[ "$(grep -c '^	flags owner$' "$T/raw.nft")" = 2 ] || fail "tables are not owned by gatewayd's socket: $(head -3 "$T/raw.nft")"
# Map elements: nft wraps them as it likes and lists them in its own
# order, so they are compared as sorted "map: element" lines; the ports map
# and guest binding's sets are filled at run time.
split_elements() { # FILE: the ruleset without element blocks; FILE.el: the elements
	awk -v el="$1.el" '
		/^\t(map|set) / { map = $2 }
		/elements = \{/ { inel = 1; buf = "" }
		inel { buf = buf " " $0; if ($0 ~ /\}/) { inel = 0; sub(/.*elements = \{ */, "", buf); sub(/ *\}[^}]*$/, "", buf);
			n = split(buf, a, /, */); for (i = 1; i <= n; i++) { gsub(/^[ \t]+|[ \t]+$/, "", a[i]); if (map !~ /^(port_nets|bind_nets|bind4|bind_mac|bound_macs|bind6|claimed6|guest_ports|dhcp_rate|dhcp_clients|dhcp_macs|dhcp_seen|mac_clients|mac_rate|mac_self|ctq|ctq_drops|ctq_in4|ctq_in6|bind_miss4|bind_miss6)$/) print map ": " a[i] > el } }
			next }
		{ print }' "$1" >"$1.rules"
	sort -o "$1.el" "$1.el" 2>/dev/null || : >"$1.el"
}
grep -v 'packets [0-9]* bytes' "$T/raw.nft" | sed 's/ # progname .*//; /^	flags owner$/,+1d' >"$T/have.nft"
split_elements "$T/want.nft"
split_elements "$T/have.nft"
diff -u "$T/want.nft.rules" "$T/have.nft.rules" || fail "installed ruleset differs from gatewayd -n -v"
diff -u "$T/want.nft.el" "$T/have.nft.el" || fail "installed map elements differ from gatewayd -n -v"
[ -s "$T/want.nft.el" ] || fail "no map elements compared"
grep -q '"vg1" : jump ports_default' <(in_host nft list map bridge gatewayd port_nets) || fail "ports map lacks vg1"
ok "installed ruleset (inet and bridge tables, map elements) equals gatewayd -n -v; ports map holds the guests"
