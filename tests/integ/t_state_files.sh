#!/bin/bash
# Directories and files gatewayd writes as root:
#  - a run_dir or state_dir that another user owns, or that its group or
#    everyone may write to, is refused (named), and nothing is applied;
#  - missing ones are created: state_dir 0700, run_dir 0755;
#  - files are never written through a symlink planted in their place
#    (NAME.tmp or NAME itself); a planted lease-file link is refused;
#  - the lease file is not world-readable;
#  - every descriptor gatewayd holds is close-on-exec, and dnsmasq starts
#    with stdin/stdout/stderr only, even when gatewayd inherited more.
#
#   [inet] ── up0 [host: gatewayd, gw0] ── vg1 ── [g1]
. "$(dirname "$0")/lib.sh"
require busybox dnsmasq nft

topo_init
write_conf

# refused WHAT MESSAGE: gatewayd must exit non-zero naming the directory,
# with no bridge made.
refused() {
	in_host timeout 10 "$GATEWAYD" -f -c "$T/gw.conf" >"$T/out" 2>&1 && fail "$1: gatewayd started"
	grep -qF "$2" "$T/out" || fail "$1: expected '$2', got: $(cat "$T/out")"
	in_host ip link show gw0 >/dev/null 2>&1 && fail "$1: a bridge was made"
	nft_host_has_table && fail "$1: a table was made"
	ok "refused ($1): $(grep -oF "$2" "$T/out")"
}

rm -rf "$T/state" "$T/run"
mkdir -m 0755 "$T/state" "$T/run"
chown nobody "$T/state"
refused "state_dir owned by nobody" "state_dir \"$T/state\" is owned by uid $(id -u nobody), not root"
chown root "$T/state"
chmod 0777 "$T/run"
refused "world-writable run_dir" "run_dir \"$T/run\" is writable by everyone (mode 0777)"
chmod 0775 "$T/run"
refused "group-writable run_dir" "run_dir \"$T/run\" is writable by its group (mode 0775)"
# An ancestor another user owns: they could rename the run_dir aside and
# put their own in its place (with a dnsmasq config of their choosing).
rm -rf "$T/run"
mkdir -m 0755 "$T/userdir"
chown nobody "$T/userdir"
sed -i "s|^run_dir .*|run_dir   = \"$T/userdir/run\"|" "$T/gw.conf"
refused "ancestor owned by nobody" "run_dir \"$T/userdir/run\": the directory $T/userdir above it is not root's"
[ -e "$T/userdir/run" ] && fail "run_dir was created below a directory nobody owns"
sed -i "s|^run_dir .*|run_dir   = \"$T/run\"|" "$T/gw.conf"
ln -s "$T/state" "$T/run"
refused "run_dir a symlink" "run_dir \"$T/run\" is a symbolic link, not a directory"
rm -f "$T/run"

# --- created when missing, with the right modes
rm -rf "$T/state" "$T/run"
mkdir -m 0755 "$T/run"
# Links planted where gatewayd writes: NAME.tmp and NAME itself.
echo victim >"$T/victim"
ln -s "$T/victim" "$T/run/default.dnsmasq.conf.tmp"
ln -s "$T/victim" "$T/run/default.dnsmasq.pid"
# An inherited descriptor without close-on-exec, and a dnsmasq wrapper
# that records what descriptors it was started with.
# (Its listing goes to stdout, which gatewayd logs: a redirection in the
# shell would add the shell's own saved descriptors.)
cat >"$T/dnsmasq-wrap" <<EOF
#!/bin/sh
ls -l /proc/\$\$/fd
exec /usr/sbin/dnsmasq "\$@"
EOF
chmod 755 "$T/dnsmasq-wrap"
sed -i "1i dnsmasq = \"$T/dnsmasq-wrap\"" "$T/gw.conf"
exec 7>"$T/inherited"
gw_start
exec 7>&-
[ "$(stat -c %a "$T/state")" = 700 ] || fail "state_dir mode $(stat -c %a "$T/state"), expected 700"
[ "$(stat -c %a "$T/run")" = 755 ] || fail "run_dir mode $(stat -c %a "$T/run")"
ok "state_dir created 0700, run_dir 0755"

[ "$(cat "$T/victim")" = victim ] || fail "a planted symlink was written through: $(cat "$T/victim")"
[ -L "$T/run/default.dnsmasq.pid" ] && fail "pid file is still the planted link"
grep -q "^$(dnsmasq_pid)$" "$T/run/default.dnsmasq.pid" 2>/dev/null || [ -n "$(dnsmasq_pid)" ] || fail "no pid file"
grep -q '^interface=gw0$' "$T/run/default.dnsmasq.conf" || fail "dnsmasq config not written"
ok "planted links (NAME.tmp, NAME) replaced, never written through"

# --- descriptors
for f in /proc/"$GW_PID"/fdinfo/*; do
	fd=${f##*/}
	[ "$fd" -le 2 ] && continue
	flags=$(awk '/^flags:/ {print $2}' "$f" 2>/dev/null) || continue
	[ -n "$flags" ] || continue
	(( 8#$flags & 8#2000000 )) || fail "gatewayd fd $fd ($(readlink /proc/"$GW_PID"/fd/"$fd")) is not close-on-exec"
done
wait_until 5 grep -q "dnsmasq\[default\]: .* 0 -> /dev/null" "$T/gw.log" || fail "the dnsmasq wrapper did not run"
extra=$(sed -n 's/^gatewayd: dnsmasq\[default\]: \(l.* -> .*\)/\1/p' "$T/gw.log" | awk '$9 ~ /^[0-9]+$/ && $9 !~ /^[012]$/ && $11 != "'"$T/dnsmasq-wrap"'" {print $9 " -> " $11}')
[ -z "$extra" ] || fail "dnsmasq inherited more than stdin/stdout/stderr: $extra"
ok "gatewayd's descriptors are close-on-exec; dnsmasq got fds 0-2 only (not the inherited fd 7)"

# --- the lease file
guest_add 1
udhcpc_lease 1 || fail "no lease"
lf="$T/state/default.leases"
grep -q "$(lease_var 1 ip)" "$lf" || fail "lease not in $lf"
[ "$(stat -c %a "$lf")" = 600 ] || fail "lease file mode $(stat -c %a "$lf"), expected 600"
ok "lease file $(stat -c '%a %U' "$lf")"
gw_stop

# --- a lease file that is a planted link: refused, not followed
rm -f "$lf"
ln -s "$T/victim" "$lf"
in_host "$GATEWAYD" -f -c "$T/gw.conf" >"$T/out" 2>&1 &
pid=$!
wait_until 10 grep -q "lease file $lf" "$T/out" || { kill "$pid"; fail "planted lease link not refused: $(cat "$T/out")"; }
wait "$pid"
[ "$(cat "$T/victim")" = victim ] || fail "lease link was followed"
ok "planted lease-file link refused: $(grep -o "lease file .*" "$T/out" | head -1)"
