#!/usr/bin/env bash
# Runs the whole test suite: installs packages, builds, runs unit and integration tests.
# Integration tests start real berthd processes (runc, conmon, overlayfs) and need root.
# -Pfuzz: each fuzz target also fuzzes for a bounded time (docs/security.md, "Fuzzing").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
"$root/scripts/install-deps.sh"
. "$root/scripts/java-env.sh"
cd "$root"
mvn -B -ntp -Pfuzz verify "$@"
