#!/bin/bash
# Customers manage their own networks (issue 19 item 3). Real unprivileged
# users run gatewayctl (setpriv, with their own groups): alice owns network
# alpha (owner = "alice"), bob owns bravo through a group (owner =
# "@customers"). alice sees alpha only -- status, leases, forwards,
# metrics, in text and JSON, hold nothing of bravo: not its name, bridge,
# subnet, guest's MAC, static host or forward; she adds and removes a
# static lease on alpha and is refused on bravo with the very answer a
# network that does not exist gets. A user who owns nothing is denied
# everything but help; a member of the readers group (group gatewayd by
# default; its own group here, readers_group) reads everything and changes
# nothing; root does everything. Changes are logged with the
# user; a user in a tight loop is told CTL_BUSY (7), root never.
#
#   [inet] 198.51.100.1 ── up0 198.51.100.2 [host] (alice's forward :8081)
#   [host] gatewayd ── gw0 (alpha, 10.213.0.0/24, owner alice)
#                   │    └─ vg1 ── [g1] aweb 10.213.0.9, httpd :80
#                   └─ gw1 (bravo, 10.214.0.0/24, owner @customers: bob)
#                        └─ vb1 ── [b1] a guest of bravo with a DHCP lease
#          control socket <- root, alice, bob, a reader (readers_group),
#                            a user who owns nothing
# The users and groups are made here (useradd -M) and removed on exit.
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv useradd userdel groupadd groupdel

P=gwo$ID # user and group names: short, unique to this run
ALICE=${P}a BOB=${P}b NOBODY=${P}n READER=${P}r CUST=${P}c READERS=${P}g
MADE_USERS=() MADE_GROUPS=()
users_del() {
	for u in "${MADE_USERS[@]}"; do userdel "$u" 2>/dev/null; done
	for g in "${MADE_GROUPS[@]}"; do groupdel "$g" 2>/dev/null; done
}
trap 'rc=$?; users_del; (exit $rc); cleanup' EXIT
group_add() { groupadd "$1" || fail "groupadd $1"; MADE_GROUPS+=("$1"); }
user_add() { useradd -M -N -s /usr/sbin/nologin "$@" || fail "useradd $*"; MADE_USERS+=("${!#}"); }

group_add "$CUST"
group_add "$READERS"
user_add "$ALICE"
user_add -G "$CUST" "$BOB"
user_add "$NOBODY"
user_add -G "$READERS" "$READER"

topo_init
cat >"$T/gw.conf" <<EOC
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
readers_group = "$READERS"
network alpha {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    owner  = "$ALICE"
    dhcp { range = "10.213.0.100-10.213.0.200" }
    host aweb { mac = "52:54:00:a0:a0:01" ipv4 = "10.213.0.9" }
}
network bravo {
    bridge = "gw1"
    ipv4   = "10.214.0.1/24"
    owner  = { "@$CUST" }
    dhcp { range = "10.214.0.100-10.214.0.200" }
    host bsecret { mac = "52:54:00:b0:b0:01" ipv4 = "10.214.0.9" }
    forward bweb { proto = tcp port = 8080 to = "10.214.0.9:80" }
}
EOC
gw_spawn
wait_until 10 grep -q "dnsmasq\[bravo\]: started" "$T/gw.log" || fail "dnsmasq[bravo] did not start"
wait_until 10 grep -q "dnsmasq\[alpha\]: started" "$T/gw.log" || fail "dnsmasq[alpha] did not start"
SOCK=$T/run/gatewayd.sock
[ "$(stat -c %a "$SOCK")" = 666 ] || fail "control socket is $(stat -c %a "$SOCK"), want 666"

# a guest of bravo with a lease: its MAC is bravo's secret too
ns=gwt$ID-b1
ip netns add "$ns" && GUESTS+=("$ns")
ip -n "$NS_HOST" link add vb1 type veth peer name eth0 netns "$ns"
ip -n "$NS_HOST" link set vb1 master gw1 up
ip -n "$ns" link set eth0 up
BMAC=$(ip -n "$ns" link show eth0 | awk '/link\/ether/ { print $2 }')
cat >"$T/udhcpc.sh" <<'S'
#!/bin/sh
[ "$1" = bound ] && ip addr add "$ip/$mask" dev "$interface"
exit 0
S
chmod +x "$T/udhcpc.sh"
in_ns "$ns" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -s "$T/udhcpc.sh" >/dev/null 2>&1 || fail "bravo's guest got no lease"

# alpha's guest aweb (static host), answering HTTP with the client's address
guest_add 1
G1=$(guest_ns 1)
ip -n "$G1" link set eth0 address 52:54:00:a0:a0:01
udhcpc_lease 1 || fail "alpha's guest got no lease"
[ "$(lease_var 1 ip)" = 10.213.0.9 ] || fail "alpha's guest got $(lease_var 1 ip), not 10.213.0.9"
mkdir -p "$T/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' >"$T/www/cgi-bin/ip"
chmod +x "$T/www/cgi-bin/ip"
in_ns "$G1" busybox httpd -p 10.213.0.9:80 -h "$T/www"

# as USER CMD...: gatewayctl as that user, with its groups; the answer
# (stdout and stderr) in $T/out, the exit code returned. Slowed by the
# per-user rate (exit 7, "too many requests"), it asks again: the rate has
# its own check at the end. as_once does not.
as_once() {
	local u=$1; shift
	in_host setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups \
		"$GATEWAYCTL" -s "$SOCK" "$@" >"$T/out" 2>&1
}
as() {
	local rc tries=0
	while :; do
		as_once "$@"; rc=$?
		[ $rc = 7 ] && grep -q "too many requests" "$T/out" && [ $((tries += 1)) -lt 30 ] || return $rc
		sleep 0.1 # a token comes back every 100 ms
	done
}
root() { in_host "$GATEWAYCTL" -s "$SOCK" "$@" >"$T/out" 2>&1; }
# nothing of bravo in $T/out
no_bravo() {
	local what=$1 s
	for s in bravo gw1 10.214. "$BMAC" 52:54:00:b0:b0:01 bsecret bweb 8080; do
		grep -qiF -- "$s" "$T/out" && fail "$what shows \"$s\" of bravo: $(cat "$T/out")"
	done
	return 0
}

root leases bravo || fail "root: leases bravo: $(cat "$T/out")"
grep -qi "$BMAC" "$T/out" || fail "bravo's lease is not listed for root: $(cat "$T/out")"

# alice: alpha, and nothing of bravo anywhere
for cmd in "status" "status --json" "leases" "leases --json" "forwards" "forwards --json" "metrics" "taps"; do
	# shellcheck disable=SC2086
	as "$ALICE" $cmd || fail "alice: $cmd: exit $?: $(cat "$T/out")"
	no_bravo "alice's $cmd"
done
as "$ALICE" status || fail "alice: status"
grep -q "alpha" "$T/out" && grep -q "10.213.0.1/24" "$T/out" || fail "alice's status lacks alpha: $(cat "$T/out")"
as "$ALICE" metrics
grep -q 'gatewayd_leases{network="alpha"}' "$T/out" || fail "alice's metrics lack alpha: $(head -20 "$T/out")"
# the host-wide drop count sums every customer's frames: not hers
grep -q '^gatewayd_untrusted_dropped_packets_total{' "$T/out" && fail "alice's metrics hold the host-wide untrusted drops"
as "$ALICE" status --json
grep -q '"untrusted_dropped_packets"' "$T/out" && fail "alice's status holds the host-wide untrusted drops"
root metrics
grep -q '^gatewayd_untrusted_dropped_packets_total{' "$T/out" || fail "root's metrics lack the untrusted drops"
ok "alice (owner = \"$ALICE\") sees alpha and nothing of bravo in status, leases, forwards, metrics, taps (text and JSON)"

# bravo and a network that does not exist: the same answer, exit 4
as "$ALICE" status bravo; rc1=$?; sed 's/bravo/NET/g' "$T/out" >"$T/a1"
as "$ALICE" status nosuch; rc2=$?; sed 's/nosuch/NET/g' "$T/out" >"$T/a2"
[ $rc1 = 4 ] && [ $rc2 = 4 ] || fail "alice: status bravo exit $rc1, status nosuch exit $rc2 (want 4 and 4)"
cmp -s "$T/a1" "$T/a2" || fail "bravo and a network that does not exist answer differently: '$(cat "$T/a1")' / '$(cat "$T/a2")'"
ok "alice asking for bravo: exit 4, \"$(cat "$T/a1")\", as for a network that does not exist"

# static leases: alice on alpha yes, on bravo no
as "$ALICE" qemu-args alpha --name avm --static || fail "alice: qemu-args alpha --static: exit $?: $(cat "$T/out")"
grep -q "static lease: avm" "$T/out" || fail "alice: no static lease said: $(cat "$T/out")"
as "$ALICE" leases alpha
grep -q "avm .*static" "$T/out" || fail "alice's static lease is not in leases: $(cat "$T/out")"
grep -q "control: uid $(id -u "$ALICE") ($ALICE): qemu-args alpha --name avm --static" "$T/gw.log" ||
	fail "the change was not logged with the user: $(grep control: "$T/gw.log")"
as "$ALICE" static del alpha avm || fail "alice: static del alpha avm: exit $?: $(cat "$T/out")"
as "$ALICE" leases alpha
grep -q "avm" "$T/out" && fail "alice's static lease is still there: $(cat "$T/out")"
ok "alice adds and removes a static lease on alpha; gatewayd logs \"uid $(id -u "$ALICE") ($ALICE): ...\""

root qemu-args bravo --name bvm --static || fail "root: qemu-args bravo --static: $(cat "$T/out")"
as "$ALICE" qemu-args bravo --name avm2 --static; rc1=$?; sed 's/bravo/NET/g' "$T/out" >"$T/a1"
as "$ALICE" qemu-args nosuch --name avm2 --static; rc2=$?; sed 's/nosuch/NET/g' "$T/out" >"$T/a2"
[ $rc1 = 4 ] && [ $rc2 = 4 ] && cmp -s "$T/a1" "$T/a2" || fail "alice's static lease on bravo: exit $rc1 '$(cat "$T/a1")', on nosuch: exit $rc2 '$(cat "$T/a2")'"
as "$ALICE" static del bravo bvm; rc=$?
[ $rc = 4 ] || fail "alice: static del bravo bvm: exit $rc (want 4): $(cat "$T/out")"
root leases bravo
grep -q "bvm" "$T/out" || fail "bravo's static lease bvm went: $(cat "$T/out")"
grep -q "avm2" "$T/out" && fail "alice's static lease landed on bravo: $(cat "$T/out")"
ok "alice is refused on bravo (qemu-args --static, static del): exit 4, as for no network; bravo unchanged"

# run-time port forwards (issue 19 item 4): alice's answers from the
# internet namespace, and goes again
root forward
grep -q "unknown command" "$T/out" && fail "no forward command: $(cat "$T/out")"
if true; then
	as "$ALICE" forward add alpha web --proto tcp --port 8081 --to 10.213.0.9:80 ||
		fail "alice: forward add alpha: exit $?: $(cat "$T/out")"
	fwd_answers() { [ "$(in_inet timeout 5 busybox wget -q -O - http://198.51.100.2:8081/cgi-bin/ip)" = 198.51.100.1 ]; }
	wait_until 5 fwd_answers || fail "alice's forward does not answer from the internet"
	as "$ALICE" forwards
	grep -q "^alpha  *web " "$T/out" || fail "alice's forwards lack hers: $(cat "$T/out")"
	no_bravo "alice's forwards"
	as "$BOB" forwards
	grep -q " web " "$T/out" && fail "bob sees alice's forward: $(cat "$T/out")"
	as "$ALICE" forward add bravo x --proto tcp --port 8082 --to 10.214.0.9:80; rc1=$?
	sed 's/bravo/NET/g' "$T/out" >"$T/a1"
	as "$ALICE" forward add nosuch x --proto tcp --port 8082 --to 10.214.0.9:80; rc2=$?
	sed 's/nosuch/NET/g' "$T/out" >"$T/a2"
	[ $rc1 = 4 ] && [ $rc2 = 4 ] && cmp -s "$T/a1" "$T/a2" ||
		fail "alice's forward on bravo: exit $rc1 '$(cat "$T/a1")', on nosuch: exit $rc2 '$(cat "$T/a2")'"
	as "$BOB" forward del alpha web; rc=$?
	[ $rc = 4 ] || fail "bob removed alice's forward: exit $rc: $(cat "$T/out")"
	as "$ALICE" forward del alpha web || fail "alice: forward del alpha web: exit $?: $(cat "$T/out")"
	fwd_answers && fail "alice's forward still answers after forward del"
	grep -q "control: uid $(id -u "$ALICE") ($ALICE): forward add alpha web" "$T/gw.log" ||
		fail "alice's forward add not logged with her name"
	ok "alice adds a forward on alpha that answers from the internet, and removes it; refused on bravo as on no network; bob neither sees nor removes it"
fi

# taps for herself: on alpha, as alice; not for bob, not on bravo
as "$ALICE" tap add alpha --user "$ALICE" || fail "alice: tap add alpha: exit $?: $(cat "$T/out")"
TAP=$(cat "$T/out")
in_host ip -d link show "$TAP" | grep -q "master gw0" || fail "alice's tap $TAP is not on gw0"
as "$ALICE" tap add alpha --user "$BOB"; rc=$?
[ $rc = 4 ] || fail "alice made a tap for bob: exit $rc: $(cat "$T/out")"
as "$ALICE" tap add bravo --user "$ALICE"; rc=$?
[ $rc = 4 ] || fail "alice made a tap on bravo: exit $rc: $(cat "$T/out")"
as "$BOB" taps
grep -q "$TAP" "$T/out" && fail "bob sees alice's tap: $(cat "$T/out")"
as "$BOB" tap del "$TAP"; rc=$?
[ $rc = 4 ] || fail "bob deleted alice's tap: exit $rc: $(cat "$T/out")"
as "$ALICE" taps
grep -q "^$TAP  *alpha  *$ALICE " "$T/out" || fail "alice's taps: $(cat "$T/out")"
as "$ALICE" tap del "$TAP" || fail "alice: tap del $TAP: exit $?: $(cat "$T/out")"
wait_until 5 sh -c "! ip -n $NS_HOST link show $TAP" || fail "alice's tap $TAP is still there"
ok "alice adds a tap on alpha for herself ($TAP) and deletes it; not for bob, not on bravo; bob neither sees nor deletes it"

# doctor: alpha's checks, nothing of bravo
as "$ALICE" doctor; rc=$?
[ $rc -le 1 ] || fail "alice: doctor: exit $rc: $(cat "$T/out")"
grep -q "alpha" "$T/out" || fail "alice's doctor did not check alpha: $(cat "$T/out")"
no_bravo "alice's doctor"
ok "alice's doctor checks alpha (exit $rc) and says nothing of bravo"

# bob owns bravo through @customers
as "$BOB" status || fail "bob: status: exit $?: $(cat "$T/out")"
grep -q "bravo" "$T/out" || fail "bob's status lacks bravo: $(cat "$T/out")"
grep -q "alpha\|gw0\|10.213." "$T/out" && fail "bob sees alpha: $(cat "$T/out")"
as "$BOB" static del bravo bvm || fail "bob: static del bravo bvm: exit $?: $(cat "$T/out")"
ok "bob (owner \"@$CUST\") sees bravo only and changes it"

# a user who owns nothing
as "$NOBODY" status; rc=$?
[ $rc = 4 ] && grep -q "permission denied" "$T/out" || fail "a user who owns nothing: status exit $rc: $(cat "$T/out")"
for cmd in "leases" "metrics" "forwards" "taps" "qemu-args alpha"; do
	# shellcheck disable=SC2086
	as "$NOBODY" $cmd; rc=$?
	[ $rc = 4 ] || fail "a user who owns nothing: $cmd exit $rc: $(cat "$T/out")"
	no_bravo "a user who owns nothing: $cmd"
	grep -q "alpha\|bravo" "$T/out" && fail "a user who owns nothing was told: $(cat "$T/out")"
done
as "$NOBODY" help || fail "a user who owns nothing: help exit $?: $(cat "$T/out")"
ok "a user who owns nothing: permission denied (exit 4) for all but help"

# the readers group reads all, changes nothing
as "$READER" status || fail "reader: status: exit $?: $(cat "$T/out")"
grep -q "alpha" "$T/out" && grep -q "bravo" "$T/out" || fail "a member of the readers group does not see both: $(cat "$T/out")"
as "$READER" leases bravo
grep -qi "$BMAC" "$T/out" || fail "a member of the readers group does not see bravo's lease: $(cat "$T/out")"
as "$READER" qemu-args alpha --name rvm --static; rc=$?
[ $rc = 4 ] || fail "a member of the readers group added a static lease: exit $rc: $(cat "$T/out")"
as "$READER" status nosuch; rc=$?
[ $rc = 5 ] || fail "a member of the readers group: status nosuch exit $rc (want 5, it sees every network)"
ok "a member of the readers group reads alpha and bravo, changes nothing (exit 4)"

root status && grep -q alpha "$T/out" && grep -q bravo "$T/out" || fail "root: status: $(cat "$T/out")"
root qemu-args alpha --name rootvm --static || fail "root: qemu-args --static: $(cat "$T/out")"
ok "root sees and changes both"

# owners change by reload, and nothing else does: alice joins bravo
sed -i "s/owner  = { \"@$CUST\" }/owner  = { \"@$CUST\", \"$ALICE\" }/" "$T/gw.conf"
root reload || fail "root: reload: $(cat "$T/out")"
as "$ALICE" leases bravo || fail "alice, an owner of bravo after the reload: leases bravo exit $?: $(cat "$T/out")"
grep -qi "$BMAC" "$T/out" || fail "alice does not see bravo's lease after the reload: $(cat "$T/out")"
[ "$(grep -c "dnsmasq\[bravo\]: started" "$T/gw.log")" = 1 ] || fail "a reload that changed only owners restarted bravo's dnsmasq"
ok "a reload makes alice an owner of bravo too: she sees its lease; its dnsmasq not restarted"

# what an owner added goes with the ownership: alice's static lease on
# bravo is left out once a reload takes bravo from her (root's stays)
as "$ALICE" qemu-args bravo --name ovm --static || fail "alice, an owner of bravo: qemu-args bravo --static: exit $?: $(cat "$T/out")"
sed -i "s/owner  = { \"@$CUST\", \"$ALICE\" }/owner  = { \"@$CUST\" }/" "$T/gw.conf"
root reload || fail "root: reload (2): $(cat "$T/out")"
root leases bravo
grep -q " ovm " "$T/out" && fail "alice's static lease on bravo outlived her ownership: $(cat "$T/out")"
grep -q "run-time static host \"ovm\" left out: added by owner \"$ALICE\", who owns the network no more" "$T/gw.log" ||
	fail "gatewayd did not say why ovm is left out: $(grep ovm "$T/gw.log")"
root leases alpha
grep -q " rootvm " "$T/out" || fail "root's static lease rootvm went: $(cat "$T/out")"
ok "bravo taken from alice by a reload: her static lease there is left out (logged), root's stay"

# a user in a tight loop: told 7, and gatewayd says so once; root is not
busy=0 n=0
for i in $(seq 1 40); do
	n=$((n + 1))
	as_once "$NOBODY" help; rc=$?
	[ $rc = 7 ] && { busy=$((busy + 1)); grep -q "too many requests" "$T/out" || fail "refused without a word: $(cat "$T/out")"; }
done
[ $busy -gt 0 ] || fail "40 requests back to back were never slowed"
for i in $(seq 1 30); do root help || fail "root was refused after a user's burst: $(cat "$T/out")"; done
# said at most once a minute (alice may have been slowed first, above)
n=$(grep -c "control: too many requests: refused" "$T/gw.log")
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "gatewayd said it slowed users $n times: $(grep "too many requests" "$T/gw.log")"
ok "a user's 40 requests back to back: $busy told 7 (too many requests), root's 30 all answered"
kill -0 "$GW_PID" || fail "gatewayd died"

# doctor's fix for another firewall's drop policy names the asker's bridge
# (bob's gw1), never another customer's (alice's gw0, the first network)
in_host nft -f - <<'NFT'
table inet gwtfw {
	chain gwfwd { type filter hook forward priority 10; policy drop; }
}
NFT
as "$BOB" doctor bravo
in_host nft delete table inet gwtfw
grep -q "table inet gwtfw" "$T/out" || { cat "$T/out" >&2; fail "bob's doctor does not see the drop policy"; }
grep -q 'iifname "gw1"' "$T/out" || fail "bob's doctor fix does not name gw1: $(cat "$T/out")"
grep -q 'gw0' "$T/out" && fail "bob's doctor names alice's bridge gw0: $(cat "$T/out")"
ok "bob's doctor: another firewall's drop policy, the fix naming his gw1, nothing of alice's gw0"
