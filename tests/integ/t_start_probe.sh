#!/bin/bash
# Start-time checks on the bridge before dnsmasq first serves it:
#  - another DHCP server already on the bridge: network refused, its MAC
#    and IP logged;
#  - another IPv6 router advertising there: refused likewise;
#  - something else holding port 53 on the bridge address: the process is
#    named instead of dnsmasq's bare "Address already in use".
#
#   [host] gw0 (made before gatewayd, adopted) ── vr ── [rogue: dnsmasq]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
R=gwt$ID-rogue
ip netns add "$R"; EXTRA_NS+=("$R")
ip -n "$R" link set lo up
in_host ip link add gw0 type bridge
in_host ip link set gw0 up
ip -n "$NS_HOST" link add vr type veth peer name eth0 netns "$R"
in_host ip link set vr master gw0 up
ip -n "$R" link set eth0 up

# --- a DHCP server
rogue_server "$R" eth0
rmac=$(ip -n "$R" link show eth0 | awk '/ether/ {print $2}')
write_conf
gw_spawn
grep -q "DHCP server 10.99.0.1 (MAC $rmac) already answers on gw0: NOT serving DHCP or router advertisements" "$T/gw.log" \
	|| fail "probe did not refuse: $(grep -v 'dnsmasq\[' "$T/gw.log")"
[ -e "$T/run/default.dnsmasq.pid" ] && fail "dnsmasq started although another server answered"
ok "refused: $(grep -o 'DHCP server 10.99.0.1.*already answers on gw0' "$T/gw.log")"
# the other server goes away; a reload probes again and serves
kill "$(cat "$T/rogue-$R.pid")"
wait "$(cat "$T/rogue-$R.pid")" 2>/dev/null
in_host "$GATEWAYCTL" -s "$T/run/gatewayd.sock" reload >/dev/null || fail "reload"
wait_until 5 grep -q "dnsmasq\[default\]: started" "$T/gw.log" || fail "not served after the other server left and a reload"
ok "after the other server left, a reload probed again and served"
gw_stop || fail "gatewayd exit status on SIGTERM"
in_host ip link show gw0 >/dev/null 2>&1 || fail "the adopted bridge was deleted"
ip -n "$R" addr del 10.99.0.1/24 dev eth0
ip -n "$R" addr del 2001:db8:bad::1/64 dev eth0

# --- an IPv6 router only. A router that advertised less than 3 s ago may
# hold its answer to a solicitation (RFC 4861 MIN_DELAY_BETWEEN_RAS), and
# this one just started: listen longer than the default second.
rogue_server "$R" eth0 ra-only
sed -i '1i probe_time = 4' "$T/gw.conf"
gw_spawn
grep -q "IPv6 router [0-9a-f:]* (MAC [0-9a-f:]*) already answers on gw0: NOT serving" "$T/gw.log" \
	|| fail "RA probe did not refuse: $(grep -v 'dnsmasq\[' "$T/gw.log")"
ok "refused: $(grep -o "IPv6 router .* already answers on gw0" "$T/gw.log")"
gw_stop
kill "$(cat "$T/rogue-$R.pid")"
wait "$(cat "$T/rogue-$R.pid")" 2>/dev/null
in_host ip link set vr nomaster

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
