#!/bin/bash
# A dnsmasq that ignores SIGTERM does not stall the loop. Network "default"
# runs a stand-in that ignores SIGTERM; a foreign port trips its guard, so
# gatewayd stops it -- and at the same moment network b's dnsmasq is
# killed: b's is restarted within 1 s (the lingering one is not waited
# for), the stand-in gets SIGKILL after the 3 s grace, and when the port
# leaves, default's server is started again.
#
#   [host] gw0 (default: stand-in ignoring SIGTERM)   gwb (b: dnsmasq)
#          vx0 (see lan_vxlan)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
lan_vxlan
cat >"$T/dnsmasq-wrap" <<'WRAP'
#!/bin/bash
case "$*" in *default.dnsmasq.conf*) ;; *) exec /usr/sbin/dnsmasq "$@" ;; esac
trap '' TERM
echo "stand-in up"
while :; do sleep 1; done
WRAP
chmod 755 "$T/dnsmasq-wrap"
write_conf
cat >>"$T/gw.conf" <<CONF
network b {
    bridge = "gwb"
    ipv4   = "10.214.0.1/24"
}
CONF
sed -i "1i dnsmasq = \"$T/dnsmasq-wrap\"" "$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "b did not start"
wait_until 5 grep -q "stand-in up" "$T/gw.log" || fail "stand-in did not start"
ms() { date +%s%3N; }
stand=$(dnsmasq_pid)
pidb=$(cat "$T/run/b.dnsmasq.pid")

in_host ip link set vx0 master gw0
wait_until 3 grep -q "port vx0 .* joined bridge gw0" "$T/gw.log" || fail "guard did not trip"
t0=$(ms)
kill -KILL "$pidb"
wait_until 3 sh -c "p=\$(cat $T/run/b.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $pidb ]" || fail "b's dnsmasq not restarted"
dt=$(( $(ms) - t0 ))
[ "$dt" -le 1000 ] || fail "b's dnsmasq restarted after $dt ms while default's lingered"
kill -0 "$stand" 2>/dev/null || fail "the stand-in is already gone (no test)"
ok "default's server ignores SIGTERM; b's dnsmasq killed meanwhile was back in $dt ms"

wait_until 6 sh -c "! kill -0 $stand 2>/dev/null" || fail "the stand-in was never killed"
grep -q "dnsmasq\[default\]: pid $stand did not stop on SIGTERM; sending SIGKILL" "$T/gw.log" || fail "SIGKILL not logged"
ok "it got SIGKILL after the grace period"

in_host ip link set vx0 nomaster
wait_until 5 sh -c "p=\$(cat $T/run/default.dnsmasq.pid 2>/dev/null) && [ -n \"\$p\" ] && [ \"\$p\" != $stand ] && kill -0 \$p" \
	|| fail "default's server not started again after the port left"
ok "port left: default's server started again (pid $(dnsmasq_pid))"
