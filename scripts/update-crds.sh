#!/usr/bin/env bash
# Regenerates the VpnTunnel CRD from the Java classes in operator/ and copies it to crds/ and the Helm chart.
# GeneratedCrdTest fails until the checked-in copies match what the classes generate.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
select_jdk
# -am: the operator compiles against the sidecar module (its parsers), which may not be installed.
./mvnw -q -B -pl operator -am process-classes
generated=operator/target/classes/META-INF/fabric8/vpntunnels.corridor.dev-v1.yml
for target in crds charts/corridor/crds; do
  mkdir -p "$target"
  cp "$generated" "$target/vpntunnels.corridor.dev-v1.yml"
  echo "updated $target/vpntunnels.corridor.dev-v1.yml"
done
