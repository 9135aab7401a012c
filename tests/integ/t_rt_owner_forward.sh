#!/bin/bash
# Red team, a customer's run-time port forwards (issue 19 items 3-4).
# alice owns network alpha; bravo is another customer's (bob's). alice's
# `forward add` on alpha:
#  - meeting bravo's forward (same port) or an address of bravo's subnet
#    is refused without a word of bravo: not its name, its forward's
#    name, its subnet, nor the config file's path and line; meeting her
#    own forward she is told which;
#  - of a port below 1024 (tcp/22 on every address would hand the host's
#    SSH to her guest; also as a range, or via qemu-args --forward), or
#    of one where a service of the host listens (not on loopback only),
#    is refused, exit 4, nothing listed; root may;
#  - beyond 32 run-time forwards on one network is refused (each is
#    state and a plan's work); root may go on;
#  - once alpha is given to bob (owner changed, reload), alice's forwards
#    are out of force (listed left-out, bob may forward del them), root's
#    stay; given back to alice, hers are in force again;
#  - when the config later gives bravo a forward on the port of one of
#    alice's (the config wins), alice's `forwards` lists hers left out
#    and says why without naming bravo's forward; root is told which;
#  - (taps) alice's `tap add alpha --name gw1` (bravo's bridge) is refused
#    without naming bravo.
#
#   [host] gatewayd ── gw0 (alpha, 10.213.0.0/24, owner alice)
#                   └─ gw1 (bravo, 10.214.0.0/24, owner bob,
#                           forward bweb tcp 8080 -> 10.214.0.9:80)
#          control socket <- root, alice (setpriv)
#   [host] listeners on :5555 (every address) and 127.0.0.1:5556
# No guests: a forward needs only its target address inside the subnet.
# The users are made here (useradd -M) and removed on exit.
. "$(dirname "$0")/lib.sh"
require dnsmasq nft python3 setpriv useradd userdel

P=gwr$ID
ALICE=${P}a BOB=${P}b
MADE_USERS=()
users_del() { for u in "${MADE_USERS[@]}"; do userdel "$u" 2>/dev/null; done; }
trap 'rc=$?; users_del; (exit $rc); cleanup' EXIT
user_add() { useradd -M -N -s /usr/sbin/nologin "$1" || fail "useradd $1"; MADE_USERS+=("$1"); }
user_add "$ALICE"
user_add "$BOB"

topo_init
cat >"$T/gw.conf" <<EOC
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network alpha {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    owner  = "$ALICE"
    host aweb { mac = "52:54:00:a0:a0:01" ipv4 = "10.213.0.9" }
}
network bravo {
    bridge = "gw1"
    ipv4   = "10.214.0.1/24"
    owner  = "$BOB"
    host bsecret { mac = "52:54:00:b0:b0:01" ipv4 = "10.214.0.9" }
    forward bweb { proto = tcp port = 8080 to = "10.214.0.9:80" }
}
EOC
gw_spawn
SOCK=$T/run/gatewayd.sock
wait_until 10 test -S "$SOCK" || fail "no control socket"
wait_until 10 grep -q "dnsmasq\[bravo\]: started" "$T/gw.log" || fail "dnsmasq[bravo] did not start"

# as USER CMD...: gatewayctl as that user; the answer in $T/out, the exit
# code returned; slowed by the per-user rate (exit 7), it asks again.
as() {
	local u=$1 rc tries=0; shift
	while :; do
		in_host setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups \
			"$GATEWAYCTL" -s "$SOCK" "$@" >"$T/out" 2>&1; rc=$?
		[ $rc = 7 ] && grep -q "too many requests" "$T/out" && [ $((tries += 1)) -lt 50 ] || return $rc
		sleep 0.1 # a token comes back every 100 ms
	done
}
root() { in_host "$GATEWAYCTL" -s "$SOCK" "$@" >"$T/out" 2>&1; }
no_bravo() {
	local s
	for s in bravo bweb gw1 10.214.0.0 10.214.0.1/24 "$T/gw.conf" "line " "$BOB"; do
		grep -qF -- "$s" "$T/out" && fail "$1 shows \"$s\" of bravo: $(cat "$T/out")"
	done
	return 0
}

# 1. conflicts: refused, nothing of bravo in the answer
as "$ALICE" forward add alpha x --port 8080 --to 10.213.0.9:80 && fail "alice's forward on bravo's port 8080 was accepted"
grep -q "8080 on every address is taken" "$T/out" || fail "alice is not told port 8080 is taken: $(cat "$T/out")"
no_bravo "alice's overlap refusal"
as "$ALICE" forward add alpha x --port 8000-8100 --to 10.213.0.9:80 && fail "alice's range over bravo's 8080 was accepted"
no_bravo "alice's overlapping range refusal"
as "$ALICE" qemu-args alpha --name aweb --forward 8080:80 && fail "alice's qemu-args --forward 8080 was accepted"
no_bravo "alice's qemu-args --forward refusal"
as "$ALICE" forward add alpha y --port 9000 --to 10.213.0.9:80 --listen 10.214.0.1 && fail "alice's listen on bravo's gateway was accepted"
grep -q "inside the subnet of another network" "$T/out" || fail "alice is not told why: $(cat "$T/out")"
no_bravo "alice's listen refusal"
root forwards
grep -q "alpha " "$T/out" && fail "a refused forward of alice is listed: $(cat "$T/out")"
ok "alice meeting bravo's forward or subnet is refused without bravo's name, forward, subnet or file line"

# ... while her own forward is named to her, and root is told everything
as "$ALICE" forward add alpha web --port 9001 --to aweb:80 || fail "alice: forward add alpha web: $(cat "$T/out")"
as "$ALICE" forward add alpha web2 --port 9001 --to aweb:80 && fail "alice's overlap with her own forward was accepted"
grep -q 'forward "web" of network "alpha"' "$T/out" || fail "alice is not told her own forward: $(cat "$T/out")"
root forward add alpha x --port 8080 --to 10.213.0.9:80 && fail "root's overlap was accepted"
grep -q 'forward "bweb" of network "bravo"' "$T/out" || fail "root is not told which forward: $(cat "$T/out")"
ok "alice's overlap with her own forward and root's with bravo's name the forward"

# 2. ports below 1024: the host's services, root's to forward
for args in "--port 22 --to aweb:22" "--port 1000-1100 --to aweb:2000-2100" "--proto udp --port 123 --to aweb:123" "--port 22 --to aweb:22 --listen 198.51.100.2"; do
	# shellcheck disable=SC2086
	as "$ALICE" forward add alpha low $args; rc=$?
	[ $rc = 4 ] || fail "alice: forward add alpha low $args: exit $rc (want 4): $(cat "$T/out")"
	grep -q "below 1024" "$T/out" || fail "alice is not told why: $(cat "$T/out")"
done
as "$ALICE" qemu-args alpha --name aweb --forward 22:22; rc=$?
[ $rc = 4 ] || fail "alice: qemu-args --forward 22:22: exit $rc (want 4): $(cat "$T/out")"
root forwards
grep -q " low \|aweb-22" "$T/out" && fail "alice's forward of a low port is in force: $(cat "$T/out")"
root forward add alpha rssh --port 22 --to aweb:22 || fail "root may not forward port 22: $(cat "$T/out")"
root forward del alpha rssh || fail "root: forward del alpha rssh: $(cat "$T/out")"
ok "alice may not forward ports below 1024 (tcp 22, a range, udp 123, qemu-args --forward), exit 4; root may"

# ... nor a port a service of the host listens on (here tcp/5555 on every
# address); one on loopback only is no one's to take (the DNAT leaves
# 127.0.0.0/8 alone)
hold() { in_host python3 -c "import socket,time; s=socket.socket(); s.bind(('$1', $2)); s.listen(); time.sleep(600)" & }
hold 0.0.0.0 5555
hold 127.0.0.1 5556
listening() { in_host grep -q ":$(printf %04X "$1") 00000000:0000 0A" /proc/net/tcp; }
wait_until 5 listening 5555 && wait_until 5 listening 5556 || fail "the host's listeners did not start"
for args in "--port 5555 --to aweb:80" "--port 5500-5600 --to aweb:80" "--port 5555 --to aweb:80 --listen 198.51.100.2"; do
	# shellcheck disable=SC2086
	as "$ALICE" forward add alpha hs $args; rc=$?
	[ $rc = 4 ] || fail "alice: forward add alpha hs $args: exit $rc (want 4): $(cat "$T/out")"
	grep -q "tcp port 5555: a service of the host listens there" "$T/out" || fail "alice is not told why: $(cat "$T/out")"
done
as "$ALICE" forward add alpha hs --proto udp --port 5555 --to aweb:80 || fail "alice's udp 5555 (the host's is tcp) refused: $(cat "$T/out")"
as "$ALICE" forward del alpha hs || fail "alice: forward del alpha hs: $(cat "$T/out")"
as "$ALICE" forward add alpha lo --port 5556 --to aweb:80 || fail "alice's 5556 (the host's is on loopback) refused: $(cat "$T/out")"
as "$ALICE" forward del alpha lo || fail "alice: forward del alpha lo: $(cat "$T/out")"
root forward add alpha rhs --port 5555 --to aweb:80 || fail "root may not forward 5555: $(cat "$T/out")"
root forward del alpha rhs || fail "root: forward del alpha rhs: $(cat "$T/out")"
ok "alice may not forward tcp 5555, where a service of the host listens (alone, in a range, on an address), exit 4; udp 5555 and a loopback-only port she may; root may"

# 3. at most 32 run-time forwards of a network for an owner
for k in $(seq 2 32); do
	as "$ALICE" forward add alpha "f$k" --port $((20000 + k)) --to aweb:80 || fail "alice's forward $k of 32 refused: $(cat "$T/out")"
done
as "$ALICE" forward add alpha f33 --port 20033 --to aweb:80 && fail "alice's 33rd run-time forward was accepted"
grep -q "as many as an owner may add (32)" "$T/out" || fail "alice is not told why: $(cat "$T/out")"
as "$ALICE" forward del alpha f32 || fail "alice: forward del alpha f32: $(cat "$T/out")"
as "$ALICE" forward add alpha f33 --port 20033 --to aweb:80 || fail "alice's forward after a del refused: $(cat "$T/out")"
root forward add alpha r34 --port 20034 --to aweb:80 || fail "root's 33rd forward refused: $(cat "$T/out")"
[ "$(grep -c '^alpha ' "$T/state/forwards")" = 33 ] || fail "state_dir/forwards holds $(grep -c '^alpha ' "$T/state/forwards") forwards of alpha, want 33"
ok "alice adds 32 run-time forwards to alpha, the 33rd is refused until she removes one; root may add more"

# 4. alpha given to bob: alice's forwards leave with her, root's stay
fwd_in_force() { in_host nft list ruleset | grep -q "$1"; }
fwd_in_force "20033" || fail "alice's forward f33 is not in nftables"
sed -i "s/owner  = \"$ALICE\"/owner  = \"$BOB\"/" "$T/gw.conf"
root reload || fail "root: reload: $(cat "$T/out")"
root forwards
grep -q "^alpha  *f33 .*left-out" "$T/out" || fail "alice's forward f33 is not left out once alpha is bob's: $(cat "$T/out")"
grep -q "^alpha  *r34 .*run-time" "$T/out" || fail "root's forward r34 is not in force: $(cat "$T/out")"
grep -q "owns network \"alpha\" no more" "$T/out" || fail "no reason given: $(cat "$T/out")"
fwd_in_force "20033" && fail "alice's forward f33 is still in nftables once alpha is bob's"
fwd_in_force "20034" || fail "root's forward r34 is not in nftables"
as "$ALICE" forwards alpha; rc=$?
[ $rc = 4 ] || fail "alice still sees alpha: exit $rc: $(cat "$T/out")"
as "$BOB" forwards alpha || fail "bob: forwards alpha: $(cat "$T/out")"
grep -q " f33 \|$ALICE" "$T/out" && fail "bob, alpha's new owner, reads alice's old forwards: $(cat "$T/out")"
grep -q " r34 " "$T/out" || fail "bob does not see root's forward r34: $(cat "$T/out")"
as "$BOB" forward del alpha f2 || fail "bob: forward del alpha f2 (alice's, left out): $(cat "$T/out")"
sed -i "0,/owner  = \"$BOB\"/s//owner  = \"$ALICE\"/" "$T/gw.conf" # alpha's only
root reload || fail "root: reload: $(cat "$T/out")"
wait_until 5 fwd_in_force "20033" || fail "alice's forward f33 is not back once alpha is hers again"
root forwards
grep -q "left-out" "$T/out" && fail "forwards left out once alpha is alice's again: $(cat "$T/out")"
grep -q "^alpha  *f2 " "$T/out" && fail "f2, removed by bob, is back: $(cat "$T/out")"
ok "alpha given to bob: alice's run-time forwards out of force (left-out to root, not shown to bob, who may remove one), root's kept; back to alice, hers are back"

# 5. the config wins, and the reason does not name bravo's forward to alice
as "$ALICE" forward del alpha f3 || fail "alice: forward del alpha f3: $(cat "$T/out")"
as "$ALICE" forward add alpha late --port 30000 --to aweb:80 || fail "alice: forward add alpha late: $(cat "$T/out")"
sed -i 's|^    forward bweb .*|&\n    forward btake { proto = tcp port = 30000 to = "10.214.0.9:80" }|' "$T/gw.conf"
root reload || fail "root: reload: $(cat "$T/out")"
as "$ALICE" forwards
grep -q "^alpha  *late .*left-out" "$T/out" || fail "alice's forward late is not listed left out: $(cat "$T/out")"
grep -q "another network's now" "$T/out" || fail "alice is not told why: $(cat "$T/out")"
no_bravo "alice's forwards (left out)"
grep -q btake "$T/out" && fail "alice's forwards name bravo's btake: $(cat "$T/out")"
root forwards
grep -q 'forward "btake" of network "bravo"' "$T/out" || fail "root is not told which forward: $(cat "$T/out")"
ok "alice's forward taken by bravo's new config forward: left out, the reason without bravo's name or forward; root's names it"

# 6. a tap named as bravo's bridge: refused, without bravo's name
as "$ALICE" tap add alpha --user "$ALICE" --name gw1 && fail "alice made a tap named gw1"
grep -q "gw1 is taken" "$T/out" || fail "alice is not told gw1 is taken: $(cat "$T/out")"
grep -q bravo "$T/out" && fail "alice's tap add names bravo: $(cat "$T/out")"
root tap add alpha --user "$ALICE" --name gw1 && fail "root made a tap named gw1"
grep -q 'the bridge of network "bravo"' "$T/out" || fail "root is not told whose bridge: $(cat "$T/out")"
ok "alice's tap add --name gw1 (bravo's bridge): refused without bravo's name; root is told"

# 7. names of gatewayd's IFB devices (gwb + an ifindex: bandwidth limits)
# are not for taps: a tap there would keep a port's egress unshaped
as "$ALICE" tap add alpha --user "$ALICE" --name gwb7 && fail "alice made a tap named gwb7"
grep -q "IFB" "$T/out" || fail "alice is not told gwb7 is gatewayd's: $(cat "$T/out")"
ok "alice's tap add --name gwb7: refused, the IFB devices' names"

# 8. at most 32 taps an owner adds (each a netdev and a bridge port every
# sync walks); root has no cap
for k in $(seq 1 32); do
	as "$ALICE" tap add alpha --user "$ALICE" || fail "alice's tap $k refused: $(cat "$T/out")"
done
as "$ALICE" tap add alpha --user "$ALICE" && fail "alice's 33rd tap was made"
grep -q "as many as an owner may add (32)" "$T/out" || fail "alice's 33rd tap: $(cat "$T/out")"
root tap add alpha --user "$ALICE" || fail "root's tap past alice's 32 refused: $(cat "$T/out")"
ok "alice adds 32 taps, the 33rd is refused; root may add more"
