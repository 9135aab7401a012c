#!/bin/bash
# Router advertisements sent by gatewayd itself (issue 17 item 4), not by
# dnsmasq: every dnsmasq is on bind-interfaces without enable-ra.
#  1. a guest gets its SLAAC address and its default route from them, and
#     rdisc6 shows the bridge's MAC, the MTU, the prefix, the DNS server
#     (the bridge's own fd42:213::1, where dnsmasq answers over IPv6) and
#     the search domain; a solicitation is answered within a second;
#     dnsmasq (bound once, bind-interfaces) answers DNS on fd42:213::1
#     again after someone removed the address and gatewayd put it back;
#  2. a guest flooding router solicitations gets a bounded number of RAs
#     back, and costs gatewayd bounded CPU;
#  3. the uplink guard: a VXLAN port joins the bridge -> no RA at all, not
#     even to a solicitation, until it leaves; then RAs come back at once;
#  4. a reload that restarts the network's dnsmasq (a new DHCP range)
#     sends no last RA: the guest never loses its default route; a reload
#     that turns RA off does: the default route goes at once;
#  5. gatewayd stops -> its last RA (router lifetime 0) takes the guest's
#     default route away at once.
#
#   [lan] vx0 ~~vxlan~~ vx0 ─┐   (3. only)
#   [g1 rdisc6, SLAAC] ─ vg1 ┤ gw0 fd42:213::1 [host: gatewayd] ── up0 ── [inet]
#   [g2 rs_flood.py] ─── vg2 ┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft rdisc6 python3
FLOOD=${FLOOD:-20000}

# RAs that reached guest NS (an input counter of its own)
ra_count_init() {
	in_ns "$1" nft add table inet obs
	in_ns "$1" nft add chain inet obs in '{ type filter hook input priority -10; }'
	in_ns "$1" nft add rule inet obs in icmpv6 type nd-router-advert counter
}
ra_count() { in_ns "$1" nft list chain inet obs in | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

topo_init
write_conf 'domain = "cust-a.internal"' 'mtu = 1400'
gw_start
guest_add 1
G1=$(guest_ns 1)
ra_count_init "$G1"
brmac=$(ip -n "$NS_HOST" link show gw0 | awk '/ether/ {print $2}')

# --- 1. what the RAs say and do
grep -Eq "enable-ra|ra-param|constructor" "$T/run/default.dnsmasq.conf" &&
	fail "dnsmasq still told to send RAs: $(cat "$T/run/default.dnsmasq.conf")"
grep -q "^bind-interfaces$" "$T/run/default.dnsmasq.conf" || fail "dnsmasq not on bind-interfaces"
ll_ready "$G1" eth0 || fail "guest 1 has no usable link-local address"
t0=$(date +%s%N)
ra=$(in_ns "$G1" rdisc6 -1 -w 1000 -r 1 eth0 2>&1) || fail "no answer to a solicitation within 1 s: $ra"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "$ra" | grep -q "Prefix *: fd42:213::/64" || fail "RA without the prefix: $ra"
echo "$ra" | grep -Eq "Valid time *: *3600 " || fail "prefix valid lifetime: $ra"
echo "$ra" | grep -Eq "Pref. time *: *1800 " || fail "prefix preferred lifetime: $ra"
echo "$ra" | grep -Eq "Router lifetime *: *1800 " || fail "router lifetime: $ra"
echo "$ra" | grep -Eq "Router preference *: *high" || fail "router preference: $ra"
echo "$ra" | grep -Eq "Hop limit *: *64 " || fail "hop limit: $ra"
echo "$ra" | grep -Eq "Stateful address conf.*: *No" || fail "M flag set: $ra"
echo "$ra" | grep -Eq "MTU *: *1400 bytes" || fail "MTU: $ra"
echo "$ra" | grep -qi "Source link-layer address *: *$brmac" || fail "source link-layer address not $brmac: $ra"
echo "$ra" | grep -Eq "Recursive DNS server *: *fd42:213::1$" || fail "RDNSS not fd42:213::1: $ra"
echo "$ra" | grep -Eqi "DNS search list *: *cust-a.internal" || fail "DNSSL: $ra"
ll=$(in_host ip -6 -o addr show dev gw0 scope link | awk '{print $4}' | cut -d/ -f1)
echo "$ra" | grep -q "from $ll" || fail "RA not from the bridge's link-local $ll: $ra"
wait_until 15 sh -c "ip -n $G1 -6 -o addr show dev eth0 scope global | grep -q 'fd42:213::' && ! ip -n $G1 -6 addr show dev eth0 | grep -q tentative" ||
	fail "no SLAAC address in fd42:213::/64"
wait_until 5 sh -c "ip -n $G1 -6 route show default | grep -q 'via $ll'" ||
	fail "no default route via $ll: $(ip -n "$G1" -6 route)"
in_ns "$G1" timeout 5 busybox nslookup nosuchname fd42:213::1 2>&1 | grep -q "NXDOMAIN\|can't find" ||
	fail "dnsmasq does not answer DNS on fd42:213::1 (the RDNSS)"
grep "dnsmasq\[default\]" "$T/gw.log" | grep -qi "router advertisement" &&
	fail "dnsmasq sends RAs: $(grep 'dnsmasq\[default\]' "$T/gw.log" | grep -i 'router advert')"
ok "RS answered in $ms ms: prefix, 1800 s router, MTU, RDNSS fd42:213::1 (DNS answers there), DNSSL; SLAAC and default via $ll"

# the RDNSS address taken away and put back by the watch: dnsmasq's socket,
# bound to it once, serves again
in_host ip -6 addr del fd42:213::1/64 dev gw0
wait_until 15 grep -q "an address of bridge gw0 was removed; added it again" "$T/gw.log" ||
	fail "the watch did not put fd42:213::1 back"
in_ns "$G1" timeout 5 busybox nslookup nosuchname fd42:213::1 2>&1 | grep -q "NXDOMAIN\|can't find" ||
	fail "no DNS on fd42:213::1 after the address came back"
ok "fd42:213::1 removed and put back: dnsmasq answers there again"

# --- 2. a guest flooding solicitations
guest_add 2
G2=$(guest_ns 2)
ra_count_init "$G2"
ll_ready "$G2" eth0 || fail "guest 2 has no usable link-local address"
c0=$(ra_count "$G2") cpu0=$(cpu_ticks "$GW_PID") t0=$(date +%s%N)
out=$(in_ns "$G2" python3 "$TOP/tests/integ/rs_flood.py" eth0 "$FLOOD") || fail "rs_flood: $out"
sleep 1 # answers still on their way
c1=$(ra_count "$G2") cpu1=$(cpu_ticks "$GW_PID")
s=$((($(date +%s%N) - t0) / 1000000000 + 1))
# unicast: a burst of 3, then 1 a second; multicast: 1 per 3 s, plus the
# unsolicited one that may fall in the window
max=$((3 + s + s / 3 + 2))
n=$((c1 - c0)) cpu=$(((cpu1 - cpu0) * 1000 / $(getconf CLK_TCK)))
say "flood: $out; guest 2 got $n RAs in ${s} s (at most $max allowed); gatewayd used $cpu ms of CPU"
[ "$n" -ge 1 ] || fail "the flooding guest got no RA at all"
[ "$n" -le "$max" ] || fail "$n RAs for a flood of solicitations in $s s (more than $max)"
[ "$cpu" -le 2000 ] || fail "gatewayd burned $cpu ms of CPU on $FLOOD solicitations"
in_ns "$G1" rdisc6 -1 -w 3000 -r 2 eth0 >/dev/null 2>&1 || fail "guest 1 got no RA during/after the flood"
ok "RS flood ($out): $n RAs back in $s s (bound $max), gatewayd CPU $cpu ms"

# --- 3. the uplink guard stops RAs at once, and they resume
lan_vxlan
ll_ready "$NS_LAN" vx0 || fail "lan vx0 has no usable link-local address"
in_host ip link set vx0 master gw0
wait_until 2 grep -q "port vx0 (kind \"vxlan\") joined bridge gw0 and is not a guest port" "$T/gw.log" ||
	fail "the guard did not trip"
st=$($GATEWAYCTL -s "$T/run/gatewayd.sock" status default)
echo "$st" | grep -Eq "^ *ra +paused" || fail "status does not say the RAs are paused: $st"
c0=$(ra_count "$G1")
in_ns "$G1" rdisc6 -1 -w 1000 -r 2 eth0 >"$T/rdisc-g1.out" 2>&1 && fail "guard tripped, yet a solicitation was answered: $(cat "$T/rdisc-g1.out")"
ip netns exec "$NS_LAN" rdisc6 -1 -w 1000 -r 2 vx0 >"$T/rdisc-lan.out" 2>&1 && fail "RA reached the LAN: $(cat "$T/rdisc-lan.out")"
# longer than the longest interval between unsolicited RAs (10 s)
wait_until 11 sh -c "[ \$(ip netns exec $G1 nft list chain inet obs in | sed -n 's/.*packets \([0-9]*\).*/\1/p') -gt $c0 ]" &&
	fail "guard tripped, yet guest 1 got an RA"
c0=$(ra_count "$G1")
in_host ip link set vx0 nomaster
wait_until 2 sh -c "[ \$(ip netns exec $G1 nft list chain inet obs in | sed -n 's/.*packets \([0-9]*\).*/\1/p') -gt $c0 ]" ||
	fail "no RA within 2 s of vx0 leaving"
st=$($GATEWAYCTL -s "$T/run/gatewayd.sock" status default)
echo "$st" | grep -Eq "^ *ra +sending" && echo "$st" | grep -Eq "^ *ra_solicitations +[1-9][0-9]{3}" ||
	fail "status after the guard: $st"
ok "guard: no RA (unsolicited or solicited, guest or LAN) while vx0 was in gw0; RAs back when it left"

# --- 4. reloads
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
wait_until 5 sh -c "ip -n $G1 -6 route show default | grep -q 'via $ll'" || fail "no default route before the reloads"
ip -n "$G1" monitor route >"$T/routes.mon" 2>&1 &
mon=$!
dpid=$(dnsmasq_pid)
sed -i 's/10.213.0.100-10.213.0.250/10.213.0.100-10.213.0.249/' "$T/gw.conf"
$CTL reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
wait_until 10 sh -c "p=\$(cat $T/run/default.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $dpid ]" ||
	fail "dnsmasq not restarted by the new range"
wait_until 5 sh -c "$CTL status default | grep -Eq '^ *ra +sending'" || fail "RAs not back after the reload"
sleep 1 # a last RA would have taken the route away by now
grep -q "Deleted default" "$T/routes.mon" && fail "the reload took guest 1's default route away: $(cat "$T/routes.mon")"
sed -i 's/ra { enabled = true }/ra { enabled = false }/' "$T/gw.conf"
$CTL reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
wait_until 3 sh -c "! ip -n $G1 -6 route show default | grep -q ." ||
	fail "RA turned off, yet guest 1 keeps its default route: $(ip -n "$G1" -6 route show default)"
kill "$mon"
sed -i 's/ra { enabled = false }/ra { enabled = true }/' "$T/gw.conf"
$CTL reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
ok "reloads: a new DHCP range kept guest 1's default route; ra { enabled = false } took it away at once"

# --- 5. the last RA
wait_until 5 sh -c "ip -n $G1 -6 route show default | grep -q 'via $ll'" || fail "no default route before the stop"
gw_stop || fail "gatewayd exited with an error"
wait_until 2 sh -c "! ip -n $G1 -6 route show default | grep -q ." ||
	fail "guest 1 still has its default route after gatewayd stopped: $(ip -n "$G1" -6 route show default)"
ok "gatewayd stopped: its last RA (router lifetime 0) removed guest 1's default route"
