#!/usr/bin/python3
"""Gratuitous ARP "IP is-at (this interface's MAC)", broadcast.

    garp.py IFACE IP COUNT INTERVAL_MS

Sends COUNT frames, alternately an ARP reply and an ARP request (both
announce), one every INTERVAL_MS milliseconds, then exits. Bounded by
construction: COUNT frames to the broadcast address of IFACE's link.
"""
import socket
import struct
import sys
import time

ETH_P_ARP = 0x0806


def main():
    iface, ip, count, interval = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ARP))
    s.bind((iface, ETH_P_ARP))
    mac = s.getsockname()[4]
    a = socket.inet_aton(ip)
    sent = 0
    for i in range(count):
        op = 2 if i % 2 == 0 else 1
        arp = struct.pack("!HHBBH", 1, 0x0800, 6, 4, op) + mac + a + b"\xff" * 6 + a
        try:
            s.send(b"\xff" * 6 + mac + struct.pack("!H", ETH_P_ARP) + arp)
            sent += 1
        except OSError:
            pass  # the link is not up yet: part of the race
        time.sleep(interval / 1000.0)
    print("sent %d" % sent)


if __name__ == "__main__":
    main()
