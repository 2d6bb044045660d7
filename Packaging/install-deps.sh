#!/usr/bin/env bash
# Installs every Debian package that building, testing and the DR lab need.
# Idempotent: only what is missing is installed; run as root.
set -euo pipefail

packages=(
  # build
  pkg-config libcurl4-openssl-dev libnl-3-dev libnl-genl-3-dev libyaml-dev zlib1g-dev
  # unit tests: the HTTPS probe tests' certificates and server (openssl req, openssl s_server)
  openssl
  # the lab: a real IPVS kernel in User-Mode Linux and the tools run inside it
  user-mode-linux kmod ipvsadm iproute2 procps python3 curl
  # UML's register-restore fix for AVX-512/AMX hosts (Checks/lab/uml-xstate.c, built at boot)
  gcc libc6-dev
  # the lab's packet view and its faster real server (benchmarks)
  tcpdump nginx
  # the lab's DNS real servers (UDP and TCP services) and the exec check that queries them
  dnsmasq-base bind9-dnsutils
  # the lab's gRPC real servers (Checks/lab/grpchealth.py)
  python3-grpcio
  # the lab's conntrack on the director (a rule makes the kernel track its connections)
  iptables
  # the lab's peer: the checker Checks/bench/vs-keepalived.sh compares drcheck against
  keepalived
  # the fleet: etcd, for the gateway's unit test and the lab's fleet of directors
  etcd-server
  # metrics checks: promtool and a real Prometheus server
  prometheus
  # packaging
  dpkg-dev lintian systemd
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

# The import tests' second corpus: ldirectord's own example configuration, from its Debian package, unpacked but not
# installed (the Perl daemon itself is not needed). Tests and scenario 84 read it from here.
corpus=/var/cache/drcheck/corpus
ldirectord_example=$corpus/ldirectord/usr/share/doc/ldirectord/examples/ldirectord.cf

if [ "${#missing[@]}" -eq 0 ] && [ -f "$ldirectord_example" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]} (or $ldirectord_example); run this script as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -f "$ldirectord_example" ]; then
  echo "install-deps: unpacking ldirectord's example configuration into $corpus" >&2
  download=$(mktemp -d)
  chmod 755 "$download"
  (cd "$download" && apt-get download -qq ldirectord >/dev/null)
  mkdir -p "$corpus/ldirectord"
  dpkg-deb -x "$download"/ldirectord_*.deb "$corpus/ldirectord"
  rm -rf "$download"
fi
