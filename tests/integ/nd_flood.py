#!/usr/bin/env python3
"""Neighbour solicitations from made-up MACs, each with a source link-layer
option equal to its frame's source (so the claim check passes): COUNT of
them, as fast as they go, but for at most SECONDS (tests/integ/t_rt_mac_self.sh).
Sent to the all-nodes multicast address of the sender's own link.

usage: nd_flood.py IFACE COUNT SECONDS
"""
import os
import socket
import struct
import sys
import time

iface, count, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
dst = bytes.fromhex("333300000001")
daddr = bytes.fromhex("ff020000000000000000000000000001")
target = bytes.fromhex("fe800000000000000000000000000001")
end = time.monotonic() + seconds
sent = 0
base = os.urandom(2)
while sent < count and (sent & 1023 or time.monotonic() < end):
    mac = b"\x02" + base + struct.pack("!I", sent)[1:]
    saddr = b"\xfe\x80" + bytes(6) + mac[:3] + b"\xff\xfe" + mac[3:]
    icmp = struct.pack("!BBHI", 135, 0, 0, 0) + target + bytes([1, 1]) + mac
    ip6 = struct.pack("!IHBB", 0x60000000, len(icmp), 58, 255) + saddr + daddr
    s.send(dst + mac + b"\x86\xdd" + ip6 + icmp)
    sent += 1
print("sent", sent)
