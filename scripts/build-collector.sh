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
# The Go module proxy serves db_storage v0.141.0 (builder-config.yaml says why that version) but not
# its entry of the checksum database, without which the go command refuses the module: its checksum
# is taken from the proxy instead, for that one module only.
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/dbstorage"
"$ocb" --config builder-config.yaml >&2
echo "$root/_build/otelcol-defender"
