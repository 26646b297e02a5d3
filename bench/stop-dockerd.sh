#!/usr/bin/env bash
# Stops the private dockerd started by setup-dockerd.sh (by the PID in its pidfile) and removes its directories.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ -d "$DOCKERD_DIR" ] || { log "nothing to stop: $DOCKERD_DIR does not exist"; exit 0; }
pid=$(cat "$DOCKERD_DIR/dockerd.pid" 2>/dev/null || cat "$DOCKERD_DIR/launcher.pid" 2>/dev/null || true)
if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  # Containers first, so dockerd can stop their shims cleanly.
  ids=$(DOCKER_HOST="unix://$DOCKERD_SOCK" timeout 20 "$DOCKER_CLI" ps -aq 2>/dev/null || true)
  [ -z "$ids" ] || DOCKER_HOST="unix://$DOCKERD_SOCK" timeout 60 "$DOCKER_CLI" rm -f $ids >/dev/null 2>&1 || true
  stop_pid "$pid" dockerd
fi
# dockerd's supervised containerd stops with it; anything still holding the exec root was started by it.
unmount_under "$DOCKERD_DIR"
rm -rf "$DOCKERD_DIR"
log "dockerd stopped and $DOCKERD_DIR removed"
