#!/usr/bin/env bash
# Many tenants in one collector (docs/scale.md): runs TestManyTenantsInOneCollector (e2e/) once for
# each tenant count in TENANTS (default "10 200"), 5 queries per tenant each polled every 10 s
# under the service's quota of 45 calls a minute per tenant, with a steady state of STEADY (default
# 60s) measured while events keep coming, and prints the test's figures: the collector's CPU over
# the steady state, its RSS and Go heap (in all and per query), the hunting calls per tenant per
# minute, and each tenant's events against the simulator's ground truth. The simulator runs in the
# test's process, on 127.0.0.1 at a port chosen at run time.
#
#   scripts/bench-tenants.sh                          # TENANTS="10 200" STEADY=60s
#   TENANTS="200 500" STEADY=2m scripts/bench-tenants.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tenant_counts=${TENANTS:-10 200}
steady=${STEADY:-60s}
collector=$(./scripts/build-collector.sh)
for tenants in $tenant_counts; do
	echo "== $tenants tenants, steady state $steady"
	MANY_TENANTS=$tenants MANY_TENANTS_STEADY=$steady OTELCOL_BIN=$collector \
		go test -count=1 -v -timeout 30m -run '^TestManyTenantsInOneCollector$' ./e2e/ |
		grep -E 'many tenants:|^(--- |ok|FAIL)' | sed -E 's/^ +many_tenants_test.go:[0-9]+: //'
done
