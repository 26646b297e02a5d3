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
# With setup-dockerd.sh --network: its bridge and the iptables rules dockerd added for it (dockerd 20.10 leaves
# them behind on exit). Its chains, their jumps and the FORWARD policy are shared by every dockerd with iptables on
# this host, so they are only removed (and the policy restored) when no other such dockerd runs.
if [ -f "$DOCKERD_DIR/network" ]; then
  bridge=$(sed -n 's/^bridge=//p' "$DOCKERD_DIR/network")
  subnet=$(sed -n 's/^subnet=//p' "$DOCKERD_DIR/network")
  policy=$(sed -n 's/^forward_policy=//p' "$DOCKERD_DIR/network")
  ip link del "$bridge" 2>/dev/null || true
  others=$(pgrep -x dockerd | while read -r p; do tr '\0' ' ' <"/proc/$p/cmdline"; echo; done | grep -v -c -- '--iptables=false' || true)
  for t in filter nat; do
    pattern="[ !]-[io] $bridge( |\$)|-[sd] ${subnet//./\\.}( |\$)"
    [ "$others" -gt 0 ] || pattern="$pattern|-j DOCKER(-[A-Z0-9-]+)?( |\$)"
    iptables -w -t "$t" -S | grep -E '^-A ' | grep -E -- "$pattern" | sed 's/^-A /-D /' | while read -r rule; do
      eval iptables -w -t "$t" "$rule" || true
    done
    if [ "$others" -eq 0 ]; then
      for c in $(iptables -w -t "$t" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ { print $2 }'); do iptables -w -t "$t" -F "$c"; done
      for c in $(iptables -w -t "$t" -S | awk '$1 == "-N" && $2 ~ /^DOCKER/ { print $2 }'); do iptables -w -t "$t" -X "$c"; done
    fi
  done
  [ "$others" -gt 0 ] || [ -z "$policy" ] || iptables -w -P FORWARD "$policy"
fi
rm -rf "$DOCKERD_DIR"
log "dockerd stopped; $DOCKERD_DIR and its cgroups removed"
