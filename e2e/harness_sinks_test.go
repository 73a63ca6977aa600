package e2e

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// httpSink stands in for a log backend's intake on 127.0.0.1: it keeps the items (events,
// records) the collector sent it.
type httpSink[T any] struct {
	url      string
	reportID func(T) int64 // the ReportId of the row an item carries

	mu      sync.Mutex
	items   []T
	latency time.Duration // how long a request waits for its answer once its items are kept
}

// startHTTPSink serves paths. decode turns one request (its body decompressed) into items or
// refuses it, which fails the test; reply answers an accepted request as the backend would.
func startHTTPSink[T any](t *testing.T, paths []string, reportID func(T) int64,
	decode func(r *http.Request, body []byte) ([]T, error), reply func(w http.ResponseWriter),
) *httpSink[T] {
	t.Helper()
	sink := &httpSink[T]{reportID: reportID}
	mux := http.NewServeMux()
	handle := func(w http.ResponseWriter, r *http.Request) {
		body, err := readBody(r)
		var decoded []T
		if err == nil {
			decoded, err = decode(r, body)
		}
		if err != nil {
			t.Errorf("%s %s: %v", r.Method, r.URL.Path, err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		sink.mu.Lock()
		sink.items = append(sink.items, decoded...)
		latency := sink.latency
		sink.mu.Unlock()
		select {
		case <-time.After(latency):
		case <-r.Context().Done(): // the collector went away, killed perhaps
			return
		}
		reply(w)
	}
	for _, path := range paths {
		mux.HandleFunc("POST "+path, handle)
	}
	server := httptest.NewServer(mux)
	t.Cleanup(server.Close)
	sink.url = server.URL
	return sink
}

// readBody reads a request's body, gunzipping it when the exporter compressed it.
func readBody(r *http.Request) ([]byte, error) {
	body := io.Reader(r.Body)
	switch encoding := r.Header.Get("Content-Encoding"); encoding {
	case "":
	case "gzip":
		gz, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		defer gz.Close()
		body = gz
	default:
		return nil, fmt.Errorf("unexpected Content-Encoding %q", encoding)
	}
	return io.ReadAll(body)
}

// answerAfter makes the sink keep each request's items at once but answer only after latency, as a
// remote backend acknowledges after its round trips.
func (s *httpSink[T]) answerAfter(latency time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = latency
}

// received returns the items received so far.
func (s *httpSink[T]) received() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]T(nil), s.items...)
}

// delivered counts the items received so far by ReportId. It never fails; it has the shape of
// exportedFile.delivered for awaitDeliveries.
func (s *httpSink[T]) delivered() (map[int64]int, error) {
	counts := make(map[int64]int)
	for _, item := range s.received() {
		counts[s.reportID(item)]++
	}
	return counts, nil
}
