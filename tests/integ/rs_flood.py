#!/usr/bin/env python3
"""rs_flood.py IFACE COUNT: send COUNT router solicitations (RFC 4861 4.1,
with a source link-layer option) to ff02::2 out of IFACE as fast as a
raw socket allows; prints "sent N in S s"."""
import socket
import sys
import time

iface, count = sys.argv[1], int(sys.argv[2])
mac = bytes.fromhex(open(f"/sys/class/net/{iface}/address").read().strip().replace(":", ""))
rs = bytes([133, 0, 0, 0, 0, 0, 0, 0, 1, 1]) + mac
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
idx = socket.if_nametoindex(iface)
t0 = time.monotonic()
sent = 0
for _ in range(count):
    try:
        s.sendto(rs, ("ff02::2", 0, 0, idx))
        sent += 1
    except BlockingIOError:
        pass
    except OSError:
        time.sleep(0.001)
print(f"sent {sent} in {time.monotonic() - t0:.2f} s")
