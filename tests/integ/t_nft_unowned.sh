#!/bin/bash
# The nftables fallback for kernels without NFT_TABLE_F_PERSIST (Debian
# 12's 6.1), forced here with GATEWAYD_TEST_NO_PERSIST: the tables are not
# owned, so anyone can flush or delete them -- and gatewayd puts them back
# within a second, from nf_tables notifications; and they outlive a crash,
# so a guest's NATed flow survives kill -9.
#
#   [inet] httpd, nc -l ── up0 [host: gatewayd] gw0 ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf
export GATEWAYD_TEST_NO_PERSIST=1
gw_start
grep -q "no NFT_TABLE_F_PERSIST" "$T/gw.log" || fail "fallback not announced"
in_host nft list table inet gatewayd | grep -q "flags owner" && fail "tables owned in fallback mode"
guest_add 1
G1=$(guest_ns 1)
udhcpc_lease 1 || fail "no lease"
internet_httpd

for sabotage in "nft flush ruleset" "nft delete table inet gatewayd" "nft delete table bridge gatewayd" \
		"nft flush chain inet gatewayd postrouting" \
		"nft delete element inet gatewayd nat_nets { \"gw0\" }" \
		"nft add rule inet gatewayd nat_default iifname \"intruder\" accept"; do
	n=$(grep -c "restored them" "$T/gw.log")
	t0=$(date +%s%N)
	in_host sh -c "$sabotage"
	wait_until 3 sh -c "[ \$(grep -c 'restored them' $T/gw.log) -gt $n ]" || fail "not restored after: $sabotage"
	in_host nft list table inet gatewayd | grep -q "iifname \"intruder\"" && fail "foreign rule kept after: $sabotage"
	ms=$((($(date +%s%N) - t0) / 1000000))
	[ "$ms" -le 1000 ] || fail "restored only after $ms ms: $sabotage"
	in_host nft list chain inet gatewayd postrouting | grep -q "vmap @nat_nets" || fail "NAT dispatch missing after: $sabotage"
	in_host nft list chain inet gatewayd nat_default | grep -q masquerade || fail "NAT rule missing after: $sabotage"
	wait_until 3 sh -c "ip netns exec $NS_HOST nft list map bridge gatewayd port_nets | grep -q vg1" \
		|| fail "ports set not refilled after: $sabotage"
	udhcpc_lease 1 || fail "no DHCP after: $sabotage"
	[ "$(http_get "$G1" http://198.51.100.1/cgi-bin/ip)" = 198.51.100.2 ] || fail "no NAT after: $sabotage"
	ok "'$sabotage' -> restored in $ms ms; DHCP and NAT fine"
done

# a crash leaves the unowned tables in place: the NATed flow goes on
flow_start "$G1"
kill -KILL "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=
flowing || fail "flow died with gatewayd"
nft_host_has_table || fail "unowned table vanished with the daemon"
gw_start
flowing || fail "flow died at the restart"
ok "kill -9 + restart: tables stayed, NATed flow alive throughout"
