#!/bin/bash
# Red team of issue 16 item 10: a member of the group gatewayd floods the
# control socket with connections (connect and hang up, four processes as
# fast as they go, each refused or dropped at once). The loop accepted
# every pending connection in one callback, however many kept coming:
# the guards must still react (a foreign port joining gw0 stops DHCP
# within 1 s) and root's status must still answer. (Measured on main:
# 4-8 flooders, 6,000-21,000 connections: DHCP stopped in 120-260 ms,
# 28-44 ms without them -- CPU shared on 2 cores, not a starved loop.
# FLOODERS=N sets their number.)
#
#   [host] gw0 ── vg1 ── [g1]      vx0 (see lan_vxlan: the foreign port)
#          control socket <- uid U: 4 connect/close loops
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl setpriv

topo_init
lan_vxlan
write_conf
gw_start
guest_add 1
SOCK=$T/run/gatewayd.sock
chmod 0666 "$SOCK"
U=''
for u in $(seq 47600 47700); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { U=$u; break; }
done
[ -n "$U" ] || skip "no unused uid in 47600-47700"
ms() { date +%s%3N; }
cat >"$T/flood.pl" <<'PL'
use strict; use Socket; use Time::HiRes qw(time);
my ($path, $stop) = @ARGV; my $n = 0; my $end = time + 30;
my $addr = pack_sockaddr_un($path);
while (time < $end && ! -e $stop) {
	for (1 .. 200) {
		socket(my $s, AF_UNIX, SOCK_STREAM, 0) or die;
		connect($s, $addr) and $n++;
		close($s);
	}
}
print "$n\n";
PL
chmod 0755 "$T"
chmod 0644 "$T/flood.pl"
FL=()
for i in $(seq 1 "${FLOODERS:-4}"); do
	in_host setpriv --reuid="$U" --regid="$U" --clear-groups perl "$T/flood.pl" "$SOCK" "$T/stop" >"$T/fl$i" 2>&1 &
	FL+=("$!")
done
wait_until 5 grep -q "refused" "$T/gw.log" || true
# root's status during the flood
t0=$(ms)
in_host "$GATEWAYCTL" -s "$SOCK" status >"$T/st" 2>&1
rc=$? st_ms=$(($(ms) - t0))
# the guard during the flood
pid=$(dnsmasq_pid)
t0=$(ms)
in_host ip link set vx0 master gw0
wait_until 5 sh -c "! kill -0 $pid 2>/dev/null"
dt=$(($(ms) - t0))
touch "$T/stop"
[ ${#FL[@]} = 0 ] || wait "${FL[@]}" # (a bare wait would wait for gatewayd)
total=$(cat "$T"/fl[0-9]* 2>/dev/null | paste -sd+ | bc)
[ "$rc" = 0 ] || fail "root's status during the flood: exit $rc: $(cat "$T/st")"
[ "$dt" -le 1000 ] || fail "a foreign port stopped DHCP only after $dt ms during a connect flood ($total connections)"
ok "connect flood by uid $U ($total connections): root's status in $st_ms ms, a foreign port stopped DHCP in $dt ms"
