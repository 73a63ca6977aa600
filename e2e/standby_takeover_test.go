package e2e

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// The leader election of the takeover test: a lease that expires 3 s after its holder last renewed
// it, tried every 500 ms (client-go waits up to 2.2 retry periods between tries, jitter included);
// a leader that cannot renew for 2 s gives up. Shorter timings would make a takeover quicker, but
// a leader starved of CPU for the renew deadline on a busy machine would lose its lease before the
// kill.
const (
	leaseDuration = 3 * time.Second
	renewDeadline = 2 * time.Second
	retryPeriod   = 500 * time.Millisecond
)

// TestStandbyTakesOver runs two collectors of one shard: the same receiver configuration, the same
// checkpoints (contrib's db_storage on one PostgreSQL database, each collector with a file_storage
// of its own beside it, which nothing uses), and contrib's k8s_leader_elector on one Lease (served
// by leaseAPI). The leader polls while the standby does not; the leader is killed with SIGKILL (or
// stopped with SIGTERM) while it delivers a history; the standby takes the lease once it expires
// and continues from the checkpoints the leader left. In the end every event is delivered, and the
// standby repeats at most what README ("Running a standby") allows: what the leader had handed to
// the pipeline but not yet committed, one batch per query (a batch ends where the timestamp
// changes, so it runs over batch_size by up to the events of one timestamp less one).
//
// Each collector writes to a file of its own, which shows who delivered what, and both send to one
// OTLP intake that answers after 50 ms, as a remote backend does: a kill lands on a batch that is
// at a destination but not committed more often then, so the bound is tested where it is tight.
func TestStandbyTakesOver(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  func(leader *collectorProcess)
	}{
		{"leader killed", (*collectorProcess).kill},
		{"leader stopped", (*collectorProcess).stop},
	} {
		t.Run(tc.name, func(t *testing.T) { takeOver(t, tc.end) })
	}
}

// takeOver runs the scenario of TestStandbyTakesOver, ending the leader with end.
func takeOver(t *testing.T, end func(leader *collectorProcess)) {
	const (
		// The history of TestKillAndRestart: 3 tables of 20,000 events, which take some 10 s to
		// deliver, so that the leader is killed while it delivers.
		history       = 10 * time.Minute
		every         = 899_999 * 100 * time.Nanosecond
		batchSize     = 100
		maxBatch      = batchSize + frozenPerTimestamp - 1
		intakeLatency = 50 * time.Millisecond
		// standbyWatch is how long both collectors run before the kill: several lease renewals,
		// during which the standby must not deliver anything.
		standbyWatch = 3 * time.Second
		// takeoverBound bounds the time from the leader's end to the standby's first delivery: the
		// lease expiring after the standby last saw it renewed, the standby's next try, then its
		// first page (README: "Running a standby"). It leaves 3 s for a busy machine.
		takeoverBound = leaseDuration + 4400*retryPeriod/1000 + 3*time.Second
	)
	world, queries, receiver := startKillWorld(t, history, every, batchSize)
	receiver["k8s_leader_elector"] = "k8s_leader_elector"
	expected := world.expected()
	truth := byReportID(expected)
	leases := startLeaseAPI(t)
	kubeconfig := leases.kubeconfig(t)
	postgres := startPostgres(t)
	receiver["storage"] = "db_storage"
	intake := startOTLPSink(t)
	intake.answerAfter(intakeLatency)

	start := func(name string, out *exportedFile) *collectorProcess {
		config := collectorConfig(receiver, map[string]any{
			"file":      fileExporter(out.path),
			"otlp_http": map[string]any{"endpoint": intake.url, "sending_queue": map[string]any{"enabled": false}, "retry_on_failure": map[string]any{"enabled": false}},
		}, t.TempDir())
		withLeaderElector(config)
		withDBStorage(config)
		return startProcess(t, collectorBinary(t), name, config,
			"DEFENDER_CLIENT_SECRET="+clientSecret, "KUBECONFIG="+kubeconfig, checkpointDSNEnv+"="+postgres.dsn())
	}

	leaderOut, standbyOut := newExportedFile(t), newExportedFile(t)
	leader := start("leader", leaderOut)
	leader.waitFor(30*time.Second, "the leader's first deliveries", func() (bool, string) {
		delivered, err := leaderOut.delivered()
		return err == nil && total(delivered) > 0, fmt.Sprintf("%d deliveries, %v", total(delivered), err)
	})
	standby := start("standby", standbyOut)
	standby.runFor(standbyWatch)
	end(leader)
	endedAt := time.Now()

	byLeader, err := leaderOut.delivered()
	require.NoError(t, err)
	fromStandby, err := standbyOut.delivered()
	require.NoError(t, err)
	require.Zero(t, total(fromStandby), "the standby delivered while the leader held the lease")
	require.Less(t, len(byLeader), len(expected), "the leader had delivered everything before its end: the takeover would show nothing")
	t.Logf("the leader ended after delivering %d of %d events to its file", len(byLeader), len(expected))

	var firstByStandby time.Time
	standby.waitForEvery(50*time.Millisecond, deliveryTimeout, "every event delivered", func() (bool, string) {
		fromStandby, err := standbyOut.delivered()
		if err != nil {
			return false, err.Error()
		}
		if firstByStandby.IsZero() && total(fromStandby) > 0 {
			firstByStandby = time.Now()
		}
		missing := 0
		for _, e := range expected {
			if byLeader[e.ReportID]+fromStandby[e.ReportID] == 0 {
				missing++
			}
		}
		return missing == 0, fmt.Sprintf("%d events missing", missing)
	})
	standby.runFor(settleTime)
	standby.stop()

	takeover := firstByStandby.Sub(endedAt)
	holders := leases.holderHistory()
	require.Len(t, holders, 2, "the lease's holders: the leader, then the standby")
	t.Logf("takeover: the standby took the lease %s after the leader's end and delivered %s after it (bound %s)",
		holders[1].since.Sub(endedAt).Round(time.Millisecond), takeover.Round(time.Millisecond), takeoverBound)
	require.Less(t, takeover, takeoverBound, "time from the leader's end to the standby's first delivery")

	fromStandby, err = standbyOut.delivered()
	require.NoError(t, err)
	atIntake, _ := intake.delivered()
	for destination, d := range map[string]struct{ all, repeatedByStandby map[int64]int }{
		"file":   {sum(byLeader, fromStandby), repeatsOf(byLeader, fromStandby)},
		"intake": {atIntake, repeatsAt(atIntake)},
	} {
		repeated := map[string]int{} // repeated deliveries by query
		for id, n := range d.repeatedByStandby {
			repeated[truth[id].Table] += n
		}
		report := simulator.Compare(expected, d.all)
		t.Logf("%s: %s; repeated by query: %v (at most %d each)", destination, report, repeated, maxBatch)
		require.Zero(t, report.Missing, "missing events at the %s", destination)
		require.Zero(t, report.Unexpected, "unexpected events at the %s", destination)
		for query, n := range repeated {
			require.LessOrEqual(t, n, maxBatch, "the takeover repeated more than one batch of query %s at the %s", query, destination)
		}
		require.LessOrEqual(t, report.Duplicated, len(queries)*maxBatch, "duplicated events at the %s", destination)
	}
	requireOneUIDPerEvent(t, intake.received())
	// db_storage names the table after the client's component: kind, type and (empty) name.
	var keys []string
	for _, q := range queries {
		keys = append(keys, "watermark/"+tenantID+"/"+q.Name)
	}
	slices.Sort(keys)
	stored := postgres.psql("SELECT key FROM receiver_defender_hunting_ ORDER BY key")
	require.Equal(t, strings.Join(keys, "\n"), stored, "the checkpoints in the database")
}

// checkpointDSNEnv names the environment variable that carries db_storage's datasource, as a secret
// would in production: the configuration refers to it, as README's does.
const checkpointDSNEnv = "DEFENDER_CHECKPOINT_DSN"

// withDBStorage adds to a collectorConfig contrib's db_storage extension on PostgreSQL, through the
// pgx driver, with the datasource from checkpointDSNEnv.
func withDBStorage(config map[string]any) {
	config["extensions"].(map[string]any)["db_storage"] = map[string]any{
		"driver":     "pgx",
		"datasource": "${env:" + checkpointDSNEnv + "}",
	}
	service := config["service"].(map[string]any)
	service["extensions"] = append(service["extensions"].([]string), "db_storage")
}

// withLeaderElector adds to a collectorConfig contrib's k8s_leader_elector extension, on the lease
// of the test's Lease API (through the kubeconfig that KUBECONFIG names), with the test's timings.
func withLeaderElector(config map[string]any) {
	config["extensions"].(map[string]any)["k8s_leader_elector"] = map[string]any{
		"auth_type":       "kubeConfig",
		"lease_name":      "defender-hunting",
		"lease_namespace": "default",
		"lease_duration":  leaseDuration.String(),
		"renew_deadline":  renewDeadline.String(),
		"retry_period":    retryPeriod.String(),
	}
	service := config["service"].(map[string]any)
	service["extensions"] = append(service["extensions"].([]string), "k8s_leader_elector")
}

// sum adds up two counts of deliveries.
func sum(a, b map[int64]int) map[int64]int {
	all := since(map[int64]int{}, a)
	for id, n := range b {
		all[id] += n
	}
	return all
}

// repeatsOf counts the deliveries in then of events delivered in before.
func repeatsOf(before, then map[int64]int) map[int64]int {
	repeats := map[int64]int{}
	for id, n := range then {
		if before[id] > 0 {
			repeats[id] = n
		}
	}
	return repeats
}

// repeatsAt counts the deliveries beyond the first of each event.
func repeatsAt(delivered map[int64]int) map[int64]int {
	repeats := map[int64]int{}
	for id, n := range delivered {
		if n > 1 {
			repeats[id] = n - 1
		}
	}
	return repeats
}
