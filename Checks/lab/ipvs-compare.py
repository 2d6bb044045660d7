#!/usr/bin/env python3
"""Compares `drcheck ipvs --json` with ipvsadm, field by field (ipvsadm is the oracle).

Usage: ipvs-compare.py BEFORE AFTER DRCHECK_JSON
BEFORE and AFTER each hold ipvsadm's views of the table, taken just before and just after drcheck read it:
  ln.txt (-Ln --exact), stats.txt (--stats --exact), rate.txt (--rate --exact), thresholds.txt (--thresholds
  --exact), pconn.txt (--persistent-conn --exact), tun.txt (--tun-info --exact).
A field holds when drcheck's value is what ipvsadm showed before or after; a number that moved meanwhile (the
kernel moves counters and rates at its estimator's 2 s tick, and expires connections) holds when it lies between. Prints the first mismatches and
a summary; exit status 0 only when every field of every service and destination, and their order, holds.
"""
import json
import sys

FORWARD = {"Route": "route", "Masq": "masquerade", "Tunnel": "tunnel", "Local": "local"}
STATS = ["connections", "in_packets", "out_packets", "in_bytes", "out_bytes"]
RATES = ["connection_rate", "in_packet_rate", "out_packet_rate", "in_byte_rate", "out_byte_rate"]


def parse(path):
    """An ipvsadm listing -> (version line, [(service key, tokens, [(endpoint, tokens)])])."""
    with open(path) as f:
        lines = f.read().splitlines()
    services = []
    for line in lines[3:]:
        if line.startswith("  -> "):
            tokens = line[5:].split()
            services[-1][2].append((tokens[0], tokens[1:]))
            continue
        tokens = line.split()
        width = 3 if tokens[0] == "FWM" and len(tokens) > 2 and tokens[2] == "IPv6" else 2
        services.append((" ".join(tokens[:width]), tokens[width:], []))
    return lines[0], services


def scheduler_column(tokens, family):
    """ipvsadm's Scheduler Flags column -> the JSON fields it shows."""
    got = {"scheduler": tokens[0], "scheduler_flags": [], "persistent": False, "one_packet": False,
           "persistence_engine": None}
    rest = iter(tokens[1:])
    for word in rest:
        if word.startswith("("):
            got["scheduler_flags"] = word.strip("()").split(",")
        elif word == "persistent":
            got["persistent"] = True
            got["timeout"] = int(next(rest))
            got["netmask"] = "128" if family == "ipv6" else "255.255.255.255"
        elif word == "mask":
            got["netmask"] = next(rest)
        elif word == "pe":
            got["persistence_engine"] = next(rest)
        elif word == "ops":
            got["one_packet"] = True
        else:
            got["unknown word " + word] = True
    return got


def observe(folder):
    """ipvsadm's views -> {(where, field): value}, with the order of services and destinations as fields."""
    views = {name: parse(f"{folder}/{name}.txt") for name in ["ln", "stats", "rate", "thresholds", "pconn", "tun"]}
    fields = {("table", "header"): views["ln"][0]}
    services = views["ln"][1]
    fields[("table", "services")] = [s[0] for s in services]
    for i, (key, tokens, dests) in enumerate(services):
        family = "ipv6" if "[" in key or key.endswith("IPv6") else "ipv4"
        for name, value in scheduler_column(tokens, family).items():
            fields[(key, name)] = value
        for name, value in zip(STATS + RATES, views["stats"][1][i][1][-5:] + views["rate"][1][i][1][-5:]):
            fields[(key, name)] = int(value)
        fields[(key, "destinations")] = [d[0] for d in dests]
        for j, (endpoint, (forward, weight, active, inactive)) in enumerate(dests):
            where = f"{key} -> {endpoint}"
            fields[(where, "forwarding")] = FORWARD[forward]
            fields[(where, "weight")] = int(weight)
            fields[(where, "active_connections")] = int(active)
            fields[(where, "inactive_connections")] = int(inactive)
            counters = views["stats"][1][i][2][j][1] + views["rate"][1][i][2][j][1]
            for name, value in zip(STATS + RATES, counters):
                fields[(where, name)] = int(value)
            upper, lower = views["thresholds"][1][i][2][j][1][:2]
            fields[(where, "upper_threshold")] = int(upper)
            fields[(where, "lower_threshold")] = int(lower)
            fields[(where, "persistent_connections")] = int(views["pconn"][1][i][2][j][1][1])
            fields[(where, "tunnel")] = views["tun"][1][i][2][j][1][1]
    return fields


def key_of(s):
    if s["fwmark"] is not None:
        return f"FWM {s['fwmark']}" + (" IPv6" if s["family"] == "ipv6" else "")
    return f"{s['protocol'].upper()} {endpoint_of(s)}"


def endpoint_of(x):
    return (f"[{x['address']}]" if x["family"] == "ipv6" else x["address"]) + f":{x['port']}"


def tunnel_column(d):
    """What ipvsadm --tun-info prints for a destination: n/a, ipip, gue:PORT:CSUM, gre:CSUM."""
    if d["forwarding"] != "tunnel":
        return "n/a"
    t = d["tunnel"]
    csum = "r+c" if t["flags"] & 2 else "+c" if t["flags"] & 1 else "-c"
    return {"ipip": "ipip", "gue": f"gue:{t['port']}:{csum}", "gre": f"gre:{csum}"}[t["type"]]


def read(doc):
    """drcheck's JSON -> {(where, field): value} for every field ipvsadm shows."""
    fields = {("table", "header"): f"IP Virtual Server version {doc['version']} (size={doc['connection_table_size']})",
              ("table", "services"): [key_of(s) for s in doc["services"]]}
    for s in doc["services"]:
        key = key_of(s)
        for name in ["scheduler", "scheduler_flags", "persistent", "one_packet", "persistence_engine"]:
            fields[(key, name)] = s[name]
        if s["persistent"]:
            fields[(key, "timeout")] = s["timeout"]
            fields[(key, "netmask")] = s["netmask"]
        for name in STATS + RATES:
            fields[(key, name)] = s["stats"][name]
        fields[(key, "destinations")] = [endpoint_of(d) for d in s["destinations"]]
        for d in s["destinations"]:
            where = f"{key} -> {endpoint_of(d)}"
            for name in ["forwarding", "weight", "active_connections", "inactive_connections", "upper_threshold",
                         "lower_threshold", "persistent_connections"]:
                fields[(where, name)] = d[name]
            for name in STATS + RATES:
                fields[(where, name)] = d["stats"][name]
            fields[(where, "tunnel")] = tunnel_column(d)
    return fields


def main(before_dir, after_dir, json_path):
    before, after = observe(before_dir), observe(after_dir)
    doc = json.load(open(json_path))
    drcheck = read(doc)
    mismatches = []
    for field in sorted(set(before) | set(after) | set(drcheck), key=str):
        seen = {repr(before.get(field, "<absent>")), repr(after.get(field, "<absent>"))}
        numbers = [before.get(field), after.get(field), drcheck.get(field)]
        if all(type(n) is int for n in numbers) and min(numbers[:2]) <= numbers[2] <= max(numbers[:2]):
            continue
        if repr(drcheck.get(field, "<absent>")) not in seen:
            mismatches.append(f"{field[0]}: {field[1]}: ipvsadm {' / '.join(sorted(seen))}, "
                              f"drcheck {drcheck.get(field, '<absent>')!r}")
    moved = sum(1 for field in before if before[field] != after.get(field))
    for line in mismatches[:20]:
        print("  mismatch " + line)
    total = len(set(before) | set(drcheck))
    destinations = sum(len(s["destinations"]) for s in doc["services"])
    print(f"{len(doc['services'])} services, {destinations} destinations: {total - len(mismatches)} of {total} "
          f"fields equal ipvsadm's ({moved} moved in the kernel while they were read)")
    return 0 if not mismatches else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
