package e2e

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// persistentSendingQueue is the exporter's sending_queue README gives for long backend outages ("A
// pipeline that survives a crash"): kept on the
// file_storage extension the receiver keeps its checkpoints on (one extension, a client each), sized
// in records, batching inside the queue, and blocking the pipeline when full. With `storage`, the
// exporter answers the pipeline once the request is written to the storage (exporterhelper v0.144.0,
// persistentQueue.Offer), so the records the receiver commits on that answer are on disk, and a
// request leaves the storage only once the batch holding it has been exported, or refused for good
// (the batcher calls the queue's OnDone with the export's result). block_on_overflow makes a full queue hold the receiver back (it
// waits, its watermark where it was) instead of refusing, which would make it query the page again.
func persistentSendingQueue(queueSize, consumers, minSize, maxSize int) map[string]any {
	return map[string]any{
		"enabled":           true,
		"storage":           "file_storage",
		"sizer":             "items",
		"queue_size":        queueSize,
		"block_on_overflow": true,
		"num_consumers":     consumers,
		"batch":             map[string]any{"flush_timeout": "200ms", "min_size": minSize, "max_size": maxSize},
	}
}

// retryUntilDelivered retries an export with backoff for as long as it takes: with the default
// max_elapsed_time (5 minutes) the exporter drops a request it could not deliver in that time, and
// deletes it from a persistent queue as well. The intervals are shorter than the defaults (5 s, 30 s)
// to keep the tests short.
var retryUntilDelivered = map[string]any{"enabled": true, "initial_interval": "100ms", "max_interval": "1s", "max_elapsed_time": "0s"}

// withBatchProcessor puts the batch processor, with its defaults, into config's logs pipeline.
func withBatchProcessor(config map[string]any) map[string]any {
	config["processors"] = map[string]any{"batch": map[string]any{}}
	config["service"].(map[string]any)["pipelines"].(map[string]any)["logs"].(map[string]any)["processors"] = []string{"batch"}
	return config
}

// TestKillWithAPersistentQueue kills the collector with SIGKILL at random moments while it delivers a
// history through README's pipeline for long backend outages: no processors, and the otlp_http exporter batching
// in a persistent sending_queue on the receiver's file_storage. It requires every event at the intake
// in the end, as TestKillAndRestart does with an exporter that answers only once the intake has.
//
// The intake answers each request after 100 ms, and the queue holds 3,000 records with two export
// workers, so that the exporter, not the receiver, sets the pace: the queue is full most of the time,
// the receiver waits in it (block_on_overflow), and the kills find records in every place: read from
// the API but not handed over, in the queue, in a batch being formed, in a request the intake has but
// has not answered, accepted by the intake but not yet deleted from the queue.
//
// Repeats are bounded, per kill, by what the receiver and the queue can send again:
//   - the receiver repeats the records the queue accepted after its last checkpoint write, at most one
//     batch per query (README, "Restarts");
//   - the queue sends again, after a restart, the requests it had read but not deleted (in a batch
//     being formed, in a request in flight, or exported but not yet deleted), and never more than it
//     holds: its records, read or not, count against queue_size until deleted
//     (persistentQueue.Offer waits while itemsSize+size > queue_size; onDone subtracts them), so at
//     most queue_size records.
//
// Each repeat carries its event's log.record.uid, which a backend can deduplicate on.
//
// A kill that would come before the collector has started waits until it has: v0.144.0's persistent
// queue, when it starts, moves the requests it had read before a crash to the back of the queue by
// deleting them (one transaction) and then writing them again (one transaction each), and a kill
// between the two loses them (README, "Restarts"). Kills while the receiver starts are
// TestKillAndRestart's business.
func TestKillWithAPersistentQueue(t *testing.T) {
	const (
		kills      = 8
		killWithin = 1500 * time.Millisecond
		// 3 tables of 20,000 events, as TestKillAndRestart: at most 10,000 records a second leave the
		// queue (two workers, 500 records a request, 100 ms each), so the kills find it delivering.
		history   = 10 * time.Minute
		every     = 899_999 * 100 * time.Nanosecond
		batchSize = 100
		maxBatch  = batchSize + frozenPerTimestamp - 1
		// The queue: in records, two workers, requests of 250 to 500 records.
		queueSize     = 3000
		consumers     = 2
		minSize       = 250
		maxSize       = 500
		intakeLatency = 100 * time.Millisecond
	)
	world, queries, receiver := startKillWorld(t, history, every, batchSize)
	expected := world.expected()
	storageDir := t.TempDir()
	intake := startOTLPSink(t)
	intake.answerAfter(intakeLatency)
	config := collectorConfig(receiver, map[string]any{
		"otlp_http": map[string]any{
			"endpoint":         intake.url,
			"sending_queue":    persistentSendingQueue(queueSize, consumers, minSize, maxSize),
			"retry_on_failure": retryUntilDelivered,
		},
	}, storageDir)
	repeatsPerKill := len(queries)*maxBatch + queueSize

	// before is what the intake had received when the run began: the previous run's count, not a new
	// one, so that a request of a killed collector which the intake finishes reading after that count
	// falls into the next run rather than between the two.
	before := map[int64]int{}
	seed := uint64(time.Now().UnixNano())
	random := rand.New(rand.NewPCG(seed, 0))
	t.Logf("kill moments drawn with seed %d", seed)
	for run := 1; run <= kills+1; run++ {
		collector := startCollector(t, config)
		if run <= kills {
			after := time.Duration(random.Int64N(int64(killWithin)))
			collector.runFor(after)
			postponed := awaitStarted(collector)
			collector.kill()
			t.Logf("run %d, killed after %s%s:", run, after.Round(time.Millisecond), postponed)
		} else {
			collector.waitFor(deliveryTimeout, "every event at the intake", func() (bool, string) {
				now, _ := intake.delivered()
				report := simulator.Compare(expected, now)
				return report.Missing == 0, report.String()
			})
			collector.runFor(settleTime)
			collector.stop()
			t.Logf("run %d, stopped once everything was delivered:", run)
		}

		now, _ := intake.delivered()
		this := since(before, now)
		repeated := 0 // deliveries of events delivered in an earlier run
		for id, n := range this {
			if before[id] > 0 {
				repeated += n
			}
		}
		before = now
		t.Logf("  queue at start: %s", queueAtStart(t, collector))
		t.Logf("  intake: %d deliveries, %d repeated, %d distinct events so far", total(this), repeated, len(now))
		require.LessOrEqual(t, repeated, repeatsPerKill, "run %d repeated more than one batch per query and a full queue", run)
		requireNothingDropped(t, collector)
	}

	delivered, _ := intake.delivered()
	report := simulator.Compare(expected, delivered)
	extra := total(delivered) - report.Delivered
	t.Logf("intake: report: %s; %d deliveries beyond the first; bound: %d kills × (%d queries × %d records + queue_size %d)",
		report, extra, kills, len(queries), maxBatch, queueSize)
	require.Zero(t, report.Missing, "missing events at the intake")
	require.Zero(t, report.Unexpected, "unexpected events at the intake")
	require.LessOrEqual(t, extra, kills*repeatsPerKill, "deliveries beyond the first at the intake")
	requireOneUIDPerEvent(t, intake.received())
}

// TestKillDuringAnOutage kills the collector while the backend is down: the receiver has read and
// handed over the whole history, and committed it, while the exporter could deliver none of it. The
// collector then restarts with the backend back.
//
// With the persistent queue, the restarted exporter finds every record on disk and delivers each
// once: none had reached the intake, and the receiver, having committed them all, reads none again.
// With processors: [batch] and the exporter's default in-memory sending_queue, the pipeline accepted
// the records at once, so the receiver committed them, and the kill took them from memory (the
// exporter was retrying them): the restarted receiver resumes after them, and none reaches the intake.
// The outage makes this certain; random kills with the backend up lose what the processor and the
// queue happen to hold at the kill.
func TestKillDuringAnOutage(t *testing.T) {
	for _, pipeline := range []struct {
		name       string
		persistent bool
	}{
		{"persistent queue", true},
		{"batch processor", false},
	} {
		t.Run(pipeline.name, func(t *testing.T) {
			world := startFrozenWorld(t, simulator.Options{RowCap: pagingRowCap}, defaultTableNames...)
			expected := world.expected()
			queries := tableQueries(defaultTableNames, pollInterval, frozenLookback)
			receiver := receiverConfig(world.sim, queries...)
			receiver["row_cap"] = pagingRowCap
			receiver["batch_size"] = 500
			intake := startOTLPSink(t)
			gate := startOutage(t, intake.url)
			exporter := map[string]any{"endpoint": gate.url, "retry_on_failure": retryUntilDelivered}
			if pipeline.persistent {
				exporter["sending_queue"] = persistentSendingQueue(100_000, 2, 1000, 2000)
			}
			config := collectorConfig(receiver, map[string]any{"otlp_http": exporter}, t.TempDir())
			if !pipeline.persistent {
				config = withBatchProcessor(config)
			}

			collector := startCollector(t, config)
			collector.waitFor(deliveryTimeout, "the history read", func() (bool, string) {
				served := world.sim.Stats().RowsServed
				return served >= int64(len(expected)), fmt.Sprintf("%d of %d rows served", served, len(expected))
			})
			// Two more polls: the receiver handed every record to the pipeline and committed it.
			collector.runFor(settleTime)
			collector.kill()
			t.Logf("killed during the outage; the intake refused %d records (%d distinct events)", total(gate.refused()), len(gate.refused()))

			gate.end()
			collector = startCollector(t, config)
			if pipeline.persistent {
				awaitDeliveries(collector, len(expected), deliveryTimeout, intake.delivered)
				collector.stop()
				t.Logf("queue at restart: %s", queueAtStart(t, collector))
				delivered, _ := intake.delivered()
				requireExactlyOnce(t, expected, delivered)
				return
			}
			collector.runFor(settleTime)
			collector.stop()
			delivered, _ := intake.delivered()
			report := simulator.Compare(expected, delivered)
			t.Logf("report: %s", report)
			require.Equal(t, len(expected), report.Missing, "events missing at the intake: the batch processor's acceptance was committed, and the kill lost what it held")
		})
	}
}

// outage stands in front of an intake: it answers 503 Service Unavailable, as a backend that is down,
// until end is called, and passes requests on after that. It counts the records it refused.
type outage struct {
	url  string
	over atomic.Bool

	mu       sync.Mutex
	refusals map[int64]int
}

func startOutage(t *testing.T, intakeURL string) *outage {
	t.Helper()
	target, err := url.Parse(intakeURL)
	require.NoError(t, err)
	transport := &http.Transport{}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.Transport = transport
	o := &outage{refusals: map[int64]int{}}
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.over.Load() {
			proxy.ServeHTTP(w, r)
			return
		}
		body, err := readBody(r)
		request := plogotlp.NewExportRequest()
		if err == nil {
			err = request.UnmarshalProto(body)
		}
		if err != nil {
			t.Errorf("%s %s: %v", r.Method, r.URL.Path, err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		o.mu.Lock()
		for _, rl := range request.Logs().ResourceLogs().All() {
			for _, sl := range rl.ScopeLogs().All() {
				for _, lr := range sl.LogRecords().All() {
					o.refusals[otlpRecord{record: lr}.reportID()]++
				}
			}
		}
		o.mu.Unlock()
		http.Error(w, "backend down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(func() {
		server.Close()
		transport.CloseIdleConnections()
	})
	o.url = server.URL
	return o
}

// end ends the outage.
func (o *outage) end() { o.over.Store(true) }

// refused counts by ReportId the records of the requests refused so far.
func (o *outage) refused() map[int64]int {
	o.mu.Lock()
	defer o.mu.Unlock()
	refused := make(map[int64]int, len(o.refusals))
	for id, n := range o.refusals {
		refused[id] = n
	}
	return refused
}

// queueMetadata is what exporterhelper's persistent queue logs of the state it found at start.
var queueMetadata = regexp.MustCompile(`"readIndex": (\d+), "writeIndex": (\d+), "itemsSize": (\d+), "bytesSize": \d+, "dispatchedItems": (\d+)`)

// queueAtStart tells what the persistent queue found in the storage when the collector started.
func queueAtStart(t *testing.T, c *collectorProcess) string {
	t.Helper()
	output, err := os.ReadFile(c.logPath)
	require.NoError(t, err)
	if m := queueMetadata.FindSubmatch(output); m != nil {
		number := func(b []byte) int { n, _ := strconv.Atoi(string(b)); return n }
		waiting, dispatched := number(m[2])-number(m[1]), number(m[4])
		return fmt.Sprintf("%s records in %d requests, %d of them read before the kill and not deleted", m[3], waiting+dispatched, dispatched)
	}
	if strings.Contains(string(output), "Initializing new persistent queue") {
		return "new"
	}
	return "not logged (the collector was killed before it started the exporter)"
}

// awaitStarted waits, if need be, until c has started all its components, the exporter's persistent
// queue among them, and tells how long it waited.
func awaitStarted(c *collectorProcess) string {
	c.t.Helper()
	start := time.Now()
	c.waitForEvery(time.Millisecond, stopTimeout, "the collector started", func() (bool, string) {
		output, err := os.ReadFile(c.logPath)
		return err == nil && strings.Contains(string(output), "Everything is ready"), "not started"
	})
	if waited := time.Since(start); waited > 5*time.Millisecond {
		return fmt.Sprintf(", once started (%s later)", waited.Round(time.Millisecond))
	}
	return ""
}

// requireNothingDropped requires the exporter never to have given up on a request: exporterhelper
// logs "Exporting failed. Dropping data." when it drops one, from a persistent queue as well.
func requireNothingDropped(t *testing.T, c *collectorProcess) {
	t.Helper()
	output, err := os.ReadFile(c.logPath)
	require.NoError(t, err)
	require.NotContains(t, string(output), "Dropping data", "the exporter dropped a request")
}
