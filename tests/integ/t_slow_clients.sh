#!/bin/bash
# Control clients cannot stall the guards. With 5 idle clients and 5 that
# dribble one byte every 1.5 s connected to the control socket, a killed
# dnsmasq is restarted and a foreign port stops DHCP, each within 1 s; the
# slow clients are dropped at their deadline, and 40 more connections than
# the cap are refused without harm; gatewayctl still answers.
#
#   [host] gatewayd, gw0 ── vg1 ── [g1]      vx0 (see lan_vxlan)
#          control socket <- 10 perl clients (idle / dribbling)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl

topo_init
lan_vxlan
write_conf
gw_start
guest_add 1
SOCK=$T/run/gatewayd.sock
CTL="$GATEWAYCTL -s $SOCK"
ms() { date +%s%3N; }

# client MODE: connect and stay idle, or dribble "status\n" a byte at a time.
client() {
	ip netns exec "$NS_HOST" perl -MIO::Socket::UNIX -e '
		my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
		if ($ARGV[1] eq "dribble") { for my $c (split //, "status\n") { print $s $c; $s->flush; sleep 1.5; } }
		else { sleep 30; }
		my $a = <$s>; exit(defined $a ? 0 : 3);' "$SOCK" "$1" &
	CLIENTS+=($!)
}
CLIENTS=()
for i in 1 2 3 4 5; do client idle; client dribble; done
sleep 0.5 # they are connected

# --- a killed dnsmasq comes back within 1 s
pid=$(dnsmasq_pid)
t0=$(ms)
kill -KILL "$pid"
wait_until 3 sh -c "p=\$(cat $T/run/default.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $pid ]" || fail "dnsmasq not restarted"
dt=$(( $(ms) - t0 ))
[ "$dt" -le 1000 ] || fail "dnsmasq restarted after $dt ms with slow clients connected"
ok "dnsmasq SIGKILLed with 10 slow clients connected: restarted in $dt ms"

# --- a foreign port stops DHCP within 1 s
pid=$(dnsmasq_pid)
t0=$(ms)
in_host ip link set vx0 master gw0
wait_until 3 sh -c "! kill -0 $pid 2>/dev/null" || fail "foreign port did not stop DHCP"
dt=$(( $(ms) - t0 ))
[ "$dt" -le 1000 ] || fail "DHCP stopped $dt ms after the foreign port joined, with slow clients connected"
in_host ip link set vx0 nomaster
ok "foreign port with 10 slow clients connected: DHCP stopped in $dt ms"

# --- the slow clients are dropped at their deadline
for p in "${CLIENTS[@]}"; do wait "$p" 2>/dev/null; done
ip netns exec "$NS_HOST" $CTL status >/dev/null || fail "gatewayctl status does not answer after the slow clients"
ok "slow clients dropped at their deadline; status answers"

# --- more connections than the cap (16): the rest are refused at once;
# once the holders' deadline passes, service is back
CLIENTS=()
for i in $(seq 1 20); do client idle; done
wait_until 3 sh -c "[ \$(ip netns exec $NS_HOST ss -xH state connected | grep -c gatewayd.sock) -ge 16 ]" || fail "clients did not connect"
ip netns exec "$NS_HOST" $CTL status >/dev/null 2>&1 && fail "status answered with 20 idle clients connected (no cap?)"
wait_until 6 sh -c "ip netns exec $NS_HOST $CTL status >/dev/null" || fail "no service after the idle clients' deadline"
kill -0 "$GW_PID" || fail "gatewayd died"
ok "over the cap of 16 clients: refused at once; served again after their deadline"
