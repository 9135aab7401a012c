#!/bin/bash
# A name on gatewayd's record is not enough to make a link gatewayd's
# (review of issue 18): names are recorded before the links are made, so
# a crash in between leaves a name on record that another program's link
# may take. Stop and --teardown delete a recorded bridge or tap only if it
# is also in gatewayd's netdev group (26487, or 26488 mid-stop), where
# gatewayd makes its links. Asserted, after a "crash" left gw0 and vmtap0
# on record and someone else then made a bridge gw0 and a tap vmtap0: a
# start adopts both (gw0 not put in the group, gw0 off the record); a stop
# deletes gw1 (made by gatewayd) and leaves gw0 and vmtap0; --teardown
# with both names on record again leaves them too, and deletes a gw1 made
# by gatewayd and left by a SIGKILL.
#
#   [host: gatewayd]  gw0     bridge made by "someone else", name on record: stays
#                     vmtap0  tap made by "someone else", name on record: stays
#                     gw1     bridge made by gatewayd: goes
#                     up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require nft dnsmasq

GROUP=26487
topo_init
exists() { in_host ip link show "$1" >/dev/null 2>&1; }
group_of() { in_host ip -d -o link show "$1" | grep -o ' group [^ ]*' | head -1; }

write_conf
printf 'tap vmtap0 {\n    network = "default"\n    user    = "nobody"\n}\n' >>"$T/gw.conf"
cat >>"$T/gw.conf" <<EOC
network other {
    bridge = "gw1"
    ipv4   = "10.214.0.1/24"
    ra { enabled = false }
}
EOC

# what a crash between recording and creating leaves, then the others' links
foreign() {
	printf 'gw0\n' >"$T/state/bridges"
	printf 'vmtap0\n' >"$T/state/taps.made"
	exists gw0 || in_host ip link add gw0 type bridge
	exists vmtap0 || in_host ip tuntap add dev vmtap0 mode tap user nobody
}

foreign
gw_start
wait_until 10 exists gw1 || fail "no gw1"
in_host ip -o link show group "$GROUP" | grep -q " gw1:" || fail "gw1 is not in group $GROUP"
in_host ip -o link show group "$GROUP" | grep -q " gw0:" && fail "the foreign gw0 was put in group $GROUP"
grep -qx gw0 "$T/state/bridges" && fail "the foreign gw0 is still on record: $(cat "$T/state/bridges")"
grep -q "bridge gw0 is on record as gatewayd's but not in its netdev group" "$T/gw.log" ||
	fail "no word about the foreign gw0"
gw_stop || fail "gatewayd exit status"
exists gw1 && fail "stop left gw1"
exists gw0 || fail "stop deleted the foreign bridge gw0 (its name was on record)"
exists vmtap0 || fail "stop deleted the foreign tap vmtap0 (its name was on record)"
ok "start and stop: the foreign gw0 and vmtap0 whose names were on record stay; gw1 goes"

foreign
gw_start
wait_until 10 exists gw1 || fail "no gw1 (second start)"
kill -KILL "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
foreign
grep -qx gw1 "$T/state/bridges" || printf 'gw1\n' >>"$T/state/bridges"
in_host "$GATEWAYD" --teardown -c "$T/gw.conf" >"$T/td.log" 2>&1 || fail "teardown: $(cat "$T/td.log")"
exists gw1 && fail "teardown left gw1: $(cat "$T/td.log")"
exists gw0 || fail "teardown deleted the foreign bridge gw0: $(cat "$T/td.log")"
exists vmtap0 || fail "teardown deleted the foreign tap vmtap0: $(cat "$T/td.log")"
[ -s "$T/state/bridges" ] && fail "teardown left bridges on record: $(cat "$T/state/bridges")"
ok "--teardown after a SIGKILL: gw1 goes; the foreign gw0 and vmtap0 on record stay"
