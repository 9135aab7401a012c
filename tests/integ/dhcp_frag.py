#!/usr/bin/env python3
"""A DHCPRELEASE in two IPv4 fragments (tests/integ/t_rt_dhcp_frag.sh): the
first carries the UDP header and 16 bytes of BOOTP (up to ciaddr), the
second the rest, chaddr included -- so a check that reads chaddr from the
first fragment finds nothing there. The host reassembles them for dnsmasq.

usage: dhcp_frag.py IFACE SRCMAC DSTMAC SRCIP DSTIP CHADDR CIADDR SERVER
"""
import os
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


def mac(m):
    return bytes(int(x, 16) for x in m.split(":"))


iface, smac, dmac, sip, dip, chaddr, ciaddr, server = sys.argv[1:9]
xid = struct.unpack("!I", os.urandom(4))[0]
bootp = struct.pack("!BBBBIHH4s4s4s4s16s64s128sI", 1, 1, 6, 0, xid, 0, 0,
                    socket.inet_aton(ciaddr), bytes(4), bytes(4), bytes(4),
                    mac(chaddr) + bytes(10), bytes(64), bytes(128), 0x63825363)
bootp += bytes([53, 1, 7, 54, 4]) + socket.inet_aton(server) + bytes([255])
udp = struct.pack("!HHHH", 68, 67, 8 + len(bootp), 0) + bootp  # no checksum
ident = struct.unpack("!H", os.urandom(2))[0]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
for off, part, more in ((0, udp[:24], True), (3, udp[24:], False)):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(part), ident,
                     (0x2000 if more else 0) | off, 64, 17, 0,
                     socket.inet_aton(sip), socket.inet_aton(dip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    s.send(mac(dmac) + mac(smac) + b"\x08\x00" + ip + part)
print("sent")
