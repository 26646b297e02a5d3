#!/usr/bin/env bash
# Builds berthd, berth and berth-registry (skipping tests); bin/berthd, bin/berth and bin/berth-registry then run the result.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/java-env.sh"
cd "$root"
mvn -B -q -DskipTests -pl berth-daemon,berth-cli,berth-registry -am package
"$root/scripts/cli-aot.sh" || echo "berth: AOT cache for the CLI not created; the CLI still works, only slower to start" >&2
# After the CLI's: the daemon's training run drives berthd with the berth CLI.
"$root/scripts/berthd-aot.sh" || echo "berthd: AOT cache not created; berthd still works, only slower to start and warm up" >&2
