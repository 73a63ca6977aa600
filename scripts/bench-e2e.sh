#!/usr/bin/env bash
# End-to-end throughput and memory of the receiver (docs/performance.md): serves EVENTS (default
# 300,000) simulated DeviceProcessEvents from defendersim's history, runs the built collector with
# one query and the file exporter until every one of them is in the file, then prints events/s, the
# collector's peak RSS (VmHWM) and the size on the wire of a full page (ROW_CAP rows, default
# 100,000, the largest response the collector asks for), and checks the file against the
# simulator's ground truth. Everything listens on 127.0.0.1.
#
#   scripts/bench-e2e.sh                    # EVENTS=300000 ROW_CAP=100000 TIMEOUT=900
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

events=${EVENTS:-300000}
row_cap=${ROW_CAP:-100000}
timeout_seconds=${TIMEOUT:-900}
listen=127.0.0.1:18543
metrics_port=18588
tenant=00000000-0000-0000-0000-000000000000
client_id=11111111-1111-1111-1111-111111111111
export DEFENDER_CLIENT_SECRET=bench-secret
# defendersim's DeviceProcessEvents: 4 events every 1.2345678 s at speed 1. An hour of history at
# this speed holds the events asked for; new ones keep coming at the same rate during the run.
history_seconds=3600
speed=$(awk -v n="$events" -v h="$history_seconds" 'BEGIN { printf "%.4f", n / (h * 4 / 1.2345678) }')

work=$(mktemp -d)
simulator_pid=
collector_pid=
stop_background() {
	for pid in $collector_pid $simulator_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap stop_background EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

collector=$(./scripts/build-collector.sh)
simulator=$work/defendersim
go build -o "$simulator" ./cmd/defendersim

"$simulator" -listen "$listen" -ca-out "$work/ca.pem" -history "${history_seconds}s" -speed "$speed" \
	-row-cap "$row_cap" -tenant "$tenant" -client-id "$client_id" -client-secret "$DEFENDER_CLIENT_SECRET" \
	>"$work/simulator.out" 2>"$work/simulator.log" &
simulator_pid=$!
for _ in $(seq 100); do
	[[ -s $work/simulator.out ]] && break
	kill -0 "$simulator_pid" 2>/dev/null || { cat "$work/simulator.log" >&2; exit 1; }
	sleep 0.1
done
[[ -s $work/simulator.out ]] || { echo "simulator not ready after 10 s" >&2; exit 1; }
# The events the run must deliver: the history up to now.
history_end=$(date -u +%Y-%m-%dT%H:%M:%S.0000000Z)
expected=$(curl -sf --cacert "$work/ca.pem" \
	"https://$listen/simulator/groundtruth?table=DeviceProcessEvents&to=$history_end" |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)["reportIds"]))')

# The largest response: a full page, as the collector's first call asks for it.
token=$(curl -sf --cacert "$work/ca.pem" "https://$listen/$tenant/oauth2/v2.0/token" \
	-d grant_type=client_credentials -d client_id="$client_id" -d client_secret="$DEFENDER_CLIENT_SECRET" \
	--data-urlencode scope=https://graph.microsoft.com/.default |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
page_query="DeviceProcessEvents\n| where Timestamp > datetime(2000-01-01T00:00:00Z) and Timestamp <= datetime($history_end)\n| sort by Timestamp asc\n| take $row_cap"
page_bytes=$(curl -sf --cacert "$work/ca.pem" "https://$listen/v1.0/security/runHuntingQuery" \
	-H "Authorization: Bearer $token" -H 'Content-Type: application/json; charset=utf-8' \
	-d "{\"Query\": \"$page_query\"}" -o /dev/null -w '%{size_download}')

cat >"$work/config.yaml" <<EOF
receivers:
  defender_hunting:
    endpoint: https://$listen
    tls:
      ca_file: $work/ca.pem
    tenant_id: $tenant
    credentials:
      service_principal:
        client_id: $client_id
        client_secret: \${env:DEFENDER_CLIENT_SECRET}
      authority: https://$listen
    row_cap: $row_cap
    queries:
      - name: process_events
        query: DeviceProcessEvents
        interval: 1s
        lookback: $((history_seconds + 600))s
        ingestion_delay: 0s
exporters:
  file:
    path: $work/events.json
service:
  pipelines:
    logs:
      receivers: [defender_hunting]
      exporters: [file]
  telemetry:
    logs:
      level: warn
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: $metrics_port
EOF

# Records the pipeline accepted so far, from the receiver's own counter.
emitted() {
	curl -sf "http://127.0.0.1:$metrics_port/metrics" 2>/dev/null |
		awk '/^otelcol_defender_hunting_records_emitted/ { n += $NF } END { printf "%d", n }'
}

echo "== $expected events in the simulator's history; a full page of $row_cap rows is $page_bytes bytes on the wire"
started=$(date +%s.%N)
"$collector" --config "$work/config.yaml" 2>"$work/collector.log" &
collector_pid=$!
delivered=0
deadline=$(($(date +%s) + timeout_seconds))
while ((delivered < expected)); do
	if (($(date +%s) > deadline)); then
		echo "timeout: $delivered of $expected events delivered after ${timeout_seconds}s" >&2
		exit 1
	fi
	kill -0 "$collector_pid" 2>/dev/null || { cat "$work/collector.log" >&2; exit 1; }
	sleep 0.2
	delivered=$(emitted)
	delivered=${delivered:-0}
done
finished=$(date +%s.%N)
peak_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$collector_pid/status")
kill -TERM "$collector_pid"
wait "$collector_pid" || true
collector_pid=

echo "== the file against the ground truth up to $history_end"
"$simulator" verify -url "https://$listen" -ca "$work/ca.pem" -table DeviceProcessEvents -to "$history_end" \
	-file "$work/events.json"

awk -v n="$expected" -v t0="$started" -v t1="$finished" -v kib="$peak_kib" -v page="$page_bytes" 'BEGIN {
	printf "events/s:          %.0f (%d events in %.1f s)\n", n / (t1 - t0), n, t1 - t0
	printf "peak RSS:          %.1f MiB (VmHWM)\n", kib / 1024
	printf "largest response:  %.1f MiB on the wire\n", page / 1048576
	printf "peak RSS/response: %.2f (target <= 2)\n", kib * 1024 / page
}'
