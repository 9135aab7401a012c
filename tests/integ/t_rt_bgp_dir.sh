#!/bin/bash
# Red team of issue 16 item 11: the BIRD fragment's directory check looked
# at the file's own directory only (lstat, then every write by path). A
# user who owns a directory ABOVE it (Debian's /etc/bird is bird's, and
# admins keep fragments in /etc/bird/conf.d/) can swap a directory on the
# way for a symbolic link, and gatewayd, as root, then creates, renames
# over and unlinks files in a root-only directory the link points to.
#  1. config_file two levels below U's directory: U swaps the first level
#     for a link to a root-only tree; a reload must not replace the
#     root-only file there (it did: deterministic, no race needed).
#  2. config_file one level below U's directory (the conf.d case): U
#     swaps conf.d between its real directory and a link to a root-only
#     directory as fast as it can while gatewayd rewrites the fragment
#     (reloads): nothing in the root-only directory may change.
# Control: with nothing swapped, the fragment is written (root, group U,
# 0640) where the config says.
#
#   [host] gatewayd (bgp on, BIRD absent: the fragment is written anyway)
#          $T/bird/                U's (0750)
#          $T/bird/a/conf.d/gatewayd.conf     part 1 (a: U's, then a link)
#          $T/bird/conf.d/gatewayd.conf       part 2 (conf.d: swapped)
#          $T/victim/conf.d/gatewayd.conf     root:root 0600, must not change
#          $T/victim2/gatewayd.conf           root:root 0600, must not change
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft setpriv perl

topo_init
U=
for u in $(seq 47200 47300); do
	getent passwd "$u" >/dev/null || getent group "$u" >/dev/null || { U=$u; break; }
done
[ -n "$U" ] || skip "no unused uid/gid in 47200-47300"
mkdir -m 0750 "$T/bird" "$T/bird/a" "$T/bird/a/conf.d" "$T/bird/conf.d"
chown "$U:$U" "$T/bird" "$T/bird/a" "$T/bird/a/conf.d" "$T/bird/conf.d"
mkdir -m 0755 "$T/victim" "$T/victim/conf.d" "$T/victim2"
printf 'root only\n' >"$T/victim/conf.d/gatewayd.conf"
printf 'root only\n' >"$T/victim2/gatewayd.conf"
chmod 0600 "$T/victim/conf.d/gatewayd.conf" "$T/victim2/gatewayd.conf"
snap() { (cd "$1" && find . -printf '%p %u:%g %m %s %i\n' | sort && cat ./*/gatewayd.conf ./gatewayd.conf 2>/dev/null); }
v1=$(snap "$T/victim")
v2=$(snap "$T/victim2")

conf() { # FILE [second]
	{
		echo "uplink = \"up0\""
		echo "state_dir = \"$T/state\""
		echo "run_dir = \"$T/run\""
		echo "bgp {"
		echo "    local_as = 64512"
		echo "    bird_socket = \"$T/bird.ctl\""
		echo "    config_file = \"$1\""
		echo "    neighbor up4 { address = \"198.51.100.1\"  as = 64500 }"
		echo "}"
		echo 'network default { bridge = "gw0" mode = routed ipv4 = "10.64.0.1/24" dhcp { range = "10.64.0.100-10.64.0.200" } }'
		[ -z "${2:-}" ] || echo 'network other { bridge = "gw1" mode = routed ipv4 = "10.64.1.1/24" }'
	} >"$T/gw.conf"
}
ctl() { "$GATEWAYCTL" -s "$T/run/gatewayd.sock" "$@"; }

# --- control: nothing swapped, the fragment is written where it is meant
F1="$T/bird/a/conf.d/gatewayd.conf"
conf "$F1"
gw_start
wait_until 10 test -f "$F1" || fail "no fragment written at $F1: $(tail -3 "$T/gw.log")"
[ "$(stat -c '%u:%g:%a' "$F1")" = "0:$U:640" ] || fail "the fragment is $(stat -c '%u:%g:%a' "$F1"), not 0:$U:640"
ok "control: the fragment is written at $F1 (root, group $U, 0640)"

# --- 1. U swaps $T/bird/a (its own) for a link to the root-only tree
setpriv --reuid="$U" --regid="$U" --clear-groups sh -c "mv '$T/bird/a' '$T/bird/a.old' && ln -s '$T/victim' '$T/bird/a'" ||
	fail "U could not swap its own directory"
conf "$F1" second
ctl reload >"$T/out" 2>&1
[ "$(snap "$T/victim")" = "$v1" ] ||
	fail "a reload with $T/bird/a swapped for a link changed the root-only tree: $(snap "$T/victim")"
grep -q "a symbolic link \"a\" in a directory uid $U may change" "$T/gw.log" ||
	fail "gatewayd did not say why it refused the fragment's directory"
ok "U's link above the fragment's directory: the root-only $T/victim/conf.d untouched, refused and said"

# --- 2. conf.d swapped back and forth while gatewayd rewrites the fragment
F2="$T/bird/conf.d/gatewayd.conf"
conf "$F2"
ctl reload >"$T/out" 2>&1 || fail "reload to $F2: $(cat "$T/out")"
wait_until 10 test -f "$F2" || fail "no fragment written at $F2: $(tail -3 "$T/gw.log")"
cat >"$T/swap.pl" <<'PL'
my ($d, $target, $stop) = @ARGV;
my ($end, $n) = (time + 90, 0);
while (time < $end && ! -e $stop) {
	for (1 .. 100) {
		rename("$d/conf.d", "$d/conf.real") or die "rename: $!\n";
		symlink($target, "$d/conf.d") or die "symlink: $!\n";
		unlink("$d/conf.d") or die "unlink: $!\n";
		rename("$d/conf.real", "$d/conf.d") or die "rename back: $!\n";
		$n++;
	}
}
print "$n\n";
PL
setpriv --reuid="$U" --regid="$U" --clear-groups perl "$T/swap.pl" "$T/bird" "$T/victim2" "$T/stop" >"$T/swaps" 2>&1 &
SWAP_PID=$!
N=300
for i in $(seq 1 $N); do
	if [ $((i % 2)) = 1 ]; then conf "$F2" second; else conf "$F2"; fi
	ctl reload >"$T/out" 2>&1
	[ "$(snap "$T/victim2")" = "$v2" ] && continue
	touch "$T/stop"
	wait "$SWAP_PID"
	fail "after $i reloads (conf.d swapped $(cat "$T/swaps") times) the root-only directory changed: $(snap "$T/victim2")"
done
touch "$T/stop"
wait "$SWAP_PID" || fail "the swapper failed: $(cat "$T/swaps")"
[ "$(snap "$T/victim2")" = "$v2" ] || fail "the root-only directory changed: $(snap "$T/victim2")"
ok "$N reloads while U swapped conf.d for a link $(cat "$T/swaps") times: $T/victim2 untouched"
gw_stop || fail "gatewayd exited non-zero"
