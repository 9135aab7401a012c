#!/bin/bash
# make bench: what gatewayd costs a guest's packets, how that grows with
# the number of networks, how long start, stop and reload take, how fast
# the uplink guard reacts when gatewayd is busy, and its memory. Network
# namespaces only (tests/integ/lib.sh's topology; nothing in the root
# namespace). Every figure is a median of BENCH_REPS repetitions, the
# variants compared taking turns, printed side by side as ratios. It
# reports; it enforces nothing (the machine may be shared).
#
#   [inet] iperf3 servers, TCP accept loop ── up0 [host]
#                      gwa ── [a]                 part 1 ruleset, part 5 guard
#                      gw-1 ── [first], gw-N ── [last], [d]   parts 2-4, 6 (scale)
#   [inet1] the same ── up0 [host1] gw-1 ── [solo]    scale: a daemon with 1 network
#
# BENCH_PARTS="ruleset guard scale forwards qemu guard_many events rss quota" (a
# subset runs just those; ruleset, guard and scale in this process, the
# others after them, each bench/PART.sh in its own process and topology)
# BENCH_REPS=5 BENCH_SECONDS=2 (ruleset, guard, scale; forwards and
# guard_many take 3 repetitions unless BENCH_REPS is set)
# scale: BENCH_NETS="1 100 500 1000"
# forwards (port forwards): BENCH_FORWARDS="10 1000 10000"
# qemu (a real guest's boot to lease, software emulation as the t_qemu_*
# tests; it skips where they skip): BENCH_QEMU_REPS=5
# guard_many (the guard with many networks after a burst of link
# changes): BENCH_GM_NETS="100 300" BENCH_GM_BURST=200
# BENCH_GM_VARIANTS="dynamic interfaces" BENCH_GM_V6= (1: IPv6 and RA)
# events (issue 17's goals, each beside its figure: gatewayd's CPU per host
# link event, a burst of veth pairs' CPU, the guard's DHCP and RA reaction
# right after it, a VM start's CPU at N vs 1 network):
# BENCH_EV_NETS="1 1000" BENCH_EV_REPS=3 BENCH_EV_LINKS=200
# BENCH_EV_BURST=200 BENCH_EV_VMS=5 BENCH_EV_V6=1 BENCH_EV_QUIET_MAX=600,
# and with BENCH_GATEWAYD_OLD both binaries taking turns -- main 7cf2d13's
# IPv6 dnsmasqs take hours at 1,000 networks: give it e.g.
# BENCH_EV_NETS="1 300" BENCH_EV_BURST=100
# rss (gatewayd's memory, after start and after two guests and a reload):
# BENCH_RSS_NETS="1 100 500 1000"
# BENCH_SMOKE=1: every part once at a small size, 1 s samples (.ci/run):
# BENCH_NETS="1 3" BENCH_REPS=1 BENCH_SECONDS=1 BENCH_FORWARDS="10 100"
# BENCH_QEMU_REPS=1 BENCH_GM_NETS=10 BENCH_GM_BURST=20 BENCH_EV_NETS="1 10"
# BENCH_EV_REPS=1 BENCH_EV_LINKS=20 BENCH_EV_BURST=20 BENCH_EV_VMS=1
# BENCH_RSS_NETS="1 10" (part 1: BENCH_BREAKDOWN=skel, no perf)
# A part that fails or misses a figure fails the run (exit status 1); the
# figures themselves are reported, never enforced.
# BENCH_VARIANTS="none masq masqfwd gatewayd libvirt masq6 gatewayd6
# gatewayd6r libvirt6" (part 1's variants; bench/ruleset.sh says what each
# is) BENCH_BREAKDOWN=1 adds gatewayd_no_PART for each part of
# GATEWAYD_TEST_OMIT and gatewayd_skel (skel: gatewayd_skel alone; 0:
# neither); BENCH_PERF=1 the per-hook shares with perf (0: not)
# BENCH_GATEWAYD_OLD=/path/to/old/gatewayd adds part 1's variant
# gatewayd_old (that binary, same config) and the ratio new / old, and
# runs part events with both, e.g.
#   BENCH_PARTS=ruleset BENCH_VARIANTS="gatewayd gatewayd_old" BENCH_REPS=15 \
#   BENCH_GATEWAYD_OLD=/path/to/old/build/gatewayd make bench
# BENCH_GATEWAYD_ALT="NAME=/path ..." adds variants gatewayd_NAME likewise
# BENCH_RAW=DIR keeps every sample (DIR/rs-udp-VARIANT ..., one a line)
ID=bench$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft iperf3 perl iptables-restore
perl -MTime::HiRes -MIO::Socket::UNIX -e1 2>/dev/null || skip "needs perl's Time::HiRes (Debian package perl)"
[ -x "$GATEWAYCTL" ] || skip "build gatewayctl first ($GATEWAYCTL)"

# BENCH_SMOKE=1: every part once, small (what .ci/run runs); a variable
# set explicitly still wins.
if [ -n "${BENCH_SMOKE:-}" ]; then
	export BENCH_NETS=${BENCH_NETS:-1 3} BENCH_REPS=${BENCH_REPS:-1} BENCH_SECONDS=${BENCH_SECONDS:-1} \
		BENCH_FORWARDS=${BENCH_FORWARDS:-10 100} BENCH_QEMU_REPS=${BENCH_QEMU_REPS:-1} \
		BENCH_GM_NETS=${BENCH_GM_NETS:-10} BENCH_GM_BURST=${BENCH_GM_BURST:-20} \
		BENCH_EV_NETS=${BENCH_EV_NETS:-1 10} BENCH_EV_REPS=${BENCH_EV_REPS:-1} BENCH_EV_LINKS=${BENCH_EV_LINKS:-20} \
		BENCH_EV_BURST=${BENCH_EV_BURST:-20} BENCH_EV_VMS=${BENCH_EV_VMS:-1} \
		BENCH_RSS_NETS=${BENCH_RSS_NETS:-1 10}
fi
NETS=${BENCH_NETS:-1 100 500 1000}
REPS=${BENCH_REPS:-5}
SECS=${BENCH_SECONDS:-2}
PARTS=${BENCH_PARTS:-ruleset guard scale forwards qemu guard_many events rss quota}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }
. "$BENCH/ruleset.sh"
. "$BENCH/guard.sh"
. "$BENCH/scale.sh"

t_begin=$SECONDS
read -r load0 _ </proc/loadavg
: >"$T/notes"
topo_init
servers
if part ruleset; then rs_run; elif part guard; then rs_setup; fi
part guard && gd_run
part scale && sc_run
read -r load1 _ </proc/loadavg

echo
echo "make bench: $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo "(not a git tree)"), $(date -u '+%F %H:%M') UTC, $(nproc) CPUs," \
	"load average $load0 at start, $load1 at end; BENCH_REPS=$REPS BENCH_SECONDS=$SECS BENCH_NETS=\"$NETS\""
echo "binaries: $GATEWAYD, $GATEWAYCTL"
part ruleset && rs_print
if part scale; then
	echo
	echo "2. N networks, packets: 64-byte UDP pkt/s and new TCP conn/s, median of $REPS x $SECS s, three guests taking"
	echo "   turns: on network 1 and on network N of a daemon with N networks (N/1: one daemon), and on the one"
	echo "   network of a second daemon running beside it (N/d1: a daemon with N networks vs one with 1)"
	printf '%-6s %9s %9s %9s %6s %6s %9s %9s %9s %6s %6s\n' nets "UDP net1" "UDP netN" "UDP d1" "N/1" "N/d1" \
		"TCP net1" "TCP netN" "TCP d1" "N/1" "N/d1"
	for n in $NETS; do
		printf '%-6s %9s %9s %9s %6s %6s %9s %9s %9s %6s %6s\n' "$n" "${SC_UDP1[$n]}" "${SC_UDPN[$n]}" "${SC_UDPS[$n]}" \
			"$(ratio "${SC_UDP1[$n]}" "${SC_UDPN[$n]}")" "$(ratio "${SC_UDPS[$n]}" "${SC_UDPN[$n]}")" \
			"${SC_TCP1[$n]}" "${SC_TCPN[$n]}" "${SC_TCPS[$n]}" \
			"$(ratio "${SC_TCP1[$n]}" "${SC_TCPN[$n]}")" "$(ratio "${SC_TCPS[$n]}" "${SC_TCPN[$n]}")"
	done
	echo
	echo "3, 4, 6. N networks: start = exec -> lease on network N, stop = SIGTERM -> exited, bridges gone (median of"
	echo "   $REPS cycles for N <= 100, one above); reload = gatewayctl reload with one network changed (median of $REPS);"
	ref="the row for 1 network"
	[ -n "${SC_RSS[1]:-}" ] || ref="the second daemon's $SC_RSS_SOLO kB"
	echo "   RSS after all that, and per further network (against $ref);"
	echo "   goals in brackets"
	printf '%-6s %16s %16s %9s %14s %14s\n' nets "start ms" "stop ms" "reload ms" "RSS kB" "kB/net"
	for n in $NETS; do
		case $n in
		1) g1=' (<=20)' g2='' g3=' (<=4096)' ;;
		500) g1=' (<=3000)' g2=' (<=3000)' g3='' ;;
		*) g1='' g2='' g3='' ;;
		esac
		g4=''
		[ "$n" -gt 1 ] && g4=' (<=20)'
		printf '%-6s %16s %16s %9s %14s %14s\n' "$n" "${SC_START[$n]}$g1" "${SC_STOP[$n]}$g2" "${SC_RELOAD[$n]}" \
			"${SC_RSS[$n]}$g3" "${SC_RSSPER[$n]}$g4"
	done
fi
if part guard; then
	echo
	echo "5. Guard: a VXLAN port joins a guest bridge -> that network's dnsmasq is gone; ms, $REPS each, conditions taking turns"
	echo "(logged: median ms until gatewayd logged the foreign port; poll gap: the poller's own longest wait"
	echo "between looks -- near max means the machine starved the poller too)"
	printf '%-10s %7s %6s %7s %9s %9s  %s\n' condition median max logged timeouts "poll gap" "all"
	for c in "${GD_CONDS[@]}"; do
		printf '%-10s %7s %6s %7s %9s %9s  %s\n' "$c" "${GD_MED[$c]}" "${GD_MAX[$c]}" "${GD_LOG[$c]}" "${GD_TIMEOUTS[$c]}" \
			"${GD_GAP[$c]}" "${GD_ALL[$c]}"
	done
fi
echo
echo "targets: gatewayd within 3 % of the bare masquerade; N/1 and N/d1 flat (x1.00 within noise); guard <= 100 ms under load"
m=
part ruleset && [ -n "${RS_UDP[masq]:-}" ] && [ -n "${RS_UDP[gatewayd]:-}" ] && m="gatewayd/masquerade UDP $(ratio "${RS_UDP[masq]}" "${RS_UDP[gatewayd]}"), TCP $(ratio "${RS_TCP[masq]}" "${RS_TCP[gatewayd]}")"
part ruleset && [ -n "${RS_UDP[masqfwd]:-}" ] && [ -n "${RS_UDP[gatewayd]:-}" ] &&
	m="$m (/masquerade + forward filter UDP $(ratio "${RS_UDP[masqfwd]}" "${RS_UDP[gatewayd]}"), TCP $(ratio "${RS_TCP[masqfwd]}" "${RS_TCP[gatewayd]}"))"
part ruleset && [ -n "${RS_UDP[libvirt]:-}" ] && [ -n "${RS_UDP[gatewayd]:-}" ] &&
	m="${m:+$m; }gatewayd/libvirt UDP $(ratio "${RS_UDP[libvirt]}" "${RS_UDP[gatewayd]}"), TCP $(ratio "${RS_TCP[libvirt]}" "${RS_TCP[gatewayd]}")"
part ruleset && [ -n "${RS_UDP[masq6]:-}" ] && [ -n "${RS_UDP[gatewayd6]:-}" ] &&
	m="${m:+$m; }IPv6 gatewayd NAT66/masquerade UDP $(ratio "${RS_UDP[masq6]}" "${RS_UDP[gatewayd6]}"), TCP $(ratio "${RS_TCP[masq6]}" "${RS_TCP[gatewayd6]}")"
part ruleset && [ -n "${RS_UDP[libvirt6]:-}" ] && [ -n "${RS_UDP[gatewayd6r]:-}" ] &&
	m="${m:+$m; }IPv6 gatewayd routed/libvirt UDP $(ratio "${RS_UDP[libvirt6]}" "${RS_UDP[gatewayd6r]}"), TCP $(ratio "${RS_TCP[libvirt6]}" "${RS_TCP[gatewayd6r]}")"
part ruleset && [ -n "${RS_UDP[gatewayd_old]:-}" ] && [ -n "${RS_UDP[gatewayd]:-}" ] &&
	m="${m:+$m; }gatewayd/gatewayd_old UDP $(ratio "${RS_UDP[gatewayd_old]}" "${RS_UDP[gatewayd]}"), TCP $(ratio "${RS_TCP[gatewayd_old]}" "${RS_TCP[gatewayd]}"), guest->guest UDP $(ratio "${RS_GG[gatewayd_old]}" "${RS_GG[gatewayd]}") (per CPU-second: $(ratio "${RS_UDPC[gatewayd_old]}" "${RS_UDPC[gatewayd]}"), $(ratio "${RS_TCPC[gatewayd_old]}" "${RS_TCPC[gatewayd]}"), $(ratio "${RS_GGC[gatewayd_old]}" "${RS_GGC[gatewayd]}"))"
if part scale; then
	u='' t='' ud='' td=''
	for n in $NETS; do
		u="$u $(ratio "${SC_UDP1[$n]}" "${SC_UDPN[$n]}")"
		t="$t $(ratio "${SC_TCP1[$n]}" "${SC_TCPN[$n]}")"
		ud="$ud $(ratio "${SC_UDPS[$n]}" "${SC_UDPN[$n]}")"
		td="$td $(ratio "${SC_TCPS[$n]}" "${SC_TCPN[$n]}")"
	done
	m="${m:+$m; }N/1 UDP${u}, TCP${t}; N/d1 UDP${ud}, TCP${td}"
fi
part guard && m="${m:+$m; }guard median/max: idle ${GD_MED[idle]}/${GD_MAX[idle]}, doctor ${GD_MED[doctor]}/${GD_MAX[doctor]}, clients ${GD_MED[clients]}/${GD_MAX[clients]}, load ${GD_MED[load]}/${GD_MAX[load]} ms"
echo "measured: $m"
[ -n "${BENCH_RAW:-}" ] && mkdir -p "$BENCH_RAW" && cp "$T"/rs-* "$T"/sc-* "$BENCH_RAW"/ 2>/dev/null
# A figure that is missing or 0 means the bench itself is broken (e.g. a
# guest gatewayd does not let through): say so and fail, so a short smoke
# run in CI catches it.
broken=''
part ruleset && broken="$broken$(rs_broken)"
if part guard; then
	for c in "${GD_CONDS[@]}"; do
		case ${GD_MED[$c]} in '' | -) broken="$broken; guard, $c: DHCP never stopped (${GD_ALL[$c]})" ;; esac
	done
fi
if part scale; then
	for n in $NETS; do
		for f in "${SC_UDP1[$n]}" "${SC_UDPN[$n]}" "${SC_UDPS[$n]}" "${SC_TCP1[$n]}" "${SC_TCPN[$n]}" "${SC_TCPS[$n]}" \
			"${SC_START[$n]}" "${SC_STOP[$n]}" "${SC_RELOAD[$n]}" "${SC_RSS[$n]}"; do
			case $f in '' | - | 0) broken="$broken; scale, $n networks: a figure is missing" ;; esac
		done
	done
fi
[ -s "$T/tcp-fails" ] && { echo "failed TCP connects:"; sort "$T/tcp-fails" | uniq -c; }
[ -s "$T/notes" ] && { echo "notes:"; sort "$T/notes" | uniq -c; }
echo "parts 1-6 took $((SECONDS - t_begin)) s"
# The other parts: each its own topology, in its own process, one after
# the other. A part that fails (a missing figure included: each checks its
# own) fails the run; one that skips (exit 77: something it needs is not
# installed, as the integration tests skip) is noted.
run_part() {
	local rc=0
	part "$1" || return 0
	echo
	bash "$BENCH/$1.sh" || rc=$?
	case $rc in
	0) ;;
	77) skipped="$skipped $1" ;;
	*) broken="$broken; part $1 failed (exit status $rc)" ;;
	esac
}
skipped=''
run_part forwards   # port forwards (bench/forwards.sh)
run_part qemu       # a real guest's boot to lease
run_part guard_many # the guard with many networks
run_part events     # host events with many networks (issue 17's goals)
run_part rss        # gatewayd's memory with N networks (bench/rss.sh)
run_part quota      # what the connection quota costs a new connection (bench/quota.sh)
[ -z "$skipped" ] || { echo; echo "skipped (see SKIP above):$skipped"; }
echo "make bench took $((SECONDS - t_begin)) s"
[ -z "$broken" ] || fail "the bench is broken: ${broken#; }"
