#!/usr/bin/env python3
"""Compares `drcheck ipvs --json` with ipvsadm, field by field (ipvsadm is the oracle).

Usage: ipvs-compare.py DIR, where DIR holds drcheck.json and ipvsadm's outputs of the same table:
  ln.txt (-Ln --exact), stats.txt (-Ln --stats --exact), rate.txt (-Ln --rate --exact),
  thresholds.txt (-Ln --thresholds --exact), pconn.txt (-Ln --persistent-conn --exact), tun.txt (-Ln --tun-info --exact).
Prints the first mismatches and a summary line; exit status 0 only when every field of every service and
destination (and their order) is equal.
"""
import json
import sys

FORWARD = {"Route": "route", "Masq": "masquerade", "Tunnel": "tunnel", "Local": "local"}
STATS = ["connections", "in_packets", "out_packets", "in_bytes", "out_bytes"]
RATES = ["connection_rate", "in_packet_rate", "out_packet_rate", "in_byte_rate", "out_byte_rate"]


def parse(path):
    """ipvsadm listing -> (version line, [(service key, tokens, [(endpoint, tokens)])])."""
    with open(path) as f:
        lines = f.read().splitlines()
    services = []
    for line in lines[3:]:
        if line.startswith("  -> "):
            tokens = line[5:].split()
            services[-1][2].append((tokens[0], tokens[1:]))
            continue
        tokens = line.split()
        if tokens[0] == "FWM":
            width = 3 if len(tokens) > 2 and tokens[2] == "IPv6" else 2
        else:
            width = 2
        services.append((" ".join(tokens[:width]), tokens[width:], []))
    return lines[0], services


def service_key(s):
    if s["fwmark"] is not None:
        return f"FWM {s['fwmark']}" + (" IPv6" if s["family"] == "ipv6" else "")
    host = f"[{s['address']}]" if s["family"] == "ipv6" else s["address"]
    return f"{s['protocol'].upper()} {host}:{s['port']}"


def endpoint(d):
    host = f"[{d['address']}]" if d["family"] == "ipv6" else d["address"]
    return f"{host}:{d['port']}"


def service_flags(tokens):
    """The Scheduler Flags column -> the JSON fields it shows."""
    got = {"scheduler": tokens[0], "scheduler_flags": [], "persistent": False, "one_packet": False,
           "persistence_engine": None}
    rest = tokens[1:]
    i = 0
    while i < len(rest):
        word = rest[i]
        if word.startswith("("):
            got["scheduler_flags"] = word.strip("()").split(",")
        elif word == "persistent":
            got["persistent"] = True
            got["timeout"] = int(rest[i + 1])
            i += 1
        elif word == "mask":
            got["netmask"] = rest[i + 1]
            i += 1
        elif word == "pe":
            got["persistence_engine"] = rest[i + 1]
            i += 1
        elif word == "ops":
            got["one_packet"] = True
        else:
            got["unknown " + word] = True
        i += 1
    return got


def tunnel_info(d):
    if d["forwarding"] != "tunnel":
        return "n/a"
    t = d["tunnel"]
    csum = ("r" if t["flags"] & 2 else "") + ("+c" if t["flags"] & 1 else "-c")
    return {"ipip": "ipip", "gue": f"gue:{t['port']}:{csum}", "gre": f"gre:{csum}"}[t["type"]]


def main(folder):
    doc = json.load(open(f"{folder}/drcheck.json"))
    listings = {name: parse(f"{folder}/{name}.txt") for name in ["ln", "stats", "rate", "thresholds", "pconn", "tun"]}
    fields = 0
    mismatches = []

    def check(where, name, expected, actual):
        nonlocal fields
        fields += 1
        if expected != actual:
            mismatches.append(f"{where}: {name}: ipvsadm {expected!r}, drcheck {actual!r}")

    check("header", "version line", listings["ln"][0],
          f"IP Virtual Server version {doc['version']} (size={doc['connection_table_size']})")
    ln = listings["ln"][1]
    check("table", "services in order", [s[0] for s in ln], [service_key(s) for s in doc["services"]])
    by_key = {service_key(s): s for s in doc["services"]}
    for index, (key, tokens, dests) in enumerate(ln):
        s = by_key.get(key)
        if s is None:
            continue
        flags = service_flags(tokens)
        default_mask = "128" if s["family"] == "ipv6" else "255.255.255.255"
        if flags["persistent"]:
            flags.setdefault("netmask", default_mask)
        for name, value in flags.items():
            check(key, name, value, s.get(name))
        check(key, "persistent flag bit", flags["persistent"], bool(s["flags"] & 1))
        stats = listings["stats"][1][index]
        rate = listings["rate"][1][index]
        for name, value in zip(STATS, stats[1][-5:]):
            check(key, name, int(value), s["stats"][name])
        for name, value in zip(RATES, rate[1][-5:]):
            check(key, name, int(value), s["stats"][name])
        check(key, "destinations in order", [d[0] for d in dests], [endpoint(d) for d in s["destinations"]])
        for j, d in enumerate(s["destinations"][: len(dests)]):
            where = f"{key} -> {endpoint(d)}"
            forward, weight, active, inactive = dests[j][1]
            check(where, "forwarding", FORWARD[forward], d["forwarding"])
            check(where, "weight", int(weight), d["weight"])
            check(where, "active_connections", int(active), d["active_connections"])
            check(where, "inactive_connections", int(inactive), d["inactive_connections"])
            for name, value in zip(STATS, listings["stats"][1][index][2][j][1]):
                check(where, name, int(value), d["stats"][name])
            for name, value in zip(RATES, listings["rate"][1][index][2][j][1]):
                check(where, name, int(value), d["stats"][name])
            upper, lower = listings["thresholds"][1][index][2][j][1][:2]
            check(where, "upper_threshold", int(upper), d["upper_threshold"])
            check(where, "lower_threshold", int(lower), d["lower_threshold"])
            check(where, "persistent_connections", int(listings["pconn"][1][index][2][j][1][1]),
                  d["persistent_connections"])
            check(where, "tunnel", listings["tun"][1][index][2][j][1][1], tunnel_info(d))
    destinations = sum(len(s["destinations"]) for s in doc["services"])
    for line in mismatches[:20]:
        print("  mismatch " + line)
    print(f"{len(doc['services'])} services, {destinations} destinations: "
          f"{fields - len(mismatches)} of {fields} fields equal")
    return 0 if not mismatches else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
