#!/bin/bash
# Stop removes every link gatewayd made, and nothing else (issue 18: the
# bridges and taps go in one RTM_DELLINK by netdev group, not one RCU wait
# each). gatewayd's bridges and its tap are in its own netdev group
# (26487) while it runs; an adopted bridge is not. A stop deletes gw0, gw1,
# gw2 and vmtap0, and leaves the adopted bridge and foreign veths alone:
# one put in gatewayd's group by someone else, one in the group gatewayd
# deletes through (26488) or not. Then after a crash, `gatewayd
# --teardown` likewise. A reload that removes two networks deletes their
# bridges and nothing else (gw0, in the same group, stays).
#
#   [host: gatewayd]  gw0 ── vmtap0 (tap section)      created: go
#                     gw1, gw2                         created: go
#                     gwadopt (bridge made by the test) adopted: stays
#                     fv0 ══ fv1 (foreign veth pair)   stay, fv0 in group
#                                                      26488 or not
#                     fg0 ══ fg1 (foreign, group 26487) stay
#                     up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require dnsmasq nft

GROUP=26487 DEL_GROUP=26488
topo_init

# conf [all]: network default (gw0) and the tap; with "all" also gw1, gw2
# and the adopted bridge.
conf() {
	write_conf
	printf 'tap vmtap0 {\n    network = "default"\n    user    = "nobody"\n}\n' >>"$T/gw.conf"
	[ "${1:-}" = all ] || return 0
	cat >>"$T/gw.conf" <<EOC
network third {
    bridge = "gw2"
    ipv4   = "10.216.0.1/24"
    ra { enabled = false }
}
network other {
    bridge = "gw1"
    ipv4   = "10.214.0.1/24"
    ra { enabled = false }
}
network adopted {
    bridge = "gwadopt"
    ipv4   = "10.215.0.1/24"
    ra { enabled = false }
}
EOC
}

exists() { in_host ip link show "$1" >/dev/null 2>&1; }
in_group() { in_host ip -o link show group "$GROUP" | grep -q " $1[:@]"; }

# run_and_stop HOW: start with the adopted bridge and the foreign veths in
# place, check the groups, stop (HOW: stop or teardown), check what is left.
run_and_stop() {
	local how=$1 l
	exists gwadopt || in_host ip link add gwadopt type bridge
	exists fv0 || in_host ip link add fv0 type veth peer name fv1
	exists fg0 || in_host ip link add fg0 group "$GROUP" type veth peer name fg1 group "$GROUP"
	conf all
	gw_start
	wait_until 10 exists vmtap0 || fail "no tap vmtap0"
	for l in gw0 gw1 gw2 vmtap0; do
		in_group "$l" || fail "$l is not in gatewayd's netdev group $GROUP: $(in_host ip -o link show "$l")"
	done
	in_group gwadopt && fail "the adopted bridge was put in gatewayd's netdev group"
	[ "$FOREIGN_IN_GROUP" = 1 ] && in_host ip link set fv0 group "$DEL_GROUP"
	if [ "$how" = stop ]; then
		gw_stop || fail "gatewayd exit status"
	else
		kill -KILL "$GW_PID"
		wait "$GW_PID" 2>/dev/null
		GW_PID=
		in_host "$GATEWAYD" --teardown -c "$T/gw.conf" >"$T/td.log" 2>&1 || fail "teardown: $(cat "$T/td.log")"
	fi
	for l in gw0 gw1 gw2 vmtap0; do
		exists "$l" && fail "$how left $l ($(in_host ip -o link show "$l"))"
	done
	exists gwadopt || fail "$how deleted the adopted bridge gwadopt"
	exists fv0 && exists fv1 || fail "$how deleted the foreign veth pair (fv0 in group $DEL_GROUP: $FOREIGN_IN_GROUP)"
	exists fg0 && exists fg1 || fail "$how deleted the foreign veth pair in gatewayd's group $GROUP"
	[ -s "$T/state/bridges" ] && fail "$how left bridges on record: $(cat "$T/state/bridges")"
	ok "$how: gw0, gw1, gw2 and vmtap0 gone; the adopted bridge and the foreign veths (fv0 in group $DEL_GROUP: $FOREIGN_IN_GROUP) stay"
}

FOREIGN_IN_GROUP=0 run_and_stop stop
FOREIGN_IN_GROUP=1 run_and_stop stop
in_host ip link set fv0 group default
FOREIGN_IN_GROUP=0 run_and_stop teardown
FOREIGN_IN_GROUP=1 run_and_stop teardown
in_host ip link set fv0 group default

# A reload removing networks other, third and adopted: gw1 and gw2 go
# (together), gw0 and vmtap0 stay, so do the adopted bridge and the
# foreign veths.
conf all
gw_start
wait_until 10 exists vmtap0 || fail "no tap vmtap0"
conf
$GATEWAYCTL -s "$T/run/gatewayd.sock" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
wait_until 10 bash -c "! ip -n $NS_HOST link show gw2" || fail "reload left gw2"
for l in gw1 gw2; do exists "$l" && fail "reload left $l"; done
for l in gw0 vmtap0 gwadopt fv0 fg0; do exists "$l" || fail "reload deleted $l"; done
grep -qx gw1 "$T/state/bridges" && fail "gw1 still on record after the reload"
grep -qx gw0 "$T/state/bridges" || fail "gw0 no longer on record after the reload"
ok "reload removing two networks: gw1 and gw2 gone; gw0, vmtap0, the adopted bridge and the foreign veths stay"
gw_stop || fail "gatewayd exit status"
