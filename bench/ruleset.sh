# Part 1 of make bench (sourced by run.sh): what the ruleset costs a
# guest's packets, against plain forwarding. One guest on bridge gwa, which
# the bench makes and keeps (gatewayd adopts it, and on stop takes back
# only its address); the variants take turns, in a rotating order:
#
#   none      no ruleset: plain forwarding, no NAT, no conntrack; inet
#             routes 10.200.0.0/24 and 2001:db8:200::/64 back to the host
#             (measured over IPv4 and IPv6: the reference of both tables)
#   masq      one nft table: postrouting oifname up0 masquerade, nothing else
#   masqfwd   the same plus a forward filter chain with one accept rule: the
#             least any gateway that filters what its guests send pays
#   masqhooks masq plus the hooks gatewayd registers that a guest's packet
#             to the internet crosses, as empty base chains (bridge
#             prerouting and input, inet forward): what entering them
#             costs, rules aside
#   masqfast  masq plus, by hand, the rules such a packet of a bound guest
#             runs in gatewayd's ruleset (bridge prerouting's fast path,
#             bridge input's check of its port, inet forward's dispatch
#             and from_NET's accept): gatewayd's floor, the daemon aside
#   gatewayd  gatewayd with one network on gwa (IPv4 only)
#   gatewayd_old  the same with the binary BENCH_GATEWAYD_OLD (e.g. the
#             previous main's build/gatewayd; added to the variants when
#             set): what a change to the ruleset costs, old vs new, in one
#             run
#   gatewayd_NAME  the binary PATH named NAME=PATH in BENCH_GATEWAYD_ALT
#             (space-separated; each added to the variants): e.g. builds
#             with one rule left out, to find what a change costs
#   gatewayd_no_PART  (BENCH_BREAKDOWN=1, the default) gatewayd with
#             GATEWAYD_TEST_OMIT=PART (nft/plan.h: binding meters untrusted
#             backstop filter dnat counters): what PART costs a packet
#   gatewayd_skel  the same with every part omitted: the dispatch alone
#             (BENCH_BREAKDOWN=skel: this one alone)
#   libvirt   libvirt's iptables rules for a NAT network (LIBVIRT_INP/OUT/
#             FWX/FWI/FWO/PRT), written from memory of libvirt >= 5.1
#   masq6     IPv6: one nft table ip6, postrouting oifname up0 masquerade
#   gatewayd6 IPv6: gatewayd, the network with ipv6 (NAT66: ipv6_nat's
#             default in NAT mode)
#   gatewayd6r  IPv6: the same with ipv6_nat = false (routed; inet routes
#             the prefix back)
#   libvirt6  IPv6: libvirt's ip6tables rules for a NAT network's IPv6,
#             which libvirt routes (FWX/FWI/FWO without conntrack, INP/OUT
#             for DNS and DHCPv6), as libvirt >= 5.1 writes them
#
#   [a] eth0 10.200.0.50, SLAAC 2001:db8:200:0:5054:ff:fec8:32 ── va ──┐
#   [b] eth0 10.200.0.60 ── vb ── gwa 10.200.0.1, 2001:db8:200::1 [host] up0 ── [inet]
#
# Guest -> internet: UDP packets/s and TCP connections/s from a (IPv4; the
# IPv6 variants and none also over IPv6). Guest -> guest: UDP packets/s
# from a to b on the same bridge (bridged, not routed: what the
# bridge-family table costs; IPv4 variants). a and b are static hosts in
# gatewayd's config and each does one DHCP exchange when gatewayd starts,
# so they are bound as a guest with a lease is; a's IPv6 address is the
# SLAAC address of its MAC (set as SLAAC would, duplicate address
# detection included), which gatewayd holds for a guest with a lease and
# binds to its port: the bench waits until bind6 has it.

# BENCH_VARIANTS picks some (always with none, the reference), e.g. for a
# longer masq/gatewayd comparison.
declare -A RS_BIN=([gatewayd]=$GATEWAYD)
[ -n "${BENCH_GATEWAYD_OLD:-}" ] && RS_BIN[gatewayd_old]=$BENCH_GATEWAYD_OLD
RS_ALT=
for a in ${BENCH_GATEWAYD_ALT:-}; do
	RS_BIN[gatewayd_${a%%=*}]=${a#*=}
	RS_ALT="$RS_ALT gatewayd_${a%%=*}"
done
# GATEWAYD_TEST_OMIT's parts (nft/plan.h), one variant gatewayd_no_PART
# each, and gatewayd_skel with all of them left out.
RS_PARTS="binding meters untrusted backstop filter dnat counters"
declare -A RS_OMIT=([gatewayd_skel]=$RS_PARTS)
RS_BREAK=
for p in $RS_PARTS; do
	RS_OMIT[gatewayd_no_$p]=$p
	RS_BREAK="$RS_BREAK gatewayd_no_$p"
done
# BENCH_BREAKDOWN=1 (the default): all of them; skel: gatewayd_skel alone
# (one variant through every part's omit path: the default with
# BENCH_SMOKE, CI's smoke, where eight more variants would double part
# 1's time and one repetition's differences are noise anyway); 0: none
RS_BREAKDOWN=${BENCH_BREAKDOWN:-1}
[ -n "${BENCH_SMOKE:-}" ] && RS_BREAKDOWN=${BENCH_BREAKDOWN:-skel}
case $RS_BREAKDOWN in
1) RS_BREAK="$RS_BREAK gatewayd_skel" ;;
skel) RS_BREAK=" gatewayd_skel" ;;
*) RS_BREAK= ;;
esac
read -r -a RS_VARIANTS <<<"${BENCH_VARIANTS:-none masq masqfwd masqhooks masqfast gatewayd libvirt masq6 gatewayd6 gatewayd6r libvirt6${BENCH_GATEWAYD_OLD:+ gatewayd_old}$RS_ALT$RS_BREAK}"
[ "${RS_VARIANTS[0]}" = none ] || RS_VARIANTS=(none "${RS_VARIANTS[@]}")
for v in "${RS_VARIANTS[@]}"; do
	case $v in
	gatewayd6 | gatewayd6r) RS_BIN[$v]=$GATEWAYD ;;
	gatewayd_no_* | gatewayd_skel) RS_BIN[$v]=$GATEWAYD_TEST ;; # the hook is built in there only
	esac
done
RS_BR=gwa
RS_NET=10.200.0
RS_NET6=2001:db8:200 # its /64
RS_A6=$(slaac_addr "$RS_NET6:0" "$(guest_mac "$RS_NET.50")")
# rs_v6 V: V is measured over IPv6 (none: over both)
rs_v6() { case $1 in none | *6 | *6r) return 0 ;; esac; return 1; }
rs_v4() { case $1 in *6 | *6r) return 1 ;; esac; return 0; }

rs_setup() {
	in_host sysctl -qw net.ipv4.ip_forward=1
	in_host sysctl -qw net.ipv6.conf.all.forwarding=1
	in_host ip link add "$RS_BR" type bridge
	in_host ip link set "$RS_BR" up
	in_host ip addr add "$RS_NET.1/24" dev "$RS_BR"
	in_host ip -6 addr add "$RS_NET6::1/64" dev "$RS_BR" nodad
	in_inet ip route add "$RS_NET.0/24" via 198.51.100.2
	in_inet ip -6 route add "$RS_NET6::/64" via 2001:db8:51::2
	guest a "$RS_BR" "$RS_NET.50/24" "$RS_NET.1"
	guest b "$RS_BR" "$RS_NET.60/24" "$RS_NET.1"
	# a's SLAAC address, with duplicate address detection as SLAAC does
	ip -n "gwt$ID-a" addr add "$RS_A6/64" dev eth0
	ip -n "gwt$ID-a" -6 route add default via "$RS_NET6::1"
	wait_until 10 sh -c "ip -n gwt$ID-a -6 addr show dev eth0 | grep '$RS_A6/64 ' | grep -qv tentative" ||
		fail "a: $RS_A6 still tentative: $(ip -n "gwt$ID-a" -6 addr show dev eth0)"
	ip netns exec "gwt$ID-b" iperf3 -s -D -p 5201 -B "$RS_NET.60" --logfile "$T/iperf-b.log" --pidfile "$T/iperf-b.pid"
	in_inet iperf3 -s -D -p 5206 -B "$INET_IP6" --logfile "$T/iperf-5206.log" --pidfile "$T/iperf-5206.pid"
	ip netns exec "$NS_INET" perl "$BENCH/tcp_conn.pl" accept "$INET_IP6" 9106 &
	disown $! # cleanup ends it with the namespace
	wait_until 5 sh -c "ip netns exec gwt$ID-b ss -Hltn | grep -q '$RS_NET.60:5201 '" || fail "iperf3 in b not listening"
	wait_until 5 sh -c "ip netns exec $NS_INET ss -Hltn | grep -q '\[$INET_IP6\]:5206 '" || fail "iperf3 on [$INET_IP6]:5206 not listening"
	wait_until 5 sh -c "ip netns exec $NS_INET ss -Hltn | grep -q '\[$INET_IP6\]:9106 '" || fail "TCP accept loop on [$INET_IP6]:9106 not listening"
	{
		echo "uplink = up0"
		echo "state_dir = \"$T/state-a\""
		echo "run_dir = \"$T/run-a\""
		echo "probe_time = 0"
		printf 'network a {\n bridge = "%s"\n ipv4 = "%s.1/24"\n ra { enabled = false }\n' "$RS_BR" "$RS_NET"
		host_line a "$RS_NET.50"
		host_line b "$RS_NET.60"
		echo "}"
	} >"$T/gw-a.conf"
	sed 's|^ ipv4 = .*|&\n ipv6 = "'"$RS_NET6"'::1/64"|' "$T/gw-a.conf" >"$T/gw-a6.conf"
	sed 's|^ ipv6 = .*|&\n ipv6_nat = false|' "$T/gw-a6.conf" >"$T/gw-a6r.conf"
	grep -q ipv6_nat "$T/gw-a6r.conf" || fail "no IPv6 config for gatewayd6r"
	command -v ip6tables-restore >/dev/null || fail "no ip6tables-restore (deps/install.sh bench: iptables)"
	IPT_BACKEND=$(in_host iptables -V 2>/dev/null | grep -o 'nf_tables\|legacy')
}

# libvirt's filter chains and the jumps to them, the same for iptables
# and ip6tables
rs_libvirt_chains() {
	cat <<'RULES'
*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:LIBVIRT_INP - [0:0]
:LIBVIRT_OUT - [0:0]
:LIBVIRT_FWO - [0:0]
:LIBVIRT_FWI - [0:0]
:LIBVIRT_FWX - [0:0]
-A INPUT -j LIBVIRT_INP
-A FORWARD -j LIBVIRT_FWX
-A FORWARD -j LIBVIRT_FWI
-A FORWARD -j LIBVIRT_FWO
-A OUTPUT -j LIBVIRT_OUT
RULES
}

rs_libvirt_rules() {
	local br=$RS_BR net=$RS_NET.0/24
	rs_libvirt_chains
	cat <<RULES
-A LIBVIRT_INP -i $br -p udp -m udp --dport 53 -j ACCEPT
-A LIBVIRT_INP -i $br -p tcp -m tcp --dport 53 -j ACCEPT
-A LIBVIRT_INP -i $br -p udp -m udp --dport 67 -j ACCEPT
-A LIBVIRT_INP -i $br -p tcp -m tcp --dport 67 -j ACCEPT
-A LIBVIRT_OUT -o $br -p udp -m udp --dport 53 -j ACCEPT
-A LIBVIRT_OUT -o $br -p tcp -m tcp --dport 53 -j ACCEPT
-A LIBVIRT_OUT -o $br -p udp -m udp --dport 68 -j ACCEPT
-A LIBVIRT_OUT -o $br -p tcp -m tcp --dport 68 -j ACCEPT
-A LIBVIRT_FWX -i $br -o $br -j ACCEPT
-A LIBVIRT_FWI -d $net -o $br -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A LIBVIRT_FWI -o $br -j REJECT --reject-with icmp-port-unreachable
-A LIBVIRT_FWO -s $net -i $br -j ACCEPT
-A LIBVIRT_FWO -i $br -j REJECT --reject-with icmp-port-unreachable
COMMIT
*nat
:PREROUTING ACCEPT [0:0]
:INPUT ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:LIBVIRT_PRT - [0:0]
-A POSTROUTING -j LIBVIRT_PRT
-A LIBVIRT_PRT -s $net -d 224.0.0.0/24 -j RETURN
-A LIBVIRT_PRT -s $net -d 255.255.255.255/32 -j RETURN
-A LIBVIRT_PRT -s $net ! -d $net -p tcp -j MASQUERADE --to-ports 1024-65535
-A LIBVIRT_PRT -s $net ! -d $net -p udp -j MASQUERADE --to-ports 1024-65535
-A LIBVIRT_PRT -s $net ! -d $net -j MASQUERADE
COMMIT
RULES
}

# libvirt's ip6tables rules for the IPv6 of a NAT network: libvirt
# routes IPv6 (no NAT66; networkAddRoutingFirewallRules), so FWI lets in
# whatever is for the prefix, no conntrack; INP/OUT for DNS and DHCPv6.
rs_libvirt6_rules() {
	local br=$RS_BR net=$RS_NET6::/64
	rs_libvirt_chains
	cat <<RULES
-A LIBVIRT_INP -i $br -p udp -m udp --dport 53 -j ACCEPT
-A LIBVIRT_INP -i $br -p tcp -m tcp --dport 53 -j ACCEPT
-A LIBVIRT_INP -i $br -p udp -m udp --dport 547 -j ACCEPT
-A LIBVIRT_OUT -o $br -p udp -m udp --dport 53 -j ACCEPT
-A LIBVIRT_OUT -o $br -p tcp -m tcp --dport 53 -j ACCEPT
-A LIBVIRT_OUT -o $br -p udp -m udp --dport 546 -j ACCEPT
-A LIBVIRT_FWX -i $br -o $br -j ACCEPT
-A LIBVIRT_FWI -d $net -o $br -j ACCEPT
-A LIBVIRT_FWI -o $br -j REJECT --reject-with icmp6-port-unreachable
-A LIBVIRT_FWO -s $net -i $br -j ACCEPT
-A LIBVIRT_FWO -i $br -j REJECT --reject-with icmp6-port-unreachable
COMMIT
RULES
}

# rs_on VARIANT / rs_off VARIANT: put the variant's ruleset in place / take
# it away completely (no base chain left hooked).
rs_on() {
	local conf=gw-a omit=
	case $1 in
	none) ;;
	masq | masqfwd)
		in_host nft -f - <<'NFT'
table ip benchmasq {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "up0" masquerade
	}
}
NFT
		[ "$1" = masq ] || in_host nft -f - <<NFT
table ip benchmasq {
	chain forward {
		type filter hook forward priority filter;
		iifname "$RS_BR" ip saddr $RS_NET.0/24 oifname "up0" accept
	}
}
NFT
		;;
	masqhooks | masqfast)
		rs_on masq
		in_host nft -f - <<NFT
table bridge benchhooks {
	chain prerouting {
		type filter hook prerouting priority filter; policy accept;
	}
	chain input {
		type filter hook input priority 0; policy accept;
	}
}
table inet benchhooks {
	chain forward {
		type filter hook forward priority filter; policy accept;
	}
}
NFT
		[ "$1" = masqfast ] || return 0
		# the bench's guests' ports, MACs and addresses (guest(), lib.sh)
		in_host nft -f - <<NFT
table bridge benchhooks {
	set bind4 {
		type iface_index . ether_addr . ipv4_addr
		elements = { "va" . $(guest_mac "$RS_NET.50") . $RS_NET.50,
			     "vb" . $(guest_mac "$RS_NET.60") . $RS_NET.60 }
	}
	map bind_nets {
		type ifname : verdict
		elements = { "va" : jump bind_a, "vb" : jump bind_a }
	}
	chain bind_a {
	}
	chain unknown_port {
	}
}
table inet benchhooks {
	counter fwd_out_a {
	}
	map from_nets {
		type ifname : verdict
		elements = { "$RS_BR" : jump from_a }
	}
	chain from_a {
		oifname "up0" ip saddr $RS_NET.0/24 counter name "fwd_out_a" accept
		oifname "$RS_BR" accept
	}
}
add rule bridge benchhooks prerouting th dport != 67 th dport != 547 iif . ether saddr . ip saddr @bind4 accept
add rule bridge benchhooks prerouting iifname vmap @bind_nets
add rule bridge benchhooks input iifname != @bind_nets jump unknown_port
add rule inet benchhooks forward iifname vmap @from_nets
NFT
		;;
	masq6)
		in_host nft -f - <<'NFT'
table ip6 benchmasq {
	chain post {
		type nat hook postrouting priority srcnat;
		oifname "up0" masquerade
	}
}
NFT
		;;
	gatewayd*)
		# gatewayd puts the address on (and takes it off at stop); each
		# binary its own state (bindings, leases), from scratch each turn
		in_host ip addr del "$RS_NET.1/24" dev "$RS_BR"
		in_host ip -6 addr del "$RS_NET6::1/64" dev "$RS_BR"
		case $1 in gatewayd6) conf=gw-a6 ;; gatewayd6r) conf=gw-a6r ;; esac
		omit=${RS_OMIT[$1]:-}
		sed "s|/state-a\"|/state-a-$1\"|" "$T/$conf.conf" >"$T/gw.conf"
		rm -rf "$T/state-a-$1"
		mkdir -p "$T/state-a-$1" "$T/run-a"
		[ -x "${RS_BIN[$1]:-}" ] || fail "variant $1: no binary (BENCH_GATEWAYD_OLD, BENCH_GATEWAYD_ALT)"
		if [ -n "$omit" ]; then
			GATEWAYD_TEST_OMIT=$omit GATEWAYD=${RS_BIN[$1]} gw_spawn
			grep -q 'GATEWAYD_TEST_OMIT=.*a bench hook' "$T/gw.log" || fail "variant $1: gatewayd did not take GATEWAYD_TEST_OMIT=\"$omit\""
		else
			GATEWAYD=${RS_BIN[$1]} gw_spawn
		fi
		wait_until 10 dnsmasq_a_runs || fail "network a: no dnsmasq ($1)"
		bind_guest "gwt$ID-a"
		bind_guest "gwt$ID-b"
		if rs_v6 "$1"; then
			# bound as a guest with a lease and its SLAAC address is
			wait_until 10 rs_bound6 || fail "$1: $RS_A6 not in bind6: $(in_host nft list set bridge gatewayd bind6 2>&1)"
			# (the bridge's MAC changed when gatewayd took it: a's
			# neighbour entry for the gateway is stale)
			ip -n "gwt$ID-a" neigh flush all
			wait_until 10 ip netns exec "gwt$ID-a" busybox ping -c 1 -W 1 "$INET_IP6" || fail "$1: a: no ping to $INET_IP6: $(rs_diag6)"
		fi
		;;
	libvirt) rs_libvirt_rules | in_host iptables-restore ;;
	libvirt6) rs_libvirt6_rules | in_host ip6tables-restore ;;
	esac
}
rs_diag6() {
	echo "a: $(ip -n "gwt$ID-a" -6 -br addr show dev eth0); $(ip -n "gwt$ID-a" -6 neigh show dev eth0 | tr '\n' ';')"
	echo "host: $(in_host ip -6 -br addr show dev "$RS_BR"); $(in_host ip -6 neigh show dev "$RS_BR" | tr '\n' ';'); $(in_host ip -6 route | tr '\n' ';')"
	in_host nft list set bridge gatewayd bind6 2>&1 | grep -i elements
}
rs_bound6() { in_host nft list set bridge gatewayd bind6 2>/dev/null | grep -q "[ ,{]${RS_A6}[ ,}]"; }
dnsmasq_pid_of_a() { cat "$T/run-a/a.dnsmasq.pid" 2>/dev/null; }
dnsmasq_a_runs() { local p; p=$(dnsmasq_pid_of_a) && [ -n "$p" ] && kill -0 "$p"; }
rs_off() {
	case $1 in
	none) ;;
	masq | masqfwd) in_host nft delete table ip benchmasq ;;
	masqhooks | masqfast)
		in_host nft delete table ip benchmasq
		in_host nft delete table bridge benchhooks
		in_host nft delete table inet benchhooks
		;;
	masq6) in_host nft delete table ip6 benchmasq ;;
	gatewayd*)
		gw_stop || fail "gatewayd (network a, $1) exit status"
		in_host ip addr add "$RS_NET.1/24" dev "$RS_BR"
		in_host ip -6 addr add "$RS_NET6::1/64" dev "$RS_BR" nodad
		in_host sysctl -qw net.ipv6.conf.all.forwarding=1
		;;
	libvirt | libvirt6)
		local fam=ip ipt=iptables
		[ "$1" = libvirt6 ] && fam=ip6 ipt=ip6tables
		if [ "$IPT_BACKEND" = nf_tables ]; then
			in_host nft delete table $fam filter
			in_host nft delete table $fam nat 2>/dev/null
		else # legacy tables stay hooked once loaded: flush what we can
			for t in filter nat; do in_host $ipt -t $t -F; in_host $ipt -t $t -X; done
		fi
		;;
	esac
	[ "$(in_host nft list tables 2>/dev/null | wc -l)" = 0 ] || fail "after $1: tables left: $(in_host nft list tables)"
}

rs_run() {
	local r i v
	rs_setup
	for r in $(seq 1 "$REPS"); do
		for i in "${!RS_VARIANTS[@]}"; do
			v=${RS_VARIANTS[$(((i + r - 1) % ${#RS_VARIANTS[@]}))]}
			progress "ruleset: rep $r/$REPS, $v"
			rs_on "$v"
			if rs_v4 "$v"; then
				CPU_OUT=$T/rs-udpc-$v udp_pps "gwt$ID-a" 5201 >>"$T/rs-udp-$v"
				CPU_OUT=$T/rs-tcpc-$v tcp_cps "gwt$ID-a" >>"$T/rs-tcp-$v"
				CPU_OUT=$T/rs-ggc-$v udp_pps_to "gwt$ID-a" "gwt$ID-b" "$RS_NET.60" 5201 >>"$T/rs-gg-$v"
			fi
			if rs_v6 "$v"; then # none's IPv6 figures: variant none6
				[ "$v" = none ] && v=none6
				CPU_OUT=$T/rs-udpc-$v udp_pps "gwt$ID-a" 5206 "$INET_IP6" >>"$T/rs-udp-$v"
				CPU_OUT=$T/rs-tcpc-$v tcp_cps "gwt$ID-a" "$INET_IP6" 9106 >>"$T/rs-tcp-$v"
				[ "$v" = none6 ] && v=none
			fi
			rs_off "$v"
		done
	done
	for v in "${RS_VARIANTS[@]}" none6; do
		RS_UDP[$v]=$(median <"$T/rs-udp-$v")
		RS_TCP[$v]=$(median <"$T/rs-tcp-$v")
		RS_UDPC[$v]=$(median <"$T/rs-udpc-$v")
		RS_TCPC[$v]=$(median <"$T/rs-tcpc-$v")
		rs_v4 "$v" || continue
		RS_GG[$v]=$(median <"$T/rs-gg-$v")
		RS_GGC[$v]=$(median <"$T/rs-ggc-$v")
	done
	rs_perf
}
declare -A RS_UDP RS_TCP RS_GG RS_UDPC RS_TCPC RS_GGC

# rs_perf: where gatewayd's time goes, per hook (BENCH_PERF=0: not run).
# One more UDP run each of masq, gatewayd, masq6 and gatewayd6 (those
# of them in the variants), not counted above, under
# `perf record -a -g` (cpu-clock, 997 Hz); of the sender's samples (its
# softirqs carry the packet, as in udp_pps_to), the share whose stack
# holds each of RS_PERF_FUNCS (nf_hook_slow:
# the netfilter hooks but the bridge's prerouting ones, which
# nf_hook_bridge_pre calls itself; nft_do_chain: every nft chain, all
# families; nf_nat_: any nf_nat_ function). Without perf, or if it cannot
# sample, a note instead.
RS_PERF_FUNCS="nf_hook_slow nft_do_chain nft_do_chain_bridge nft_do_chain_inet nf_conntrack_in nf_nat_"
declare -A RS_PERF
# Not with BENCH_SMOKE unless BENCH_PERF=1: it never fails the bench, so a
# smoke learns nothing from it.
rs_perf() {
	local v pid ip port def=1
	[ -n "${BENCH_SMOKE:-}" ] && def=0
	[ "${BENCH_PERF:-$def}" = 1 ] || return 0
	if ! perf --version >/dev/null 2>&1; then
		echo "part 1 per hook: no perf (deps/install.sh bench installs linux-perf)" >>"$T/notes"
		return 0
	fi
	for v in masq gatewayd masq6 gatewayd6; do
		case " ${RS_VARIANTS[*]} " in *" $v "*) ;; *) continue ;; esac
		progress "ruleset: perf record, $v"
		ip=$INET_IP port=5201
		rs_v6 "$v" && ip=$INET_IP6 port=5206
		rs_on "$v"
		warm "gwt$ID-a" "$ip"
		# shellcheck disable=SC2016
		if ! perf record -q -a -g -F 997 -e cpu-clock -o "$T/perf-$v.data" -- \
			sh -c 'echo $$ >"$1"; exec ip netns exec "$2" iperf3 -c "$3" -p "$4" -u -l 64 -b 0 -t "$5"' \
			sh "$T/perf-$v.pid" "gwt$ID-a" "$ip" "$port" "$SECS" >/dev/null 2>"$T/perf-$v.log"; then
			echo "part 1 per hook: perf record failed: $(tail -n 1 "$T/perf-$v.log")" >>"$T/notes"
			rs_off "$v"
			return 0
		fi
		rs_off "$v"
		pid=$(cat "$T/perf-$v.pid")
		RS_PERF[$v]=$(perf script -i "$T/perf-$v.data" -F pid,ip,sym 2>/dev/null | awk -v pid="$pid" -v funcs="$RS_PERF_FUNCS" '
			function done_sample(   f) { if (mine) { n++; for (f in hit) c[f]++ } delete hit; mine = 0 }
			BEGIN { nf = split(funcs, fn, " ") }
			/^[ \t]*[0-9]+[ \t]*$/ { done_sample(); mine = ($1 == pid); next }
			mine && NF { for (i = 1; i <= nf; i++) if (index($NF, fn[i]) == 1 && (fn[i] ~ /_$/ || $NF == fn[i])) hit[fn[i]] = 1 }
			END { done_sample(); printf "%d", n; for (i = 1; i <= nf; i++) printf " %s=%.1f", fn[i], n ? 100 * c[fn[i]] / n : 0; print "" }')
		[ "${RS_PERF[$v]%% *}" -gt 0 ] 2>/dev/null ||
			{ echo "part 1 per hook: perf saw no samples of the sender ($v)" >>"$T/notes"; unset "RS_PERF[$v]"; }
	done
}

# rs_line LABEL REF V [ratios] [cpu] [v6]: part 1's row for variant V,
# ratios to REF (only the ratios with "ratios"); "cpu": per CPU-second of
# the sender; "v6": no guest -> guest columns.
rs_line() {
	local -n U=RS_UDP T=RS_TCP G=RS_GG
	[ "${5:-}" = cpu ] && { local -n U=RS_UDPC T=RS_TCPC G=RS_GGC; }
	local u=${U[$3]} t=${T[$3]} g=${G[$3]:-}
	[ "${4:-}" = ratios ] && u='' t='' g=''
	if [ "${6:-}" = v6 ]; then
		printf '%-44s %10s %7s %11s %7s\n' "$1" "$u" "$(ratio "${U[$2]}" "${U[$3]}")" \
			"$t" "$(ratio "${T[$2]}" "${T[$3]}")"
	else
		printf '%-44s %10s %7s %11s %7s %10s %7s\n' "$1" "$u" "$(ratio "${U[$2]}" "${U[$3]}")" \
			"$t" "$(ratio "${T[$2]}" "${T[$3]}")" "$g" "$(ratio "${G[$2]:-}" "${G[$3]:-}")"
	fi
}
rs_has() { [ -n "${RS_UDP[$1]:-}" ]; }
rs_label() {
	case $1 in
	none) echo "no ruleset (routed back, no NAT)" ;;
	masq) echo "bare masquerade (1 nft rule)" ;;
	masqfwd) echo "masquerade + 1-rule forward filter" ;;
	masqhooks) echo "masquerade + gatewayd's hooks, empty" ;;
	masqfast) echo "masquerade + gatewayd's rules, by hand" ;;
	gatewayd) echo "gatewayd, 1 network" ;;
	gatewayd_*) echo "$1, 1 network" ;;
	libvirt) echo "libvirt-style iptables ($IPT_BACKEND)" ;;
	none6) echo "no ruleset (routed back, no NAT)" ;;
	masq6) echo "bare IPv6 masquerade (1 nft rule)" ;;
	gatewayd6) echo "gatewayd, NAT66 (ipv6_nat = true)" ;;
	gatewayd6r) echo "gatewayd, routed (ipv6_nat = false)" ;;
	libvirt6) echo "libvirt-style ip6tables, routed ($IPT_BACKEND)" ;;
	esac
}

# rs_print: part 1's tables.
rs_print() {
	local how v p hdr6 hdr
	hdr=$(printf '%-44s %10s %7s %11s %7s %10s %7s' variant "UDP pkt/s" ratio "TCP conn/s" ratio "a->b pkt/s" ratio)
	hdr6=$(printf '%-44s %10s %7s %11s %7s' variant "UDP pkt/s" ratio "TCP conn/s" ratio)
	echo
	echo "1. What the ruleset costs: guest -> internet and guest -> guest (one bridge), one network;"
	echo "   median of $REPS x $SECS s, variants taking turns"
	for how in wall cpu; do
		if [ $how = wall ]; then
			echo "   IPv4, per second:"
		else
			echo "   IPv4, per CPU-second of the sender (its softirqs carry the packet through; steadier when the machine is shared):"
		fi
		echo "$hdr"
		for v in "${RS_VARIANTS[@]}"; do
			case $v in *6 | *6r | gatewayd_no_* | gatewayd_skel) continue ;; esac
			rs_line "$(rs_label "$v")" none "$v" "" $how
		done
		rs_has gatewayd || continue
		rs_has masq && rs_line "gatewayd / bare masquerade" masq gatewayd ratios $how
		rs_has masqfwd && rs_line "gatewayd / masquerade + forward filter" masqfwd gatewayd ratios $how
		rs_has masqhooks && rs_line "gatewayd's hooks, empty / bare masquerade" masq masqhooks ratios $how
		rs_has masqfast && rs_line "gatewayd's rules by hand / bare masquerade" masq masqfast ratios $how
		rs_has masqfast && rs_line "gatewayd / gatewayd's rules by hand" masqfast gatewayd ratios $how
		rs_has libvirt && rs_line "gatewayd / libvirt-style iptables" libvirt gatewayd ratios $how
		for v in "${RS_VARIANTS[@]}"; do
			case $v in
			gatewayd_no_* | gatewayd_skel | gatewayd6 | gatewayd6r) ;;
			gatewayd_*) rs_line "gatewayd / $v" "$v" gatewayd ratios $how ;;
			esac
		done
	done
	for v in "${RS_VARIANTS[@]}"; do
		case $v in gatewayd_no_* | gatewayd_skel | gatewayd6 | gatewayd6r) ;; gatewayd_*) echo "  $v: ${RS_BIN[$v]}" ;; esac
	done
	if rs_has none6 && [ -n "$(rs_v6list)" ]; then
		for how in wall cpu; do
			[ $how = wall ] && echo "   IPv6 (guest's SLAAC address, bound), per second:" ||
				echo "   IPv6, per CPU-second of the sender:"
			echo "$hdr6"
			for v in none6 $(rs_v6list); do rs_line "$(rs_label "$v")" none6 "$v" "" $how v6; done
			rs_has gatewayd6 && rs_has masq6 && rs_line "gatewayd NAT66 / bare IPv6 masquerade" masq6 gatewayd6 ratios $how v6
			rs_has gatewayd6r && rs_has libvirt6 && rs_line "gatewayd routed / libvirt (both route)" libvirt6 gatewayd6r ratios $how v6
			rs_has gatewayd6 && rs_has libvirt6 && rs_line "gatewayd NAT66 / libvirt (routed)" libvirt6 gatewayd6 ratios $how v6
		done
	fi
	rs_print_breakdown
	rs_print_perf
}
rs_v6list() {
	local v
	for v in "${RS_VARIANTS[@]}"; do case $v in *6 | *6r) printf '%s ' "$v" ;; esac; done
}

# What each part costs, per packet: from the per-CPU-second figures, ns
# of the sender's CPU per packet (us per connection), gatewayd's minus
# gatewayd_no_PART's: what leaving PART out gives back.
rs_print_breakdown() {
	local v p any=
	for v in "${RS_VARIANTS[@]}"; do case $v in gatewayd_no_* | gatewayd_skel) any=1 ;; esac; done
	[ -n "$any" ] && rs_has gatewayd || return 0
	echo "   what each part costs (GATEWAYD_TEST_OMIT; IPv4, per packet of the sender's CPU, from the per-CPU-second"
	echo "   medians; cost = gatewayd minus gatewayd without the part, and its share of gatewayd's; on the"
	echo "   masquerade's and no ruleset's rows, what gatewayd costs over them):"
	printf '%-44s %8s %13s %8s %13s %8s %13s\n' "" "UDP ns" cost "TCP us/c" cost "a->b ns" cost
	for v in gatewayd $(for p in $RS_PARTS; do echo "gatewayd_no_$p"; done) gatewayd_skel masq none; do
		case " ${RS_VARIANTS[*]} " in *" $v "*) ;; *) continue ;; esac
		case $v in
		gatewayd_no_*) p="part ${v#gatewayd_no_} (gatewayd without it)" ;;
		gatewayd_skel) p="skeleton (all parts omitted: dispatch only)" ;;
		*) p=$(rs_label "$v") ;;
		esac
		awk -v l="$p" -v self="$v" -v u="${RS_UDPC[$v]}" -v t="${RS_TCPC[$v]}" -v g="${RS_GGC[$v]}" \
			-v gu="${RS_UDPC[gatewayd]}" -v gt="${RS_TCPC[gatewayd]}" -v gg="${RS_GGC[gatewayd]}" '
			function per(x, k) { return (x + 0 > 0) ? k / x : -1 }
			function col(x, ref, k, d,   a, b) {
				a = per(x, k); b = per(ref, k)
				if (a < 0) return sprintf("%8s %13s", "-", "")
				if (self == "gatewayd" || b < 0) return sprintf("%8.*f %13s", d, a, "")
				return sprintf("%8.*f %+6.*f %5.1f%%", d, a, d, b - a, 100 * (b - a) / b)
			}
			BEGIN { printf "%-44s %s %s %s\n", l, col(u, gu, 1e9, 0), col(t, gt, 1e6, 1), col(g, gg, 1e9, 0) }'
	done
}

rs_print_perf() {
	local v f
	[ -n "${RS_PERF[gatewayd]:-}${RS_PERF[masq]:-}${RS_PERF[gatewayd6]:-}${RS_PERF[masq6]:-}" ] || return 0
	echo "   per hook (perf record -a -g, cpu-clock, one more UDP run each): share of the sender's samples in"
	printf '%-44s %8s' "" samples
	for f in $RS_PERF_FUNCS; do
		[ "$f" = nf_nat_ ] && f='nf_nat_*'
		printf ' %s' "$f"
	done
	echo
	for v in gatewayd masq gatewayd6 masq6; do
		[ -n "${RS_PERF[$v]:-}" ] || continue
		printf '%-44s %8s' "$(rs_label "$v")" "${RS_PERF[$v]%% *}"
		for f in $RS_PERF_FUNCS; do
			printf ' %*s%%' $((${#f} - 1)) "$(sed -n "s/.* $f=\([0-9.]*\).*/\1/p" <<<"${RS_PERF[$v]}")"
		done
		echo
	done
}

# rs_broken: "; part 1, V: no X figure" for each figure missing or 0.
rs_broken() {
	local v f
	for v in "${RS_VARIANTS[@]}" none6; do
		for f in "UDP ${RS_UDP[$v]:-}" "TCP ${RS_TCP[$v]:-}"; do
			case ${f#* } in '' | - | 0) printf '; part 1, %s: no %s figure' "$v" "${f% *}" ;; esac
		done
		rs_v4 "$v" || continue
		case ${RS_GG[$v]:-} in '' | - | 0) printf '; part 1, %s: no guest->guest figure' "$v" ;; esac
	done
}
