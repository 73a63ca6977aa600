package e2e

import (
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// httpSink stands in for a log backend's intake on 127.0.0.1: it keeps the items (events,
// records) the collector sent it.
type httpSink[T any] struct {
	url      string
	reportID func(T) int64 // the ReportId of the row an item carries

	mu    sync.Mutex
	items []T
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
		sink.mu.Unlock()
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

// received returns the items received so far.
func (s *httpSink[T]) received() []T {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]T(nil), s.items...)
}

// delivered counts the items received so far by ReportId. It never fails; it has the shape of
// deliveredToFile for awaitDeliveries.
func (s *httpSink[T]) delivered() (map[int64]int, error) {
	counts := make(map[int64]int)
	for _, item := range s.received() {
		counts[s.reportID(item)]++
	}
	return counts, nil
}
