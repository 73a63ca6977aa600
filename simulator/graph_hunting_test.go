package simulator

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// graphBody is the JSON request body for a Graph query; an empty timespan
// is left out.
func graphBody(t testing.TB, query, timespan string) string {
	t.Helper()
	fields := map[string]string{"Query": query}
	if timespan != "" {
		fields["Timespan"] = timespan
	}
	body, err := json.Marshal(fields)
	if err != nil {
		t.Fatal(err)
	}
	return string(body)
}

// decodeJSON decodes data keeping numbers exact, or fails the test.
func decodeJSON(t *testing.T, data []byte, into any) {
	t.Helper()
	decoder := json.NewDecoder(strings.NewReader(string(data)))
	decoder.UseNumber()
	if err := decoder.Decode(into); err != nil {
		t.Fatalf("decode %.300s: %v", data, err)
	}
}

// keysOf returns the keys of a JSON object, sorted.
func keysOf(t *testing.T, object json.RawMessage) []string {
	t.Helper()
	var fields map[string]json.RawMessage
	decodeJSON(t, object, &fields)
	return slices.Sorted(maps.Keys(fields))
}

// graphResult is a decoded Graph 200 body, its keys checked.
type graphResult struct {
	schema  []map[string]string
	results []map[string]any
}

func decodeGraphResult(t *testing.T, resp response) graphResult {
	t.Helper()
	if resp.status != http.StatusOK {
		t.Fatalf("status %d: %s", resp.status, resp.body)
	}
	prefix := `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults","schema":[`
	if body := string(resp.body); !strings.HasPrefix(body, prefix) || !strings.Contains(body, `],"results":[`) {
		t.Fatalf("not Graph's layout: %.300s", body)
	}
	if keys := keysOf(t, resp.body); !slices.Equal(keys, []string{"@odata.context", "results", "schema"}) {
		t.Fatalf("keys %v", keys)
	}
	var body struct {
		Schema  []map[string]string `json:"schema"`
		Results []map[string]any    `json:"results"`
	}
	decodeJSON(t, resp.body, &body)
	return graphResult{body.Schema, body.Results}
}

func reportIDsOfRows(t *testing.T, rows []map[string]any) []int64 {
	t.Helper()
	ids := make([]int64, len(rows))
	for i, row := range rows {
		id, err := row[reportIDKey].(json.Number).Int64()
		if err != nil {
			t.Fatalf("row %d: ReportId %v", i, row[reportIDKey])
		}
		ids[i] = id
	}
	return ids
}

// TestGraphAnswersInGraphsShape asks both endpoints the same query: Graph
// must send the same rows in its own layout, with lower-case schema keys,
// no Stats, and every dynamic value as JSON text, where the legacy
// endpoint sends some nested.
func TestGraphAnswersInGraphsShape(t *testing.T) {
	s := startSimulator(t, Options{})
	client := trustingClient(t, s)
	token := fetchToken(t, client, s)
	tests := []struct {
		table, dynamic string
	}{
		{"DeviceProcessEvents", "AdditionalFields"},
		{"DeviceNetworkEvents", "AdditionalFields"},
		{"AADSignInEventsBeta", "ConditionalAccessPolicies"},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			query := tt.table + " | order by Timestamp asc | take 100"
			legacy := decodeResult(t, hunt(t, client, s, token, queryBody(t, query)))
			resp := huntAt(t, client, s, graphPath, token, graphBody(t, query, ""))
			graph := decodeGraphResult(t, resp)

			if got := resp.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json;") || !strings.Contains(got, "charset=utf-8") {
				t.Errorf("Content-Type %q", got)
			}
			if id := resp.header.Get("request-id"); !guidPattern.MatchString(id) || resp.header.Get("client-request-id") != id {
				t.Errorf("request-id %q, client-request-id %q: want a GUID, twice", id, resp.header.Get("client-request-id"))
			}
			if len(graph.schema) != len(legacy.Schema) {
				t.Fatalf("schema has %d columns, legacy %d", len(graph.schema), len(legacy.Schema))
			}
			for i, entry := range graph.schema {
				if want := map[string]string{"name": legacy.Schema[i].Name, "type": legacy.Schema[i].Type}; !maps.Equal(entry, want) {
					t.Errorf("schema[%d] = %v, want %v", i, entry, want)
				}
			}
			if !slices.Equal(reportIDsOfRows(t, graph.results), reportIDsOfRows(t, legacy.Results)) {
				t.Fatal("Graph and legacy sent other rows")
			}
			nested := 0
			for i, row := range graph.results {
				want := legacy.Results[i]
				if !reflect.DeepEqual(withoutKey(row, tt.dynamic), withoutKey(want, tt.dynamic)) {
					t.Errorf("row %d differs: %v, legacy %v", i, row, want)
				}
				switch legacyValue := want[tt.dynamic].(type) {
				case nil, string:
					if row[tt.dynamic] != legacyValue {
						t.Errorf("row %d: %s %#v, legacy %#v", i, tt.dynamic, row[tt.dynamic], legacyValue)
					}
				default:
					nested++
					text, isText := row[tt.dynamic].(string)
					var value any
					if isText {
						decodeJSON(t, []byte(text), &value)
					}
					if !reflect.DeepEqual(value, legacyValue) {
						t.Errorf("row %d: %s %#v, want legacy's %v as JSON text", i, tt.dynamic, row[tt.dynamic], legacyValue)
					}
				}
			}
			if nested == 0 {
				t.Errorf("legacy sent no nested %s: the test tells nothing", tt.dynamic)
			}
		})
	}
	stats := s.Stats()
	if want := map[int]int{200: len(tests)}; !maps.Equal(stats.GraphCalls, want) || !maps.Equal(stats.HuntingCalls, want) || stats.HuntingTotal() != 2*len(tests) {
		t.Errorf("GraphCalls %v, HuntingCalls %v, HuntingTotal %d", stats.GraphCalls, stats.HuntingCalls, stats.HuntingTotal())
	}
}

func withoutKey(row map[string]any, key string) map[string]any {
	out := maps.Clone(row)
	delete(out, key)
	return out
}

// TestGraphErrorEnvelopes checks that every failure the legacy endpoint
// answers with comes from Graph in Graph's envelope, with the request's ids.
func TestGraphErrorEnvelopes(t *testing.T) {
	const query = "DeviceProcessEvents | take 5"
	tests := []struct {
		name    string
		opts    Options
		before  int    // successful calls made first
		token   string // "valid" for a fresh token
		body    string
		status  int
		code    string
		message string // prefix
		header  map[string]string
	}{
		{name: "no token", body: graphBody(t, query, ""), status: 401, code: "InvalidAuthenticationToken", message: "Authorization header is missing",
			header: map[string]string{"WWW-Authenticate": `Bearer error="invalid_token"`}},
		{name: "unknown token", token: "forged", body: graphBody(t, query, ""), status: 401, code: "InvalidAuthenticationToken", message: "The access token is invalid."},
		{name: "no query", token: "valid", body: `{"Timespan": "P1D"}`, status: 400, code: "BadRequest", message: "Missing query."},
		{name: "syntax error", token: "valid", body: graphBody(t, "DeviceProcessEvents | summarize count()", ""), status: 400, code: "BadRequest", message: "Query could not be parsed at 'summarize'"},
		{name: "malformed Timespan", token: "valid", body: graphBody(t, query, "yesterday/today"), status: 400, code: "BadRequest", message: "Invalid Timespan 'yesterday/today': "},
		{name: "Timespan not a string", token: "valid", body: `{"Query": "DeviceProcessEvents", "Timespan": 30}`, status: 400, code: "BadRequest", message: "Invalid Timespan '30': not a string."},
		{name: "quota", opts: Options{CallsPerMinute: 1, RetryAfter: true}, before: 1, token: "valid", body: graphBody(t, query, ""),
			status: 429, code: "TooManyRequests", message: "API calls quota exceeded! maximum allowed 1 per 00:01:00", header: map[string]string{"Retry-After": "60"}},
		{name: "Status500", opts: Options{Faults: Faults{Status500: 1}}, token: "valid", body: graphBody(t, query, ""), status: 500, code: "UnknownError"},
		{name: "Preempted", opts: Options{Faults: Faults{Preempted: 1}}, token: "valid", body: graphBody(t, query, ""), status: 400, code: "BadRequest", message: preemptedMessage},
		{name: "CPUQuota", opts: Options{Faults: Faults{CPUQuota: 1}}, token: "valid", body: graphBody(t, query, ""), status: 429, code: "TooManyRequests", message: "Tenant exceeded the allocated CPU resources"},
		{name: "Status503 from the gateway", opts: Options{Faults: Faults{Status503: 1}}, token: "valid", body: graphBody(t, query, ""), status: 503, code: "ServiceUnavailable", message: "503 Service Temporarily Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Now = newFakeClock(testNow).Now
			s := startSimulator(t, opts)
			client := trustingClient(t, s)
			token := tt.token
			if token == "valid" {
				token = fetchToken(t, client, s)
			}
			for range tt.before {
				if resp := huntAt(t, client, s, graphPath, token, graphBody(t, query, "")); resp.status != http.StatusOK {
					t.Fatalf("call before: %d %s", resp.status, resp.body)
				}
			}
			req, err := http.NewRequest(http.MethodPost, s.URL()+graphPath, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("client-request-id", "7b5e2d1c-0a9f-4e8d-b6c5-a4f3e2d1c0b9")
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			resp := do(t, client, req)

			var envelope struct {
				Error map[string]json.RawMessage `json:"error"`
			}
			decodeJSON(t, resp.body, &envelope)
			if keys := keysOf(t, resp.body); !slices.Equal(keys, []string{"error"}) {
				t.Errorf("top-level keys %v", keys)
			}
			if keys := slices.Sorted(maps.Keys(envelope.Error)); !slices.Equal(keys, []string{"code", "innerError", "message"}) {
				t.Errorf("error keys %v", keys)
			}
			if keys := keysOf(t, envelope.Error["innerError"]); !slices.Equal(keys, []string{"client-request-id", "date", "request-id"}) {
				t.Errorf("innerError keys %v", keys)
			}
			var body graphErrorBody
			decodeJSON(t, resp.body, &body)
			if resp.status != tt.status || body.Error.Code != tt.code || !strings.HasPrefix(body.Error.Message, tt.message) || (tt.message == "") != (body.Error.Message == "") {
				t.Errorf("got %d %s; want %d %s %q...", resp.status, resp.body, tt.status, tt.code, tt.message)
			}
			inner := body.Error.InnerError
			if inner.Date != "2026-11-26T10:00:00" || !guidPattern.MatchString(inner.RequestID) || inner.ClientRequestID != req.Header.Get("client-request-id") {
				t.Errorf("innerError %+v", inner)
			}
			if resp.header.Get("request-id") != inner.RequestID || resp.header.Get("client-request-id") != inner.ClientRequestID {
				t.Errorf("headers request-id %q, client-request-id %q; want innerError's", resp.header.Get("request-id"), resp.header.Get("client-request-id"))
			}
			if got := resp.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			for name, want := range tt.header {
				if got := resp.header.Get(name); got != want {
					t.Errorf("%s %q, want %q", name, got, want)
				}
			}
			want := map[int]int{tt.status: 1}
			if tt.before > 0 {
				want[http.StatusOK] = tt.before
			}
			if stats := s.Stats(); !maps.Equal(stats.GraphCalls, want) || len(stats.HuntingCalls) != 0 {
				t.Errorf("GraphCalls %v, HuntingCalls %v; want %v and none", stats.GraphCalls, stats.HuntingCalls, want)
			}
		})
	}
}

// TestGraphBodiesBreakLikeLegacyOnes checks that the faults that break a
// 200 or drop the connection hit Graph's answers too.
func TestGraphBodiesBreakLikeLegacyOnes(t *testing.T) {
	tests := []struct {
		name  string // the fault's
		fault Faults
		check func(t *testing.T, a attempt)
	}{
		{"CutOffBody", Faults{CutOffBody: 1}, func(t *testing.T, a attempt) {
			if a.status != http.StatusOK || a.err == nil || !strings.HasPrefix(string(a.body), `{"@odata.context":`) || strings.Count(string(a.body), `"ReportId":`) != 5 {
				t.Errorf("status %d, error %v, body %s; want half of Graph's rows, then a read error", a.status, a.err, a.body)
			}
		}},
		{"ResetConnection", Faults{ResetConnection: 1}, func(t *testing.T, a attempt) {
			if a.err == nil {
				t.Errorf("got a response: %d %s", a.status, a.body)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSimulator(t, Options{Faults: tt.fault})
			tt.check(t, tryHuntAt(t, trustingClient(t, s), s, graphPath, "DeviceProcessEvents | take 10"))
			if stats := s.Stats(); stats.Faults[tt.name] != 1 || len(s.ServedPages()) != 0 {
				t.Errorf("faults %v, served %v", stats.Faults, s.ServedPages())
			}
		})
	}
}

// TestGraphTimespan checks each documented form of Timespan: it restricts
// the table's Timestamps to the interval, both ends included, before the
// query sees the rows.
func TestGraphTimespan(t *testing.T) {
	clock := newFakeClock(testNow)
	s := startSimulator(t, Options{Now: clock.Now, Tables: []TableSpec{
		{Name: "DeviceNetworkEvents", Start: testNow.Add(-10 * time.Minute), Every: time.Second, PerTimestamp: 2},
	}})
	client := trustingClient(t, s)
	token := fetchToken(t, client, s)
	at := func(minutes, seconds int) time.Time {
		return testNow.Add(time.Duration(minutes)*time.Minute + time.Duration(seconds)*time.Second)
	}
	iso := func(t time.Time) string { return t.Format(time.RFC3339Nano) }
	everything := [2]time.Time{testNow.Add(-time.Hour), testNow}
	tests := []struct {
		name, query string
		body        string       // the request's JSON, for the cases that JSON cannot spell with graphBody
		timespan    string       // else the Timespan
		want        [2]time.Time // the events from < Timestamp <= to
		take        int          // the query's take, when it has one
	}{
		{name: "none", query: "DeviceNetworkEvents", want: everything},
		{name: "null", body: `{"Query": "DeviceNetworkEvents | project ReportId", "Timespan": null}`, want: everything},
		{name: "empty", body: `{"Query": "DeviceNetworkEvents | project ReportId", "Timespan": ""}`, want: everything},
		{name: "start/end, both ends on events", query: "DeviceNetworkEvents", timespan: iso(at(-5, 0)) + "/" + iso(at(-4, 0)), want: [2]time.Time{at(-5, 0).Add(-tick), at(-4, 0)}},
		{name: "start/end, one tick past events", query: "DeviceNetworkEvents", timespan: iso(at(-5, 0).Add(tick)) + "/" + iso(at(-4, 0).Add(-tick)), want: [2]time.Time{at(-5, 0), at(-4, 0).Add(-tick)}},
		{name: "duration/end", query: "DeviceNetworkEvents", timespan: "PT2M30S/" + iso(at(-3, 0)), want: [2]time.Time{at(-5, -30).Add(-tick), at(-3, 0)}},
		{name: "start/duration", query: "DeviceNetworkEvents", timespan: iso(at(-8, 0)) + "/PT1M", want: [2]time.Time{at(-8, 0).Add(-tick), at(-7, 0)}},
		{name: "duration", query: "DeviceNetworkEvents", timespan: "PT3M", want: [2]time.Time{at(-3, 0).Add(-tick), testNow}},
		{name: "start", query: "DeviceNetworkEvents", timespan: iso(at(-2, -1)), want: [2]time.Time{at(-2, -1).Add(-tick), testNow}},
		{name: "with the query's own window", query: "DeviceNetworkEvents | where Timestamp > " + dt(at(-6, 0)) + " and Timestamp <= " + dt(at(-1, 0)),
			timespan: "P1D/" + iso(at(-4, 0)), want: [2]time.Time{at(-6, 0), at(-4, 0)}},
		{name: "before the query's take", query: "DeviceNetworkEvents | take 7", timespan: iso(at(-5, 0)) + "/P1D", want: [2]time.Time{at(-5, 0).Add(-tick), testNow}, take: 7},
		{name: "before the data", query: "DeviceNetworkEvents", timespan: "2026-10-01T00:00:00Z/P1D", want: [2]time.Time{testNow, testNow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == "" {
				body = graphBody(t, tt.query+" | project ReportId", tt.timespan)
			}
			got := reportIDsOfRows(t, decodeGraphResult(t, huntAt(t, client, s, graphPath, token, body)).results)
			want := groundTruthIDs(s.GroundTruth("DeviceNetworkEvents", tt.want[0], tt.want[1]))
			if tt.take > 0 {
				want = want[:tt.take]
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %d events, want %d: %v, want %v", len(got), len(want), got[:min(len(got), 4)], want[:min(len(want), 4)])
			}
		})
	}
}

// TestLegacyAndGraphAgreeOnAWindow polls one window as the receiver does,
// its bounds with seven fractional digits, at both endpoints: with or
// without a Timespan, however tight, both serve the window's events.
func TestLegacyAndGraphAgreeOnAWindow(t *testing.T) {
	clock := newFakeClock(testNow)
	s := startSimulator(t, Options{Now: clock.Now, Tables: DefaultTables(testNow.Add(-30 * time.Minute))})
	client := trustingClient(t, s)
	token := fetchToken(t, client, s)
	from, to := testNow.Add(-20*time.Minute+1234567*tick), testNow.Add(-12*time.Minute+7654321*tick)
	padded := func(pad time.Duration) string {
		return from.Add(-pad).Truncate(time.Second).Format(time.RFC3339) + "/" + to.Add(pad).Truncate(time.Second).Format(time.RFC3339)
	}
	tests := []struct {
		name, timespan string
	}{
		{"no Timespan", ""},
		{"the window padded by a minute, as the receiver pads it", padded(time.Minute)},
		{"exactly the window", from.Format(time.RFC3339Nano) + "/" + to.Format(time.RFC3339Nano)},
	}
	for _, table := range []string{"DeviceProcessEvents", "AADSignInEventsBeta"} {
		query := table + "\n| where Timestamp > " + dt(from) + " and Timestamp <= " + dt(to) + "\n| sort by Timestamp asc\n| take 100000\n| project ReportId"
		want := groundTruthIDs(s.GroundTruth(table, from, to))
		legacy := reportIDsOfRows(t, decodeResult(t, hunt(t, client, s, token, queryBody(t, query))).Results)
		if len(want) == 0 || !slices.Equal(legacy, want) {
			t.Fatalf("%s: legacy served %d events, the window holds %d", table, len(legacy), len(want))
		}
		for _, tt := range tests {
			t.Run(table+" "+tt.name, func(t *testing.T) {
				graph := reportIDsOfRows(t, decodeGraphResult(t, huntAt(t, client, s, graphPath, token, graphBody(t, query, tt.timespan))).results)
				if !slices.Equal(graph, legacy) {
					t.Errorf("Graph served %d events, legacy %d", len(graph), len(legacy))
				}
			})
		}
	}
}

// TestGraphClientRequestIDIsEchoed checks the ids of a successful call: the
// client's client-request-id comes back, next to a request-id of Graph's.
func TestGraphClientRequestIDIsEchoed(t *testing.T) {
	s := startSimulator(t, Options{})
	client := trustingClient(t, s)
	req, err := http.NewRequest(http.MethodPost, s.URL()+graphPath, strings.NewReader(graphBody(t, "AADSignInEventsBeta | take 1", "")))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+fetchToken(t, client, s))
	req.Header.Set("client-request-id", "my-id")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("client-request-id") != "my-id" || !guidPattern.MatchString(resp.Header.Get("request-id")) {
		t.Errorf("status %d, client-request-id %q, request-id %q", resp.StatusCode, resp.Header.Get("client-request-id"), resp.Header.Get("request-id"))
	}
}
