#!/bin/bash
# Static hosts: a guest with a configured MAC gets its configured address
# (outside the dynamic range), the MTU and the search domain, and its IPv6
# address by DHCPv6; another guest of the same network resolves it by name. Hosts added, changed and removed
# by reload take effect with the same dnsmasq (re-read on SIGHUP, never
# restarted).
#
#   [g1] MAC 52:54:00:00:00:10 ── vg1 ┐
#   [g2] any MAC               ── vg2 ├ gw0 [host: gatewayd, cust-a.internal] ── up0 ── [inet]
#   [g3] MAC 52:54:00:00:00:11 ── vg3 ┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft dhclient

topo_init
hosts_conf() { # HOST LINES...
	write_conf 'domain = "cust-a.internal"' 'mtu = 1400' \
		'ipv6_dhcp_range = "fd42:213::100-fd42:213::1ff"' "$@"
}
WEB='host web { mac = "52:54:00:00:00:10" ipv4 = "10.213.0.10" ipv6 = "fd42:213::10" }'
PRINTER='host printer { ipv4 = "10.213.0.200" }'
DB='host db { mac = "52:54:00:00:00:11" ipv4 = "10.213.0.11" }'
hosts_conf "$WEB" "$PRINTER"
gw_start

# A client script of our own that keeps what the options said.
cat >"$T/dhcp.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew)
	ip -4 addr flush dev "$interface"
	ip addr add "$ip/$mask" dev "$interface"
	env | grep -E '^(ip|mask|router|dns|domain|search|mtu|hostname)=' >"$ENVOUT"
	;;
esac
exit 0
SCRIPT
chmod +x "$T/dhcp.sh"
# lease N [MAC]: guest N (made, with MAC, if new) asks for a lease, asking
# for the MTU and the search list too (udhcpc does not by default).
lease() {
	local n=$1 mac=${2:-} ns; ns=$(guest_ns "$1")
	if ! ip netns list | grep -qw "$ns"; then
		guest_add "$n"
		[ -z "$mac" ] || ip -n "$ns" link set eth0 address "$mac"
	fi
	rm -f "$T/lease-$n.env"
	ENVOUT="$T/lease-$n.env" in_ns "$ns" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 \
		-O mtu -O search -s "$T/dhcp.sh" >>"$T/udhcpc-$n.log" 2>&1
}
var() { sed -n "s/^$2=//p" "$T/lease-$1.env"; }
# resolve N NAME: the address guest N's DNS server gives for NAME, or "".
resolve() {
	in_ns "$(guest_ns "$1")" timeout 5 busybox nslookup -type=a "$2" 10.213.0.1 2>/dev/null |
		sed -n '/^Name:/,$s/^Address: *\([0-9][0-9.]*\).*/\1/p' | head -1
}
reload() {
	$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
}

lease 1 52:54:00:00:00:10 || fail "the static host got no lease"
[ "$(var 1 ip)" = 10.213.0.10 ] || fail "the static host got $(var 1 ip), not 10.213.0.10"
[ "$(var 1 mtu)" = 1400 ] || fail "no MTU 1400 in the lease: '$(var 1 mtu)' ($(cat "$T/lease-1.env"))"
[ "$(var 1 domain)" = cust-a.internal ] || fail "domain in the lease: '$(var 1 domain)'"
[ "$(var 1 search)" = cust-a.internal ] || fail "search list in the lease: '$(var 1 search)'"
ok "static lease: 52:54:00:00:00:10 -> 10.213.0.10, mtu 1400, domain and search cust-a.internal"

lease 2 || fail "guest 2 got no lease"
case "$(var 2 ip)" in 10.213.0.1[0-9][0-9] | 10.213.0.2[0-4][0-9] | 10.213.0.250) ;; *) fail "guest 2: $(var 2 ip)" ;; esac
[ "$(resolve 2 web.cust-a.internal)" = 10.213.0.10 ] || fail "web.cust-a.internal from guest 2: '$(resolve 2 web.cust-a.internal)'"
[ "$(resolve 2 web)" = 10.213.0.10 ] || fail "web from guest 2: '$(resolve 2 web)'"
[ "$(resolve 2 printer.cust-a.internal)" = 10.213.0.200 ] || fail "printer from guest 2: '$(resolve 2 printer.cust-a.internal)'"
ok "guest 2 ($(var 2 ip)) resolves web(.cust-a.internal) = 10.213.0.10 and printer = 10.213.0.200"

# Stateful DHCPv6 (ipv6_dhcp_range): web's own address, another guest's
# from the range; and web's AAAA.
dhcp6() { # N: guest N's DHCPv6 address, or "" (dhclient gives its script no
	# environment of ours: the output path is written into the script)
	local ns; ns=$(guest_ns "$1")
	printf '#!/bin/sh\ncase "$reason" in BOUND6|RENEW6|REBIND6|REBOOT6) echo "$new_ip6_address" >%s ;; esac\nexit 0\n' \
		"$T/dhcp6-$1" >"$T/dhclient6-$1.sh"
	chmod +x "$T/dhclient6-$1.sh"
	ll_ready "$ns" eth0 || return 1
	in_ns "$ns" timeout 20 dhclient -6 -1 -sf "$T/dhclient6-$1.sh" \
		-lf "$T/dhclient6-$1.leases" -pf "$T/dhclient6-$1.pid" eth0 >"$T/dhclient6-$1.log" 2>&1
	kill "$(cat "$T/dhclient6-$1.pid" 2>/dev/null)" 2>/dev/null
	cat "$T/dhcp6-$1" 2>/dev/null
}
a6=$(dhcp6 1)
[ "$a6" = fd42:213::10 ] || fail "web's DHCPv6 address: '$a6' ($(tail -3 "$T/dhclient6-1.log"))"
a6=$(dhcp6 2)
case "$a6" in fd42:213::1[0-9a-f][0-9a-f]) ;; *) fail "guest 2's DHCPv6 address: '$a6' ($(tail -3 "$T/dhclient6-2.log"))" ;; esac
aaaa=$(in_ns "$(guest_ns 2)" timeout 5 busybox nslookup -type=aaaa web.cust-a.internal 10.213.0.1 2>/dev/null | sed -n '/^Name:/,$s/^Address: *\([0-9a-f:]*\).*/\1/p')
[ "$aaaa" = fd42:213::10 ] || fail "web's AAAA: '$aaaa'"
ok "DHCPv6: web gets fd42:213::10 (and its AAAA), guest 2 $a6 from the range"

in_host "$GATEWAYD" -n -v -c "$T/gw.conf" >"$T/nv.out" 2>&1 || fail "gatewayd -n -v: $(tail -3 "$T/nv.out")"
grep -qx '52:54:00:00:00:10,10.213.0.10,\[fd42:213::10\],web' "$T/nv.out" &&
	grep -qx '10.213.0.200 printer.cust-a.internal printer' "$T/nv.out" ||
	fail "gatewayd -n -v does not show the hosts files"
cmp -s <(sed -n '/default.dhcp-hosts)$/,/^$/p' "$T/nv.out" | sed '1d;/^$/d') "$T/run/default.dhcp-hosts" ||
	fail "gatewayd -n -v shows another dhcp-hosts file than the one written"

pid=$(dnsmasq_pid)
[ -n "$pid" ] || fail "no dnsmasq pid"
# Added by reload: db's lease and name, the same dnsmasq.
hosts_conf "$WEB" "$PRINTER" "$DB"
reload
wait_until 5 grep -q "changed (dhcp-hosts)" "$T/gw.log" || fail "no dhcp-hosts change logged"
lease 3 52:54:00:00:00:11 || fail "the host added by reload got no lease"
[ "$(var 3 ip)" = 10.213.0.11 ] || fail "the host added by reload got $(var 3 ip), not 10.213.0.11"
[ "$(resolve 2 db.cust-a.internal)" = 10.213.0.11 ] || fail "db from guest 2: '$(resolve 2 db.cust-a.internal)'"
[ "$(dnsmasq_pid)" = "$pid" ] || fail "dnsmasq restarted for a host added: $pid -> $(dnsmasq_pid)"
alive "$pid" || fail "dnsmasq $pid is gone"
ok "host db added by reload: lease 10.213.0.11, resolvable, same dnsmasq (pid $pid)"

# Changed and removed by reload: printer moves, then goes.
hosts_conf "$WEB" 'host printer { ipv4 = "10.213.0.201" }' "$DB"
reload
wait_until 5 sh -c "[ \"\$(ip netns exec $(guest_ns 2) timeout 5 busybox nslookup printer 10.213.0.1 2>/dev/null | grep -c 10.213.0.201)\" -ge 1 ]" ||
	fail "printer still '$(resolve 2 printer)' after it moved to 10.213.0.201"
hosts_conf "$WEB" "$DB"
reload
wait_until 5 sh -c "! ip netns exec $(guest_ns 2) timeout 5 busybox nslookup printer.cust-a.internal 10.213.0.1 2>/dev/null | grep -q 10.213.0.20" ||
	fail "printer still resolves after its removal: '$(resolve 2 printer.cust-a.internal)'"
[ "$(resolve 2 web.cust-a.internal)" = 10.213.0.10 ] || fail "web lost by printer's removal"
[ "$(dnsmasq_pid)" = "$pid" ] && alive "$pid" || fail "dnsmasq restarted for a host changed/removed: $pid -> $(dnsmasq_pid)"
grep -q "dnsmasq\[default\]: exiting\|dnsmasq\[default\]: restarting" "$T/gw.log" && fail "dnsmasq exited: $(grep 'dnsmasq\[default\]: exiting' "$T/gw.log")"
ok "printer moved, then removed by reload: name follows, then gone; same dnsmasq (pid $pid)"

# The domain is in dnsmasq's config: a new one restarts it (and the names
# follow).
sed -i 's/cust-a.internal/cust-b.internal/' "$T/gw.conf"
reload
wait_until 5 sh -c "[ -s $T/run/default.dnsmasq.pid ] && [ \"\$(cat $T/run/default.dnsmasq.pid)\" != $pid ]" || fail "a new domain did not restart dnsmasq"
wait_until 5 sh -c "ip netns exec $(guest_ns 2) timeout 5 busybox nslookup web.cust-b.internal 10.213.0.1 2>/dev/null | grep -q 10.213.0.10" ||
	fail "web.cust-b.internal: '$(resolve 2 web.cust-b.internal)'"
ok "domain changed: dnsmasq restarted ($pid -> $(dnsmasq_pid)), web.cust-b.internal resolves"

# The hosts files go with dnsmasq's config: on stop, and by --teardown
# after a crash.
gw_stop || fail "gatewayd exited non-zero"
for f in default.hosts default.dhcp-hosts; do [ -e "$T/run/$f" ] && fail "$f left after stop"; done
gw_start
[ -s "$T/run/default.hosts" ] && [ -s "$T/run/default.dhcp-hosts" ] || fail "hosts files not written at start"
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
in_host "$GATEWAYD" --teardown -c "$T/gw.conf" >"$T/teardown.log" 2>&1 || fail "teardown: $(cat "$T/teardown.log")"
for f in default.hosts default.dhcp-hosts; do [ -e "$T/run/$f" ] && fail "$f left after kill -9 and --teardown"; done
ok "hosts files removed on stop, and by --teardown after kill -9"
