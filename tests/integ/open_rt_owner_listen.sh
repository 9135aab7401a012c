#!/bin/bash
# OPEN FINDING (red team rtl), not fixed: rename to t_rt_owner_listen.sh
# when it passes. gatewayd has no notion of which of the host's public
# addresses is whose: a forward's `listen` is any unicast address outside
# the networks' subnets. The config dedicates 198.51.100.7 to bravo's
# customer (its forward bweb listens there, tcp/443), yet alice, owner of
# alpha only, may add forwards there on any free port -- on that address
# (--listen 198.51.100.7) or on every address, which includes it -- so
# her guest answers on bob's address (his customers' certificates, his
# address's reputation). A fix needs the config to say which listen
# addresses a network may use (e.g. `listen_addresses = { ... }` per
# network, every address only for root or a network given them all);
# that is a schema and design change for the lead. It fails today.
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
