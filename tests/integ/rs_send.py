#!/usr/bin/env python3
"""rs_send.py IFACE SRC [DST] [COUNT]: send COUNT (1) router solicitations
(RFC 4861 4.1, hop limit 255, with a source link-layer option unless SRC
is ::) out of IFACE from SRC (an address of IFACE, or ::) to DST (ff02::2)."""
import socket
import sys

iface, src = sys.argv[1], sys.argv[2]
dst = sys.argv[3] if len(sys.argv) > 3 else "ff02::2"
count = int(sys.argv[4]) if len(sys.argv) > 4 else 1
mac = bytes.fromhex(open(f"/sys/class/net/{iface}/address").read().strip().replace(":", ""))
rs = bytes([133, 0, 0, 0, 0, 0, 0, 0])
if src != "::":
    rs += bytes([1, 1]) + mac
idx = socket.if_nametoindex(iface)
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, 255)
pktinfo = socket.inet_pton(socket.AF_INET6, src) + idx.to_bytes(4, sys.byteorder)
for _ in range(count):
    s.sendmsg([rs], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, pktinfo)], 0, (dst, 0, 0, idx))
