#!/bin/bash
# Reloads that move things between networks and bridges (found by a red
# team of the plan/diff core):
#  1. network b renamed to c, same bridge and subnet, while b's dnsmasq is
#     frozen (slow to exit): the bridge is not deleted (its guest stays
#     plugged, same ifindex) and c serves once b's old dnsmasq is gone;
#  2. c moves to another bridge and subnet (gw1 -> gw5): its old port
#     leaves the bridge ports map (no stale element filtering a bridge
#     gatewayd no longer owns);
#  3. c's old subnet handed to a new network d on another bridge (gw7) in
#     the same reload that removes c: no overlap with c's old address;
#  4. a foreign port on network d's bridge trips d's guard: a reload that
#     changes only network default is still applied, d stays stopped.
#
#   [g1] ── vg1 ── gw1 (b, then c)     gw0 (default)    vx0 (see lan_vxlan)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
lan_vxlan
CTL() { $GATEWAYCTL -s "$T/run/gatewayd.sock" "$@"; }
reload_ok() { CTL reload >"$T/out" 2>&1 || fail "reload refused: $(cat "$T/out")"; }
pid_of() { cat "$T/run/$1.dnsmasq.pid" 2>/dev/null; }
ports_map() { in_host nft list map bridge gatewayd port_nets | tr ',{}' '\n\n\n' | grep ' : jump' | sed 's/^[ \t]*//; s/^elements = //'; }
net() { # NAME BRIDGE SUBNET-THIRD-OCTET
	printf 'network %s {\n bridge = "%s"\n ipv4 = "10.%s.0.1/24"\n dhcp { range = "10.%s.0.100-10.%s.0.150" }\n}\n' "$1" "$2" "$3" "$3" "$3"
}

write_conf; net b gw1 214 >>"$T/gw.conf"
gw_start
wait_until 10 grep -q "dnsmasq\[b\]: started" "$T/gw.log" || fail "b not served"
guest_add 1
in_host ip link set vg1 nomaster; in_host ip link set vg1 master gw1 up
idx=$(in_host cat /sys/class/net/gw1/ifindex)

# 1. rename with b's dnsmasq frozen
pb=$(pid_of b)
kill -STOP "$pb"
write_conf; net c gw1 214 >>"$T/gw.conf"
reload_ok
wait_until 8 sh -c "! kill -0 $pb 2>/dev/null" || fail "b's old dnsmasq never went"
wait_until 8 test -s "$T/run/c.dnsmasq.pid" || fail "c's dnsmasq never started after b -> c: $(CTL status c | grep -E 'dnsmasq|last_error')"
[ "$(in_host cat /sys/class/net/gw1/ifindex)" = "$idx" ] || fail "gw1 was deleted and recreated by the rename"
in_host ip -o link show vg1 | grep -q "master gw1" || fail "the guest fell off gw1"
udhcpc_lease 1 || fail "no lease from c"
case "$(lease_var 1 ip)" in 10.214.0.*) ;; *) fail "lease $(lease_var 1 ip) is not c's" ;; esac
ok "rename b -> c with b's dnsmasq frozen: gw1 kept (guest plugged), c serves $(lease_var 1 ip)"

# 2. c moves to gw5 and another subnet
wait_until 3 sh -c "ip netns exec $NS_HOST nft list map bridge gatewayd port_nets | grep -q vg1" || fail "vg1 never in port_nets"
write_conf; net c gw5 217 >>"$T/gw.conf"
reload_ok
in_host ip link show gw1 >/dev/null 2>&1 && fail "gw1 (created by gatewayd, left by c) still there"
ports_map | grep -q vg1 && fail "stale port_nets element after c left gw1: $(ports_map | tr '\n' ' ')"
ok "c moved to gw5: gw1 gone, its port out of the ports map"

# 3. c removed, its subnet to d on gw7, in one reload
write_conf; net d gw7 217 >>"$T/gw.conf"
reload_ok
wait_until 8 test -s "$T/run/d.dnsmasq.pid" || fail "d does not serve"
in_host ip -4 addr show gw7 | grep -q 10.217.0.1 || fail "gw7 lacks 10.217.0.1"
ok "c's subnet handed to d on gw7 in the reload that removed c"

# 4. a foreign port on d's bridge; a reload of another network
in_host ip link set vx0 master gw7
wait_until 5 sh -c "[ -z \"\$(cat $T/run/d.dnsmasq.pid 2>/dev/null)\" ]" || fail "guard did not stop d"
in_host nft list chain inet gatewayd in_default >"$T/in.before"
write_conf "host_access = true"; net d gw7 217 >>"$T/gw.conf"
reload_ok
in_host nft list chain inet gatewayd in_default | cmp -s - "$T/in.before" && fail "default's change not applied"
[ -z "$(pid_of d)" ] || fail "d serves again while vx0 is on gw7"
in_host ip link set vx0 nomaster
wait_until 5 test -s "$T/run/d.dnsmasq.pid" || fail "d did not resume after vx0 left"
ok "foreign port on d's bridge: reload of default applied, d stayed stopped, resumed when the port left"
