#!/usr/bin/env bash
# End-to-end throughput and memory (docs/performance.md, "End to end"), in one invocation on the same
# simulator data: defendersim serves EVENTS (default 300,000) DeviceProcessEvents of an hour's
# history, and these run one after the other, never two at once (they share the machine's cores
# with the simulator and the endpoint):
#
#   collector:splunk_hec, collector:otlp_http, collector:file
#       the built collector, one query over the history, to a local HEC endpoint, a local OTLP/HTTP
#       endpoint (both `defendersim sink`: count, keep the bodies, answer) or a file; the clock runs
#       from the collector's start until the endpoint has every event (the sink says when), or, for
#       the file, until the exporter counted them sent (otelcol_exporter_sent_log_records);
#   peer
#       scripts/bench/addon_peer.py: the way the Splunk add-on polls (a POST per window, json.loads,
#       json.dumps per row, to a file), from its start until it exits;
#   alone:splunk_hec, alone:otlp_http, alone:file
#       scripts/bench/exporters: the records of the collector:file run, built before the clock
#       starts, pushed in batches of 5,000 through the exporter alone, made from its factory with
#       the same settings, into the same kind of endpoint, until the endpoint has them all;
#   flat
#       the collector run of FLAT_PIPELINE again with ROW_CAP/4 and ROW_CAP/2: peak RSS as
#       responses grow.
#
# Every run's delivery is checked against the simulator's ground truth after its clock stopped
# (`defendersim verify`: every event once). It prints each run's events, seconds, events/s and peak
# RSS (VmHWM), then the ratios issue 14 sets targets for.
#
# Knobs (environment):
#   EVENTS=300000 ROW_CAP=100000 TIMEOUT=600 (seconds per run)
#   PIPELINES="collector:splunk_hec collector:otlp_http collector:file peer alone:splunk_hec alone:otlp_http alone:file flat"
#   QUEUES="none"  the exporters' sending_queue, one run each (file has no queue):
#       none        sending_queue: {enabled: false}: README's recommended pipeline
#       persistent  README's pipeline for long outages: on file_storage, sizer items, queue_size
#                   200000, block_on_overflow, batch {flush_timeout 1s, min_size 5000, max_size 10000}
#       memory      the same in memory (no storage): not crash-proof
#       custom      sending_queue: $SENDING_QUEUE (a YAML flow map)
#   SIM_CACHE_ROWS=1     the simulator renders each row once (defendersim -cache-rows), all of them
#                        before the first run: a real service renders rows on its own machines, and
#                        rendering takes the simulator about a second of a core per 100,000 rows, on
#                        the cores the runs share; 0: it renders every row it sends
#   FLAT_PIPELINE="splunk_hec/<the first of QUEUES>"  the collector run flat repeats, e.g. file/none
#   RECEIVER_SETTINGS    YAML lines added to the receiver block, e.g. 'columns_in: both'
#   SPLUNK_HEC_SETTINGS, OTLP_HTTP_SETTINGS, FILE_SETTINGS
#                        YAML lines added to that exporter's block (collector and alone runs alike);
#                        keys other than the ones set here. SPLUNK_HEC_SETTINGS defaults to
#                        'disable_compression: true', README's setting for a Splunk on the same
#                        network; SPLUNK_HEC_SETTINGS= (empty) runs the exporter's gzip
#
#   scripts/bench-e2e.sh
#   QUEUES="none memory persistent" PIPELINES="collector:splunk_hec alone:splunk_hec" scripts/bench-e2e.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

events=${EVENTS:-300000}
row_cap=${ROW_CAP:-100000}
timeout_seconds=${TIMEOUT:-600}
pipelines=${PIPELINES:-collector:splunk_hec collector:otlp_http collector:file peer alone:splunk_hec alone:otlp_http alone:file flat}
queues=${QUEUES:-none}
sim_cache_rows=${SIM_CACHE_ROWS:-1}
flat_pipeline=${FLAT_PIPELINE:-splunk_hec/${queues%% *}}
tenant=00000000-0000-0000-0000-000000000000
client_id=11111111-1111-1111-1111-111111111111
client_secret=bench-secret
export DEFENDER_CLIENT_SECRET=$client_secret
# defendersim's DeviceProcessEvents: 4 events every 1.2345678 s at speed 1. An hour of history at
# this speed holds the events asked for. Every run reads the history up to the same end, so all see
# the same events, although the simulator makes new ones while the runs go on.
history_seconds=3600
speed=$(awk -v n="$events" -v h="$history_seconds" 'BEGIN { printf "%.4f", n / (h * 4 / 1.2345678) }')

work=$(mktemp -d)
background=()
stop_background() {
	for pid in "${background[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap stop_background EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# stop ends a background process and waits for it.
stop() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# wait_line waits until file has a line matching pattern and prints it; fails when pid exits first.
wait_line() {
	local file=$1 pattern=$2 pid=$3 seconds=$4 line
	local deadline=$(($(date +%s) + seconds))
	until line=$(grep -m1 -E "$pattern" "$file" 2>/dev/null); do
		kill -0 "$pid" 2>/dev/null || return 1
		(($(date +%s) <= deadline)) || return 1
		sleep 0.05
	done
	echo "$line"
}

# free_port prints a TCP port free on 127.0.0.1 right now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

peak_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# sample_anon writes to file $2 the largest RssAnon of process $1 seen every 0.1 s until it exits.
# VmHWM counts file-backed pages too (a persistent queue's memory-mapped file_storage), RssAnon
# only the process's own memory; the kernel keeps no peak of it, hence the sampling.
sample_anon() {
	local max=0 key value unit
	echo 0 >"$2"
	while [[ -r /proc/$1/status ]]; do
		while read -r key value unit; do
			if [[ $key == RssAnon: ]] && ((value > max)); then
				max=$value
				echo "$max" >"$2"
			fi
		done <"/proc/$1/status" 2>/dev/null || true
		sleep 0.1
	done
}

echo "== building the collector, defendersim and the exporters-alone program" >&2
collector=$(./scripts/build-collector.sh 2>"$work/build.log") || { cat "$work/build.log" >&2; exit 1; }
simulator=$work/defendersim
go build -o "$simulator" ./cmd/defendersim
exporters=$work/exporters
go -C scripts/bench/exporters build -o "$exporters" .

cache_rows=()
[[ $sim_cache_rows == 1 ]] && cache_rows=(-cache-rows)
"$simulator" -listen 127.0.0.1:0 -ca-out "$work/ca.pem" -history "${history_seconds}s" -speed "$speed" \
	-row-cap "$row_cap" -calls-per-minute 100000 -tenant "$tenant" -client-id "$client_id" -client-secret "$client_secret" \
	"${cache_rows[@]}" >"$work/simulator.out" 2>"$work/simulator.log" &
background+=($!)
simulator_url=$(wait_line "$work/simulator.out" '^https://' "${background[-1]}" 10) ||
	{ cat "$work/simulator.log" >&2; exit 1; }
# The events every run must deliver: the history up to now, and what each run asks for.
history_end=$(date -u +%Y-%m-%dT%H:%M:%S.0000000Z)
expected=$(curl -sf --cacert "$work/ca.pem" \
	"$simulator_url/simulator/groundtruth?table=DeviceProcessEvents&to=$history_end" |
	python3 -c 'import json, sys; print(len(json.load(sys.stdin)["reportIds"]))')
token=$(curl -sf --cacert "$work/ca.pem" "$simulator_url/$tenant/oauth2/v2.0/token" \
	-d grant_type=client_credentials -d client_id="$client_id" -d client_secret="$client_secret" \
	--data-urlencode scope=https://graph.microsoft.com/.default |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# response_bytes prints the size on the wire of the first, full page of a given row cap: the largest
# response a collector with that row_cap asks for.
response_bytes() {
	local query="DeviceProcessEvents\n| where Timestamp > datetime(2000-01-01T00:00:00Z) and Timestamp <= datetime($history_end)\n| sort by Timestamp asc\n| take $1"
	curl -sf --cacert "$work/ca.pem" "$simulator_url/v1.0/security/runHuntingQuery" \
		-H "Authorization: Bearer $token" -H 'Content-Type: application/json; charset=utf-8' \
		-d "{\"Query\": \"$query\"}" -o /dev/null -w '%{size_download}'
}
page_bytes=$(response_bytes "$row_cap")
echo "== $expected events in the simulator's history; a full page of $row_cap rows is $page_bytes bytes on the wire"
if [[ $sim_cache_rows == 1 ]]; then
	# Every row rendered once before any clock runs: the runs read rows the simulator only copies.
	python3 scripts/bench/addon_peer.py --url "$simulator_url" --ca "$work/ca.pem" \
		--tenant "$tenant" --client-id "$client_id" --client-secret "$client_secret" \
		--start 2000-01-01T00:00:00.0000000Z --end "$history_end" --row-cap "$row_cap" --out /dev/null >/dev/null
	echo "== the simulator renders each row once (SIM_CACHE_ROWS=1): every row of the history is rendered"
fi

# Results, by run name.
declare -A run_events run_seconds run_peak run_anon
run_names=()

# record keeps a run's figures and prints them: name, events, start and end (Unix seconds), peak RSS
# and largest RssAnon seen (KiB), the ground truth check.
record() {
	local name=$1 n=$2 t0=$3 t1=$4 peak=$5 anon=$6 check=$7
	run_names+=("$name")
	run_events[$name]=$n
	run_seconds[$name]=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
	run_peak[$name]=$peak
	run_anon[$name]=$anon
	awk -v name="$name" -v n="$n" -v s="${run_seconds[$name]}" -v kib="$peak" -v anon="$anon" -v check="$check" 'BEGIN {
		printf "%-40s %7d events %6.1f s %7.0f events/s  peak RSS %7.1f MiB (anon %7.1f)  %s\n",
			name, n, s, n / s, kib / 1024, anon / 1024, check
	}'
}

# verify prints the ground truth check of a delivery (file in format).
verify() {
	"$simulator" verify -url "$simulator_url" -ca "$work/ca.pem" -table DeviceProcessEvents -to "$history_end" \
		-format "$1" -file "$2" 2>&1 || true
}

# indent prints its input's lines with $1 spaces before each.
indent() { sed -e '/^[[:space:]]*$/d' -e "s/^/$(printf '%*s' "$1" '')/"; }

# queue_block prints an exporter's sending_queue for a queue mode, at 4 spaces.
queue_block() {
	case $1 in
	persistent | memory)
		echo "sending_queue:"
		[[ $1 == persistent ]] && echo "  storage: file_storage"
		cat <<-EOF
		  sizer: items
		  queue_size: 200000
		  block_on_overflow: true
		  batch: {flush_timeout: 1s, min_size: 5000, max_size: 10000}
		retry_on_failure: {max_elapsed_time: 0}
		EOF
		;;
	none) echo "sending_queue: {enabled: false}" ;;
	custom) echo "sending_queue: ${SENDING_QUEUE:?QUEUES=custom needs SENDING_QUEUE}" ;;
	*) echo "unknown queue mode $1" >&2; return 1 ;;
	esac | indent 4
}

# exporters_yaml prints the `extensions:` and `exporters:` of a run: exporter $1 with queue mode $2
# to $3 (the sink's URL, or the file's path), its queue's file_storage in directory $4.
exporters_yaml() {
	local exporter=$1 queue=$2 target=$3 storage=$4
	cat <<-EOF
	extensions:
	  file_storage:
	    directory: $storage
	exporters:
	  $exporter:
	EOF
	case $exporter in
	splunk_hec)
		printf 'endpoint: %s/services/collector\ntoken: bench-token\n' "$target" | indent 4
		queue_block "$queue"
		echo "${SPLUNK_HEC_SETTINGS-disable_compression: true}" | indent 4
		;;
	otlp_http)
		printf 'endpoint: %s\n' "$target" | indent 4
		queue_block "$queue"
		echo "${OTLP_HTTP_SETTINGS:-}" | indent 4
		;;
	file)
		printf 'path: %s\n' "$target" | indent 4
		echo "${FILE_SETTINGS:-}" | indent 4
		;;
	esac
}

# collector_yaml prints a collector configuration: exporters_yaml's blocks and the receiver with a
# row cap of $1, on file_storage as README recommends, its metrics on port $2.
collector_yaml() {
	local cap=$1 metrics_port=$2
	cat <<-EOF
	receivers:
	  defender_hunting:
	    endpoint: $simulator_url
	    tls:
	      ca_file: $work/ca.pem
	    tenant_id: $tenant
	    credentials:
	      service_principal:
	        client_id: $client_id
	        client_secret: \${env:DEFENDER_CLIENT_SECRET}
	      authority: $simulator_url
	    storage: file_storage
	    row_cap: $cap
	    queries:
	      - name: process_events
	        query: DeviceProcessEvents | where Timestamp <= datetime($history_end)
	        interval: 1s
	        lookback: $((history_seconds + 600))s
	        ingestion_delay: 0s
	EOF
	echo "${RECEIVER_SETTINGS:-}" | indent 4
	cat "$run/exporters.yaml"
	cat <<-EOF
	service:
	  extensions: [file_storage]
	  pipelines:
	    logs:
	      receivers: [defender_hunting]
	      exporters: [$exporter]
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
}

# start_sink starts `defendersim sink` for the run, expecting $1 events, and sets sink_pid and
# sink_url.
start_sink() {
	"$simulator" sink -capture "$run/capture" -expect "$1" >"$run/sink.out" 2>"$run/sink.log" &
	sink_pid=$!
	background+=("$sink_pid")
	sink_url=$(wait_line "$run/sink.out" '^http://' "$sink_pid" 10) || { cat "$run/sink.log" >&2; exit 1; }
}

# new_run makes the run's directory and its exporter blocks, with a sink expecting $3 events for
# exporters that send to one; sets run, exporter, queue, target.
new_run() {
	exporter=$1 queue=$2
	run=$(mktemp -d "$work/run.XXXX")
	mkdir "$run/storage"
	if [[ $exporter == file ]]; then
		target=$run/events.json
	else
		start_sink "$3"
		target=$sink_url
	fi
	exporters_yaml "$exporter" "$queue" "$target" "$run/storage" >"$run/exporters.yaml"
}

# sent_records prints the collector's otelcol_exporter_sent_log_records.
sent_records() {
	curl -sf "http://127.0.0.1:$1/metrics" 2>/dev/null |
		awk '/^otelcol_exporter_sent_log_records/ { n += $NF } END { printf "%d", n }'
}

# run_collector runs the collector to exporter $1 with queue mode $2 and row cap $3, under the name
# $4. The file run's output is kept as $work/collector-events.json for the exporters-alone runs.
run_collector() {
	local cap=$3 name=$4 metrics_port t0 t1 peak check collector_pid
	new_run "$1" "$2" "$expected"
	metrics_port=$(free_port)
	collector_yaml "$cap" "$metrics_port" >"$run/config.yaml"
	t0=$(date +%s.%N)
	"$collector" --config "$run/config.yaml" 2>"$run/collector.log" &
	collector_pid=$!
	background+=("$collector_pid")
	sample_anon "$collector_pid" "$run/anon" &
	background+=($!)
	if [[ $exporter == file ]]; then
		local deadline=$(($(date +%s) + timeout_seconds)) sent=0
		while ((sent < expected)); do
			kill -0 "$collector_pid" 2>/dev/null || { cat "$run/collector.log" >&2; exit 1; }
			(($(date +%s) <= deadline)) || { echo "$name: timeout, $sent of $expected sent" >&2; exit 1; }
			sleep 0.1
			sent=$(sent_records "$metrics_port")
		done
		t1=$(date +%s.%N)
	else
		local reached
		reached=$(wait_line "$run/sink.out" '^reached' "$collector_pid" "$timeout_seconds") ||
			{ echo "$name: the endpoint did not get every event within ${timeout_seconds}s" >&2; cat "$run/collector.log" >&2; exit 1; }
		t1=${reached##* }
	fi
	peak=$(peak_kib "$collector_pid")
	stop "$collector_pid"
	if [[ $exporter == file ]]; then
		check=$(verify otlpjson "$run/events.json")
		[[ -f $work/collector-events.json ]] || mv "$run/events.json" "$work/collector-events.json"
	else
		stop "$sink_pid"
		check=$(verify capture "$run/capture")
	fi
	wait "${background[-1]}"
	record "$name" "$expected" "$t0" "$t1" "$peak" "$(cat "$run/anon")" "$check"
	rm -rf "$run"
}

run_peer() {
	local t0 t1 out peak peer_pid
	run=$(mktemp -d "$work/run.XXXX")
	t0=$(date +%s.%N)
	python3 scripts/bench/addon_peer.py --url "$simulator_url" --ca "$work/ca.pem" \
		--tenant "$tenant" --client-id "$client_id" --client-secret "$client_secret" \
		--start 2000-01-01T00:00:00.0000000Z --end "$history_end" --row-cap "$row_cap" --out "$run/rows.json" \
		>"$run/peer.out" &
	peer_pid=$!
	background+=("$peer_pid")
	sample_anon "$peer_pid" "$run/anon" &
	background+=($!)
	if ! timeout "$timeout_seconds" tail -s 0.05 --pid "$peer_pid" -f /dev/null || ! wait "$peer_pid"; then
		echo "peer: failed" >&2
		exit 1
	fi
	t1=$(date +%s.%N)
	wait "${background[-1]}"
	out=$(cat "$run/peer.out")
	peak=${out##*peak_rss_kib=}
	record peer "$expected" "$t0" "$t1" "$peak" "$(cat "$run/anon")" "$(verify rows "$run/rows.json") (${out% peak_rss_kib=*})"
	rm -rf "$run"
}

# run_alone runs the exporters-alone program for exporter $1 with queue mode $2.
run_alone() {
	local name=$3 program_pid out t0 t1 peak check
	new_run "$1" "$2" "$records"
	"$exporters" run -records "$work/records.pb" -config "$run/exporters.yaml" -exporter "$exporter" \
		>"$run/exporters.out" 2>"$run/exporters.log" &
	program_pid=$!
	background+=("$program_pid")
	sample_anon "$program_pid" "$run/anon" &
	background+=($!)
	if ! timeout "$timeout_seconds" tail -s 0.05 --pid "$program_pid" -f /dev/null || ! wait "$program_pid"; then
		echo "$name: failed" >&2
		cat "$run/exporters.log" >&2
		exit 1
	fi
	out=$(cat "$run/exporters.out")
	t0=$(awk '/^started/ { print $2 }' <<<"$out")
	peak=$(awk -F= '/^peak_rss_kib/ { print $2 }' <<<"$out")
	if [[ $exporter == file ]]; then
		t1=$(awk '/^sent/ { print $4 }' <<<"$out")
		check=$(verify otlpjson "$run/events.json")
	else
		t1=$(awk '/^reached/ { print $5 }' "$run/sink.out")
		stop "$sink_pid"
		check=$(verify capture "$run/capture")
	fi
	wait "${background[-1]}"
	record "$name" "$records" "$t0" "$t1" "$peak" "$(cat "$run/anon")" \
		"$check ($(awk '/^loaded/ { printf "%.1f MiB RSS with the records loaded", $(NF-1) / 1024 }' <<<"$out"))"
	rm -rf "$run"
}

wants() { [[ " $pipelines " == *" $1 "* ]]; }

queue_modes_of() { if [[ $1 == file ]]; then echo none; else echo "$queues"; fi; }

echo "== runs, one at a time (peak RSS: the process's VmHWM)"
for exporter_name in splunk_hec otlp_http file; do
	wants "collector:$exporter_name" || continue
	for q in $(queue_modes_of "$exporter_name"); do
		run_collector "$exporter_name" "$q" "$row_cap" "collector:$exporter_name/$q"
	done
done
if wants peer; then
	run_peer
fi
if wants alone:splunk_hec || wants alone:otlp_http || wants alone:file; then
	if [[ ! -f $work/collector-events.json ]]; then
		echo "(collector:file runs first: its output is the exporters-alone records)"
		run_collector file none "$row_cap" "collector:file/none"
	fi
	prepared=$("$exporters" prepare -in "$work/collector-events.json" -out "$work/records.pb" -batch 5000)
	records=$(awk '{ print $2 }' <<<"$prepared")
	echo "(exporters alone: $prepared)"
	for exporter_name in splunk_hec otlp_http file; do
		wants "alone:$exporter_name" || continue
		for q in $(queue_modes_of "$exporter_name"); do
			run_alone "$exporter_name" "$q" "alone:$exporter_name/$q"
		done
	done
fi
if wants flat; then
	if [[ -z ${run_seconds[collector:$flat_pipeline]:-} ]]; then
		run_collector "${flat_pipeline%%/*}" "${flat_pipeline#*/}" "$row_cap" "collector:$flat_pipeline"
	fi
	for cap in $((row_cap / 4)) $((row_cap / 2)); do
		run_collector "${flat_pipeline%%/*}" "${flat_pipeline#*/}" "$cap" "collector:$flat_pipeline/cap=$cap"
	done
fi

# seconds_of and rate_of print a run's figures, nothing when it did not run.
seconds_of() { echo "${run_seconds[$1]:-}"; }
rate_of() { [[ -n ${run_seconds[$1]:-} ]] && awk -v n="${run_events[$1]}" -v s="${run_seconds[$1]}" 'BEGIN { printf "%.0f", n / s }'; }

echo
echo "== ratios, against issue 14's targets"
for q in $queues; do
	hec=collector:splunk_hec/$q
	if [[ -n $(seconds_of "$hec") && -n $(seconds_of peer) ]]; then
		awk -v a="$(rate_of "$hec")" -v b="$(rate_of peer)" -v name="$hec" \
			'BEGIN { printf "%-34s events/s over the peer'\''s: %5.2f (target >= 1.5)\n", name, a / b }'
	fi
	for with in collector:splunk_hec/$q collector:otlp_http/$q $([[ $q == "${queues%% *}" ]] && echo collector:file/none); do
		alone=alone:${with#collector:}
		[[ -n $(seconds_of "$with") && -n $(seconds_of "$alone") ]] || continue
		awk -v a="$(seconds_of "$with")" -v b="$(seconds_of "$alone")" -v name="$with" \
			'BEGIN { printf "%-34s time over the exporter'\''s alone: %5.2f (target <= 1.3)\n", name, a / b }'
	done
done
largest_mib=$(awk -v b="$page_bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
for name in "${run_names[@]}"; do
	[[ $name == collector:* && $name != */cap=* ]] || continue
	awk -v kib="${run_peak[$name]}" -v b="$page_bytes" -v name="$name" -v mib="$largest_mib" \
		'BEGIN { printf "%-34s peak RSS over the largest response (%s MiB): %5.2f (target <= 1)\n", name, mib, kib * 1024 / b }'
done

if wants flat; then
	echo
	echo "== peak RSS as responses grow: collector:$flat_pipeline, the same $expected events"
	smallest=
	for cap in $((row_cap / 4)) $((row_cap / 2)) "$row_cap"; do
		name=collector:$flat_pipeline/cap=$cap bytes=
		if ((cap == row_cap)); then
			name=collector:$flat_pipeline bytes=$page_bytes
		fi
		bytes=${bytes:-$(response_bytes "$cap")}
		smallest=${smallest:-${run_peak[$name]}}
		awk -v cap="$cap" -v b="$bytes" -v kib="${run_peak[$name]}" -v anon="${run_anon[$name]}" -v first="$smallest" 'BEGIN {
			printf "row_cap %6d: response %6.1f MiB, peak RSS %6.1f MiB (anon %6.1f), RSS/response %5.2f, RSS/first %5.2f\n",
				cap, b / 1048576, kib / 1024, anon / 1024, kib * 1024 / b, kib / first
		}'
	done
fi
