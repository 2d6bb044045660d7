# The benchmarks' pool of N destinations in the lab (sourced by vs-keepalived.sh and scrape-size.sh, after lib.sh):
# S tcp services 198.51.100.33:8000.. (rr, DR, weight 1) times R = min(N, 200) RIPs 203.0.113.21.. (the last service
# takes the rest, to make exactly N); every RIP lives in one real-server namespace rs1, joined to the director lvs by
# one veth pair and served by one nginx process that logs each request (time, destination, user agent) to $access.
# Set n (the destinations) and dir (a folder for nginx's files) before sourcing it.
rips=$((n < 200 ? n : 200))
services=$(((n + rips - 1) / rips))
access=$dir/access.log

# destinations: prints "PORT RIP" for each of the n destinations, service by service (RIP as lab_rip, without a
# fork per line: forks are slow in UML).
destinations() {
  local s i
  for ((s = 0; s < services; s++)); do
    for ((i = 1; i <= rips && s * rips + i <= n; i++)); do echo "$((LAB_PORT + s)) 203.0.113.$((20 + i))"; done
  done
}

# topology: the director lvs (DIP) and one real server rs1 holding every RIP, joined by one veth pair.
topology() {
  local i addrs=""
  lab_modprobe veth bridge ip_vs ip_vs_rr || return 1
  for ((i = 1; i <= rips; i++)); do addrs+="addr add 203.0.113.$((20 + i))/24 dev rs1-lvs"$'\n'; done
  ip -batch - <<<"netns add lvs
netns add rs1
link add lvs-rs netns lvs type veth peer name rs1-lvs netns rs1" || return 1
  ip -n lvs -batch - <<<"link set lo up
addr add $LAB_DIP/24 dev lvs-rs
link set lvs-rs up" || return 1
  ip -n rs1 -batch - <<<"link set lo up
${addrs}link set rs1-lvs up" || return 1
  lab_sysctl rs1 net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096
  # MODE=dr: the director holds the VIP and the real server takes it on lo, as in a DR pool.
  if [ "${mode:-rip}" == dr ]; then
    ip -n lvs addr add "$LAB_VIP/32" dev lo && ip -n rs1 addr add "$LAB_VIP/32" dev lo || return 1
  fi
}

# nginx_start: one nginx process in rs1 on every service port of every address; logs "MSEC ADDR:PORT "AGENT"".
nginx_start() {
  local s listens=""
  for ((s = 0; s < services; s++)); do listens+="listen $((LAB_PORT + s)) backlog=4096; "; done
  cat >"$dir/nginx.conf" <<NGINX
daemon off; master_process off; user root; worker_processes 1; worker_rlimit_nofile 65536;
pid $dir/nginx.pid; error_log $dir/nginx.err warn;
events { worker_connections 16384; }
http {
  log_format bench '\$msec \$server_addr:\$server_port "\$http_user_agent"';
  access_log $access bench;
  keepalive_timeout 0;
  client_body_temp_path $dir; proxy_temp_path $dir; fastcgi_temp_path $dir; uwsgi_temp_path $dir; scgi_temp_path $dir;
  server { $listens location / { return 200 "ok\n"; } }
}
NGINX
  ip netns exec rs1 nginx -c "$dir/nginx.conf" -p "$dir" >>"$dir/nginx.err" 2>&1 &
  lab_wait_port lvs "$LAB_PORT" "$(lab_rip 1)" "$(lab_rip "$rips")" &&
    lab_wait_port lvs "$((LAB_PORT + services - 1))" "$(lab_rip 1)"
}

# ipvs_rules: prints the n destinations' IPVS table for ipvsadm -R (rr, DR, weight 1).
ipvs_rules() {
  local port rip last=""
  destinations | while read -r port rip; do
    [ "$port" == "$last" ] || echo "-A -t $LAB_VIP:$port -s rr"
    echo "-a -t $LAB_VIP:$port -r $rip:$port -g -w 1"
    last=$port
  done
}
