#!/bin/bash
# Two gatewayd hosts with disjoint pools announce to the same upstream
# router (BIRD in the inet namespace), and a guest on each reaches the
# other through it by its own address. Host 1: bird_config = include, a
# TCP-MD5 password on its session. Host 2: bird_config = own (the fragment
# is BIRD's whole config, router id included) and a NAT network announcing
# only its forward's address that is not on the uplink (192.0.2.77/32 on
# lo), not its subnet and not the forward on the uplink's own address.
#
#             [inet = router, BIRD AS 64500]
#         eth0 198.51.100.1        eth1 198.51.101.1
#              |                        |
#   [host: AS 64512] up0 .100.2    [host2: AS 64513] up0 .101.2, lo 192.0.2.77
#     gw0 10.64.x/24 ── [g1]         gw0 10.65.x/24 ── [g2]
#                                    gw1 10.99.0.1/24 (nat) ── [g3] 10.99.0.10
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft bird
T0=$SECONDS

topo_init
NS_H2=gwt$ID-host2
behind_inet "$NS_H2" eth1 up0 198.51.101 2001:db8:52:
ip -n "$NS_H2" addr add 192.0.2.77/32 dev lo

router_bird_start "$NS_INET" router 198.51.100.1 64500 \
	"198.51.100.2 64512 md5-s3cret" "2001:db8:51::2 64512 md5-s3cret" \
	"198.51.101.2 64513" "2001:db8:52::2 64513"

# host 1: the admin's bird.conf includes our fragment
cat >"$T/bird/host.conf" <<EOF
log "$T/bird/host.log" all;
router id 198.51.100.2;
protocol device { scan time 1; }
include "$T/bird/gatewayd.conf";
EOF
gwconf() { # FILE DIR POOL AS ADDR4 ADDR6 BGP-EXTRA NETWORKS...
	local f=$1 d=$2 pool=$3 as=$4 a4=$5 a6=$6 extra=$7 pw=
	shift 7
	[ "$as" = 64512 ] && pw='  password = "md5-s3cret"'
	mkdir -p "$d/state" "$d/run"
	{
		echo "uplink = auto   # up0, the default route's"
		echo "state_dir = \"$d/state\""
		echo "run_dir = \"$d/run\""
		echo "pool4 = \"10.$pool.0.0/16\""
		echo "pool6 = \"fd00:$pool::/48\""
		echo "bgp {"
		echo "    local_as = $as"
		echo "    $extra"
		echo "    neighbor up4 { address = \"$a4\"  as = 64500  hold_time = 3  connect_retry = 1 $pw }"
		echo "    neighbor up6 { address = \"$a6\"  as = 64500  hold_time = 3  connect_retry = 1 $pw }"
		echo "}"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}
gwconf "$T/gw.conf" "$T" 64 64512 198.51.100.1 2001:db8:51::1 \
	"bird_socket = \"$T/bird/host.ctl\"  config_file = \"$T/bird/gatewayd.conf\"" \
	'network default { bridge = "gw0"  mode = routed  ipv4 = auto  ipv6 = auto }'
gwconf "$T/gw2.conf" "$T/h2" 65 64513 198.51.101.1 2001:db8:52::1 \
	"bird_socket = \"$T/bird/host2.ctl\"  config_file = \"$T/bird/host2.conf\"  bird_config = own  router_id = \"198.51.101.2\"" \
	'network default { bridge = "gw0"  mode = routed  ipv4 = auto  ipv6 = auto }' \
	'network web { bridge = "gw1"  mode = nat  ipv4 = "10.99.0.1/24"  announce = true  guest_binding = false' \
	'  forward h { port = 80  to = "10.99.0.10:8080"  listen = "192.0.2.77" }' \
	'  forward u { port = 81  to = "10.99.0.10:8080"  listen = "198.51.101.2" }' \
	'  forward x { port = 82  to = "10.99.0.10:8080"  listen = "8.8.8.8" }' \
	'}'

gw_start
ip netns exec "$NS_H2" "$GATEWAYD" -f -c "$T/gw2.conf" >>"$T/gw2.log" 2>&1 &
GW2_PID=$!
disown "$GW2_PID"
wait_until 15 grep -q "running with" "$T/gw2.log" || fail "gatewayd 2 did not come up: $(tail "$T/gw2.log")"
grep -q "^router id 198.51.101.2;" "$T/bird/host2.conf" || fail "own mode: no router id in $(cat "$T/bird/host2.conf")"
# own mode: BIRD runs on our file alone
bird_run "$NS_HOST" host
bird_run "$NS_H2" host2

ctl1() { $GATEWAYCTL -s "$T/run/gatewayd.sock" "$@"; }
ctl2() { $GATEWAYCTL -s "$T/h2/run/gatewayd.sock" "$@"; }
net_of() { awk '$1 == "ipv4" { sub(/\.1\/24$/, ".0/24", $2); print $2; exit }'; }
net6_of() { awk '$1 == "ipv6" { sub(/1\/64$/, "/64", $2); print $2; exit }'; }
N1=$(ctl1 status default | net_of); N2=$(ctl2 status default | net_of)
V1=$(ctl1 status default | net6_of); V2=$(ctl2 status default | net6_of)
case "$N1/$N2" in 10.64.*/10.65.*) ;; *) fail "subnets not from the pools: $N1 $N2" ;; esac
learned() { ip -n "$NS_INET" route show "$1" | grep -q "via $2"; }
wait_until 20 learned "$N1" 198.51.100.2 || fail "router did not learn $N1 from host 1 (MD5 session): $(ip -n "$NS_INET" route)"
wait_until 10 learned "$N2" 198.51.101.2 || fail "router did not learn $N2 from host 2 (own mode)"
wait_until 10 sh -c "ip -n $NS_INET -6 route show $V1 | grep -q via && ip -n $NS_INET -6 route show $V2 | grep -q via" \
	|| fail "router did not learn $V1 and $V2"
ok "router learned $N1 via host 1 (password session), $N2 via host 2 (own mode), and $V1, $V2"

wait_until 10 learned 192.0.2.77/32 198.51.101.2 || fail "NAT forward address 192.0.2.77/32 not announced"
ip -n "$NS_INET" route show 10.99.0.0/24 | grep -q . && fail "the NAT network's subnet was announced"
ip -n "$NS_INET" route show 198.51.101.2/32 | grep -q . && fail "the forward on the uplink address was announced"
# 8.8.8.8 is no address of host 2: a forward cannot answer there, and a
# /32 for it would pull the router's traffic for someone else's address
grep -q "8\.8\.8\.8" "$T/bird/host2.conf" && fail "a listen address that is not the host's is in BIRD's config"
ip -n "$NS_INET" route show 8.8.8.8/32 | grep -q . && fail "a listen address that is not the host's (8.8.8.8) was announced"
ok "host 2's NAT network: only 192.0.2.77/32 (its forward off the uplink, on lo) announced; not 8.8.8.8 (not the host's)"

guest_add 1
guest_add_at "$NS_H2" 2 gw0
guest_add_at "$NS_H2" 3 gw1
G1=$(guest_ns 1) G2=$(guest_ns 2) G3=$(guest_ns 3)
udhcpc_lease 1 || fail "guest 1: no lease"
udhcpc_lease 2 || fail "guest 2: no lease"
ip1=$(lease_var 1 ip) ip2=$(lease_var 2 ip)
ip -n "$G3" addr add 10.99.0.10/24 dev eth0
ip -n "$G3" route add default via 10.99.0.1
mkdir -p "$T/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$T/www/cgi-bin/ip"
chmod +x "$T/www/cgi-bin/ip"
in_ns "$G2" busybox httpd -p "$ip2:8080" -h "$T/www"
in_ns "$G3" busybox httpd -p 10.99.0.10:8080 -h "$T/www"
wait_until 5 in_ns "$G2" sh -c "ss -ltn | grep -q ':8080 '" || fail "guest 2 httpd did not start"
seen=$(http_get "$G1" "http://$ip2:8080/cgi-bin/ip") || fail "guest 1 ($ip1) cannot reach guest 2 ($ip2)"
[ "$seen" = "$ip1" ] || fail "guest 2 saw $seen, not guest 1's $ip1"
ok "guest 1 $ip1 (host 1) -> guest 2 $ip2 (host 2) through the router, seen as itself"
in_ns "$G1" busybox httpd -p "$ip1:8080" -h "$T/www"
seen=$(http_get "$G2" "http://$ip1:8080/cgi-bin/ip") || fail "guest 2 cannot reach guest 1"
[ "$seen" = "$ip2" ] || fail "guest 1 saw $seen, not guest 2's $ip2"
ok "and back: guest 2 -> guest 1, seen as $seen"
seen=$(http_get "$G1" "http://192.0.2.77/cgi-bin/ip") || fail "guest 1 cannot reach host 2's forward 192.0.2.77"
[ "$seen" = "$ip1" ] || fail "the forward's target saw $seen, not guest 1's $ip1"
ok "guest 1 -> 192.0.2.77:80 (announced /32) -> forward to 10.99.0.10 on host 2's NAT network"

# host 2's gatewayd stops: its routes go, host 1's stay
t0=$(date +%s%N)
kill -TERM "$GW2_PID"
wait_until 10 sh -c "! kill -0 $GW2_PID 2>/dev/null" || fail "gatewayd 2 did not stop"
wait_until 3 sh -c "! ip -n $NS_INET route show $N2 | grep -q via && ! ip -n $NS_INET route show 192.0.2.77/32 | grep -q via" \
	|| fail "host 2 stopped: $N2 or 192.0.2.77 still announced"
ms=$((($(date +%s%N) - t0) / 1000000))
[ "$ms" -le 1000 ] || fail "host 2 stopped: withdrawn after $ms ms"
learned "$N1" 198.51.100.2 || fail "host 1's $N1 went with host 2"
ok "host 2 stopped: $N2 and 192.0.2.77/32 withdrawn in $ms ms (own mode: BIRD reloaded the stopped file); $N1 stays"
say "BGP two-host test time: $((SECONDS - T0)) s"
