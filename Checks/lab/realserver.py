#!/usr/bin/env python3
"""The DR lab's real server: a threaded HTTP/1.0 server whose behaviour a scenario switches at run time.

The mode file is re-read for every request (after the request head arrives); its first line is one of
  ok              200, body "NAME\\n" (also when the file is missing or empty)
  error           500, body "NAME error\\n"
  status CODE     CODE, body "NAME\\n"
  body TEXT       200, body TEXT (the rest of the file, verbatim)
  header LINE     200, body "NAME\\n", with the header line LINE (e.g. "X-Weight: 50%")
  hang            accept and read the request, never answer (until the client goes away)
  trickle         the ok response, one byte every 200 ms
  reset           read the request, then close with SO_LINGER 0 (the client sees a reset)
  close           read the request, then close without a response (the client sees an empty reply)
  bighead         200 with a header line of 1 MiB (X-Filler: aaa...), body "NAME\\n"
  bigbody         200 with a body of 100 MiB, sent as fast as the client reads it; logs "bigbody: sent N bytes"
                  when the client has read it all or gone away
"Stopped" is this process killed: connections are refused. Every request is logged on stderr, one line each.
Standard library only; one bad client never stops the server.
"""

import argparse
import http
import socket
import socketserver
import struct
import sys
import time

HEAD_LIMIT = 16384  # bytes of request head read before giving up on a client
READ_TIMEOUT = 10.0  # seconds a client may take to send its request head
TRICKLE_DELAY = 0.2  # seconds between bytes in trickle mode
BIG_HEAD_LINE = 1 << 20  # bytes of the header line in bighead mode
BIG_BODY = 100 << 20  # bytes of body in bigbody mode


def read_mode(path):
    """Returns (mode, argument) from the mode file; a missing or empty file means ("ok", "")."""
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return "ok", ""
    mode, _, arg = text.partition(" ")
    if "\n" in mode:
        mode, _, arg = text.partition("\n")
    mode = mode.strip() or "ok"
    return mode, arg if mode == "body" else arg.strip()


def head(code, length, extra=b""):
    """An HTTP/1.0 response head with Content-Length, Connection: close and the `extra` header lines."""
    reason = http.HTTPStatus(code).phrase if code in http.HTTPStatus.__members__.values() else "Status"
    lines = f"HTTP/1.0 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {length}\r\n"
    return (lines + "Connection: close\r\n").encode() + extra + b"\r\n"


def response(code, body):
    """A complete HTTP/1.0 response."""
    return head(code, len(body)) + body


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        conn = self.request
        conn.settimeout(READ_TIMEOUT)
        head = self.read_head(conn)
        if head is None:
            return
        mode, arg = read_mode(self.server.mode_file)
        request_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        host = next((line[5:].strip() for line in head.decode("latin-1").split("\r\n")
                     if line.lower().startswith("host:")), "-")
        print(f"{time.time():.3f} {self.client_address[0]} {request_line!r} host={host} mode={mode}",
              file=sys.stderr, flush=True)
        self.answer(conn, mode, arg)

    def read_head(self, conn):
        """Reads up to the blank line that ends the request head; None if the client never sends one."""
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data:
            chunk = conn.recv(4096)
            if not chunk or len(data) > HEAD_LIMIT:
                return None
            data += chunk
        return data

    def answer(self, conn, mode, arg):
        name = self.server.name.encode()
        if mode == "ok":
            conn.sendall(response(200, name + b"\n"))
        elif mode == "error":
            conn.sendall(response(500, name + b" error\n"))
        elif mode == "status" and arg.isdigit() and 100 <= int(arg) <= 999:
            conn.sendall(response(int(arg), name + b"\n"))
        elif mode == "body":
            conn.sendall(response(200, arg.encode()))
        elif mode == "header":
            body = name + b"\n"
            conn.sendall(head(200, len(body), arg.encode() + b"\r\n") + body)
        elif mode == "hang":
            conn.settimeout(None)
            while conn.recv(4096):
                pass
        elif mode == "trickle":
            for byte in response(200, name + b"\n"):
                conn.sendall(bytes([byte]))
                time.sleep(TRICKLE_DELAY)
        elif mode == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()  # now, before socketserver's shutdown(SHUT_WR) would send a FIN instead
        elif mode == "close":
            pass
        elif mode == "bighead":
            conn.sendall(head(200, len(name) + 1, b"X-Filler: " + b"a" * BIG_HEAD_LINE + b"\r\n") + name + b"\n")
        elif mode == "bigbody":
            self.send_big_body(conn)
        else:
            print(f"mode not understood: {mode!r} {arg!r}: answering 500", file=sys.stderr, flush=True)
            conn.sendall(response(500, f"mode not understood: {mode} {arg}\n".encode()))

    def send_big_body(self, conn):
        """Sends BIG_BODY bytes of body and logs how many the kernel took, until the client goes away. A small send
        buffer keeps what the kernel holds ahead of a client that stopped reading to a few hundred KB."""
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 65536)
        chunk = b"a" * 65536
        sent = 0
        try:
            conn.sendall(head(200, BIG_BODY))
            while sent < BIG_BODY:
                sent += conn.send(chunk[:BIG_BODY - sent])
        except OSError:
            pass
        print(f"bigbody: sent {sent} bytes", file=sys.stderr, flush=True)


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        # A client that resets or times out ends only its own thread; say so on one line.
        print(f"client {client_address[0]}: {sys.exc_info()[1]!r}", file=sys.stderr, flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", required=True, help="the name answered in bodies, e.g. rs1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--address", default="0.0.0.0", help="listen address (default all: RIP and VIP)")
    parser.add_argument("--mode-file", required=True, help="file holding the current mode, re-read per request")
    args = parser.parse_args()
    server = Server((args.address, args.port), Handler)
    server.name = args.name
    server.mode_file = args.mode_file
    print(f"{args.name} listening on {args.address}:{args.port}", file=sys.stderr, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
