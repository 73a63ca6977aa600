package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

type verifyConfig struct {
	url, caFile, tenant, table, from, to, file, format string
}

// The formats verify reads delivered events in.
const (
	formatOTLPJSON = "otlpjson" // the file exporter's OTLP/JSON, one request per line
	formatCapture  = "capture"  // what `defendersim sink` received: HEC and OTLP/HTTP protobuf requests
	formatRows     = "rows"     // one row's JSON per line
)

func parseVerifyFlags(args []string, stderr io.Writer) (verifyConfig, error) {
	var c verifyConfig
	flags := flag.NewFlagSet("defendersim verify", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&c.url, "url", "https://"+defaultListen, "the simulator's URL")
	flags.StringVar(&c.caFile, "ca", "", "the simulator's CA certificate (written by -ca-out)")
	flags.StringVar(&c.tenant, "tenant", "", "the tenant whose events to check: its ground truth, and the records whose defender.tenant.id it is\n"+
		"(default: the simulator's first tenant, and records of any tenant)")
	flags.StringVar(&c.table, "table", "", "the table the collector polled")
	flags.StringVar(&c.from, "from", "", "window start, exclusive (RFC 3339; default: the beginning)")
	flags.StringVar(&c.to, "to", "", "window end, inclusive (RFC 3339; default: the simulator's now)")
	flags.StringVar(&c.file, "file", "", "the delivered events, in -format")
	flags.StringVar(&c.format, "format", formatOTLPJSON, "the file's format: "+formatOTLPJSON+
		" (the collector file exporter's output), "+formatCapture+" (defendersim sink's -capture) or "+formatRows+" (a row's JSON per line)")
	if err := flags.Parse(args); err != nil {
		return c, err
	}
	if c.caFile == "" || c.table == "" || c.file == "" {
		return c, errors.New("verify needs -ca, -table and -file")
	}
	switch c.format {
	case formatOTLPJSON, formatCapture, formatRows:
	default:
		return c, fmt.Errorf("unknown -format %q", c.format)
	}
	return c, nil
}

// runVerify prints how the table's delivered events (its records, by event
// name) compare with the ground truth of the window, and exits with
// exitMismatch when any is missing or duplicated. Events of the table after
// the window are not checked; any other record of the table is unexpected.
func runVerify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseVerifyFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return fail(stderr, err)
	}
	expected, err := fetchGroundTruth(ctx, c)
	if err != nil {
		return fail(stderr, err)
	}
	untilNow := c
	untilNow.to = ""
	existing, err := fetchGroundTruth(ctx, untilNow)
	if err != nil {
		return fail(stderr, err)
	}
	delivered, err := readDelivered(c)
	if err != nil {
		return fail(stderr, err)
	}
	report := simulator.Compare(expected, withoutLater(delivered, expected, existing))
	fmt.Fprintln(stdout, report)
	if !report.OK() {
		return exitMismatch
	}
	return exitOK
}

// readDelivered counts the table's events in the file, by ReportId. Records of other tables (and, with
// -tenant, of other tenants) are left out where the format names each record's table and tenant
// (OTLP/JSON); HEC events and rows do not, and count whatever their table and tenant.
func readDelivered(c verifyConfig) (map[int64]int, error) {
	if c.format == formatCapture {
		return countCaptured(c.file, c.table)
	}
	file, err := os.Open(c.file)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	if c.format == formatRows {
		delivered := map[int64]int{}
		return delivered, simulator.CountRows(bufio.NewReaderSize(file, 1<<20), delivered)
	}
	return simulator.ReadDeliveredFrom(file, c.tenant, c.table)
}

// withoutLater leaves out of delivered the events that exist but are not
// expected: those after the window, which the check is not about.
func withoutLater(delivered map[int64]int, expected, existing []simulator.Event) map[int64]int {
	inWindow := map[int64]bool{}
	for _, e := range expected {
		inWindow[e.ReportID] = true
	}
	checked := maps.Clone(delivered)
	for _, e := range existing {
		if !inWindow[e.ReportID] {
			delete(checked, e.ReportID)
		}
	}
	return checked
}

// fetchGroundTruth asks the simulator which events the window holds.
func fetchGroundTruth(ctx context.Context, c verifyConfig) ([]simulator.Event, error) {
	caPEM, err := os.ReadFile(c.caFile)
	if err != nil {
		return nil, fmt.Errorf("read CA: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("no certificate in %s", c.caFile)
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: time.Minute}

	query := url.Values{"table": {c.table}}
	for name, value := range map[string]string{"tenant": c.tenant, "from": c.from, "to": c.to} {
		if value != "" {
			query.Set(name, value)
		}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"/simulator/groundtruth?"+query.Encode(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("ground truth: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, fmt.Errorf("ground truth: %s: %s", resp.Status, body)
	}
	var report simulator.GroundTruthReport
	if err := json.NewDecoder(resp.Body).Decode(&report); err != nil {
		return nil, fmt.Errorf("ground truth: %w", err)
	}
	events := make([]simulator.Event, len(report.ReportIDs))
	for i, id := range report.ReportIDs {
		events[i] = simulator.Event{ReportID: id, Table: report.Table}
	}
	return events, nil
}
