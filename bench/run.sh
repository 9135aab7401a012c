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
#                      gw-1 ── [first], gw-N ── [last], [d]   parts 2-4, 6
#
# BENCH_NETS="1 100 500"  BENCH_REPS=5  BENCH_SECONDS=2
# BENCH_PARTS="ruleset guard scale forwards qemu guard_many events" (a
# subset runs just those; forwards is bench/forwards.sh, run after the
# others, BENCH_FORWARDS; qemu is bench/qemu.sh, a real guest's boot to
# lease, BENCH_QEMU_REPS; guard_many is bench/guard_many.sh, the guard with
# many networks after a burst of link changes, BENCH_GM_NETS; events is
# bench/events.sh, issue 17's goals with the goal beside each figure:
# gatewayd's CPU per host link event, a burst of veth pairs' CPU, the
# guard's DHCP and RA reaction right after it, a VM start's CPU at N vs 1
# network; BENCH_EV_NETS="1 1000" BENCH_EV_REPS=3 BENCH_EV_LINKS=200
# BENCH_EV_BURST=200 BENCH_EV_VMS=5 BENCH_EV_V6=1 BENCH_EV_QUIET_MAX=600,
# and with BENCH_GATEWAYD_OLD both binaries taking turns -- main 7cf2d13's
# IPv6 dnsmasqs take hours at 1,000 networks: give it e.g.
# BENCH_EV_NETS="1 300" BENCH_EV_BURST=100)
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

NETS=${BENCH_NETS:-1 100 500}
REPS=${BENCH_REPS:-5}
SECS=${BENCH_SECONDS:-2}
PARTS=${BENCH_PARTS:-ruleset guard scale forwards qemu guard_many events}
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
	echo "2-4, 6. N networks: guest on network 1 vs network N taking turns (median of $REPS x $SECS s);"
	echo "start = exec -> lease on network N, stop = SIGTERM -> exited, bridges gone (median of $REPS cycles"
	echo "for N <= 100, one above); reload = gatewayctl reload with one network changed (median of $REPS)"
	printf '%-6s %10s %10s %6s %9s %9s %6s %9s %8s %8s %8s\n' nets "UDP net 1" "UDP net N" "N/1" \
		"TCP net 1" "TCP net N" "N/1" "start ms" "stop ms" "reload" "RSS kB"
	for n in $NETS; do
		printf '%-6s %10s %10s %6s %9s %9s %6s %9s %8s %8s %8s\n' "$n" "${SC_UDP1[$n]}" "${SC_UDPN[$n]}" \
			"$(ratio "${SC_UDP1[$n]}" "${SC_UDPN[$n]}")" "${SC_TCP1[$n]}" "${SC_TCPN[$n]}" \
			"$(ratio "${SC_TCP1[$n]}" "${SC_TCPN[$n]}")" "${SC_START[$n]}" "${SC_STOP[$n]}" \
			"${SC_RELOAD[$n]}" "${SC_RSS[$n]}"
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
echo "targets: gatewayd within 3 % of the bare masquerade; N/1 flat (x1.00 within noise); guard <= 100 ms under load"
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
	u='' t=''
	for n in $NETS; do
		u="$u $(ratio "${SC_UDP1[$n]}" "${SC_UDPN[$n]}")"
		t="$t $(ratio "${SC_TCP1[$n]}" "${SC_TCPN[$n]}")"
	done
	m="${m:+$m; }N/1 UDP${u}, TCP${t}"
fi
part guard && m="${m:+$m; }guard median/max: idle ${GD_MED[idle]}/${GD_MAX[idle]}, doctor ${GD_MED[doctor]}/${GD_MAX[doctor]}, clients ${GD_MED[clients]}/${GD_MAX[clients]}, load ${GD_MED[load]}/${GD_MAX[load]} ms"
echo "measured: $m"
[ -n "${BENCH_RAW:-}" ] && mkdir -p "$BENCH_RAW" && cp "$T"/rs-* "$T"/sc-* "$BENCH_RAW"/ 2>/dev/null
# A figure that is missing or 0 means the bench itself is broken (e.g. a
# guest gatewayd does not let through): say so and fail, so a short smoke
# run in CI catches it.
broken=''
part ruleset && broken="$broken$(rs_broken)"
if part scale; then
	for n in $NETS; do
		for f in "${SC_UDP1[$n]}" "${SC_UDPN[$n]}" "${SC_TCP1[$n]}" "${SC_TCPN[$n]}"; do
			case $f in '' | - | 0) broken="$broken; scale, $n networks: a packet figure is missing" ;; esac
		done
	done
fi
[ -s "$T/tcp-fails" ] && { echo "failed TCP connects:"; sort "$T/tcp-fails" | uniq -c; }
[ -s "$T/notes" ] && { echo "notes:"; sort "$T/notes" | uniq -c; }
echo "took $((SECONDS - t_begin)) s"
# Port forwards: its own topology, in its own process.
if part forwards; then
	echo
	bash "$BENCH/forwards.sh"
fi
# A real guest's boot to lease: its own topology, in its own process.
if part qemu; then
	echo
	bash "$BENCH/qemu.sh"
fi
# The guard with many networks: its own topology, in its own process.
if part guard_many; then
	echo
	bash "$BENCH/guard_many.sh"
fi
# Host events with many networks (issue 17's goals): its own topology, in
# its own process.
if part events; then
	echo
	bash "$BENCH/events.sh"
fi
[ -z "$broken" ] || fail "measured nothing: ${broken#; }"
