#!/bin/bash
# bgp config_file in a directory another user owns (Debian makes /etc/bird
# bird's): that owner swaps gatewayd's fragment for a symbolic link to a
# root-only file, over and over, while gatewayd rewrites the fragment
# (reloads adding and removing a network). gatewayd must never change the
# link's target: not its owner, group, mode or bytes. (It used to chown()
# the path after the rename, following the link: the root-only file
# changed group.) Control: the fragment gatewayd wrote is root's, of the
# directory's group, mode 0640 -- ownership is still given, on the file.
#
#   [host] gatewayd (bgp on, BIRD absent: the fragment is written anyway)
#          $T/bird/          owned by an unused uid U (0750)
#          $T/bird/gatewayd.conf   <- swapped by U for a link to $T/secret
#          $T/secret         root:root 0600, the file that must not change
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv perl

topo_init
U=
for u in $(seq 47000 47100); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { U=$u; break; }
done
[ -n "$U" ] || skip "no unused uid/gid in 47000-47100"
mkdir -m 0750 "$T/bird"
chown "$U:$U" "$T/bird"
printf 'root only\n' >"$T/secret"
chmod 0600 "$T/secret"
secret_was=$(stat -c '%u:%g:%a:%s' "$T/secret")

conf() { # [second]
	{
		echo "uplink = \"up0\""
		echo "state_dir = \"$T/state\""
		echo "run_dir = \"$T/run\""
		echo "bgp {"
		echo "    local_as = 64512"
		echo "    bird_socket = \"$T/bird.ctl\""
		echo "    config_file = \"$T/bird/gatewayd.conf\""
		echo "    neighbor up4 { address = \"198.51.100.1\"  as = 64500 }"
		echo "}"
		echo 'network default { bridge = "gw0" mode = routed ipv4 = "10.64.0.1/24" dhcp { range = "10.64.0.100-10.64.0.200" } }'
		[ -z "${1:-}" ] || echo 'network other { bridge = "gw1" mode = routed ipv4 = "10.64.1.1/24" }'
	} >"$T/gw.conf"
}
ctl() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" "$@"; }

conf
gw_start
wait_until 10 test -f "$T/bird/gatewayd.conf" || fail "no fragment written"
[ "$(stat -c '%u:%g:%a' "$T/bird/gatewayd.conf")" = "0:$U:640" ] ||
	fail "the fragment is $(stat -c '%u:%g:%a' "$T/bird/gatewayd.conf"), not 0:$U:640"
ok "control: the fragment is root's, group $U (the directory's), mode 0640"

# The directory's owner swaps the fragment for a link, as fast as it can,
# for at most 60 s (or until told to stop).
cat >"$T/swap.pl" <<'PL'
my ($d, $target, $stop) = @ARGV;
my ($end, $n) = (time + 60, 0);
while (time < $end && ! -e $stop) {
	for (1 .. 200) {
		symlink($target, "$d/l");
		rename("$d/l", "$d/gatewayd.conf") or die "rename: $!\n";
		$n++;
	}
}
print "$n\n";
PL
setpriv --reuid="$U" --regid="$U" --clear-groups perl "$T/swap.pl" "$T/bird" "$T/secret" "$T/stop" >"$T/swaps" 2>&1 &
SWAP_PID=$!
wait_until 10 test -L "$T/bird/gatewayd.conf" || fail "the swapper did not start: $(cat "$T/swaps")"
N=250
for i in $(seq 1 $N); do
	if [ $((i % 2)) = 1 ]; then conf second; else conf; fi
	ctl reload >"$T/out" 2>&1 || fail "reload $i: $(cat "$T/out")"
	[ "$(stat -c '%u:%g:%a:%s' "$T/secret")" = "$secret_was" ] && continue
	touch "$T/stop"
	wait "$SWAP_PID"
	fail "after $i reloads the root-only file behind the link is $(stat -c '%u:%g:%a' "$T/secret") (was ${secret_was%:*})"
done
touch "$T/stop"
wait "$SWAP_PID" || fail "the swapper failed: $(cat "$T/swaps")"
[ "$(stat -c '%u:%g:%a:%s' "$T/secret")" = "$secret_was" ] || fail "the root-only file changed: $(stat -c '%u:%g:%a' "$T/secret")"
[ "$(cat "$T/secret")" = "root only" ] || fail "the root-only file was written"
ok "$N reloads rewriting the fragment while its directory's owner swapped it for a link $(cat "$T/swaps") times: the link's target unchanged (${secret_was%:*})"
gw_stop || fail "gatewayd exited non-zero"
