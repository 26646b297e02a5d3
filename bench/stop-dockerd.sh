#!/usr/bin/env bash
# Stops the private dockerd started by setup-dockerd.sh (by the PID in its pidfile) and removes its directories.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

pid=$(cat "$DOCKERD_DIR/dockerd.pid" 2>/dev/null || cat "$DOCKERD_DIR/launcher.pid" 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  # Containers first, so dockerd can stop their shims cleanly.
  ids=$(DOCKER_HOST="unix://$DOCKERD_SOCK" timeout 20 "$DOCKER_CLI" ps -aq 2>/dev/null || true)
  [ -z "$ids" ] || DOCKER_HOST="unix://$DOCKERD_SOCK" timeout 60 "$DOCKER_CLI" rm -f $ids >/dev/null 2>&1 || true
  stop_pid "$pid" dockerd
fi
# dockerd's supervised containerd stops with it; anything still holding the exec root was started by it.
unmount_under "$DOCKERD_DIR"
# Its containers' cgroups live under its own parent, which a controller may nest below dockerd's own cgroup
# (here memory sits under /process_api/...): find every berth-bench-dockerd directory and rmdir it, children first.
find /sys/fs/cgroup -maxdepth 6 -type d -name berth-bench-dockerd -prune 2>/dev/null | while read -r c; do
  find "$c" -depth -type d -exec rmdir {} \; 2>/dev/null || true
done
rm -rf "$DOCKERD_DIR"
log "dockerd stopped; $DOCKERD_DIR and its cgroups removed"
