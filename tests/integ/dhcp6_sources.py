#!/usr/bin/python3
"""Red-team helper (t_rt_quota_dhcp.sh): send N DHCPv6 SOLICITs out of
IFACE, each from a link-local address of its own (fe80::N, as a guest may:
guest binding holds only the addresses someone claimed), from port 546
to ff02::1:2 port 547, with the interface's own MAC.

dhcp6_sources.py IFACE N"""
import socket
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def main():
    iface, n = sys.argv[1], int(sys.argv[2])
    with open("/sys/class/net/%s/address" % iface) as f:
        mac = bytes.fromhex(f.read().strip().replace(":", ""))
    dst = socket.inet_pton(socket.AF_INET6, "ff02::1:2")
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    # SOLICIT, a transaction id, an elapsed time option
    body = bytes([1, 0x12, 0x34, 0x56]) + struct.pack("!HHH", 8, 2, 0)
    for i in range(n):
        src = socket.inet_pton(socket.AF_INET6, "fe80::7:%x:%x" % (i >> 16, i & 0xFFFF))
        udp = struct.pack("!HHHH", 546, 547, 8 + len(body), 0) + body
        ck = csum(src + dst + struct.pack("!IxxxB", len(udp), 17) + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", ck) + udp[8:]
        ip6 = struct.pack("!IHBB", 6 << 28, len(udp), 17, 1) + src + dst
        s.send(b"\x33\x33\x00\x01\x00\x02" + mac + b"\x86\xdd" + ip6 + udp)


main()
