#!/usr/bin/env bash
# Regenerates internal/metadata, the generated tests and documentation.md from metadata.yaml.
# mdatagen names the generated test package after the folder holding metadata.yaml, so it is run
# through a link named after the package, whatever this checkout's folder is called.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
link_dir=$(mktemp -d)
trap 'rm -rf "$link_dir"' EXIT
ln -s "$root" "$link_dir/defenderhuntingreceiver"
cd "$root/internal/tools"
go tool mdatagen "$link_dir/defenderhuntingreceiver/metadata.yaml"
