#!/bin/bash
# IPv6 forwarding vs. the uplink's router advertisements. A fake router in
# the internet namespace advertises 2001:db8:51::/64; the host's uplink
# learns its IPv6 default route from it (accept_ra = 1). Turning on
# forwarding would make the kernel ignore further RAs, so:
#  - gatewayd refuses, explaining, and applies nothing;
#  - with fix_accept_ra = true it sets accept_ra = 2 on the uplink (the RA
#    route is then re-learned after we delete it), and restores 1 on stop.
#
#   [inet: dnsmasq sending RAs] eth0 ── up0 [host: gatewayd] gw0
. "$(dirname "$0")/lib.sh"
require dnsmasq nft rdisc6

NO_V6_DEFAULT=1 topo_init
ip netns exec "$NS_INET" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
	--port=0 --interface=eth0 --bind-interfaces --user=root --enable-ra \
	--dhcp-range=2001:db8:51::,ra-only --ra-param=eth0,4,600 --log-facility="$T/router.log" &
wait_until 5 grep -q started "$T/router.log" || fail "fake router did not start"
wait_until 15 sh -c "ip -n $NS_HOST -6 route show default | grep -q 'proto ra'" \
	|| fail "host never learned a default route from RAs"
[ "$(in_host cat /proc/sys/net/ipv6/conf/up0/accept_ra)" = 1 ] || fail "uplink accept_ra is not 1 to begin with"

write_conf
in_host "$GATEWAYD" -f -c "$T/gw.conf" >"$T/out" 2>&1 && fail "started although the uplink relies on RAs"
grep -q 'uplink up0 takes its IPv6 routes from router advertisements, but has accept_ra = 1' "$T/out" \
	|| fail "no explanation: $(cat "$T/out")"
grep -q "fix_accept_ra = true" "$T/out" || fail "the message does not name the fix"
nft_host_has_table && fail "a table was made"
[ "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" = 0 ] || fail "IPv6 forwarding was turned on"
ok "refused: $(grep -o 'uplink up0 takes.*accept_ra = 1' "$T/out")"

sed -i '1i fix_accept_ra = true' "$T/gw.conf"
gw_start
[ "$(in_host cat /proc/sys/net/ipv6/conf/up0/accept_ra)" = 2 ] || fail "accept_ra not set to 2"
[ "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ] || fail "IPv6 forwarding not on"
grep -q "set accept_ra = 2 on uplink up0" "$T/gw.log" || fail "the change to the uplink was not logged"
# With forwarding on, only accept_ra = 2 lets the next RA bring the route back
# (the host solicits one while it waits: the router's own RAs come every
# few seconds, later under load).
in_host ip -6 route del default proto ra
wait_until 15 sh -c "ip -n $NS_HOST -6 route show default | grep -q 'proto ra' ||
	{ ip netns exec $NS_HOST rdisc6 -1 -w 500 up0 >/dev/null 2>&1; false; }" \
	|| fail "RA-learned default route not re-learned with forwarding on"
ok "fix_accept_ra: accept_ra = 2 on up0, RA route re-learned with forwarding on"
gw_stop
[ "$(in_host cat /proc/sys/net/ipv6/conf/up0/accept_ra)" = 1 ] || fail "accept_ra not restored"
[ "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" = 0 ] || fail "IPv6 forwarding not restored"
ok "stop: accept_ra back to 1, forwarding back to 0"
