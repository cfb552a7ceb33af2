#!/usr/bin/env bash
# The GitHub Action's step (action.yml): download the release archive of
# PORTSPEC_VERSION for this runner's OS and architecture, verify it against
# the release's checksums file before anything from it runs, then run
# portspec check with GitHub annotations, the step summary, and the
# reports in PORTSPEC_OUTPUT_DIR. PORTSPEC_RELEASES is where releases are
# (a test points it at a directory, as file://).
set -euo pipefail

fail() { echo "::error title=portspec::$*" >&2; exit 1; }

version="${PORTSPEC_VERSION:-}"
[[ "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
  fail "version must be a release tag such as v0.1.0; got '$version' (pin the action to a tag, or give version)"
case "${RUNNER_OS:-$(uname -s)}" in
  Linux) os=linux ;; macOS|Darwin) os=darwin ;; Windows|MINGW*|MSYS*) os=windows ;;
  *) fail "no release for runner OS '${RUNNER_OS:-}'" ;;
esac
case "${RUNNER_ARCH:-$(uname -m)}" in
  X64|x86_64|amd64) arch=amd64 ;; ARM64|aarch64|arm64) arch=arm64 ;;
  *) fail "no release for runner architecture '${RUNNER_ARCH:-}'" ;;
esac
ext=tar.gz exe=portspec
if [ "$os" = windows ]; then ext=zip exe=portspec.exe; fi
archive="portspec_${version#v}_${os}_${arch}.${ext}"
sums="portspec_${version#v}_checksums.txt"
base="${PORTSPEC_RELEASES:-https://github.com/portspec/portspec/releases/download}/$version"

dir="$(mktemp -d)"
for f in "$archive" "$sums"; do
  curl -fsSL --retry 3 -o "$dir/$f" "$base/$f" || fail "cannot download $base/$f"
done
want="$(awk -v f="$archive" '$2 == f { print $1 }' "$dir/$sums")"
[ -n "$want" ] || fail "$sums does not list $archive"
if command -v sha256sum >/dev/null; then
  got="$(sha256sum "$dir/$archive" | awk '{ print $1 }')"
else
  got="$(shasum -a 256 "$dir/$archive" | awk '{ print $1 }')"
fi
[ "$got" = "$want" ] || fail "$archive does not match its checksum in $sums: got $got, want $want; nothing was run"

mkdir -p "$dir/bin"
if [ "$ext" = zip ]; then
  unzip -q -o "$dir/$archive" "$exe" -d "$dir/bin"
else
  tar -xzf "$dir/$archive" -C "$dir/bin" "$exe"
fi
echo "$dir/bin" >> "${GITHUB_PATH:-/dev/null}"

out="${PORTSPEC_OUTPUT_DIR:-portspec-results}"
echo "output-dir=$out" >> "${GITHUB_OUTPUT:-/dev/null}"
from=()
[ -z "${PORTSPEC_FROM:-}" ] || from=(--from "$PORTSPEC_FROM")
# Paths and args are the workflow's own words, split at whitespace, with
# no expansion of any kind.
read -r -a paths <<< "${PORTSPEC_PATHS:-}"
read -r -a args <<< "${PORTSPEC_ARGS:-}"
[ ${#paths[@]} -gt 0 ] || fail "paths names no spec"
exec "$dir/bin/$exe" check --annotations github \
  --junit "$out/junit.xml" --html "$out/report.html" --json "$out/results.json" \
  ${from[@]+"${from[@]}"} ${args[@]+"${args[@]}"} "${paths[@]}"
