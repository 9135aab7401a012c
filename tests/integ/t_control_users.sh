#!/bin/bash
# The control socket is shared by root and the group gatewayd. A member of
# the group holding 20 connections and renewing each as it is dropped (at
# its 3 s deadline, or refused) must not lock anyone out: root's status
# answers, root's attach (what qemu-ifup runs) plugs a tap in, another
# member is served, and the holder's own extra connection is refused with
# a message and exit 7 -- never a SIGPIPE death (exit 141) without a word.
# (Before: 16 slots first come first served; root's status failed and its
# attach died of SIGPIPE.)
#
#   [host] gatewayd, gw0 ── vmX (ip tuntap add; root attaches it)
#          control socket <- 20 connections of uid U (perl, renewed)
#                         <- root: status, attach; uid U2: status
# Any local user may connect (the socket is 0666); U and U2 are members of
# the readers group (readers_group = "nogroup", standing in for group
# gatewayd, which need not exist on the test machine): what counts is the
# uid and groups gatewayd reads with SO_PEERCRED and SO_PEERGROUPS.
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft perl setpriv

topo_init
write_conf
echo 'readers_group = "nogroup"' >>"$T/gw.conf"
gw_start
SOCK=$T/run/gatewayd.sock
CTL="$GATEWAYCTL -s $SOCK"
[ "$(stat -c %a "$SOCK")" = 666 ] || fail "control socket is $(stat -c %a "$SOCK"), want 666"
U='' U2=''
for u in $(seq 47200 47300); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null && continue
	if [ -z "$U" ]; then U=$u; else U2=$u; break; fi
done
[ -n "$U2" ] || skip "no two unused uids in 47200-47300"
as() { local u=$1; shift; in_host setpriv --reuid="$u" --regid=65534 --clear-groups "$@"; }

# hold N connections for at most 30 s (or until $T/stop), each renewed as
# soon as gatewayd closes it; prints how many it opened.
cat >"$T/hold.pl" <<'PL'
use strict; use IO::Socket::UNIX; use IO::Select; use Time::HiRes qw(sleep time);
my ($path, $n, $stop) = @ARGV;
my $end = time + 30; my $made = 0; my @s;
while (time < $end && ! -e $stop) {
	@s = grep { !IO::Select->new($_)->can_read(0) } @s; # closed by gatewayd: renew
	while (@s < $n) { my $c = IO::Socket::UNIX->new(Peer => $path) or last; push @s, $c; $made++; }
	sleep 0.05;
}
print "$made\n";
PL
chmod 0644 "$T/hold.pl"
as "$U" perl "$T/hold.pl" "$SOCK" 20 "$T/stop" >"$T/held" 2>&1 &
HOLD_PID=$!
held() { [ "$(in_host ss -xH state connected | grep -c "$SOCK")" -ge "$1" ]; }
wait_until 5 held 8 || fail "the holder did not connect"

in_host ip tuntap add dev vmX mode tap
# for 4 s: past the 3 s deadline at which the held connections are
# dropped and renewed
fails=0 n=0 refused_out='' end=$((SECONDS + 4))
while [ $SECONDS -lt $end ]; do
	n=$((n + 1))
	$CTL status >"$T/st" 2>&1 || { fails=$((fails + 1)); refused_out=$(cat "$T/st"); }
done
[ "$fails" = 0 ] || fail "root's status failed $fails of $n times with uid $U holding 20 connections: $refused_out"
out=$(in_host "$GATEWAYCTL" -s "$SOCK" attach vmX 2>&1); rc=$?
[ $rc = 0 ] || fail "root's attach exited $rc with uid $U holding 20 connections: $out"
in_host ip link show vmX | grep -q " master gw0 " || fail "vmX not on gw0 after attach"
ok "uid $U holding 20 connections, renewed: root's status answered $n of $n over 4 s, root's attach put vmX on gw0"

as "$U2" "$GATEWAYCTL" -s "$SOCK" status >"$T/u2" 2>&1 || fail "another member (uid $U2) refused: $(cat "$T/u2")"
ok "another member (uid $U2) is served"

# refused at accept: told why, whether gatewayctl's request went out
# before gatewayd hung up or not (then its send fails: no SIGPIPE)
codes=
for i in $(seq 1 20); do
	as "$U" "$GATEWAYCTL" -s "$SOCK" status >"$T/u" 2>&1; rc=$?
	codes="$codes $rc"
	[ $rc = 7 ] || fail "the holder's extra connection $i: exit $rc (want 7; 141 is SIGPIPE): $(cat "$T/u")"
	grep -q "too many control connections" "$T/u" || fail "the holder's extra connection was not told why: $(cat "$T/u")"
done
ok "the holder's own extra connections: 20 times exit 7, \"$(head -1 "$T/u")\""

touch "$T/stop"
wait "$HOLD_PID" || fail "the holder failed: $(cat "$T/held")"
grep -q "refused .* connection.*uid $U" "$T/gw.log" || fail "gatewayd did not say it refused uid $U"
[ "$(grep -c "control: too many" "$T/gw.log")" -le 2 ] || fail "refusals logged more than once a minute: $(grep -c "control: too many" "$T/gw.log")"
kill -0 "$GW_PID" || fail "gatewayd died"
ok "the holder opened $(cat "$T/held") connections in all; gatewayd said so once"
