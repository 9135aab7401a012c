#!/usr/bin/python3
"""UDP datagrams in frames written on a packet socket, optionally tagged.

    udp_frame.py IFACE DSTMAC SRC DST DPORT TAGS COUNT

Sends COUNT frames from IFACE's own MAC to DSTMAC, each one UDP datagram
SRC -> DST (IPv4 or IPv6, as the addresses are written) to DPORT, 20 ms
apart, with valid IP and UDP checksums (br_netfilter checks an IPv4
header before the bridge's inet hooks). TAGS: "-" for none, or VLAN tags
before the IP header, outermost first, TPID:VID pairs joined by ','
(hex TPID), e.g. 8100:5 or 8100:0 (a priority tag). Bounded by
construction: COUNT frames, then it exits.
"""
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def packet(src, dst, dport):
    payload = b"gatewayd-fastpath" + b"\0" * 15
    ulen = 8 + len(payload)
    if ":" in src:
        s6, d6 = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
        pseudo = s6 + d6 + struct.pack("!IxxxB", ulen, 17)
        udp = struct.pack("!HHHH", 40000, dport, ulen, 0) + payload
        c = csum(pseudo + udp) or 0xFFFF
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        hdr = struct.pack("!IHBB", 6 << 28, ulen, 17, 64) + s6 + d6
        return 0x86DD, hdr + udp
    s4, d4 = socket.inet_aton(src), socket.inet_aton(dst)
    pseudo = s4 + d4 + struct.pack("!xBH", 17, ulen)
    udp = struct.pack("!HHHH", 40000, dport, ulen, 0) + payload
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    hdr = struct.pack("!BBHHHBBH", 0x45, 0, 20 + ulen, 1, 0, 64, 17, 0) + s4 + d4
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return 0x0800, hdr + udp


def main():
    iface, dmac, src, dst, dport, tags, count = sys.argv[1:8]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    smac = s.getsockname()[4]
    etype, ip = packet(src, dst, int(dport))
    tagb = b""
    if tags != "-":
        for t in tags.split(","):
            tpid, vid = t.split(":")
            tagb += struct.pack("!HH", int(tpid, 16), int(vid))
    frame = bytes.fromhex(dmac.replace(":", "")) + smac + tagb + struct.pack("!H", etype) + ip
    for _ in range(int(count)):
        s.send(frame)
        time.sleep(0.02)


if __name__ == "__main__":
    main()
