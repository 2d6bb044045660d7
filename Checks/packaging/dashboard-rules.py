#!/usr/bin/env python3
"""Prints a Prometheus rules file with one recording rule per query of a Grafana dashboard, so that
`promtool check rules` parses every query. Template variables ($instance, ${datasource}, ...) become ".*"."""
import json
import re
import sys


def queries(node):
    if isinstance(node, dict):
        if isinstance(node.get("expr"), str):
            yield node["expr"]
        for value in node.values():
            yield from queries(value)
    elif isinstance(node, list):
        for value in node:
            yield from queries(value)


dashboard = json.load(open(sys.argv[1]))
print("groups:\n  - name: dashboard\n    rules:")
for index, expr in enumerate(queries(dashboard["panels"])):
    expr = re.sub(r"\$\{?\w+\}?", ".*", expr)
    print(f"      - record: dashboard:query{index}\n        expr: {json.dumps(expr)}")
