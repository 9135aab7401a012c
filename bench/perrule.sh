#!/bin/bash
# What one hook and one rule of gatewayd's fast path cost a packet (issue
# 18; README "Per hook and per rule"). Not part of make bench: run it by
# hand, as root, `bash bench/perrule.sh [ROUNDS] [PACKETS]` (12 rounds of
# 40,000 packets by default, about 5 minutes). Report-only.
#
# A guest's 64-byte UDP to the internet namespace, one unreplied flow (as
# part ruleset's), through hand-written rulesets taking turns with a base:
# the bare masquerade plus gatewayd's three hooks left empty (bridge
# prerouting and input, inet forward). Each variant is the base with one
# of gatewayd's rules ten times over (non-terminal: `continue`, or a jump
# to an empty chain), so that one rule's cost stands out of a shared
# machine's noise. The figure: the sender's CPU time per packet (the
# kernel forwards in the sender's softirqs; bench/udpsend.c), each sample
# minus the base's of the same round, median over the rounds, divided by
# ten. The sender is pinned to CPU 1. IPv6 variants against an IPv6 base.
#
#   [a] eth0 10.200.0.50, 2001:db8:200::50 ── va ── gwa [host] up0 ── [inet] eth0 (drops UDP 9)
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/lib.sh"
require nft cc taskset
ROUNDS=${1:-12}
PACKETS=${2:-40000}
K=10
MAC=$(guest_mac 10.200.0.50)

cc -O2 -o "$T/udpsend" "$BENCH/udpsend.c" || fail "cannot build udpsend"
topo_init
in_host sysctl -qw net.ipv4.ip_forward=1
in_host sysctl -qw net.ipv6.conf.all.forwarding=1
in_host ip link add gwa type bridge
in_host ip link set gwa up
in_host ip addr add 10.200.0.1/24 dev gwa
in_host ip -6 addr add 2001:db8:200::1/64 dev gwa nodad
guest a gwa 10.200.0.50/24 10.200.0.1
ip -n "gwt$ID-a" -6 addr add 2001:db8:200::50/64 dev eth0 nodad
ip -n "gwt$ID-a" -6 route add default via 2001:db8:200::1
in_inet nft -f - <<'NFT'
table netdev sink {
	chain in {
		type filter hook ingress device "eth0" priority 0;
		udp dport 9 drop
		ip6 nexthdr udp udp dport 9 drop
	}
}
NFT

# the base: masquerade (ip or ip6) and the three hooks, empty; BRPRE,
# BRIN, FWD: the rules to put in them, one a line
base() { # FAMILY(ip|ip6)
	cat <<NFT
table $1 benchmasq {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "up0" masquerade
	}
}
table bridge b {
	set bind4 {
		type iface_index . ether_addr . ipv4_addr
		elements = { "va" . $MAC . 10.200.0.50 }
	}
	set bind6 {
		type iface_index . ether_addr . ipv6_addr
		elements = { "va" . $MAC . 2001:db8:200::50 }
	}
	set bind_ifs {
		type iface_index
		elements = { "va" }
	}
	map bind_nets {
		type ifname : verdict
		elements = { "va" : jump unknown_port }
	}
	chain unknown_port {
	}
	chain prerouting {
		type filter hook prerouting priority filter; policy accept;
${BRPRE:-}
	}
	chain input {
		type filter hook input priority 0; policy accept;
${BRIN:-}
	}
}
table inet g {
	counter fwd_out_a {
	}
	map from_nets {
		type ifname : verdict
		elements = { "gwa" : jump from_a }
	}
	map from_ix {
		type iface_index : verdict
		elements = { "gwa" : jump from_a }
	}
	chain from_a {
	}
	chain forward {
		type filter hook forward priority filter; policy accept;
${FWD:-}
	}
}
NFT
}
ktimes() { local i; for ((i = 0; i < K; i++)); do printf '\t\t%s\n' "$1"; done; }

# variant name -> "HOOK|RULE" (HOOK: BRPRE, BRIN, FWD); names ending in 6
# are measured over IPv6
declare -A RULE=(
	[fast4]='BRPRE|th dport != 67 th dport != 547 iif . ether saddr . ip saddr @bind4 continue'
	[lookup4]='BRPRE|iif . ether saddr . ip saddr @bind4 continue'
	[dhcp_ports]='BRPRE|th dport != 67 th dport != 547 continue'
	[in_name]='BRIN|iifname != @bind_nets jump unknown_port'
	[in_index]='BRIN|iif != @bind_ifs jump unknown_port'
	[fwd_vmap]='FWD|iifname vmap @from_nets'
	[fwd_vmap_index]='FWD|iif vmap @from_ix'
	[from_accept]='FWD|oifname "up0" ip saddr 10.200.0.0/24 counter name "fwd_out_a" continue'
	[from_accept_nocounter]='FWD|oifname "up0" ip saddr 10.200.0.0/24 continue'
	[fast6]='BRPRE|meta l4proto != ipv6-icmp th dport != 67 th dport != 547 iif . ether saddr . ip6 saddr @bind6 continue'
	[lookup6]='BRPRE|iif . ether saddr . ip6 saddr @bind6 continue'
	[fast4_by_ipv6]='BRPRE|th dport != 67 th dport != 547 iif . ether saddr . ip saddr @bind4 continue'
)
VARIANTS=(base fast4 lookup4 dhcp_ports in_name in_index fwd_vmap fwd_vmap_index from_accept
	from_accept_nocounter base6 fast6 lookup6 fast4_by_ipv6)

on() {
	local fam=ip hook rule
	case $1 in *6) fam=ip6 ;; esac
	[ "$1" = base ] || [ "$1" = base6 ] || { hook=${RULE[$1]%%|*} rule=${RULE[$1]#*|}; }
	case ${hook:-} in
	BRPRE) BRPRE=$(ktimes "$rule") base $fam | in_host nft -f - ;;
	BRIN) BRIN=$(ktimes "$rule") base $fam | in_host nft -f - ;;
	FWD) FWD=$(ktimes "$rule") base $fam | in_host nft -f - ;;
	*) base $fam | in_host nft -f - ;;
	esac || fail "variant $1: ruleset refused"
}
# sample V: the sender's CPU ns per packet with variant V in place
sample() {
	local dst=198.51.100.1 s c
	case $1 in *6) dst=2001:db8:51::1 ;; esac
	on "$1"
	ip netns exec "gwt$ID-a" busybox ping -c 1 -W 2 "$dst" >/dev/null 2>&1
	ip netns exec "gwt$ID-a" "$T/udpsend" "$dst" 9 5000 >/dev/null # warm
	read -r s c _ < <(ip netns exec "gwt$ID-a" taskset -c 1 "$T/udpsend" "$dst" 9 "$PACKETS")
	in_host nft flush ruleset
	in_host conntrack -F >/dev/null 2>&1
	[ "${s:-0}" -gt 0 ] || fail "variant $1: nothing sent"
	echo $((c / PACKETS))
}

load0=$(cut -d' ' -f1 /proc/loadavg)
for ((r = 1; r <= ROUNDS; r++)); do
	progress "perrule: round $r/$ROUNDS"
	for ((i = 0; i < ${#VARIANTS[@]}; i++)); do
		v=${VARIANTS[$(((i + r - 1) % ${#VARIANTS[@]}))]}
		echo "$r $v $(sample "$v")"
	done
done >"$T/samples"

echo
echo "Per rule, each ten times over (bench/perrule.sh): the sender's CPU ns a packet, per copy,"
echo "median over $ROUNDS rounds of $PACKETS packets of (variant - base of the same round) / $K;"
echo "load average $load0 at start, $(cut -d' ' -f1 /proc/loadavg) at end"
printf '%-24s %10s  %s\n' variant "ns a rule" rule
for v in "${VARIANTS[@]}"; do
	case $v in base | base6) continue ;; esac
	b=base
	case $v in *6) b=base6 ;; esac
	d=$(awk -v v="$v" -v b="$b" '$2 == b { base[$1] = $3 } $2 == v { x[$1] = $3 }
		END { for (r in x) if (r in base) print x[r] - base[r] }' "$T/samples" | sort -n |
		awk '{ a[NR] = $1 } END { if (!NR) print "-"; else print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
	printf '%-24s %10s  %s\n' "$v" "$(awk -v d="$d" -v k=$K 'BEGIN { if (d == "-") print "-"; else printf "%.0f", d / k }')" "${RULE[$v]#*|}"
done
awk '$2 == "base" || $2 == "base6" { print $2, $3 }' "$T/samples" | sort | awk '
	{ a[$1] = a[$1] " " $2 } END { for (k in a) print "  " k " (ns a packet, each round):" a[k] }'
