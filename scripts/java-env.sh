# Sourced by Berth's scripts: finds a JDK 25 or newer and exports JAVA_HOME and JAVA.
# Order: $JAVA_HOME if it is 25+, then the newest JDK under /usr/lib/jvm that is 25+.

berth_java_feature() { # prints the feature version of the java binary $1
  # A JDK's release file names its version; reading it is much cheaper than starting a JVM (bin/berth runs this every time).
  local release v
  release="$(dirname "$1")/../release"
  if [ -f "$release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$release")
    if [ -n "$v" ]; then echo "$v"; return 0; fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/ {print $2; exit}'
}

berth_find_java() {
  local candidate v
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    v=$(berth_java_feature "$JAVA_HOME/bin/java")
    if [ "${v:-0}" -ge 25 ] 2>/dev/null; then echo "$JAVA_HOME"; return 0; fi
  fi
  for candidate in $(ls -d /usr/lib/jvm/*/ 2>/dev/null | sort -rV); do
    candidate=${candidate%/}
    [ -x "$candidate/bin/java" ] || continue
    v=$(berth_java_feature "$candidate/bin/java")
    if [ "${v:-0}" -ge 25 ] 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! BERTH_JAVA_HOME=$(berth_find_java); then
  cat >&2 <<'MSG'
berth: no JDK 25 or newer found.
  Set JAVA_HOME to a JDK 25, or install one under /usr/lib/jvm, for example:
    apt-get install openjdk-25-jdk-headless        (Debian testing / Ubuntu 25.04+)
    or Eclipse Temurin 25 from https://adoptium.net (package temurin-25-jdk)
MSG
  return 1 2>/dev/null || exit 1
fi
export JAVA_HOME="$BERTH_JAVA_HOME"
export JAVA="$JAVA_HOME/bin/java"
