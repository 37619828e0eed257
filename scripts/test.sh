#!/usr/bin/env bash
# Runs the whole test suite: unit tests, then the integration tests against a real ocserv in network namespaces.
# On a fresh Debian machine it installs what it needs first (Debian packages; the Maven wrapper fetches Maven).
#   scripts/test.sh                 everything
#   scripts/test.sh -Dit.test=X     extra arguments go to Maven
set -euo pipefail
source "$(dirname "$0")/lib.sh"

require_root
install_packages
select_jdk
cd "$corridor_root"
exec ./mvnw -B verify "$@"
