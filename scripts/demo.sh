#!/usr/bin/env bash
# The demo: a throwaway gateway lab (a real ocserv and a corporate network in network namespaces), Corridor's
# sidecar running in a "pod" namespace against it, and the tunnel shown working. No cluster needed.
# Keeps the tunnel up until Ctrl-C, then tears everything down.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

require_root
install_packages
select_jdk
build_jar_if_needed

lab=corridor-demo
log=$(mktemp /tmp/corridor-demo.XXXXXX.log)
sidecar=""
teardown() {
  trap - EXIT INT TERM
  echo
  if [ -n "$sidecar" ] && kill -0 "$sidecar" 2>/dev/null; then
    echo "== stopping the sidecar (SIGTERM: logout, routes and device removed)"
    kill -TERM "$sidecar"
    wait "$sidecar" || true
    tail -n 2 "$log"
  fi
  echo "== tearing the lab down"
  "$corridor_root/scripts/lab.sh" down --name "$lab"
  rm -f "$log"
}
trap teardown EXIT
trap 'exit 0' INT TERM

section() { printf '\n== %s\n' "$*"; }

section "starting the gateway lab (ocserv in namespace $lab-gw)"
eval "$("$corridor_root/scripts/lab.sh" up --name "$lab")"
in_pod() { ip netns exec "$LAB_POD_NS" "$@"; }

section "before the tunnel: the corporate host $LAB_CORP_HOST_1 is unreachable from the pod"
in_pod ping -c 1 -W 1 "$LAB_CORP_HOST_1" | sed -n '2p' || true

section "starting the sidecar in the pod namespace $LAB_POD_NS"
echo "corridor-sidecar connect --cafile $LAB_CA -u $LAB_USER --passwd-on-stdin $LAB_GATEWAY_URL"
ip netns exec "$LAB_POD_NS" "$JAVA_HOME/bin/java" "@$corridor_root/sidecar/jvm.options" -jar "$corridor_jar" connect \
  --cafile "$LAB_CA" -u "$LAB_USER" --passwd-on-stdin --http-address 127.0.0.1:9478 "$LAB_GATEWAY_URL" \
  <<<"$LAB_PASSWORD" >"$log" 2>&1 &
sidecar=$!
for _ in $(seq 150); do
  in_pod curl -sf http://127.0.0.1:9478/readyz >/dev/null 2>&1 && break
  kill -0 "$sidecar" 2>/dev/null || { cat "$log"; exit 1; }
  sleep 0.1
done
cat "$log"

section "the sidecar's status (GET /status)"
in_pod curl -s http://127.0.0.1:9478/status

section "routes in the pod namespace"
in_pod ip route show

section "ping through the tunnel to $LAB_CORP_HOST_1"
in_pod ping -c 3 "$LAB_CORP_HOST_1"

section "a TCP transfer through the tunnel to $LAB_CORP_HOST_2 (iperf3, 2 seconds)"
ip netns exec "$LAB_CORP_NS" iperf3 -s -1 -B "$LAB_CORP_HOST_2" >/dev/null 2>&1 &
sleep 0.3
in_pod iperf3 -c "$LAB_CORP_HOST_2" -t 2 -f m | grep -E 'sender|receiver'

section "the excluded subnet ($LAB_EXCLUDED_HOST) is reached around the tunnel"
in_pod ip route get "$LAB_EXCLUDED_HOST" | head -1

section "the gateway's view (occtl show users)"
ip netns exec "$LAB_GATEWAY_NS" occtl -s "$LAB_OCCTL_SOCKET" show users || true

printf '\nThe tunnel is up. Try: ip netns exec %s ping %s\nPress Ctrl-C to stop and tear everything down.\n' \
  "$LAB_POD_NS" "$LAB_CORP_HOST_1"
while kill -0 "$sidecar" 2>/dev/null; do sleep 1; done
echo "the sidecar exited:"
tail -n 5 "$log"
