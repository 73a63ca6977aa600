package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// exportedLogs is a file exporter's output holding records of table with the ids, each with its
// row in the body, on a resource without a tenant.
func exportedLogs(table string, ids []int64) string {
	return exportedLogsOf("", table, ids)
}

// serving runs `defendersim` with args until the test's end (or stop), and returns the URL it
// printed and stop, which ends it and returns its exit status and standard error.
func serving(t *testing.T, args ...string) (url string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	stdout, stdoutWriter := io.Pipe()
	var stderr strings.Builder
	served := make(chan int)
	go func() {
		served <- run(ctx, args, stdoutWriter, &stderr)
		stdoutWriter.Close()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no URL printed: %v", err)
	}
	go io.Copy(io.Discard, stdout) //nolint:errcheck // drains the pipe until serve returns
	stop = sync.OnceValues(func() (int, string) {
		cancel()
		return <-served, stderr.String()
	})
	t.Cleanup(func() { stop() })
	return strings.TrimSpace(line), stop
}

func TestServeThenVerify(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	tokenFile := filepath.Join(dir, "azure-identity-token")
	if err := os.WriteFile(tokenFile, []byte(federatedToken), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	url, stop := serving(t, "-listen", "127.0.0.1:0", "-ca-out", caFile, "-history", "10m", "-speed", "2", "-federated-token-file", tokenFile)

	from, to := time.Now().Add(-11*time.Minute).Format(time.RFC3339Nano), time.Now().Add(-5*time.Minute).Format(time.RFC3339Nano)
	config := verifyConfig{url: url, caFile: caFile, table: "DeviceNetworkEvents", from: from, to: to}
	expected, err := fetchGroundTruth(ctx, config)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, e := range expected {
		ids = append(ids, e.ReportID)
	}
	if len(ids) < 100 {
		t.Fatalf("only %d events in five minutes at double speed", len(ids))
	}
	later, err := fetchGroundTruth(ctx, verifyConfig{url: url, caFile: caFile, table: config.table, from: to})
	if err != nil || len(later) == 0 {
		t.Fatalf("no events after the window: %v", err)
	}
	const unknownID = -7

	tests := []struct {
		name      string
		delivered []int64
		others    []int64 // records of another table, with the same ids: not counted
		status    int
		report    simulator.Report
	}{
		{"every event once", ids, nil, exitOK, simulator.Report{Expected: len(ids), Delivered: len(ids)}},
		{"one missing, one twice", append([]int64{ids[1]}, ids[1:]...), nil, exitMismatch, simulator.Report{Expected: len(ids), Delivered: len(ids) - 1, Missing: 1, Duplicated: 1}},
		{"another table's records and later events are not checked", append([]int64{later[0].ReportID}, ids...), ids[:5], exitOK,
			simulator.Report{Expected: len(ids), Delivered: len(ids)}},
		{"an event the table never had", append([]int64{unknownID}, ids...), nil, exitOK, simulator.Report{Expected: len(ids), Delivered: len(ids), Unexpected: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, "exported.json")
			if err := os.WriteFile(file, []byte(exportedLogs(config.table, tt.delivered)+exportedLogs("DeviceProcessEvents", tt.others)), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut strings.Builder
			status := run(ctx, []string{"verify", "-url", url, "-ca", caFile, "-table", config.table, "-from", from, "-to", to, "-file", file}, &out, &errOut)
			if status != tt.status || strings.TrimSpace(out.String()) != tt.report.String() {
				t.Errorf("exit %d, printed %q %q; want exit %d, %q", status, out.String(), errOut.String(), tt.status, tt.report)
			}
		})
	}

	// The same events as the sink keeps them (half through HEC, half through OTLP/HTTP) and as rows.
	var captured bytes.Buffer
	half := len(ids) / 2
	if err := writeCaptured(&captured, hecPath, "gzip", gzipped(t, []byte(hecBody(ids[:half]...)))); err != nil {
		t.Fatal(err)
	}
	if err := writeCaptured(&captured, otlpLogsPath, "", otlpBody(t, config.table, ids[half:]...)); err != nil {
		t.Fatal(err)
	}
	var rows strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&rows, "{\"ReportId\": %d}\n", id)
	}
	for format, content := range map[string]string{formatCapture: captured.String(), formatRows: rows.String()} {
		t.Run("format "+format, func(t *testing.T) {
			file := filepath.Join(dir, format)
			if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut strings.Builder
			status := run(ctx, []string{"verify", "-url", url, "-ca", caFile, "-table", config.table, "-from", from, "-to", to, "-format", format, "-file", file}, &out, &errOut)
			want := simulator.Report{Expected: len(ids), Delivered: len(ids)}
			if status != exitOK || strings.TrimSpace(out.String()) != want.String() {
				t.Errorf("exit %d, printed %q %q; want %q", status, out.String(), errOut.String(), want)
			}
		})
	}

	if status := graphQueryWithFederatedToken(t, url, caFile); status != http.StatusOK {
		t.Errorf("a Graph query with a token got for the federated token: %d", status)
	}

	status, summary := stop()
	if status != exitOK {
		t.Errorf("serve exited %d: %s", status, summary)
	}
	if !strings.Contains(summary, "defendersim: stopped") || !strings.Contains(summary, "Graph calls by status map[200:1]") {
		t.Errorf("no summary with the Graph call on stderr: %q", summary)
	}
}

// federatedToken stands for a Kubernetes service account token.
const federatedToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6b2JzZXJ2YWJpbGl0eTpvdGVsLWNvbGxlY3RvciJ9.c2lnbmF0dXJl\n"

// graphQueryWithFederatedToken gets a token with federatedToken as the
// client assertion, as a workload identity client does, and runs a Graph
// query with it; it returns the query's status.
func graphQueryWithFederatedToken(t *testing.T, baseURL, caFile string) int {
	t.Helper()
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(caPEM)
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport, Timeout: 10 * time.Second}

	resp, err := client.PostForm(baseURL+"/"+defaultTenant+"/oauth2/v2.0/token", url.Values{
		"grant_type": {"client_credentials"}, "client_id": {defaultClientID}, "scope": {"https://graph.microsoft.com/.default"},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {federatedToken},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var token struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&token); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("token request: %s, %v", resp.Status, err)
	}
	req, err := http.NewRequest(http.MethodPost, baseURL+"/v1.0/security/runHuntingQuery", strings.NewReader(`{"Query": "DeviceNetworkEvents | take 1", "Timespan": "PT1H"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token.AccessToken)
	hunted, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer hunted.Body.Close()
	_, _ = io.Copy(io.Discard, hunted.Body)
	return hunted.StatusCode
}

func TestFlagErrors(t *testing.T) {
	emptyFile := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args   []string
		status int
		stderr string
	}{
		{[]string{"-h"}, exitOK, "-listen"},
		{[]string{"verify", "-h"}, exitOK, "-table"},
		{[]string{"-speed", "0"}, exitError, "-speed must be positive"},
		{[]string{"-tenants", "0"}, exitError, "-tenants must be at least 1"},
		{[]string{"serve", "extra"}, exitError, `unexpected argument "extra"`},
		{[]string{"verify", "-table", "DeviceProcessEvents"}, exitError, "verify needs -ca, -table and -file"},
		{[]string{"verify", "-ca", "ca.pem", "-table", "T", "-file", "f", "-format", "xml"}, exitError, `unknown -format "xml"`},
		{[]string{"sink", "-h"}, exitOK, "-expect"},
		{[]string{"sink"}, exitError, "sink needs -capture"},
		{[]string{"sink", "-capture", "/nonexistent/capture"}, exitError, "open /nonexistent/capture"},
		{[]string{"-client-cert", "/nonexistent.pem"}, exitError, "read client certificate"},
		{[]string{"-federated-token-file", "/nonexistent"}, exitError, "read federated token: open /nonexistent"},
		{[]string{"-federated-token-file", emptyFile}, exitError, "read federated token: " + emptyFile + " is empty"},
		{[]string{"-faults", "Status418=0.1"}, exitError, `invalid value "Status418=0.1" for flag -faults: unknown fault "Status418"`},
		{[]string{"-faults", "Status500=0.7,Stall=0.7"}, exitError, "must add up to at most 1"},
		{[]string{"-late-share", "2"}, exitError, "LateShare must be between 0 and 1"},
		{[]string{"-latency", "150ns"}, exitError, "Latency must be a non-negative multiple of 100ns"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut strings.Builder
			status := run(t.Context(), tt.args, &out, &errOut)
			if status != tt.status || !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", status, errOut.String(), tt.status, tt.stderr)
			}
		})
	}
}

func TestServeFlagsSetOptions(t *testing.T) {
	tests := []struct {
		args  []string
		check func(o simulator.Options) bool
	}{
		{nil, func(o simulator.Options) bool {
			return o.Faults == (simulator.Faults{}) && o.LateShare == 0 && o.Latency == 0 && o.Seed == 0 && o.StallFor == 10*time.Second
		}},
		{[]string{"-faults", "Status500=0.1,CutOffBody=0.05", "-faults", "TokenEndpoint503=0.2"}, func(o simulator.Options) bool {
			return o.Faults == simulator.Faults{Status500: 0.1, CutOffBody: 0.05, TokenEndpoint503: 0.2}
		}},
		{[]string{"-late-share", "0.1", "-late-by", "45s", "-latency", "2s", "-seed", "7"}, func(o simulator.Options) bool {
			return o.LateShare == 0.1 && o.LateBy == 45*time.Second && o.Latency == 2*time.Second && o.Seed == 7
		}},
		{[]string{"-stall-for", "1m", "-max-result-bytes", "1000", "-timeout-rows", "10", "-timeout-after", "5s"}, func(o simulator.Options) bool {
			return o.StallFor == time.Minute && o.MaxResultBytes == 1000 && o.TimeoutRows == 10 && o.TimeoutAfter == 5*time.Second
		}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			c, err := parseServeFlags(tt.args, io.Discard)
			if err != nil || !tt.check(c.options) {
				t.Errorf("got %+v, %v", c.options, err)
			}
		})
	}
}

func TestScaledTablesKeepWholeTicks(t *testing.T) {
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for _, speed := range []float64{0.5, 1, 3, 1e12} {
		for i, table := range scaledTables(start, speed) {
			base := simulator.DefaultTables(start)[i]
			if table.Every%(100*time.Nanosecond) != 0 || table.Every <= 0 {
				t.Errorf("speed %v: %s every %v", speed, table.Name, table.Every)
			}
			if speed == 1 && table != base {
				t.Errorf("speed 1 changed %s", table.Name)
			}
		}
	}
}
