#!/bin/bash
# Bandwidth on a bridge gatewayd made, deleted by someone else: the
# repaired bridge (a new ifindex) gets its limits again, the old IFB
# goes, the guest port is redirected to the new one; stop leaves no IFB.
#
#   [inet] eth0 ── up0 [host: gatewayd] gw0 (made by gatewayd, bandwidth 16mbit)
#                                        '- vg1 ── [g1] eth0
#   gw0 root: HTB;  vg1 ingress -> IFB gwb<gw0's ifindex> (the network's egress)
. "$(dirname "$0")/lib.sh"
require tc

topo_init
write_conf 'bandwidth {' '    ingress = "16mbit"' '    egress = "16mbit"' '}'
gw_start
guest_add 1
has_htb() { in_host tc qdisc show dev "$1" | grep -q 'qdisc htb 1: root'; }
ifbs() { in_host ip -o link show type ifb | sed -n 's/^[0-9]*: \(gwb[0-9]*\).*/\1/p' | tr '\n' ' '; }
redirects_to() { in_host tc filter show dev "$1" ingress | grep -q "Redirect to device $2)"; }
idx() { in_host cat /sys/class/net/gw0/ifindex; }

wait_until 10 has_htb gw0 || fail "no HTB on gw0"
i1=$(idx)
wait_until 10 redirects_to vg1 "gwb$i1" || fail "vg1 not redirected to gwb$i1"
[ "$(ifbs)" = "gwb$i1 " ] || fail "IFBs: $(ifbs)"
ok "gw0 (ifindex $i1) shaped, vg1 redirected to gwb$i1"

in_host ip link del gw0
repaired() { in_host ip link show gw0 >/dev/null 2>&1 && [ "$(idx)" != "$i1" ]; }
wait_until 10 repaired || fail "gw0 not repaired"
i2=$(idx)
wait_until 10 has_htb gw0 || fail "no HTB on the repaired gw0: $(in_host tc qdisc show dev gw0)"
wait_until 10 redirects_to vg1 "gwb$i2" || fail "vg1 not redirected to gwb$i2: $(in_host tc filter show dev vg1 ingress)"
wait_until 5 sh -c "[ \"\$(ip netns exec $NS_HOST ip -o link show type ifb | grep -c gwb)\" = 1 ]" ||
	fail "IFBs after the repair: $(ifbs)"
[ "$(ifbs)" = "gwb$i2 " ] || fail "IFBs after the repair: $(ifbs) (want gwb$i2)"
ok "repaired gw0 (ifindex $i2): HTB again, vg1 redirected to gwb$i2, gwb$i1 gone"

gw_stop || fail "gatewayd did not stop cleanly"
[ -z "$(ifbs)" ] || fail "IFB left after stop: $(ifbs)"
in_host tc qdisc show dev vg1 | grep -q ingress && fail "vg1 keeps its ingress qdisc"
ok "stop: no IFB, vg1 (not gatewayd's) without our ingress qdisc"
