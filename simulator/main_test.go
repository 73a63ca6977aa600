package simulator

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const (
	testTenant   = "00000000-0000-0000-0000-000000000000"
	testClientID = "11111111-1111-1111-1111-111111111111"
	testSecret   = "demo-secret"
	testScope    = "https://api.security.microsoft.com/.default"
)

// testNow is the fake clock's starting time in every test that needs one.
var testNow = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock(now time.Time) *fakeClock { return &fakeClock{now: now} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startSimulator starts a simulator with the test credentials and the
// fields set in opts, and stops it when the test ends.
func startSimulator(t testing.TB, opts Options) *Simulator {
	t.Helper()
	if opts.TenantID == "" {
		opts.TenantID, opts.ClientID, opts.ClientSecret = testTenant, testClientID, testSecret
	}
	s, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if err := s.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// trustingClient is an HTTPS client that trusts only the simulator's CA.
func trustingClient(t testing.TB, s *Simulator) *http.Client {
	t.Helper()
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(s.CAPEM()) {
		t.Fatal("CAPEM holds no certificate")
	}
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	t.Cleanup(transport.CloseIdleConnections)
	return &http.Client{Transport: transport, Timeout: 10 * time.Second}
}

// response is a finished HTTP exchange.
type response struct {
	status int
	header http.Header
	body   []byte
}

func do(t testing.TB, client *http.Client, req *http.Request) response {
	t.Helper()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return response{resp.StatusCode, resp.Header, body}
}

func postForm(t testing.TB, client *http.Client, target string, form url.Values) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, client, req)
}

func tokenURL(s *Simulator) string {
	return s.URL() + "/" + testTenant + "/oauth2/v2.0/token"
}

func secretForm(secret string) url.Values {
	return url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "client_secret": {secret}, "scope": {testScope}}
}

// fetchToken gets an access token with the test secret.
func fetchToken(t testing.TB, client *http.Client, s *Simulator) string {
	t.Helper()
	resp := postForm(t, client, tokenURL(s), secretForm(testSecret))
	var token tokenResponse
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &token) != nil {
		t.Fatalf("token request: %d %s", resp.status, resp.body)
	}
	return token.AccessToken
}

// The paths of the two hunting endpoints.
const (
	legacyPath = "/api/advancedhunting/run"
	graphPath  = "/v1.0/security/runHuntingQuery"
)

// hunt posts body to the legacy hunting endpoint with token.
func hunt(t testing.TB, client *http.Client, s *Simulator, token, body string) response {
	t.Helper()
	return huntAt(t, client, s, legacyPath, token, body)
}

// huntAt posts body to the hunting endpoint at path with token.
func huntAt(t testing.TB, client *http.Client, s *Simulator, path, token, body string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, client, req)
}

// queryBody is the JSON request body for a query.
func queryBody(t testing.TB, query string) string {
	t.Helper()
	body, err := json.Marshal(map[string]string{"Query": query})
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// huntingResult is a decoded 200 response.
type huntingResult struct {
	Stats   map[string]any
	Schema  []schemaColumn
	Results []map[string]any
}

func decodeResult(t *testing.T, resp response) huntingResult {
	t.Helper()
	if resp.status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	var result huntingResult
	decoder := json.NewDecoder(strings.NewReader(string(resp.body)))
	decoder.UseNumber()
	if err := decoder.Decode(&result); err != nil {
		t.Fatalf("decode result: %v", err)
	}
	return result
}
