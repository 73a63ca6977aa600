package simulator

import (
	"crypto/tls"
	"crypto/x509"
	"math"
	"net"
	"strings"
	"testing"
	"time"
)

func TestLifecycle(t *testing.T) {
	newSimulator := func(t *testing.T) *Simulator {
		s, err := New(Options{TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("close without start, twice", func(t *testing.T) {
		s := newSimulator(t)
		if s.URL() != "" {
			t.Errorf("URL before Start = %q", s.URL())
		}
		for range 2 {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		if err := s.Start(); err == nil {
			t.Error("Start after Close succeeded")
		}
	})
	t.Run("start, close twice", func(t *testing.T) {
		s := newSimulator(t)
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
		if err := s.Start(); err == nil {
			t.Error("second Start succeeded")
		}
		if !strings.HasPrefix(s.URL(), "https://127.0.0.1:") {
			t.Errorf("URL = %q", s.URL())
		}
		for range 2 {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
	})
}

func TestNewRefusesBadOptions(t *testing.T) {
	valid := func(change func(*Options)) Options {
		o := Options{TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret}
		change(&o)
		return o
	}
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"no tenant", Options{ClientID: testClientID, ClientSecret: testSecret}, "TenantID and ClientID are required"},
		{"negative latency", valid(func(o *Options) { o.Latency = -time.Second }), "Latency must be a non-negative multiple of 100ns"},
		{"LateBy finer than a tick", valid(func(o *Options) { o.LateBy = 150 * time.Nanosecond }), "LateBy must be a non-negative multiple of 100ns"},
		{"LateShare over 1", valid(func(o *Options) { o.LateShare = 1.5 }), "LateShare must be between 0 and 1"},
		{"LateShare NaN", valid(func(o *Options) { o.LateShare = math.NaN() }), "LateShare must be between 0 and 1"},
		{"negative fault", valid(func(o *Options) { o.Faults.Stall = -0.1 }), "fault Stall: probability must be between 0 and 1"},
		{"per-call faults over 1", valid(func(o *Options) { o.Faults.Status500, o.Faults.CutOffBody = 0.6, 0.5 }), "must add up to at most 1"},
		{"negative Count", valid(func(o *Options) {
			o.Tables = []TableSpec{{Name: "DeviceProcessEvents", Every: time.Second, PerTimestamp: 1, Count: -1}}
		}), "Count must not be negative"},
		{"no credential", Options{TenantID: testTenant, ClientID: testClientID}, "a ClientSecret, a ClientCertificate or a FederatedToken is required"},
		{"bad table", Options{TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret, Tables: []TableSpec{{Name: "X", Every: time.Second, PerTimestamp: 1}}}, `table "X": unknown`},
		{"table twice", Options{TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret, Tables: []TableSpec{
			{Name: "DeviceProcessEvents", Every: time.Second, PerTimestamp: 1}, {Name: "DeviceProcessEvents", Every: time.Second, PerTimestamp: 1},
		}}, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestTLS checks that the server certificate is valid for every loopback
// name, and that TLS before 1.2 is refused.
func TestTLS(t *testing.T) {
	tests := []struct {
		addr  string
		hosts []string
	}{
		{"127.0.0.1:0", []string{"127.0.0.1", "localhost"}},
		{"[::1]:0", []string{"::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if listener, err := net.Listen("tcp", tt.addr); err != nil {
				t.Skipf("no %s here: %v", tt.addr, err)
			} else {
				listener.Close()
			}
			s := startSimulator(t, Options{Addr: tt.addr})
			_, port, err := net.SplitHostPort(strings.TrimPrefix(s.URL(), "https://"))
			if err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AppendCertsFromPEM(s.CAPEM())
			for _, host := range tt.hosts {
				address := net.JoinHostPort(host, port)
				conn, err := tls.Dial("tcp", address, &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12})
				if err != nil {
					t.Errorf("%s: %v", address, err)
					continue
				}
				conn.Close()
				old, err := tls.Dial("tcp", address, &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS11}) //nolint:gosec // checking that old TLS is refused
				if err == nil {
					old.Close()
					t.Errorf("%s: a TLS 1.1 handshake succeeded", address)
				}
			}
		})
	}
}
