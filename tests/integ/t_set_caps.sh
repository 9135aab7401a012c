#!/bin/bash
# The sets rules add to (nft's "flags dynamic": the DHCP meters, mac_self,
# the guest binding's DHCP records) are capped at 65535 elements by the
# kernel: gatewayd creates them without a size (a size is also the hash's
# first allocation, 1 MiB each, made in every start's commit: nft/msg.c),
# and the kernel's dynset gives a set without one its cap of 65535 when a
# rule binds it. Asserted: `nft list` shows every dynamic set of both tables
# with size 65535, mac_self and dhcp_rate among them -- but for the
# records of what guest binding drops (bind_miss4/6), which gatewayd
# bounds at 1024 itself (nft/binding.h NFT_BIND_MISS_SIZE).
#
#   [host: gatewayd, gw0 10.213.0.1]
. "$(dirname "$0")/lib.sh"
require nft

topo_init
write_conf
gw_start
wait_until 5 in_host nft list table bridge gatewayd >/dev/null || fail "no bridge table"
sets=$( { in_host nft list table bridge gatewayd; in_host nft list table inet gatewayd; } |
	awk '/^\tset /{name=$2; size=""} /^\t\tsize /{size=$2} /flags dynamic/{print name, size}')
[ -n "$sets" ] || fail "no dynamic set listed"
for s in mac_self dhcp_rate; do
	grep -q "^$s " <<<"$sets" || fail "no dynamic set $s: $(tr '\n' ' ' <<<"$sets")"
done
rules=$( { in_host nft list table bridge gatewayd; in_host nft list table inet gatewayd; } | grep -v '^	*\(set\|map\) ')
while read -r name size; do
	case $name in
	bind_miss4 | bind_miss6) want=1024 ;;
	*) want=65535 ;;
	esac
	# a set no rule adds to (ctq_in4/6 without port forwards) has no
	# rule's cap: nothing can fill it
	[ -z "$size" ] && ! grep -q "@$name\b" <<<"$rules" && continue
	[ "$size" = "$want" ] || fail "set $name: size '$size', not $want"
done <<<"$sets"
ok "every dynamic set capped (65535; bind_miss4/6 1024): $(awk '{print $1}' <<<"$sets" | tr '\n' ' ')"
