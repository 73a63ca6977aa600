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
# its entry of the checksum database, without which the go command refuses the module. So the
# checksum database is not asked for that one module, and its checksums are checked here instead,
# against those recorded when it was first fetched: a module that changed fails the build.
dbstorage=github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/dbstorage
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}$dbstorage"
"$ocb" --config builder-config.yaml >&2
pinned="$dbstorage v0.141.0 h1:XcirRkNKfsjUx5+Lm1VV5aqML8C7Y7DR/GeNtJdvWkg=
$dbstorage v0.141.0/go.mod h1:bEnVaryWDSXbBnu6oL9hR238VnLpbYMIeS5teIVUQ2k="
if [[ $(grep -F "$dbstorage " _build/go.sum) != "$pinned" ]]; then
	echo "build-collector.sh: $dbstorage's checksums in _build/go.sum are not the ones recorded:" >&2
	grep -F "$dbstorage " _build/go.sum >&2 || true
	exit 1
fi
echo "$root/_build/otelcol-defender"
