#!/usr/bin/env bash
# The demo: builds the collector and the simulator, serves 10 minutes of simulated Defender history
# on 127.0.0.1:18443, runs the collector with demo/config.yaml for DEMO_SECONDS (default 40) while
# it prints what it receives, then checks _demo/events.json against the simulator's ground truth.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

demo_seconds=${DEMO_SECONDS:-40}
# The app registration the simulator accepts, as demo/config.yaml signs in.
tenant=00000000-0000-0000-0000-000000000000
client_id=11111111-1111-1111-1111-111111111111
export DEFENDER_CLIENT_SECRET=demo-secret
simulator_url=https://127.0.0.1:18443
# The queries of demo/config.yaml's file pipeline read these tables whole.
tables=(DeviceProcessEvents DeviceNetworkEvents AADSignInEventsBeta)
# The longest query interval, plus room for a query in flight: every window the collector
# committed before it stopped ends within this of the stop.
settle_seconds=15

collector=$(./scripts/build-collector.sh)
simulator=_build/defendersim
go build -o "$simulator" ./cmd/defendersim

# A fresh simulator has fresh events: start from no watermark and no output.
rm -rf _demo
mkdir -p _demo

simulator_pid=
collector_pid=
timer_pid=
stop_background() {
	for pid in $timer_pid $collector_pid $simulator_pid; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}
trap stop_background EXIT
# Turn signals into an exit, so that the EXIT trap stops the background processes.
trap 'exit 130' INT
trap 'exit 143' TERM

"$simulator" -listen "${simulator_url#https://}" -ca-out _demo/ca.pem -history 10m \
	-tenant "$tenant" -client-id "$client_id" -client-secret "$DEFENDER_CLIENT_SECRET" \
	>_demo/simulator.out 2>_demo/simulator.log &
simulator_pid=$!
# The simulator prints its URL once it is serving.
for _ in $(seq 100); do
	[[ -s _demo/simulator.out ]] && break
	if ! kill -0 "$simulator_pid" 2>/dev/null; then
		cat _demo/simulator.log >&2
		exit 1
	fi
	sleep 0.1
done
[[ -s _demo/simulator.out ]] || { echo "simulator not ready after 10 s" >&2; exit 1; }
echo "== simulator serving on $(cat _demo/simulator.out)"

echo "== collector running for ${demo_seconds}s"
"$collector" --config demo/config.yaml &
collector_pid=$!
# In the background, so that a signal to this script is handled at once rather than after it.
sleep "$demo_seconds" &
timer_pid=$!
wait "$timer_pid"
timer_pid=
kill -TERM "$collector_pid"
wait "$collector_pid"
collector_pid=
stopped=$(date +%s)

# Events up to settle_seconds before the stop must all be in the file, once.
verify_to=$((stopped - settle_seconds))
verify_to=$(date -u -d "@$verify_to" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -r "$verify_to" +%Y-%m-%dT%H:%M:%SZ)
echo "== _demo/events.json against the ground truth up to $verify_to"
echo "   (each table's records, by event name; events after that time are not checked)"
status=0
for table in "${tables[@]}"; do
	report=$("$simulator" verify -url "$simulator_url" -ca _demo/ca.pem -table "$table" -to "$verify_to" \
		-file _demo/events.json) || status=1
	printf '%-20s %s\n' "$table" "$report"
done

kill -TERM "$simulator_pid"
wait "$simulator_pid" || true
simulator_pid=
cat _demo/simulator.log
exit "$status"
