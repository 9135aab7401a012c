# Shared helpers for the integration tests. Source it; do not run it.
#
# Topology every test builds (names carry the test's PID, so parallel runs
# and leftovers never collide):
#
#   [inet]  eth0 198.51.100.1/24, 2001:db8:51::1/64   (plays the internet)
#             |  veth
#   [host]  up0  198.51.100.2/24, 2001:db8:51::2/64   default via .1
#           gw0  bridge made by gatewayd (10.213.0.1/24, fd42:213::1/64)
#             |  veth vgN (host side, enslaved to gw0)
#   [gN]    eth0  a guest, standing in for a VM's tap
#
# Nothing here touches the root namespace: every `ip` call names a netns.

set -u
# Debian's own tools first: a user's PATH may put other builds ahead of
# them (a pyenv python3, say), which a fresh machine does not have.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-build}
GATEWAYD=${GATEWAYD:-$TOP/$BUILD/gatewayd}
GATEWAYCTL=${GATEWAYCTL:-$TOP/$BUILD/gatewayctl}
ID=${ID:-$$}
NS_HOST=gwt$ID-host
NS_INET=gwt$ID-inet
T=$(mktemp -d /tmp/gwtest.XXXXXX)
chmod 755 "$T"
GW_PID=
GUESTS=()
EXTRA_NS=()

say() { printf '  %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; [ -f "$T/gw.log" ] && { echo "--- gatewayd log:" >&2; tail -n 40 "$T/gw.log" >&2; }; exit 1; }
skip() { printf 'SKIP: %s\n' "$*"; exit 77; }
ok() { say "ok - $*"; }

require() {
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "needs $c"; done
	[ -x "$GATEWAYD" ] || skip "build gatewayd first ($GATEWAYD)"
}

in_host() { ip netns exec "$NS_HOST" "$@"; }
in_inet() { ip netns exec "$NS_INET" "$@"; }
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# wait_until SECONDS CMD...: run CMD until it succeeds, at most SECONDS.
wait_until() {
	local limit=$1; shift
	local end=$((SECONDS + limit))
	while ! "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.1
	done
}

cleanup() {
	local rc=$?
	set +e
	[ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null && { kill -TERM "$GW_PID"; wait_until 10 bash -c "! kill -0 $GW_PID"; }
	for ns in "${GUESTS[@]}" "${EXTRA_NS[@]}" "$NS_HOST" "$NS_INET"; do
		ip netns list | grep -qw "$ns" || continue
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$T" "/etc/netns/$NS_HOST"
	exit $rc
}
trap cleanup EXIT

topo_init() {
	ip netns add "$NS_HOST"
	ip netns add "$NS_INET"
	in_host ip link set lo up
	in_inet ip link set lo up
	ip -n "$NS_HOST" link add up0 type veth peer name eth0 netns "$NS_INET"
	in_host ip addr add 198.51.100.2/24 dev up0
	in_host ip -6 addr add 2001:db8:51::2/64 dev up0 nodad
	in_host ip link set up0 up
	in_inet ip addr add 198.51.100.1/24 dev eth0
	in_inet ip -6 addr add 2001:db8:51::1/64 dev eth0 nodad
	in_inet ip link set eth0 up
	in_host ip route add default via 198.51.100.1
	[ -n "${NO_V6_DEFAULT:-}" ] || in_host ip -6 route add default via 2001:db8:51::1
	mkdir -p "$T/state" "$T/run"
}

# write_conf [EXTRA NETWORK LINES...]: the standard test config.
# Two networks with DHCP, default on gw0 (10.213.0.0/24) and other on gw1
# (10.214.0.0/24), gatewayd started and both serving.
gw_start_two() {
	cat >"$T/gw.conf" <<EOC
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network default {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    dhcp {
        range      = "10.213.0.100-10.213.0.200"
        lease_time = 1h
    }
}
network other {
    bridge = "gw1"
    ipv4   = "10.214.0.1/24"
    dhcp {
        range      = "10.214.0.100-10.214.0.200"
        lease_time = 1h
    }
}
EOC
	gw_start
	wait_until 10 grep -q "dnsmasq\[other\]: started" "$T/gw.log" || fail "dnsmasq[other] did not start"
	wait_until 5 in_host ip link show gw1 >/dev/null 2>&1 || fail "no gw1"
}

# One network on gw0 with a 16-address pool (.100-.115), for the DHCP
# claim tests; extra lines for the network section as arguments. gatewayd
# started, guest 1 plugged in; G1, MAC1 and IDX1 name its namespace and
# eth0 (dhcp_send.pl writes raw frames from it).
gw_start_pool16() {
	{
		cat <<CONF
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network default {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
CONF
		for l in "$@"; do echo "    $l"; done
		cat <<CONF
    dhcp {
        range      = "10.213.0.100-10.213.0.115"
        lease_time = 1h
    }
}
CONF
	} >"$T/gw.conf"
	gw_start
	guest_add 1
	G1=$(guest_ns 1)
	MAC1=$(in_ns "$G1" cat /sys/class/net/eth0/address)
	IDX1=$(in_ns "$G1" cat /sys/class/net/eth0/ifindex)
}

# The packets of a named counter of the bridge table.
bridge_counter() { in_host nft list counter bridge gatewayd "$1" | sed -n 's/.*packets \([0-9]*\).*/\1/p'; }

write_conf() {
	{
		echo "uplink    = auto"
		echo "state_dir = \"$T/state\""
		echo "run_dir   = \"$T/run\""
		echo "network default {"
		echo "    bridge = \"gw0\""
		echo "    mode   = nat"
		echo "    ipv4   = \"10.213.0.1/24\""
		echo "    ipv6   = \"fd42:213::1/64\""
		echo "    dhcp {"
		echo "        range      = \"10.213.0.100-10.213.0.250\""
		echo "        lease_time = 1h"
		echo "    }"
		echo "    ra { enabled = true }"
		for l in "$@"; do echo "    $l"; done
		echo "}"
	} >"$T/gw.conf"
}

# gw_start: run gatewayd in the host namespace and wait until it is up.
# gw_spawn: start it and wait until it runs (whatever it decided to serve).
gw_spawn() {
	: >"$T/gw.log"
	# Not through in_host: a backgrounded function is a subshell, and $!
	# must be gatewayd itself (ip netns exec execs it in place).
	# shellcheck disable=SC2086
	ip netns exec "$NS_HOST" "$GATEWAYD" -f ${GW_FLAGS:-} -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
	GW_PID=$!
	wait_until "${GW_START_TIMEOUT:-15}" grep -q "running with" "$T/gw.log" || fail "gatewayd did not come up"
}

gw_start() {
	gw_spawn
	wait_until 10 grep -q "dnsmasq\[default\]: started" "$T/gw.log" || fail "dnsmasq did not start"
}

gw_stop() {
	kill -TERM "$GW_PID"
	wait "$GW_PID"
	local rc=$?
	GW_PID=
	return $rc
}

# guest_add N: namespace gN whose eth0 is plugged into gw0.
guest_add() {
	local n=$1 ns=gwt$ID-g$1
	ip netns add "$ns"
	GUESTS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$NS_HOST" link add "vg$n" type veth peer name eth0 netns "$ns"
	ip -n "$NS_HOST" link set "vg$n" master gw0 up
	ip -n "$ns" link set eth0 up
}
guest_ns() { echo "gwt$ID-g$1"; }

# guest_pair [CONF_LINE...]: the topology of the guest tests: topo_init,
# write_conf with the lines given, gatewayd started, guests 1 and 2 on
# gw0. Sets G1 G2 (their namespaces), MAC1 MAC2 and IDX1 IDX2 (their
# eth0's MAC and ifindex).
#
#   [g1] ── vg1 ─┐
#   [g2] ── vg2 ─┴─ gw0 10.213.0.1 [host: gatewayd] ── up0 ── [inet]
guest_pair() {
	topo_init
	write_conf "$@"
	gw_start
	guest_add 1
	guest_add 2
	G1=$(guest_ns 1) G2=$(guest_ns 2)
	MAC1=$(in_ns "$G1" cat /sys/class/net/eth0/address)
	MAC2=$(in_ns "$G2" cat /sys/class/net/eth0/address)
	IDX1=$(in_ns "$G1" cat /sys/class/net/eth0/ifindex)
	IDX2=$(in_ns "$G2" cat /sys/class/net/eth0/ifindex)
}

# udhcpc_lease N: busybox udhcpc in guest N with our own script; the lease's
# variables end up in $T/udhcpc-N.env.
udhcpc_lease() {
	local n=$1 ns; ns=$(guest_ns "$1")
	cat >"$T/udhcpc.sh" <<'SCRIPT'
#!/bin/sh
case "$1" in
bound|renew)
	ip addr flush dev "$interface" scope global
	ip addr add "$ip/$mask" dev "$interface"
	[ -n "$router" ] && ip route replace default via "${router%% *}" dev "$interface"
	env | grep -E '^(ip|mask|router|dns|lease|serverid)=' >"$ENVOUT"
	;;
esac
exit 0
SCRIPT
	chmod +x "$T/udhcpc.sh"
	ENVOUT="$T/udhcpc-$n.env" in_ns "$ns" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 \
		-s "$T/udhcpc.sh" >>"$T/udhcpc-$n.log" 2>&1
}
lease_var() { sed -n "s/^$2=//p" "$T/udhcpc-$1.env"; }

# internet_httpd: HTTP server in the internet namespace that answers with
# the client's address as it saw it.
internet_httpd() {
	mkdir -p "$T/www/cgi-bin"
	printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$T/www/cgi-bin/ip"
	chmod +x "$T/www/cgi-bin/ip"
	in_inet busybox httpd -p 198.51.100.1:80 -h "$T/www"
	wait_until 5 in_inet busybox wget -q -O - http://198.51.100.1/cgi-bin/ip || fail "httpd did not start"
}
http_get() { local ns=$1 url=$2; in_ns "$ns" timeout 5 busybox wget -q -O - "$url"; }

nft_host_has_table() { in_host nft list table inet gatewayd >/dev/null 2>&1; }

# alive PID: running, not a zombie (an orphan's zombie may linger when the
# container's init does not reap).
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ -n "$s" ] && [ "${s#Z}" = "$s" ]; }

# lan_vxlan: a "lan" namespace behind a VXLAN device vx0 in the host
# namespace -- the stand-in for a physical uplink port (this kernel has no
# dummy, VLAN or bond devices). The host's vx0 is left unenslaved.
#   [host] lanu 192.0.2.1 ── veth ── [lan] eth0 192.0.2.2
#   [host] vx0 (vxlan 42) ~~~~~~~~~~~~ [lan] vx0 (vxlan 42)
NS_LAN=gwt$ID-lan
lan_vxlan() {
	ip netns add "$NS_LAN"
	EXTRA_NS+=("$NS_LAN")
	ip -n "$NS_LAN" link set lo up
	ip -n "$NS_HOST" link add lanu type veth peer name eth0 netns "$NS_LAN"
	in_host ip addr add 192.0.2.1/24 dev lanu
	in_host ip link set lanu up
	ip -n "$NS_LAN" addr add 192.0.2.2/24 dev eth0
	ip -n "$NS_LAN" link set eth0 up
	in_host ip link add vx0 type vxlan id 42 local 192.0.2.1 remote 192.0.2.2 dstport 4789 dev lanu
	ip -n "$NS_LAN" link add vx0 type vxlan id 42 local 192.0.2.2 remote 192.0.2.1 dstport 4789 dev eth0
	ip -n "$NS_LAN" link set vx0 up
	in_host ip link set vx0 up
}

# rogue_server NS IFACE [ra-only]: a DHCP server (10.99.0.0/24) that also
# advertises 2001:db8:bad::/64, in namespace NS on IFACE. Its pid goes to
# $T/rogue-NS.pid, its log to $T/rogue-NS.log.
rogue_server() {
	local ns=$1 dev=$2 mode=${3:-dhcp}
	local dhcp="--dhcp-range=10.99.0.100,10.99.0.200,1h --dhcp-authoritative --no-ping"
	[ "$mode" = ra-only ] && dhcp=
	ip -n "$ns" addr add 10.99.0.1/24 dev "$dev"
	ip -n "$ns" -6 addr add 2001:db8:bad::1/64 dev "$dev" nodad
	# shellcheck disable=SC2086
	ip netns exec "$ns" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
		--port=0 --interface="$dev" --bind-interfaces --user=root $dhcp \
		--dhcp-leasefile="$T/rogue-$ns.leases" --enable-ra \
		--dhcp-range=2001:db8:bad::,ra-only --ra-param="$dev,high,4,600" \
		--log-facility="$T/rogue-$ns.log" --log-dhcp &
	echo $! >"$T/rogue-$ns.pid"
	wait_until 5 grep -q "started" "$T/rogue-$ns.log" || fail "rogue dnsmasq did not start"
}

# ra_standin: gatewayd sends the RAs itself (ra/router.c), so a frozen
# gatewayd (SIGSTOP, to test the kernel backstop alone) sends none. This
# dnsmasq in the host namespace advertises fd42:213::/64 on gw0 in its
# place: the same frames (the bridge's MAC and link-local address) through
# the same rules. ra_standin_stop ends it.
ra_standin() {
	ip netns exec "$NS_HOST" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
		--port=0 --interface=gw0 --bind-interfaces --user=root --enable-ra \
		--dhcp-range=fd42:213::,ra-only --ra-param=gw0,high,4,600 \
		--log-facility="$T/standin.log" &
	echo $! >"$T/standin.pid"
	wait_until 5 grep -q "started" "$T/standin.log" || fail "stand-in RA sender did not start"
}
ra_standin_stop() { kill "$(cat "$T/standin.pid")" 2>/dev/null; }

# no_lease NS IFACE: a DHCP client on IFACE in NS must get nothing.
no_lease() {
	! ip netns exec "$1" busybox udhcpc -i "$2" -f -q -n -t 3 -T 1 -s /bin/true >/dev/null 2>&1
}

dnsmasq_pid() { cat "$T/run/default.dnsmasq.pid" 2>/dev/null; }

# ll_ready NS IFACE: IFACE has a link-local address that finished DAD, so
# rdisc6 can send from it.
ll_ready() {
	wait_until 10 sh -c "ip -n $1 -6 addr show dev $2 scope link | grep -q inet6 && ! ip -n $1 -6 addr show dev $2 | grep -q tentative"
}

# flow_start NS: a long-lived TCP connection from guest namespace NS through
# NAT to a server in the internet namespace; the client sends a line every
# 0.1 s and the server writes what it gets to $T/flow.out. (The server's
# stdin must stay open, or nc closes the connection.) Sets FLOW_SERVER.
flow_start() {
	ip netns exec "$NS_INET" sh -c 'sleep 600 | busybox nc -l -p 9000' >"$T/flow.out" 2>/dev/null &
	FLOW_SERVER=$!
	wait_until 5 sh -c "ip netns exec $NS_INET ss -ltn | grep -q ':9000 '" || fail "flow server not listening"
	ip netns exec "$1" sh -c 'i=0; while :; do i=$((i+1)); echo "$i"; sleep 0.1; done | busybox nc 198.51.100.1 9000' >/dev/null 2>&1 &
	flowing || fail "the flow never started"
}

# flowing: the flow is alive if the server keeps receiving new lines.
flowing() {
	local n; n=$(wc -l <"$T/flow.out")
	wait_until 5 sh -c "[ \$(wc -l <$T/flow.out) -gt $((n + 5)) ]"
}

# gw.conf: one routed network (10.64.0.0/24 on gw0) announced through the
# BIRD that bird_run started in the host namespace ($T/bird/host.ctl), to
# the router at 198.51.100.1 (AS 64500); the fragment in $T/bird.
bgp_routed_conf() {
	{
		echo "uplink = \"up0\""
		echo "state_dir = \"$T/state\""
		echo "run_dir = \"$T/run\""
		echo "bgp {"
		echo "    local_as = 64512"
		echo "    bird_socket = \"$T/bird/host.ctl\""
		echo "    config_file = \"$T/bird/gatewayd.conf\""
		echo "    neighbor up4 { address = \"198.51.100.1\"  as = 64500 }"
		echo "}"
		echo 'network default { bridge = "gw0" mode = routed ipv4 = "10.64.0.1/24" dhcp { range = "10.64.0.100-10.64.0.200" } }'
	} >"$T/gw.conf"
}

# --- BIRD (t_bgp*): each BIRD runs in a test namespace, its files under
# $T/bird (config, control socket, pid, log); cleanup kills it with the
# namespace's other pids. Never in the root namespace.
BIRD_PIDS=()
# bird_run NS NAME: start BIRD on $T/bird/NAME.conf, wait for its socket.
bird_run() {
	local ns=$1 name=$2
	# not through in_ns: $! must be bird itself (ip netns exec execs it)
	ip netns exec "$ns" bird -f -c "$T/bird/$name.conf" -s "$T/bird/$name.ctl" \
		-P "$T/bird/$name.pid" >>"$T/bird/$name.out" 2>&1 &
	BIRD_PIDS+=("$!")
	disown "$!" # cleanup kills it with the namespace: no "Killed" notice
	wait_until 5 test -S "$T/bird/$name.ctl" || fail "BIRD $name did not start: $(cat "$T/bird/$name.out")"
}
# bird_stop NAME: kill that BIRD by its pid file and wait until it is gone.
bird_stop() {
	local pid; pid=$(cat "$T/bird/$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null
	wait_until 5 sh -c "! kill -0 $pid 2>/dev/null"
	rm -f "$T/bird/$1.ctl"
}
# router_bird_start NS NAME ROUTER_ID AS "PEER_ADDR PEER_AS [PASSWORD]"...: an upstream
# router importing whatever its peers announce into its namespace's own
# kernel table; short timers so that the tests stay fast.
router_bird_start() {
	local ns=$1 name=$2 rid=$3 as=$4 i=0 p addr pas fam
	shift 4
	mkdir -p "$T/bird"
	{
		echo "log \"$T/bird/$name.log\" all;"
		echo "router id $rid;"
		echo "protocol device { scan time 1; }"
		echo "protocol kernel { ipv4 { export all; }; }"
		echo "protocol kernel { ipv6 { export all; }; }"
		for p in "$@"; do
			# shellcheck disable=SC2086
			set -- $p
			addr=$1 pas=$2 fam=ipv4
			case $addr in *:*) fam=ipv6 ;; esac
			echo "protocol bgp peer$i {"
			echo "  local as $as; neighbor $addr as $pas;"
			[ -n "${3:-}" ] && echo "  password \"$3\";"
			echo "  hold time 3; connect retry time 1; connect delay time 1; error wait time 1, 2;"
			echo "  $fam { import all; export none; };"
			echo "}"
			i=$((i + 1))
		done
	} >"$T/bird/$name.conf"
	bird_run "$ns" "$name"
}
# guest_add_at HOST_NS N BRIDGE: namespace gN whose eth0 is plugged into
# BRIDGE of another host namespace (guest_add: gw0 of $NS_HOST).
guest_add_at() {
	local host=$1 n=$2 br=$3 ns=gwt$ID-g$2
	ip netns add "$ns"
	GUESTS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$host" link add "vg$n" type veth peer name eth0 netns "$ns"
	ip -n "$host" link set "vg$n" master "$br" up
	ip -n "$ns" link set eth0 up
}

# behind_inet NS INET_DEV NS_DEV NET4 NET6: namespace NS (made here, removed
# on exit) on a veth to the internet namespace, which routes for it:
# NET4.1 and NET6::1 on INET_DEV, NET4.2 and NET6::2 on NS_DEV with its
# default routes via them (a far host, or a second gatewayd host's uplink).
# NET4 is three octets ("203.0.113"), NET6 a /64 prefix ("2001:db8:f:").
behind_inet() {
	local ns=$1 idev=$2 dev=$3 n4=$4 n6=$5
	EXTRA_NS+=("$ns")
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip -n "$NS_INET" link add "$idev" type veth peer name "$dev" netns "$ns"
	in_inet ip addr add "$n4.1/24" dev "$idev"
	in_inet ip -6 addr add "$n6:1/64" dev "$idev" nodad
	in_inet ip link set "$idev" up
	ip -n "$ns" addr add "$n4.2/24" dev "$dev"
	ip -n "$ns" -6 addr add "$n6:2/64" dev "$dev" nodad
	ip -n "$ns" link set "$dev" up
	ip -n "$ns" route add default via "$n4.1"
	ip -n "$ns" -6 route add default via "$n6:1"
	in_inet sysctl -qw net.ipv4.ip_forward=1
	in_inet sysctl -qw net.ipv6.conf.all.forwarding=1
}
