#!/bin/bash
# Red team of issue 16 item 10: gatewayctl is what qemu-ifup runs
# (attach) -- and it waited for ever for a gatewayd that does not answer:
# a blocking connect() once the listen backlog is full, then a read()
# without a deadline. A gatewayd frozen (stopped, stuck: a hung BIRD
# froze it at stop before t_rt_bird_hung's fix) hung every QEMU start
# with it. gatewayctl must give up on its own, saying so, with exit 6,
# within its deadline (30 s; doctor and reload: 300 s), both while its connection
# waits in the backlog and once the backlog is full.
# Control: the same commands answer once gatewayd runs again.
#
#   [host] gatewayd (SIGSTOP)  <- root: gatewayctl status, x20
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
gw_start
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
in_host $CTL status >/dev/null || fail "status before the freeze"
kill -STOP "$GW_PID"
# 20 at once: the listen backlog (16) fills; those past it wait in connect()
pids=()
t0=$SECONDS
for i in $(seq 1 20); do
	in_host timeout 60 $CTL status >"$T/st$i" 2>&1 &
	pids+=("$!")
done
rcs=''
for p in "${pids[@]}"; do
	wait "$p"
	rcs="$rcs $?"
done
dt=$((SECONDS - t0))
kill -CONT "$GW_PID"
case "$rcs" in *124*) fail "gatewayctl still waiting after 60 s for a frozen gatewayd (exits:$rcs)" ;; esac
for r in $rcs; do [ "$r" = 6 ] || fail "gatewayctl exit $r for a frozen gatewayd, not 6 (exits:$rcs)"; done
[ "$dt" -le 45 ] || fail "gatewayctl gave up after $dt s"
grep -q "no answer from gatewayd" "$T/st1" || fail "gatewayctl did not say why: $(cat "$T/st1")"
# some waited in connect() (the backlog full), the others in read()
grep -l "connections are not taken" "$T"/st[0-9]* >/dev/null || fail "none waited in connect(): $(cat "$T"/st[0-9]* | sort | uniq -c)"
ok "gatewayd frozen: 20 gatewayctl status gave up in $dt s, exit 6: $(head -1 "$T/st1")"

in_host $CTL status >"$T/st" 2>&1 || fail "status after SIGCONT: $(cat "$T/st")"
ok "control: gatewayd running again, status answers"
gw_stop || fail "gatewayd exited non-zero"
