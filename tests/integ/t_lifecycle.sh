#!/bin/bash
# Supervision and lifecycle: dnsmasq killed -> restarted and serving; a
# second instance refused; SIGHUP with a broken config keeps the running
# setup; SIGTERM leaves nothing; kill -9 then --teardown leaves nothing.
#
#   [host: gatewayd, gw0 10.213.0.1] ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
fwd_before=$(in_host cat /proc/sys/net/ipv4/ip_forward)
fwd6_before=$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)
[ "$fwd_before" = 0 ] && [ "$fwd6_before" = 0 ] || fail "fresh namespace should start with forwarding off"
write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
[ "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "ip_forward not enabled"
[ "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" = 1 ] || fail "IPv6 forwarding not enabled"
udhcpc_lease 1 || fail "no first lease"
ok "first lease $(lease_var 1 ip)"

# --- the bridge as promised, dnsmasq as promised
in_host ip -d link show gw0 | grep "forward_delay 0 " | grep -q "stp_state 0 " || fail "bridge STP/forward delay: $(in_host ip -d link show gw0)"
mac1=$(in_host cat /sys/class/net/gw0/address)
[ "$(in_host cat /proc/sys/net/ipv6/conf/gw0/accept_ra)" = 0 ] || fail "accept_ra on gw0 not 0"
[ "$(in_host cat /proc/sys/net/ipv6/conf/gw0/autoconf)" = 0 ] || fail "autoconf on gw0 not 0"
dpid=$(cat "$T/run/default.dnsmasq.pid")
[ "$(ps -o user= -p "$dpid")" = dnsmasq ] || fail "dnsmasq runs as $(ps -o user= -p "$dpid")"
tr '\0' ' ' <"/proc/$dpid/cmdline" | grep -q -- "--keep-in-foreground --conf-file=$T/run/default.dnsmasq.conf" \
	|| fail "dnsmasq command line: $(tr '\0' ' ' <"/proc/$dpid/cmdline")"
ok "bridge STP off, forward delay 0, MAC $mac1; dnsmasq runs as dnsmasq with --conf-file"

# --- dnsmasq dies: restarted, serving again within seconds, and said so
pid1=$(cat "$T/run/default.dnsmasq.pid")
kill -KILL "$pid1"
wait_until 5 grep -q "pid $pid1 killed by signal 9" "$T/gw.log" || fail "death of dnsmasq not logged"
wait_until 5 grep -q "dnsmasq\[default\]: restarting" "$T/gw.log" || fail "no restart logged"
wait_until 5 sh -c "[ -s $T/run/default.dnsmasq.pid ] && [ \$(cat $T/run/default.dnsmasq.pid) != $pid1 ]" \
	|| fail "no new dnsmasq pid"
pid2=$(cat "$T/run/default.dnsmasq.pid")
[ "$(ps -o ppid= -p "$pid2" | tr -d ' ')" = "$GW_PID" ] || fail "new dnsmasq $pid2 is not gatewayd's child"
start=$SECONDS
udhcpc_lease 1 || fail "no lease after dnsmasq restart"
[ $((SECONDS - start)) -le 10 ] || fail "lease after restart took $((SECONDS - start)) s"
ok "dnsmasq SIGKILLed, restarted as $pid2, lease again in $((SECONDS - start)) s"
grep -q "$(lease_var 1 ip)" "$T/state/default.leases" || fail "lease not in the state_dir lease file"
ok "lease file in state_dir survives the restart"

# --- a second instance is refused, and the first is untouched
in_host "$GATEWAYD" -f -c "$T/gw.conf" >"$T/second.log" 2>&1 && fail "second instance started"
grep -q "already running (pid $GW_PID" "$T/second.log" || fail "second instance message: $(cat "$T/second.log")"
kill -0 "$GW_PID" || fail "first instance died"
ok "second instance refused: $(cat "$T/second.log")"

# --- SIGHUP with a broken config: logged with FILE:LINE, setup stays
cp "$T/gw.conf" "$T/gw.conf.good"
sed -i 's/mode   = nat/mode   = bridged/' "$T/gw.conf"
kill -HUP "$GW_PID"
wait_until 5 grep -q "gw.conf:6: network \"default\": unknown mode \"bridged\"" "$T/gw.log" \
	|| fail "broken reload not logged with file:line"
grep -q "keeping the running configuration" "$T/gw.log" || fail "no 'keeping' message"
nft_host_has_table || fail "table gone after a broken reload"
[ "$(cat "$T/run/default.dnsmasq.pid")" = "$pid2" ] || fail "dnsmasq restarted by a broken reload"
udhcpc_lease 1 || fail "no lease after broken reload"
ok "broken reload rejected, network keeps serving"

# --- SIGHUP with a changed valid config: applied
cp "$T/gw.conf.good" "$T/gw.conf"
sed -i 's/lease_time = 1h/lease_time = 2h/' "$T/gw.conf"
kill -HUP "$GW_PID"
wait_until 10 grep -q "reload: new configuration applied" "$T/gw.log" || fail "valid reload not applied"
wait_until 5 grep -q "lease time 2h" "$T/gw.log" || fail "dnsmasq not restarted with the new lease time"
udhcpc_lease 1 || fail "no lease after valid reload"
[ "$(lease_var 1 lease)" = 7200 ] || fail "lease time after reload is $(lease_var 1 lease)"
ok "reload applied: lease time now 7200 s"

# --- SIGHUP moving the network to another subnet: old address gone
sed -i 's/10\.213\./10.214./g' "$T/gw.conf"
kill -HUP "$GW_PID"
wait_until 10 sh -c "grep -c 'reload: new configuration applied' $T/gw.log | grep -q 2" || fail "second reload not applied"
wait_until 5 sh -c "ip -n $NS_HOST -4 -o addr show dev gw0 | grep -q 10.214.0.1/24" || fail "new address missing"
in_host ip -4 -o addr show dev gw0 | grep -q 10.213.0.1 && fail "old address still on gw0"
udhcpc_lease 1 || fail "no lease in the new subnet"
case "$(lease_var 1 ip)" in 10.214.0.*) ;; *) fail "lease after subnet change: $(lease_var 1 ip)" ;; esac
ok "reload to 10.214.0.0/24: bridge readdressed, lease $(lease_var 1 ip)"

# --- SIGTERM: nothing left
dpid=$(cat "$T/run/default.dnsmasq.pid")
gw_stop || fail "gatewayd exited non-zero on SIGTERM"
nft_host_has_table && fail "table left after SIGTERM"
in_host ip link show gw0 >/dev/null 2>&1 && fail "bridge left after SIGTERM"
alive "$dpid" && fail "dnsmasq left after SIGTERM"
[ "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = "$fwd_before" ] || fail "ip_forward not restored"
[ "$(in_host cat /proc/sys/net/ipv6/conf/all/forwarding)" = "$fwd6_before" ] || fail "IPv6 forwarding not restored"
ok "SIGTERM: no table, no bridge, no dnsmasq, sysctls restored"

# --- kill -9, then --teardown
gw_start
guest_add 2
[ "$(in_host cat /sys/class/net/gw0/address)" = "$mac1" ] || fail "bridge MAC changed across restarts"
ok "same bridge MAC after a restart"
dpid=$(cat "$T/run/default.dnsmasq.pid")
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
# The tables are owned by gatewayd's netlink socket and persist after it
# (NFT_TABLE_F_PERSIST), so guests' NATed flows outlive a crash.
nft_host_has_table || fail "table did not outlive its owner"
in_host ip link show gw0 >/dev/null 2>&1 || fail "expected the bridge left behind by kill -9"
alive "$dpid" || fail "expected an orphaned dnsmasq left behind by kill -9"
[ "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "expected ip_forward left on by kill -9"
in_host "$GATEWAYD" --teardown -c "$T/gw.conf" >"$T/teardown.log" 2>&1 || fail "teardown failed: $(cat "$T/teardown.log")"
nft_host_has_table && fail "table left after teardown"
in_host ip link show gw0 >/dev/null 2>&1 && fail "bridge left after teardown"
alive "$dpid" && fail "dnsmasq $dpid left after teardown: $(cat "$T/teardown.log")"
[ "$(in_host cat /proc/sys/net/ipv4/ip_forward)" = "$fwd_before" ] || fail "ip_forward not restored by teardown"
ok "kill -9 + --teardown: $(tail -1 "$T/teardown.log")"
in_host "$GATEWAYD" --teardown -c "$T/gw.conf" >"$T/teardown2.log" 2>&1 || fail "second teardown exited non-zero"
grep -q "nothing to remove" "$T/teardown2.log" || fail "second teardown: $(cat "$T/teardown2.log")"
ok "teardown with nothing left: exit 0, 'nothing to remove'"
