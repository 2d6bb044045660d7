#!/usr/bin/env bash
# Fails when BINARY defines a global function that the C library also defines: such a definition would replace the
# C library's for every library in the process (libcurl, OpenSSL), which drcheck never does (README.md "The probe
# engine"). Prints each such name. Usage: Checks/libc-names.sh BINARY
set -euo pipefail
binary=$1
libc=$(ldd "$binary" | awk '$1 ~ /^libc\.so/ {print $3}')
[ -n "$libc" ] || libc=$(gcc -print-file-name=libc.so.6)
# Global code symbols only (T, W, i): a local one (t) binds nothing outside its file. The dynamic table too: a
# stripped binary keeps there what it exports to the libraries it loads.
ours=$({ nm --defined-only "$binary" 2>/dev/null || true; nm -D --defined-only "$binary" 2>/dev/null || true; } |
  awk '$2 ~ /^[TWi]$/ {print $3}' | sort -u)
theirs=$(nm -D --defined-only "$libc" | awk '$2 ~ /^[TWi]$/ {sub(/@.*/, "", $3); print $3}' | sort -u)
# The C runtime's start files link _init, _fini and _start into every executable.
clash=$(comm -12 <(echo "$ours") <(echo "$theirs") | grep -vxE '_init|_fini|_start' || true)
if [ -n "$clash" ]; then
  echo "libc-names: $binary defines C library functions: $(echo "$clash" | paste -sd' ')"
  exit 1
fi
echo "libc-names: $binary defines no C library function ($(echo "$ours" | wc -l) global functions checked against $libc)"
