package defenderhuntingreceiver

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configauth"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark/watermarktest"
	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// leakServer is a plain-http host that records what reaches it: a redirect the receiver followed.
type leakServer struct {
	*httptest.Server
	mu       sync.Mutex
	requests []string
}

func startLeakServer(t *testing.T) *leakServer {
	l := &leakServer{}
	l.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.requests = append(l.requests, r.Method+" "+r.URL.Path+" Authorization="+r.Header.Get("Authorization")+" body="+string(body))
	}))
	t.Cleanup(l.Close)
	return l
}

func (l *leakServer) received() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.requests...)
}

// startRedirectingFront serves https in front of sim, passing requests on (with sim's URL written
// as its own in the answers, so that Entra ID's discovery names the front as token endpoint), except
// those that redirect says to send to target with a 307, which has the client post the body again.
func startRedirectingFront(t *testing.T, sim *simulator.Simulator, redirect func(*http.Request) bool, target string) *httptest.Server {
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(sim.CAPEM()))
	simURL, err := url.Parse(sim.URL())
	require.NoError(t, err)
	var front *httptest.Server
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(simURL) },
		ModifyResponse: func(resp *http.Response) error {
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				return err
			}
			body = bytes.ReplaceAll(body, []byte(sim.URL()), []byte(front.URL))
			resp.Body = io.NopCloser(bytes.NewReader(body))
			resp.ContentLength = int64(len(body))
			resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
			return nil
		},
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}},
	}
	front = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if redirect(r) {
			http.Redirect(w, r, target+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		front.Close()
		proxy.Transport.(*http.Transport).CloseIdleConnections()
	})
	return front
}

// trustBoth writes a CA file that trusts sim and front.
func trustBoth(t *testing.T, sim *simulator.Simulator, front *httptest.Server) string {
	frontPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw})
	path := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(path, append(append([]byte(nil), sim.CAPEM()...), frontPEM...), 0o600))
	return path
}

func isHuntingCall(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == huntingapi.GraphPath || r.URL.Path == huntingapi.AdvancedHuntingPath)
}

func isTokenRequest(r *http.Request) bool {
	return r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token")
}

// TestRedirectsToAnotherHostAreRefused has an API call, a token request and an auth extension's
// call answered with a 307 to another host over plain http: none of them may follow it, so neither
// the bearer token nor the client secret reaches that host, and the refusal is the query's status.
func TestRedirectsToAnotherHostAreRefused(t *testing.T) {
	tests := []struct {
		name      string
		redirect  func(*http.Request) bool
		configure func(cfg *Config, sim *simulator.Simulator, front string) map[component.ID]component.Component
	}{
		{"API call", isHuntingCall, func(cfg *Config, _ *simulator.Simulator, front string) map[component.ID]component.Component {
			cfg.Endpoint = front
			return nil
		}},
		{"token request", isTokenRequest, func(cfg *Config, _ *simulator.Simulator, front string) map[component.ID]component.Component {
			cfg.Credentials.Authority = front
			return nil
		}},
		{"auth extension's call", isHuntingCall, func(cfg *Config, sim *simulator.Simulator, front string) map[component.ID]component.Component {
			trusting, err := cfg.ToClient(t.Context(), nil, componenttest.NewNopTelemetrySettings())
			require.NoError(t, err)
			authID := component.MustNewID("oauth2client")
			cfg.Endpoint, cfg.Credentials = front, nil
			cfg.Auth = configoptional.Some(configauth.Config{AuthenticatorID: authID})
			return map[component.ID]component.Component{authID: &clientCredentialsAuth{
				tokenURL: sim.URL() + "/" + simTenant + "/oauth2/v2.0/token",
				clientID: simClientID, secret: simSecret, client: trusting,
			}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sim := startSimulator(t, simulator.Options{ClientSecret: simSecret})
			leak := startLeakServer(t)
			front := startRedirectingFront(t, sim, tt.redirect, leak.URL)
			cfg := simulatorConfig(t, sim, secretOf(simSecret))
			cfg.TLS.CAFile = trustBoth(t, sim, front)
			host := &testHost{storage: &memoryStorage{client: watermarktest.NewMemoryClient(nil)}}
			host.others = tt.configure(cfg, sim, front.URL)
			sink := new(consumertest.LogsSink)

			runReceiver(t, cfg, host, sink, func() bool { return host.lastStatus() != nil })

			assert.Empty(t, leak.received(), "a redirect to another host was followed")
			status := host.lastStatus()
			require.NotNil(t, status)
			assert.Equal(t, componentstatus.StatusRecoverableError, status.Status())
			assert.ErrorContains(t, status.Err(), "redirect refused")
			assert.NotContains(t, status.Err().Error(), simSecret)
			assert.Zero(t, sink.LogRecordCount())
		})
	}
}
