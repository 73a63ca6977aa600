package simulator

import (
	"bytes"
	"slices"
	"testing"
)

// TestCachedRowsAreWrittenAsRendered: with CacheRows, a row is rendered once per API and written
// again as it was; a query whose columns are not the table's own is not cached.
func TestCachedRowsAreWrittenAsRendered(t *testing.T) {
	s := startSimulator(t, Options{CacheRows: true})
	client := trustingClient(t, s)
	token := fetchToken(t, client, s)
	cached := func() int {
		s.rendered.mu.Lock()
		defer s.rendered.mu.Unlock()
		return len(s.rendered.rows)
	}
	query := "DeviceProcessEvents | order by Timestamp asc | take 100"

	first := huntAt(t, client, s, graphPath, token, graphBody(t, query, ""))
	if n := cached(); n != 100 {
		t.Fatalf("%d rows cached after the first page, want 100", n)
	}
	again := huntAt(t, client, s, graphPath, token, graphBody(t, query, ""))
	if !bytes.Equal(first.body, again.body) {
		t.Fatalf("the page written from the cache differs:\n%.300s\n%.300s", first.body, again.body)
	}

	legacy := decodeResult(t, hunt(t, client, s, token, queryBody(t, query)))
	if n := cached(); n != 200 {
		t.Fatalf("%d rows cached after the legacy page, want 200: each API writes its own", n)
	}
	graph := decodeGraphResult(t, again)
	if !slices.Equal(reportIDsOfRows(t, graph.results), reportIDsOfRows(t, legacy.Results)) {
		t.Fatal("the legacy page has other rows")
	}

	decodeGraphResult(t, huntAt(t, client, s, graphPath, token, graphBody(t, "DeviceProcessEvents | project Timestamp, ReportId | take 100", "")))
	if n := cached(); n != 200 {
		t.Fatalf("%d rows cached after a projection, want 200: its rows are not the table's", n)
	}
}
