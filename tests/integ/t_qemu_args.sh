#!/bin/bash
# gatewayctl qemu-args: each form's exact line on stdout, notes on stderr;
# the MAC from the VM name (computed here again from the documented hash:
# FNV-1a 64 then fmix64, first six bytes, first octet's low bits 10), the same across
# runs and restarts, another for another name; exit 5 for an unknown
# network. --static: a static lease for the VM's MAC, the same address
# twice and after a restart, given by the same dnsmasq (SIGHUP), to a DHCP
# client using that MAC; gatewayctl leases shows it; static del removes it.
#
#   [g1] eth0, MAC = qemu-args' MAC for "vm1" ── vg1 ┐
#                                                   gw0 [host: gatewayd] ── up0 ── [inet]
#   (network "other" on gw1: no guest)
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
# conf ACL: network default (gw0) and other (gw1).
conf() {
	{
		echo "uplink    = auto"
		echo "state_dir = \"$T/state\""
		echo "run_dir   = \"$T/run\""
		echo "qemu_bridge_acl = $1"
		echo "qemu_conf_dir = \"$T/qemu\""
		echo 'readers_group = "nogroup"' # uid 65534 reads, below
		echo 'network default { bridge = "gw0" ipv4 = "10.213.0.1/24" dhcp { range = "10.213.0.100-10.213.0.250" } }'
		echo 'network other { bridge = "gw1" ipv4 = "10.214.0.1/24" }'
	} >"$T/gw.conf"
}
ctl() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" "$@"; }
# qa ARGS...: qemu-args; stdout in $OUT, stderr in $ERR, exit code in $RC.
qa() {
	ctl qemu-args "$@" >"$T/qa.out" 2>"$T/qa.err"
	RC=$?
	OUT=$(cat "$T/qa.out")
	ERR=$(cat "$T/qa.err")
}
# mac_of NAME: the documented hash, in bash's 64-bit arithmetic.
mac_of() {
	local s=$1 h=$((0xcbf29ce484222325)) i c
	for ((i = 0; i < ${#s}; i++)); do
		printf -v c '%d' "'${s:i:1}"
		h=$(((h ^ c) * 0x100000001b3))
	done
	# fmix64; >> is arithmetic in bash: mask to make it logical
	h=$(((h ^ ((h >> 33) & 0x7fffffff)) * 0xff51afd7ed558ccd))
	h=$(((h ^ ((h >> 33) & 0x7fffffff)) * 0xc4ceb9fe1a85ec53))
	h=$((h ^ ((h >> 33) & 0x7fffffff)))
	printf '%02x:%02x:%02x:%02x:%02x:%02x\n' $((((h >> 56) & 0xfc) | 2)) $(((h >> 48) & 0xff)) \
		$(((h >> 40) & 0xff)) $(((h >> 32) & 0xff)) $(((h >> 24) & 0xff)) $(((h >> 16) & 0xff))
}
M1=$(mac_of vm1)
M2=$(mac_of vm2)
[ "$M1" != "$M2" ] || fail "the test's own hash gives vm1 and vm2 the same MAC"
DEV1="-device virtio-net-pci,netdev=gw-default,mac=$M1"
LX=/usr/libexec/gatewayd # the Makefile's default LIBEXECDIR

mkdir -m 0755 "$T/qemu"
conf false
gw_start

# The forms, exactly.
qa default --name vm1
[ $RC = 0 ] && [ "$OUT" = "-netdev tap,id=gw-default,script=$LX/qemu-ifup,downscript=$LX/qemu-ifdown $DEV1" ] ||
	fail "script form (the default with qemu_bridge_acl off): rc $RC, '$OUT'"
[ -z "$ERR" ] || fail "script form for the default network: a note on stderr: '$ERR'"
qa default --name vm1 --helper
[ $RC = 0 ] && [ "$OUT" = "-netdev bridge,id=gw-default,br=gw0 $DEV1" ] || fail "--helper: rc $RC, '$OUT'"
case "$ERR" in *"qemu_bridge_acl is off"*) ;; *) fail "--helper with the ACL off: no note: '$ERR'" ;; esac
qa default --tap gwtap0 --name vm1
[ $RC = 0 ] && [ "$OUT" = "-netdev tap,id=gw-default,ifname=gwtap0,script=no,downscript=no $DEV1" ] ||
	fail "--tap: rc $RC, '$OUT'"
qa other --name vm1 --script
[ $RC = 0 ] && [ "$OUT" = "-netdev tap,id=gw-other,script=$LX/qemu-ifup,downscript=$LX/qemu-ifdown -device virtio-net-pci,netdev=gw-other,mac=$M1" ] ||
	fail "--script on other: rc $RC, '$OUT'"
case "$ERR" in *"GATEWAYD_NETWORK=other"*) ;; *) fail "no GATEWAYD_NETWORK note for a network not the script's default: '$ERR'" ;; esac
qa default
[ $RC = 0 ] && [ "$OUT" = "-netdev tap,id=gw-default,script=$LX/qemu-ifup,downscript=$LX/qemu-ifdown -device virtio-net-pci,netdev=gw-default" ] ||
	fail "without --name: rc $RC, '$OUT'"
case "$ERR" in *"no --name"*) ;; *) fail "without --name: no note on stderr: '$ERR'" ;; esac
qa nosuch --name vm1
[ $RC = 5 ] || fail "unknown network: exit $RC, not 5 ('$OUT' '$ERR')"
qa default --name -bad
[ $RC = 2 ] || fail "a VM name that is no host name: exit $RC, not 2"
qa default --name vm2 --helper
[ "$OUT" = "-netdev bridge,id=gw-default,br=gw0 -device virtio-net-pci,netdev=gw-default,mac=$M2" ] ||
	fail "vm2: '$OUT' (want mac=$M2)"
ok "forms: script (default), helper, tap, other network (+ GATEWAYD_NETWORK note), no --name (+ note); exit 5 for no network; MAC vm1 $M1, vm2 $M2"

# With the ACL on, the helper form is the default.
conf true
ctl reload >"$T/out" 2>&1 || fail "reload: $(cat "$T/out")"
qa default --name vm1
[ $RC = 0 ] && [ "$OUT" = "-netdev bridge,id=gw-default,br=gw0 $DEV1" ] && [ -z "$ERR" ] ||
	fail "helper form by default with qemu_bridge_acl = true: rc $RC, '$OUT', '$ERR'"
ok "qemu_bridge_acl = true: the helper form by default, no note"

# --static: the first free address outside the DHCP range, the same twice.
pid=$(dnsmasq_pid)
qa default --name vm1 --static
[ $RC = 0 ] && [ "$OUT" = "-netdev bridge,id=gw-default,br=gw0 $DEV1" ] || fail "--static: rc $RC, '$OUT' ($ERR)"
case "$ERR" in *"gets 10.213.0.2"*) ;; *) fail "--static: the address on stderr: '$ERR'" ;; esac
qa default --name vm1 --static
case "$ERR" in *"gets 10.213.0.2"*) ;; *) fail "--static again: '$ERR'" ;; esac
qa default --name vm2 --static --tap gwtap1
case "$ERR" in *"gets 10.213.0.3"*) ;; *) fail "--static vm2: '$ERR'" ;; esac
grep -qx "$M1,10.213.0.2,vm1" "$T/run/default.dhcp-hosts" || fail "vm1 not in the hosts file: $(cat "$T/run/default.dhcp-hosts")"
[ "$(dnsmasq_pid)" = "$pid" ] && alive "$pid" || fail "dnsmasq restarted for a static lease: $pid -> $(dnsmasq_pid)"
ctl leases default >"$T/leases" || fail "leases: $(cat "$T/leases")"
grep -q "$M1 *10.213.0.2 *vm1 .*static" "$T/leases" || fail "leases does not show vm1 as static: $(cat "$T/leases")"
ok "--static: vm1 -> 10.213.0.2 twice, vm2 -> 10.213.0.3; same dnsmasq (pid $pid); leases shows vm1 static"

# VM1 is vm1 to DNS and dnsmasq but hashes to another MAC: refused, with
# what to do about the host gatewayctl added (not "in the config file")
qa default --name VM1 --static
[ $RC = 1 ] || fail "--static VM1 after vm1: rc $RC, '$OUT' '$ERR'"
case "$ERR" in *'static host "vm1", added by gatewayctl, has this name with another MAC; `gatewayctl static del default vm1`'*) ;;
*) fail "--static VM1 after vm1: '$ERR'" ;; esac
ok "--static VM1 after vm1: refused (one name, another MAC), naming static del"

# A DHCP client with vm1's MAC gets that address.
guest_add 1
ip -n "$(guest_ns 1)" link set eth0 address "$M1"
udhcpc_lease 1 || fail "the guest with vm1's MAC got no lease"
[ "$(lease_var 1 ip)" = 10.213.0.2 ] || fail "the guest with vm1's MAC got $(lease_var 1 ip), not 10.213.0.2"
ctl leases default >"$T/leases"
grep -q "$M1 *10.213.0.2 .*static" "$T/leases" || fail "the lease is not shown as static: $(cat "$T/leases")"
ok "a guest with MAC $M1 gets 10.213.0.2 from dnsmasq"

# Kept across a restart: same address, nothing added twice.
gw_stop || fail "gatewayd exited non-zero"
gw_start
grep -qx "$M1,10.213.0.2,vm1" "$T/run/default.dhcp-hosts" || fail "vm1 lost by a restart: $(cat "$T/run/default.dhcp-hosts")"
qa default --name vm1 --static
case "$ERR" in *"gets 10.213.0.2"*) ;; *) fail "--static after a restart: '$ERR'" ;; esac
[ "$OUT" = "-netdev bridge,id=gw-default,br=gw0 $DEV1" ] || fail "another line after a restart: '$OUT'"
[ "$(grep -c "$M1" "$T/run/default.dhcp-hosts")" = 1 ] || fail "vm1 twice in the hosts file"
ok "after a restart: vm1 still 10.213.0.2 (state_dir/static-hosts), the same MAC and line"

# static del: gone from the hosts file and from leases, same dnsmasq.
pid=$(dnsmasq_pid)
ctl static del default vm1 >"$T/out" 2>&1 || fail "static del: $(cat "$T/out")"
grep -q "$M1" "$T/run/default.dhcp-hosts" && fail "vm1 still in the hosts file after static del"
grep -q "$M2,10.213.0.3,vm2" "$T/run/default.dhcp-hosts" || fail "static del vm1 took vm2 too"
[ "$(dnsmasq_pid)" = "$pid" ] && alive "$pid" || fail "dnsmasq restarted for static del: $pid -> $(dnsmasq_pid)"
ctl static del default vm1 >"$T/out" 2>&1 && fail "static del of a host that is not there succeeded"
ctl static del nosuch vm1 >/dev/null 2>&1
[ $? = 5 ] || fail "static del on an unknown network: not exit 5"
ok "static del default vm1: out of the hosts file, vm2 kept, same dnsmasq; again fails; unknown network exit 5"

# Not root, a member of readers_group (as of group gatewayd) who owns no
# network: the options yes, a static lease or its removal no.
if command -v setpriv >/dev/null; then
	chmod 666 "$T/run/gatewayd.sock"
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$GATEWAYCTL" -s "$T/run/gatewayd.sock" "$@"; }
	[ "$(nobody qemu-args default --name vm1 2>/dev/null)" = "-netdev bridge,id=gw-default,br=gw0 $DEV1" ] ||
		fail "non-root qemu-args: '$(nobody qemu-args default --name vm1 2>&1)'"
	nobody qemu-args default --name vm3 --static >"$T/out" 2>&1
	rc=$?
	[ $rc = 4 ] || fail "non-root --static: exit $rc: $(cat "$T/out")"
	nobody static del default vm2 >/dev/null 2>&1
	[ $? = 4 ] || fail "non-root static del: not exit 4"
	grep -q "$M2,10.213.0.3,vm2" "$T/run/default.dhcp-hosts" || fail "vm2 gone after a refused static del"
	grep -q vm3 "$T/run/default.dhcp-hosts" && fail "vm3 added by a non-root caller"
	ok "non-root: qemu-args answers; --static and static del refused (exit 4)"
fi
