package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

var guidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func checkHuntingError(t *testing.T, resp response, status int, code, messagePrefix string) {
	t.Helper()
	var body huntingErrorBody
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatalf("status %d, body %s: %v", resp.status, resp.body, err)
	}
	if resp.status != status || body.Error.Code != code || !strings.HasPrefix(body.Error.Message, messagePrefix) || !guidPattern.MatchString(body.Error.Target) {
		t.Errorf("got %d %s; want %d %s %q...", resp.status, resp.body, status, code, messagePrefix)
	}
}

func TestHuntingRefusesBadRequests(t *testing.T) {
	s := startSimulator(t, Options{})
	client := trustingClient(t, s)
	token := fetchToken(t, client, s)
	tests := []struct {
		name    string
		token   string
		body    string
		status  int
		code    string
		message string
	}{
		{"no token", "", queryBody(t, "DeviceProcessEvents | take 1"), 401, "Unauthorized", "Authorization header is missing"},
		{"unknown token", "forged", queryBody(t, "DeviceProcessEvents | take 1"), 401, "Unauthorized", "The access token is invalid."},
		{"empty body", token, `{}`, 400, "InvalidRequestBody", "Missing query."},
		{"not JSON", token, `Query=DeviceProcessEvents`, 400, "InvalidRequestBody", "Missing query."},
		{"key is case-sensitive", token, `{"query": "DeviceProcessEvents | take 1"}`, 400, "InvalidRequestBody", "Missing query."},
		{"blank query", token, `{"Query": "  "}`, 400, "InvalidRequestBody", "Missing query."},
		{"query is not a string", token, `{"Query": 42}`, 400, "InvalidRequestBody", "Missing query."},
		{"Windows line endings", token, queryBody(t, "DeviceProcessEvents\r\n| take 1"), 400, "InvalidRequestBody", "Missing query."},
		{"syntax error", token, queryBody(t, "DeviceProcessEvents | summarize count()"), 400, "BadRequest", "Query could not be parsed at 'summarize' on line [1,23]"},
		{"unknown table", token, queryBody(t, "DeviceEvents"), 400, "BadRequest", "Failed to resolve table or column expression named 'DeviceEvents'"},
		{"unknown column", token, queryBody(t, "DeviceProcessEvents | where Nope == 1"), 400, "BadRequest", "'where' operator: Failed to resolve scalar expression named 'Nope'"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := hunt(t, client, s, tt.token, tt.body)
			checkHuntingError(t, resp, tt.status, tt.code, tt.message)
			if tt.status == 401 && resp.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if resp := hunt(t, client, s, token, queryBody(t, "DeviceProcessEvents\n| take 1")); resp.status != http.StatusOK {
		t.Errorf("a query with \\n line endings: %d %s", resp.status, resp.body)
	}
	if stats := s.Stats(); stats.HuntingCalls[401] != 2 || stats.HuntingCalls[400] != 9 || stats.HuntingCalls[200] != 1 || stats.HuntingTotal() != 12 {
		t.Errorf("HuntingCalls = %v", stats.HuntingCalls)
	}
}

func TestHuntingAnswersLikeTheDocumentedSample(t *testing.T) {
	s := startSimulator(t, Options{})
	client := trustingClient(t, s)
	resp := hunt(t, client, s, fetchToken(t, client, s), queryBody(t,
		`DeviceProcessEvents | where InitiatingProcessFileName =~ "powershell.exe" | project Timestamp, FileName, InitiatingProcessFileName | order by Timestamp desc | limit 2`))
	if got := resp.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", got)
	}
	// Top-level keys and each row's keys come in the documented order.
	body := string(resp.body)
	if !strings.HasPrefix(body, `{"Stats":{"ExecutionTime":`) || !(strings.Index(body, `"Schema":`) < strings.Index(body, `"Results":`)) {
		t.Errorf("keys out of order: %.200s", body)
	}
	if !regexp.MustCompile(`"Results":\[\{"Timestamp":"[^"]+","FileName":"[^"]+","InitiatingProcessFileName":"powershell.exe"\},`).MatchString(body) {
		t.Errorf("rows not in schema order: %s", body[strings.Index(body, `"Results"`):])
	}
	result := decodeResult(t, resp)
	wantSchema := []schemaColumn{{"Timestamp", "DateTime"}, {"FileName", "String"}, {"InitiatingProcessFileName", "String"}}
	if !slices.Equal(result.Schema, wantSchema) {
		t.Errorf("Schema = %v", result.Schema)
	}
	if len(result.Results) != 2 || result.Results[0]["Timestamp"].(string) <= result.Results[1]["Timestamp"].(string) {
		t.Errorf("want 2 rows, newest first: %v", result.Results)
	}
	statistics := result.Stats["dataset_statistics"].([]any)[0].(map[string]any)
	if statistics["table_row_count"] != json.Number("2") {
		t.Errorf("Stats: %v", result.Stats)
	}
	if got := s.Stats().RowsServed; got != 2 {
		t.Errorf("RowsServed = %d", got)
	}
}

func TestTokensExpire(t *testing.T) {
	clock := newFakeClock(testNow)
	s := startSimulator(t, Options{Now: clock.Now, TokenLifetime: 2 * time.Minute})
	client := trustingClient(t, s)
	token := fetchToken(t, client, s)
	query := queryBody(t, "DeviceNetworkEvents | take 1")

	clock.Advance(2*time.Minute - tick)
	if resp := hunt(t, client, s, token, query); resp.status != http.StatusOK {
		t.Fatalf("before expiry: %d %s", resp.status, resp.body)
	}
	clock.Advance(tick)
	checkHuntingError(t, hunt(t, client, s, token, query), 401, "Unauthorized", "The access token has expired.")
	if resp := hunt(t, client, s, fetchToken(t, client, s), query); resp.status != http.StatusOK {
		t.Errorf("new token: %d %s", resp.status, resp.body)
	}
}

func TestQuotaThrottlesPerSlidingMinute(t *testing.T) {
	for _, retryAfter := range []bool{true, false} {
		t.Run("RetryAfter="+strconv.FormatBool(retryAfter), func(t *testing.T) {
			clock := newFakeClock(testNow)
			s := startSimulator(t, Options{Now: clock.Now, CallsPerMinute: 3, RetryAfter: retryAfter})
			client := trustingClient(t, s)
			token := fetchToken(t, client, s)
			query := queryBody(t, "AADSignInEventsBeta | take 1")
			call := func() response { return hunt(t, client, s, token, query) }

			for _, wait := range []time.Duration{0, 20 * time.Second, 20 * time.Second} {
				clock.Advance(wait)
				if resp := call(); resp.status != http.StatusOK {
					t.Fatalf("call within quota: %d %s", resp.status, resp.body)
				}
			}
			throttled := []struct {
				advance    time.Duration
				retryAfter string
			}{{10 * time.Second, "10"}, {9500 * time.Millisecond, "1"}}
			for _, tt := range throttled {
				clock.Advance(tt.advance)
				resp := call()
				checkHuntingError(t, resp, http.StatusTooManyRequests, "TooManyRequests", "API calls quota exceeded! maximum allowed 3 per 00:01:00")
				want := tt.retryAfter
				if !retryAfter {
					want = ""
				}
				if got := resp.header.Get("Retry-After"); got != want {
					t.Errorf("Retry-After = %q, want %q", got, want)
				}
			}
			clock.Advance(500 * time.Millisecond) // the first call is a minute old
			if resp := call(); resp.status != http.StatusOK {
				t.Errorf("after the window slid: %d %s", resp.status, resp.body)
			}
			if got := s.Stats().HuntingCalls; got[200] != 4 || got[429] != 2 {
				t.Errorf("HuntingCalls = %v", got)
			}
		})
	}
}

func TestResponsesAreCutAtTheRowCap(t *testing.T) {
	s := startSimulator(t, Options{RowCap: 50})
	client := trustingClient(t, s)
	token := fetchToken(t, client, s)
	tests := []struct {
		query string
		rows  int
	}{
		{"DeviceProcessEvents", 50},
		{"DeviceProcessEvents | take 10", 10},
		{"DeviceProcessEvents | order by FileName asc", 50},
	}
	for _, tt := range tests {
		result := decodeResult(t, hunt(t, client, s, token, queryBody(t, tt.query)))
		if len(result.Results) != tt.rows {
			t.Errorf("%s: got %d rows, want %d", tt.query, len(result.Results), tt.rows)
		}
	}
	if got := s.Stats().RowsServed; got != 110 {
		t.Errorf("RowsServed = %d, want 110", got)
	}
}

// TestWindowQueriesReturnExactlyTheGroundTruth polls as the receiver does:
// consecutive windows appended to the user's query, with bounds that have
// seven fractional digits, while new events keep arriving.
func TestWindowQueriesReturnExactlyTheGroundTruth(t *testing.T) {
	clock := newFakeClock(testNow)
	start := testNow.Add(-10 * time.Minute)
	s := startSimulator(t, Options{Now: clock.Now, Tables: DefaultTables(start)})
	client := trustingClient(t, s)

	for _, table := range []string{"DeviceProcessEvents", "DeviceNetworkEvents", "AADSignInEventsBeta"} {
		t.Run(table, func(t *testing.T) {
			token := fetchToken(t, client, s)
			from := clock.Now().Add(-11 * time.Minute)
			for _, step := range []time.Duration{3*time.Minute + 1234567*tick, 2 * time.Minute, 0, 11*time.Minute + 100} {
				to := from.Add(step)
				query := table + " // the user's query\n| where Timestamp > " + dt(from) + " and Timestamp <= " + dt(to)
				result := decodeResult(t, hunt(t, client, s, token, queryBody(t, query)))
				var got []int64
				for _, row := range result.Results {
					id, _ := row[reportIDKey].(json.Number).Int64()
					got = append(got, id)
				}
				var want []int64
				for _, e := range s.GroundTruth(table, from, to) {
					want = append(want, e.ReportID)
				}
				if !slices.Equal(got, want) {
					t.Errorf("window (%s, %s]: got %d rows, ground truth %d", formatDatetime(from), formatDatetime(to), len(got), len(want))
				}
				from = to
				clock.Advance(step)
			}
		})
	}
}

func TestHuntingStreamsLargeResults(t *testing.T) {
	s := startSimulator(t, Options{Tables: []TableSpec{{Name: "DeviceProcessEvents", Start: time.Now().Add(-time.Hour), Every: 1234567 * tick, PerTimestamp: 3}}})
	client := trustingClient(t, s)
	resp := hunt(t, client, s, fetchToken(t, client, s), queryBody(t, "DeviceProcessEvents | take 5000"))
	if resp.status != http.StatusOK || !json.Valid(resp.body) {
		t.Fatalf("status %d, %d bytes of valid JSON: %v", resp.status, len(resp.body), json.Valid(resp.body))
	}
	if rows := bytes.Count(resp.body, []byte(`"ReportId":`)); rows != 5000 {
		t.Errorf("got %d rows", rows)
	}
}
