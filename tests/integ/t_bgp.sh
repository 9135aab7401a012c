#!/bin/bash
# Routed networks announced over BGP by BIRD 2 (Debian bird2): the host's
# BIRD reads the fragment gatewayd writes (bird_config = include); the
# upstream router's BIRD installs what it learns in its own table; a host
# behind the router reaches a guest by the guest's own address.
#  1. BIRD absent at start: gatewayd runs, status and doctor say so; BIRD
#     started later gets the networks announced, no gatewayd restart;
#  2. the router learns both subnets (IPv4 and IPv6, pools 10.64.0.0/16
#     and fd00:64::/48) with the host as next hop; far <-> guest, no NAT;
#     nothing but our subnets is exported (a look-alike protocol of the
#     admin's is not);
#  3. withdrawn within a second: a guard trip (a foreign veth joins the
#     bridge), a reload removing the network, gatewayd stopping; each
#     announced again when it comes back;
#     BIRD stopped and started under a running gatewayd: status follows;
#  4. kill -9: the bridge stays, BIRD keeps announcing it (its direct
#     protocol follows the bridge, not gatewayd); restart: still announced;
#     stop, and kill -9 + --teardown: the fragment emptied, all withdrawn.
#
#   [far] eth0 203.0.113.2 ── veth ── rf0 203.0.113.1 [inet = router, BIRD AS 64500]
#                                     eth0 198.51.100.1, 2001:db8:51::1
#                                       |
#   [host: gatewayd + BIRD AS 64512] up0 198.51.100.2, 2001:db8:51::2
#        gw0 (routed, auto from pool4/pool6) ── [g1]     gw1 (routed, "other")
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft bird
T0=$SECONDS

topo_init
NS_FAR=gwt$ID-far
behind_inet "$NS_FAR" rf0 eth0 203.0.113 2001:db8:f:
in_host ip route add 203.0.113.0/24 via 198.51.100.1 2>/dev/null || true

# The upstream router: learns from the host, installs in its own table.
mkdir -p "$T/bird"
router_bird_start "$NS_INET" router 198.51.100.1 64500 \
	"198.51.100.2 64512" "2001:db8:51::2 64512"

# The host's BIRD config: the admin's part, with the one include line;
# gatewayd_net_evil is a look-alike our export filter must not take.
cat >"$T/bird/host.conf" <<EOF
log "$T/bird/host.log" all;
router id 198.51.100.2;
protocol device { scan time 1; }
protocol static gatewayd_net_evil { ipv4; route 192.0.2.0/24 blackhole; }
include "$T/bird/gatewayd.conf";
EOF

host_bird_start() { bird_run "$NS_HOST" host; }
conf() { # [EXTRA GLOBAL LINES...] (the "other" network unless NO_OTHER)
	{
		echo "uplink = \"up0\""
		echo "state_dir = \"$T/state\""
		echo "run_dir = \"$T/run\""
		echo "pool4 = \"10.64.0.0/16\""
		echo "pool6 = \"fd00:64::/48\""
		echo "bgp {"
		echo "    local_as = 64512"
		echo "    bird_socket = \"$T/bird/host.ctl\""
		echo "    config_file = \"$T/bird/gatewayd.conf\""
		echo "    neighbor up4 { address = \"198.51.100.1\"  as = 64500  hold_time = 3  connect_retry = 1 }"
		echo "    neighbor up6 { address = \"2001:db8:51::1\"  as = 64500  hold_time = 3  connect_retry = 1 }"
		echo "}"
		echo "network default {"
		echo "    bridge = \"gw0\"  mode = routed  ipv4 = auto  ipv6 = auto"
		echo "    guest_ports = {\"vg*\"}"
		echo "    ra { enabled = true }"
		echo "}"
		[ -n "${NO_OTHER:-}" ] || {
			echo "network other {"
			echo "    bridge = \"gw1\"  mode = routed  ipv4 = auto  ipv6 = auto"
			echo "    ${OTHER_EXTRA:-}"
			echo "}"
		}
		for l in "$@"; do echo "$l"; done
	} >"$T/gw.conf"
}
ctl() { $GATEWAYCTL -s "$T/run/gatewayd.sock" "$@"; }
reload() { ctl reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"; }
field() { ctl status "$1" | awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }'; }
learned() { ip -n "$NS_INET" route show "$1" | grep -q "via $2"; }
learned6() { ip -n "$NS_INET" -6 route show "$1" | grep -q "via"; }
# gone_within SECS PREFIX: the router's route to PREFIX goes; prints ms
# (the callers measure from before the change themselves)
gone_within() {
	local t0 t1; t0=$(date +%s%N)
	wait_until "$1" sh -c "! ip -n $NS_INET route show $2 | grep -q via" || return 1
	t1=$(date +%s%N)
	echo $(((t1 - t0) / 1000000))
}

# --- 1. BIRD absent at start
conf
gw_start
wait_until 10 grep -q "dnsmasq\[other\]: started" "$T/gw.log" || fail "network other did not start"
[ -s "$T/bird/gatewayd.conf" ] || fail "no fragment written"
s=$(field default bgp)
case "$s" in *"BIRD not reachable at $T/bird/host.ctl"*"networks are not announced"*) ;;
*) fail "status with BIRD absent says bgp: '$s'" ;; esac
[ "$(field default announce)" = withdrawn ] || fail "announce with BIRD absent: '$(field default announce)'"
ctl doctor >"$T/doctor" 2>&1
grep -q "BIRD not reachable at $T/bird/host.ctl" "$T/doctor" || fail "doctor does not say BIRD is absent: $(cat "$T/doctor")"
ctl metrics | grep -q 'gatewayd_bgp_session_established{neighbor="up4"} 0' || fail "metrics: no session gauge"
ok "BIRD absent: gatewayd runs; status and doctor say BIRD is not reachable"

NET4=$(field default ipv4); NET4=${NET4%.1/24}.0/24
NET6=$(field default ipv6); NET6=${NET6%1/64}/64
O4=$(field other ipv4); O4=${O4%.1/24}.0/24
case "$NET4" in 10.64.*) ;; *) fail "ipv4 = auto not from pool4: $NET4" ;; esac
case "$NET6" in fd00:64:*) ;; *) fail "ipv6 = auto not from pool6: $NET6" ;; esac
ok "auto subnets from the pools: $NET4, $NET6, $O4"

t0=$(date +%s%N)
host_bird_start
wait_until 15 learned "$NET4" 198.51.100.2 || fail "router did not learn $NET4 once BIRD started: $(ip -n "$NS_INET" route)"
t1=$(date +%s%N)
wait_until 10 learned6 "$NET6" || fail "router did not learn $NET6: $(ip -n "$NS_INET" -6 route)"
wait_until 5 learned "$O4" 198.51.100.2 || fail "router did not learn $O4"
wait_until 5 sh -c "[ \"\$($GATEWAYCTL -s $T/run/gatewayd.sock status default | awk '\$1 == \"announce\" {print \$2}')\" = announced ]" \
	|| fail "status does not say announced: $(ctl status default)"
wait_until 12 sh -c "$GATEWAYCTL -s $T/run/gatewayd.sock status default | grep -q 'up4 Established, up6 Established'" \
	|| fail "status sessions: $(field default bgp)"
ctl status --json | grep -q '"announce": *"announced"' || fail "status --json has no announce"
ctl metrics | grep -q 'gatewayd_bgp_session_established{neighbor="up4"} 1' || fail "metrics: up4 not established"
ok "BIRD started later: announced in $(((t1 - t0) / 1000000)) ms without restarting gatewayd; status: $(field default bgp)"

# --- 2. what the router learned, and traffic without NAT
ip -n "$NS_INET" route show "$NET4" | grep -q "via 198.51.100.2" || fail "next hop of $NET4"
ip -n "$NS_INET" route show 192.0.2.0/24 | grep -q . && fail "the look-alike 192.0.2.0/24 was exported"
n=$(ip -n "$NS_INET" route show proto bird | wc -l)
[ "$n" = 2 ] || fail "router learned $n IPv4 routes, not 2: $(ip -n "$NS_INET" route show proto bird)"
ok "router: $NET4 and $O4 via 198.51.100.2, $NET6 over IPv6; nothing else (not the look-alike)"

guest_add 1
G=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
gip=$(lease_var 1 ip)
mkdir -p "$T/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$T/www/cgi-bin/ip"
chmod +x "$T/www/cgi-bin/ip"
in_ns "$G" busybox httpd -p "$gip:8080" -h "$T/www"
in_ns "$NS_FAR" busybox httpd -p 203.0.113.2:80 -h "$T/www"
wait_until 5 in_ns "$G" sh -c "ss -ltn | grep -q ':8080 '" || fail "guest httpd did not start"
seen=$(http_get "$NS_FAR" "http://$gip:8080/cgi-bin/ip") || fail "far host cannot reach the guest at $gip"
[ "$seen" = 203.0.113.2 ] || fail "guest saw $seen, not the far host"
seen=$(http_get "$G" "http://203.0.113.2/cgi-bin/ip") || fail "guest cannot reach the far host"
[ "$seen" = "$gip" ] || fail "far host saw $seen, not the guest's $gip"
ok "far host <-> guest $gip through the router, no NAT either way"

# BIRD goes away while gatewayd runs: said within the refresh; back: announced
bird_stop host
wait_until 8 sh -c "$GATEWAYCTL -s $T/run/gatewayd.sock status default | grep -q 'BIRD not reachable'" \
	|| fail "BIRD stopped: status still says $(field default bgp)"
[ "$(field default announce)" = withdrawn ] || fail "BIRD stopped: announce $(field default announce)"
learned "$NET4" 198.51.100.2 && fail "BIRD stopped: the router still has $NET4"
host_bird_start
wait_until 10 learned "$NET4" 198.51.100.2 || fail "BIRD back: $NET4 not announced again"
wait_until 8 sh -c "[ \"\$($GATEWAYCTL -s $T/run/gatewayd.sock status default | awk '\$1 == \"announce\" {print \$2}')\" = announced ]" \
	|| fail "BIRD back: status does not say announced"
ok "BIRD stopped and started again under a running gatewayd: status followed, announced again"

# --- 3. withdrawn within a second, back again
in_host ip link add xf0 type veth peer name xf1
t0=$(date +%s%N)
in_host ip link set xf0 master gw0 up
gone_within 3 "$NET4" >/dev/null || fail "guard trip: $NET4 still announced"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -le 1000 ] || fail "guard trip: withdrawn after $ms ms"
learned "$O4" 198.51.100.2 || fail "guard trip on gw0 withdrew the other network too"
[ "$(field default announce)" = withdrawn ] || fail "status after guard trip: $(field default announce)"
ok "guard trip (veth xf0 in gw0): $NET4 withdrawn in $ms ms; $O4 stays"
in_host ip link set xf0 nomaster
wait_until 5 learned "$NET4" 198.51.100.2 || fail "not announced again after xf0 left"
ok "xf0 left: $NET4 announced again"

NO_OTHER=1 conf
t0=$(date +%s%N)
reload
ms=$(gone_within 3 "$O4") || fail "reload: $O4 still announced"
ms=$(($(($(date +%s%N) - t0)) / 1000000))
[ "$ms" -le 1000 ] || fail "reload: withdrawn after $ms ms"
learned "$NET4" 198.51.100.2 || fail "reload removing other withdrew default too"
grep -q gatewayd_net_gw1 "$T/bird/gatewayd.conf" && fail "fragment still has gw1"
ok "reload removing network other: $O4 withdrawn in $ms ms; $NET4 stays"
conf
reload
wait_until 5 learned "$O4" 198.51.100.2 || fail "other not announced again after reload"
ok "reload adding it back: announced again"
OTHER_EXTRA="announce = false" conf
t0=$(date +%s%N)
reload
gone_within 3 "$O4" >/dev/null || fail "announce = false by reload: $O4 still announced"
ms=$(($(($(date +%s%N) - t0)) / 1000000))
[ "$ms" -le 1000 ] || fail "announce = false: withdrawn after $ms ms"
[ "$(field other announce)" = off ] || fail "status of other: $(field other announce)"
in_host ip link show gw1 >/dev/null || fail "gw1 went away (the test wants only announce changed)"
ok "reload to announce = false (bridge kept): $O4 withdrawn in $ms ms, status off"
conf
reload
wait_until 5 learned "$O4" 198.51.100.2 || fail "other not announced again"

# --- 4. kill -9 and restart
kill -KILL "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=
sleep 2 # the claim is that nothing changes: give BIRD time to change it
learned "$NET4" 198.51.100.2 || fail "kill -9: $NET4 withdrawn (bridge gw0 still there?)"
ok "kill -9: bridge gw0 stays, BIRD keeps announcing $NET4 (its direct protocol follows the bridge)"
gw_start
wait_until 5 sh -c "[ \"\$($GATEWAYCTL -s $T/run/gatewayd.sock status default | awk '\$1 == \"announce\" {print \$2}')\" = announced ]" \
	|| fail "restart: status does not say announced"
learned "$NET4" 198.51.100.2 || fail "restart: $NET4 not announced"
ok "restart: announced (same subnet $(field default ipv4), remembered in state_dir)"

t0=$(date +%s%N)
gw_stop || fail "gatewayd stop failed"
ms=$(gone_within 3 "$NET4") || fail "stop: $NET4 still announced"
ms=$(($(($(date +%s%N) - t0)) / 1000000))
[ "$ms" -le 1000 ] || fail "stop: withdrawn after $ms ms"
learned "$O4" 198.51.100.2 && fail "stop: $O4 still announced"
grep -q "protocol" "$T/bird/gatewayd.conf" && fail "stopped fragment still has protocols"
[ -f "$T/bird/gatewayd.conf" ] || fail "stop removed the fragment bird.conf includes"
ok "gatewayd stop: everything withdrawn within $ms ms (stop included); the fragment stays, empty"

# kill -9, then --teardown: the fragment emptied and BIRD told, routes gone
gw_start
wait_until 10 learned "$NET4" 198.51.100.2 || fail "not announced after the second start"
kill -KILL "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=
ip netns exec "$NS_HOST" "$GATEWAYD" --teardown -c "$T/gw.conf" >>"$T/gw.log" 2>&1 || fail "teardown failed"
grep -q "protocol" "$T/bird/gatewayd.conf" && fail "teardown left protocols in the fragment"
wait_until 2 sh -c "! ip -n $NS_INET route show proto bird | grep -q via" || fail "teardown: routes still announced"
ok "kill -9 then --teardown: fragment emptied, BIRD told, nothing announced"
say "BGP test time: $((SECONDS - T0)) s"
