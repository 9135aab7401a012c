#!/bin/bash
# make install DESTDIR= PREFIX= puts every file where it belongs, and the
# unit file points at the installed binaries. Touches only a temp dir.
. "$(dirname "$0")/lib.sh"
command -v make >/dev/null || skip "needs make"

make -s -C "$TOP" install DESTDIR="$T/root" PREFIX=/usr >"$T/make.log" 2>&1 || fail "make install: $(cat "$T/make.log")"
(cd "$T/root" && find . -type f | sort) >"$T/files"
cat >"$T/want" <<'LIST'
./etc/gatewayd/gatewayd.conf.example
./usr/lib/systemd/system/gatewayd.service
./usr/libexec/gatewayd/qemu-ifdown
./usr/libexec/gatewayd/qemu-ifup
./usr/sbin/gatewayctl
./usr/sbin/gatewayd
./usr/share/man/man5/gatewayd.conf.5
./usr/share/man/man8/gatewayctl.8
./usr/share/man/man8/gatewayd.8
LIST
diff -u "$T/want" "$T/files" || fail "installed file list differs"
grep -q '^ExecStart=/usr/sbin/gatewayd -f$' "$T/root/usr/lib/systemd/system/gatewayd.service" || fail "unit ExecStart"
grep -q '^Type=notify$' "$T/root/usr/lib/systemd/system/gatewayd.service" || fail "unit type"
grep -q '@' "$T/root/usr/lib/systemd/system/gatewayd.service" && fail "unsubstituted @...@ in the unit"
"$T/root/usr/sbin/gatewayd" -n -c "$T/root/etc/gatewayd/gatewayd.conf.example" || fail "installed example config does not check"
[ -x "$T/root/usr/sbin/gatewayctl" ] || fail "gatewayctl not executable"
[ -x "$T/root/usr/libexec/gatewayd/qemu-ifup" ] && [ -x "$T/root/usr/libexec/gatewayd/qemu-ifdown" ] || fail "QEMU's scripts not executable"
ok "make install DESTDIR PREFIX=/usr: $(wc -l <"$T/files") files, unit points at /usr/sbin, example config checks"
