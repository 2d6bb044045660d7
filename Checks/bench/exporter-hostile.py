#!/usr/bin/env python3
"""Hostile clients against drcheck's metrics server, phase by phase, while a scraper asks for /metrics every second.

Phases: baseline, slowloris (200 connections sending a header line a second), 1 MB headers, 1,000 idle connections,
random bytes, half-closed sockets, clients that never read, then quiet. After each phase it prints what the attack
got, how many scrapes /metrics answered, how late the probes started, and the server process's descriptors and RSS.
Lateness comes from --lateness-signal OUTFILE (exporter-bench's stand-in probes report on SIGUSR1 into OUTFILE) or
--lateness-logs GLOB (real-server logs, one line per request: "UNIX-TIME CLIENT 'GET PATH ...'"; each path is one
check at a 1 s interval, so a gap past 1 s is lateness). Either way, when /metrics holds drcheck's own histogram of
probe start delays (drcheck_probe_start_delay_seconds), each phase also reports the daemon's view: its buckets' growth
between the last scrape before the phase and the last one in it.
The last line is "summary: KEY=VALUE ..." for scripts; --last-scrape FILE keeps the last /metrics answer (headers and
text). Usage: exporter-hostile.py HOST:PORT PID [--lateness-...] [--last-scrape FILE]
"""

import argparse
import glob
import os
import random
import signal
import socket
import threading
import time

REQUEST = b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("address")
    parser.add_argument("pid", type=int)
    parser.add_argument("--lateness-signal", metavar="OUTFILE")
    parser.add_argument("--lateness-logs", metavar="GLOB")
    parser.add_argument("--last-scrape", metavar="FILE", help="where to write the last /metrics text answered")
    return parser.parse_args()


ARGS = parse_args()
HOST, PORT = ARGS.address.rsplit(":", 1)
PORT = int(PORT)
SUMMARY = {}


def resources():
    fds = len(os.listdir(f"/proc/{ARGS.pid}/fd"))
    rss = next(int(line.split()[1]) for line in open(f"/proc/{ARGS.pid}/status") if line.startswith("VmRSS:"))
    return fds, rss // 1024


def cpu_seconds():
    """The server process's CPU time so far (user + system)."""
    fields = open(f"/proc/{ARGS.pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def signal_lateness(_start, _end):
    """Asks exporter-bench for its stand-in probes' lateness since the last report."""
    before = open(ARGS.lateness_signal).read().count("timers:")
    os.kill(ARGS.pid, signal.SIGUSR1)
    for _ in range(100):
        lines = [line for line in open(ARGS.lateness_signal).read().splitlines() if line.startswith("timers:")]
        if len(lines) > before:
            return lines[-1].removeprefix("timers: ")
        time.sleep(0.05)
    return "no report"


def log_lateness(start, end):
    """Gaps past 1 s between consecutive requests of one check (a path at one server) that arrived in [start, end)."""
    late = []
    for path in glob.glob(ARGS.lateness_logs):
        times = {}
        for line in open(path, errors="replace"):
            words = line.split()
            if len(words) > 3 and words[2] == "'GET":
                try:
                    times.setdefault(words[3], []).append(float(words[0]))
                except ValueError:
                    pass
        for series in times.values():
            late += [max(0.0, b - a - 1) for a, b in zip(series, series[1:]) if start <= b < end]
    if not late:
        return "no probes seen"
    late.sort()
    pick = lambda q: late[min(len(late) - 1, int(len(late) * q))] * 1000
    missed = sum(1 for x in late if x > 0.5)
    return f"{len(late)} probes, late by p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {pick(1):.1f} ms, {missed} more than 500 ms late"


lateness = signal_lateness if ARGS.lateness_signal else log_lateness if ARGS.lateness_logs else None


def connect():
    # Prometheus's own default scrape_timeout: a slower answer counts as a failed scrape.
    return socket.create_connection((HOST, PORT), timeout=10)


def closed_by_server(conn):
    conn.settimeout(0.0)
    try:
        while True:
            if not conn.recv(65536):
                return True
    except BlockingIOError:
        return False
    except OSError:
        return True


def first_line(conn):
    try:
        return conn.recv(200).split(b"\r\n")[0].decode(errors="replace") or "closed"
    except OSError as error:
        return type(error).__name__


class Scraper(threading.Thread):
    """Scrapes /metrics once a second, as Prometheus would."""

    def __init__(self):
        super().__init__(daemon=True)
        self.results, self.stopped, self.last_body = [], False, ""

    def run(self):
        while not self.stopped:
            start = time.time()
            ok = self.scrape()
            self.results.append((ok, time.time() - start))
            time.sleep(max(0, 1 - (time.time() - start)))

    def scrape(self):
        """One scrape of /metrics; keeps the text of the last one answered."""
        try:
            conn = connect()
            conn.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := conn.recv(1 << 20):
                data += chunk
            conn.close()
        except OSError:
            return False
        if not data.startswith(b"HTTP/1.1 200 "):
            return False
        self.last_body = data.decode(errors="replace")
        return True

    def take(self):
        results, self.results = self.results, []
        good = [t for ok, t in results if ok]
        return len(good), len(results), max(good, default=0)


def start_delay_buckets(text):
    """drcheck's own histogram of probe start delays in a scrape: {upper bound in seconds: cumulative count}."""
    prefix = 'drcheck_probe_start_delay_seconds_bucket{le="'
    return {float(line[len(prefix):].split('"', 1)[0]): float(line.rsplit(" ", 1)[1])
            for line in text.splitlines() if line.startswith(prefix)}


def failed_probes(text):
    """drcheck's count of probes that failed (every class but ok) in a scrape."""
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("drcheck_probe_results_total{") and 'class="ok"' not in line)


def daemon_lateness(before, after):
    """The daemon's view of a phase, when its /metrics has one: how many probes started, and the bucket bounds their
    p50 and p99 fall under."""
    if not after:
        return ""
    growth = {bound: count - before.get(bound, 0) for bound, count in sorted(after.items())}
    total = growth.get(float("inf"), 0)
    if not total:
        return "the daemon's own count: no probe started"
    bound = lambda q: next(b for b, count in growth.items() if count >= q * total) * 1000
    late = total - max((count for b, count in growth.items() if b <= 0.1), default=0)
    return (f"the daemon's own count: {total:.0f} probes started, p50 <= {bound(0.5):g} ms, p99 <= {bound(0.99):g} ms, "
            f"{late:.0f} over 100 ms")


def phase(name, key, attack, seconds):
    SCRAPER.take()
    delays_before, failed_before = start_delay_buckets(SCRAPER.last_body), failed_probes(SCRAPER.last_body)
    start, cpu_before = time.time(), cpu_seconds()
    if lateness is signal_lateness:
        lateness(0, 0)
    outcome = attack(seconds)
    answered, scrapes, slowest = SCRAPER.take()
    fds, rss = resources()
    busy = f"{cpu_seconds() - cpu_before:.1f} s of CPU in {time.time() - start:.1f} s"
    late = lateness(start, time.time()) if lateness else "not measured"
    print(f"{name}: {outcome}")
    own = daemon_lateness(delays_before, start_delay_buckets(SCRAPER.last_body))
    if own:
        own += f", {failed_probes(SCRAPER.last_body) - failed_before:.0f} failed; "
    print(f"    /metrics answered {answered} of {scrapes} scrapes (slowest {slowest * 1000:.0f} ms); probes: {late}; "
          f"{own}{busy}, {fds} descriptors, RSS {rss} MiB", flush=True)
    SUMMARY[f"{key}_scrapes_failed"] = scrapes - answered
    SUMMARY[f"{key}_fds"] = fds
    SUMMARY[f"{key}_rss_mib"] = rss


def quiet(seconds):
    time.sleep(seconds)
    return "nothing"


def slowloris(seconds):
    conns = [connect() for _ in range(200)]
    for conn in conns:
        conn.sendall(b"GET /metrics HTTP/1.1\r\n")
    end = time.time() + seconds
    while time.time() < end:
        for conn in conns:
            try:
                conn.sendall(b"X-a: b\r\n")
            except OSError:
                pass
        time.sleep(1)
    closed = sum(closed_by_server(conn) for conn in conns)
    SUMMARY["slowloris_closed"] = closed
    for conn in conns:
        conn.close()
    return f"200 connections sending a header line a second for {seconds} s: {closed} closed by the server"


def big_headers(seconds):
    answers = []
    for _ in range(10):
        conn = connect()
        try:
            conn.sendall(b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n")
        except OSError:
            pass
        answers.append(first_line(conn))
        conn.close()
    time.sleep(seconds)
    SUMMARY["big_header_431"] = answers.count("HTTP/1.1 431 Request Header Fields Too Large")
    return f"10 requests with a 1 MB header: {sorted(set(answers))}"


def idle(seconds):
    conns = []
    for _ in range(1000):
        try:
            conns.append(connect())
        except OSError:
            break
    time.sleep(seconds)
    closed = sum(closed_by_server(conn) for conn in conns)
    for conn in conns:
        conn.close()
    return f"{len(conns)} idle connections held {seconds} s: {closed} closed by the server"


def random_bytes(seconds):
    answers = []
    for _ in range(100):
        conn = connect()
        # Ends with a blank line, so that every payload is a complete (and invalid) request head.
        conn.sendall(random.randbytes(random.randint(1, 4096)) + b"\r\n\r\n")
        answers.append(first_line(conn))
        conn.close()
    time.sleep(seconds)
    SUMMARY["random_400"] = answers.count("HTTP/1.1 400 Bad Request")
    return f"100 connections of random bytes: {({a: answers.count(a) for a in set(answers)})}"


def half_closed(seconds):
    complete = 0
    for _ in range(100):
        conn = connect()
        conn.sendall(REQUEST)
        conn.shutdown(socket.SHUT_WR)
        data = b""
        while chunk := conn.recv(1 << 20):
            data += chunk
        complete += data.startswith(b"HTTP/1.1 200 ")
        conn.close()
    time.sleep(seconds)
    SUMMARY["half_closed_answered"] = complete
    return f"100 requests then half-close: {complete} full responses"


def never_read(seconds):
    conns = [connect() for _ in range(20)]
    for conn in conns:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        conn.sendall(REQUEST * 3)
    time.sleep(seconds)
    for conn in conns:
        conn.close()
    return f"20 clients asking for /metrics three times and never reading, for {seconds} s"


SCRAPER = Scraper()
SCRAPER.scrape()  # the daemon's start delays so far, so that the first phase counts only its own
SCRAPER.start()
fds, rss = resources()
print(f"before: {fds} descriptors, RSS {rss} MiB", flush=True)
phase("baseline", "baseline", quiet, 5)
phase("slowloris", "slowloris", slowloris, 12)
phase("1 MB headers", "big_headers", big_headers, 3)
phase("idle connections", "idle", idle, 5)
phase("random bytes", "random", random_bytes, 3)
phase("half-closed", "half_closed", half_closed, 3)
phase("never reading", "never_read", never_read, 5)
phase("after (12 s quiet)", "after", quiet, 12)
SCRAPER.stopped = True
if ARGS.last_scrape:
    with open(ARGS.last_scrape, "w") as out:
        out.write(SCRAPER.last_body)
print("summary: " + " ".join(f"{k}={v}" for k, v in SUMMARY.items()), flush=True)
