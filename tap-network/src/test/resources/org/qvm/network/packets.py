#!/usr/bin/env python3
"""Packets for the network tests, FOR TESTS ONLY (run inside the test's own namespaces).

  packets.py udp-log PORT LOG          answer UDP on PORT (any address); write each sender to LOG
  packets.py udp-sink PORT             take UDP on PORT and say nothing (so the kernel sends no ICMP error)
  packets.py udp-send SRC DST PORT [SPORT]
                                        one datagram from SRC[:SPORT] (an address of this namespace) to DST:PORT
  packets.py udp-flow SPORT DST DPORT   a connected UDP flow: send one datagram, print "sent", wait for a
                                        line on stdin, then print what arrived within a second:
                                        "answer", "refused" (an ICMP error got in) or "nothing"
  packets.py icmp-unreachable FLOWSRC FLOWSPORT FLOWDST FLOWDPORT
                                        an ICMP port-unreachable about that UDP flow, sent to FLOWSRC
"""
import socket
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


def main(argv):
    command = argv[0]
    if command == "udp-log":
        server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        server.bind(("0.0.0.0", int(argv[1])))
        print("listening", flush=True)
        while True:
            data, sender = server.recvfrom(4096)
            with open(argv[2], "a") as log:
                log.write("%s\n" % sender[0])
            server.sendto(b"answer", sender)
    elif command == "udp-sink":
        sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sink.bind(("0.0.0.0", int(argv[1])))
        print("listening", flush=True)
        while True:
            sink.recvfrom(4096)
    elif command == "udp-send":
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.bind((argv[1], int(argv[4]) if len(argv) > 4 else 0))
        sender.sendto(b"query", (argv[2], int(argv[3])))
    elif command == "udp-flow":
        flow = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        flow.bind(("0.0.0.0", int(argv[1])))
        flow.connect((argv[2], int(argv[3])))
        flow.send(b"query")
        print("sent", flush=True)
        sys.stdin.readline()
        flow.settimeout(1)
        try:
            flow.recv(4096)
            print("answer", flush=True)
        except ConnectionRefusedError:
            print("refused", flush=True)
        except socket.timeout:
            print("nothing", flush=True)
    elif command == "icmp-unreachable":
        flow_src, flow_sport, flow_dst, flow_dport = argv[0 + 1], int(argv[2]), argv[3], int(argv[4])
        inner_udp = struct.pack("!HHHH", flow_sport, flow_dport, 13, 0)
        inner_ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 13, 1, 0, 64, socket.IPPROTO_UDP, 0,
                               socket.inet_aton(flow_src), socket.inet_aton(flow_dst))
        inner_ip = inner_ip[:10] + struct.pack("!H", checksum(inner_ip)) + inner_ip[12:]
        body = struct.pack("!BBHI", 3, 3, 0, 0) + inner_ip + inner_udp
        body = body[:2] + struct.pack("!H", checksum(body)) + body[4:]
        raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        raw.sendto(body, (flow_src, 0))
    else:
        sys.exit("unknown command " + command)


if __name__ == "__main__":
    main(sys.argv[1:])
