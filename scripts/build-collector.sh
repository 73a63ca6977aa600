#!/usr/bin/env bash
# Builds the collector distribution of builder-config.yaml with ocb into _build/otelcol-defender and
# prints the binary's path. ocb regenerates the sources and go build rebuilds only what changed, so
# running it again is cheap.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# ocb is a tool of the internal/tools module; `go tool -n` builds it (cached) and prints its path, so
# that it can run from the repository root, where builder-config.yaml's relative paths point.
ocb=$(go -C internal/tools tool -n builder)
"$ocb" --config builder-config.yaml >&2
echo "$root/_build/otelcol-defender"
