#!/usr/bin/env bash
# Runs every test: go vet, the unit tests with the race detector, then the end-to-end tests against
# the collector distribution built from builder-config.yaml.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

echo "== go vet"
go vet ./...

echo "== unit tests"
# The e2e package is left to the step below, which gives it a collector to run.
unit_packages=$(go list ./... | grep -v '/e2e$')
# shellcheck disable=SC2086 # one package per word
go test -race -count=1 $unit_packages

echo "== collector build"
collector=$(./scripts/build-collector.sh)
# The sink collector: real splunk_hec and otlp receivers that the collector's exporters send to.
sink_collector=$(./scripts/build-sink-collector.sh)

echo "== PostgreSQL"
# The standby takeover test runs a PostgreSQL server of its own, from the server programs that
# Debian's packages put in /usr/lib/postgresql/VERSION/bin (off PATH).
find_pg_bin() {
  local initdb
  if initdb=$(command -v initdb); then
    dirname "$(readlink -f "$initdb")"
  else
    find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null | sort -V | tail -n 1 || true
  fi
}
pg_bin=${PG_BIN:-$(find_pg_bin)}
if [ -z "$pg_bin" ] && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  echo "PostgreSQL is not installed: installing Debian's postgresql package"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bin=$(find_pg_bin)
fi
if [ ! -x "$pg_bin/initdb" ]; then
  echo "PostgreSQL's server programs are needed (Debian: apt-get install postgresql), or PG_BIN set to their directory" >&2
  exit 1
fi
echo "$pg_bin"
# The test fails, instead of skipping, should it not find them.
export PG_BIN=$pg_bin DEFENDER_E2E_REQUIRE_POSTGRES=1

echo "== end-to-end tests"
# Without -race: the code under test runs in the collector's process, so the race detector would
# only slow down the tests' reading of tens of megabytes of exported JSON, about tenfold.
# They take about 6 minutes on 2 cores; the timeout leaves room for a slower or busier machine
# (go test's default, 10 minutes, would not).
OTELCOL_BIN=$collector SINK_OTELCOL_BIN=$sink_collector go test -count=1 -v -timeout 25m ./e2e/
