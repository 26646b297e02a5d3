#!/usr/bin/env bash
# Compares Berth's Go template engine (dev.berth.cli.template.GoTemplate) with docker's own: each line of
# bench/template-diff/templates.txt goes through `docker inspect -f` on a container of the private dockerd
# (setup-dockerd.sh) and through GoTemplate over that container's inspect JSON. Prints the differences.
#   bench/template-diff.sh [--fuzz N [SEED]]     (--fuzz: N random templates from template-diff/fuzz.py instead)
# Expected differences: docker renders typed Go structs first ({{.State}} as {running true ...}, %T and %!verb type
# names such as int64 or strslice.StrSlice); when that fails it retries on the raw JSON with numbers as json.Number
# (a string: "got json.Number" in errors, len of a number counts its digits). Berth only has the JSON.
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$bench_root/scripts/java-env.sh"

templates="$bench_root/bench/template-diff/templates.txt"
work=$(mktemp -d /tmp/berth-tpldiff.XXXXXX)
name="berth-tpldiff-$$"
trap '"$DOCKER_CLI" rm -f "$name" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
if [ "${1:-}" = --fuzz ]; then
  templates="$work/fuzz.txt"
  python3 "$bench_root/bench/template-diff/fuzz.py" "${2:-300}" "${3:-1}" >"$templates"
fi

classes="$bench_root/berth-cli/target/classes"
[ -d "$classes" ] || die "berth-cli not built; run scripts/build.sh"
cp="$classes:$(ls "$bench_root"/berth-cli/target/lib/*.jar | tr '\n' ':')"
[ -S "$DOCKERD_SOCK" ] || die "no private dockerd; run bench/setup-dockerd.sh first"
export DOCKER_HOST="unix://$DOCKERD_SOCK"

mkdir -p "$work/src"
"$DOCKER_CLI" run -d --name "$name" -l b=2 -l a=1 -l "com.example.key=v w" -e FOO=bar -e "X=y z" \
  --memory 64m -v "$work/src:/dst:ro" --tmpfs /run busybox sleep 600 >/dev/null
"$DOCKER_CLI" inspect "$name" >"$work/inspect.json"
"$JAVA" -cp "$cp" "$bench_root/bench/template-diff/TemplateDiff.java" \
  "$templates" "$name" "$work/inspect.json"
