#!/bin/bash
# The bridge table's port maps follow the bridges' real ports through
# bursts (issue 17, red team R2: they are kept by element deltas now, so a
# missed change would stay wrong). 40 guest veths vg1..vg40 are moved at
# random (seeded) between gw0 and gw1, released, and renamed while on a
# bridge (down, vgtmp, onto a bridge, back to vgN): 300 commands a round,
# three rounds, the last two with the daemon frozen and a tiny monitor
# receive buffer (GATEWAYD_TEST_MONITOR_RCVBUF: events may be lost). After each,
# port_nets and bind_nets must name exactly the ports each bridge has,
# each to its network's chain, and guest_ports the same names. None of
# this failed on main 24ac8ca; kept as a regression test.
#
#   [host: gatewayd] gw0 (default), gw1 (other) ── vg1..vg40 ═ xp1..xp40
. "$(dirname "$0")/lib.sh"
require nft python3

topo_init
export GATEWAYD_TEST_MONITOR_RCVBUF=4096
GW_FLAGS=-v gw_start_two
N=40
for i in $(seq 1 $N); do echo "link add vg$i type veth peer name xp$i"; done >"$T/mk"
in_host ip -batch "$T/mk" || fail "veths"

# elems MAP|SET NAME: "key value" (maps: the jump's target) or "key" lines, sorted
elems() {
	in_host nft -j list "$1" bridge gatewayd "$2" | python3 -c '
import json, sys
for o in json.load(sys.stdin)["nftables"]:
    m = o.get(sys.argv[1])
    for e in (m or {}).get("elem", []):
        if isinstance(e, list):
            print(e[0], e[1]["jump"]["target"])
        else:
            print(e)
' "$1" | sort
}
want() {
	for b in gw0 gw1; do
		[ $b = gw0 ] && n=default || n=other
		in_host ip -o link show master $b | awk -F': ' '{print $2}' | sed 's/@.*//' |
			while read -r p; do echo "$p $n"; done
	done | sort
}
same() {
	[ "$(want | sed 's/ / ports_/')" = "$(elems map port_nets)" ] &&
		[ "$(want | sed 's/ / bind_/')" = "$(elems map bind_nets)" ] &&
		[ "$(want | awk '{print $1}')" = "$(elems set guest_ports)" ]
}

for round in 1 2 3; do
	python3 - "$N" "$round" >"$T/b" <<'PY'
import random, sys
n, r = int(sys.argv[1]), random.Random(int(sys.argv[2]))
for _ in range(300):
    i, c = r.randint(1, n), r.random()
    if c < 0.4:
        print(f"link set vg{i} master gw0")
    elif c < 0.8:
        print(f"link set vg{i} master gw1")
    elif c < 0.9:
        print(f"link set vg{i} nomaster")
    else:
        print(f"link set vg{i} down")
        print(f"link set vg{i} name vgtmp")
        print(f"link set vgtmp master gw{r.randint(0, 1)}")
        print(f"link set vgtmp name vg{i}")
PY
	[ $round -gt 1 ] && kill -STOP "$GW_PID"
	in_host ip -force -batch "$T/b" 2>/dev/null
	[ $round -gt 1 ] && kill -CONT "$GW_PID"
	wait_until 15 same || {
		diff <(want | sed 's/ / ports_/') <(elems map port_nets) | head -5
		fail "round $round: the maps do not match the bridges' ports"
	}
	ok "round $round: port_nets, bind_nets and guest_ports match the $(want | wc -l) ports of gw0 and gw1"
done
