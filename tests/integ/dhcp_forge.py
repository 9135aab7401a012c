#!/usr/bin/env python3
"""Send COUNT DHCPDISCOVERs as another MAC (a raw frame: Ethernet source
and chaddr both MAC, so the chaddr check passes), GAP seconds apart: a
guest that learned a newcomer's MAC (from its router solicitation or
duplicate address probe) registering it first (tests/integ/t_rt_preregister.sh).

usage: dhcp_forge.py IFACE MAC [COUNT] [GAP]
"""
import os
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


iface, mac = sys.argv[1:3]
count = int(sys.argv[3]) if len(sys.argv) > 3 else 1
gap = float(sys.argv[4]) if len(sys.argv) > 4 else 0.5
hw = bytes(int(x, 16) for x in mac.split(":"))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for i in range(count):
    xid = struct.unpack("!I", os.urandom(4))[0]
    bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, xid, 0, 0x8000,
                        bytes(4), bytes(4), bytes(4), bytes(4), hw + bytes(10),
                        bytes(64), bytes(128), 0x63825363)
    bootp += bytes([53, 1, 1, 255])  # DHCPDISCOVER
    udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                     bytes(4), b"\xff\xff\xff\xff")
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(b"\xff" * 6 + hw + b"\x08\x00" + ip + udp)
    if i + 1 < count:
        time.sleep(gap)
print("sent", count)
