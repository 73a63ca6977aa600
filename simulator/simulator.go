package simulator

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Simulator serves the advanced hunting API, Graph's runHuntingQuery and
// their token endpoint.
type Simulator struct {
	opts Options
	tls  *serverTLS
	// tenants are keyed by lower-case id; tables are the first tenant's.
	tenants  map[string]*tenant
	tables   map[string]*table
	tokens   *tokenStore
	quota    *callQuota
	counters *counters
	served   *servedLog
	draws    faultDraws
	rendered *renderedRows // nil unless Options.CacheRows
	// calls and tokenCalls number hunting calls (at either endpoint) and
	// token requests, from 1, for the fault draws and the served log.
	calls, tokenCalls atomic.Int64

	mu       sync.Mutex
	server   *http.Server
	listener net.Listener
	serving  sync.WaitGroup
	handlers sync.WaitGroup // hunting calls in flight
	stopped  chan struct{}  // closed by Close, to end waits in handlers
	closed   bool
}

// New checks opts and generates the simulator's CA and server certificate.
// It does not listen yet: see Start.
func New(opts Options) (*Simulator, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Simulator{
		opts:     opts,
		tenants:  map[string]*tenant{},
		tokens:   newTokenStore(),
		quota:    newCallQuota(opts.CallsPerMinute, time.Minute),
		counters: newCounters(),
		served:   &servedLog{},
		stopped:  make(chan struct{}),
	}
	if opts.CacheRows {
		s.rendered = &renderedRows{rows: map[renderedRowKey][]byte{}}
	}
	s.draws = faultDraws{faults: &s.opts.Faults, seed: opts.Seed}
	for p, id := range opts.TenantIDs() {
		t, err := newTenant(id, p, opts)
		if err != nil {
			return nil, fmt.Errorf("simulator: %w", err)
		}
		s.tenants[strings.ToLower(id)] = t
	}
	s.tables = s.tenants[strings.ToLower(opts.TenantID)].tables
	if s.tls, err = newServerTLS(); err != nil {
		return nil, fmt.Errorf("simulator: %w", err)
	}
	s.server = &http.Server{
		Handler:           s.routes(),
		TLSConfig:         s.tls.config,
		ReadHeaderTimeout: 10 * time.Second,
	}
	return s, nil
}

func (s *Simulator) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/v2.0/.well-known/openid-configuration", s.handleOpenIDConfiguration)
	mux.HandleFunc("GET /{tenant}/discovery/v2.0/keys", s.handleKeys)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	mux.HandleFunc("POST /api/advancedhunting/run", s.huntingHandler(legacyAPI))
	mux.HandleFunc("POST /v1.0/security/runHuntingQuery", s.huntingHandler(graphAPI))
	mux.HandleFunc("GET /simulator/groundtruth", s.handleGroundTruth)
	return mux
}

// Start listens on Options.Addr and serves HTTPS in the background.
func (s *Simulator) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("simulator: Start after Close")
	}
	if s.listener != nil {
		return errors.New("simulator: already started")
	}
	listener, err := net.Listen("tcp", s.opts.Addr)
	if err != nil {
		return fmt.Errorf("simulator: listen: %w", err)
	}
	s.listener = listener
	s.serving.Add(1)
	go func() {
		defer s.serving.Done()
		// The certificate is in TLSConfig, hence no file names. ServeTLS
		// only returns once Close was called: nothing to report.
		_ = s.server.ServeTLS(listener, "", "")
	}()
	return nil
}

// Close stops serving, closes open connections and waits for the hunting
// calls in flight, stalled ones included, to end. It is safe to call twice
// and without Start.
func (s *Simulator) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	close(s.stopped)
	err := s.server.Close()
	s.serving.Wait()
	s.handlers.Wait()
	return err
}

// track counts a hunting call in flight, so that Close can wait for it; it
// refuses once Close has begun, so that no call starts after Close waited.
func (s *Simulator) track() (release func(), ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, false
	}
	s.handlers.Add(1)
	return s.handlers.Done, true
}

// URL is the simulator's base URL, https://127.0.0.1:PORT: the legacy API's
// endpoint, Graph's and the Entra ID authority host at once. It is empty
// before Start.
func (s *Simulator) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.listener == nil {
		return ""
	}
	return "https://" + s.listener.Addr().String()
}

// CAPEM returns the PEM certificate of the CA that signed the server's
// certificate; clients trust it to connect.
func (s *Simulator) CAPEM() []byte {
	return append([]byte(nil), s.tls.caPEM...)
}

// Stats returns a copy of the counters.
func (s *Simulator) Stats() Counters {
	return s.counters.snapshot()
}

func (s *Simulator) now() time.Time {
	return s.opts.Now()
}
