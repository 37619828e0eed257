#!/usr/bin/env bash
# Benchmark: Corridor's sidecar and openconnect 9.01 against the same ocserv, in the same run, alternating
# A B A B. Figures: iperf3 TCP throughput pod->corporate and back (median of the rounds), ping round trip through
# the tunnel (p50, p99), resident memory at rest and under load, the private memory a second client beside the first
# would add (privateKb, after the transfers), CPU seconds during the transfers and during the same transfers at a
# fixed rate (BENCH_CPU_MBPS, default 200, below both clients' limits: the cost of the same bytes), and the time
# from process start to the first packet through the tunnel; over DTLS (PSK-NEGOTIATE), over Cisco's DTLS 0.9 with
# AES256-SHA (both clients forced to it: --dtls-ciphers AES256-SHA --dtls12-ciphers ""), and over CSTP only (--no-dtls
# for both).
# Beside them, the JVM's floor (scripts/bench/JvmFloor.java): the time and memory of a Java program that only opens one
# TLS connection to the gateway, below which no client on this JVM can go.
# Not part of the test suite. Writes bench-results/bench-<time>.json and bench-results/latest.{json,md}.
#
# DNS: the forwarder (--dns-listen) beside the servers it forwards to, queried directly from the pod, at a fixed rate
# and flat out: queries per second and per-query latency (p50, p99) with dnsperf, and Corridor's memory with it.
#
# Corridor runs as its container image runs it: sidecar/jvm.options and a JDK 25 AOT cache recorded, as the image
# build records it, from the training run against a loopback gateway in its own process (never from this lab). One
# start without any cache is reported beside it.
#
#   scripts/bench.sh                 BENCH_ROUNDS=3 BENCH_SECONDS=5 BENCH_TRANSPORTS="dtls dtls09 cstp" BENCH_CPU_MBPS=200 by default
#   scripts/bench.sh soak [SECONDS]  Corridor, then openconnect, each SECONDS (default 300) under load with the gateway
#                                    going silent every 30 s: memory, threads and descriptors over many reconnects
#   scripts/bench.sh egress          only the shared egress section (below)
#
# Shared egress: Corridor with a --forward to the corporate host, used from a "client pod" namespace over a veth, against
# the same transfer from inside the tunnelled pod: iperf3 throughput both ways, and connections per second (curl,
# one new connection per HTTP/1.0 request, to the JDK's jwebserver on the corporate host); Corridor's memory with it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

require_root
install_packages jq dnsperf
select_jdk
build_jar_if_needed

rounds=${BENCH_ROUNDS:-3}
transports=${BENCH_TRANSPORTS:-dtls dtls09 cstp}
seconds=${BENCH_SECONDS:-5}
lab=corbench
results=$corridor_root/bench-results
mkdir -p "$results"
client_pid=""
aot_cache=$results/corridor.aot
corridor_java_extra=()
corridor_args_extra=()
dns_rate=${BENCH_DNS_QPS:-1000}
cpu_rate=${BENCH_CPU_MBPS:-200}

cleanup() {
  [ -n "$client_pid" ] && kill "$client_pid" 2>/dev/null && wait "$client_pid" 2>/dev/null
  "$corridor_root/scripts/lab.sh" down --name "$lab"
}
trap cleanup EXIT

eval "$("$corridor_root/scripts/lab.sh" up --name "$lab")"
in_pod() { ip netns exec "$LAB_POD_NS" "$@"; }
target=$LAB_CORP_HOST_2
ip netns exec "$LAB_CORP_NS" iperf3 -s -D -B "$target" >/dev/null

now_ns() { date +%s%N; }

# start_client corridor|openconnect dtls|dtls09|cstp: starts the client, waits for the first packet through the tunnel
# (and for DTLS, when asked for), sets client_pid and first_packet_ms.
start_client() {
  local client=$1 transport=$2 started transport_options=()
  [ "$transport" = cstp ] && transport_options=(--no-dtls)
  # The same options in both clients: only Cisco's DTLS 0.9 suite is offered, in X-DTLS-CipherSuite.
  [ "$transport" = dtls09 ] && transport_options=(--dtls-ciphers AES256-SHA --dtls12-ciphers "")
  started=$(now_ns)
  case "$client" in
    corridor)
      # Started directly, not through a shell function, so that $! is the client's own pid.
      ip netns exec "$LAB_POD_NS" "$JAVA_HOME/bin/java" "@$corridor_root/sidecar/jvm.options" "${corridor_java_extra[@]}" \
        -jar "$corridor_jar" connect \
        --cafile "$LAB_CA" -u "$LAB_USER" --passwd-on-stdin "${transport_options[@]}" --http-address 127.0.0.1:9478 "${corridor_args_extra[@]}" \
        "$LAB_GATEWAY_URL" <<<"$LAB_PASSWORD" >/tmp/bench-client.log 2>&1 &
      ;;
    openconnect)
      ip netns exec "$LAB_POD_NS" openconnect --cafile "$LAB_CA" -u "$LAB_USER" --passwd-on-stdin "${transport_options[@]}" -i oc0 \
        "$LAB_GATEWAY_URL" <<<"$LAB_PASSWORD" >/tmp/bench-client.log 2>&1 &
      ;;
  esac
  client_pid=$!
  # A ping every 2 ms until the first reply (ping exits at once while the pod has no route at all). The lab pod has a
  # default route, so a probe sent before the tunnel is up is simply lost: one ping at a time with a 200 ms wait, as
  # before 2026-12-03, rounded every start up to the next probe (openconnect's 226-230 ms were its second probe).
  in_pod bash -c "until ping -c 1 -w 30 -i 0.002 -q $LAB_CORP_HOST_1 >/dev/null 2>&1; do sleep 0.002; done"
  first_packet_ms=$(( ($(now_ns) - started) / 1000000 ))
  if [ "$transport" != cstp ]; then
    local expected="(AES"
    [ "$transport" = dtls09 ] && expected="(AES-256-CBC)-(SHA1)"
    for _ in $(seq 100); do
      ip netns exec "$LAB_GATEWAY_NS" occtl -s "$LAB_OCCTL_SOCKET" show users | grep -qF "$expected" && return 0
      sleep 0.1
    done
    echo "bench: $client did not establish DTLS" >&2
    cat /tmp/bench-client.log >&2
    exit 1
  fi
}

stop_client() {
  kill -TERM "$client_pid" 2>/dev/null || true
  wait "$client_pid" 2>/dev/null || true
  client_pid=""
  sleep 1
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$client_pid/status"; }
# What a second sidecar on the node adds beside the first: its anonymous and shared-memory pages (heap, metaspace,
# code cache, thread stacks, malloc). The JDK's files, the jar and the AOT cache are page cache, mapped by every
# sidecar and charged to the cgroup that read them first.
private_kb() { awk '/RssAnon|RssShmem/ {kb += $2} END {print kb}' "/proc/$client_pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$client_pid/stat"; }

# iperf_mbps [-R] [-b RATE]: the receiver's throughput in Mbit/s
iperf_mbps() {
  in_pod iperf3 -c "$target" -t "$seconds" -J "$@" | jq '.end.sum_received.bits_per_second / 1000000 | . * 10 | round / 10'
}

# sample_peak_rss FILE: writes the client's highest RSS (kB) to FILE until killed
sample_peak_rss() {
  local peak=0 rss
  while kill -0 "$client_pid" 2>/dev/null; do
    rss=$(rss_kb)
    if [ "${rss:-0}" -gt "$peak" ]; then
      peak=$rss
      echo "$peak" >"$1"
    fi
    sleep 0.2
  done
}

ping_percentiles() { # prints "p50 p99" in ms
  in_pod ping -c 400 -i 0.005 "$LAB_CORP_HOST_1" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | sort -n \
    | awk '{v[NR]=$1} END {printf "%s %s\n", v[int(NR*0.5)], v[int(NR*0.99)]}'
}

measure() { # measure CLIENT TRANSPORT ROUND: one line of JSON
  local client=$1 transport=$2 round=$3 rest up down p50 p99 ticks_before ticks_after sampler private up_at_rate \
    down_at_rate ticks_at_rate
  start_client "$client" "$transport"
  sleep 2
  rest=$(rss_kb)
  echo "$rest" >/tmp/bench-peak
  sample_peak_rss /tmp/bench-peak &
  sampler=$!
  ticks_before=$(cpu_ticks)
  up=$(iperf_mbps)
  down=$(iperf_mbps -R)
  ticks_after=$(cpu_ticks)
  # The same work for both clients: each is as fast as the machine lets it above, so its CPU seconds there follow
  # its rate. At a fixed rate below both clients' limits, the CPU seconds compare the cost of the same bytes.
  up_at_rate=$(iperf_mbps -b "${cpu_rate}M")
  down_at_rate=$(iperf_mbps -R -b "${cpu_rate}M")
  ticks_at_rate=$(cpu_ticks)
  private=$(private_kb)
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null || true
  read -r p50 p99 < <(ping_percentiles)
  stop_client
  jq -nc --arg client "$client" --arg transport "$transport" --argjson round "$round" \
    --argjson firstPacketMs "$first_packet_ms" --argjson rssRestKb "$rest" --argjson rssLoadKb "$(cat /tmp/bench-peak)" \
    --argjson privateKb "$private" --argjson upMbps "$up" --argjson downMbps "$down" --argjson pingP50Ms "$p50" --argjson pingP99Ms "$p99" \
    --argjson cpuSeconds "$(awk -v t=$((ticks_after - ticks_before)) 'BEGIN {print t / 100}')" \
    --argjson cpuSecondsAtRate "$(awk -v t=$((ticks_at_rate - ticks_after)) 'BEGIN {print t / 100}')" \
    --argjson atRateUpMbps "$up_at_rate" --argjson atRateDownMbps "$down_at_rate" \
    '$ARGS.named'
}

# soak SECONDS: each client in turn under steady load (iperf3 both ways at 50 Mbit/s) while the gateway goes
# silent for 8 s every 30 s (DPD 2 s, so each silence is a dead peer and a reconnect with the cookie). Resident
# memory, threads and open descriptors are sampled every 5 s; the summary compares the first minute after start-up
# with the last.
soak() {
  local duration=$1 client started silences samples=$results/soak.tsv outcomes=()
  "$corridor_root/scripts/lab.sh" gateway-stop --name "$lab"
  "$corridor_root/scripts/lab.sh" gateway-start --name "$lab" --set 'dpd = 2' --set 'mobile-dpd = 2'
  printf 'client\tseconds\trss_kb\tthreads\tfds\n' >"$samples"
  for client in corridor openconnect; do
    start_client "$client" dtls
    started=$(date +%s)
    silences=0
    echo "soak: $client for $duration s: iperf3 both ways, the gateway silent 8 s in every 30 s" >&2
    in_pod iperf3 -c "$target" -t "$duration" --bidir -b 50M >/dev/null 2>&1 &
    local load=$!
    while kill -0 "$load" 2>/dev/null; do
      local elapsed=$(( $(date +%s) - started ))
      printf '%s\t%d\t%s\t%s\t%s\n' "$client" "$elapsed" "$(rss_kb)" "$(awk '/Threads/ {print $2}' "/proc/$client_pid/status")" \
        "$(ls "/proc/$client_pid/fd" | wc -l)" | tee -a "$samples" >&2
      if [ $(( elapsed % 30 )) -ge 20 ] && [ $(( elapsed % 30 )) -lt 25 ]; then
        ip netns exec "$LAB_GATEWAY_NS" nft 'add table inet bench_silence { chain input { type filter hook input priority 0; meta l4proto { tcp, udp } th dport 443 drop; }; }'
        sleep 8
        ip netns exec "$LAB_GATEWAY_NS" nft delete table inet bench_silence
        silences=$((silences + 1))
      else
        sleep 5
      fi
    done
    local alive=no reconnects
    in_pod ping -c 3 -W 2 -q "$LAB_CORP_HOST_1" >/dev/null 2>&1 && alive=yes
    case "$client" in
      corridor) reconnects=$(in_pod curl -s 127.0.0.1:9478/metrics | awk '/^corridor_tunnel_reconnects_total/ {s += $2} END {print s + 0}') ;;
      openconnect) reconnects=$(grep -c 'detected dead peer' /tmp/bench-client.log || true) ;;
    esac
    outcomes+=("| $client | $silences | $reconnects | $alive |")
    stop_client
  done
  echo
  echo "| client | RSS 5-65 s (kB, max) | RSS last minute (kB, max) | threads first / last | descriptors first / last |"
  echo "|---|---|---|---|---|"
  awk -F'\t' -v d="$duration" 'NR > 1 {
      if ($2 >= 5 && $2 < 65) { if ($3 > early[$1]) early[$1] = $3; if (!(($1) in t0)) { t0[$1] = $4; f0[$1] = $5 } }
      if ($2 >= d - 60) { if ($3 > late[$1]) late[$1] = $3; t1[$1] = $4; f1[$1] = $5 } }
    END { for (c in early) printf "| %s | %d | %d | %s / %s | %s / %s |\n", c, early[c], late[c], t0[c], t1[c], f0[c], f1[c] }' "$samples"
  echo
  echo "| client | silences | reconnects seen | tunnel working at the end |"
  echo "|---|---|---|---|"
  printf '%s\n' "${outcomes[@]}"
}

# egress_bench: one line of JSON per figure, direct (inside the pod) and through the forward (from the client namespace).
egress_bench() {
  local client_ns=$lab-cli rest sampler direct forwarded kind
  ip netns add "$client_ns"
  ip -n "$client_ns" link set lo up
  ip link add egc0 netns "$client_ns" type veth peer name egp0 netns "$LAB_POD_NS"
  ip -n "$client_ns" addr add 192.168.77.2/24 dev egc0
  ip -n "$LAB_POD_NS" addr add 192.168.77.1/24 dev egp0
  ip -n "$client_ns" link set egc0 up
  ip -n "$LAB_POD_NS" link set egp0 up
  mkdir -p /tmp/bench-web && echo x >/tmp/bench-web/small
  ip netns exec "$LAB_CORP_NS" "$JAVA_HOME/bin/jwebserver" -b "$target" -p 8000 -d /tmp/bench-web >/dev/null 2>&1 &
  local web=$!
  for _ in $(seq 100); do
    ip netns exec "$LAB_CORP_NS" bash -c "</dev/tcp/$target/8000" 2>/dev/null && break
    sleep 0.1
  done
  corridor_args_extra=(--forward "0.0.0.0:15201=$target:5201" --forward "0.0.0.0:18000=$target:8000" --proxy-allow-source 192.168.77.2/32)
  start_client corridor dtls
  sleep 2
  rest=$(rss_kb)
  echo "$rest" >/tmp/bench-peak
  sample_peak_rss /tmp/bench-peak &
  sampler=$!
  for kind in up down; do
    local reverse=()
    [ "$kind" = down ] && reverse=(-R)
    direct=$(iperf_mbps "${reverse[@]}")
    forwarded=$(ip netns exec "$client_ns" iperf3 -c 192.168.77.1 -p 15201 -t "$seconds" -J "${reverse[@]}" \
      | jq '.end.sum_received.bits_per_second / 1000000 | . * 10 | round / 10')
    jq -nc --arg figure "${kind}Mbps" --argjson direct "$direct" --argjson forwarded "$forwarded" '$ARGS.named'
  done
  # Connections per second: 500 HTTP/1.0 requests from one curl, each on a connection of its own.
  direct=$(in_pod curl -s --http1.0 -o /dev/null -w '%{time_total}\n' "http://$target:8000/small?[1-500]" | awk '{t += $1} END {printf "%.0f", NR / t}')
  forwarded=$(ip netns exec "$client_ns" curl -s --http1.0 -o /dev/null -w '%{time_total}\n' "http://192.168.77.1:18000/small?[1-500]" \
    | awk '{t += $1} END {printf "%.0f", NR / t}')
  jq -nc --arg figure connectionsPerSecond --argjson direct "$direct" --argjson forwarded "$forwarded" '$ARGS.named'
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null || true
  jq -nc --argjson rssRestKb "$rest" --argjson rssLoadKb "$(cat /tmp/bench-peak)" '{memory: $ARGS.named}'
  stop_client
  corridor_args_extra=()
  kill "$web" 2>/dev/null
  wait "$web" 2>/dev/null || true
  ip netns del "$client_ns"
}

# egress_table FILE: the egress section of the report
egress_table() {
  echo "Shared egress: the same transfers from inside the tunnelled pod (direct) and from a client pod through a --forward:"
  echo
  echo "| figure | direct | through the forward | forward/direct |"
  echo "|---|---|---|---|"
  jq -r 'select(.figure) | "| \(.figure) | \(.direct) | \(.forwarded) | \(if .direct == 0 then "-" else (.forwarded / .direct * 100 | round / 100) end) |"' "$1"
  echo
  jq -r 'select(.memory) | "Corridor with the forwards: \(.memory.rssRestKb) kB resident at rest, \(.memory.rssLoadKb) kB at most under the load."' "$1"
}

if [ "${1:-}" = egress ]; then
  egress_bench | tee "$results/egress.jsonl" >&2
  egress_table "$results/egress.jsonl" | tee "$results/egress.md"
  exit 0
fi

if [ "${1:-}" = soak ]; then
  soak "${2:-300}"
  exit 0
fi

# The AOT cache as the image build makes it (sidecar/Dockerfile): recorded from the training run against its own
# loopback gateway, never from this lab, so every measured start is a cold one. Before it, one start without any
# cache, as an image without it would start.
train_aot_cache() {
  echo "bench: Corridor's start without an AOT cache" >&2
  start_client corridor dtls
  uncached_first_packet_ms=$first_packet_ms
  stop_client
  echo "bench: the training run for the AOT cache, as the image build runs it" >&2
  rm -f "$aot_cache"
  "$JAVA_HOME/bin/java" "@$corridor_root/sidecar/jvm.options" "-XX:AOTCacheOutput=$aot_cache" \
    -cp "$corridor_jar" dev.corridor.sidecar.training.TrainingRun >&2
  corridor_java_extra=("-XX:AOTCache=$aot_cache")
}

# dnsperf_figures SERVER KIND RATE: one line of JSON for KIND's queries asked of SERVER from the pod for $seconds s, at
# RATE queries per second (0: as fast as answers come, 100 outstanding). KIND: cluster (one name, cached for its 5 s
# TTL), cluster-miss (ever new names that do not exist: each one goes to the server), corporate (one name, no TTL).
dnsperf_figures() {
  local server=$1 kind=$2 rate=$3 out=/tmp/bench-dnsperf limit=()
  [ "$rate" -gt 0 ] && limit=(-Q "$rate")
  case "$kind" in
    cluster) echo "kubernetes.default.svc.cluster.local A" ;;
    cluster-miss) seq -f "missing-%g.default.svc.cluster.local A" 100000 ;;
    corporate) echo "db.corp.test A" ;;
  esac >/tmp/bench-dns-queries
  in_pod dnsperf -s "$server" -d /tmp/bench-dns-queries -l "$seconds" "${limit[@]}" -v >"$out" 2>/dev/null
  sed -n 's/^> [A-Z]* .* \([0-9.]*\)$/\1/p' "$out" | sort -n >"$out.latencies"
  jq -nc --arg server "$server" --arg kind "$kind" --argjson rate "$rate" \
    --argjson qps "$(awk '/Queries per second:/ {printf "%.0f", $4}' "$out")" \
    --argjson lost "$(awk '/Queries lost:/ {print $3}' "$out")" \
    --argjson p50Ms "$(awk '{v[NR]=$1} END {printf "%.3f", v[int(NR*0.5)] * 1000}' "$out.latencies")" \
    --argjson p99Ms "$(awk '{v[NR]=$1} END {printf "%.3f", v[int(NR*0.99)] * 1000}' "$out.latencies")" '$ARGS.named'
}

# dns_bench: Corridor with its forwarder; each name asked directly and through the forwarder, at $dns_rate and flat out.
dns_bench() {
  local rest rate kind
  corridor_args_extra=(--dns-listen 127.0.0.1:53)
  start_client corridor dtls
  sleep 2
  rest=$(rss_kb)
  echo "$rest" >/tmp/bench-peak
  sample_peak_rss /tmp/bench-peak &
  local sampler=$!
  # A failed step ends this subshell: the sampler goes with it, or it would hold the pipe to tee open for ever.
  trap 'kill "$sampler" 2>/dev/null || true' EXIT
  for rate in "$dns_rate" 0; do
    for kind in cluster cluster-miss; do
      dnsperf_figures "$LAB_CLUSTER_DNS" "$kind" "$rate"
      dnsperf_figures 127.0.0.1 "$kind" "$rate"
    done
    dnsperf_figures "$LAB_CORP_DNS" corporate "$rate"
    dnsperf_figures 127.0.0.1 corporate "$rate"
  done
  kill "$sampler" 2>/dev/null
  wait "$sampler" 2>/dev/null || true
  jq -nc --argjson rssRestKb "$rest" --argjson rssLoadKb "$(cat /tmp/bench-peak)" '{memory: $ARGS.named}'
  stop_client
  corridor_args_extra=()
}

# The JVM's floor (scripts/bench/JvmFloor.java): one TLS connection to the gateway and one HTTP answer, with the
# sidecar's JVM options and an AOT cache of its own, recorded here against this lab's gateway (which only favours
# it). No Java client gets its first packet sooner or holds less: login, CONNECT, the tun device and DTLS come after.
floor_dir=$results/jvm-floor
prepare_jvm_floor() {
  echo "bench: the JVM's floor, compiled and its AOT cache recorded" >&2
  rm -rf "$floor_dir"
  # A jar: an AOT cache takes no class directory on its class path.
  "$JAVA_HOME/bin/javac" -d "$floor_dir/classes" "$corridor_root/scripts/bench/JvmFloor.java"
  "$JAVA_HOME/bin/jar" --create --file "$floor_dir/floor.jar" -C "$floor_dir/classes" .
  in_pod "$JAVA_HOME/bin/java" "@$corridor_root/sidecar/jvm.options" "-XX:AOTCacheOutput=$floor_dir/floor.aot" \
    -cp "$floor_dir/floor.jar" JvmFloor "$LAB_GATEWAY_URL" "$LAB_CA" >&2
}

# measure_jvm_floor: one line of JSON, the time from start to the gateway's answer and the resident memory after it
measure_jvm_floor() {
  local floor=("$JAVA_HOME/bin/java" "@$corridor_root/sidecar/jvm.options" "-XX:AOTCache=$floor_dir/floor.aot" \
    -cp "$floor_dir/floor.jar" JvmFloor "$LAB_GATEWAY_URL" "$LAB_CA") started answer_ms rss
  started=$(now_ns)
  in_pod "${floor[@]}" >/dev/null
  answer_ms=$(( ($(now_ns) - started) / 1000000 ))
  ip netns exec "$LAB_POD_NS" "${floor[@]}" 2000 >/dev/null &
  client_pid=$!
  sleep 1.5
  rss=$(rss_kb)
  wait "$client_pid"
  client_pid=""
  jq -nc --argjson answerMs "$answer_ms" --argjson rssKb "$rss" '{floor: $ARGS.named}'
}

stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
train_aot_cache
prepare_jvm_floor
samples=$results/samples.jsonl
: >"$samples"
for transport in $transports; do
  for round in $(seq "$rounds"); do
    for client in corridor openconnect; do
      echo "bench: $transport round $round/$rounds: $client" >&2
      measure "$client" "$transport" "$round" | tee -a "$samples" >&2
    done
  done
done

for round in $(seq "$rounds"); do
  echo "bench: the JVM's floor, round $round/$rounds" >&2
  measure_jvm_floor
done | tee "$results/floor.jsonl" >&2
echo "bench: DNS, directly and through the forwarder" >&2
dns_bench | tee "$results/dns.jsonl" >&2
echo "bench: shared egress, directly and through a forward" >&2
egress_bench | tee "$results/egress.jsonl" >&2

machine=$(printf '%s, %s cores, %s GiB, kernel %s' "$(. /etc/os-release; echo "$PRETTY_NAME")" "$(nproc)" \
  "$(awk '/MemTotal/ {printf "%d", $2 / 1048576 + 0.5}' /proc/meminfo)" "$(uname -r)")
jq -s --arg date "$stamp" --arg machine "$machine" --argjson rounds "$rounds" --argjson seconds "$seconds" --argjson cpuRate "$cpu_rate" \
  --argjson uncachedFirstPacketMs "$uncached_first_packet_ms" --slurpfile dns "$results/dns.jsonl" \
  --slurpfile floor "$results/floor.jsonl" '
  def median: sort | if length % 2 == 1 then .[length / 2 | floor] else (.[length / 2 - 1] + .[length / 2]) / 2 end;
  def metrics: ["upMbps", "downMbps", "pingP50Ms", "pingP99Ms", "rssRestKb", "rssLoadKb", "privateKb", "cpuSeconds", "cpuSecondsAtRate", "atRateUpMbps", "atRateDownMbps", "firstPacketMs"];
  {date: $date, machine: $machine, rounds: $rounds, secondsPerTransfer: $seconds, cpuRateMbps: $cpuRate,
   openconnect: "9.01 (Debian)", gateway: "ocserv 1.1.6 (Debian)", corridorUncachedFirstPacketMs: $uncachedFirstPacketMs,
   results: (group_by(.transport) | map({transport: .[0].transport,
     figures: (. as $runs | metrics | map(. as $m | {metric: $m,
       corridor: ([$runs[] | select(.client == "corridor") | .[$m]] | median),
       openconnect: ([$runs[] | select(.client == "openconnect") | .[$m]] | median)}
       | .ratio = (if .openconnect == 0 then null else (.corridor / .openconnect * 100 | round / 100) end)))})),
   jvmFloor: {answerMs: ([$floor[].floor.answerMs] | median), rssKb: ([$floor[].floor.rssKb] | median)},
   dns: {queries: [$dns[] | select(.server)], corridorMemory: ([$dns[] | select(.memory)][0].memory)},
   samples: .}' "$samples" >"$results/bench-${stamp//:/}.json"
cp "$results/bench-${stamp//:/}.json" "$results/latest.json"

{
  echo "Benchmark of $stamp on $machine; median of $rounds rounds, ${seconds} s per transfer;" \
    "cpuSecondsAtRate: CPU seconds for one transfer each way at ${cpu_rate} Mbit/s (atRate*Mbps: the rates reached)."
  echo
  echo "| transport | figure | Corridor | openconnect | Corridor/openconnect |"
  echo "|---|---|---|---|---|"
  jq -r '.results[] | .transport as $t | .figures[] |
    "| \($t) | \(.metric) | \(.corridor) | \(.openconnect) | \(.ratio // "-") |"' "$results/latest.json"
  echo
  echo "Corridor without an AOT cache: first packet after $(jq .corridorUncachedFirstPacketMs "$results/latest.json") ms."
  echo
  echo "The JVM's floor (scripts/bench/JvmFloor.java: one TLS connection to the gateway and one HTTP answer, with" \
    "sidecar/jvm.options and an AOT cache of its own; median of $rounds): the answer $(jq .jvmFloor.answerMs "$results/latest.json") ms" \
    "after the start, $(jq .jvmFloor.rssKb "$results/latest.json") kB resident after it."
  echo
  echo "DNS from the pod, ${seconds} s per row; 127.0.0.1 is Corridor's forwarder (rate 0: as fast as answers come):"
  echo
  echo "| names | rate | server | answered/s | lost | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|---|"
  jq -r '.dns.queries[] | "| \(.kind) | \(.rate) | \(.server) | \(.qps) | \(.lost) | \(.p50Ms) | \(.p99Ms) |"' "$results/latest.json"
  echo
  echo "Corridor with the forwarder: $(jq .dns.corridorMemory.rssRestKb "$results/latest.json") kB resident at rest," \
    "$(jq .dns.corridorMemory.rssLoadKb "$results/latest.json") kB at most under the DNS load."
  echo
  egress_table "$results/egress.jsonl"
} | tee "$results/latest.md"
