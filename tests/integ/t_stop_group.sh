#!/bin/bash
# Stop removes every link gatewayd made, and nothing else (issue 18: the
# bridges and taps go in one RTM_DELLINK by netdev group, not one RCU wait
# each). gatewayd's bridges and its tap are in its own netdev group
# (26487) while it runs; an adopted bridge is not. A stop deletes gw0, gw1
# and vmtap0, and leaves the adopted bridge and a foreign veth (not in the
# group) alone. Then the same with a foreign veth put in gatewayd's group
# by someone else: it survives the stop (gatewayd deletes its own one by
# one then). Then after a crash, `gatewayd --teardown` likewise.
#
#   [host: gatewayd]  gw0 ── vmtap0 (tap section)      created: go
#                     gw1                              created: goes
#                     gwadopt (bridge made by the test) adopted: stays
#                     fv0 ══ fv1 (foreign veth pair)   stays, in or out of
#                                                      gatewayd's group
#                     up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require dnsmasq nft

GROUP=26487
topo_init

conf() {
	write_conf
	cat >>"$T/gw.conf" <<EOC
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
tap vmtap0 {
    network = "default"
    user    = "nobody"
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
	conf
	gw_start
	wait_until 10 exists vmtap0 || fail "no tap vmtap0"
	for l in gw0 gw1 vmtap0; do
		in_group "$l" || fail "$l is not in gatewayd's netdev group $GROUP: $(in_host ip -o link show "$l")"
	done
	in_group gwadopt && fail "the adopted bridge was put in gatewayd's netdev group"
	[ "$FOREIGN_IN_GROUP" = 1 ] && in_host ip link set fv0 group "$GROUP"
	if [ "$how" = stop ]; then
		gw_stop || fail "gatewayd exit status"
	else
		kill -KILL "$GW_PID"
		wait "$GW_PID" 2>/dev/null
		GW_PID=
		in_host "$GATEWAYD" --teardown -c "$T/gw.conf" >"$T/td.log" 2>&1 || fail "teardown: $(cat "$T/td.log")"
	fi
	for l in gw0 gw1 vmtap0; do
		exists "$l" && fail "$how left $l ($(in_host ip -o link show "$l"))"
	done
	exists gwadopt || fail "$how deleted the adopted bridge gwadopt"
	exists fv0 && exists fv1 || fail "$how deleted the foreign veth pair (fv0 in gatewayd's group: $FOREIGN_IN_GROUP)"
	[ -s "$T/state/bridges" ] && fail "$how left bridges on record: $(cat "$T/state/bridges")"
	ok "$how: gw0, gw1 and vmtap0 gone; the adopted bridge and the foreign veth (in gatewayd's group: $FOREIGN_IN_GROUP) stay"
}

FOREIGN_IN_GROUP=0 run_and_stop stop
FOREIGN_IN_GROUP=1 run_and_stop stop
in_host ip link set fv0 group default
FOREIGN_IN_GROUP=0 run_and_stop teardown
FOREIGN_IN_GROUP=1 run_and_stop teardown
