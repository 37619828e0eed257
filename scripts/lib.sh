# Shared by scripts/test.sh, scripts/demo.sh and scripts/bench.sh: root check, Debian packages, JDK 25, the jar.
# shellcheck shell=bash

corridor_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# What the lab, the tests and the benchmark run: the real gateway and reference client, the network tools, and
# Prometheus with promtool (the monitoring tests scrape, evaluate and lint with them).
corridor_packages=(ocserv openconnect iperf3 nftables openssl iproute2 iputils-ping curl tcpdump procps prometheus dnsmasq-base dnsutils)

require_root() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "$(basename "$0"): must run as root (it creates network namespaces, tun devices and runs ocserv)" >&2
    exit 1
  fi
}

install_packages() {
  local missing=()
  for package in "${corridor_packages[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# Sets JAVA_HOME to a JDK 25: the given JAVA_HOME if it is one, else Temurin 25 where Debian puts it.
select_jdk() {
  local candidate
  for candidate in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/java" ] || continue
    if "$candidate/bin/java" -version 2>&1 | head -1 | grep -Eq '"(2[5-9]|[3-9][0-9])[".]'; then
      export JAVA_HOME=$candidate
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "$(basename "$0"): no JDK 25 found: set JAVA_HOME to a JDK 25 (e.g. Temurin 25 in /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  exit 1
}

corridor_jar=$corridor_root/sidecar/target/corridor-sidecar.jar

# Builds the sidecar jar when it is missing or older than a source file.
build_jar_if_needed() {
  if [ ! -f "$corridor_jar" ] || [ -n "$(find "$corridor_root/sidecar/src/main" "$corridor_root/sidecar/pom.xml" "$corridor_root/pom.xml" -newer "$corridor_jar" -print -quit)" ]; then
    echo "building the sidecar" >&2
    (cd "$corridor_root" && ./mvnw -B -q -pl sidecar -am package -DskipTests)
  fi
}
