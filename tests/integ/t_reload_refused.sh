#!/bin/bash
# A reload changes nothing or all, and says which of two reasons stopped it.
#
#   [inet: dnsmasq sending RAs] eth0 ── up0 [host: gatewayd] gw0 (network default)
#                                                            gw9 (network refuseme: never made)
#
# gatewayd runs one IPv4-only network (fix_accept_ra = true; the uplink
# learns its IPv6 route from RAs, accept_ra = 1; IPv6 forwarding off). A
# reload adds network "refuseme" with IPv6: it would turn IPv6 forwarding
# on and set accept_ra = 2 on up0 before the nftables commit; the test
# hook GATEWAYD_TEST_NFT_REFUSE=refuseme makes that commit fail as a
# kernel refusal does. Then:
#  - gatewayctl reload exits 8, "failed to apply:" with the cause (EPERM),
#    and the log says "reload: failed to apply" (also for SIGHUP);
#  - nothing a user can see changed: both sysctls and their record, the
#    ruleset, the links, status, dnsmasq's pid;
#  - an invalid config exits 3 "invalid config:" (SIGHUP: that log line);
#  - the same change under another name applies (exit 0): forwarding and
#    accept_ra = 2 now (the sysctls above could change: the test can fail).
. "$(dirname "$0")/lib.sh"
require dnsmasq nft

CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
NO_V6_DEFAULT=1 topo_init
ip netns exec "$NS_INET" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
	--port=0 --interface=eth0 --bind-interfaces --user=root --enable-ra \
	--dhcp-range=2001:db8:51::,ra-only --ra-param=eth0,4,600 --log-facility="$T/router.log" &
wait_until 5 grep -q started "$T/router.log" || fail "fake router did not start"
wait_until 15 sh -c "ip -n $NS_HOST -6 route show default | grep -q 'proto ra'" \
	|| fail "host never learned a default route from RAs"

conf() { # conf [NAME]: network default, and NAME with IPv6 if given
	cat >"$T/gw.conf" <<EOC
fix_accept_ra = true
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network default {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    dhcp { range = "10.213.0.100-10.213.0.200" }
}
EOC
	[ -z "${1:-}" ] || cat >>"$T/gw.conf" <<EOC
network $1 {
    bridge = "gw9"
    ipv4   = "10.219.0.1/24"
    ipv6   = "fd42:219::1/64"
    dhcp { range = "10.219.0.100-10.219.0.200" }
    ra { enabled = true }
}
EOC
}
sysctls() {
	for k in ipv4/ip_forward ipv6/conf/all/forwarding ipv6/conf/up0/accept_ra; do
		printf '%s=%s ' "$k" "$(in_host cat /proc/sys/net/$k)"
	done
	printf 'record: %s' "$(cat "$T/state/sysctl.state" 2>/dev/null || echo none)"
}
seen() { # what a user can see, but for what changes by itself
	sysctls
	echo
	in_host nft -s list ruleset
	in_host ip -br link | sed 's/ \+/ /g'
	in_host $CTL status | grep -v uptime
	dnsmasq_pid
}

conf
export GATEWAYD_TEST_NFT_REFUSE=refuseme
gw_start
[ -f "$T/state/sysctl.state" ] || fail "no sysctl record in $T/state: $(ls "$T/state")"
[ "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" = 0 ] || fail "IPv6 forwarding on without IPv6"
[ "$(in_host cat /proc/sys/net/ipv6/conf/up0/accept_ra)" = 1 ] || fail "accept_ra is not 1 to begin with"
seen >"$T/before"

# --- applying fails: exit 8, the cause kept, nothing changed
conf refuseme
in_host $CTL reload >"$T/out" 2>&1; rc=$?
[ $rc = 8 ] || fail "reload refused by the kernel: exit $rc, expected 8: $(cat "$T/out")"
grep -q "^failed to apply: nft: .*refuseme.*: Operation not permitted" "$T/out" \
	|| fail "the reason is not 'failed to apply' with its errno: $(cat "$T/out")"
grep -q "nothing changed" "$T/out" || fail "does not say nothing changed: $(cat "$T/out")"
grep -q "reload: failed to apply: nft: .*Operation not permitted.*; nothing changed" "$T/gw.log" \
	|| fail "no 'failed to apply' log line"
seen >"$T/after"
diff "$T/before" "$T/after" >"$T/diff" || fail "a refused reload changed what a user sees: $(cat "$T/diff")"
ok "refused commit: exit 8, '$(head -1 "$T/out" | cut -c1-60)...'; sysctls, record, ruleset, links, status unchanged"
# the same by SIGHUP: its log line says which
kill -HUP "$GW_PID"
wait_until 10 sh -c "[ \$(grep -c 'reload: failed to apply: nft: ' $T/gw.log) = 2 ]" \
	|| fail "SIGHUP: no second 'reload: failed to apply' line"
seen >"$T/after"
diff "$T/before" "$T/after" >"$T/diff" || fail "a refused SIGHUP reload changed what a user sees: $(cat "$T/diff")"
ok "SIGHUP: 'reload: failed to apply: ...', nothing changed"

# --- an invalid config: exit 3
conf refuseme
sed -i 's|10.219.0.1/24|10.219.0.1/99|' "$T/gw.conf"
in_host $CTL reload >"$T/out" 2>&1; rc=$?
[ $rc = 3 ] || fail "reload of an invalid config: exit $rc, expected 3: $(cat "$T/out")"
grep -q "^invalid config: $T/gw.conf:[0-9]*: network \"refuseme\": ipv4" "$T/out" \
	|| fail "not 'invalid config' with FILE:LINE: $(cat "$T/out")"
grep -q "reload: invalid config: $T/gw.conf:[0-9]*: " "$T/gw.log" || fail "no 'invalid config' log line"
kill -HUP "$GW_PID"
wait_until 10 sh -c "[ \$(grep -c 'reload: invalid config: ' $T/gw.log) = 2 ]" \
	|| fail "SIGHUP: no second 'reload: invalid config' line"
seen >"$T/after"
diff "$T/before" "$T/after" >"$T/diff" || fail "an invalid config changed what a user sees: $(cat "$T/diff")"
ok "invalid config: exit 3, FILE:LINE, nothing changed"

# --- the same change, another name: applied
# (the RA-learned route comes and goes by itself on a loaded machine,
# seconds at a time, gatewayd or not: fix_accept_ra needs it there)
ra_route() { ip -n "$NS_HOST" -6 route show default | grep -q 'proto ra'; }
wait_until 15 ra_route || fail "the RA-learned route did not come back"
conf other
in_host $CTL reload >"$T/out" 2>&1 || fail "reload adding network other: exit $?: $(cat "$T/out")"
[ "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ] || fail "IPv6 forwarding not on"
[ "$(in_host cat /proc/sys/net/ipv6/conf/up0/accept_ra)" = 2 ] || fail "accept_ra not 2"
wait_until 5 in_host ip link show gw9 >/dev/null 2>&1 || fail "no gw9"
ok "the same change as network other: applied (forwarding on, accept_ra = 2, gw9)"
gw_stop || fail "gatewayd exited $?"
[ "$(in_host cat /proc/sys/net/ipv6/conf/up0/accept_ra)" = 1 ] || fail "accept_ra not restored"
[ "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" = 0 ] || fail "IPv6 forwarding not restored"
ok "stop: accept_ra back to 1, IPv6 forwarding back to 0"
