#!/usr/bin/env bash
# gRPC services checked with gRPC's own health protocol (grpc.health.v1.Health/Check over HTTP/2, cleartext with
# prior knowledge) through the DR path: a pool of two gRPC servers (Checks/lab/grpchealth.py on Debian's python3-grpcio,
# weight 4) with `type: grpc`, `grpc_service: app.Greeter` (and by hand over TLS, ALPN h2, verified against its CA). Serving servers keep their weight; NOT_SERVING and a
# server without the health service (UNIMPLEMENTED) are drained as body_mismatch with what they said in /status, and
# restored when they serve again; a stopped server is drained as connect_refused; a server without the VIP on lo as
# dr_path; an HTTP/1 server asked by gRPC is a protocol_error (or a reset, when it closes first).
. "$(dirname "$0")/../lab/scenario.sh" agent

PORT=50051
weights() { lab_port_weights "$PORT"; }

# grpc_start I / grpc_stop I: rsI's gRPC health server on its RIP and the VIP, answering what $LAB_STATE/grpcI.mode
# says (SERVING at first).
grpc_start() {
  [ -e "$LAB_STATE/grpc$1.mode" ] || echo SERVING >"$LAB_STATE/grpc$1.mode"
  ip netns exec "rs$1" /usr/bin/python3 "$LAB_DIR/grpchealth.py" --port "$PORT" --addresses "$(lab_rip "$1"),$LAB_VIP" \
    --mode-file "$LAB_STATE/grpc$1.mode" --service app.Greeter >>"$LAB_STATE/grpc$1.log" 2>&1 &
  echo $! >"$LAB_STATE/grpc$1.pid"
}
grpc_stop() {
  local pid
  read -r pid <"$LAB_STATE/grpc$1.pid"
  kill "$pid"
  wait "$pid" 2>/dev/null
}
grpc_mode() { echo "$2" >"$LAB_STATE/grpc$1.mode"; }

# down I CLASS: how many times the log says rsI went down for CLASS.
down() { agent_log_count "$LAB_VIP:$PORT/tcp $(lab_rip "$1"):$PORT: down ($2)"; }

# last_detail I: the last result's detail of rsI, from /status.
last_detail() { agent_last_detail greeter "$(lab_rip "$1"):$PORT"; }

lab_step "topology: a gRPC service ($PORT) on rs1 and rs2, weight 4"
lab_topology_or_exit 2
grpc_start 1
grpc_start 2
printf -- '-A -t %s:%s -s rr\n-a -t %s:%s -r %s:%s -g -w 4\n-a -t %s:%s -r %s:%s -g -w 4\n' \
  "$LAB_VIP" "$PORT" "$LAB_VIP" "$PORT" "$(lab_rip 1)" "$PORT" "$LAB_VIP" "$PORT" "$(lab_rip 2)" "$PORT" |
  lab_in lvs ipvsadm -R
lab_wait_port lvs "$PORT" "$(lab_rip 1)" "$(lab_rip 2)" || { echo "FAIL - gRPC servers did not listen"; exit 1; }

lab_step "drcheck probe --grpc, by hand"
lab_expect_match "rs1 serves app.Greeter" "^ok 200 " \
  "$(lab_in lvs "$AGENT_BIN" probe --grpc --grpc-service app.Greeter "http://$(lab_rip 1):$PORT" 2>&1)"
status=0
out=$(lab_in lvs "$AGENT_BIN" probe --grpc --grpc-service other "http://$(lab_rip 1):$PORT" 2>&1) || status=$?
lab_expect_eq "a service it does not know: exit 1" "1" "$status"
lab_expect_match "... grpc-status 5 (NOT_FOUND), as body_mismatch" \
  "grpc-status 5 \(NOT_FOUND\): unknown service other.*body_mismatch 200" "$(tr '\n' ' ' <<<"$out")"
status=0
out=$(lab_in lvs "$AGENT_BIN" probe --grpc "http://$(lab_rip 1):$LAB_PORT/" 2>&1) || status=$?
# It answers 400 to the HTTP/2 preface and closes, often before libcurl has sent all of it.
lab_expect_match "an HTTP/1 server asked by gRPC: protocol_error (or reset)" "(protocol_error|reset) - " "$out"

lab_step "gRPC over TLS (ALPN h2): rs1 also serves on $((PORT + 1)) with a certificate for grpc.lab"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=grpc.lab" -addext "subjectAltName=DNS:grpc.lab" \
  -keyout "$LAB_STATE/grpc.key" -out "$LAB_STATE/grpc.pem" 2>/dev/null
ip netns exec rs1 /usr/bin/python3 "$LAB_DIR/grpchealth.py" --port $((PORT + 1)) --addresses "$(lab_rip 1)" \
  --mode-file "$LAB_STATE/grpc1.mode" --tls "$LAB_STATE/grpc.pem" "$LAB_STATE/grpc.key" >>"$LAB_STATE/grpc1.log" 2>&1 &
lab_wait_port lvs $((PORT + 1)) "$(lab_rip 1)" || echo "FAIL - the TLS gRPC server did not listen"
lab_expect_match "https with its CA and name: ok" "^ok 200 " \
  "$(lab_in lvs "$AGENT_BIN" probe --grpc --tls-ca-file "$LAB_STATE/grpc.pem" --host grpc.lab \
    "https://$(lab_rip 1):$((PORT + 1))" 2>&1)"
lab_expect_match "another name than the certificate's: tls_error" "^tls_error " \
  "$(lab_in lvs "$AGENT_BIN" probe --grpc --tls-ca-file "$LAB_STATE/grpc.pem" --host other.lab \
    "https://$(lab_rip 1):$((PORT + 1))" 2>&1 | tail -n 1)"

printf 'defaults: {interval: 1s, timeout: 900ms, rise: 1, fall: 1}\nservices:\n  - name: greeter\n    vip: "%s:%s"\n    check: {type: grpc, grpc_service: app.Greeter}\n' \
  "$LAB_VIP" "$PORT" | agent_config
lab_step "the daemon: every weight holds while both serve (fall 1)"
agent_start || agent_finish
agent_wait_ready
sleep 4
lab_expect_eq "every weight is 4" "$PORT:4,4" "$(weights)"
lab_expect_eq "no server went down" "0" "$(agent_log_count ": down (")"
lab_expect_match "rs1's server is asked about app.Greeter" "^[1-9]" "$(grep -c "check 'app.Greeter'" "$LAB_STATE/grpc1.log")"
fds=$(agent_descriptors)

lab_step "rs2 says NOT_SERVING: drained as body_mismatch, back when it serves"
grpc_mode 2 NOT_SERVING
lab_wait 15 lab_prints "$PORT:4,0" weights
lab_expect_eq "its down line names body_mismatch" "1" "$(down 2 body_mismatch)"
lab_expect_eq "/status says what it said" "the server says NOT_SERVING" "$(last_detail 2)"
grpc_mode 2 SERVING
lab_wait 15 lab_prints "$PORT:4,4" weights
lab_expect_eq "restored" "$PORT:4,4" "$(weights)"

lab_step "rs1 loses its health service (UNIMPLEMENTED): drained, restored"
grpc_mode 1 UNIMPLEMENTED
lab_wait 15 lab_prints "$PORT:0,4" weights
lab_expect_eq "/status names grpc-status 12" "grpc-status 12 (UNIMPLEMENTED): no health service here" \
  "$(last_detail 1)"
grpc_mode 1 SERVING
lab_wait 15 lab_prints "$PORT:4,4" weights

lab_step "rs2's server stops: drained as connect_refused, restored when it is back"
grpc_stop 2
lab_wait 15 lab_prints "$PORT:4,0" weights
# A call under way when the server dies sees its connection reset; the next ones are refused.
lab_expect_eq "it went down once, refused (or reset mid-call)" "1" \
  "$(($(down 2 connect_refused) + $(down 2 reset)))"
grpc_start 2
lab_wait 20 lab_prints "$PORT:4,4" weights
lab_expect_eq "restored" "$PORT:4,4" "$(weights)"
lab_expect_eq "the daemon's descriptors are as many as before the failures ($fds)" "$fds" \
  "$(agent_descriptors)"

lab_step "rs2 loses the VIP from lo: drained as dr_path"
lab_vip_del 2
lab_wait 20 lab_prints "$PORT:4,0" weights
lab_expect_eq "its down line names dr_path" "1" "$(down 2 dr_path)"
lab_vip_add 2
lab_wait 20 lab_prints "$PORT:4,4" weights
lab_expect_eq "restored once the VIP is back" "$PORT:4,4" "$(weights)"
agent_finish
