# Part 5 of make bench (sourced by run.sh, after part 1 set up gwa and
# guest a): how fast the uplink guard stops DHCP when a foreign port (a
# VXLAN device; this kernel has no dummy) joins a guest bridge, with
# gatewayd idle and while it is kept busy, the conditions taking turns:
#
#   idle     nothing else going on
#   doctor   `gatewayctl doctor a` waiting on its DHCP self-test (a host
#            firewall table drops DHCP, so the self-test waits its full 2 s)
#   clients  5 control clients dribbling "status\n" a byte every 1.5 s
#   load     guest a sending 64-byte UDP through gwa as fast as it can
#
# Reaction = from `link set vxf master gwa` written to an `ip -batch`
# already waiting for it, to dnsmasq's pid being gone (stopped and reaped),
# looked at every 0.5 ms (react.pl); also when gatewayd logged its decision.
#
#   vxf ─┐
#        gwa [host: gatewayd, network a] ── up0 ── [inet]
#   [a] ─┘

GD_CONDS=(idle doctor clients load)

gd_setup() {
	in_host ip link add vxf type vxlan id 42 dstport 4789
	in_host ip link set vxf up
	# gatewayd first: its guest a binds by DHCP, which the table below drops
	rs_on gatewayd
	in_host nft -f - <<'NFT'
table inet hostfw {
	chain in {
		type filter hook input priority -10;
		udp dport 67 drop
	}
}
NFT
	GD_CTL="$GATEWAYCTL -s $T/run-a/gatewayd.sock"
}

# gd_react COND: one reaction, ms (or "timeout") appended to $T/gd-COND.
gd_react() {
	local pid busy= p doc= cl=() load= i
	pid=$(dnsmasq_pid_of_a)
	[ -n "$pid" ] || fail "guard: network a has no dnsmasq"
	case $1 in
	doctor)
		in_host $GD_CTL doctor a >"$T/doctor.out" 2>&1 &
		doc=$!
		wait_until 5 sh -c "ip -n $NS_HOST -o link show | grep -q gwdt" || fail "doctor's self-test did not start"
		;;
	clients)
		for i in 1 2 3 4 5; do
			ip netns exec "$NS_HOST" perl -MIO::Socket::UNIX -e '
				my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
				for my $c (split //, "status\n") { print $s $c; $s->flush; sleep 1.5; }' "$T/run-a/gatewayd.sock" &
			cl+=($!)
		done
		wait_until 3 sh -c "[ \$(ip netns exec $NS_HOST ss -xH state connected | grep -c 'run-a/gatewayd.sock') -ge 5 ]" ||
			fail "control clients did not connect"
		;;
	load)
		ip netns exec "gwt$ID-a" iperf3 -c "$INET_IP" -p 5203 -u -l 64 -b 0 -t 3 >/dev/null 2>&1 &
		load=$!
		p=$(inet_rx)
		wait_until 3 sh -c "[ \$(ip netns exec $NS_INET cat /sys/class/net/eth0/statistics/rx_packets) -gt $((p + 20000)) ]" ||
			fail "UDP load did not start"
		;;
	esac
	p=$(perl "$BENCH/react.pl" "$pid" 5 "$NS_HOST" "link set vxf master $RS_BR" "$T/gw.log" \
		"port vxf .*joined bridge $RS_BR and is not a guest port") || fail "enslaving vxf"
	set -- "$1" $p
	echo "$2" >>"$T/gd-$1"
	echo "$3" >>"$T/gd-log-$1"
	echo "$4" >>"$T/gd-gap-$1"
	case $1 in
	doctor) kill -0 "$doc" 2>/dev/null || busy="doctor had finished" ;;
	clients) [ "$(ip netns exec "$NS_HOST" ss -xH state connected | grep -c 'run-a/gatewayd.sock')" -ge 5 ] || busy="clients were gone" ;;
	load) kill -0 "$load" 2>/dev/null || busy="load had stopped" ;;
	esac
	[ -z "$busy" ] || echo "guard, $1: $busy before DHCP stopped" >>"$T/notes"
	in_host ip link set vxf nomaster
	wait_until 10 sh -c "p=\$(cat $T/run-a/a.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $pid ] && kill -0 \$p" ||
		fail "guard: dnsmasq not back after vxf left"
	[ -n "$doc" ] && wait "$doc"
	for p in "${cl[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	[ -n "$load" ] && wait "$load"
	return 0
}

gd_run() {
	local r i c
	gd_setup
	for r in $(seq 1 "$REPS"); do
		for i in 0 1 2 3; do
			c=${GD_CONDS[$(((i + r - 1) % 4))]}
			progress "guard: rep $r/$REPS, $c"
			gd_react "$c"
		done
	done
	in_host nft delete table inet hostfw
	rs_off gatewayd
	in_host ip link del vxf
	for c in "${GD_CONDS[@]}"; do
		GD_MED[$c]=$(median <"$T/gd-$c")
		GD_MAX[$c]=$(maxof <"$T/gd-$c")
		GD_TIMEOUTS[$c]=$(grep -c timeout "$T/gd-$c")
		GD_GAP[$c]=$(maxof <"$T/gd-gap-$c")
		GD_LOG[$c]=$(median <"$T/gd-log-$c")
		GD_ALL[$c]=$(tr '\n' ' ' <"$T/gd-$c")
	done
}
declare -A GD_MED GD_MAX GD_TIMEOUTS GD_GAP GD_ALL GD_LOG
