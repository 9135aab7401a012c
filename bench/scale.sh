# Parts 2, 3, 4 and 6 of make bench (sourced by run.sh): N networks, for
# each N in BENCH_NETS.
#   start   from exec of gatewayd until busybox udhcpc in guest d on the
#           LAST network has a lease (its veth is plugged into gw-N as soon
#           as the bridge exists, udhcpc starts once that network's dnsmasq
#           has its DHCP socket)
#   stop    SIGTERM until gatewayd has exited and no gw-* bridge is left
#           Both: median of BENCH_REPS start/stop cycles for N <= 100, one
#           cycle above (500 networks take ~30 s to stop).
#   packets 64-byte UDP packets/s and new TCP connections/s, three guests
#           taking turns: first (network 1) and last (network N) of the
#           daemon with N networks, and solo, on the one network of a
#           second daemon that runs the whole part in a topology of its
#           own (host1, inet1: the same addresses), so that N/1 is
#           measured both ways -- network N vs network 1 in one daemon,
#           and a daemon with N networks vs a daemon with 1
#   reload  `gatewayctl reload` with network N's lease time changed, until
#           it returns (answering "... applied")
#   RSS     gatewayd's VmRSS after all of the above; per further network:
#           (RSS at N - RSS with 1 network) / (N - 1), RSS with 1 network
#           from N = 1's row if BENCH_NETS has it, else the solo daemon's
#
#   [inet] ── up0 [host: gatewayd, N networks] gw-1 ── [first] .50
#                                              gw-N ── [last] .60, [d] (DHCP)
#   [inet1] ── up0 [host1: gatewayd, 1 network] gw-1 ── [solo] .60
#   (inet1: iperf3 on 5201, TCP accept loop on 9100, as in inet)
#
# Goals printed beside the figures (issue 18): 1 network exec -> lease
# <= 20 ms; 500 networks start <= 3 s, stop <= 3 s; RSS <= 4 MiB with 1
# network, <= 20 KiB per further network.

# sc_start N: one timed start; ms to $T/sc-start-N.
sc_start() {
	local n=$1 t0 end
	now_ms; t0=$NOW
	gw_exec
	end=$((SECONDS + 300))
	until ip -n "$NS_HOST" link set vd master "gw-$n" up 2>/dev/null; do
		kill -0 "$GW_PID" 2>/dev/null || fail "gatewayd exited during start ($n networks)"
		[ $SECONDS -lt $end ] || fail "no bridge gw-$n after 300 s"
		sleep 0.01
	done
	until ip netns exec "$NS_HOST" ss -Huln 'sport = :67' | grep -q "%gw-$n:"; do
		kill -0 "$GW_PID" 2>/dev/null || fail "gatewayd exited during start ($n networks)"
		[ $SECONDS -lt $end ] || fail "no DHCP socket on gw-$n after 300 s"
		sleep 0.01
	done
	ip netns exec "gwt$ID-d" busybox udhcpc -i eth0 -f -q -n -t 20 -T 1 -s /bin/true >>"$T/udhcpc.log" 2>&1 ||
		fail "guest d got no lease on network $n"
	now_ms
	echo $((NOW - t0)) >>"$T/sc-start-$n"
}

# sc_stop N: one timed stop; ms to $T/sc-stop-N.
sc_stop() {
	local n=$1 t0
	now_ms; t0=$NOW
	gw_stop || fail "gatewayd exit status ($n networks)"
	until [ "$(bridges_left)" = 0 ]; do
		[ $((${EPOCHREALTIME%[.,]*} - t0 / 1000)) -lt 60 ] || fail "bridges left 60 s after stop: $(bridges_left)"
		sleep 0.01
	done
	now_ms
	echo $((NOW - t0)) >>"$T/sc-stop-$n"
	rm -rf "$T/state" "$T/run"
	mkdir -p "$T/state" "$T/run"
}

# sc_solo_start: host1 and inet1 (a copy of the main topology, its own
# servers), a gatewayd there with one network, and guest solo on it,
# bound. It runs until sc_solo_stop.
SC_H1=gwt$ID-host1 SC_I1=gwt$ID-inet1 SC_SOLO=gwt$ID-solo SC_SOLO_PID=
sc_solo_start() {
	local ns a
	a=$(subnet 1).60
	for ns in "$SC_H1" "$SC_I1" "$SC_SOLO"; do
		ip netns add "$ns"
		EXTRA_NS+=("$ns")
		ip -n "$ns" link set lo up
	done
	ip -n "$SC_H1" link add up0 type veth peer name eth0 netns "$SC_I1"
	ip -n "$SC_H1" addr add 198.51.100.2/24 dev up0
	ip -n "$SC_H1" link set up0 up
	ip -n "$SC_I1" addr add "$INET_IP/24" dev eth0
	ip -n "$SC_I1" link set eth0 up
	ip -n "$SC_H1" route add default via "$INET_IP"
	ip netns exec "$SC_I1" iperf3 -s -D -p 5201 -B "$INET_IP" --logfile "$T/iperf1.log" --pidfile "$T/iperf1.pid"
	ip netns exec "$SC_I1" perl "$BENCH/tcp_conn.pl" accept "$INET_IP" 9100 &
	disown $! # cleanup ends it with the namespace
	wait_until 5 sh -c "ip netns exec $SC_I1 ss -Hltn | grep -q '$INET_IP:9100 '" || fail "inet1: TCP accept loop not listening"
	wait_until 5 sh -c "ip netns exec $SC_I1 ss -Hltn | grep -q '$INET_IP:5201 '" || fail "inet1: iperf3 not listening"
	mkdir -p "$T/solo/state" "$T/solo/run"
	{
		conf_globals "$T/solo"
		printf 'network n1 {\n bridge = "gw-1"\n ipv4 = "%s.1/24"\n dhcp { lease_time = 1h }\n ra { enabled = false }\n' "$(subnet 1)"
		host_line solo "$a"
		echo "}"
	} >"$T/solo/gw.conf"
	ip netns exec "$SC_H1" "$GATEWAYD" -f -c "$T/solo/gw.conf" >>"$T/solo/gw.log" 2>&1 &
	SC_SOLO_PID=$!
	wait_until 60 ip -n "$SC_H1" link show gw-1 ||
		{ cat "$T/solo/gw.log" >&2; fail "solo daemon: no gw-1"; }
	ip -n "$SC_H1" link add vsolo type veth peer name eth0 netns "$SC_SOLO" address "$(guest_mac "$a")"
	ip -n "$SC_H1" link set vsolo master gw-1 up
	ip -n "$SC_SOLO" link set eth0 up
	ip -n "$SC_SOLO" addr add "$a/24" dev eth0
	ip -n "$SC_SOLO" route add default via "$(subnet 1).1"
	wait_until 30 sh -c "ip netns exec $SC_H1 ss -Huln 'sport = :67' | grep -q '%gw-1:'" ||
		{ cat "$T/solo/gw.log" >&2; fail "solo daemon: no DHCP socket on gw-1"; }
	bind_guest "$SC_SOLO"
}

sc_solo_stop() {
	kill -TERM "$SC_SOLO_PID"
	wait "$SC_SOLO_PID" || fail "solo daemon's exit status"
	SC_SOLO_PID=
}

# sc_measure N WHO: one UDP and one TCP sample from guest WHO (first,
# last, solo) with N networks.
sc_measure() {
	local n=$1
	case $2 in
	first) udp_pps "gwt$ID-first" 5201 >>"$T/sc-udp1-$n"; tcp_cps "gwt$ID-first" >>"$T/sc-tcp1-$n" ;;
	last) udp_pps "gwt$ID-last" 5202 >>"$T/sc-udpN-$n"; tcp_cps "gwt$ID-last" >>"$T/sc-tcpN-$n" ;;
	solo)
		warm "$SC_SOLO"
		udp_pps_to "$SC_SOLO" "$SC_I1" "$INET_IP" 5201 >>"$T/sc-udpS-$n"
		tcp_cps "$SC_SOLO" >>"$T/sc-tcpS-$n"
		;;
	esac
}

# sc_packets N: guests first, last and solo taking turns, each repetition
# a different order (every guest first, middle and last once in 3).
sc_packets() {
	local n=$1 r w order
	guest first gw-1 "$(subnet 1).50/24" "$(subnet 1).1"
	guest last "gw-$n" "$(subnet "$n").60/24" "$(subnet "$n").1"
	bind_guest "gwt$ID-first"
	bind_guest "gwt$ID-last"
	for r in $(seq 1 "$REPS"); do
		progress "$n networks: packets, rep $r/$REPS"
		case $((r % 6)) in
		1) order="first last solo" ;;
		2) order="solo last first" ;;
		3) order="last solo first" ;;
		4) order="first solo last" ;;
		5) order="solo first last" ;;
		0) order="last first solo" ;;
		esac
		for w in $order; do sc_measure "$n" "$w"; done
	done
	unguest first
	unguest last
}

# sc_reload N: BENCH_REPS reloads, each changing network N's lease time.
sc_reload() {
	local n=$1 r t0 out
	for r in $(seq 1 "$REPS"); do
		net_conf "$n" $((r % 2 ? n : 0))
		now_ms; t0=$NOW
		out=$($GATEWAYCTL -s "$T/run/gatewayd.sock" reload 2>&1) || fail "reload ($n networks): $out"
		now_ms
		echo $((NOW - t0)) >>"$T/sc-reload-$n"
		case $out in *applied*) ;; *) echo "reload ($n networks) said: $out" >>"$T/notes" ;; esac
	done
}

sc_run() {
	local n cycles c r1
	ip netns add "gwt$ID-d"
	GUESTS+=("gwt$ID-d")
	ip -n "gwt$ID-d" link set lo up
	ip -n "$NS_HOST" link add vd type veth peer name eth0 netns "gwt$ID-d"
	ip -n "$NS_HOST" link set vd up
	ip -n "gwt$ID-d" link set eth0 up
	progress "scale: the daemon with 1 network (host1)"
	sc_solo_start
	for n in $NETS; do
		net_conf "$n"
		cycles=$REPS
		[ "$n" -le 100 ] || cycles=1
		for c in $(seq 1 "$cycles"); do
			progress "$n networks: start/stop cycle $c/$cycles"
			sc_start "$n"
			if [ "$c" = "$cycles" ]; then
				sc_packets "$n"
				progress "$n networks: reload"
				sc_reload "$n"
				SC_RSS[$n]=$(rss)
			fi
			sc_stop "$n"
		done
		SC_START[$n]=$(median <"$T/sc-start-$n")
		SC_STOP[$n]=$(median <"$T/sc-stop-$n")
		SC_RELOAD[$n]=$(median <"$T/sc-reload-$n")
		SC_UDP1[$n]=$(median <"$T/sc-udp1-$n")
		SC_UDPN[$n]=$(median <"$T/sc-udpN-$n")
		SC_UDPS[$n]=$(median <"$T/sc-udpS-$n")
		SC_TCP1[$n]=$(median <"$T/sc-tcp1-$n")
		SC_TCPN[$n]=$(median <"$T/sc-tcpN-$n")
		SC_TCPS[$n]=$(median <"$T/sc-tcpS-$n")
	done
	SC_RSS_SOLO=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SC_SOLO_PID/status")
	sc_solo_stop
	r1=${SC_RSS[1]:-$SC_RSS_SOLO}
	for n in $NETS; do
		SC_RSSPER[$n]=-
		[ "$n" -gt 1 ] && [ -n "${SC_RSS[$n]}" ] && [ -n "$r1" ] &&
			SC_RSSPER[$n]=$(awk -v a="$r1" -v b="${SC_RSS[$n]}" -v n="$n" 'BEGIN { printf "%.1f", (b - a) / (n - 1) }')
	done
}
declare -A SC_START SC_STOP SC_RELOAD SC_RSS SC_RSSPER SC_UDP1 SC_UDPN SC_UDPS SC_TCP1 SC_TCPN SC_TCPS
SC_RSS_SOLO=
