package e2e

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// TestKillAndRestart kills the collector with SIGKILL at random moments while it delivers a history,
// restarting it on the same storage each time, and requires every event delivered in the end, and
// each restart to repeat at most what README ("Restarts") allows: the records of one batch per query,
// those handed to the pipeline after the last checkpoint write. A batch ends where the timestamp
// changes, so it runs over batch_size by up to the events of one timestamp less one.
//
// The pipeline has two exporters, which the collector calls one after the other (in an order it
// picks at each start): the file exporter, which writes before it returns (see fileExporter), and
// otlp_http without a sending queue to an intake that answers after 50 ms, as a remote backend
// does. Until both have returned, a batch may be in the file or at the intake but is not committed:
// kills often land in that window, so the bound is tested where it is tight, at each destination.
func TestKillAndRestart(t *testing.T) {
	const (
		kills = 8
		// killWithin: each kill comes at a random moment this long after the collector started, in
		// any phase: starting, reading a page's body, handing a batch to the pipeline, waiting for
		// the intake, writing a checkpoint, waiting for the next page.
		killWithin = 1500 * time.Millisecond
		// The history: 3 tables of 20,000 events, which the collector takes longer to deliver
		// (some 10 s) than the kills leave it, so that the kills find it delivering.
		history = 10 * time.Minute
		every   = 899_999 * 100 * time.Nanosecond // 3 events every ~90 ms, 7 significant fractional digits
		// batchSize makes a page of pagingRowCap rows ten batches, each committed on its own, so
		// that kills fall between the batches of a page as well as between pages; and makes the
		// bound small enough to mean something.
		batchSize     = 100
		maxBatch      = batchSize + frozenPerTimestamp - 1
		intakeLatency = 50 * time.Millisecond
	)
	world, queries, receiver := startKillWorld(t, history, every, batchSize)
	expected := world.expected()
	truth := byReportID(expected)
	storageDir := t.TempDir()
	intake := startOTLPSink(t)
	intake.answerAfter(intakeLatency)

	// tally adds the deliveries a run made at one destination to those of the runs before, and
	// requires the run to have repeated at most one batch of each query.
	destinations := map[string]map[int64]int{"file": {}, "intake": {}}
	tally := func(run int, destination string, this map[int64]int) {
		t.Helper()
		before := destinations[destination]
		repeated := map[string]int{} // deliveries of events delivered before, by query
		for id, n := range this {
			if before[id] > 0 {
				repeated[truth[id].Table] += n
			}
			before[id] += n
		}
		t.Logf("  %s: %d deliveries, %d distinct events so far; repeated by query: %v", destination, total(this), len(before), repeated)
		for query, n := range repeated {
			require.LessOrEqual(t, n, maxBatch, "run %d repeated more than one batch (%d records) of query %s at the %s", run, maxBatch, query, destination)
		}
	}

	seed := uint64(time.Now().UnixNano())
	random := rand.New(rand.NewPCG(seed, 0))
	t.Logf("kill moments drawn with seed %d", seed)
	// What the intake had when the run started: the previous run's last reading, so that a request
	// of a killed collector that the intake finishes reading in between counts in the next run.
	atIntake := map[int64]int{}
	for run := 1; run <= kills+1; run++ {
		out := newExportedFile(t)
		collector := startCollector(t, collectorConfig(receiver, map[string]any{
			"file":      fileExporter(out.path),
			"otlp_http": map[string]any{"endpoint": intake.url, "sending_queue": map[string]any{"enabled": false}, "retry_on_failure": map[string]any{"enabled": false}},
		}, storageDir))
		if run <= kills {
			after := time.Duration(random.Int64N(int64(killWithin)))
			collector.runFor(after)
			collector.kill()
			t.Logf("run %d, killed after %s:", run, after.Round(time.Millisecond))
		} else {
			collector.waitFor(deliveryTimeout, "every event delivered", func() (bool, string) {
				this, err := out.delivered()
				missing := 0
				for _, e := range expected {
					if destinations["file"][e.ReportID]+this[e.ReportID] == 0 {
						missing++
					}
				}
				return err == nil && missing == 0, fmt.Sprintf("%d events missing from the file, %v", missing, err)
			})
			collector.runFor(settleTime)
			collector.stop()
			t.Logf("run %d, stopped once everything was delivered:", run)
		}

		this, err := out.delivered()
		require.NoError(t, err)
		tally(run, "file", this)
		now, _ := intake.delivered()
		tally(run, "intake", since(atIntake, now))
		atIntake = now
	}

	for destination, delivered := range destinations {
		report := simulator.Compare(expected, delivered)
		t.Logf("%s: report: %s; duplicates allowed: %d kills × %d queries × %d records", destination, report, kills, len(queries), maxBatch)
		require.Zero(t, report.Missing, "missing events at the %s", destination)
		require.Zero(t, report.Unexpected, "unexpected events at the %s", destination)
		require.LessOrEqual(t, report.Duplicated, kills*len(queries)*maxBatch, "duplicated events at the %s", destination)
	}
	requireOneUIDPerEvent(t, intake.received())
}

// requireOneUIDPerEvent requires every delivery of an event, first or repeated after a kill, to
// carry the same log.record.uid, and no two events to share one: a backend that keeps one document
// per id (Elastic's _id, Splunk's dedup) then keeps each event once.
func requireOneUIDPerEvent(t *testing.T, received []otlpRecord) {
	t.Helper()
	uidOf, eventOf := map[int64]string{}, map[string]int64{}
	repeats := 0
	for _, r := range received {
		value, _ := r.record.Attributes().Get("log.record.uid")
		uid, id := value.Str(), r.reportID()
		require.Regexp(t, `^[0-9a-f]{32}$`, uid, "uid of ReportId %d", id)
		if first, seen := uidOf[id]; seen {
			require.Equal(t, first, uid, "a repeat of ReportId %d carries another uid", id)
			repeats++
			continue
		}
		if other, taken := eventOf[uid]; taken {
			require.Failf(t, "two events share a uid", "ReportIds %d and %d: %s", other, id, uid)
		}
		uidOf[id], eventOf[uid] = uid, id
	}
	t.Logf("uids: %d events, %d repeated deliveries, each with its event's uid", len(uidOf), repeats)
}

// startKillWorld serves a history of the default tables, paged under pagingRowCap, for a collector
// to be killed while it delivers it; it returns the world, the queries (one per table) and the
// receiver's configuration with batchSize.
func startKillWorld(t *testing.T, history, every time.Duration, batchSize int) (frozenWorld, []huntingQuery, map[string]any) {
	t.Helper()
	t0 := frozenNow()
	specs := make([]simulator.TableSpec, len(defaultTableNames))
	for i, table := range defaultTableNames {
		specs[i] = simulator.TableSpec{Name: table, Start: t0.Add(-history), Every: every, PerTimestamp: frozenPerTimestamp}
	}
	queries := tableQueries(defaultTableNames, pollInterval, frozenLookback)
	world := startFrozenWorldAt(t, simulator.Options{RowCap: pagingRowCap}, t0, specs...)
	receiver := receiverConfig(world.sim, queries...)
	receiver["row_cap"] = pagingRowCap
	receiver["batch_size"] = batchSize
	return world, queries, receiver
}

// since returns the deliveries counted in now but not yet in before.
func since(before, now map[int64]int) map[int64]int {
	added := maps.Clone(now)
	for id, n := range before {
		if added[id] -= n; added[id] == 0 {
			delete(added, id)
		}
	}
	return added
}
