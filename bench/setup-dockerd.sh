#!/usr/bin/env bash
# Installs Debian's docker.io (for its dockerd only) and starts a private dockerd for benchmarks:
# its own socket, data root, exec root and pidfile under $DOCKERD_DIR (default /tmp/berth-bench-dockerd),
# its own cgroup parent (berth-bench-dockerd), no bridge and no iptables. Then imports the host's busybox as image "busybox".
# The docker 28 CLI in /usr/local/bin stays the one used; no system docker service is started.
# Stop it with bench/stop-dockerd.sh.
#
#   bench/setup-dockerd.sh [--network BRIDGE CIDR]
#
# --network BRIDGE CIDR (e.g. dbench0 10.198.0.1/24): dockerd gets a bridge of its own instead of none, created here
# with the gateway address CIDR (dockerd's --bridge needs an existing device), and manages iptables itself
# (--iptables=true --ip-masq=true, userland proxy on, as a default install). The bridge name and subnet must not be
# in use (not docker0's, not berthd's). stop-dockerd.sh then deletes the bridge, the rules naming it or its subnet,
# and, when no other dockerd with iptables runs, dockerd's chains and the FORWARD policy it changed.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

net_bridge=
net_cidr=
while [ $# -gt 0 ]; do
  case $1 in
    --network) net_bridge=$2; net_cidr=$3; shift 3 ;;
    *) die "unknown argument $1" ;;
  esac
done

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
  if [ -n "$net_bridge" ] && ! grep -qx "bridge=$net_bridge" "$DOCKERD_DIR/network" 2>/dev/null; then
    die "that dockerd does not run with --network $net_bridge; stop it first (bench/stop-dockerd.sh)"
  fi
else
  mkdir -p "$DOCKERD_DIR/data" "$DOCKERD_DIR/exec"
  net_flags=(--bridge=none --iptables=false --ip-masq=false)
  if [ -n "$net_bridge" ]; then
    [[ $net_cidr =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/[0-9]+$ ]] || die "--network wants BRIDGE a.b.c.d/len, got $net_cidr"
    ! ip link show "$net_bridge" >/dev/null 2>&1 || die "device $net_bridge exists already; pick another bridge name"
    subnet=$(python3 -c 'import ipaddress,sys; print(ipaddress.ip_interface(sys.argv[1]).network)' "$net_cidr")
    # A route that overlaps the subnet means another bridge (docker0, berthd's) or a host network uses it.
    if ip -4 route show | awk '{ print $1 }' | python3 -c 'import ipaddress,sys
n = ipaddress.ip_network(sys.argv[1])
sys.exit(0 if any(l.strip() != "default" and n.overlaps(ipaddress.ip_network(l.strip(), strict=False)) for l in sys.stdin) else 1)' "$subnet"; then
      die "subnet $subnet overlaps a route on this host; pick another"
    fi
    # Written before anything is changed, so stop-dockerd.sh undoes a half-done setup too.
    printf 'bridge=%s\nsubnet=%s\nforward_policy=%s\n' "$net_bridge" "$subnet" \
      "$(iptables -w -S FORWARD | awk '$1 == "-P" { print $3 }')" >"$DOCKERD_DIR/network"
    ip link add "$net_bridge" type bridge
    ip addr add "$net_cidr" dev "$net_bridge"
    ip link set "$net_bridge" up
    net_flags=(--bridge="$net_bridge" --iptables=true --ip-masq=true)
  fi
  # setsid: dockerd gets its own session, so it survives this script and stop-dockerd.sh can stop it by PID.
  setsid /usr/sbin/dockerd \
    --host "unix://$DOCKERD_SOCK" \
    --data-root "$DOCKERD_DIR/data" \
    --exec-root "$DOCKERD_DIR/exec" \
    --pidfile "$DOCKERD_DIR/dockerd.pid" \
    "${net_flags[@]}" \
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
