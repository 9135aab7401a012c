#!/bin/bash
# The tap registry across a stop and a start (review of issue 18: stop
# deletes gatewayd's taps with its bridges, in one group delete). A tap
# of gatewayctl tap add joins gatewayd's netdev group when it is made, as
# a config tap does (only a recorded tap in the group is deleted at stop,
# core/bridge.h). Asserted: both taps in group 26487 while running; stop
# deletes both and leaves none on taps.made; the next start makes both
# anew (no adoption, no repair) and `gatewayctl taps` lists exactly them;
# after `gatewayctl tap del` and a restart the deleted tap stays gone and
# off the list.
#
#   [host: gatewayd]  gw0 ── vmtap0 (tap section)
#                         └─ vmrt1  (gatewayctl tap add)
#                     up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require nft dnsmasq

GROUP=26487
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
topo_init
write_conf
printf 'tap vmtap0 {\n    network = "default"\n    user    = "nobody"\n}\n' >>"$T/gw.conf"
exists() { in_host ip link show "$1" >/dev/null 2>&1; }
in_group() { in_host ip -o link show group "$GROUP" | grep -q " $1:"; }
taps_listed() { in_host $CTL taps | awk 'NR > 1 { print $1 }' | sort | tr '\n' ' '; }

gw_start
wait_until 10 exists vmtap0 || fail "no tap vmtap0"
in_host $CTL tap add default --user nobody --name vmrt1 >"$T/out" 2>&1 || fail "tap add: $(cat "$T/out")"
for l in vmtap0 vmrt1; do
	in_group "$l" || fail "$l is not in gatewayd's netdev group $GROUP: $(in_host ip -d -o link show "$l")"
done
ok "the config's tap and gatewayctl tap add's are in netdev group $GROUP"

gw_stop || fail "gatewayd exit status"
for l in vmtap0 vmrt1 gw0; do exists "$l" && fail "stop left $l"; done
[ -s "$T/state/taps.made" ] && fail "stop left taps on record: $(cat "$T/state/taps.made")"
ok "stop: both taps gone, none left on taps.made"

gw_start
wait_until 10 exists vmrt1 || fail "restart did not make vmrt1 again"
grep -q "created tap vmtap0" "$T/gw.log" || fail "vmtap0 not made anew: $(cat "$T/gw.log")"
grep -q "created tap vmrt1" "$T/gw.log" || fail "vmrt1 not made anew: $(cat "$T/gw.log")"
grep -Eq "deleted by someone else|on record as gatewayd's|not a tap" "$T/gw.log" && fail "restart took a stale tap: $(cat "$T/gw.log")"
[ "$(taps_listed)" = "vmrt1 vmtap0 " ] || fail "gatewayctl taps after restart: $(in_host $CTL taps)"
for l in vmtap0 vmrt1; do in_group "$l" || fail "$l not in group $GROUP after restart"; done
ok "restart: both taps made anew in group $GROUP; gatewayctl taps lists exactly vmtap0 and vmrt1"

in_host $CTL tap del vmrt1 >"$T/out" 2>&1 || fail "tap del: $(cat "$T/out")"
exists vmrt1 && fail "tap del left vmrt1"
gw_stop || fail "gatewayd exit status"
gw_start
wait_until 10 exists vmtap0 || fail "no vmtap0 (third start)"
exists vmrt1 && fail "restart made the deleted tap vmrt1 again"
[ "$(taps_listed)" = "vmtap0 " ] || fail "gatewayctl taps after tap del and restart: $(in_host $CTL taps)"
ok "after tap del and a restart: vmrt1 stays gone and off gatewayctl taps"
gw_stop || fail "gatewayd exit status"
