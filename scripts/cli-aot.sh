#!/usr/bin/env bash
# Trains an AOT cache (JEP 483/514) for the berth CLI so `berth` starts fast.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$root/scripts/java-env.sh"
jar="$root/berth-cli/target/berth.jar"
aot="$root/berth-cli/target/berth.aot"
rm -f "$aot"
# A training run that touches the command tree and formatting without needing a daemon.
"$JAVA" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:AOTCacheOutput="$aot" -jar "$jar" --aot-training >/dev/null 2>&1 || true
[ -f "$aot" ]
