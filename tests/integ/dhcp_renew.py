#!/usr/bin/env python3
"""Renew one DHCPv4 lease in a tight loop (issue 16 item 4): a DHCPREQUEST
from the leased address (ciaddr set, no requested-address option), sent
to the server every GAP seconds for SECONDS. Each one asks for another
lease time than the last, so dnsmasq rewrites its lease file each time.

usage: dhcp_renew.py IFACE MAC IP SERVER SECONDS [GAP]
"""
import os
import socket
import struct
import sys
import time

iface, mac, ip, server, seconds = sys.argv[1:6]
gap = float(sys.argv[6]) if len(sys.argv) > 6 else 0.001
hw = bytes(int(x, 16) for x in mac.split(":"))
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, iface.encode())
s.bind((ip, 68))
s.setblocking(False)
end = time.monotonic() + float(seconds)
sent = 0
while time.monotonic() < end:
    xid = struct.unpack("!I", os.urandom(4))[0]
    pkt = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, xid, 0, 0,
                      socket.inet_aton(ip), bytes(4), bytes(4), bytes(4),
                      hw + bytes(10), bytes(64), bytes(128), 0x63825363)
    # a requested lease time that alternates: the expiry dnsmasq writes
    # changes with every renewal, so it rewrites the file every time
    pkt += bytes([53, 1, 3, 61, 7, 1]) + hw
    pkt += bytes([51, 4]) + struct.pack("!I", 3000 + (sent & 1) * 300) + bytes([255])
    s.sendto(pkt, (server, 67))
    sent += 1
    try:
        while s.recv(2048):
            pass
    except BlockingIOError:
        pass
    time.sleep(gap)
print(sent)
