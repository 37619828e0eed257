#!/usr/bin/env bash
# The gateway lab: a real ocserv gateway and a corporate network, all inside network namespaces that
# have no route out of this machine. Used by the tests, scripts/demo.sh and scripts/bench.sh.
#
#   scripts/lab.sh up   [--name P] [--set 'key = value']... [--user U --password PW] [--groups G1,G2] [--otp-secret HEX]
#                       [--server-key ec|rsa]
#   scripts/lab.sh down [--name P]
#   scripts/lab.sh env  [--name P]      # prints the lab's addresses as shell assignments
#   scripts/lab.sh gateway-stop  [--name P] [--kill]  # stops ocserv (SIGTERM, or SIGKILL: a crash), keeping the lab
#   scripts/lab.sh gateway-start [--name P] [--set 'key = value']...  # starts ocserv again, with settings changed
#
# Topology (P = name, default "corlab"):
#
#   P-pod  eth0 172.30.0.2/24 ── 172.30.0.1 P-node 198.18.0.1 ── 198.18.0.2 P-gw 10.20.0.1 ── 10.20.0.2 P-corp
#          default via node            (cluster network)         ocserv :443        (corporate network)
#                                       10.20.3.10 (excluded)     pool 10.99.0.0/24   10.20.1.10, 10.20.2.10
#
# The pod reaches the gateway through the node, but the node has no route to the corporate subnets,
# so 10.20.1.0/24 and 10.20.2.0/24 are reachable from the pod only through the VPN. 10.20.3.0/24 is
# split-excluded by the gateway and lives on the node: the pod must reach it around the tunnel.
# The gateway's name, vpn.corp.test, resolves inside the pod namespace (/etc/netns/P-pod/hosts); the pod's
# nameserver is the node (/etc/netns/P-pod/resolv.conf), as a pod's is its cluster's DNS. Real DNS servers (dnsmasq)
# answer there for cluster.local, and at 10.20.1.53 (the gateway's DNS server, behind the VPN) for corp.test.
#
# --groups puts the user in these groups and lets the login form offer them (select-group).
# --otp-secret adds a second factor: a TOTP (30 s, 6 digits, RFC 6238) with this hex secret, asked after the password.
# --server-key rsa gives the gateway an RSA certificate (default: ECDSA P-256), for TLS with RSA key exchange.
# --set replaces (or adds) an ocserv.conf line, e.g. --set 'udp-port = 0' or --set 'dtls-psk = false'.
# Several --set of the same key (e.g. 'route = ...') replace all lines of that key with the given ones.
set -Eeuo pipefail

name=corlab
user=alice
password=correct-horse
groups=""
otp_secret=""
server_key=ec
signal=TERM
declare -a sets=()
cmd=${1:-}
[ $# -gt 0 ] && shift
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --set) sets+=("$2"); shift 2 ;;
    --user) user=$2; shift 2 ;;
    --password) password=$2; shift 2 ;;
    --groups) groups=$2; shift 2 ;;
    --otp-secret) otp_secret=$2; shift 2 ;;
    --server-key) server_key=$2; shift 2 ;;
    --kill) signal=KILL; shift ;;
    *) echo "lab.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

dir=/run/corridor-lab/$name
pod=$name-pod node=$name-node gw=$name-gw corp=$name-corp
gateway_host=vpn.corp.test

addresses() {
  cat <<EOF
LAB_DIR=$dir
LAB_POD_NS=$pod
LAB_NODE_NS=$node
LAB_GATEWAY_NS=$gw
LAB_CORP_NS=$corp
LAB_GATEWAY_HOST=$gateway_host
LAB_GATEWAY_ADDRESS=198.18.0.2
LAB_GATEWAY_URL=https://$gateway_host/
LAB_POD_ADDRESS=172.30.0.2
LAB_POD_ROUTER=172.30.0.1
LAB_CORP_HOST_1=10.20.1.10
LAB_CORP_HOST_2=10.20.2.10
LAB_EXCLUDED_HOST=10.20.3.10
LAB_VPN_POOL=10.99.0.0/24
LAB_USER=$user
LAB_PASSWORD=$password
LAB_CA=$dir/ca.pem
LAB_OCSERV_CONF=$dir/ocserv.conf
LAB_OCSERV_LOG=$dir/ocserv.log
LAB_OCCTL_SOCKET=$dir/occtl.socket
LAB_CORP_DNS=10.20.1.53
LAB_CORP_DNS_LOG=$dir/dns-corp.log
LAB_CLUSTER_DNS=172.30.0.1
LAB_CLUSTER_DNS_LOG=$dir/dns-cluster.log
EOF
}

down() {
  if [ -f "$dir/ocserv.pid" ]; then
    kill "$(cat "$dir/ocserv.pid")" 2>/dev/null || true
  fi
  for ns in "$pod" "$node" "$gw" "$corp"; do
    # Anything still running in a namespace (ocserv workers, a client) goes with it.
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] && kill -9 $pids 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "/etc/netns/$pod" "$dir"
}

veth() { # veth NS_A IF_A ADDR_A NS_B IF_B ADDR_B
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up
  ip -n "$4" link set "$5" up
}

host_address() { # host_address NS ADDR: a host on its own subnet, served by the namespace itself
  ip -n "$1" addr add "$2/32" dev lo
}

# Real DNS servers, dnsmasq: the corporate one (10.20.1.53, the gateway's "dns") serves corp.test; the cluster's (the
# node, 172.30.0.1, which the pod's resolv.conf names) serves cluster.local, with CoreDNS's default TTL of 5 s (the
# corporate answers have none, so every one is asked again). Each logs every query with its source.
dns_servers() {
  local big
  big=$(printf 'x%.0s' $(seq 250))
  ip netns exec "$corp" dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --bind-interfaces \
    --listen-address=10.20.1.53 --port=53 --user=root --pid-file="$dir/dns-corp.pid" --log-queries \
    --log-facility="$dir/dns-corp.log" --local=/corp.test/ --domain=corp.test \
    --host-record=db.corp.test,10.20.1.10,fd00:20::10 --host-record=files.corp.test,10.20.2.10 \
    --txt-record=big.corp.test,"$big","$big","$big" &
  ip netns exec "$node" dnsmasq --keep-in-foreground --no-resolv --no-hosts --no-poll --bind-interfaces \
    --listen-address=172.30.0.1 --port=53 --user=root --pid-file="$dir/dns-cluster.pid" --log-queries \
    --log-facility="$dir/dns-cluster.log" --local=/cluster.local/ --local-ttl=5 \
    --host-record=kubernetes.default.svc.cluster.local,10.96.0.1 &
  for _ in $(seq 50); do
    [ -s "$dir/dns-corp.pid" ] && [ -s "$dir/dns-cluster.pid" ] && return 0
    sleep 0.1
  done
  echo "lab.sh: dnsmasq did not start" >&2
  false
}

certificates() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj "/CN=Corridor Lab CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
  local key_options=(-newkey ec -pkeyopt ec_paramgen_curve:P-256)
  [ "$server_key" = rsa ] && key_options=(-newkey rsa:2048)
  openssl req "${key_options[@]}" -nodes -subj "/CN=$gateway_host" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,IP:198.18.0.2\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' \
    "$gateway_host" >"$dir/server.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial -days 30 \
    -extfile "$dir/server.ext" -out "$dir/server.pem" 2>/dev/null
}

ocserv_conf() {
  if [ -n "$otp_secret" ]; then
    echo "auth = \"plain[passwd=$dir/passwd,otp=$dir/otp]\""
  else
    echo "auth = \"plain[passwd=$dir/passwd]\""
  fi
  local group
  for group in ${groups//,/ }; do
    echo "select-group = $group"
  done
  [ -n "$groups" ] && echo "auto-select-group = false"
  cat <<EOF
listen-host = 198.18.0.2
tcp-port = 443
udp-port = 443
run-as-user = nobody
run-as-group = nogroup
socket-file = $dir/ocserv.sock
use-occtl = true
occtl-socket-file = $dir/occtl.socket
pid-file = $dir/ocserv.pid
server-cert = $dir/server.pem
server-key = $dir/server.key
isolate-workers = true
max-clients = 32
max-same-clients = 4
rate-limit-ms = 0
keepalive = 32400
dpd = 60
mobile-dpd = 1800
switch-to-tcp-timeout = 25
try-mtu-discovery = false
tls-priorities = "NORMAL:%SERVER_PRECEDENCE:%COMPAT:-RSA:-VERS-SSL3.0:-ARCFOUR-128"
auth-timeout = 240
min-reauth-time = 2
max-ban-score = 80
ban-reset-time = 300
cookie-timeout = 300
deny-roaming = false
rekey-time = 172800
rekey-method = ssl
device = vpns
predictable-ips = true
default-domain = corp.test
ipv4-network = 10.99.0.0
ipv4-netmask = 255.255.255.0
dns = 10.20.1.53
split-dns = corp.test
ping-leases = false
route = 10.20.0.0/255.255.0.0
no-route = 10.20.3.0/255.255.255.0
cisco-client-compat = false
dtls-legacy = true
EOF
}

apply_sets() { # rewrites ocserv.conf with the --set lines
  local conf=$dir/ocserv.conf key
  declare -A replaced=()
  for line in "${sets[@]}"; do
    key=$(printf '%s' "$line" | sed -E 's/^[[:space:]]*([a-z0-9-]+).*/\1/')
    if [ -z "${replaced[$key]:-}" ]; then
      sed -i -E "/^${key}[[:space:]]*=/d" "$conf"
      replaced[$key]=1
    fi
    printf '%s\n' "$line" >>"$conf"
  done
}

up() {
  for tool in ip ocserv ocpasswd openssl; do
    command -v "$tool" >/dev/null || { echo "lab.sh: '$tool' is missing (scripts/test.sh installs it)" >&2; exit 1; }
  done
  down
  mkdir -p "$dir"
  trap 'echo "lab.sh: setting up the lab failed; tearing it down" >&2; down' ERR

  for ns in "$pod" "$node" "$gw" "$corp"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  veth "$pod" eth0 172.30.0.2/24 "$node" pod0 172.30.0.1/24
  veth "$node" gw0 198.18.0.1/24 "$gw" outside 198.18.0.2/24
  veth "$gw" corp0 10.20.0.1/24 "$corp" uplink 10.20.0.2/24
  host_address "$corp" 10.20.1.10
  host_address "$corp" 10.20.2.10
  host_address "$node" 10.20.3.10
  host_address "$corp" 10.20.1.53

  ip -n "$pod" route add default via 172.30.0.1
  ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$gw" route add 172.30.0.0/24 via 198.18.0.1
  ip -n "$gw" route add 10.20.1.0/24 via 10.20.0.2
  ip -n "$gw" route add 10.20.2.0/24 via 10.20.0.2
  ip netns exec "$gw" sysctl -qw net.ipv4.ip_forward=1
  ip -n "$corp" route add 10.99.0.0/24 via 10.20.0.1

  mkdir -p "/etc/netns/$pod"
  { cat /etc/hosts; echo "198.18.0.2 $gateway_host"; } >"/etc/netns/$pod/hosts"
  # The pod's cluster DNS is the node, as kube-dns is a cluster address: never the machine's own resolver.
  echo "nameserver 172.30.0.1" >"/etc/netns/$pod/resolv.conf"

  dns_servers
  certificates
  # From a here-string, not a pipe: if ocpasswd exits before printf has written, pipefail turns printf's SIGPIPE
  # into a failed setup (a setup failed once with exit 141, a SIGPIPE, on a loaded machine).
  ocpasswd -c "$dir/passwd" ${groups:+-g "$groups"} "$user" <<<"$password"$'\n'"$password"
  [ -n "$otp_secret" ] && printf 'HOTP/T30/6 %s - %s\n' "$user" "$otp_secret" >"$dir/otp"
  ocserv_conf >"$dir/ocserv.conf"
  apply_sets
  ocserv -t -c "$dir/ocserv.conf" >"$dir/config-check.log" 2>&1 \
    || { cat "$dir/config-check.log" >&2; exit 1; }

  start_gateway
  trap - ERR
  addresses
}

start_gateway() { # starts ocserv and waits until it listens
  ip netns exec "$gw" ocserv -f -d 2 -c "$dir/ocserv.conf" >>"$dir/ocserv.log" 2>&1 &
  for _ in $(seq 100); do
    if ip netns exec "$gw" bash -c '</dev/tcp/198.18.0.2/443' 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  echo "lab.sh: ocserv did not start listening; its log:" >&2
  cat "$dir/ocserv.log" >&2
  false
}

stop_gateway() { # stops ocserv and every worker it started, and waits until they are gone
  local pids
  pids=$(ip netns pids "$gw" 2>/dev/null || true)
  [ -n "$pids" ] && kill "-$signal" $pids 2>/dev/null || true
  for _ in $(seq 50); do
    [ -z "$(ip netns pids "$gw" 2>/dev/null)" ] && return 0
    sleep 0.1
  done
  echo "lab.sh: ocserv did not stop" >&2
  false
}

case "$cmd" in
  up) up ;;
  down) down ;;
  env) addresses ;;
  gateway-stop) stop_gateway ;;
  gateway-start) apply_sets; start_gateway ;;
  *) echo "usage: lab.sh up|down|env [--name P] [--set 'key = value']..." >&2; exit 2 ;;
esac
