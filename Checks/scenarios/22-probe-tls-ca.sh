#!/usr/bin/env bash
# HTTPS real servers whose certificates come from an internal CA (tls_ca_file), probed through the DR path. rs1 and
# rs2 run `openssl s_server` on 8443 with a certificate for www.example.test only (no address in it): rs1's from the
# lab's CA, rs2's from an unrelated CA. The DR-path probe connects to the VIP yet verifies the name www.example.test
# (Host, SNI and the certificate check follow --host / the check's host): rs1 passes with the CA file and fails as
# tls_error with the unrelated CA, the system bundle or no host name; rs2 fails with the CA file. `drcheck --once`
# with tls_ca_file in defaults finds the same, and a relative or missing tls_ca_file is a config error (exit 2).
. "$(dirname "$0")/../lab/scenario.sh" agent

TLS_PORT=8443
TLS=$LAB_STATE/tls
NAME=www.example.test

# certificate NAME... : makes a key and certificate; "ca FILE" a CA, "server FILE CA" a server certificate for $NAME.
certificate() {
  local kind=$1 out=$TLS/$2 new=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1)
  if [ "$kind" == ca ]; then
    openssl req -x509 "${new[@]}" -subj "/CN=$2" -keyout "$out.key" -out "$out.pem" 2>/dev/null
  else
    openssl req -x509 "${new[@]}" -subj "/CN=$NAME" -CA "$TLS/$3.pem" -CAkey "$TLS/$3.key" \
      -addext "subjectAltName=DNS:$NAME" -addext "basicConstraints=critical,CA:FALSE" \
      -keyout "$out.key" -out "$out.pem" 2>/dev/null
  fi
}

# probe I ARG...: the DR-path https probe of rsI (fwmark 1000+I, from the DIP, to VIP:8443); "class status exit=N".
probe() {
  local i=$1 out status=0
  shift
  out=$(lab_in lvs "$AGENT_BIN" probe --timeout 2s --mark $((1000 + i)) --dr-server "$(lab_rip "$i")" \
    --source "$LAB_DIP" "$@" "https://$LAB_VIP:$TLS_PORT/" 2>/dev/null) || status=$?
  echo "$out exit=$status" | awk '{print $1, $2, $4}'
}

lab_step "topology; a CA and an unrelated one; rs1 (certificate from the CA) and rs2 (from the other) on :$TLS_PORT"
lab_topology_or_exit 2
mkdir -p "$TLS"
certificate ca lab-ca && certificate ca other-ca && certificate server rs1 lab-ca && certificate server rs2 other-ca
ipvs="-A -t $LAB_VIP:$TLS_PORT -s rr"
for i in 1 2; do
  ip netns exec "rs$i" openssl s_server -quiet -www -4 -accept "$TLS_PORT" -key "$TLS/rs$i.key" \
    -cert "$TLS/rs$i.pem" >"$TLS/rs$i.log" 2>&1 &
  ipvs+=$'\n'"-a -t $LAB_VIP:$TLS_PORT -r $(lab_rip "$i"):$TLS_PORT -g -w 1"
done
lab_in lvs ipvsadm -R <<<"$ipvs"
lab_wait_port lvs "$TLS_PORT" "$(lab_rip 1)" "$(lab_rip 2)" || { echo "FAIL - s_server"; exit 1; }
lab_sysctl lvs net.ipv4.conf.lvs-rs.accept_local=1

lab_step "drcheck probe through the DR path (connects to the VIP, verifies $NAME)"
lab_expect_eq "rs1 with the lab's CA file: ok" "ok 200 exit=0" "$(probe 1 --host $NAME --tls-ca-file "$TLS/lab-ca.pem")"
lab_expect_eq "rs1 with the unrelated CA file: tls_error" "tls_error - exit=1" \
  "$(probe 1 --host $NAME --tls-ca-file "$TLS/other-ca.pem")"
lab_expect_eq "rs1 with the system bundle: tls_error" "tls_error - exit=1" "$(probe 1 --host $NAME)"
lab_expect_eq "rs1 with the CA file but no host: the VIP is not in the certificate, tls_error" "tls_error - exit=1" \
  "$(probe 1 --tls-ca-file "$TLS/lab-ca.pem")"
lab_expect_eq "rs2 (the unrelated CA's certificate) with the lab's CA file: tls_error" "tls_error - exit=1" \
  "$(probe 2 --host $NAME --tls-ca-file "$TLS/lab-ca.pem")"
lab_expect_eq "rs2 without verification: ok" "ok 200 exit=0" "$(probe 2 --host $NAME --insecure)"

lab_step "drcheck --once, tls_ca_file in defaults, the https service in dr mode"
cat >"$AGENT_CONFIG" <<YAML
defaults:
  tls_ca_file: $TLS/lab-ca.pem
services:
  - vip: "$LAB_VIP:$TLS_PORT"
    check: {scheme: https, host: $NAME, timeout: 2s, interval: 2s}
YAML
status=0
out=$(lab_in lvs "$AGENT_BIN" --once --config "$AGENT_CONFIG" --state "$AGENT_STATE" 2>&1) || status=$?
sed 's/^/    | /' <<<"$out"
lab_expect_eq "exit 1 (rs2 fails)" "1" "$status"
lab_expect_match "rs1: ok" "$LAB_VIP:$TLS_PORT +$(lab_rip 1):$TLS_PORT +ok " "$out"
lab_expect_match "rs2: tls_error" "$LAB_VIP:$TLS_PORT +$(lab_rip 2):$TLS_PORT +tls_error " "$out"
lab_expect_match "rs2's reason in one line" \
  "$(lab_rip 2):$TLS_PORT: SSL certificate problem: unable to get local issuer certificate" "$out"

lab_step "config errors: a relative path, a missing file"
sed -i "s|tls_ca_file: .*|tls_ca_file: lab-ca.pem|" "$AGENT_CONFIG"
status=0
err=$("$AGENT_BIN" config check --config "$AGENT_CONFIG" 2>&1 >/dev/null) || status=$?
lab_expect_eq "relative: exit 2 with file:line:key" \
  "2 drcheck: $AGENT_CONFIG:2: defaults.tls_ca_file: must be an absolute path (got \"lab-ca.pem\")" "$status $err"
sed -i "s|tls_ca_file: .*|tls_ca_file: $TLS/gone.pem|" "$AGENT_CONFIG"
status=0
err=$(lab_in lvs "$AGENT_BIN" --once --config "$AGENT_CONFIG" --state "$AGENT_STATE" 2>&1 >/dev/null) || status=$?
lab_expect_eq "missing: --once exits 2 with file:line:key" \
  "2 drcheck: $AGENT_CONFIG:2: defaults.tls_ca_file: cannot read $TLS/gone.pem: no such file" "$status $err"

lab_finish
