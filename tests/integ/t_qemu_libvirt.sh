#!/bin/bash
# A real guest started by libvirt's QEMU driver from a domain whose
# interface is the README's libvirt snippet, <interface type='bridge'>
# <source bridge='gw0'/>: libvirt makes the tap (vnetN) and plugs it into
# gw0 itself. The driver runs embedded (virt-qemu-run, Debian's
# libvirt-daemon-driver-qemu: the same driver libvirtd loads, its state
# in $T/libvirt), not through libvirtd.
#
#   [inet] eth0 198.51.100.1  httpd: /cgi-bin/ip answers the client's address
#     |  veth
#   [host] up0 198.51.100.2   gw0 10.213.0.1/24, fd42:213::1/64
#                              └─ vnet0 (libvirt's) ── QEMU ── guest
#
# As root the driver wants its QEMU user (libvirt-qemu, made by
# libvirt-daemon-system) to exist even when qemu.conf says root: it runs
# in a private mount namespace whose /etc is a copy that has the user.
# The real /etc is never written.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/qemu/lib.sh"
require busybox dnsmasq nft unshare virt-qemu-run
qemu_require
CTL="$GATEWAYCTL -s $T/run/gatewayd.sock"

MAC=52:54:00:71:00:05
topo_init
write_conf
internet_httpd
gw_start

cp -a /etc "$T/etc"
getent passwd libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:64055:libvirt QEMU (test):/nonexistent:/usr/sbin/nologin' >>"$T/etc/passwd"
getent group libvirt-qemu >/dev/null || echo 'libvirt-qemu:x:64055:' >>"$T/etc/group"
mkdir -p "$T/libvirt/etc"
cat >"$T/libvirt/etc/qemu.conf" <<'CONF'
user = "root"
group = "root"
dynamic_ownership = 0
remember_owner = 0
security_driver = "none"
cgroup_controllers = [ ]
namespaces = [ ]
stdio_handler = "file"
CONF
: >"$T/lv1.serial"
cat >"$T/lv1.xml" <<XML
<domain type='qemu'>
  <name>lv1</name>
  <memory unit='MiB'>256</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>$QG_KERNEL</kernel>
    <initrd>$QG_INITRD</initrd>
    <cmdline>$(qemu_cmdline lv1)</cmdline>
  </os>
  <features><acpi/></features>
  <on_reboot>destroy</on_reboot>
  <devices>
    <emulator>$(command -v "$QEMU")</emulator>
    <interface type='bridge'>
      <source bridge='gw0'/>
      <mac address='$MAC'/>
      <model type='virtio'/>
    </interface>
    <serial type='file'><source path='$T/lv1.serial'/></serial>
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML

QG_START_MS[lv1]=$(qg_ms)
# shellcheck disable=SC2016
ip netns exec "$NS_HOST" unshare -m sh -c 'mount --bind "$0" /etc && exec "$@"' "$T/etc" \
	virt-qemu-run -r "$T/libvirt" "$T/lv1.xml" >"$T/lv1.qemu.log" 2>&1 &
QG_PID[lv1]=$!
qemu_check_guest lv1

st=$(in_host $CTL status default) || fail "gatewayctl status failed: $st"
lease=$(qemu_get lv1 lease)
echo "$st" | grep -Eq "vnet[0-9]+ origin=helper mac=$MAC ipv4=${lease%%/*}\$" ||
	fail "gatewayctl status does not show libvirt's vnet port with the guest's MAC and lease: $(echo "$st" | grep -i port)"
ok "gatewayctl status: $(echo "$st" | grep -Eo 'vnet[0-9]+ origin=.*')"

# virt-qemu-run stops the guest on SIGINT (its Ctrl-C)
kill -INT "${QG_PID[lv1]}"
wait_until 20 sh -c "! kill -0 ${QG_PID[lv1]} 2>/dev/null" || fail "virt-qemu-run did not stop on SIGINT"
wait "${QG_PID[lv1]}" 2>/dev/null
QG_PID[lv1]=
wait_until 10 sh -c "! ip netns exec $NS_HOST ip -o link show master gw0 | grep -q vnet" || fail "libvirt's tap is still on gw0"
ok "virt-qemu-run stopped: the guest and its tap are gone"
