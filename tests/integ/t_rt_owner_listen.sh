#!/bin/bash
# Found by red team rtl: gatewayd had no notion of which of the host's
# public addresses is whose, so alice, owner of alpha only, could add
# forwards on 198.51.100.7, the address bravo's customer serves from --
# naming it or on every address, which includes it -- and her guest
# answered on bob's address (his customers' certificates, his address's
# reputation). Now a network's `listen_addresses` are its own (conf/
# listen.h): alice may not listen on bravo's, nor on every address while
# other networks have addresses of their own; her forward without
# --listen listens on alpha's; root may not put alpha's forward on
# bravo's address either, and a config that does is refused at its line.
#
#   [host] gatewayd ── gw0 (alpha, 10.213.0.0/24, owner alice)
#                   └─ gw1 (bravo, 10.214.0.0/24, owner bob,
#                           forward bweb tcp 198.51.100.7:443)
. "$(dirname "$0")/lib.sh"
require dnsmasq nft setpriv useradd userdel

ALICE=gwl${ID}a BOB=gwl${ID}b
MADE_USERS=()
trap 'rc=$?; for u in "${MADE_USERS[@]}"; do userdel "$u" 2>/dev/null; done; (exit $rc); cleanup' EXIT
for u in "$ALICE" "$BOB"; do useradd -M -N -s /usr/sbin/nologin "$u" || fail "useradd $u"; MADE_USERS+=("$u"); done

topo_init
cat >"$T/gw.conf" <<EOC
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network alpha {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    owner  = "$ALICE"
}
network bravo {
    bridge = "gw1"
    ipv4   = "10.214.0.1/24"
    owner  = "$BOB"
    listen_addresses = { "198.51.100.7" }
    forward bweb { proto = tcp port = 443 to = "10.214.0.9:443" listen = "198.51.100.7" }
}
EOC
gw_spawn
SOCK=$T/run/gatewayd.sock
wait_until 10 test -S "$SOCK" || fail "no control socket"
as_alice() { in_host setpriv --reuid="$ALICE" --regid="$(id -g "$ALICE")" --init-groups "$GATEWAYCTL" -s "$SOCK" "$@" >"$T/out" 2>&1; }

as_alice forward add alpha onbob --port 8443 --to 10.213.0.9:443 --listen 198.51.100.7 &&
	fail "alice's forward on bravo's address 198.51.100.7 was accepted: $(cat "$T/out")"
as_alice forward add alpha everywhere --port 8444 --to 10.213.0.9:443 &&
	fail "alice's forward on every address (bravo's 198.51.100.7 too) was accepted: $(cat "$T/out")"
ok "alice may not forward on bravo's address, nor on every address"

# alpha gets an address of its own
sed '/^network alpha/,/^}/s|^}|    listen_addresses = "198.51.100.8"\n}|' "$T/gw.conf" >"$T/gw2.conf"
cp "$T/gw2.conf" "$T/gw.conf"
in_host "$GATEWAYCTL" -s "$SOCK" reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
as_alice forward add alpha mine --port 8445 --to 10.213.0.9:443 ||
	fail "alice's forward on alpha's own address: $(cat "$T/out")"
grep -q "on 198.51.100.8 " "$T/out" || fail "alice's forward does not listen on alpha's address: $(cat "$T/out")"
in_host nft list map inet gatewayd fwd4_at | grep -q "198.51.100.8 . tcp . 8445" ||
	fail "no fwd4_at element on 198.51.100.8: $(in_host nft list map inet gatewayd fwd4_at)"
as_alice forward add alpha elsewhere --port 8446 --to 10.213.0.9:443 --listen 198.51.100.9 &&
	fail "alice's forward on an address that is not alpha's was accepted: $(cat "$T/out")"
ok "alice's forward without --listen listens on alpha's 198.51.100.8; another address refused"

in_host "$GATEWAYCTL" -s "$SOCK" forward add alpha rootonbob --port 8447 --to 10.213.0.9:443 --listen 198.51.100.7 >"$T/out" 2>&1 &&
	fail "root's forward of alpha on bravo's address was accepted: $(cat "$T/out")"
grep -q 'is network "bravo".s' "$T/out" || fail "root's refusal does not say whose: $(cat "$T/out")"
sed '/^network alpha/,/^}/s|^}|    forward steal { proto = tcp port = 9444 to = "10.213.0.9:443" listen = "198.51.100.7" }\n}|' "$T/gw.conf" >"$T/bad.conf"
in_host "$GATEWAYD" -n -c "$T/bad.conf" >"$T/out" 2>&1 && fail "a config putting alpha's forward on bravo's address was accepted"
grep -q 'bad.conf:[0-9]*: network "alpha": forward "steal": listen 198.51.100.7 is network "bravo".s' "$T/out" ||
	fail "the refusal does not name the line and the owner: $(cat "$T/out")"
ok "root may not put alpha's forward on bravo's address, at run time nor in the file (refused at its line)"

# root gives alpha's address to bravo: alice's kept forward on it goes out
# of force (listed left-out, its reason naming no other network)
sed -e '/^network alpha/,/^}/{/listen_addresses/d}' \
	-e 's|listen_addresses = { "198.51.100.7" }|listen_addresses = { "198.51.100.7", "198.51.100.8" }|' "$T/gw.conf" >"$T/gw3.conf"
cp "$T/gw3.conf" "$T/gw.conf"
in_host "$GATEWAYCTL" -s "$SOCK" reload >"$T/out" 2>&1 || fail "reload (2): $(cat "$T/out")"
in_host nft list map inet gatewayd fwd4_at | grep -q "198.51.100.8 . tcp . 8445" &&
	fail "alice's forward on 198.51.100.8, now bravo's, is still in force"
as_alice forwards
grep -q "^alpha  *mine .*left-out" "$T/out" || fail "alice's forward not listed left-out: $(cat "$T/out")"
grep -q "bravo" "$T/out" && fail "alice's left-out reason names bravo: $(cat "$T/out")"
ok "198.51.100.8 given to bravo: alice's kept forward there is left out, its reason naming no other network"

