#!/usr/bin/python3
"""A gRPC server with the standard health service (grpc.health.v1.Health/Check), for the lab's gRPC pools.

Answers each Check with the serving status the mode file says at that moment: SERVING, NOT_SERVING, UNKNOWN, or
UNIMPLEMENTED (the call fails with that grpc-status, as a server without the health service answers); a request for
another service than --service (when given) gets NOT_FOUND, as grpcio-health-checking does. Listens on every address
of --addresses (a DR real server answers from the VIP only on a socket bound to it). Messages are encoded by hand:
Debian's python3-grpcio, no generated code. Each call is logged on stderr.
"""

import argparse
import sys
import time
from concurrent import futures

import grpc

STATUS = {"SERVING": 1, "NOT_SERVING": 2, "UNKNOWN": 0}


def service_name(request):
    """The HealthCheckRequest's field 1 (the service's name); empty when absent."""
    if len(request) >= 2 and request[0] == 0x0A:
        return request[2:2 + request[1]].decode()
    return ""


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--addresses", required=True, help="comma-separated")
    parser.add_argument("--mode-file", required=True)
    parser.add_argument("--service", default=None)
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve over TLS (ALPN h2) with this pair")
    args = parser.parse_args()

    def check(request, context):
        with open(args.mode_file) as f:
            mode = f.read().strip() or "SERVING"
        name = service_name(request)
        print(f"{time.time():.3f} check {name!r} -> {mode}", file=sys.stderr, flush=True)
        if mode == "UNIMPLEMENTED":
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "no health service here")
        if args.service is not None and name not in ("", args.service):
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {name}")
        return bytes([0x08, STATUS[mode]])

    handler = grpc.method_handlers_generic_handler(
        "grpc.health.v1.Health",
        {"Check": grpc.unary_unary_rpc_method_handler(
            check, request_deserializer=lambda b: b, response_serializer=lambda b: b)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((handler,))
    credentials = None
    if args.tls:
        with open(args.tls[0], "rb") as cert, open(args.tls[1], "rb") as key:
            credentials = grpc.ssl_server_credentials([(key.read(), cert.read())])
    for address in args.addresses.split(","):
        if credentials:
            server.add_secure_port(f"{address}:{args.port}", credentials)
        else:
            server.add_insecure_port(f"{address}:{args.port}")
    server.start()
    print(f"gRPC health on {args.addresses} port {args.port}", file=sys.stderr, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
