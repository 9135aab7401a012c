#!/usr/bin/python3
"""Red-team helper (t_rt_quota_*.sh): send N TCP SYNs out of IFACE, each
from a MAC of its own (02:..., as a guest with guest_binding = false may),
to the router's MAC DST, from SRC (an IPv4 address) and source port
1024 + i % 60000, to DADDR:DPORT (DADDR + 1 after 60000 SYNs, and so on:
each connection's tuple its own, after masquerading too). One SYN each; nothing waits for an answer.

syn_macs.py IFACE DST SRC DADDR DPORT N"""
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
    iface, dst, src, daddr, dport, n = sys.argv[1:7]
    dst = bytes.fromhex(dst.replace(":", ""))
    sa, base = socket.inet_aton(src), struct.unpack("!I", socket.inet_aton(daddr))[0]
    dport, n = int(dport), int(n)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for i in range(n):
        if i % 60000 == 0:
            da = struct.pack("!I", base + i // 60000)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0x4000, 64, 6, 0, sa, da)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        sport = 1024 + (i % 60000)
        tcp = struct.pack("!HHIIBBHHH", sport, dport, i, 0, 0x50, 0x02, 64240, 0, 0)
        ck = csum(sa + da + struct.pack("!BBH", 0, 6, 20) + tcp)
        tcp = tcp[:16] + struct.pack("!H", ck) + tcp[18:]
        mac = b"\x02" + struct.pack("!I", i) + b"\x01"
        s.send(dst + mac + b"\x08\x00" + ip + tcp)


main()
