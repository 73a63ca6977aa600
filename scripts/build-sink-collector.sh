#!/usr/bin/env bash
# Builds the end-to-end tests' sink collector of e2e/sink/builder-config.yaml (real splunk_hec and
# otlp receivers writing to files) with ocb into _build/sink/otelcol-e2e-sink and prints the
# binary's path. As with build-collector.sh, running it again rebuilds only what changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# ocb from the internal/tools module, run from the repository root, where the configuration's
# output_path points (see build-collector.sh).
ocb=$(go -C internal/tools tool -n builder)
"$ocb" --config e2e/sink/builder-config.yaml >&2
echo "$root/_build/sink/otelcol-e2e-sink"
