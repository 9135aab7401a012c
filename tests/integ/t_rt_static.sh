#!/bin/bash
# Red team, gatewayctl qemu-args --static:
#  - a port forward pointing at an address no host has yet (a guest to be
#    set up by hand) keeps it: the new VM does not get it, and with it the
#    forward's traffic (its service open on the uplink);
#  - a subnet with no address left: refused, saying so, nothing changed.
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"
write_conf 'forward web { proto = tcp; port = 8080; to = "10.213.0.2:80" }'
sed -i 's|10.213.0.1/24|10.213.0.1/29|; s|10.213.0.100-10.213.0.250|10.213.0.5-10.213.0.6|' "$T/gw.conf"
gw_start
args() { $CTL qemu-args default --name "$1" --static 2>&1 >/dev/null; }
out=$(args vmx) || fail "--static vmx: $out"
case $out in *"vmx ("*") gets 10.213.0.3") ;; *) fail "vmx: $out (10.213.0.2 is forward web's target)" ;; esac
ok "forward web's target 10.213.0.2 kept: vmx gets 10.213.0.3"

# /29: .1 the gateway, .2 forward web, .3 vmx, .4, then .5-.6 (the DHCP range)
for vm in vmy vmz vmw; do out=$(args $vm) || fail "--static $vm: $out"; done
code=0
out=$(args vmv) || code=$?
[ $code = 1 ] && echo "$out" | grep -q 'network "default": no free IPv4 address left for a static host' ||
	fail "a full subnet: exit $code: $out"
[ "$(wc -l <"$T/state/static-hosts")" = 4 ] || fail "static-hosts: $(cat "$T/state/static-hosts")"
ok "the /29 full (vmx vmy vmz vmw): vmv refused, static-hosts unchanged"
