#!/usr/bin/env bash
# Installs Debian's docker.io (for its dockerd only) and starts a private dockerd for benchmarks:
# its own socket, data root, exec root and pidfile under $DOCKERD_DIR (default /tmp/berth-bench-dockerd),
# its own cgroup parent (berth-bench-dockerd), no bridge and no iptables. Then imports the host's busybox as image "busybox".
# The docker 28 CLI in /usr/local/bin stays the one used; no system docker service is started.
# Stop it with bench/stop-dockerd.sh.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[ "$(id -u)" = 0 ] || die "must run as root (dockerd needs it)"

if [ ! -x /usr/sbin/dockerd ]; then
  log "installing docker.io (dockerd) ..."
  # policy-rc.d (exit 101) stops the package scripts from starting system services; only add one if absent.
  added_policy=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added_policy=1
  fi
  cli_before=$(sha256sum "$DOCKER_CLI" 2>/dev/null || true)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/tmp/berth-bench-apt.log 2>&1 || {
    # A failing service start in postinst is acceptable; a missing dockerd is not.
    [ -x /usr/sbin/dockerd ] || { [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d; tail -20 /tmp/berth-bench-apt.log >&2; die "apt-get install docker.io failed"; }
  }
  [ -n "$added_policy" ] && rm -f /usr/sbin/policy-rc.d
  [ "$(sha256sum "$DOCKER_CLI" 2>/dev/null || true)" = "$cli_before" ] || die "$DOCKER_CLI changed during install"
fi

if [ -f "$DOCKERD_DIR/dockerd.pid" ] && kill -0 "$(cat "$DOCKERD_DIR/dockerd.pid")" 2>/dev/null; then
  log "dockerd already running (pid $(cat "$DOCKERD_DIR/dockerd.pid")) on $DOCKERD_SOCK"
else
  mkdir -p "$DOCKERD_DIR/data" "$DOCKERD_DIR/exec"
  # setsid: dockerd gets its own session, so it survives this script and stop-dockerd.sh can stop it by PID.
  setsid /usr/sbin/dockerd \
    --host "unix://$DOCKERD_SOCK" \
    --data-root "$DOCKERD_DIR/data" \
    --exec-root "$DOCKERD_DIR/exec" \
    --pidfile "$DOCKERD_DIR/dockerd.pid" \
    --bridge=none --iptables=false --ip-masq=false \
    --cgroup-parent=berth-bench-dockerd \
    >"$DOCKERD_DIR/dockerd.log" 2>&1 </dev/null &
  echo $! >"$DOCKERD_DIR/launcher.pid"
  if ! wait_ping "$DOCKERD_SOCK" 60; then
    tail -30 "$DOCKERD_DIR/dockerd.log" >&2
    die "dockerd did not answer on $DOCKERD_SOCK within 60 s (log: $DOCKERD_DIR/dockerd.log)"
  fi
fi

import_busybox "$DOCKERD_SOCK"
version=$(DOCKER_HOST="unix://$DOCKERD_SOCK" "$DOCKER_CLI" version --format '{{.Server.Version}}')
driver=$(DOCKER_HOST="unix://$DOCKERD_SOCK" "$DOCKER_CLI" info --format '{{.Driver}}')
log "dockerd $version (storage $driver) ready: DOCKER_HOST=unix://$DOCKERD_SOCK"
echo "$DOCKERD_SOCK"
