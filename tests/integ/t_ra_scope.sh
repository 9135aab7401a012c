#!/bin/bash
# gatewayd's router advertisements leave only through the bridge they
# belong to (issue 17 item 4, red team):
#  1. a guest's solicitation from its address in the network's prefix is
#     answered from the bridge's link-local address (a unicast answer
#     would go out from fd42:213::1, and RFC 4861 6.1.2 has guests drop
#     that): the multicast RA on the bridge answers it;
#  2. a guest's solicitation from a global source that is not on the
#     bridge's link (the uplink's 2001:db8:51::1, or the off-link
#     2001:db8:77::9) gets no unicast RA routed out of the uplink (the
#     input rules' anti-spoofing drops those too); a link-local one is
#     still answered at once;
#  3. a solicitation arriving on the uplink is never answered, and a flood
#     of them costs gatewayd no CPU (nor room in its socket's queue);
#  4. gw0 deleted: gatewayd makes it again (a new ifindex) and its RAs
#     follow it; gw0 renamed gwold: RAs go to the new gw0 gatewayd makes,
#     none to the guest left on gwold, which is not ours any more.
#
#   [g1 rs_send.py] ─ vg1 ─ gw0 fd42:213::1 [host: gatewayd] up0 ── eth0 [inet: counts RAs]
#                                            2001:db8:51::2      2001:db8:51::1
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft python3 rdisc6

# RAs that NS saw at all (prerouting: also those not addressed to it)
ra_count_init() {
	in_ns "$1" nft add table inet obs
	in_ns "$1" nft add chain inet obs pre '{ type filter hook prerouting priority -300; }'
	in_ns "$1" nft add rule inet obs pre icmpv6 type nd-router-advert counter
	# RFC 4861 6.1.2: a host drops an RA whose source is not link-local
	in_ns "$1" nft add chain inet obs bad '{ type filter hook prerouting priority -299; }'
	in_ns "$1" nft add rule inet obs bad icmpv6 type nd-router-advert ip6 saddr != fe80::/10 counter
}
bad_count() { in_ns "$1" nft list chain inet obs bad | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
ra_count() { in_ns "$1" nft list chain inet obs pre | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }
RS="$TOP/tests/integ/rs_send.py"

topo_init
write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
ra_count_init "$G1"
ra_count_init "$NS_INET"
ll_ready "$G1" eth0 || fail "guest 1 has no usable link-local address"
wait_until 10 sh -c "[ \$(ip netns exec $G1 nft list chain inet obs pre | sed -n 's/.*packets \([0-9]*\).*/\1/p') -ge 1 ]" ||
	fail "guest 1 got no RA at all"

# --- 1. a solicitation from the guest's address in fd42:213::/64
in_ns "$G1" ip -6 addr add fd42:213::99/128 dev eth0 nodad
wait_until 5 sh -c "ip -n $G1 -6 addr show dev eth0 | grep -q fd42:213::99" || fail "no fd42:213::99 on guest 1"
g0=$(ra_count "$G1")
in_ns "$G1" python3 "$RS" eth0 fd42:213::99 || fail "rs_send from fd42:213::99"
wait_until 4 sh -c "[ \$(ip netns exec $G1 nft list chain inet obs pre | sed -n 's/.*packets \([0-9]*\).*/\1/p') -gt $g0 ]" ||
	fail "no RA within 4 s of a solicitation from fd42:213::99"
[ "$(bad_count "$G1")" = 0 ] || fail "$(bad_count "$G1") RA(s) to guest 1 from a source that is not link-local"
ok "solicitation from fd42:213::99: answered from the bridge's link-local address"

# --- 2. solicitations from global sources not on gw0's link
in_ns "$G1" ip -6 addr add 2001:db8:51::1/128 dev eth0 nodad
in_ns "$G1" ip -6 addr add 2001:db8:77::9/128 dev eth0 nodad
wait_until 5 sh -c "ip -n $G1 -6 addr show dev eth0 | grep -q 2001:db8:77::9" || fail "no address on guest 1"
i0=$(ra_count "$NS_INET")
for src in 2001:db8:51::1 2001:db8:77::9; do
	in_ns "$G1" python3 "$RS" eth0 "$src" || fail "rs_send from $src"
done
sleep 1 # a unicast answer goes at once
i1=$(ra_count "$NS_INET")
[ "$i1" = "$i0" ] || fail "$((i1 - i0)) RA(s) left through the uplink for a guest's solicitation from a global source"
# (gatewayd's input rules drop these sources too, so they may not even
# reach it: the multicast RA comes on the timer)
ok "global-source solicitations: no RA out of the uplink"

# a link-local one is answered at once (unicast)
g0=$(ra_count "$G1")
t0=$(date +%s%N)
in_ns "$G1" rdisc6 -1 -w 1000 -r 1 eth0 >/dev/null 2>&1 || fail "link-local solicitation not answered within 1 s"
ok "link-local solicitation answered in $((($(date +%s%N) - t0) / 1000000)) ms"

# --- 3. a solicitation from the uplink's side
ll_ready "$NS_INET" eth0 || fail "inet has no usable link-local address"
i0=$(ra_count "$NS_INET")
in_inet rdisc6 -1 -w 1000 -r 3 eth0 >"$T/rdisc-inet.out" 2>&1 && fail "RS on the uplink answered: $(cat "$T/rdisc-inet.out")"
in_inet python3 "$RS" eth0 2001:db8:51::1 ff02::2 5 || fail "rs_send on inet"
sleep 1
[ "$(ra_count "$NS_INET")" = "$i0" ] || fail "RA towards the uplink after solicitations from there"
# a flood of them costs gatewayd nothing: the socket's filter lets only
# what comes in on a served bridge through (without: ~4 us of CPU each)
cpu0=$(awk '{ print $14 + $15 }' "/proc/$GW_PID/stat")
out=$(in_inet python3 "$TOP/tests/integ/rs_flood.py" eth0 100000) || fail "rs_flood on inet: $out"
sleep 0.5
cpu=$((($(awk '{ print $14 + $15 }' "/proc/$GW_PID/stat") - cpu0) * 1000 / $(getconf CLK_TCK)))
say "uplink flood: $out; gatewayd used $cpu ms of CPU"
[ "$cpu" -le 150 ] || fail "gatewayd burned $cpu ms of CPU on 100,000 solicitations from the uplink"
[ "$(ra_count "$NS_INET")" = "$i0" ] || fail "RA towards the uplink after the flood from there"
ok "solicitations from the uplink: never answered, a flood of them costs gatewayd $cpu ms"

# --- 4. the bridge deleted, then renamed
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
idx0=$(in_host cat /sys/class/net/gw0/ifindex)
in_host ip link del gw0
wait_until 10 grep -q "bridge gw0 was deleted; recreated it" "$T/gw.log" || fail "gw0 not recreated"
wait_until 5 sh -c "ip -n $NS_HOST link show vg1 | grep -q 'master gw0'" || fail "vg1 not put back into gw0"
ll_ready "$NS_HOST" gw0 || fail "new gw0 has no link-local address"
in_ns "$G1" rdisc6 -1 -w 1000 -r 3 eth0 >"$T/rdisc.out" 2>&1 || fail "no RA on the recreated gw0: $(cat "$T/rdisc.out")"
ok "gw0 deleted and recreated (ifindex $idx0 -> $(in_host cat /sys/class/net/gw0/ifindex)): RAs follow it"
in_host ip link set gw0 down
in_host ip link set gw0 name gwold
in_host ip link set gwold up
wait_until 10 sh -c "ip -n $NS_HOST link show gw0 >/dev/null 2>&1" || fail "gw0 not made again after the rename"
guest_add 2
G2=$(guest_ns 2)
ll_ready "$G2" eth0 || fail "guest 2 has no usable link-local address"
ll_ready "$NS_HOST" gw0 || fail "new gw0 has no link-local address"
in_ns "$G2" rdisc6 -1 -w 1000 -r 3 eth0 >"$T/rdisc.out" 2>&1 || fail "no RA on the new gw0: $(cat "$T/rdisc.out")"
in_ns "$G1" rdisc6 -1 -w 1000 -r 2 eth0 >"$T/rdisc.out" 2>&1 && fail "RA on the renamed gwold: $(cat "$T/rdisc.out")"
$CTL status default | grep -Eq "^ *ra +sending" || fail "status after the rename: $($CTL status default)"
ok "gw0 renamed gwold: RAs on the new gw0, none on gwold"
