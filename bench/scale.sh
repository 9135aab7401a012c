# Parts 2, 3, 4 and 6 of make bench (sourced by run.sh): N networks, for
# each N in BENCH_NETS.
#   start   from exec of gatewayd until busybox udhcpc in guest d on the
#           LAST network has a lease (its veth is plugged into gw-N as soon
#           as the bridge exists, udhcpc starts once that network's dnsmasq
#           has its DHCP socket)
#   stop    SIGTERM until gatewayd has exited and no gw-* bridge is left
#           Both: median of BENCH_REPS start/stop cycles for N <= 100, one
#           cycle above (500 networks take ~30 s to stop).
#   packets 64-byte UDP packets/s and new TCP connections/s, guest first
#           (network 1) and guest last (network N) taking turns
#   reload  `gatewayctl reload` with network N's lease time changed, until
#           it returns (answering "... applied")
#   RSS     gatewayd's VmRSS after all of the above
#
#   [inet] ── up0 [host: gatewayd] gw-1 ── [first] .50
#                                  gw-N ── [last] .60, [d] (DHCP)

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

# sc_packets N: first and last guest taking turns.
sc_packets() {
	local n=$1 r
	guest first gw-1 "$(subnet 1).50/24" "$(subnet 1).1"
	guest last "gw-$n" "$(subnet "$n").60/24" "$(subnet "$n").1"
	bind_guest "gwt$ID-first"
	bind_guest "gwt$ID-last"
	for r in $(seq 1 "$REPS"); do # ABBA: which goes first swaps each time
		progress "$n networks: packets, rep $r/$REPS"
		if [ $((r % 2)) = 1 ]; then
			udp_pps "gwt$ID-first" 5201 >>"$T/sc-udp1-$n"
			udp_pps "gwt$ID-last" 5202 >>"$T/sc-udpN-$n"
			tcp_cps "gwt$ID-first" >>"$T/sc-tcp1-$n"
			tcp_cps "gwt$ID-last" >>"$T/sc-tcpN-$n"
		else
			udp_pps "gwt$ID-last" 5202 >>"$T/sc-udpN-$n"
			udp_pps "gwt$ID-first" 5201 >>"$T/sc-udp1-$n"
			tcp_cps "gwt$ID-last" >>"$T/sc-tcpN-$n"
			tcp_cps "gwt$ID-first" >>"$T/sc-tcp1-$n"
		fi
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
	local n cycles c
	ip netns add "gwt$ID-d"
	GUESTS+=("gwt$ID-d")
	ip -n "gwt$ID-d" link set lo up
	ip -n "$NS_HOST" link add vd type veth peer name eth0 netns "gwt$ID-d"
	ip -n "$NS_HOST" link set vd up
	ip -n "gwt$ID-d" link set eth0 up
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
		SC_TCP1[$n]=$(median <"$T/sc-tcp1-$n")
		SC_TCPN[$n]=$(median <"$T/sc-tcpN-$n")
	done
}
declare -A SC_START SC_STOP SC_RELOAD SC_RSS SC_UDP1 SC_UDPN SC_TCP1 SC_TCPN
