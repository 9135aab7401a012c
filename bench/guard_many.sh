#!/bin/bash
# The uplink guard with many networks, after a burst of topology changes:
# N networks (gw-1..gw-N, one dnsmasq each), then BURST veth pairs made
# in the host namespace, brought up (IPv6 link-local addresses), given an
# IPv4 address each and deleted again (one `ip -batch`), and at once a
# foreign port (a VXLAN device) enslaved to the LAST network's bridge.
# Timed: from `link set vxf master gw-N` to that network's dnsmasq being
# gone (react.pl), and to gatewayd's log line. Also the CPU time all the
# dnsmasqs together and gatewayd used from the burst's start to the
# guard's trip (utime + stime, /proc/PID/stat), which says whether the
# dnsmasqs' own reaction to the burst is what keeps gatewayd off the CPU.
#
# Variants (taking turns, each its own gatewayd start): how dnsmasq binds
# its DNS sockets, forced by a wrapper around dnsmasq (gatewayd.conf's
# `dnsmasq` key) that rewrites the bind-* line of the config gatewayd wrote
# (gatewayd itself writes bind-interfaces, IPv6 or not, and sends the RAs
# itself: dhcp/dnsmasq_conf.c, ra/router.c; before issue 17 it wrote
# bind-dynamic and enable-ra for a network with IPv6):
#   dynamic     bind-dynamic: on every address event on the host, each
#               dnsmasq enumerates every interface's addresses again
#   interfaces  bind-interfaces: sockets bound once, to the addresses the
#               bridge has when dnsmasq starts (gatewayd adds them first);
#               no work on address events (without RA and DHCPv6)
#   asis        the config as gatewayd wrote it, nothing rewritten: what
#               this build really runs (GATEWAYD=... compares builds)
#
#   vxf ─┐                       bx1..bxB ═ by1..byB (made and deleted)
#        gw-N [host: gatewayd, gw-1 .. gw-N] ── up0 ── [inet]
#
# BENCH_GM_NETS="100 300"  BENCH_REPS=3  BENCH_GM_BURST=200 (with 1,000
# networks take BENCH_GM_BURST=50: bind-dynamic's burst alone then takes
# minutes, 200 would take the better part of an hour)
# BENCH_GM_VARIANTS="dynamic interfaces"  BENCH_GM_V6=1 (networks with
# IPv6 and RA too); BENCH_GM_VARIANTS=asis GATEWAYD=old/build/gatewayd
# measures another build's real config
ID=benchgm$$
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl
perl -MTime::HiRes -e1 2>/dev/null || skip "needs perl's Time::HiRes"

NETS=${BENCH_GM_NETS:-100 300}
REPS=${BENCH_REPS:-3}
BURST=${BENCH_GM_BURST:-200}
VARIANTS=(${BENCH_GM_VARIANTS:-dynamic interfaces})
V6=${BENCH_GM_V6:-}
DNSMASQ=$(command -v dnsmasq)
HZ=$(getconf CLK_TCK)

topo_init
in_host ip link add vxf type vxlan id 42 dstport 4789
in_host ip link set vxf up

# the wrappers: the same dnsmasq, the bind-* line forced
for v in "${VARIANTS[@]}"; do
	cat >"$T/dnsmasq-$v" <<EOF
#!/bin/sh
# \$1 = --keep-in-foreground, \$2 = --conf-file=PATH (dhcp/supervisor.c)
c=\${2#--conf-file=}
[ $v = asis ] && e= || e='s/^bind-\(dynamic\|interfaces\)\$/bind-$v/'
sed "\$e" "\$c" >"\$c.$v" || exit 1
exec "$DNSMASQ" "\$1" "--conf-file=\$c.$v"
EOF
	chmod 755 "$T/dnsmasq-$v"
done

# burst_file: the batch that makes and deletes BURST veth pairs.
bench_burst_file "$BURST" "$T/burst"

# ticks: CPU ticks (utime + stime) of every running dnsmasq gatewayd
# started, then of gatewayd.
ticks() {
	perl -e 'my $d = 0; my $g = 0;
		sub t { open(my $h, "<", "/proc/$_[0]/stat") or return 0; my $l = <$h>;
			$l =~ s/^.*\) //; my @a = split / /, $l; return $a[11] + $a[12]; }
		for my $f (glob("$ARGV[0]/*.dnsmasq.pid")) {
			open(my $h, "<", $f) or next; my $p = <$h>; next unless defined $p;
			chomp $p; $d += t($p) if $p =~ /^\d+$/; }
		print $d, " ", t($ARGV[1]), "\n";' "$T/run" "$GW_PID"
}

gm_start() {
	local t0
	bench_many_conf "$1" "$T/dnsmasq-$2"
	rm -f "$T"/run/*.dnsmasq.conf.*
	now_ms
	t0=$NOW
	gw_exec
	wait_until 600 sh -c "[ \$(grep -c 'dnsmasq\[n[0-9]*\]: started' $T/gw.log) -ge $1 ]" ||
		fail "$2, $1 networks: only $(grep -c 'dnsmasq\[n[0-9]*\]: started' "$T/gw.log") dnsmasq started"
	now_ms
	echo $((NOW - t0)) >>"$T/gm-start-$1-$2"
	[ "$2" = asis ] || grep -q "^bind-$2\$" "$T/run/n$1.dnsmasq.conf.$2" ||
		fail "wrapper did not force bind-$2"
	sleep 3 # let the start's own events settle
}

gm_stop() {
	kill -TERM "$GW_PID"
	wait "$GW_PID"
	GW_PID=
	wait_until 120 sh -c "[ \$(ip -n $NS_HOST -o link show type bridge | grep -c ' gw-') = 0 ]" ||
		fail "bridges left after stop"
}

# gm_react N VARIANT: one burst and reaction, appended to $T/gm-N-VARIANT
# as "REACT_MS LOG_MS BURST_MS DNSMASQ_CPU_MS GATEWAYD_CPU_MS".
gm_react() {
	local pid t0 t1 c0 c1 r b
	pid=$(dnsmasq_pid_of "n$1")
	[ -n "$pid" ] || fail "network n$1 has no dnsmasq"
	c0=$(ticks)
	now_ms
	t0=$NOW
	in_host ip -batch "$T/burst" || fail "burst"
	now_ms
	t1=$NOW
	r=$(perl "$BENCH/react.pl" "$pid" 20 "$NS_HOST" "link set vxf master gw-$1" "$T/gw.log" \
		"port vxf .*joined bridge gw-$1 and is not a guest port") || fail "enslaving vxf"
	c1=$(ticks)
	set -- $r
	b=$((t1 - t0))
	echo "$1 $2 $b $(((${c1% *} - ${c0% *}) * 1000 / HZ)) $(((${c1#* } - ${c0#* }) * 1000 / HZ))"
	in_host ip link set vxf nomaster
	wait_until 120 sh -c "p=\$(cat $T/run/n$N.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $pid ] && kill -0 \$p" ||
		fail "dnsmasq of n$N not back after vxf left"
	sleep 3
}

t_begin=$SECONDS
read -r load0 _ </proc/loadavg
declare -A ROUND
for N in $NETS; do
	for r in $(seq 1 "$REPS"); do
		for i in "${!VARIANTS[@]}"; do
			v=${VARIANTS[$(((i + r - 1) % ${#VARIANTS[@]}))]}
			progress "guard_many: $N networks, rep $r/$REPS, bind-$v"
			gm_start "$N" "$v"
			gm_react "$N" "$v" >>"$T/gm-$N-$v"
			gm_stop
		done
	done
done
read -r load1 _ </proc/loadavg

col() { awk -v c="$1" '{ print $c }' "$2"; }
echo
echo "Guard with many networks: $BURST veth pairs made and deleted, then a VXLAN port joins the last bridge;"
echo "$(git -C "$TOP" describe --always --dirty 2>/dev/null), $(date -u '+%F %H:%M') UTC, $(nproc) CPUs, load average $load0 at start, $load1 at end;"
echo "BENCH_REPS=$REPS, ${V6:+IPv6 + RA on every network, }medians (all values in brackets), ms; variants taking turns"
echo "(react: port joined -> dnsmasq gone; logged: -> gatewayd's log line; burst: the ip -batch itself;"
echo " CPU: utime+stime from the burst's start to the trip, all dnsmasqs / gatewayd; start: exec -> every dnsmasq started)"
printf "%-6s %-11s %8s %8s %8s %12s %9s %9s  %s\n" nets variant react logged burst "dnsmasq CPU" "gw CPU" "start" "react (all)"
for N in $NETS; do
	for v in "${VARIANTS[@]}"; do
		f=$T/gm-$N-$v
		printf '%-6s %-11s %8s %8s %8s %12s %9s %9s  %s\n' "$N" "$v" "$(col 1 "$f" | median)" "$(col 2 "$f" | median)" \
			"$(col 3 "$f" | median)" "$(col 4 "$f" | median)" "$(col 5 "$f" | median)" "$(median <"$T/gm-start-$N-$v")" "$(col 1 "$f" | tr '\n' ' ')"
	done
done
echo "took $((SECONDS - t_begin)) s"
# a figure missing (every reaction timed out) means the bench or the guard
# is broken: fail (make bench fails too)
for N in $NETS; do
	for v in "${VARIANTS[@]}"; do
		[ "$(col 1 "$T/gm-$N-$v" | median)" != - ] || fail "guard_many, $N networks, $v: DHCP never stopped ($(col 1 "$T/gm-$N-$v" | tr '\n' ' '))"
		[ "$(median <"$T/gm-start-$N-$v")" != - ] || fail "guard_many, $N networks, $v: no start time"
	done
done
