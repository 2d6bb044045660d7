#!/usr/bin/env bash
# drcheck probe classifies every behaviour of the lab's real server, probing rs1's RIP from the director:
# 200 -> ok (also with a proxy in the environment, which a probe never uses), 500 -> http_status, hang -> timeout at the deadline (within 100 ms), trickle -> timeout,
# reset -> reset, close without a response -> protocol_error (an orderly FIN before any byte of HTTP: the server's
# TCP is fine, its application answered nothing; a reset is kept for RSTs), wrong body -> body_mismatch, a header
# line of 1 MiB -> protocol_error, a body of 100 MiB -> ok at once with less than 1 MiB of it sent (the status
# decides and the probe stops after the head; with --expect-body it reads only the 64 KiB it matches),
# stopped -> connect_refused; the director out of descriptors (ulimit -n 6: the process's own six are taken, the
# probe's socket is not) -> local_error, which the daemon counts against no server. Exit status 0 only for ok.
. "$(dirname "$0")/../lab/scenario.sh"
drcheck=$(lab_exe drcheck) || exit 1

lab_step "topology: director lvs, rs1 and rs2"
lab_topology_or_exit 2
rip1="http://$(lab_rip 1):$LAB_PORT/"

# probe ARG...: runs drcheck probe from the director; prints "class status duration exit=N".
probe() {
  local out status=0
  out=$(lab_in lvs "$drcheck" probe "$@" 2>/dev/null) || status=$?
  echo "$out exit=$status"
}

# expect_class DESC EXPECTED ARG...: the first two fields (class, status) and the exit status of a probe.
expect_class() {
  local desc=$1 expected=$2 got
  shift 2
  got=$(probe "$@")
  echo "drcheck probe $*: $got"
  lab_expect_eq "$desc" "$expected" "$(awk '{print $1, $2, $4}' <<<"$got")"
}

lab_step "answers 200"
lab_rs_mode 1 ok
expect_class "200 -> ok 200, exit 0" "ok 200 exit=0" --timeout 1s "$rip1"
expect_class "Host header and body regex: ok" "ok 200 exit=0" --host www.example.com --expect-body '^rs1$' "$rip1"
lab_expect_match "rs1 saw the Host header given" "host=www.example.com:$LAB_PORT mode=ok" "$(tail -n 1 "$LAB_STATE/rs1.log")"

lab_step "a proxy in the environment is not used (the probe goes straight to the server it judges)"
got=$(lab_in lvs env http_proxy=http://203.0.113.250:3128 HTTP_PROXY=http://203.0.113.250:3128 \
  ALL_PROXY=http://203.0.113.250:3128 "$drcheck" probe --timeout 1s "$rip1" 2>/dev/null) || true
echo "drcheck probe with http_proxy set: $got"
lab_expect_eq "http_proxy, HTTP_PROXY and ALL_PROXY set: ok 200 from rs1" "ok 200" "$(awk '{print $1, $2}' <<<"$got")"

lab_step "answers 500"
lab_rs_mode 1 error
expect_class "500 -> http_status 500, exit 1" "http_status 500 exit=1" "$rip1"
expect_class "500 accepted by --expect-status 200,500-599 -> ok" "ok 500 exit=0" --expect-status 200,500-599 "$rip1"

lab_step "hangs"
lab_rs_mode 1 hang
got=$(probe --timeout 1s "$rip1")
echo "drcheck probe --timeout 1s: $got"
lab_expect_eq "hang -> timeout without a status, exit 1" "timeout - exit=1" "$(awk '{print $1, $2, $4}' <<<"$got")"
lab_expect_eq "the timeout comes at the 1 s deadline, within 100 ms" yes \
  "$(awk '{d = $3 + 0; print (d >= 0.9 && d <= 1.1) ? "yes" : "no (" d "s)"}' <<<"$got")"

lab_step "trickles the response one byte every 200 ms"
lab_rs_mode 1 trickle
got=$(probe --timeout 1s "$rip1")
echo "drcheck probe --timeout 1s: $got"
lab_expect_match "trickle -> timeout at the whole-probe deadline, exit 1" '^timeout [-0-9]+ 1\.0[0-9]{2}s exit=1$' "$got"

lab_step "resets the connection"
lab_rs_mode 1 reset
expect_class "reset -> reset, exit 1" "reset - exit=1" "$rip1"

lab_step "closes without a response"
lab_rs_mode 1 close
expect_class "close -> protocol_error (empty reply), exit 1" "protocol_error - exit=1" "$rip1"

lab_step "answers a wrong body"
lab_rs_mode 1 body maintenance
expect_class "wrong body -> body_mismatch 200, exit 1" "body_mismatch 200 exit=1" --expect-body '^rs1$' "$rip1"

lab_step "answers a header line of 1 MiB"
lab_rs_mode 1 bighead
expect_class "1 MiB header line -> protocol_error 200, exit 1" "protocol_error 200 exit=1" "$rip1"

# big_body_sent N: waits (at most 5 s) for rs1's Nth "bigbody: sent" log line and prints its byte count.
big_body_sent() {
  local log=$LAB_STATE/rs1.log
  lab_wait 5 lab_prints "$1" grep -c '^bigbody: sent' "$log"
  grep '^bigbody: sent' "$log" | tail -n 1 | awk '{print $3}'
}

# expect_big_body N DESC ARG...: a probe of rs1 in bigbody mode (the Nth) is ok 200 well before its 2 s deadline,
# and rs1 sent less than 1 MiB of the body for it (none at all when the probe's reset, which closes it once the head
# is read, reaches rs1 before its first write of the body).
expect_big_body() {
  local n=$1 desc=$2 got sent
  shift 2
  got=$(probe --timeout 2s "$@" "$rip1")
  echo "drcheck probe --timeout 2s${*:+ $*}: $got"
  lab_expect_match "$desc -> ok 200 within 500 ms, exit 0" '^ok 200 0\.[0-4][0-9]{2}s exit=0$' "$got"
  sent=$(big_body_sent "$n")
  echo "rs1 sent $sent bytes of its 100 MiB body"
  lab_expect_eq "$desc: rs1 sent less than 1 MiB of the body" yes \
    "$([ -n "$sent" ] && [ "$sent" -lt 1048576 ] && echo yes || echo "no (${sent:-none})")"
}

lab_step "answers a body of 100 MiB, as fast as it is read"
lab_rs_mode 1 bigbody
expect_big_body 1 "100 MiB body, the status decides"
expect_big_body 2 "100 MiB body, --expect-body matching its first bytes" --expect-body '^aaaa'

lab_step "the director out of descriptors"
got=$(lab_in lvs bash -c 'ulimit -n 6; exec "$0" probe "$1"' "$drcheck" "$rip1" 2>/dev/null)
echo "drcheck probe with ulimit -n 6: $got"
lab_expect_eq "no socket for the probe -> local_error" "local_error -" "$(awk '{print $1, $2}' <<<"$got")"

lab_step "stopped"
lab_rs_stop 1
expect_class "stopped -> connect_refused, exit 1" "connect_refused - exit=1" "$rip1"

lab_step "usage errors exit 2"
lab_expect_status "a host name without --connect-to" 2 lab_in lvs "$drcheck" probe http://rs1.example/
lab_expect_status "a bad status list" 2 lab_in lvs "$drcheck" probe --expect-status 200-100 "$rip1"
lab_expect_status "a bad regular expression" 2 lab_in lvs "$drcheck" probe --expect-body '(' "$rip1"

lab_finish
