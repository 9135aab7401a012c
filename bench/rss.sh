#!/bin/bash
# gatewayd's memory: VmRSS with N networks (IPv4 + IPv6, RA on each), for
# each N in BENCH_RSS_NETS, (1) once every network's dnsmasq has started,
# (2) after two guests (on the first and the last network) took a DHCP
# lease and pinged through (guest binding holds them) and a reload that
# changed one network. Then the slope: kB per network beyond the first,
# from (2). Issue 18's goals: <= 4 MiB with one network, <= 20 KiB per
# further network. Also the peak (VmHWM: the start's nf_tables batch and
# plan are transient) and where the RSS is (heap, libraries' pages).
# It reports; it enforces nothing.
#
#   [inet] ── up0 [host: gatewayd] gw-1 ── [g1] (DHCP)
#                                  gw-N ── [g2] (DHCP)
#
# BENCH_RSS_NETS="1 100 500 1000"  GATEWAYD=/path/to/other/gatewayd
ID=benchr$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft
[ -x "$GATEWAYCTL" ] || skip "build gatewayctl first ($GATEWAYCTL)"

NETS=${BENCH_RSS_NETS:-1 100 500 1000}
V6=1

status_kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$GW_PID/status"; }
# settled: VmRSS the same for 1 s (what a start or a reload set off after
# it answered -- dnsmasq restarts, binding syncs -- done), at most 60 s
settled() {
	local last=-1 same=0 end=$((SECONDS + 60)) r
	while [ $SECONDS -lt $end ] && [ $same -lt 5 ]; do
		r=$(status_kb VmRSS)
		if [ "$r" = "$last" ]; then same=$((same + 1)); else same=0; fi
		last=$r
		sleep 0.2
	done
}
# heap_kb: the RSS of gatewayd's heap mapping, kB
heap_kb() { awk '/^[0-9a-f]+-/ { h = ($6 == "[heap]") } h && /^Rss:/ { s += $2 } END { print s + 0 }' "/proc/$GW_PID/smaps"; }

# rss_guest I NET: namespace gwt$ID-gI on bridge gw-NET, a DHCP lease, a ping out.
rss_guest() {
	local ns=gwt$ID-g$1
	ip netns add "$ns"
	GUESTS+=("$ns")
	ip -n "$ns" link set lo up
	ip -n "$NS_HOST" link add "vg$1" type veth peer name eth0 netns "$ns"
	ip -n "$NS_HOST" link set "vg$1" master "gw-$2" up
	ip -n "$ns" link set eth0 up
	printf '#!/bin/sh\ncase "$1" in bound|renew) ip -4 addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"; ip route replace default via "$router" ;; esac\n' >"$T/udhcpc.sh"
	chmod +x "$T/udhcpc.sh"
	ip netns exec "$ns" busybox udhcpc -i eth0 -f -q -n -t 10 -T 1 -s "$T/udhcpc.sh" >>"$T/udhcpc.log" 2>&1 ||
		fail "guest $1 on gw-$2 got no lease"
	wait_until 20 ip netns exec "$ns" busybox ping -c 1 -W 1 "$INET_IP" || fail "guest $1 on gw-$2: no ping through"
}

rss_run() {
	local n=$1 out
	bench_many_conf "$n"
	gw_exec
	wait_until $((60 + n / 5)) grep -q "running with" "$T/gw.log" || fail "gatewayd not up with $n networks"
	started() { [ "$(grep -c 'dnsmasq\[n[0-9]*\]: started' "$T/gw.log")" -ge "$n" ]; }
	wait_until $((60 + n / 2)) started || fail "not every dnsmasq started ($n networks)"
	settled
	RSS_START[$n]=$(status_kb VmRSS)
	rss_guest 1 1
	[ "$n" = 1 ] || rss_guest 2 "$n"
	# network 1 gets a 2 h lease: its dnsmasq restarts, nothing else
	sed -i '0,/ra { enabled = true }/s//ra { enabled = true }\n dhcp { lease_time = 2h }/' "$T/gw.conf"
	out=$($GATEWAYCTL -s "$T/run/gatewayd.sock" reload 2>&1) || fail "reload ($n networks): $out"
	settled
	RSS_AFTER[$n]=$(status_kb VmRSS)
	RSS_HWM[$n]=$(status_kb VmHWM)
	RSS_HEAP[$n]=$(heap_kb)
	RSS_ANON[$n]=$(status_kb RssAnon)
	RSS_FILE[$n]=$(status_kb RssFile)
	gw_stop || fail "gatewayd exit status ($n networks)"
	unguest g1
	[ "$n" = 1 ] || unguest g2
	rm -rf "$T/state" "$T/run"
	mkdir -p "$T/state" "$T/run"
}
declare -A RSS_START RSS_AFTER RSS_HWM RSS_HEAP RSS_ANON RSS_FILE

read -r load0 _ </proc/loadavg
topo_init
for n in $NETS; do
	progress "$n networks"
	rss_run "$n"
done
read -r load1 _ </proc/loadavg

echo
echo "gatewayd's memory: $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo "(not a git tree)"), $(date -u '+%F %H:%M') UTC," \
	"load average $load0 at start, $load1 at end; $GATEWAYD"
echo "N networks, IPv4 + IPv6 + RA each; (2) = after 2 guests' leases and pings and a reload"
printf '%-6s %10s %10s %14s %10s %10s %10s %10s\n' nets "start kB" "(2) kB" "kB/net (2)" "peak kB" "heap kB" "anon kB" "file kB"
first=
for n in $NETS; do
	[ -n "$first" ] || first=$n
	slope=$(awk -v a="${RSS_AFTER[$first]}" -v b="${RSS_AFTER[$n]}" -v n0="$first" -v n="$n" \
		'BEGIN { if (n > n0) printf "%.1f", (b - a) / (n - n0); else print "-" }')
	printf '%-6s %10s %10s %14s %10s %10s %10s %10s\n' "$n" "${RSS_START[$n]}" "${RSS_AFTER[$n]}" "$slope" \
		"${RSS_HWM[$n]}" "${RSS_HEAP[$n]}" "${RSS_ANON[$n]}" "${RSS_FILE[$n]}"
done
echo "goals: <= 4096 kB with one network, <= 20 kB per further network (kB/net: from the first N's (2))"
