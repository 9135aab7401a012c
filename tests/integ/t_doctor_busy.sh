#!/bin/bash
# doctor never stalls the guards. A host firewall drops DHCP, so doctor's
# self-test gets no answer and waits its full 2 s (x3 networks); meanwhile
# a foreign port joins a bridge and another network's dnsmasq is killed:
# DHCP stops, and dnsmasq is back, within 1 s, while doctor is still
# running. Doctor's answer still names the firewall's effect, and its test
# ports are gone afterwards; a network with DHCP off is not self-tested.
#
#   [host] gw0 ── vg1 ── [g1]   gwb, gwc (no guests)   vx0 (see lan_vxlan)
#          table inet hostfw: input udp dport 67 drop (the "firewall")
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
lan_vxlan
write_conf
cat >>"$T/gw.conf" <<CONF
network b {
    bridge = "gwb"
    ipv4   = "10.214.0.1/24"
}
network c {
    bridge = "gwc"
    ipv4   = "10.215.0.1/24"
    dhcp { enabled = false }
}
CONF
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "network b did not start"
guest_add 1
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
ms() { date +%s%3N; }
in_host nft add table inet hostfw
in_host nft add chain inet hostfw in '{ type filter hook input priority -10; }'
in_host nft add rule inet hostfw in udp dport 67 drop

t_doc=$(ms)
in_host $CTL doctor >"$T/doctor.out" 2>&1 &
doc=$!
sleep 0.3
# --- a foreign port joins while doctor waits for its answers
pid=$(dnsmasq_pid)
t0=$(ms)
in_host ip link set vx0 master gw0
wait_until 3 sh -c "! kill -0 $pid 2>/dev/null" || fail "foreign port did not stop DHCP"
dt=$(( $(ms) - t0 ))
kill -0 "$doc" 2>/dev/null || fail "doctor finished too early for this test ($(( $(ms) - t_doc )) ms)"
[ "$dt" -le 1000 ] || fail "DHCP stopped $dt ms after the foreign port joined, while doctor ran"
ok "foreign port while doctor runs: DHCP stopped in $dt ms"
# --- another network's dnsmasq is killed while doctor waits
pidb=$(cat "$T/run/b.dnsmasq.pid")
t0=$(ms)
kill -KILL "$pidb"
wait_until 3 sh -c "p=\$(cat $T/run/b.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $pidb ]" || fail "dnsmasq of b not restarted"
dt=$(( $(ms) - t0 ))
kill -0 "$doc" 2>/dev/null || fail "doctor finished too early for this test"
[ "$dt" -le 1000 ] || fail "dnsmasq restarted after $dt ms while doctor ran"
ok "dnsmasq killed while doctor runs: restarted in $dt ms"

# --- at most two doctors at once: a third is told to come back
in_host $CTL doctor b >"$T/doctor2.out" 2>&1 &
doc2=$!
sleep 0.3
in_host $CTL doctor b >"$T/doctor3.out" 2>&1 && fail "a third doctor ran: $(cat "$T/doctor3.out")"
grep -q "2 doctors are running already" "$T/doctor3.out" || fail "third doctor: $(cat "$T/doctor3.out")"
wait "$doc2"
ok "a third concurrent doctor is refused: $(head -1 "$T/doctor3.out")"

wait "$doc"
rc=$?
[ $rc = 1 ] || fail "doctor exit $rc, expected 1: $(cat "$T/doctor.out")"
grep -q "FAIL  DHCP self-test .*no answer to a DISCOVER on gwb" "$T/doctor.out" || fail "doctor: $(cat "$T/doctor.out")"
grep -q "info  DHCP self-test .*DHCP is off on this network" "$T/doctor.out" || fail "DHCP-off network self-tested: $(cat "$T/doctor.out")"
in_host ip -o link show | grep -q gwdt && fail "doctor's test ports left behind: $(in_host ip -o link show | grep gwdt)"
ok "doctor answered after its self-tests (FAIL named), test ports gone, DHCP-off network skipped"

# --- and with the firewall gone, the self-test passes
in_host ip link set vx0 nomaster
in_host nft delete table inet hostfw
wait_until 5 sh -c "[ -n \"\$(cat $T/run/default.dnsmasq.pid 2>/dev/null)\" ]" || fail "DHCP did not resume"
in_host $CTL doctor default >"$T/doctor.out" 2>&1 || fail "doctor: $(cat "$T/doctor.out")"
grep -q "ok    DHCP self-test .*answered a DISCOVER from a test port" "$T/doctor.out" || fail "self-test: $(cat "$T/doctor.out")"
in_host $CTL doctor --json default >"$T/doctor.json" 2>&1
grep -q '"check": *"DHCP self-test"' "$T/doctor.json" || fail "doctor --json: $(cat "$T/doctor.json")"
ok "without the firewall: self-test ok (also --json)"

# --- a client that ends its request by shutting down its sending side
# (socat, scripts) still gets the answer after the self-tests
ans=$(ip netns exec "$NS_HOST" perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or exit 1;
	print $s "doctor default\n"; $s->flush; shutdown($s, 1);
	local $/; my $a = <$s>; print $a;' "$T/run/gatewayd.sock")
echo "$ans" | grep -q "DHCP self-test" || fail "half-closed client got no doctor answer: '$ans'"
ok "a half-closed client gets doctor's answer"

# --- gatewayd killed during doctor: its test port goes at the next start
in_host nft add table inet hostfw
in_host nft add chain inet hostfw in '{ type filter hook input priority -10; }'
in_host nft add rule inet hostfw in udp dport 67 drop
in_host $CTL doctor default >/dev/null 2>&1 &
wait_until 3 sh -c "ip -n $NS_HOST -o link show | grep -q gwdt" || fail "no test port seen during doctor"
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
in_host ip -o link show | grep -q gwdt || fail "the test port went with gatewayd (no test)"
gw_start
in_host ip -o link show | grep -q gwdt && fail "test port left by the killed gatewayd still there"
grep -q "removed test port gwdt[0-9a-f]* left by an earlier gatewayd's doctor" "$T/gw.log" || fail "removal not logged"
ok "test port left by a gatewayd killed during doctor removed at the next start"
