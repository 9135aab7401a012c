#!/usr/bin/python3
"""Connection quota test helper (t_conn_quota.sh).

listen ADDR PORT: accept TCP connections and keep them open until the
client closes them (runs in the internet namespace).

client ADDR PORT: read commands from stdin, one a line, answer one line
each: "open K" opens K more connections (each given 2 s to connect) and
answers "opened X failed Y"; "close K" closes K of the open ones with a
reset (no TIME_WAIT left behind) and answers "closed K"; "count" answers
the number open."""
import select
import socket
import struct
import sys


def listen(addr, port):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(512)
    conns = []
    while True:
        r, _, _ = select.select([s] + conns, [], [])
        for c in r:
            if c is s:
                conns.append(s.accept()[0])
                continue
            try:
                data = c.recv(64)
            except OSError:
                data = b""
            if not data:
                conns.remove(c)
                c.close()


def client(addr, port):
    conns = []
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "open":
            ok = bad = 0
            for _ in range(int(words[1])):
                try:
                    conns.append(socket.create_connection((addr, port), timeout=2))
                    ok += 1
                except OSError:
                    bad += 1
            print("opened %d failed %d" % (ok, bad), flush=True)
        elif words[0] == "close":
            k = int(words[1])
            for c in conns[:k]:
                c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                c.close()
            del conns[:k]
            print("closed %d" % k, flush=True)
        elif words[0] == "count":
            print("%d" % len(conns), flush=True)


if __name__ == "__main__":
    {"listen": listen, "client": client}[sys.argv[1]](sys.argv[2], int(sys.argv[3]))
