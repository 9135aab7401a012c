#!/bin/bash
# A reload touches only what changed. Three networks; the guest on the
# first one talks to the internet, so its NAT counter counts. Then:
#  1. host_access on network b: no dnsmasq restarts, network default's
#     chains are not rewritten (same rule handles) and its counters are not
#     reset; b's input chain now accepts the host's services;
#  2. a new DHCP range on network c: only c's dnsmasq restarts;
#  3. network b removed: its chains, counters and bridge are gone, the
#     others' are untouched and the guest still reaches the internet.
#
#   [g1] ── vg1 ── gw0 (default) ┐
#                  gw1 (b)       ├ [host: gatewayd] ── up0 ── [inet] httpd
#                  gw2 (c)       ┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
net_b() { printf 'network b {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n%s}\n' "$1"; }
net_c() { printf 'network c {\n bridge = "gw2"\n ipv4 = "10.215.0.1/24"\n dhcp { range = "%s" }\n}\n' "$1"; }
conf() { # B_EXTRA C_RANGE [no-b]
	write_conf
	[ "${3:-}" = no-b ] || net_b "$1" >>"$T/gw.conf"
	net_c "$2" >>"$T/gw.conf"
}
conf "" "10.215.0.100-10.215.0.150"
gw_start
wait_until 10 grep -q "dnsmasq\[c\]: started" "$T/gw.log" || fail "network c not served"
guest_add 1
G=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
internet_httpd
[ "$(http_get "$G" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "no NAT"

pid_of() { cat "$T/run/$1.dnsmasq.pid"; }
nat_packets() { in_host nft list counter inet gatewayd nat_default | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
handles() { in_host nft -a list chain inet gatewayd "$1" | sed -n 's/.*# handle \([0-9]*\)$/\1/p' | tr '\n' ' '; }
reload() {
	$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
}
pd=$(pid_of default) pb=$(pid_of b) pc=$(pid_of c)
n0=$(nat_packets) h0=$(handles nat_default) hf=$(handles from_default)
[ "${n0:-0}" -gt 0 ] || fail "nat_default counted nothing: '$n0'"

# 1. host_access on b
conf " host_access = true\n" "10.215.0.100-10.215.0.150"
sed -i 's/\\n/\n/' "$T/gw.conf"
in_host nft list chain inet gatewayd in_b >"$T/in_b.before"
reload
[ "$(pid_of default) $(pid_of b) $(pid_of c)" = "$pd $pb $pc" ] ||
	fail "a dnsmasq restarted for a rule change: $pd $pb $pc -> $(pid_of default) $(pid_of b) $(pid_of c)"
[ "$(handles nat_default)" = "$h0" ] && [ "$(handles from_default)" = "$hf" ] ||
	fail "network default's chains were rewritten: handles '$h0' -> '$(handles nat_default)'"
n1=$(nat_packets)
[ "${n1:-0}" -ge "$n0" ] || fail "network default's NAT counter was reset: $n0 -> $n1"
in_host nft list chain inet gatewayd in_b >"$T/in_b.after"
cmp -s "$T/in_b.before" "$T/in_b.after" && fail "host_access did not change b's input chain"
ok "host_access on b: no dnsmasq restarted, default's chains kept (handles $h0), NAT counter $n0 -> $n1"

# 2. a new DHCP range on c
conf " host_access = true\n" "10.215.0.20-10.215.0.30"
sed -i 's/\\n/\n/' "$T/gw.conf"
reload
wait_until 5 grep -q "10.215.0.20,10.215.0.30" "$T/run/c.dnsmasq.conf" || fail "c's config not rewritten"
wait_until 5 test -s "$T/run/c.dnsmasq.pid" || fail "c's dnsmasq not back"
[ "$(pid_of c)" != "$pc" ] || fail "c's dnsmasq kept running with the old range"
[ "$(pid_of default) $(pid_of b)" = "$pd $pb" ] || fail "another network's dnsmasq restarted"
[ "$(handles nat_default)" = "$h0" ] || fail "default's chains rewritten by c's range"
ok "new range on c: only c's dnsmasq restarted ($pc -> $(pid_of c))"

# 3. b removed
conf "" "10.215.0.20-10.215.0.30" no-b
reload
in_host nft list chain inet gatewayd in_b >/dev/null 2>&1 && fail "b's chains still there"
in_host nft list counter inet gatewayd nat_b >/dev/null 2>&1 && fail "b's counters still there"
in_host nft list map inet gatewayd in_nets | grep -q '"gw1"' && fail "b still in the dispatch map"
in_host ip link show gw1 >/dev/null 2>&1 && fail "b's bridge still there"
[ "$(handles nat_default)" = "$h0" ] || fail "default's chains rewritten by b's removal"
n2=$(nat_packets)
[ "${n2:-0}" -ge "$n1" ] || fail "default's NAT counter reset by b's removal: $n1 -> $n2"
[ "$(http_get "$G" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "guest lost NAT"
[ "$(pid_of default)" = "$pd" ] || fail "default's dnsmasq restarted"
grep -q "replacing them whole" "$T/gw.log" && fail "an update was refused: $(grep "replacing them whole" "$T/gw.log")"
ok "b removed: its chains, counters, map elements and bridge gone; default untouched and still NATed"
