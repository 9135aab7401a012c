# Part 1 of make bench (sourced by run.sh): what the ruleset costs a
# guest's packets, against plain forwarding. One guest on bridge gwa, which
# the bench makes and keeps (gatewayd adopts it, and on stop takes back
# only its address); the variants take turns, in a rotating order:
#
#   none      no ruleset: plain forwarding, no NAT, no conntrack; inet
#             routes 10.200.0.0/24 back to the host
#   masq      one nft table: postrouting oifname up0 masquerade, nothing else
#   masqfwd   the same plus a forward filter chain with one accept rule: the
#             least any gateway that filters what its guests send pays
#   gatewayd  gatewayd with one network on gwa
#   gatewayd_old  the same with the binary BENCH_GATEWAYD_OLD (e.g. the
#             previous main's build/gatewayd; added to the variants when
#             set): what a change to the ruleset costs, old vs new, in one
#             run
#   gatewayd_NAME  the binary PATH named NAME=PATH in BENCH_GATEWAYD_ALT
#             (space-separated; each added to the variants): e.g. builds
#             with one rule left out, to find what a change costs
#   libvirt   libvirt's iptables rules for a NAT network (LIBVIRT_INP/OUT/
#             FWX/FWI/FWO/PRT), written from memory of libvirt >= 5.1
#
#   [a] eth0 10.200.0.50 ── va ──┐
#   [b] eth0 10.200.0.60 ── vb ── gwa 10.200.0.1 [host] up0 ── [inet]
#
# Guest -> internet: UDP packets/s and TCP connections/s from a. Guest ->
# guest: UDP packets/s from a to b on the same bridge (bridged, not routed:
# what the bridge-family table costs). a and b are static hosts in
# gatewayd's config and each does one DHCP exchange when gatewayd starts,
# so they are bound as a guest with a lease is.

# BENCH_VARIANTS picks some (always with none, the reference), e.g. for a
# longer masq/gatewayd comparison.
declare -A RS_BIN=([gatewayd]=$GATEWAYD)
[ -n "${BENCH_GATEWAYD_OLD:-}" ] && RS_BIN[gatewayd_old]=$BENCH_GATEWAYD_OLD
RS_ALT=
for a in ${BENCH_GATEWAYD_ALT:-}; do
	RS_BIN[gatewayd_${a%%=*}]=${a#*=}
	RS_ALT="$RS_ALT gatewayd_${a%%=*}"
done
read -r -a RS_VARIANTS <<<"${BENCH_VARIANTS:-none masq masqfwd gatewayd libvirt${BENCH_GATEWAYD_OLD:+ gatewayd_old}$RS_ALT}"
[ "${RS_VARIANTS[0]}" = none ] || RS_VARIANTS=(none "${RS_VARIANTS[@]}")
RS_BR=gwa
RS_NET=10.200.0

rs_setup() {
	in_host sysctl -qw net.ipv4.ip_forward=1
	in_host ip link add "$RS_BR" type bridge
	in_host ip link set "$RS_BR" up
	in_host ip addr add "$RS_NET.1/24" dev "$RS_BR"
	in_inet ip route add "$RS_NET.0/24" via 198.51.100.2
	guest a "$RS_BR" "$RS_NET.50/24" "$RS_NET.1"
	guest b "$RS_BR" "$RS_NET.60/24" "$RS_NET.1"
	ip netns exec "gwt$ID-b" iperf3 -s -D -p 5201 -B "$RS_NET.60" --logfile "$T/iperf-b.log" --pidfile "$T/iperf-b.pid"
	wait_until 5 sh -c "ip netns exec gwt$ID-b ss -Hltn | grep -q '$RS_NET.60:5201 '" || fail "iperf3 in b not listening"
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
	IPT_BACKEND=$(in_host iptables -V 2>/dev/null | grep -o 'nf_tables\|legacy')
}

rs_libvirt_rules() {
	local br=$RS_BR net=$RS_NET.0/24
	cat <<RULES
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

# rs_on VARIANT / rs_off VARIANT: put the variant's ruleset in place / take
# it away completely (no base chain left hooked).
rs_on() {
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
	gatewayd*)
		# gatewayd puts the address on (and takes it off at stop); each
		# binary its own state (bindings, leases), from scratch each turn
		in_host ip addr del "$RS_NET.1/24" dev "$RS_BR"
		sed "s|/state-a\"|/state-a-$1\"|" "$T/gw-a.conf" >"$T/gw.conf"
		rm -rf "$T/state-a-$1"
		mkdir -p "$T/state-a-$1" "$T/run-a"
		[ -x "${RS_BIN[$1]:-}" ] || fail "variant $1: no binary (BENCH_GATEWAYD_OLD, BENCH_GATEWAYD_ALT)"
		GATEWAYD=${RS_BIN[$1]} gw_spawn
		wait_until 10 dnsmasq_a_runs || fail "network a: no dnsmasq ($1)"
		bind_guest "gwt$ID-a"
		bind_guest "gwt$ID-b"
		;;
	libvirt) rs_libvirt_rules | in_host iptables-restore ;;
	esac
}
dnsmasq_pid_of_a() { cat "$T/run-a/a.dnsmasq.pid" 2>/dev/null; }
dnsmasq_a_runs() { local p; p=$(dnsmasq_pid_of_a) && [ -n "$p" ] && kill -0 "$p"; }
rs_off() {
	case $1 in
	none) ;;
	masq | masqfwd) in_host nft delete table ip benchmasq ;;
	gatewayd*)
		gw_stop || fail "gatewayd (network a, $1) exit status"
		in_host ip addr add "$RS_NET.1/24" dev "$RS_BR"
		;;
	libvirt)
		if [ "$IPT_BACKEND" = nf_tables ]; then
			in_host nft delete table ip filter
			in_host nft delete table ip nat
		else # legacy tables stay hooked once loaded: flush what we can
			for t in filter nat; do in_host iptables -t $t -F; in_host iptables -t $t -X; done
		fi
		;;
	esac
	[ "$(in_host nft list tables 2>/dev/null | wc -l)" = 0 ] || fail "after $1: tables left: $(in_host nft list tables)"
}

rs_run() {
	local r i v k
	rs_setup
	for r in $(seq 1 "$REPS"); do
		for i in "${!RS_VARIANTS[@]}"; do
			v=${RS_VARIANTS[$(((i + r - 1) % ${#RS_VARIANTS[@]}))]}
			progress "ruleset: rep $r/$REPS, $v"
			rs_on "$v"
			CPU_OUT=$T/rs-udpc-$v udp_pps "gwt$ID-a" 5201 >>"$T/rs-udp-$v"
			CPU_OUT=$T/rs-tcpc-$v tcp_cps "gwt$ID-a" >>"$T/rs-tcp-$v"
			CPU_OUT=$T/rs-ggc-$v udp_pps_to "gwt$ID-a" "gwt$ID-b" "$RS_NET.60" 5201 >>"$T/rs-gg-$v"
			rs_off "$v"
		done
	done
	for v in "${RS_VARIANTS[@]}"; do
		RS_UDP[$v]=$(median <"$T/rs-udp-$v")
		RS_TCP[$v]=$(median <"$T/rs-tcp-$v")
		RS_GG[$v]=$(median <"$T/rs-gg-$v")
		RS_UDPC[$v]=$(median <"$T/rs-udpc-$v")
		RS_TCPC[$v]=$(median <"$T/rs-tcpc-$v")
		RS_GGC[$v]=$(median <"$T/rs-ggc-$v")
	done
}
declare -A RS_UDP RS_TCP RS_GG RS_UDPC RS_TCPC RS_GGC
