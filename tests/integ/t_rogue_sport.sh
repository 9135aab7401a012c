#!/bin/bash
# A rogue DHCP server in a guest that answers from source port 6767, not
# 67 (issue 16 item 3). The backstop must drop every DHCP server message
# crossing the bridge from a guest port whatever its source port: its
# neighbour's DHCP clients -- busybox udhcpc and ISC dhclient, N tries each
# -- take gatewayd's router every time, and the guard counts the drops.
# On main a3a2a74 (only "udp sport 67 udp dport 68" dropped) the rogue
# wins every try: that is this test's control.
#
#   [g2 rogue_dhcp.py  its own lease's address:6767 -> :68] ── vg2 ─┐
#                                                                  gw0 [host: gatewayd, dnsmasq 10.213.0.1]
#   [g3 udhcpc, then dhclient] ─────────────────────────────── vg3 ─┘
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft dhclient python3
TRIES=${TRIES:-4}
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"

topo_init
write_conf
gw_start
guest_add 2
guest_add 3
G2=$(guest_ns 2) G3=$(guest_ns 3)
g3mac=$(ip -n "$G3" link show eth0 | awk '/ether/ {print $2}')
wait_until 5 sh -c "ip netns exec $NS_HOST nft list set bridge gatewayd guest_ports | grep -q vg3" \
	|| fail "guest ports never listed vg3"
# The rogue holds a lease of its own: it answers from its bound address,
# which guest binding lets through -- only the backstop stands in its way.
udhcpc_lease 2 || fail "the rogue's guest got no lease"
rip=$(lease_var 2 ip)
ip netns exec "$G2" python3 "$TOP/tests/integ/rogue_dhcp.py" eth0 6767 "$rip" 10.213.0.66 \
	"$T/rogue.log" 2>>"$T/rogue.err" &
rogue_pid=$!
wait_until 5 grep -q started "$T/rogue.log" || fail "rogue did not start: $(cat "$T/rogue.err")"
before=$($CTL status --json | grep -o '"guard_dropped_packets": *[0-9]*' | grep -o '[0-9]*$')

# udhcpc: N fresh DISCOVERs; the router each time
cat >"$T/u.sh" <<'EOF'
#!/bin/sh
case "$1" in bound|renew) echo "${router%% *}" >"$ROUTER_OUT" ;; esac
exit 0
EOF
chmod +x "$T/u.sh"
u_rogue=0
for i in $(seq "$TRIES"); do
	rm -f "$T/router"
	ROUTER_OUT=$T/router ip netns exec "$G3" busybox udhcpc -i eth0 -f -q -n -t 4 -T 2 \
		-s "$T/u.sh" >>"$T/udhcpc.log" 2>&1 || fail "udhcpc try $i: no lease"
	r=$(cat "$T/router")
	say "udhcpc try $i: router $r"
	[ "$r" = 10.213.0.1 ] || u_rogue=$((u_rogue + 1))
done

# dhclient: N fresh DISCOVERs (a new lease file each time)
d_rogue=0
for i in $(seq "$TRIES"); do
	cat >"$T/d.sh" <<EOF
#!/bin/sh
case "\$reason" in BOUND|RENEW|REBIND|REBOOT) echo "\$new_routers" >"$T/drouter" ;; esac
exit 0
EOF
	chmod +x "$T/d.sh"
	rm -f "$T/drouter"
	timeout 30 ip netns exec "$G3" dhclient -1 -sf "$T/d.sh" -lf "$T/dh-$i.leases" \
		-pf "$T/dh.pid" eth0 >>"$T/dhclient.log" 2>&1
	wait_until 10 test -s "$T/drouter" || fail "dhclient try $i: no lease: $(tail -5 "$T/dhclient.log")"
	[ -s "$T/dh.pid" ] && kill "$(cat "$T/dh.pid")" 2>/dev/null
	r=$(cat "$T/drouter")
	say "dhclient try $i: router $r"
	[ "$r" = 10.213.0.1 ] || d_rogue=$((d_rogue + 1))
	rm -f "$T/dh.pid"
done
kill "$rogue_pid" 2>/dev/null

grep -qi "OFFER $g3mac" "$T/rogue.log" || fail "the rogue never answered guest 3 (test proves nothing): $(tail -5 "$T/rogue.log")"
[ $u_rogue = 0 ] || fail "udhcpc took the rogue's router (source port 6767) in $u_rogue of $TRIES tries"
[ $d_rogue = 0 ] || fail "dhclient took the rogue's router (source port 6767) in $d_rogue of $TRIES tries"
after=$($CTL status --json | grep -o '"guard_dropped_packets": *[0-9]*' | grep -o '[0-9]*$')
[ "${after:-0}" -gt "${before:-0}" ] || fail "guard_dropped_packets did not grow ($before -> $after)"
ok "rogue answering from port 6767: udhcpc and dhclient took 10.213.0.1 in $TRIES of $TRIES tries each; guard dropped $((after - before))"
