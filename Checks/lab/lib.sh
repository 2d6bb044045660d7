# shellcheck shell=bash
# The DR lab's topology and assertion helpers, sourced by scenarios that run inside User-Mode Linux
# (Checks/lab/uml-run.sh), and by the scripts that start on the host for Swift's PATH and the step into the lab. Topology (the seed's, on documentation ranges; see README.md):
#   client  --br_e--  lvs (director, VIP)  --br_lvs--  rs1..rsN (RIP; VIP on lo /32)
#   every rsI also sits on br_e, so replies go straight to the client (direct routing).
# The bridges live in UML's root namespace; everything else in its own network namespace.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_ROOT=${LAB_ROOT:-$(cd "$LAB_DIR/../.." && pwd)}
LAB_STATE=/tmp/lab                  # per-boot state: real servers' mode files, pid files and logs
LAB_CIP=198.51.100.2
LAB_VIP=198.51.100.33
LAB_PORT=8000
LAB_SERVICE=$LAB_VIP:$LAB_PORT
LAB_DIP=203.0.113.10
LAB_SERVERS=0                        # set by lab_topology
LAB_CHECKS=0
LAB_FAILED=0
SECONDS=0
# Swift's toolchain where Packaging/install-deps.sh puts it, when PATH has none.
command -v swift >/dev/null || PATH=$PATH:/opt/swift/usr/bin

# lab_rip I: prints real server I's address on br_lvs (203.0.113.(20+I)).
lab_rip() { echo "203.0.113.$((20 + $1))"; }

# lab_rs_client_ip I: prints real server I's own address on br_e (198.51.100.(100+I)).
lab_rs_client_ip() { echo "198.51.100.$((100 + $1))"; }

# lab_in NS CMD...: runs CMD in network namespace NS.
lab_in() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# lab_exe NAME: prints the path of the build's executable NAME: drcheck is $DRCHECK (default .build/debug/drcheck),
# ipvs-lab is $IPVS_LAB, any other sits beside drcheck; when it is missing, says FAIL on stderr and fails.
lab_exe() {
  local drcheck=${DRCHECK:-$LAB_ROOT/.build/debug/drcheck} exe
  exe=${drcheck%/*}/$1
  [ "$1" != drcheck ] || exe=$drcheck
  [ "$1" != ipvs-lab ] || exe=${IPVS_LAB:-$exe}
  [ -x "$exe" ] || { echo "FAIL - $exe missing: swift build first" >&2; return 1; }
  echo "$exe"
}

# lab_inside: true inside the UML lab kernel (its modules are installed for the running kernel).
lab_inside() {
  local release
  read -r release </proc/sys/kernel/osrelease
  [ -d "/usr/lib/uml/modules/$release" ]
}

# lab_rerun_inside SCRIPT [NAME=VALUE...] [-- ARG...]: on the host, runs `bash SCRIPT ARG...` inside the lab kernel
# (uml-run.sh) with each NAME=VALUE in its environment, and exits with its status; inside the lab, returns.
lab_rerun_inside() {
  lab_inside && return 0
  local script=$1 settings=()
  shift
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    settings+=("$1")
    shift
  done
  [ $# -eq 0 ] || shift
  exec "$LAB_DIR/uml-run.sh" env "${settings[@]}" bash "$script" "$@"
}

# lab_require_uml: refuses to touch the network unless this is the lab kernel (never build the lab on a real host).
lab_require_uml() {
  lab_inside || {
    echo "lab: not inside the UML lab kernel; run through Checks/lab/uml-run.sh" >&2
    exit 2
  }
}

# lab_modprobe MOD...: loads the UML kernel's modules (modprobe -d over a /tmp/m root linking the UML modules).
lab_modprobe() {
  lab_require_uml
  mkdir -p /tmp/m/lib
  ln -sfn /usr/lib/uml/modules /tmp/m/lib/modules
  modprobe -d /tmp/m -a "$@" || { echo "lab: modprobe $* failed" >&2; return 1; }
}

# lab_sysctl NS KEY=VALUE...: sets sysctls inside namespace NS.
lab_sysctl() { local ns=$1; shift; lab_in "$ns" sysctl -q -w "$@" >/dev/null; }

# lab_topology_or_exit N: lab_topology N, or the scenario ends at once with "FAIL - topology" (nothing else can hold
# without it).
lab_topology_or_exit() { lab_topology "$1" || { echo "FAIL - topology"; exit 1; }; }

# lab_topology N: builds the seed's DR topology with N real servers, the IPVS service (rr) with every real server
# at weight 1 (-g), and starts realserver.py on each rsI:8000 answering "rsI"; returns when every server listens.
# Every fork and exec costs a good part of a second in UML, so one `ip -batch` makes the namespaces and links and one
# more configures each namespace. New namespaces keep the kernel's defaults (rp_filter 0); the director's
# net.ipv4.conf.lvs-rs.accept_local stays at its default 0, because drcheck's DR probe sets it itself.
lab_topology() {
  local n=$1 i root ipvs rips=()
  lab_require_uml
  lab_modprobe veth bridge ip_vs ip_vs_rr
  mkdir -p "$LAB_STATE"
  root="link add br_e type bridge
link add br_lvs type bridge
link set br_e up
link set br_lvs up
netns add client
netns add lvs
link add client-e-br type veth peer name client-e netns client
link set client-e-br master br_e up
link add lvs-e-br type veth peer name lvs-e netns lvs
link set lvs-e-br master br_e up
link add lvs-rs-br type veth peer name lvs-rs netns lvs
link set lvs-rs-br master br_lvs up"
  ipvs="-A -t $LAB_SERVICE -s rr"
  for ((i = 1; i <= n; i++)); do
    rips+=("203.0.113.$((20 + i))")
    root+="
netns add rs$i
link add rs$i-e-br type veth peer name rs$i-e netns rs$i
link set rs$i-e-br master br_e up
link add rs$i-lvs-br type veth peer name rs$i-lvs netns rs$i
link set rs$i-lvs-br master br_lvs up"
    ipvs+="
-a -t $LAB_SERVICE -r ${rips[-1]}:$LAB_PORT -g -w 1"
  done
  ip -batch - <<<"$root"
  ip -n client -batch - <<<"link set lo up
addr add $LAB_CIP/24 dev client-e
link set client-e up"
  ip -n lvs -batch - <<<"link set lo up
addr add $LAB_VIP/24 dev lvs-e
link set lvs-e up
addr add $LAB_DIP/24 dev lvs-rs
link set lvs-rs up"
  lab_in lvs ipvsadm -R <<<"$ipvs"
  for ((i = 1; i <= n; i++)); do
    ip -n "rs$i" -batch - <<<"link set lo up
addr add $LAB_VIP/32 dev lo
addr add 198.51.100.$((100 + i))/24 dev rs$i-e
link set rs$i-e up
addr add ${rips[i - 1]}/24 dev rs$i-lvs
link set rs$i-lvs up"
    lab_sysctl "rs$i" "net.ipv4.conf.rs$i-e.arp_ignore=1" "net.ipv4.conf.rs$i-e.arp_announce=2"
    lab_rs_start "$i"
  done
  LAB_SERVERS=$n
  lab_wait_port lvs "$LAB_PORT" "${rips[@]}"
}

# lab_second_director NAME CLIENT-SIDE-IP DIRECTOR-IP: one more director beside lvs, after lab_topology: namespace
# NAME on br_e (CLIENT-SIDE-IP/24) and br_lvs (DIRECTOR-IP/24, its interface NAME-rs), with its own IPVS table holding
# the same service and real servers (rr, -g, weight 1). Its drcheck probes them through its own DR path.
lab_second_director() {
  local name=$1 outside=$2 inside=$3 i ipvs="-A -t $LAB_SERVICE -s rr"
  ip -batch - <<<"netns add $name
link add $name-e-br type veth peer name $name-e netns $name
link set $name-e-br master br_e up
link add $name-rs-br type veth peer name $name-rs netns $name
link set $name-rs-br master br_lvs up"
  ip -n "$name" -batch - <<<"link set lo up
addr add $outside/24 dev $name-e
link set $name-e up
addr add $inside/24 dev $name-rs
link set $name-rs up"
  for ((i = 1; i <= LAB_SERVERS; i++)); do ipvs+="
-a -t $LAB_SERVICE -r $(lab_rip "$i"):$LAB_PORT -g -w 1"; done
  lab_in "$name" ipvsadm -R <<<"$ipvs"
}

# lab_director_weight NS I: prints rsI's weight in the VIP service of director NS's IPVS table, as ipvsadm shows it.
lab_director_weight() {
  lab_in "$1" ipvsadm -Ln -t "$LAB_SERVICE" | awk -v r="$(lab_rip "$2"):$LAB_PORT" '$2 == r {print $4}'
}

# lab_drcheck_get NS LISTEN PATH: the answer of the drcheck listening at LISTEN in namespace NS to GET PATH.
lab_drcheck_get() { lab_in "$1" curl -s --max-time 2 "http://$2$3"; }

# lab_drcheck_metric NS LISTEN QUERY: the value of the first /metrics line of that drcheck starting with QUERY.
lab_drcheck_metric() { lab_drcheck_get "$1" "$2" /metrics | awk -v q="$3" 'index($0, q) == 1 {print $NF; exit}'; }

# lab_etcd_start IP: starts etcd (Debian's etcd-server) in namespace `store` on br_e, serving its clients at IP:2379,
# its data under $LAB_STATE/etcd (kept across a stop and start, as a restarted member keeps its own); returns when it
# answers. The namespace is made at the first start.
lab_etcd_start() {
  local ip=$1
  if [ ! -e /run/netns/store ]; then
    ip -batch - <<<"netns add store
link add store-e-br type veth peer name store-e netns store
link set store-e-br master br_e up"
    ip -n store -batch - <<<"link set lo up
addr add $ip/24 dev store-e
link set store-e up"
  fi
  ip netns exec store etcd --data-dir "$LAB_STATE/etcd" --listen-client-urls "http://$ip:2379" \
    --advertise-client-urls "http://$ip:2379" --listen-peer-urls http://127.0.0.1:2380 >>"$LAB_STATE/etcd.log" 2>&1 &
  echo $! >"$LAB_STATE/etcd.pid"
  lab_wait 30 lab_in store curl -sf --max-time 1 -o /dev/null -X POST -d '{}' "http://$ip:2379/v3/maintenance/status"
}

# lab_etcd_stop: stops the etcd lab_etcd_start started (SIGTERM, as its unit would).
lab_etcd_stop() {
  local pid
  read -r pid <"$LAB_STATE/etcd.pid"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# lab_vip_add I: puts the VIP on rsI's lo as /32 (the seed's real-server setup).
lab_vip_add() { ip -n "rs$1" addr add "$LAB_VIP/32" dev lo; }

# lab_vip_del I: removes the VIP from rsI's lo (the DR misconfiguration: RIP answers, VIP traffic is dropped).
lab_vip_del() { ip -n "rs$1" addr del "$LAB_VIP/32" dev lo; }

# lab_rs_start I: starts realserver.py in rsI on port 8000 (mode file $LAB_STATE/rsI.mode, log rsI.log). With
# LAB_RS_SERVER=nginx it starts nginx instead, for load: one process on epoll answering every path with 200 "rsI",
# each request logged to rsI.log in realserver.py's format ("UNIX-TIME CLIENT 'GET PATH ...'"); no modes.
lab_rs_start() {
  local i=$1
  if [ "${LAB_RS_SERVER:-python}" == nginx ]; then
    lab_rs_nginx_conf "$i" >"$LAB_STATE/rs$i.nginx.conf"
    ip netns exec "rs$i" nginx -c "$LAB_STATE/rs$i.nginx.conf" -p "$LAB_STATE" -e "$LAB_STATE/rs$i.err" >>"$LAB_STATE/rs$i.err" 2>&1 &
  else
    ip netns exec "rs$i" python3 -S "$LAB_DIR/realserver.py" --name "rs$i" --port "$LAB_PORT" \
      --mode-file "$LAB_STATE/rs$i.mode" >>"$LAB_STATE/rs$i.log" 2>&1 &
  fi
  echo $! >"$LAB_STATE/rs$i.pid"
}

# lab_rs_nginx_conf I: prints rsI's nginx config: one foreground process (no master, so its pid is the server's),
# every file under $LAB_STATE (the root is the host's own, mounted read-write).
lab_rs_nginx_conf() {
  local i=$1 dir=$LAB_STATE/rs$1.nginx
  mkdir -p "$dir"
  cat <<NGINX
daemon off; master_process off; user root; pid $dir/pid; error_log $LAB_STATE/rs$i.err warn;
events { worker_connections 1000; }
http {
  log_format lab '\$msec \$remote_addr \'\$request\'';
  access_log $LAB_STATE/rs$i.log lab;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { listen $LAB_PORT; location / { return 200 "rs$i\n"; } }
}
NGINX
}

# lab_rs_stop I: kills rsI's HTTP server (the "stopped" state: connections are refused).
lab_rs_stop() {
  local pidfile="$LAB_STATE/rs$1.pid" pid
  [ -f "$pidfile" ] || return 0
  read -r pid <"$pidfile"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -f "$pidfile"
}

# lab_rs_mode I MODE [ARG]: switches rsI's answers; MODE is ok | error | status CODE | body TEXT | hang | trickle |
# reset | close | bighead | bigbody (see realserver.py). Takes effect from the next request.
lab_rs_mode() {
  local i=$1 file="$LAB_STATE/rs$1.mode"
  shift
  printf '%s' "$*" >"$file.new" && mv -f "$file.new" "$file"
}

# lab_proto_start I KIND PORT: starts rsI's protocolserver.py of KIND (smtp, redis, redis-loading, mysql; udp-status,
# udp-busy on rsI's RIP and the VIP) on PORT (log rsI-PORT.log); lab_proto_stop I PORT stops it (connections are then
# refused).
lab_proto_start() {
  ip netns exec "rs$1" python3 -S "$LAB_DIR/protocolserver.py" "$2" --name "rs$1" --port "$3" \
    --addresses "$(lab_rip "$1"),$LAB_VIP" >>"$LAB_STATE/rs$1-$3.log" 2>&1 &
  echo $! >"$LAB_STATE/rs$1-$3.pid"
}
lab_proto_stop() {
  local pid
  read -r pid <"$LAB_STATE/rs$1-$2.pid"
  kill "$pid"
  wait "$pid" 2>/dev/null
}

# lab_dns_start I ADDRESS: starts dnsmasq in rsI on its RIP and the VIP, port 53 (UDP and TCP), answering check.lab
# with ADDRESS; waits until it answers. lab_dns_stop I stops it.
lab_dns_start() {
  ip netns exec "rs$1" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --user=root \
    --bind-interfaces --listen-address="$(lab_rip "$1")" --listen-address="$LAB_VIP" --port=53 \
    --address=/check.lab/"$2" --log-queries --log-facility=- --pid-file="$LAB_STATE/dns$1.pid" \
    >>"$LAB_STATE/dns$1.log" 2>&1 &
  echo $! >"$LAB_STATE/dns$1.ppid"
  lab_wait 10 lab_in lvs dig +short +time=1 +tries=1 @"$(lab_rip "$1")" check.lab >/dev/null
}
lab_dns_stop() {
  local pid
  read -r pid <"$LAB_STATE/dns$1.ppid"
  kill "$pid"
  wait "$pid" 2>/dev/null
}

# lab_port_weights [-u] PORT...: every one of the VIP's TCP (with -u, UDP) services on PORTs, from one ipvsadm call:
# "PORT:W1,W2" each.
lab_port_weights() {
  local protocol=TCP
  [ "${1:-}" != -u ] || { protocol=UDP; shift; }
  lab_in lvs ipvsadm -Ln | awk -v vip="$LAB_VIP" -v protocol="$protocol" -v ports="$*" '
    /^(TCP|UDP|FWM|SCTP) / { split($2, a, ":"); port = ($1 == protocol && a[1] == vip) ? a[2] : ""; next }
    port != "" && $1 == "->" && $2 ~ /^[0-9]/ { w[port] = w[port] (w[port] == "" ? "" : ",") $4 }
    END { n = split(ports, p, " "); for (i = 1; i <= n; i++) printf "%s%s:%s", (i > 1 ? " " : ""), p[i], w[p[i]]; print "" }'
}

# lab_weight I W: sets rsI's weight in the director's IPVS service (ipvsadm -e).
lab_weight() { lab_in lvs ipvsadm -e -t "$LAB_SERVICE" -r "$(lab_rip "$1"):$LAB_PORT" -g -w "$2"; }

# lab_unpack_deb DIR: unpacks the newest .deb in Packaging/out (Packaging/build-deb.sh or Checks/packaging/check.sh
# makes one) into DIR and prints its name; fails the scenario when there is none.
lab_unpack_deb() {
  local deb
  deb=$(ls -t "$LAB_ROOT"/Packaging/out/drcheck_*.deb 2>/dev/null | head -n 1)
  [ -n "$deb" ] || { echo "FAIL - no .deb in Packaging/out: run Packaging/build-deb.sh first" >&2; exit 1; }
  dpkg -x "$deb" "$1" && basename "$deb"
}

# lab_wait_port NS PORT ADDR...: waits (at most $LAB_WAIT seconds, default 20) until every ADDR:PORT accepts a TCP
# connection from NS. The first form, lab_wait_port NS ADDR PORT [SECONDS], is still understood (an ADDR has a dot).
lab_wait_port() {
  local ns=$1 port=$2 secs=${LAB_WAIT:-20}
  if [[ $2 == *[.:]* ]]; then
    port=$3 secs=${4:-$secs}
    set -- "$1" "$3" "$2"
  fi
  shift 2
  lab_in "$ns" timeout "$secs" bash -c 'for a in "${@:2}"; do until : 2>/dev/null 3<>"/dev/tcp/$a/$1"; do
    sleep 0.1; done; done' - "$port" "$@" ||
    { echo "lab: port $port on $* not all listening after ${secs}s (seen from $ns)" >&2; return 1; }
}

# lab_wait SECONDS CMD...: runs CMD until it succeeds, every 0.1 s for at most SECONDS; returns 1 on time-out.
lab_wait() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.1
  done
}

# lab_prints EXPECTED CMD...: succeeds when CMD prints exactly EXPECTED (a condition for lab_wait).
lab_prints() { local expected=$1; shift; [ "$("$@")" == "$expected" ]; }

# lab_get NS URL [CURL-ARG...]: prints the body of a GET from NS (2 s limit); curl's exit status is returned.
lab_get() { local ns=$1 url=$2; shift 2; lab_in "$ns" curl -sS --max-time 2 "$@" "$url"; }

# lab_vip_names COUNT: COUNT requests from the client to the VIP, one new connection each (2 s limit each), made by
# one curl (execs are slow in UML); prints each answer's first line, or "ERR<curl exit status>", one per line.
lab_vip_names() {
  local k urls=()
  for ((k = 0; k < $1; k++)); do urls+=("http://$LAB_SERVICE/"); done
  lab_in client curl -sS --max-time 2 -w '\n@%{exitcode}\n' "${urls[@]}" 2>/dev/null |
    awk '/^@/ { code = substr($0, 2); print (code == 0 ? first : "ERR" code); first = ""; next }
         first == "" { first = $0 }'
}

# lab_tally: reads lines (answers) on stdin and prints "line=count" for each distinct one, sorted, on one line
# (pure bash: no exec, which is slow in UML).
lab_tally() {
  local line i j t keys=() out=()
  local -A count=()
  while IFS= read -r line; do
    [ -n "${count[$line]+set}" ] || keys+=("$line")
    count[$line]=$((${count[$line]:-0} + 1))
  done
  for ((i = 1; i < ${#keys[@]}; i++)); do
    for ((j = i; j > 0; j--)); do
      [[ ${keys[j - 1]} > ${keys[j]} ]] || break
      t=${keys[j]} keys[j]=${keys[j - 1]} keys[j - 1]=$t
    done
  done
  for line in "${keys[@]}"; do out+=("$line=${count[$line]}"); done
  echo "${out[*]}"
}

# lab_run NS CMD...: prints "NS# CMD" and runs CMD in NS (for readable demos and scenario output).
lab_run() { local ns=$1; shift; echo "$ns# $*"; lab_in "$ns" "$@"; }

# lab_step TEXT: prints a heading for what the scenario does next, with the seconds since the library was sourced.
lab_step() { printf '\n== %s  [%d s]\n' "$*" "$SECONDS"; }

# lab_expect_eq DESC EXPECTED ACTUAL: one check that ACTUAL equals EXPECTED exactly.
lab_expect_eq() {
  LAB_CHECKS=$((LAB_CHECKS + 1))
  if [ "$2" == "$3" ]; then
    echo "ok - $1"
  else
    echo "FAIL - $1 (expected $(lab_show "$2"), got $(lab_show "$3"))"
    LAB_FAILED=$((LAB_FAILED + 1))
  fi
}

# lab_expect_match DESC REGEX ACTUAL: one check that ACTUAL matches the extended REGEX.
lab_expect_match() {
  LAB_CHECKS=$((LAB_CHECKS + 1))
  if [[ $3 =~ $2 ]]; then
    echo "ok - $1"
  else
    echo "FAIL - $1 (expected a match of $(lab_show "$2"), got $(lab_show "$3"))"
    LAB_FAILED=$((LAB_FAILED + 1))
  fi
}

# lab_expect_status DESC EXPECTED CMD...: runs CMD (output hidden) and checks its exit status.
lab_expect_status() {
  local desc=$1 expected=$2 status=0
  shift 2
  "$@" >/dev/null 2>&1 || status=$?
  lab_expect_eq "$desc" "$expected" "$status"
}

# lab_show TEXT: TEXT quoted on one line for a failure message (newlines shown as \n).
lab_show() { local s=${1//$'\n'/\\n}; printf "'%s'" "$s"; }

# lab_finish: prints the tally and exits non-zero if any check failed (or none ran).
lab_finish() {
  echo
  echo "$((LAB_CHECKS - LAB_FAILED)) of $LAB_CHECKS checks held  [$SECONDS s]"
  [ "$LAB_CHECKS" -gt 0 ] && [ "$LAB_FAILED" -eq 0 ] && exit 0
  exit 1
}
