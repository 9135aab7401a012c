# Helpers for make bench (bench/run.sh sources this after
# tests/integ/lib.sh; the parts use both). Timing is in ms from bash's
# EPOCHREALTIME, so a timestamp costs no fork.

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# The test build (Makefile): the only one that takes GATEWAYD_TEST_OMIT.
GATEWAYD_TEST=${GATEWAYD_TEST:-${GATEWAYD%/*}/gatewayd-test}
INET_IP=198.51.100.1
INET_IP6=2001:db8:51::1 # the internet's eth0 (tests/integ/lib.sh topo_init)

now_ms() { local t=${EPOCHREALTIME/[.,]/}; NOW=$((t / 1000)); }

# median: of the integers on stdin ("-" if none).
median() {
	sort -n | awk '/^[0-9]+$/ { a[++n] = $1 }
		END { if (!n) print "-"; else print (n % 2) ? a[(n + 1) / 2] : int((a[n / 2] + a[n / 2 + 1]) / 2) }'
}
maxof() { sort -n | awk '/^[0-9]+$/ { m = $1 } END { print (m == "") ? "-" : m }'; }
# ratio A B: "x0.97" for B / A.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b != "-") printf "x%.2f", b / a; else print "-" }'; }
progress() { printf '  [%s] %s\n' "$(date +%T)" "$*" >&2; }

# subnet I: network I's /24 prefix ("10.100.7"), as in the N-network config.
subnet() { echo "10.$((100 + $1 / 256)).$(($1 % 256))"; }

# conf_globals [DIR]: the global keys a bench config starts with: uplink
# up0, state_dir and run_dir in DIR (default $T), no start probe.
conf_globals() {
	local d=${1:-$T}
	echo "uplink = up0"
	echo "state_dir = \"$d/state\""
	echo "run_dir = \"$d/run\""
	echo "probe_time = 0"
}

# conf_default_open: conf_globals, then network default opened on gw0
# (10.213.0.1/24, no RA); the caller adds its lines and the closing "}".
conf_default_open() {
	conf_globals
	echo "network default {"
	echo " bridge = \"gw0\""
	echo " ipv4 = \"10.213.0.1/24\""
	echo " ra { enabled = false }"
}

# net_conf N [CHANGED]: N networks gw-1..gw-N, no RA, no start probe;
# network CHANGED (if any) gets a 2h lease instead of 1h. Static hosts for
# scale.sh's guests first (network 1) and last (network N).
net_conf() {
	local i lt
	{
		conf_globals
		for i in $(seq 1 "$1"); do
			lt=1h
			[ "$i" = "${2:-0}" ] && lt=2h
			printf 'network n%d {\n bridge = "gw-%d"\n ipv4 = "%s.1/24"\n dhcp { lease_time = %s }\n ra { enabled = false }\n' \
				"$i" "$i" "$(subnet "$i")" "$lt"
			[ "$i" = 1 ] && host_line first "$(subnet 1).50"
			[ "$i" = "$1" ] && host_line last "$(subnet "$i").60"
			echo "}"
		done
	} >"$T/gw.conf"
}

# guest_mac ADDR: the MAC the bench gives the guest with IPv4 ADDR
# (52:54:00 and the address's last three bytes), so a config can name it
# in a static host and the guest's DHCP exchange binds it to ADDR.
guest_mac() {
	local a b c d
	IFS=. read -r a b c d <<<"${1%/*}"
	printf '52:54:00:%02x:%02x:%02x\n' "$b" "$c" "$d"
}

# guest NAME BRIDGE ADDR/PLEN GW: namespace gwt$ID-NAME, its eth0 a veth
# whose host end vNAME is plugged into BRIDGE; eth0's MAC is guest_mac ADDR.
guest() {
	local ns=gwt$ID-$1
	ip netns add "$ns"
	GUESTS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$NS_HOST" link add "v$1" type veth peer name eth0 netns "$ns" address "$(guest_mac "$3")"
	ip -n "$NS_HOST" link set "v$1" master "$2" up
	ip -n "$ns" link set eth0 up
	ip -n "$ns" addr add "$3" dev eth0
	ip -n "$ns" route add default via "$4"
}
unguest() { ip netns del "gwt$ID-$1"; }

# host_line NAME ADDR: a static host for guest NAME (config line), so its
# DHCP lease is the address it already has.
host_line() { printf ' host %s { mac = "%s" ipv4 = "%s" }\n' "$1" "$(guest_mac "$2")" "${2%/*}"; }

# bind_guest NS: one DHCP exchange from NS (its static host's address,
# which it already has), so gatewayd binds the guest to its port: since
# guest binding, a guest that never did DHCP sends nothing through. Then
# wait until a ping gets through.
bind_guest() {
	ip netns exec "$1" busybox udhcpc -i eth0 -f -q -n -t 10 -T 1 -s /bin/true >>"$T/udhcpc.log" 2>&1 ||
		fail "$1 got no lease"
	wait_until 10 ip netns exec "$1" busybox ping -c 1 -W 1 "$INET_IP" || fail "$1: no ping through after its lease"
}

# warm NS [IP]: one ping through to IP (the internet's INET_IP, or its
# INET_IP6), so neither ARP/ND nor a changed bridge MAC is part of the
# first measured packets.
warm() {
	ip -n "$1" neigh flush all 2>/dev/null
	ip netns exec "$1" busybox ping -c 1 -W 2 "${2:-$INET_IP}" >/dev/null 2>&1 ||
		ip netns exec "$1" busybox ping -c 1 -W 2 "${2:-$INET_IP}" >/dev/null 2>&1
}

# slaac_addr PREFIX MAC: the SLAAC (EUI-64) address MAC takes in the /64
# PREFIX (its four groups: "2001:db8:200:0"), as ip and nft print it
# when neither PREFIX nor the MAC is all zeros, e.g.
# 2001:db8:200:0:5054:ff:fec8:32 for 52:54:00:c8:00:32.
slaac_addr() {
	local m
	IFS=: read -r -a m <<<"$2"
	printf '%s:%x:%x:%x:%x\n' "$1" $(((0x${m[0]} ^ 2) << 8 | 0x${m[1]})) $((0x${m[2]} << 8 | 0xff)) \
		$((0xfe << 8 | 0x${m[3]})) $((0x${m[4]} << 8 | 0x${m[5]}))
}

inet_rx() { in_inet cat /sys/class/net/eth0/statistics/rx_packets; }

# udp_pps NS PORT [IP]: 64-byte UDP packets per second that reached the
# internet namespace's eth0 (what was forwarded, whether or not iperf3's
# receiving socket kept up), over BENCH_SECONDS, the client sending as
# fast as it can, to the iperf3 server at IP (INET_IP; INET_IP6 for IPv6).
udp_pps() {
	warm "$1" "${3:-$INET_IP}"
	udp_pps_to "$1" "$NS_INET" "${3:-$INET_IP}" "$2"
}

# udp_pps_to NS TO_NS TO_IP PORT: the same to the iperf3 server at TO_IP
# in namespace TO_NS, counted at TO_NS's eth0 (guest -> guest: warmed by
# one ping to TO_IP).
#
# With CPU_OUT=FILE, also appends to FILE the packets per CPU-second of
# the sender (iperf3's user + system time). The kernel runs the whole
# path -- bridge, ruleset, routing, the far veth -- in the sender's
# softirqs, charged to the sender (no IRQ time accounting here: see
# cpu_note), so this is what a packet costs, and far less hostage to other
# load on a shared machine than packets per wall-clock second.
udp_pps_to() {
	local a b s c
	[ "$2" = "$NS_INET" ] || ip netns exec "$1" busybox ping -c 1 -W 2 "$3" >/dev/null 2>&1
	a=$(ip netns exec "$2" cat /sys/class/net/eth0/statistics/rx_packets)
	s=$( { TIMEFORMAT='%3U %3S'; time ip netns exec "$1" iperf3 -c "$3" -p "$4" -u -l 64 -b 0 -t "$SECS" -J 2>/dev/null |
		awk -F'[:,]' '/"sum_sent"/ { f = 1 } f && /"seconds"/ { print $2 + 0; exit }'; } 2>"$T/cpu-time")
	b=$(ip netns exec "$2" cat /sys/class/net/eth0/statistics/rx_packets)
	awk -v p=$((b - a)) -v s="${s:-0}" 'BEGIN { if (s > 0) printf "%d\n", p / s; else print "-" }'
	[ -n "${CPU_OUT:-}" ] && read -r c <"$T/cpu-time" &&
		awk -v p=$((b - a)) -v c="$c" 'BEGIN { split(c, t, " "); c = t[1] + t[2]; if (c > 0) printf "%d\n", p / c; else print "-" }' >>"$CPU_OUT"
	return 0
}

# tcp_cps NS [IP PORT]: new TCP connections per second from NS to the
# accept loop in the internet namespace (INET_IP 9100; for IPv6 the one
# the caller started on INET_IP6), one connector, BENCH_SECONDS. Failed
# connects are added to $T/tcp-fails. CPU_OUT=FILE: connections per
# CPU-second of the connector, as in udp_pps_to.
tcp_cps() {
	local r c
	warm "$1" "${2:-$INET_IP}"
	r=$( { TIMEFORMAT='%3U %3S'; time ip netns exec "$1" perl "$BENCH/tcp_conn.pl" connect "${2:-$INET_IP}" "${3:-9100}" "$SECS"; } 2>"$T/cpu-time")
	[ "${r#* }" = 0 ] || echo "${r#* } failed connects from $1" >>"$T/tcp-fails"
	echo "${r%% *}"
	[ -n "${CPU_OUT:-}" ] && read -r c <"$T/cpu-time" &&
		awk -v r="${r%% *}" -v c="$c" -v s="$SECS" 'BEGIN { split(c, t, " "); c = t[1] + t[2]; if (c > 0) printf "%d\n", r * s / c; else print "-" }' >>"$CPU_OUT"
	return 0
}

# servers: iperf3 on 5201-5203 and the TCP accept loop on 9100, in inet.
servers() {
	local p
	for p in 5201 5202 5203; do
		in_inet iperf3 -s -D -p "$p" -B "$INET_IP" --logfile "$T/iperf-$p.log" --pidfile "$T/iperf-$p.pid"
	done
	ip netns exec "$NS_INET" perl "$BENCH/tcp_conn.pl" accept "$INET_IP" 9100 &
	disown $! # cleanup ends it with the namespace
	wait_until 5 sh -c "ip netns exec $NS_INET ss -Hltn | grep -q '$INET_IP:9100 '" || fail "TCP accept loop not listening"
	for p in 5201 5202 5203; do
		wait_until 5 sh -c "ip netns exec $NS_INET ss -Hltn | grep -q '$INET_IP:$p '" || fail "iperf3 on $p not listening"
	done
}

# gw_exec: start gatewayd in the host namespace, not waiting for anything
# (gw_spawn in tests/integ/lib.sh waits, in 0.1 s steps).
gw_exec() {
	: >"$T/gw.log"
	ip netns exec "$NS_HOST" "$GATEWAYD" -f -c "$T/gw.conf" >>"$T/gw.log" 2>&1 &
	GW_PID=$!
}

# dnsmasq_pid_of NET: the pid gatewayd recorded for network NET's dnsmasq.
dnsmasq_pid_of() { cat "$T/run/$1.dnsmasq.pid" 2>/dev/null; }

# rss: gatewayd's resident set, kB.
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$GW_PID/status"; }

# bridges_left: gw-* bridges in the host namespace.
bridges_left() { ip -n "$NS_HOST" -o link show type bridge | grep -c ' gw-'; }

# bench_many_conf N [DNSMASQ]: $T/gw.conf with networks n1..nN on bridges
# gw-1..gw-N (subnet N: lib.sh), IPv6 and RA when $V6 is set, dnsmasq
# DNSMASQ (a wrapper) if given.
bench_many_conf() {
	local i
	{
		echo "uplink = up0"
		echo "state_dir = \"$T/state\""
		echo "run_dir = \"$T/run\""
		[ -z "${2:-}" ] || echo "dnsmasq = \"$2\""
		echo "probe_time = 0"
		for i in $(seq 1 "$1"); do
			printf 'network n%d {\n bridge = "gw-%d"\n ipv4 = "%s.1/24"\n' "$i" "$i" "$(subnet "$i")"
			if [ -n "$V6" ]; then
				printf ' ipv6 = "fd42:%x::1/64"\n ra { enabled = true }\n}\n' "$i"
			else
				printf ' ra { enabled = false }\n}\n'
			fi
		done
	} >"$T/gw.conf"
}

# bench_burst_file N FILE: an `ip -batch` file that makes N veth pairs
# (bx/by), sets them up, gives each an address, and deletes them again.
bench_burst_file() {
	local i
	{
		for i in $(seq 1 "$1"); do
			echo "link add bx$i type veth peer name by$i"
			echo "link set bx$i up"
			echo "link set by$i up"
			echo "addr add 172.31.$((i / 250)).$((i % 250 + 1))/32 dev bx$i"
		done
		for i in $(seq 1 "$1"); do echo "link del bx$i"; done
	} >"$2"
}
