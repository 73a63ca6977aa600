package main

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// Defaults match the demo's collector configuration.
const (
	defaultListen   = "127.0.0.1:18443"
	defaultTenant   = "00000000-0000-0000-0000-000000000000"
	defaultClientID = "11111111-1111-1111-1111-111111111111"
	defaultSecret   = "demo-secret"
)

type serveConfig struct {
	listen, caOut, clientCertFile, federatedTokenFile string
	options                                           simulator.Options
	history                                           time.Duration
	speed                                             float64
	tenants                                           int
}

func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	flags := flag.NewFlagSet("defendersim", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&c.listen, "listen", defaultListen, "address to serve HTTPS on")
	flags.StringVar(&c.caOut, "ca-out", "", "file to write the simulator's CA certificate (PEM) to, for clients to trust")
	flags.StringVar(&c.options.TenantID, "tenant", defaultTenant, "the tenant id tokens are issued for")
	flags.IntVar(&c.tenants, "tenants", 1, "how many tenants to serve: -tenant and the next ones numbered d0000000-0000-4000-8000-000000000001, ...,\n"+
		"each with its own quota and events, the app consented in each (same client id and credentials)")
	flags.StringVar(&c.options.ClientID, "client-id", defaultClientID, "the registered app's client id")
	flags.StringVar(&c.options.ClientSecret, "client-secret", defaultSecret, "the registered app's client secret (empty: none accepted)")
	flags.StringVar(&c.clientCertFile, "client-cert", "", "PEM certificate whose key may sign client assertions")
	flags.StringVar(&c.federatedTokenFile, "federated-token-file", "", "file whose content is a federated token the app trusts as a client assertion (workload identity)")
	flags.DurationVar(&c.history, "history", time.Hour, "how long before start the tables' events begin")
	flags.Float64Var(&c.speed, "speed", 1, "multiplies the default event rate of every table")
	flags.IntVar(&c.options.RowCap, "row-cap", 100_000, "rows per response at most")
	flags.BoolVar(&c.options.CacheRows, "cache-rows", false, "keep each row's JSON once written and write it again as it is (benchmarks: the real service's CPU is not the client's; memory grows with the rows served)")
	flags.IntVar(&c.options.CallsPerMinute, "calls-per-minute", 45, "hunting calls per tenant in any minute before 429")
	flags.BoolVar(&c.options.RetryAfter, "retry-after", false, "send Retry-After with 429 responses")
	flags.DurationVar(&c.options.TokenLifetime, "token-lifetime", time.Hour, "lifetime of issued tokens")
	flags.DurationVar(&c.options.Latency, "latency", 0, "how long after its Timestamp every event becomes visible (is ingested)")
	flags.Float64Var(&c.options.LateShare, "late-share", 0, "share of events, from 0 to 1, that arrive -late-by later than the others")
	flags.DurationVar(&c.options.LateBy, "late-by", 30*time.Second, "how much later than the others late events arrive")
	flags.Var(&c.options.Faults, "faults", "faults to inject, a `list` of Name=probability: Status500, Status502, Status503, GatewayTimeout504,\n"+
		"ResetConnection, Preempted, CPUQuota, CallQuota, CutOffBody, Stall (per hunting call, together at most 1),\n"+
		"ResultTooLarge, QueryTimeout (per call over -max-result-bytes or -timeout-rows), TokenEndpoint503 (per token request)")
	flags.Uint64Var(&c.options.Seed, "seed", 0, "seed of the fault draws: the same seed fails the same calls")
	flags.DurationVar(&c.options.StallFor, "stall-for", 10*time.Second, "how long a Stall fault holds a response")
	flags.Int64Var(&c.options.MaxResultBytes, "max-result-bytes", 124_000_000, "result size over which ResultTooLarge refuses a query")
	flags.IntVar(&c.options.TimeoutRows, "timeout-rows", 50_000, "rows per page over which QueryTimeout times a query out")
	flags.DurationVar(&c.options.TimeoutAfter, "timeout-after", time.Second, "how long a QueryTimeout takes to answer")
	if err := flags.Parse(args); err != nil {
		return c, err
	}
	if flags.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", flags.Arg(0))
	}
	if c.speed <= 0 {
		return c, errors.New("-speed must be positive")
	}
	if c.tenants < 1 {
		return c, errors.New("-tenants must be at least 1")
	}
	c.options.MoreTenants = simulator.NumberedTenantIDs(c.tenants - 1)
	return c, nil
}

// runServe serves until ctx ends, then prints the counters on stderr.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseServeFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return fail(stderr, err)
	}
	opts := c.options
	opts.Addr = c.listen
	opts.Tables = scaledTables(time.Now().Add(-c.history), c.speed)
	if c.clientCertFile != "" {
		if opts.ClientCertificate, err = readCertificate(c.clientCertFile); err != nil {
			return fail(stderr, err)
		}
	}
	if c.federatedTokenFile != "" {
		if opts.FederatedToken, err = readFederatedToken(c.federatedTokenFile); err != nil {
			return fail(stderr, err)
		}
	}
	sim, err := simulator.New(opts)
	if err != nil {
		return fail(stderr, err)
	}
	if c.caOut != "" {
		if err := os.WriteFile(c.caOut, sim.CAPEM(), 0o600); err != nil {
			return fail(stderr, fmt.Errorf("write CA: %w", err))
		}
	}
	if err := sim.Start(); err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintln(stdout, sim.URL()) // the one line scripts wait for

	<-ctx.Done()
	err = sim.Close()
	stats := sim.Stats()
	fmt.Fprintf(stderr, "defendersim: stopped; token requests %d, hunting calls by status %v, Graph calls by status %v, rows served %d, faults injected %v\n",
		stats.TokenRequests, stats.HuntingCalls, stats.GraphCalls, stats.RowsServed, stats.Faults)
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

// scaledTables are the default tables with speed times as many events per
// second; spacing stays a whole number of 100-ns ticks.
func scaledTables(start time.Time, speed float64) []simulator.TableSpec {
	const tick = 100 * time.Nanosecond
	tables := simulator.DefaultTables(start)
	for i := range tables {
		tables[i].Every = max(tick, time.Duration(float64(tables[i].Every)/speed).Truncate(tick))
	}
	return tables
}

func readCertificate(path string) (*x509.Certificate, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read client certificate: %w", err)
	}
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type == "CERTIFICATE" {
			return x509.ParseCertificate(block.Bytes)
		}
	}
	return nil, fmt.Errorf("read client certificate: no CERTIFICATE block in %s", path)
}

// readFederatedToken returns the file's content unchanged: a workload
// identity client sends it as it is, trailing newline included, so the
// simulator must expect exactly that.
func readFederatedToken(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read federated token: %w", err)
	}
	if len(data) == 0 {
		return "", fmt.Errorf("read federated token: %s is empty", path)
	}
	return string(data), nil
}
