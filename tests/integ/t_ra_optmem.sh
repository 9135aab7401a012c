#!/bin/bash
# gatewayd's RAs need no socket option memory (net.core.optmem_max) per
# RA: its one raw socket joins ff02::2 on every bridge, and each
# membership takes ~56 bytes of that memory, so past ~365 networks on a
# kernel whose optmem_max is 20480 (before 6.9), or ~2,340 with 131072,
# the joins fail -- harmless, the bridges (forwarding on) are in ff02::2
# anyway -- and any sendmsg with a control message (IPV6_PKTINFO) failed
# with ENOBUFS: no RA at all, on any network. Here optmem_max is 64 in
# the host namespace (one membership fits, a control message with it
# does not): the guest still gets unsolicited RAs and an answer.
#
#   [g1 rdisc6] ─ vg1 ─ gw0 fd42:213::1 [host: gatewayd, optmem_max 64] ─ up0 ─ [inet]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft rdisc6

topo_init
# Only this namespace's value: where the kernel keeps one for all
# namespaces (or hides it in them) this test has no place to run.
root_optmem=$(cat /proc/sys/net/core/optmem_max)
[ "$root_optmem" != 64 ] && in_host sysctl -qw net.core.optmem_max=64 2>/dev/null &&
	[ "$(cat /proc/sys/net/core/optmem_max)" = "$root_optmem" ] ||
	skip "net.core.optmem_max is not per network namespace on this kernel"
write_conf
gw_start
guest_add 1
G1=$(guest_ns 1)
in_ns "$G1" nft add table inet obs
in_ns "$G1" nft add chain inet obs in '{ type filter hook input priority -10; }'
in_ns "$G1" nft add rule inet obs in icmpv6 type nd-router-advert counter
ll_ready "$G1" eth0 || fail "guest 1 has no usable link-local address"
wait_until 12 sh -c "ip netns exec $G1 nft list chain inet obs in | grep -q 'packets [1-9]'" ||
	fail "no RA at all with optmem_max 64"
ok "unsolicited RAs with optmem_max 64"
in_ns "$G1" rdisc6 -1 -w 1000 -r 2 eth0 >"$T/rdisc.out" 2>&1 || fail "solicitation not answered: $(cat "$T/rdisc.out")"
ok "solicitation answered with optmem_max 64"
