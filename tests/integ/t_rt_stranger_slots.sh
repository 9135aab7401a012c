#!/bin/bash
# Red team, DoS of the control socket by users who own nothing. Any local
# user may connect (0666), and users other than root share 12 slots, 8
# each at most: two users who own no network (a web server's, nobody's),
# each holding 20 idle connections and renewing them as gatewayd drops
# them (3 s deadline), took all 12, and the owner alice was told "too many
# control connections" (exit 7) for as long as they liked. Users who own
# and read nothing get "permission denied" or help and nothing else: they
# now hold 2 slots together; alice's status is answered throughout, and
# a third stranger is refused with a message, exit 7.
#
#   [host] gatewayd, gw0 (default, owner alice)
#          control socket <- 20 connections each of uids S1, S2 (perl, renewed)
#                         <- alice: status, 4 s of it; uid S3: status
# alice is made here (useradd -M) and removed on exit; S1-S3 are unused
# uids (setpriv needs no account).
. "$(dirname "$0")/lib.sh"
require dnsmasq nft perl setpriv useradd userdel

ALICE=gws${ID}a
MADE_USERS=()
trap 'rc=$?; touch "$T/stop"; for u in "${MADE_USERS[@]}"; do userdel "$u" 2>/dev/null; done; (exit $rc); cleanup' EXIT
useradd -M -N -s /usr/sbin/nologin "$ALICE" || fail "useradd $ALICE"
MADE_USERS+=("$ALICE")
S=()
for u in $(seq 47400 47500); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null && continue
	S+=("$u")
	[ ${#S[@]} = 3 ] && break
done
[ ${#S[@]} = 3 ] || skip "no three unused uids in 47400-47500"

topo_init
cat >"$T/gw.conf" <<EOC
uplink    = auto
state_dir = "$T/state"
run_dir   = "$T/run"
network default {
    bridge = "gw0"
    ipv4   = "10.213.0.1/24"
    owner  = "$ALICE"
    dhcp { range = "10.213.0.100-10.213.0.200" }
}
EOC
gw_spawn
SOCK=$T/run/gatewayd.sock
CTL="$GATEWAYCTL -s $SOCK"
wait_until 10 test -S "$SOCK" || fail "no control socket"
as_uid() { local u=$1; shift; in_host setpriv --reuid="$u" --regid=65534 --clear-groups "$@"; }
as_alice() { in_host setpriv --reuid="$ALICE" --regid="$(id -g "$ALICE")" --init-groups "$@"; }

# hold N connections for at most 30 s (or until $T/stop), each renewed as
# soon as gatewayd closes it
cat >"$T/hold.pl" <<'PL'
use strict; use IO::Socket::UNIX; use IO::Select; use Time::HiRes qw(sleep time);
my ($path, $n, $stop) = @ARGV;
my $end = time + 30; my @s;
while (time < $end && ! -e $stop) {
	@s = grep { !IO::Select->new($_)->can_read(0) } @s; # closed by gatewayd: renew
	while (@s < $n) { my $c = IO::Socket::UNIX->new(Peer => $path) or last; push @s, $c; }
	sleep 0.05;
}
PL
chmod 0644 "$T/hold.pl"
as_uid "${S[0]}" perl "$T/hold.pl" "$SOCK" 20 "$T/stop" >/dev/null 2>&1 &
as_uid "${S[1]}" perl "$T/hold.pl" "$SOCK" 20 "$T/stop" >/dev/null 2>&1 &
held() { [ "$(in_host ss -xH state connected | grep -c "$SOCK")" -ge "$1" ]; }
wait_until 5 held 2 || fail "the holders did not connect"

# alice, for 4 s: past the deadline at which the held ones are renewed;
# slowed by the per-user rate (10/s), she asks every 0.25 s
fails=0 n=0 last='' end=$((SECONDS + 4))
while [ $SECONDS -lt $end ]; do
	n=$((n + 1))
	out=$(as_alice $CTL status 2>&1) || { fails=$((fails + 1)); last=$out; }
	sleep 0.25
done
[ $fails = 0 ] || fail "alice's status failed $fails of $n times while two strangers held connections: $last"
ok "two users who own nothing, 20 connections each: alice's status answered $n of $n over 4 s"

code=0
out=$(as_uid "${S[2]}" $CTL status 2>&1) || code=$?
[ $code = 7 ] && echo "$out" | grep -q "users who own no network" || fail "a third stranger: exit $code: $out"
ok "a third stranger is refused: exit 7, \"$out\""
touch "$T/stop"
