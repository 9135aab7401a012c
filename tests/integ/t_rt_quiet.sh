#!/bin/bash
# The cost follows the change (issue 17): a host link event that touches
# none of our bridges makes gatewayd send nothing and write nothing; a
# guest port joining makes exactly one element add to the ports map (and
# the binding's sets get only what differs, never a flush).
#  1. a foreign veth pair made, set up and deleted in the host namespace:
#     no nftables change at all (nft monitor in the namespace) and
#     state_dir/guest-bindings not written again (inode and mtime) -- on
#     main 8c834b5 every such event flushed and refilled the seven binding
#     sets and rewrote the file;
#  2. then a guest port vg2 joins gw0: one "add element ... port_nets"
#     for vg2, no element deleted from port_nets, no set flushed -- on main
#     the whole map was flushed and refilled;
#  3. vg2 leaves: one "delete element ... port_nets" for vg2 only.
# The guest port's events come after the foreign ones, so once its element
# is there, the foreign events have been dealt with.
#
#   [host: gatewayd] gw0 ── vg1 ── [g1]
#                        └─ vg2 ── [g2]   (step 2)
#                    fx0 ═ fx1             (step 1: someone else's veth pair)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
gw_start
guest_add 1
udhcpc_lease 1 >/dev/null || fail "guest 1 got no lease"
wait_until 5 sh -c "[ \$(wc -l <$T/state/guest-bindings) -ge 2 ]" ||
	fail "guest 1 not bound: $(cat "$T/state/guest-bindings" 2>/dev/null)"
# let the lease's own sync settle before looking
wait_until 5 in_host nft list set bridge gatewayd bind4 | grep -q 10.213.0
sleep 0.5
before=$(stat -c '%i %y' "$T/state/guest-bindings")

in_host nft monitor >"$T/mon" 2>&1 &
mon=$!
sleep 0.3

# --- 1. someone else's veth pair comes and goes
for i in 1 2 3; do
	in_host ip link add fx$i type veth peer name fy$i
	in_host ip link set fx$i up
	in_host ip link set fy$i up
	in_host ip addr add 172.31.$i.1/24 dev fx$i
done
for i in 1 2 3; do in_host ip link del fx$i; done

# --- 2. a guest port joins (its events come after the foreign ones)
guest_add 2
wait_until 5 grep -q '"vg2"' "$T/mon" || fail "vg2 never added to port_nets: $(cat "$T/mon")"
sleep 0.5 # the binding's sync after the port (settled) -- nothing else may come

# nothing at all before vg2's element
first=$(grep -n '"vg2"' "$T/mon" | head -1 | cut -d: -f1)
pre=$(head -n $((first - 1)) "$T/mon" | grep -v '^$')
[ -z "$pre" ] || fail "foreign veths changed nftables: $pre"
after=$(stat -c '%i %y' "$T/state/guest-bindings")
[ "$before" = "$after" ] || fail "guest-bindings rewritten for foreign veths: $before -> $after"
ok "a foreign veth pair made, addressed and deleted: no nftables change, guest-bindings not rewritten"

adds=$(grep -c 'add element bridge gatewayd port_nets' "$T/mon")
[ "$adds" = 1 ] || fail "port_nets: $adds element adds, want 1: $(cat "$T/mon")"
grep -q 'add element bridge gatewayd port_nets { "vg2" : jump ports_default }' "$T/mon" ||
	fail "port_nets: not vg2 -> ports_default: $(cat "$T/mon")"
grep -q 'delete element bridge gatewayd port_nets' "$T/mon" &&
	fail "port_nets: elements deleted for a port that joined: $(cat "$T/mon")"
grep -qi 'flush' "$T/mon" && fail "a set was flushed at run time: $(cat "$T/mon")"
grep -q '"vg1"' "$T/mon" && fail "vg1's elements touched when vg2 joined: $(cat "$T/mon")"
ok "guest port vg2 joined: one element add to port_nets, nothing flushed, vg1 untouched"

# --- 3. it leaves
n0=$(wc -l <"$T/mon")
in_host ip link del vg2
wait_until 5 grep -q 'delete element bridge gatewayd port_nets { "vg2"' "$T/mon" ||
	fail "vg2 not deleted from port_nets: $(cat "$T/mon")"
sleep 0.3
tail -n +$((n0 + 1)) "$T/mon" | grep 'port_nets' | grep -v '"vg2"' &&
	fail "other port_nets elements touched when vg2 left"
ok "guest port vg2 left: its element deleted, nothing else in port_nets"
kill "$mon" 2>/dev/null
