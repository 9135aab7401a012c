#!/bin/bash
# build-guest.sh OUTDIR: the small Linux guest the QEMU tests boot.
#
#   OUTDIR/vmlinuz     the kernel of Debian's linux-image package for this
#                      release (linux-image-ARCH's dependency), unpacked
#                      with dpkg-deb from `apt-get download` -- never
#                      installed on the host
#   OUTDIR/vmlinux     the same, decompressed (booted through PVH: 6 s
#                      sooner under emulation); absent if it cannot be
#   OUTDIR/initrd.gz   cpio (newc) + gzip: busybox-static, the NIC's
#                      modules (those the kernel has as modules, in load
#                      order), tests/qemu/init and udhcpc.script
#
# Cached: the kernel and its modules are fetched once (rm -rf OUTDIR or
# `make clean` to refetch); the initramfs is rebuilt when init, the udhcpc
# script, this file or busybox change. Nothing comes from anywhere but
# Debian's archive through apt. Needs root for apt-get (lists) only when
# the kernel is not cached yet. Prints nothing when the cache is good.
set -euo pipefail
OUT=${1:?usage: build-guest.sh OUTDIR}
HERE=$(cd "$(dirname "$0")" && pwd)
# The NIC the tests give the guest (virtio-net-pci, what gatewayctl
# qemu-args prints): its driver and the PCI transport under it.
WANT="virtio_net virtio_pci"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
exec 9>"$OUT/.lock"
flock 9 # one builder at a time (a test and make bench may race)

BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] && file_static=$(LC_ALL=C od -An -c -N4 "$BUSYBOX" | tr -d ' ') || file_static=
[ "$file_static" = '177ELF' ] || { echo "build-guest: no $BUSYBOX (Debian package busybox-static)" >&2; exit 1; }

fetch_kernel() {
	local tmp arch meta pkg deb rel cand try
	arch=$(dpkg --print-architecture)
	meta=linux-image-$arch
	# No lists yet (a fresh machine): apt knows no candidate.
	cand=$(apt-cache policy "$meta" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	case $cand in '' | '(none)') apt-get update -q >&2 ;; esac
	tmp=$(mktemp -d /tmp/gw-guest-kernel.XXXXXX)
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" RETURN
	# Old lists may name a kernel the archive no longer has: update, try again.
	for try in 1 2; do
		pkg=$(apt-cache depends "$meta" 2>/dev/null | awk '/Depends: linux-image-/ { print $2; exit }')
		[ -n "$pkg" ] && (cd "$tmp" && apt-get -q -o APT::Sandbox::User=root download "$pkg" >&2) && break
		[ $try = 1 ] || { echo "build-guest: could not download ${pkg:-the kernel package behind $meta}" >&2; return 1; }
		apt-get update -q >&2
	done
	deb=$(ls "$tmp"/*.deb)
	mkdir "$tmp/x" "$tmp/m"
	# The package has no modules.dep (depmod makes it on install): the
	# kernel and modules.order first, then the modules the NIC needs, a
	# pass over the package per level of dependencies (each module's
	# .modinfo names its own), never the whole ~400 MB tree.
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards \
		'./boot/vmlinuz-*' './boot/config-*' './lib/modules/*/modules.order' './lib/modules/*/modules.builtin'
	rel=$(ls "$tmp/x/lib/modules")
	local mods=$tmp/x/lib/modules/$rel todo=$WANT next m p f paths n
	declare -A deps=() # module name (with _) -> its dependencies; "" for built-in
	while [ -n "$todo" ]; do
		paths=() next=
		for m in $todo; do
			[ -n "${deps[$m]+x}" ] && continue
			# file names may spell _ as -
			p=$(awk -v m="$m" '{ n = $0; sub(/.*\//, "", n); sub(/\.ko.*/, "", n); gsub(/-/, "_", n) } n == m { print; exit }' "$mods/modules.order")
			if [ -z "$p" ]; then
				tr - _ <"$mods/modules.builtin" | grep -q "/$m\.ko\$" || { echo "build-guest: $m is neither a module nor built into $rel" >&2; return 1; }
				deps[$m]=
				continue
			fi
			paths+=("./lib/modules/$rel/${p%%.ko*}.ko*")
			deps[$m]=pending
		done
		[ ${#paths[@]} -gt 0 ] || break
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards "${paths[@]}"
		for p in "${paths[@]}"; do
			f=$(cd "$tmp/x" && ls ${p#./} | head -1)
			n=${f##*/}
			n=${n%%.ko*}
			n=${n//-/_}
			# Compressed modules (Debian 13 uses .xz) are unpacked here,
			# so the guest's insmod needs no decompressor.
			case $f in
			*.ko) cp "$tmp/x/$f" "$tmp/m/$n.ko" ;;
			*.ko.xz) xz -dc "$tmp/x/$f" >"$tmp/m/$n.ko" ;;
			*.ko.gz) gzip -dc "$tmp/x/$f" >"$tmp/m/$n.ko" ;;
			*.ko.zst) zstd -qdc "$tmp/x/$f" >"$tmp/m/$n.ko" ;;
			*) echo "build-guest: cannot unpack $f" >&2; return 1 ;;
			esac
			deps[$n]=$(tr '\0' '\n' <"$tmp/m/$n.ko" | sed -n 's/^depends=//p' | head -1 | tr , ' ' | tr - _)
			next="$next ${deps[$n]}"
		done
		todo=$next
	done
	# load order: each module after its dependencies
	local order=() seen=" "
	visit() {
		local d
		case $seen in *" $1 "*) return 0 ;; esac
		seen="$seen$1 "
		for d in ${deps[$1]}; do visit "$d"; done
		[ -f "$tmp/m/$1.ko" ] && order+=("$1.ko")
		return 0
	}
	for m in $WANT; do visit "$m"; done
	printf '%s\n' "${order[@]}" >"$tmp/m/order"
	rm -rf "$OUT/modules"
	mv "$tmp/m" "$OUT/modules"
	cp "$tmp/x/boot/config-$rel" "$OUT/config"
	cp "$tmp/x/boot/vmlinuz-$rel" "$OUT/vmlinuz.new"
	echo "$pkg $(dpkg-deb -f "$deb" Version)" >"$OUT/kernel-package"
	# Software emulation takes ~7 s to decompress the kernel (XZ in
	# Debian 12): unpack it here once and boot the ELF through its PVH
	# entry (CONFIG_PVH), which QEMU's -kernel takes as it is.
	rm -f "$OUT/vmlinux"
	grep -q '^CONFIG_PVH=y' "$OUT/config" && unpack_vmlinux "$OUT/vmlinuz.new" "$OUT/vmlinux"
	mv "$OUT/vmlinuz.new" "$OUT/vmlinuz"
	rm -f "$OUT/initrd.stamp"
}

# unpack_vmlinux BZIMAGE OUT: the ELF inside a bzImage (the payload is
# the first compressed stream whose output is an ELF), or nothing.
unpack_vmlinux() {
	local magic off unz
	for magic in $'\xfd7zXZ\x00' $'\x28\xb5\x2f\xfd' $'\x1f\x8b\x08'; do
		case $magic in
		$'\xfd7zXZ\x00') unz="xz -dc --single-stream" ;;
		$'\x28\xb5\x2f\xfd') unz="zstd -qdc" ;;
		*) unz="gzip -dc" ;;
		esac
		command -v "${unz%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -abo "$magic" "$1" 2>/dev/null | head -3 | cut -d: -f1); do
			tail -c +$((off + 1)) "$1" 2>/dev/null | $unz >"$2.new" 2>/dev/null || true # it stops early: SIGPIPE
			if [ "$(head -c 4 "$2.new" | od -An -c | tr -d ' ')" = '177ELF' ]; then
				mv "$2.new" "$2"
				return 0
			fi
		done
	done
	rm -f "$2.new"
	return 0
}

[ -s "$OUT/vmlinuz" ] && [ -s "$OUT/modules/order" ] || fetch_kernel

stamp=$(cat "$HERE/init" "$HERE/udhcpc.script" "$0" "$OUT/kernel-package" "$BUSYBOX" | md5sum)
[ -s "$OUT/initrd.gz" ] && [ "$(cat "$OUT/initrd.stamp" 2>/dev/null)" = "$stamp" ] && exit 0

root=$(mktemp -d /tmp/gw-guest-root.XXXXXX)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,www,lib/modules,etc}
cp "$BUSYBOX" "$root/bin/busybox"
cp "$OUT"/modules/* "$root/lib/modules/"
install -m 0755 "$HERE/init" "$root/init"
install -m 0755 "$HERE/udhcpc.script" "$root/bin/udhcpc.script"
echo 'root:x:0:0:root:/:/bin/sh' >"$root/etc/passwd"
echo 'root:x:0:' >"$root/etc/group"
(cd "$root" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet -R 0:0) | gzip -1 >"$OUT/initrd.gz.new"
mv "$OUT/initrd.gz.new" "$OUT/initrd.gz"
echo "$stamp" >"$OUT/initrd.stamp"
