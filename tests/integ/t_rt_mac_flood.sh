#!/bin/bash
# Red team r2's finding, fixed by r3's meter of new source MACs per port
# (nft/binding.c: mac_clients, mac_rate; with guest binding, the default):
# the made-up MACs are dropped in bind_NET before the bridge learns them.
# With guest_binding = false it stays open (README).
#
# One guest sends frames from made-up source MACs as fast as it can
# (~100,000 a second from one veth; here an ether type no check reads, so
# every frame passes bind_NET, also with guest_binding = true). The
# bridge learns every source: no limit, ~700,000 forwarding-database
# entries after 6 s. Each is an RTM_NEWNEIGH (AF_BRIDGE) on guest
# binding's RTMGRP_NEIGH monitor: the socket overruns, "neighbour events
# lost; reading the table again" (30-odd times), and each re-read dumps
# the whole forwarding database. Measured: gatewayctl status unanswered
# for 5 s during the flood, gatewayd at 100% CPU (54 s CPU for a 6 s
# flood), and SIGTERM obeyed only after >30 s (killed by the test's
# cleanup). Ideas: a socket filter on the monitor that drops AF_BRIDGE
# messages (or a drain bounded per loop turn), no FDB dump at a resync,
# IFLA_BR_FDB_MAX_LEARNED on gatewayd's bridges (newer kernels), or a
# per-port meter on new source MACs for every frame in bind_NET.
#
#   [g1: nd_flood.pl eth, made-up MACs] ── vg1 ── gw0 [host: gatewayd]
. "$(dirname "$0")/lib.sh"
require dnsmasq nft perl

topo_init
write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
IDX1=$(in_ns "$G1" cat /sys/class/net/eth0/ifindex)
status_ms() {
	local s e
	s=$(date +%s%N)
	timeout 5 "$GATEWAYCTL" -s "$T/run/gatewayd.sock" status >/dev/null 2>&1 || { echo 5000; return; }
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}
[ "$(status_ms)" -lt 1000 ] || fail "control: status took over 1 s without a flood"
ok "control: status answers at once without a flood"
in_ns "$G1" perl "$TOP/tests/integ/nd_flood.pl" "$IDX1" 6 eth >"$T/sent" &
flood=$!
# under way: the bridge learns (the finding), or bind_default drops them
wait_until 5 sh -c "[ \$(ip netns exec $NS_HOST bridge fdb show br gw0 | head -2000 | grep -c 02:42:) -gt 1000 ] ||
	[ \$(ip netns exec $NS_HOST nft list counter bridge gatewayd bind_default | sed -n 's/.*packets \([0-9]*\).*/\1/p') -gt 1000 ]" ||
	fail "the flood did not start"
worst=0
while kill -0 "$flood" 2>/dev/null; do
	ms=$(status_ms)
	[ "$ms" -gt "$worst" ] && worst=$ms
done
wait "$flood"
fdb=$(in_host bridge fdb show br gw0 | grep -c ' dev vg1 ')
[ "$fdb" -lt 100 ] || fail "the bridge learned $fdb of guest 1's made-up MACs"
ok "the bridge learned $fdb MACs on guest 1's port"
say "guest 1 sent $(cat "$T/sent") frames from made-up MACs; status took up to $worst ms meanwhile"
[ "$worst" -lt 1000 ] || fail "gatewayctl status took $worst ms during the flood (5000: no answer)"
ok "status answered within $worst ms throughout"
s=$SECONDS
gw_stop || fail "gatewayd exited with an error"
[ $((SECONDS - s)) -lt 5 ] || fail "gatewayd took $((SECONDS - s)) s to obey SIGTERM"
ok "gatewayd stopped within $((SECONDS - s)) s"
