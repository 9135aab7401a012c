#!/bin/bash
# The start-time probe never stalls the loop. With probe_time = 5, a reload
# adds network p, whose probe listens its full 5 s; meanwhile another
# network's dnsmasq is killed (back within 1 s) and a foreign port joins a
# third network's bridge (its DHCP stopped within 1 s); `gatewayctl status`
# shows p "probing"; after the probe p serves (a guest leases). A probe
# that ends while p's guard is tripped does not start dnsmasq (it starts
# when the port leaves); a probe cancelled by a reload that removes its
# network or by stop leaves nothing behind; 20 networks probe side by side
# (they start in about one probe_time, not 20).
#
# GATEWAYD_TEST_PROBE_ALL=1 makes the probe listen on guest ports too:
# otherwise it runs only when a non-guest port joined a bridge between
# preflight (which refuses one) and the probe.
#
#   [host] gw0 (default), gwb (b)              vx0 (see lan_vxlan)
#          gwp (made by the test, adopted) ── vgp ── [gp]
#          gwq1..gwq20 (made by the test) ── vq1a..vq20a  (peers vqNb idle)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

PROBE_S=5
topo_init
lan_vxlan
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
ms() { date +%s%3N; }

# conf [p] [p-lease] [q]: default and b always; p and q1..q20 on demand.
conf() {
	local with_p=$1 plt=${2:-1h} with_q=${3:-}
	write_conf
	sed -i "1i probe_time = $PROBE_S" "$T/gw.conf"
	cat >>"$T/gw.conf" <<CONF
network b {
    bridge = "gwb"
    ipv4   = "10.214.0.1/24"
}
CONF
	[ -n "$with_p" ] && cat >>"$T/gw.conf" <<CONF
network p {
    bridge = "gwp"
    ipv4   = "10.216.0.1/24"
    dhcp { lease_time = $plt }
}
CONF
	if [ -n "$with_q" ]; then
		for i in $(seq 1 20); do
			printf 'network q%d {\n    bridge = "gwq%d"\n    ipv4   = "10.230.%d.1/24"\n}\n' \
				"$i" "$i" "$i" >>"$T/gw.conf"
		done
	fi
}
reload() { in_host $CTL reload >"$T/reload.out" 2>&1 || fail "reload: $(cat "$T/reload.out")"; }
status_of() { in_host $CTL status "$1" 2>/dev/null; }
probing() { status_of "$1" | grep -q '^ *dnsmasq *probing'; }
pid_of() { cat "$T/run/$1.dnsmasq.pid" 2>/dev/null; }
started() { grep -c "dnsmasq\[$1\]: started" "$T/gw.log"; }
fds() { ls "/proc/$GW_PID/fd" | wc -l; }

conf ""
export GATEWAYD_TEST_PROBE_ALL=1
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "network b did not start"
grep -q "listening .* for other DHCP servers" "$T/gw.log" && fail "a bridge without ports was probed"
fds0=$(fds)

# The bridge of p, with a guest, exists before p is configured.
in_host ip link add gwp type bridge
in_host ip link set gwp up
ip netns add "gwt$ID-gp"; GUESTS+=("gwt$ID-gp")
ip -n "gwt$ID-gp" link set lo up
ip -n "$NS_HOST" link add vgp type veth peer name eth0 netns "gwt$ID-gp"
ip -n "$NS_HOST" link set vgp master gwp up
ip -n "gwt$ID-gp" link set eth0 up

# --- reload adds p: the reload answers at once, p probes for 5 s
conf p
t_rl=$(ms)
reload
dt=$(( $(ms) - t_rl ))
[ "$dt" -lt 2000 ] || fail "reload took $dt ms: it waited for the probe"
grep -q "network \"p\": listening ${PROBE_S}000 ms on 1 port of gwp" "$T/gw.log" || fail "p's probe did not run: $(grep '"p"' "$T/gw.log")"
probing p || fail "status does not show p probing: $(status_of p)"
ok "reload adding p answered in $dt ms; status shows p probing"

# --- during p's probe: default's dnsmasq killed -> back within 1 s
pid=$(pid_of default)
t0=$(ms)
kill -KILL "$pid"
wait_until 3 sh -c "p=\$(cat $T/run/default.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $pid ]" || fail "dnsmasq of default not restarted"
dt=$(( $(ms) - t0 ))
probing p || fail "p's probe ended too early for this test ($(( $(ms) - t_rl )) ms)"
[ "$dt" -le 1000 ] || fail "dnsmasq restarted after $dt ms while p probed"
ok "dnsmasq killed while p probes: restarted in $dt ms"

# --- during p's probe: a foreign port on gwb -> b's DHCP stopped within 1 s
pidb=$(pid_of b)
t0=$(ms)
in_host ip link set vx0 master gwb
wait_until 3 sh -c "! kill -0 $pidb 2>/dev/null" || fail "foreign port did not stop b's DHCP"
dt=$(( $(ms) - t0 ))
probing p || fail "p's probe ended too early for this test ($(( $(ms) - t_rl )) ms)"
[ "$dt" -le 1000 ] || fail "b's DHCP stopped $dt ms after the foreign port joined, while p probed"
ok "foreign port on gwb while p probes: b's DHCP stopped in $dt ms"

# --- after the probe, p serves
wait_until 10 grep -q "dnsmasq\[p\]: started" "$T/gw.log" || fail "p never served"
dt=$(( $(ms) - t_rl ))
[ "$dt" -ge $((PROBE_S * 1000 - 500)) ] || fail "p served $dt ms after the reload: the probe did not run its time"
grep -q "network \"p\": nobody else answered on gwp in ${PROBE_S}000 ms: serving" "$T/gw.log" || fail "probe's end not logged"
status_of p | grep -q '^ *dnsmasq *running' || fail "status of p: $(status_of p)"
udhcpc_lease p || fail "guest of p got no lease"
case $(lease_var p ip) in 10.216.0.*) ;; *) fail "guest of p leased '$(lease_var p ip)'" ;; esac
ok "p served after its ${PROBE_S} s probe ($dt ms after the reload); its guest leased $(lease_var p ip)"
in_host ip link set vx0 nomaster
wait_until 5 sh -c "[ -n \"\$(cat $T/run/b.dnsmasq.pid 2>/dev/null)\" ]" || fail "b's DHCP did not resume"

# --- a probe that ends while the guard is tripped does not start dnsmasq
conf p 2h
n0=$(started p)
reload
probing p || fail "changed p is not probing: $(status_of p)"
in_host ip link set vx0 master gwp
wait_until 3 sh -c "$CTL status p | grep -q 'guard *tripped by vx0'" || fail "p's guard did not trip: $(status_of p)"
wait_until 10 grep -q "network \"p\": nobody else answered on gwp in ${PROBE_S}000 ms, but port vx0 is not a guest port" "$T/gw.log" \
	|| fail "probe's end under a tripped guard not logged: $(grep '"p"' "$T/gw.log" | tail -3)"
sleep 0.5
[ "$(started p)" = "$n0" ] || fail "dnsmasq of p started although vx0 tripped its guard"
p=$(pid_of p); [ -n "$p" ] && kill -0 "$p" 2>/dev/null && fail "a dnsmasq of p runs (pid $p) with vx0 on gwp"
status_of p | grep -q '^ *dnsmasq *stopped' || fail "status of p: $(status_of p)"
no_lease "gwt$ID-gp" eth0 || fail "guest of p got a lease with vx0 on gwp"
in_host ip link set vx0 nomaster
wait_until 5 sh -c "[ \$(grep -c 'dnsmasq\[p\]: started' $T/gw.log) -gt $n0 ]" || fail "p did not serve after vx0 left"
udhcpc_lease p || fail "guest of p got no lease after vx0 left"
[ "$(lease_var p lease)" = 7200 ] || fail "lease time $(lease_var p lease), not the changed p's"
ok "probe ended with vx0 tripping p's guard: no dnsmasq; vx0 left: p served (lease $(lease_var p lease) s)"

# --- a reload that removes p during its probe cancels it
conf p 3h
reload
probing p || fail "changed p is not probing"
conf ""
reload
n0=$(started p)
wait_until 2 sh -c "[ \$(ls /proc/$GW_PID/fd | wc -l) = $fds0 ]" || fail "gatewayd holds $(fds) fds after p went, $fds0 before p: the probe's sockets or timer were not closed"
sleep $((PROBE_S + 1))
[ "$(started p)" = "$n0" ] || fail "dnsmasq of removed p started"
grep -q "nobody else answered on gwp in ${PROBE_S}000 ms" <(tail -n 20 "$T/gw.log") && fail "cancelled probe still ended"
ok "reload removing p during its probe: cancelled, fds back to $fds0"

# --- 20 networks probe side by side
for i in $(seq 1 20); do
	in_host ip link add "gwq$i" type bridge
	in_host ip link add "vq${i}a" type veth peer name "vq${i}b"
	in_host ip link set "vq${i}a" master "gwq$i" up
	in_host ip link set "vq${i}b" up
	in_host ip link set "gwq$i" up
done
conf "" "" q
t0=$(ms)
reload
wait_until $((PROBE_S * 4)) sh -c "[ \$(grep -c 'dnsmasq\[q[0-9]*\]: started' $T/gw.log) -ge 20 ]" \
	|| fail "not all 20 networks served: $(grep -c 'dnsmasq\[q[0-9]*\]: started' "$T/gw.log")"
dt=$(( $(ms) - t0 ))
[ "$(grep -c 'network "q[0-9]*": listening .* on 1 port of gwq' "$T/gw.log")" = 20 ] || fail "not 20 probes ran"
[ "$dt" -ge $((PROBE_S * 1000 - 500)) ] || fail "20 networks served in $dt ms: their probes did not run"
[ "$dt" -lt $((PROBE_S * 2000)) ] || fail "20 probing networks took $dt ms to serve (probes one after the other?)"
ok "20 networks probing side by side served in $dt ms (probe_time ${PROBE_S} s)"

# --- stop during a probe: prompt, clean, no dnsmasq for the probing network
conf p
reload
probing p || fail "p is not probing"
n0=$(started p)
t0=$(ms)
gw_stop || fail "gatewayd exit status on SIGTERM during a probe"
dt=$(( $(ms) - t0 ))
[ "$(started p)" = "$n0" ] || fail "dnsmasq of p started during stop"
[ "$dt" -lt 3000 ] || fail "stop during a probe took $dt ms"
ok "stop during p's probe: exited in $dt ms, p never served"
