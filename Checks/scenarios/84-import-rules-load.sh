#!/usr/bin/env bash
# Every table `drcheck config import keepalived|ldirectord --ipvsadm` writes loads into the real IPVS kernel with
# `ipvsadm -R` (which stops at its first bad line, so one bad rule loses the whole table): each sample Debian's
# keepalived ships, a director's config with what ipvsadm refuses when written naively (persistence_timeout 0, ops on
# TCP, TUN type gue and gre, thresholds, an IPv6 granularity as a prefix length, an unknown lb_kind), and an
# ldirectord.cf (ranges, fallback, dns, ops). The table read back holds every service and destination the rules
# name, and `drcheck config check` accepts each YAML. Then ldirectord's own example, as shipped and with every
# example section in it uncommented.
. "$(dirname "$0")/../lab/scenario.sh" agent
lab_require_uml

dir=$LAB_STATE/import
mkdir -p "$dir"
lab_modprobe veth ip_vs ip_vs_rr ip_vs_wrr ip_vs_lc ip_vs_wlc ip_vs_sh ip_vs_dh ip_vs_mh ip_vs_lblc ip_vs_lblcr ip_vs_sed \
  ip_vs_nq ip_vs_fo ip_vs_ovf || exit 1
# A director's routes: IPVS takes only destinations it can route to (else "address not unicast").
ip netns add lvs
ip -n lvs -batch - <<<"link add d0 type veth peer name d1
addr add 203.0.113.10/24 dev d0
addr add 2001:db8::10/64 dev d0 nodad
link set d0 up
link set d1 up
link set lo up
route add default dev d0" || exit 1
ip -n lvs -6 route add default dev d0 || exit 1

cat >"$dir/director.conf" <<'CONF'
virtual_server 198.51.100.33 80 {
    lb_algo wrr
    lb_kind FNAT
    persistence_timeout 0
    ops
    real_server 203.0.113.21 80 {
        lvs_method TUN type gue port 6080 remcsum
        uthreshold 100
        lthreshold 50
        TCP_CHECK {
        }
    }
    real_server 203.0.113.22 80 {
        lvs_method TUN type gre csum
        TCP_CHECK {
        }
    }
}
virtual_server 198.51.100.33 53 {
    protocol UDP
    ops
    persistence_timeout
    real_server 203.0.113.21 53 {
        MISC_CHECK {
            misc_path /bin/true
        }
    }
}
virtual_server 2001:db8::33 443 {
    lb_kind DR
    persistence_timeout 60
    persistence_granularity 64
    real_server 2001:db8::1:1 443 {
        TCP_CHECK {
        }
    }
}
CONF

samples=/usr/share/doc/keepalived/samples
[ -d "$samples" ] || { echo "FAIL - $samples missing (keepalived's package)"; exit 1; }
for file in "$samples"/keepalived.conf.* "$dir/director.conf"; do
  name=${file##*/}
  name=${name%.gz}
  case $file in *.gz) gzip -dc "$file" >"$dir/$name" ;; "$dir/$name") ;; *) cp "$file" "$dir/$name" ;; esac
  lab_step "$name"
  "$AGENT_BIN" config import keepalived "$dir/$name" --ipvsadm "$dir/$name.rules" >"$dir/$name.yaml" 2>"$dir/$name.err"
  status=$?
  rules=$(grep -c . "$dir/$name.rules" 2>/dev/null) || true
  if [ "$status" -ne 0 ]; then
    lab_expect_match "no services, said in one line" "not a keepalived configuration|drcheck" "$(cat "$dir/$name.err")"
    continue
  fi
  lab_in lvs ipvsadm -C
  loaded=$(lab_in lvs ipvsadm -R <"$dir/$name.rules" 2>&1)
  lab_expect_eq "ipvsadm -R loads its $rules rules" "0:" "$?:$loaded"
  lab_expect_eq "the table holds every service and destination" "$rules" "$(lab_in lvs ipvsadm -Sn | grep -c .)"
  # An exec check's program must exist where the config is loaded (OPERATIONS.md): a sample's script is not here.
  if checked=$("$AGENT_BIN" config check --config "$dir/$name.yaml" 2>&1 >/dev/null); then
    lab_expect_eq "drcheck config check accepts the YAML" "" "$checked"
  else
    lab_expect_match "drcheck config check refuses only a MISC_CHECK script not on this machine" \
      "^drcheck: [^ ]*: services\[[0-9]+\]\.check\.command: [^ ]+: no such file or directory$" "$checked"
  fi
done

lab_step "ldirectord.cf"
cat >"$dir/ldirectord.cf" <<'CONF'
checktimeout=3
checkinterval=5
virtual=198.51.100.33:80
	real=203.0.113.21:80 gate
	real=203.0.113.22:80 gate 5
	fallback=203.0.113.9:80 gate
	service=http
	request="index.html"
	receive="Test Page"
	scheduler=rr
	persistent=600
virtual=198.51.100.34:22
	real=203.0.113.21->203.0.113.23:22 masq
	checktype=connect
virtual=198.51.100.35:53
	real=203.0.113.21:53 gate
	service=dns
	request="example.com"
	ops=yes
CONF
"$AGENT_BIN" config import ldirectord "$dir/ldirectord.cf" --ipvsadm "$dir/ldirectord.rules" >"$dir/ldirectord.yaml" \
  2>"$dir/ldirectord.err"
lab_expect_eq "imported without a warning" "0:" "$?:$(cat "$dir/ldirectord.err")"
lab_in lvs ipvsadm -C
loaded=$(lab_in lvs ipvsadm -R <"$dir/ldirectord.rules" 2>&1)
lab_expect_eq "ipvsadm -R loads its rules" "0:" "$?:$loaded"
lab_expect_eq "the table holds every service and destination" "$(grep -c . "$dir/ldirectord.rules")" \
  "$(lab_in lvs ipvsadm -Sn | grep -c .)"
lab_expect_eq "drcheck config check accepts the YAML" "0" \
  "$("$AGENT_BIN" config check --config "$dir/ldirectord.yaml" >/dev/null 2>&1; echo $?)"

# ldirectord's own example (its Debian package's, unpacked by Packaging/install-deps.sh), as shipped and with every
# example section in it uncommented (twenty virtual services; one a duplicate address, made once).
example=/var/cache/drcheck/corpus/ldirectord/usr/share/doc/ldirectord/examples/ldirectord.cf
[ -f "$example" ] || { echo "FAIL - $example missing (Packaging/install-deps.sh unpacks it)"; exit 1; }
cp "$example" "$dir/ldirectord-example.cf"
sed -E 's/^#(virtual|\t)/\1/' "$example" >"$dir/ldirectord-example-all.cf"
for name in ldirectord-example.cf ldirectord-example-all.cf; do
  lab_step "$name"
  "$AGENT_BIN" config import ldirectord "$dir/$name" --ipvsadm "$dir/$name.rules" >"$dir/$name.yaml" \
    2>"$dir/$name.err"
  lab_expect_eq "imported, every warning naming its line" "0 0" \
    "$? $(grep -vc "^drcheck: warning: $dir/$name:[0-9]*: " "$dir/$name.err")"
  lab_in lvs ipvsadm -C
  loaded=$(lab_in lvs ipvsadm -R <"$dir/$name.rules" 2>&1)
  lab_expect_eq "ipvsadm -R loads its $(grep -c . "$dir/$name.rules") rules" "0:" "$?:$loaded"
  lab_expect_eq "the table holds every service and destination" "$(grep -c . "$dir/$name.rules")" \
    "$(lab_in lvs ipvsadm -Sn | grep -c .)"
  lab_expect_eq "drcheck config check accepts the YAML" "" \
    "$("$AGENT_BIN" config check --config "$dir/$name.yaml" 2>&1 >/dev/null)"
done
lab_expect_eq "the example's twenty sections make nineteen services" "19" \
  "$(grep -c '^-A' "$dir/ldirectord-example-all.cf.rules")"

lab_step "the director's config: what naive rules would get wrong"
rules=$(cat "$dir/director.conf.rules")
echo "$rules" | sed 's/^/    | /'
lab_expect_match "persistence_timeout 0 is no -p, ops left out on TCP" $'^-A -t 198.51.100.33:80 -s wrr\n' "$rules"
lab_expect_match "TUN gue with its port and checksum, thresholds" \
  "-r 203.0.113.21:80 -i --tun-type gue --tun-port 6080 --tun-remcsum -x 100 -y 50 -w 1" "$rules"
lab_expect_match "TUN gre" "-r 203.0.113.22:80 -i --tun-type gre --tun-csum -w 1" "$rules"
lab_expect_match "UDP with ops and the default persistence" "-A -u 198.51.100.33:53 -s wlc -p 360 -o" "$rules"
lab_expect_match "IPv6 granularity as a prefix length" "-A -t \[2001:db8::33\]:443 -s wlc -p 60 -M 64" "$rules"
lab_in lvs ipvsadm -C
lab_in lvs ipvsadm -R <"$dir/director.conf.rules"
table=$(lab_in lvs ipvsadm -Ln)
lab_expect_match "the kernel holds the gue tunnel" "203.0.113.21:80 +Tunnel +1" "$table"
lab_expect_match "and the one-packet UDP service" "UDP  198.51.100.33:53 wlc persistent 360 ops" "$table"
ip netns delete lvs
lab_finish
