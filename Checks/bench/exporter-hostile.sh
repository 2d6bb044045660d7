#!/usr/bin/env bash
# The metrics server against hostile clients (figures only, no assertions): exporter-bench serves N servers' metrics
# (default 2000) on the same loop as 200 stand-in probes (timers due every second), while a client opens, in turn,
# slowloris connections, 1 MB headers, 1,000 idle connections, random bytes, half-closed sockets and clients that
# never read. Prints for each phase how late the stand-in probes fired, whether /metrics still answered, and the
# server's descriptors and memory before, during and after.
# Usage: Checks/bench/exporter-hostile.sh [SERVERS] [TIMERS]   (scratch folder: $EXPORTER_BENCH_SCRATCH or .build-exporter)
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
command -v swift >/dev/null || PATH=$PATH:/opt/swift/usr/bin
servers=${1:-2000}
timers=${2:-200}
scratch=${EXPORTER_BENCH_SCRATCH:-.build-exporter}
work=$(mktemp -d)
bench_pid=

cleanup() {
  [[ -n $bench_pid ]] && kill "$bench_pid" 2>/dev/null && wait "$bench_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

swift build -c release --scratch-path "$scratch" --product exporter-bench 2>&1 | tail -1
"$scratch/release/exporter-bench" "$servers" 127.0.0.1:0 "$timers" >"$work/out" 2>&1 &
bench_pid=$!
for _ in $(seq 600); do
  grep -q '^listening on ' "$work/out" && break
  kill -0 "$bench_pid" 2>/dev/null || { cat "$work/out"; exit 1; }
  sleep 0.1
done
address=$(sed -n 's/^listening on //p' "$work/out")
echo "machine: $(nproc) CPUs, load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "exporter-bench: $servers servers, $timers stand-in probes at 1 s, listening on $address"

python3 - "$address" "$bench_pid" "$work/out" <<'PY'
import os, random, signal, socket, sys, threading, time

host, port = sys.argv[1].rsplit(":", 1)
port, pid, out = int(port), int(sys.argv[2]), sys.argv[3]
request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"

def resources():
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    rss = next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
    return f"{fds} descriptors, RSS {int(rss) // 1024} MiB"

def lateness():
    """Asks exporter-bench for the stand-in probes' lateness since the last report."""
    before = open(out).read().count("timers:")
    os.kill(pid, signal.SIGUSR1)
    for _ in range(100):
        lines = [l for l in open(out).read().splitlines() if l.startswith("timers:")]
        if len(lines) > before:
            return lines[-1].removeprefix("timers: ")
        time.sleep(0.05)
    return "no report"

def connect():
    s = socket.create_connection((host, port), timeout=5)
    return s

def closed_by_server(s, wait=0.0):
    s.settimeout(wait)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except socket.timeout:
        return False
    except OSError:
        return True

class Scraper(threading.Thread):
    """Scrapes /metrics once a second, as Prometheus would, and keeps the outcome of each scrape."""
    def __init__(self):
        super().__init__(daemon=True)
        self.results, self.stop = [], False
    def run(self):
        while not self.stop:
            start = time.time()
            try:
                s = connect()
                s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                data = b""
                while chunk := s.recv(1 << 20):
                    data += chunk
                s.close()
                ok = data.startswith(b"HTTP/1.1 200 ")
            except OSError:
                ok = False
            self.results.append((ok, time.time() - start))
            time.sleep(max(0, 1 - (time.time() - start)))
    def take(self):
        results, self.results = self.results, []
        good = [t for ok, t in results if ok]
        slowest = f", slowest {max(good) * 1000:.0f} ms" if good else ""
        return f"/metrics answered {len(good)} of {len(results)} scrapes{slowest}"

def phase(name, attack, seconds):
    scraper.take(); lateness()
    attack_result = attack(seconds)
    print(f"{name}: {attack_result}")
    print(f"    {scraper.take()}; probes {lateness()}; {resources()}", flush=True)

def quiet(seconds):
    time.sleep(seconds)
    return "nothing"

def slowloris(seconds):
    conns = [connect() for _ in range(200)]
    for c in conns: c.sendall(b"GET /metrics HTTP/1.1\r\n")
    end = time.time() + seconds
    while time.time() < end:
        for c in conns:
            try: c.sendall(b"X-a: b\r\n")
            except OSError: pass
        time.sleep(1)
    closed = sum(closed_by_server(c) for c in conns)
    for c in conns: c.close()
    return f"200 connections sending a header line a second for {seconds} s: {closed} closed by the server"

def big_headers(seconds):
    answers = []
    for _ in range(10):
        c = connect()
        try:
            c.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
        except OSError:
            pass
        try:
            answers.append(c.recv(100).split(b"\r\n")[0].decode())
        except OSError as e:
            answers.append(type(e).__name__)
        c.close()
    time.sleep(seconds)
    return f"10 requests with a 1 MB header: {sorted(set(answers))}"

def idle(seconds):
    conns = []
    for _ in range(1000):
        try: conns.append(connect())
        except OSError: break
    time.sleep(seconds)
    closed = sum(closed_by_server(c) for c in conns)
    for c in conns: c.close()
    return f"{len(conns)} idle connections held {seconds} s: {closed} closed by the server (bound 256, slowloris deadline 10 s)"

def random_bytes(seconds):
    answers = []
    for _ in range(100):
        c = connect()
        c.sendall(random.randbytes(random.randint(1, 4096)))
        try: answers.append(c.recv(100).split(b"\r\n")[0].decode(errors="replace"))
        except OSError as e: answers.append(type(e).__name__)
        c.close()
    time.sleep(seconds)
    counts = {a: answers.count(a) for a in set(answers)}
    return f"100 connections of random bytes: {counts}"

def half_closed(seconds):
    complete = 0
    for _ in range(100):
        c = connect()
        c.sendall(request)
        c.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := c.recv(1 << 20): data += chunk
        complete += data.startswith(b"HTTP/1.1 200 ")
        c.close()
    time.sleep(seconds)
    return f"100 requests then half-close: {complete} full responses"

def never_read(seconds):
    conns = [connect() for _ in range(20)]
    for c in conns:
        c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        c.sendall(request * 3)
    time.sleep(seconds)
    for c in conns: c.close()
    return f"20 clients asking for /metrics three times and never reading, for {seconds} s"

scraper = Scraper(); scraper.start()
print(f"before: {resources()}", flush=True)
phase("baseline", quiet, 5)
phase("slowloris", slowloris, 12)
phase("1 MB headers", big_headers, 3)
phase("idle connections", idle, 5)
phase("random bytes", random_bytes, 3)
phase("half-closed", half_closed, 3)
phase("never reading", never_read, 5)
phase("after (12 s quiet)", quiet, 12)
scraper.stop = True
PY
