#!/bin/bash
# A kernel without bridge meta is asked once per boot (issue 18: one
# network's start). The probe's refused transaction waits for an RCU grace
# period and holds up the bridges made meanwhile, so the first start
# records the answer "no" in run_dir/no-bridge-meta ("boot ID"), and a
# later start in the same boot takes it from there. Only "no" is kept:
# port-set is valid on every kernel. Asserted on a kernel without bridge
# meta: the first start probes (port-set, no "known" note) and records
# this boot; the second says port-set, "known since this boot's first
# start", forward chain in port-set form; a record of another boot is
# not believed (probed again, rewritten); GATEWAYD_TEST_NO_BRIDGE_META
# aside. On a kernel with bridge meta: nothing is recorded.
#
#   [host: gatewayd, gw0] ── up0 ── [inet]
. "$(dirname "$0")/lib.sh"
require dnsmasq nft

topo_init
write_conf
REC=$T/run/no-bridge-meta
BOOT=$(cat /proc/sys/kernel/random/boot_id)
mode_line() { grep -m1 'backstop mode: ' "$T/gw.log"; }
port_set_chain() { in_host nft list chain bridge gatewayd forward | grep -q 'iifname vmap @port_nets'; }

gw_start
line=$(mode_line)
case $line in
*"backstop mode: bridge-meta"*)
	[ -e "$REC" ] && fail "bridge-meta kernel, yet $REC: $(cat "$REC")"
	gw_stop || fail "gatewayd exit status"
	ok "kernel with bridge meta: nothing recorded"
	exit 0 ;;
*"backstop mode: port-set"*) ;;
*) fail "no backstop mode line: $(cat "$T/gw.log")" ;;
esac
grep -q "known since" <<<"$line" && fail "first start took the answer from a record: $line"
[ "$(cat "$REC" 2>/dev/null)" = "boot $BOOT" ] || fail "no record of this boot's answer: $(cat "$REC" 2>&1)"
gw_stop || fail "gatewayd exit status"
ok "first start: probed, port-set, \"no\" recorded for boot $BOOT"

gw_start
line=$(mode_line)
grep -q "backstop mode: port-set (no bridge meta in this kernel: known since this boot's first start)" <<<"$line" ||
	fail "second start did not take this boot's answer: $line"
port_set_chain || fail "second start: forward chain not in port-set form"
gw_stop || fail "gatewayd exit status"
ok "second start: port-set from this boot's record, forward chain in that form"

echo "boot 00000000-0000-0000-0000-000000000000" >"$REC"
gw_start
line=$(mode_line)
grep -q "known since" <<<"$line" && fail "a record of another boot was believed: $line"
[ "$(cat "$REC")" = "boot $BOOT" ] || fail "record not rewritten for this boot: $(cat "$REC")"
gw_stop || fail "gatewayd exit status"
ok "a record of another boot: probed again, rewritten"
