#!/bin/bash
# Start-time checks on the bridge before dnsmasq first serves it:
#  - a guest that runs its own DHCP server and router (on a guest port of
#    an adopted bridge, as after a restart with guests attached) does NOT
#    switch the network off: its answers are the backstop's business, and
#    the other guests still get gatewayd's lease;
#  - an answer the probe hears refuses the network, named in the log and
#    in `gatewayctl status`, and no dnsmasq starts: heard here through the
#    guest port, with the test hook GATEWAYD_TEST_PROBE_ALL=1 (answers
#    count only through a non-guest port, but such a port already makes
#    preflight refuse the bridge; the probe's choice of ports is
#    unit-tested in test_hostcheck.c); nor does gatewayd send its own
#    router advertisements there;
#  - something else holding port 53 on the bridge address: the process is
#    named instead of dnsmasq's bare "Address already in use".
#
#   [host] gw0 (made before gatewayd, adopted) ── vr ── [rogue: dnsmasq]
#                                               └─ vg2 ── [g2]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft rdisc6

topo_init
R=gwt$ID-rogue
ip netns add "$R"; EXTRA_NS+=("$R")
ip -n "$R" link set lo up
in_host ip link add gw0 type bridge
in_host ip link set gw0 up
ip -n "$NS_HOST" link add vr type veth peer name eth0 netns "$R"
in_host ip link set vr master gw0 up
ip -n "$R" link set eth0 up

# --- a DHCP server and IPv6 router in a guest
rogue_server "$R" eth0
write_conf
# Long enough to hear a router that just advertised (RFC 4861 rate limit).
sed -i '1i probe_time = 4' "$T/gw.conf"
gw_start
grep -q "already answers" "$T/gw.log" && fail "a guest's server switched the network off: $(grep 'already answers' "$T/gw.log")"
guest_add 2
udhcpc_lease 2 || fail "guest 2 got no lease"
[ "$(lease_var 2 router)" = 10.213.0.1 ] || fail "guest 2 got router '$(lease_var 2 router)' (the rogue's?)"
grep -q DHCPOFFER "$T/rogue-$R.log" || fail "the rogue server never offered (no test)"
ok "a guest's own DHCP server and router did not stop the network; guest 2 leased $(lease_var 2 ip) from gatewayd"
gw_stop || fail "gatewayd exit status on SIGTERM"
in_host ip link show gw0 >/dev/null 2>&1 || fail "the adopted bridge was deleted"

# --- the same server, heard by the probe: the network is refused
GATEWAYD_TEST_PROBE_ALL=1 gw_spawn
wait_until 6 grep -q "already answers" "$T/gw.log" || fail "the probe did not hear the rogue"
line=$(grep "already answers" "$T/gw.log")
echo "$line" | grep -Eq 'network "default": (DHCP server 10\.99\.0\.1|IPv6 router [0-9a-f:]+) \(MAC [0-9a-f:]{17}\) on vr already answers on gw0: NOT serving DHCP or router advertisements' \
	|| fail "refusal: $line"
st=$($GATEWAYCTL -s "$T/run/gatewayd.sock" status default)
echo "$st" | grep -q "guard *refused" && echo "$st" | grep -q "dnsmasq *stopped" \
	&& echo "$st" | grep -q "last_error *not serving: .* on vr already answers on gw0" || fail "status: $st"
sleep 1
grep -q "dnsmasq\[default\]: started" "$T/gw.log" && fail "dnsmasq started on a refused network"
ll_ready "$(guest_ns 2)" eth0 || fail "guest 2 has no usable link-local address"
in_ns "$(guest_ns 2)" rdisc6 -m -w 2000 -r 2 eth0 >"$T/rdisc-refused.out" 2>&1
grep -q "fd42:213::" "$T/rdisc-refused.out" && fail "RAs on a refused network: $(cat "$T/rdisc-refused.out")"
ok "probe heard the rogue: $(echo "$line" | sed 's/^gatewayd: error: //; s/: NOT serving.*//'); status shows it refused; no RA"
gw_stop || fail "gatewayd exit status on SIGTERM"
kill "$(cat "$T/rogue-$R.pid")"
wait "$(cat "$T/rogue-$R.pid")" 2>/dev/null
in_host ip link set vr nomaster
in_host ip link del vg2

# --- port 53 on the bridge address held by a system dnsmasq
in_host ip addr add 10.213.0.1/24 dev gw0
ip netns exec "$NS_HOST" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= \
	--listen-address=10.213.0.1 --bind-interfaces --user=root --log-facility="$T/sys.log" &
sys_pid=$!
wait_until 5 grep -q started "$T/sys.log" || fail "system dnsmasq did not start"
gw_spawn
grep -Eq "(UDP|TCP) port 53 on 10.213.0.1 is already held by dnsmasq \(pid $sys_pid\), so dnsmasq could not serve gw0" "$T/gw.log" \
	|| fail "port conflict not named: $(grep -v 'dnsmasq\[' "$T/gw.log")"
ok "$(grep -Eo "(UDP|TCP) port 53 on .* could not serve gw0" "$T/gw.log")"
gw_stop
kill "$sys_pid"
