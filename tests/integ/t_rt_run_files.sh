#!/bin/bash
# Red team: what a local user reads of another customer's network
# without gatewayctl, in gatewayd's own files. alice owns alpha; bravo
# is another customer's, with a static host of the file (bsecret) and one
# added at run time (qemu-args --static, bvm). run_dir is 0755 (dnsmasq
# and qemu-ifup need it), state_dir 0700; no file alice can read there
# may hold bravo's static hosts' names, MACs or addresses, or its subnet
# (dnsmasq's hosts files are its user's, 0400; its config root's, 0600).
# dnsmasq still reads them: bravo's static host gets its address after a
# change made at run time (dnsmasq re-reads the hosts files on SIGHUP,
# after it dropped root).
#
#   [host] gatewayd ── gw0 (alpha, 10.213.0.0/24, owner alice)
#                   └─ gw1 (bravo, 10.214.0.0/24) ── vb1 ── [b1] bvm's MAC
# The user is made here (useradd -M) and removed on exit.
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv useradd userdel

ALICE=gwf${ID}a
MADE_USERS=()
trap 'rc=$?; for u in "${MADE_USERS[@]}"; do userdel "$u" 2>/dev/null; done; (exit $rc); cleanup' EXIT
useradd -M -N -s /usr/sbin/nologin "$ALICE" || fail "useradd $ALICE"
MADE_USERS+=("$ALICE")

topo_init
chmod 0755 "$T" # as /run is: the files' own modes are what is tested
cat >"$T/gw.conf" <<EOC
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network alpha {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    owner  = "$ALICE"
    dhcp { range = "10.213.0.100-10.213.0.200" }
}
network bravo {
    bridge = "gw1"
    ipv4   = "10.214.0.1/24"
    dhcp { range = "10.214.0.100-10.214.0.200" }
    host bsecret { mac = "52:54:00:b0:b0:01" ipv4 = "10.214.0.9" }
}
EOC
gw_spawn
SOCK=$T/run/gatewayd.sock
wait_until 10 grep -q "dnsmasq\[bravo\]: started" "$T/gw.log" || fail "dnsmasq[bravo] did not start"
in_host "$GATEWAYCTL" -s "$SOCK" qemu-args bravo --name bvm --static >"$T/out" 2>&1 || fail "root: qemu-args bravo --static: $(cat "$T/out")"
BVM_MAC=$(grep -o "mac=[0-9a-f:]*" "$T/out" | head -1 | cut -d= -f2)
BVM_IP=$(sed -n 's/.*static lease: bvm .* gets \([0-9.]*\).*/\1/p' "$T/out")
[ -n "$BVM_MAC" ] && [ -n "$BVM_IP" ] || fail "no MAC or address for bvm: $(cat "$T/out")"

# every regular file under run_dir and state_dir that alice can read
find "$T/run" "$T/state" -type f >"$T/files"
leaks=""
while read -r file; do
	in_host setpriv --reuid="$ALICE" --regid="$(id -g "$ALICE")" --init-groups cat "$file" >"$T/read" 2>/dev/null || continue
	for s in bsecret bvm 52:54:00:b0:b0:01 "$BVM_MAC" 10.214.0; do
		grep -qiF -- "$s" "$T/read" && leaks="$leaks $file($s)"
	done
done <"$T/files"
[ -z "$leaks" ] || fail "alice reads bravo's hosts in gatewayd's files:$leaks ($(cd "$T" && ls -l run state | tr '\n' ' '))"
ok "alice reads nothing of bravo in run_dir or state_dir ($(wc -l <"$T/files") files)"

# dnsmasq (its own user by then) still reads the hosts file, changed at
# run time: bvm's MAC gets bvm's address
ns=gwt$ID-b1
ip netns add "$ns" && GUESTS+=("$ns")
ip -n "$NS_HOST" link add vb1 type veth peer name eth0 netns "$ns"
ip -n "$NS_HOST" link set vb1 master gw1 up
ip -n "$ns" link set eth0 address "$BVM_MAC" up
cat >"$T/udhcpc.sh" <<'S'
#!/bin/sh
[ "$1" = bound ] && echo "$ip" >"$(dirname "$0")/b1.ip"
exit 0
S
chmod +x "$T/udhcpc.sh"
in_ns "$ns" busybox udhcpc -i eth0 -f -q -n -t 5 -T 2 -s "$T/udhcpc.sh" >/dev/null 2>&1 || fail "bvm got no lease"
[ "$(cat "$T/b1.ip")" = "$BVM_IP" ] || fail "bvm got $(cat "$T/b1.ip"), not its static $BVM_IP"
ok "dnsmasq still reads its hosts file: bvm ($BVM_MAC) gets its static $BVM_IP"
