#!/bin/bash
# Hitless reload and crash-only restart, seen by a long-lived TCP flow
# through NAT:
#  - reloads (unchanged config; another network added) leave the flow
#    and the network's dnsmasq alone;
#  - kill -9 of gatewayd, then starting it again: the flow survives, the
#    orphaned dnsmasq is replaced (one dnsmasq, no "address in use"), the
#    tables come back, the lease file is kept.
#
#   [inet] nc -l 9000 ── up0 [host: gatewayd] gw0 ── vg1 ── [g1] writer | nc
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"

flow_start "$G1"
srv=$FLOW_SERVER
[ "$(in_inet ss -tn state established '( sport = :9000 )' | grep -c 198.51.100.2)" = 1 ] || fail "flow not NATed to the uplink address"

# --- reload, nothing changed
dpid=$(dnsmasq_pid)
kill -HUP "$GW_PID"
wait_until 5 grep -q "reload: new configuration applied" "$T/gw.log" || fail "reload 1"
flowing || fail "flow stopped after a reload"
[ "$(dnsmasq_pid)" = "$dpid" ] || fail "unchanged network's dnsmasq was restarted"
# --- reload, a second network added
printf 'network two {\n bridge = "gw1"\n ipv4 = "10.214.0.1/24"\n}\n' >>"$T/gw.conf"
kill -HUP "$GW_PID"
wait_until 10 sh -c "[ \$(grep -c 'reload: new configuration applied' $T/gw.log) = 2 ]" || fail "reload 2"
wait_until 5 grep -q "dnsmasq\[two\]: started" "$T/gw.log" || fail "network two not started"
flowing || fail "flow stopped after adding a network"
[ "$(dnsmasq_pid)" = "$dpid" ] || fail "adding a network restarted the first one's dnsmasq"
kill -0 "$srv" || fail "flow server died"
ok "two reloads (same config; network added): flow goes on, dnsmasq $dpid untouched"

# --- kill -9, restart
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
alive "$dpid" || fail "expected an orphaned dnsmasq"
flowing || fail "flow stopped while gatewayd was dead"
gw_start
grep -q "stopped a dnsmasq left by an earlier gatewayd" "$T/gw.log" || fail "orphan not replaced"
grep -qi "address in use" "$T/gw.log" && fail "address in use after restart"
alive "$dpid" && fail "the orphan still runs"
[ "$(pgrep -fc "conf-file=$T/run/default.dnsmasq.conf")" = 1 ] || fail "not exactly one dnsmasq for the network"
nft_host_has_table || fail "table not back"
flowing || fail "flow stopped after the restart"
kill -0 "$srv" || fail "flow server died"
grep -q "$(lease_var 1 ip)" "$T/state/default.leases" || fail "lease lost across the crash"
udhcpc_lease 1 || fail "no lease after restart"
ok "kill -9 + restart: orphan replaced by one dnsmasq, table back, lease kept, flow alive ($(wc -l <"$T/flow.out") lines)"
