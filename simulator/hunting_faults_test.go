package simulator

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"
)

// attempt is a hunting call that may fail below HTTP.
type attempt struct {
	response
	proto   string
	err     error // from the request or from reading the body
	elapsed time.Duration
}

// tryHunt posts query to the legacy endpoint with a fresh token and, unlike
// hunt, reports transport errors and bodies that break off instead of
// failing the test.
func tryHunt(t *testing.T, client *http.Client, s *Simulator, query string) attempt {
	t.Helper()
	return tryHuntAt(t, client, s, legacyPath, query)
}

// tryHuntAt is tryHunt for the endpoint at path.
func tryHuntAt(t *testing.T, client *http.Client, s *Simulator, path, query string) attempt {
	t.Helper()
	token := fetchToken(t, client, s)
	req, err := http.NewRequest(http.MethodPost, s.URL()+path, strings.NewReader(queryBody(t, query)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	started := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return attempt{err: err, elapsed: time.Since(started)}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return attempt{response{resp.StatusCode, resp.Header, body}, resp.Proto, err, time.Since(started)}
}

// http2Client is trustingClient speaking HTTP/2, whose connections cannot
// be hijacked: faults that drop connections must work with it too.
func http2Client(t *testing.T, s *Simulator) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(s.CAPEM())
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}, ForceAttemptHTTP2: true}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

func huntingError(t *testing.T, a attempt, code, messagePart string) {
	t.Helper()
	var body huntingErrorBody
	if err := json.Unmarshal(a.body, &body); err != nil || body.Error.Code != code || !strings.Contains(body.Error.Message, messagePart) {
		t.Errorf("body %s; want code %s and a message containing %q", a.body, code, messagePart)
	}
}

func TestHuntingFaults(t *testing.T) {
	const query = "DeviceProcessEvents | take 20"
	tests := []struct {
		name   string
		opts   Options
		query  string
		status int // 0: no response
		check  func(t *testing.T, a attempt)
		fault  string // the fault counted
		served bool   // the page counts as served
	}{
		{
			name: "Status500", opts: Options{Faults: Faults{Status500: 1}}, status: 500, fault: "Status500",
			check: func(t *testing.T, a attempt) {
				huntingError(t, a, "UnknownError", "")
				if !strings.Contains(string(a.body), `"message":""`) {
					t.Errorf("message not empty: %s", a.body)
				}
			},
		},
		{name: "Status502", opts: Options{Faults: Faults{Status502: 1}}, status: 502, fault: "Status502", check: gatewayPage("502 Bad Gateway")},
		{name: "Status503", opts: Options{Faults: Faults{Status503: 1}}, status: 503, fault: "Status503", check: gatewayPage("503 Service Temporarily Unavailable")},
		{name: "GatewayTimeout504", opts: Options{Faults: Faults{GatewayTimeout504: 1}}, status: 504, fault: "GatewayTimeout504", check: gatewayPage("504 Gateway Time-out")},
		{
			name: "Preempted", opts: Options{Faults: Faults{Preempted: 1}}, status: 400, fault: "Preempted",
			check: func(t *testing.T, a attempt) { huntingError(t, a, "BadRequest", "query execution was preempted") },
		},
		{
			name: "CPUQuota", opts: Options{Faults: Faults{CPUQuota: 1}, RetryAfter: true}, status: 429, fault: "CPUQuota",
			check: func(t *testing.T, a attempt) {
				// The clock is at 10:03:20: the next 15-minute cycle starts at 10:15.
				huntingError(t, a, "TooManyRequests", "CPU resources")
				huntingError(t, a, "TooManyRequests", "run queries again in 00:11:40, at the start of the next 15 minute cycle")
			},
		},
		{
			name: "CallQuota with Retry-After", opts: Options{Faults: Faults{CallQuota: 1}, RetryAfter: true}, status: 429, fault: "CallQuota",
			check: func(t *testing.T, a attempt) {
				huntingError(t, a, "TooManyRequests", "API calls quota exceeded! maximum allowed 45 per 00:01:00")
				if got := a.header.Get("Retry-After"); got != "2" {
					t.Errorf("Retry-After %q", got)
				}
			},
		},
		{
			name: "CallQuota without Retry-After", opts: Options{Faults: Faults{CallQuota: 1}}, status: 429, fault: "CallQuota",
			check: func(t *testing.T, a attempt) {
				if got := a.header.Get("Retry-After"); got != "" {
					t.Errorf("Retry-After %q", got)
				}
			},
		},
		{
			name: "ResetConnection", opts: Options{Faults: Faults{ResetConnection: 1}}, status: 0, fault: "ResetConnection",
			check: func(t *testing.T, a attempt) {
				if a.err == nil {
					t.Errorf("got a response: %d %s", a.status, a.body)
				}
			},
		},
		{
			name: "CutOffBody", opts: Options{Faults: Faults{CutOffBody: 1}}, status: 200, fault: "CutOffBody",
			check: func(t *testing.T, a attempt) {
				if a.err == nil || json.Valid(a.body) {
					t.Errorf("read error %v; want one, and invalid JSON", a.err)
				}
				// Half the rows, then half a row.
				if rows := strings.Count(string(a.body), `"ReportId":`); rows != 10 || !strings.Contains(string(a.body), `"Results":[{`) {
					t.Errorf("cut off after %d rows: ...%s", rows, a.body[max(0, len(a.body)-200):])
				}
			},
		},
		{
			name: "Stall", opts: Options{Faults: Faults{Stall: 1}, StallFor: 300 * time.Millisecond}, status: 200, fault: "Stall", served: true,
			check: func(t *testing.T, a attempt) {
				if a.err != nil || !json.Valid(a.body) || a.elapsed < 300*time.Millisecond {
					t.Errorf("read error %v, valid JSON %v, after %v; want the whole body after the stall", a.err, json.Valid(a.body), a.elapsed)
				}
			},
		},
		{
			name: "ResultTooLarge", opts: Options{Faults: Faults{ResultTooLarge: 1}, MaxResultBytes: 20_000}, status: 400, fault: "ResultTooLarge",
			check: func(t *testing.T, a attempt) {
				huntingError(t, a, "BadRequest", "Query execution has exceeded the allowed result size. Optimize your query by limiting the number of results and try again.")
			},
		},
		{
			name: "small result is not too large", opts: Options{Faults: Faults{ResultTooLarge: 1}, MaxResultBytes: 20_000}, query: "DeviceProcessEvents | take 3",
			status: 200, served: true,
		},
		{
			name: "QueryTimeout", opts: Options{Faults: Faults{QueryTimeout: 1}, TimeoutRows: 19, TimeoutAfter: 100 * time.Millisecond}, status: 504, fault: "QueryTimeout",
			check: func(t *testing.T, a attempt) {
				huntingError(t, a, "UnknownError", "Query exceeded the timeout period.")
				if a.elapsed < 100*time.Millisecond {
					t.Errorf("answered after %v", a.elapsed)
				}
			},
		},
		{
			name: "light query does not time out", opts: Options{Faults: Faults{QueryTimeout: 1}, TimeoutRows: 20, TimeoutAfter: time.Hour},
			status: 200, served: true,
		},
		{
			name: "a query error comes before service faults", opts: Options{Faults: Faults{Status500: 1}}, query: "DeviceProcessEvents | summarize count()",
			status: 400, check: func(t *testing.T, a attempt) { huntingError(t, a, "BadRequest", "Query could not be parsed") },
		},
	}
	for _, tt := range tests {
		for _, protocol := range []string{"HTTP/1.1", "HTTP/2.0"} {
			t.Run(tt.name+" "+protocol, func(t *testing.T) {
				clock := newFakeClock(testNow.Add(3*time.Minute + 20*time.Second))
				opts := tt.opts
				opts.Now = clock.Now
				s := startSimulator(t, opts)
				client := trustingClient(t, s)
				if protocol == "HTTP/2.0" {
					client = http2Client(t, s)
				}
				q := tt.query
				if q == "" {
					q = query
				}
				a := tryHunt(t, client, s, q)
				if a.status != tt.status {
					t.Fatalf("status %d (error %v), want %d: %s", a.status, a.err, tt.status, a.body)
				}
				if a.status != 0 && a.proto != protocol {
					t.Errorf("spoke %s, want %s", a.proto, protocol)
				}
				if tt.check != nil {
					tt.check(t, a)
				}
				stats := s.Stats()
				wantFaults := map[string]int{}
				if tt.fault != "" {
					wantFaults[tt.fault] = 1
				}
				if !maps.Equal(stats.Faults, wantFaults) || !maps.Equal(stats.HuntingCalls, map[int]int{tt.status: 1}) {
					t.Errorf("Faults %v, HuntingCalls %v; want %v and one call with status %d", stats.Faults, stats.HuntingCalls, wantFaults, tt.status)
				}
				if pages := s.ServedPages(); (len(pages) == 1) != tt.served || (stats.RowsServed > 0) != tt.served {
					t.Errorf("served pages %d, rows served %d; want a page served: %v", len(pages), stats.RowsServed, tt.served)
				}
			})
		}
	}
}

func gatewayPage(title string) func(t *testing.T, a attempt) {
	return func(t *testing.T, a attempt) {
		t.Helper()
		body := string(a.body)
		if !strings.HasPrefix(a.header.Get("Content-Type"), "text/html") || !strings.HasPrefix(body, "<html>") || !strings.Contains(body, "<title>"+title+"</title>") {
			t.Errorf("Content-Type %q, body %q; want an HTML page titled %q", a.header.Get("Content-Type"), body, title)
		}
	}
}

func TestTokenEndpointOutage(t *testing.T) {
	s := startSimulator(t, Options{Faults: Faults{TokenEndpoint503: 0.5}, Seed: 3})
	client := trustingClient(t, s)
	outages := 0
	for range 20 {
		resp := postForm(t, client, tokenURL(s), secretForm(testSecret))
		if resp.status == http.StatusOK {
			continue
		}
		outages++
		var body entraErrorBody
		if err := json.Unmarshal(resp.body, &body); err != nil || resp.status != http.StatusServiceUnavailable ||
			body.Error != "temporarily_unavailable" || !strings.HasPrefix(body.ErrorDescription, "AADSTS90033: ") {
			t.Errorf("got %d %s", resp.status, resp.body)
		}
	}
	stats := s.Stats()
	if outages == 0 || outages == 20 || stats.Faults["TokenEndpoint503"] != outages ||
		stats.TokenResponses[503] != outages || stats.TokenResponses[200] != 20-outages || stats.TokensIssued != 20-outages {
		t.Errorf("%d outages in 20 requests; counters %+v", outages, stats)
	}
}

// TestStallEndsWithClose checks that a stalled response does not hold Close
// up: the handler leaves as soon as the simulator closes.
func TestStallEndsWithClose(t *testing.T) {
	s, err := New(Options{TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret, Faults: Faults{Stall: 1}, StallFor: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	client := trustingClient(t, s)
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.URL()+"/api/advancedhunting/run",
		strings.NewReader(queryBody(t, "DeviceProcessEvents | take 10")))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+fetchToken(t, client, s))
	resp, err := client.Do(req) // the headers and half the body come before the stall
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	read := make(chan error)
	go func() {
		_, err := io.ReadAll(resp.Body)
		read <- err
	}()

	started := time.Now()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if took := time.Since(started); took > 5*time.Second {
		t.Errorf("Close took %v", took)
	}
	if err := <-read; err == nil {
		t.Error("the stalled body was read whole")
	}
	if pages := s.ServedPages(); len(pages) != 0 {
		t.Errorf("served %v", pages)
	}
}
