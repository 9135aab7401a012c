#!/bin/bash
# 10,000 port forwards: installed in the one batch gatewayd starts with,
# still one DNAT rule per family, and the last one works from the
# internet namespace. Then one more by reload: elements only.
#
#   [inet] 198.51.100.1 ── up0 198.51.100.2 [host: gatewayd] ── gw0 ── vg1 ── [g1]
#                                               10.213.0.10, httpd :80
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

N=${FORWARDS:-10000}
topo_init
fwds=()
for ((i = 0; i < N; i++)); do
	fwds+=("forward f$i { proto = tcp port = $((20000 + i)) to = \"10.213.0.10:80\" }")
done
# the target: a guest with a static lease
fwds+=('host g1 { mac = "52:54:00:f0:00:01" ipv4 = "10.213.0.10" }')
write_conf "${fwds[@]}"
t0=$(date +%s%N)
gw_start
t1=$(date +%s%N)
grep -q "replacing them whole\|error" "$T/gw.log" && fail "$(grep "replacing\|error" "$T/gw.log")"

n_elems=$(in_host nft list set inet gatewayd fwd_count4 | grep -c 'comment "default/f')
[ "$n_elems" = "$N" ] || fail "fwd_count4 holds $n_elems forwards, want $N"
n_dnat=$(in_host nft list table inet gatewayd | grep -cE '(^|\s)dnat ip6? to ')
[ "$n_dnat" = 4 ] || fail "$n_dnat DNAT rules, want 4 (chain fwd_dnat: IPv4 and IPv6, every address and listen)"
n_jump=$(in_host nft list table inet gatewayd | grep -c 'fib daddr type local jump fwd_dnat')
[ "$n_jump" = 3 ] || fail "$n_jump jumps to fwd_dnat, want 3 (prerouting; output, IPv4 and IPv6)"
ok "$N forwards in one start ($(((t1 - t0) / 1000000)) ms to running with DHCP), $n_dnat DNAT rules"

guest_add 1
G=$(guest_ns 1)
ip -n "$G" link set eth0 down
ip -n "$G" link set eth0 address 52:54:00:f0:00:01
ip -n "$G" link set eth0 up
udhcpc_lease 1 || fail "no lease"
[ "$(lease_var 1 ip)" = 10.213.0.10 ] || fail "leased '$(lease_var 1 ip)', not 10.213.0.10"
mkdir -p "$T/www"
echo last >"$T/www/who"
in_ns "$G" busybox httpd -p 10.213.0.10:80 -h "$T/www"
last=$((20000 + N - 1))
got=$(in_inet timeout 5 busybox wget -q -O - "http://198.51.100.2:$last/who" 2>/dev/null)
[ "$got" = last ] || fail "the last forward (port $last): got '$got'"
ok "the last forward (port $last) reaches the guest"

handles() { in_host nft -a list table inet gatewayd | grep '# handle' | sort; }
handles >"$T/h0"
write_conf "${fwds[@]}" "forward one_more { proto = tcp port = 19999 to = \"10.213.0.10:80\" }"
t0=$(date +%s%N)
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
t1=$(date +%s%N)
got=$(in_inet timeout 5 busybox wget -q -O - "http://198.51.100.2:19999/who" 2>/dev/null)
[ "$got" = last ] || fail "the forward added by reload: got '$got'"
handles >"$T/h1"
diff -q "$T/h0" "$T/h1" >/dev/null || fail "the reload rewrote a chain, set or rule"
grep -q "replacing them whole" "$T/gw.log" && fail "the update was refused"
ok "one more by reload in $(((t1 - t0) / 1000000)) ms: elements only"
