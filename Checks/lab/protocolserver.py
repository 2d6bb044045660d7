#!/usr/bin/env python3
"""A real server that speaks something other than HTTP, as far as a health check sees it, for discovery's scenario.

  smtp   sends a 220 banner at once; answers each line with 500 (221 and a close for QUIT)
  redis  no banner; answers PING with +PONG, any other line with -ERR unknown command, and closes on a line that
         starts with POST or Host: (as Redis does against cross-protocol requests)
  redis-loading  a Redis still loading its dataset: answers every command with -LOADING
  udp-status     over UDP: answers each datagram with "ok NAME"
  udp-busy       over UDP: answers each datagram with "busy NAME"
  mysql  sends a protocol-10 handshake packet at once; answers any bytes with an error packet and closes
Every connection is logged on stderr, one line each. Standard library only.
"""

import argparse
import socket
import socketserver
import struct
import sys
import threading
import time

READ_TIMEOUT = 10.0


def mysql_greeting(name):
    """A MySQL protocol-10 handshake: version string, thread id, salt, capabilities (sequence 0)."""
    body = (b"\x0a" + b"8.0.36-" + name.encode() + b"\x00" + struct.pack("<I", 7) + b"abcdefgh\x00"
            + struct.pack("<H", 0xF7FF) + b"\x21" + struct.pack("<H", 2) + struct.pack("<H", 0x81FF)
            + b"\x15" + b"\x00" * 10 + b"ijklmnopqrst\x00" + b"caching_sha2_password\x00")
    return struct.pack("<I", len(body))[:3] + b"\x00" + body


def mysql_error(message):
    body = b"\xff" + struct.pack("<H", 1158) + b"#08S01" + message.encode()
    return struct.pack("<I", len(body))[:3] + b"\x01" + body


class Handler(socketserver.StreamRequestHandler):
    timeout = READ_TIMEOUT

    def handle(self):
        kind, name = self.server.kind, self.server.name
        print(f"{time.time():.3f} {self.client_address[0]} connected ({kind})", file=sys.stderr, flush=True)
        if kind == "smtp":
            self.wfile.write(f"220 {name}.lab ESMTP ready\r\n".encode())
            for line in self.rfile:
                if line.strip().upper() == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                self.wfile.write(b"500 5.5.2 command unrecognized\r\n")
        elif kind in ("redis", "redis-loading"):
            for line in self.rfile:
                words = line.split()
                if not words:
                    continue
                if kind == "redis-loading":
                    self.wfile.write(b"-LOADING Redis is loading the dataset in memory\r\n")
                elif words[0].upper() == b"PING":
                    self.wfile.write(b"+PONG\r\n")
                elif words[0].upper() in (b"POST", b"HOST:"):
                    return
                else:
                    self.wfile.write(b"-ERR unknown command '" + words[0][:32] + b"'\r\n")
        elif kind == "mysql":
            self.wfile.write(mysql_greeting(name))
            if self.request.recv(4096):
                self.wfile.write(mysql_error("Got packets out of order"))


class DatagramHandler(socketserver.DatagramRequestHandler):
    def handle(self):
        kind, name = self.server.kind, self.server.name
        print(f"{time.time():.3f} {self.client_address[0]} datagram ({kind})", file=sys.stderr, flush=True)
        self.wfile.write(f"{'ok' if kind == 'udp-status' else 'busy'} {name}\n".encode())


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def handle_error(self, request, client_address):
        print(f"client {client_address[0]}: {sys.exc_info()[1]!r}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["smtp", "redis", "redis-loading", "mysql", "udp-status", "udp-busy"])
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--addresses", default="0.0.0.0",
                        help="udp kinds: the addresses to answer on, comma-separated (a DR real server answers from "
                             "the VIP the request went to only on a socket bound to it)")
    args = parser.parse_args()
    if args.kind.startswith("udp-"):
        servers = [socketserver.UDPServer((address, args.port), DatagramHandler) for address in args.addresses.split(",")]
        for one in servers:
            one.kind, one.name = args.kind, args.name
            threading.Thread(target=one.serve_forever, daemon=True).start()
        print(f"{args.name} {args.kind} listening on {args.addresses} port {args.port}", file=sys.stderr, flush=True)
        threading.Event().wait()
    server = Server(("0.0.0.0", args.port), Handler)
    server.kind, server.name = args.kind, args.name
    print(f"{args.name} {args.kind} listening on port {args.port}", file=sys.stderr, flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
