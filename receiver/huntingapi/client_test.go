package huntingapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// collector is a ResultHandler that keeps copies of what it was given.
type collector struct {
	schema []Column
	rows   []string // each row's JSON text
	rowErr error
}

func (c *collector) Schema(columns []Column) error { c.schema = columns; return nil }

func (c *collector) Row(data []byte) (int, error) {
	if c.rowErr != nil {
		return 0, c.rowErr
	}
	n, err := readRow(data)
	if err == nil {
		c.rows = append(c.rows, strings.TrimLeft(string(data[:n]), " \t\r\n"))
	}
	return n, err
}

// readRow finds the end of the row at the start of data, as a ResultHandler must.
func readRow(data []byte) (int, error) {
	n, err := jsonscan.ValueLen(data)
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return 0, ErrIncompleteRow
	}
	return n, err
}

func serve(t *testing.T, handler http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return NewClient(srv.Client(), srv.URL+"/", AdvancedHunting)
}

func respond(status int, header http.Header, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func TestRunSendsTheDocumentedRequest(t *testing.T) {
	const query = "DeviceProcessEvents\r\n| where FileName == \"Jürgen.exe\"\r| take 1"
	const normalized = "DeviceProcessEvents\n| where FileName == \"Jürgen.exe\"\n| take 1"
	tests := []struct {
		name     string
		api      API
		wantPath string
		wantBody map[string]any
	}{
		{
			name:     "advanced hunting: Query only, line endings normalised",
			api:      AdvancedHunting,
			wantPath: "/api/advancedhunting/run",
			wantBody: map[string]any{"Query": normalized},
		},
		{
			name:     "Graph: Query and Timespan",
			api:      Graph,
			wantPath: "/v1.0/security/runHuntingQuery",
			wantBody: map[string]any{"Query": normalized, "Timespan": "2026-11-26T10:00:00Z/2026-11-26T11:00:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got struct {
				method, path, contentType string
				body                      map[string]any
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got.method, got.path, got.contentType = r.Method, r.URL.Path, r.Header.Get("Content-Type")
				assert.NoError(t, json.NewDecoder(r.Body).Decode(&got.body))
				_, _ = io.WriteString(w, `{"Schema":[],"Results":[]}`)
			}))
			defer srv.Close()
			client := NewClient(srv.Client(), srv.URL, tt.api)
			_, err := client.Run(t.Context(), Request{Query: query, Timespan: "2026-11-26T10:00:00Z/2026-11-26T11:00:00Z"}, &collector{})
			require.NoError(t, err)
			assert.Equal(t, http.MethodPost, got.method)
			assert.Equal(t, tt.wantPath, got.path)
			assert.Equal(t, "application/json; charset=utf-8", got.contentType)
			assert.Equal(t, tt.wantBody, got.body)
		})
	}
}

func TestRunDecodesResponses(t *testing.T) {
	schema := []Column{{Name: "Timestamp", Type: "DateTime"}, {Name: "ProcessId", Type: "Int64"}}
	wantRows := []string{
		`{"Timestamp":"2020-08-30T06:38:35.7664356Z","ProcessId":9223372036854775807}`,
		`{"Timestamp":"2020-08-30T06:38:30.5163363Z","ProcessId":null}`,
	}
	const rows = `[{"Timestamp":"2020-08-30T06:38:35.7664356Z","ProcessId":9223372036854775807},` +
		`{"Timestamp":"2020-08-30T06:38:30.5163363Z","ProcessId":null}]`
	const schemaJSON = `[{"Name":"Timestamp","Type":"DateTime"},{"Name":"ProcessId","Type":"Int64"}]`
	tests := []struct {
		name          string
		body          string
		wantExecution float64
	}{
		{
			name:          "documented shape",
			body:          `{"Stats":{"ExecutionTime":4.62,"resource_usage":{"cpu":{"total cpu":"00:00:19.0625000"}}},"Schema":` + schemaJSON + `,"Results":` + rows + `}`,
			wantExecution: 4.62,
		},
		{
			name: "lower-case keys and lower-case schema fields, as Graph sends them",
			body: `{"@odata.context":"x","schema":[{"name":"Timestamp","type":"DateTime"},{"name":"ProcessId","type":"Int64"}],"results":` + rows + `}`,
		},
		{
			name: "rows before the schema are held until it arrives",
			body: `{"Results":` + rows + `,"Schema":` + schemaJSON + `}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := &collector{}
			stats, err := serve(t, respond(http.StatusOK, nil, tt.body)).Run(t.Context(), Request{Query: "T"}, got)
			require.NoError(t, err)
			assert.Equal(t, schema, got.schema)
			assert.Equal(t, wantRows, got.rows)
			assert.InDelta(t, tt.wantExecution, stats.ExecutionTime, 1e-9)
		})
	}
}

// TestRunReportsTheServiceClock: the answer's Date and when its headers arrived come back in Stats,
// for the poller to end windows by the service's clock.
func TestRunReportsTheServiceClock(t *testing.T) {
	date := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	body := `{"Schema":[],"Results":[]}`
	before := time.Now()
	stats, err := serve(t, respond(http.StatusOK, http.Header{"Date": {date.Format(http.TimeFormat)}}, body)).Run(t.Context(), Request{Query: "T"}, &collector{})
	require.NoError(t, err)
	assert.True(t, date.Equal(stats.ServiceTime), "service time %s", stats.ServiceTime)
	assert.False(t, stats.ReceivedAt.Before(before))

	stats, err = serve(t, respond(http.StatusOK, http.Header{"Date": {"not a date"}}, body)).Run(t.Context(), Request{Query: "T"}, &collector{})
	require.NoError(t, err)
	assert.True(t, stats.ServiceTime.IsZero(), "no service time from a Date that is not one")
}

func TestRunRefusesIncompleteResponses(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{"cut off mid-row", `{"Schema":[{"Name":"A","Type":"String"}],"Results":[{"A":"x"},{"A":"y`},
		{"cut off after the rows", `{"Schema":[{"Name":"A","Type":"String"}],"Results":[{"A":"x"}]`},
		{"not JSON", `<html>gateway</html>`},
		{"no schema", `{"Results":[]}`},
		{"results not a list", `{"Schema":[],"Results":{}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := serve(t, respond(http.StatusOK, nil, tt.body)).Run(t.Context(), Request{Query: "T"}, &collector{})
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrUnreadableResponse)
		})
	}
}

// The bounds the decoder works to in production: a row over MaxRowBytes (16 MiB) fails the response
// as unreadable, which the poller retries as it does a body cut off, and names the limit.
func TestRunRefusesARowOverMaxRowBytes(t *testing.T) {
	for _, tt := range []struct {
		name    string
		rowSize int
		wantErr bool
	}{
		{"a row of MaxRowBytes exactly", MaxRowBytes, false},
		{"a row one byte longer", MaxRowBytes + 1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"Schema":[{"Name":"A","Type":"String"}],"Results":[{"A":"x"},` + sizedRow(1, tt.rowSize) + `]}`
			got := &collector{}
			_, err := serve(t, respond(http.StatusOK, nil, body)).Run(t.Context(), Request{Query: "T"}, got)
			if !tt.wantErr {
				require.NoError(t, err)
				assert.Len(t, got.rows, 2)
				return
			}
			assert.ErrorIs(t, err, ErrUnreadableResponse)
			assert.ErrorIs(t, err, ErrRowTooLarge)
			assert.ErrorContains(t, err, "a row exceeds 16777216 bytes (16 MiB), the limit for one row")
			assert.Len(t, got.rows, 1)
		})
	}
}

func TestRunStopsWhenTheHandlerFails(t *testing.T) {
	refused := errors.New("refused")
	body := `{"Schema":[{"Name":"A","Type":"String"}],"Results":[{"A":"x"}]}`
	_, err := serve(t, respond(http.StatusOK, nil, body)).Run(t.Context(), Request{Query: "T"}, &collector{rowErr: refused})
	assert.ErrorIs(t, err, refused)
	assert.NotErrorIs(t, err, ErrUnreadableResponse, "the handler's refusal is not the response's fault")
}

func TestRunSurfacesServiceErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   Error
	}{
		{
			name:   "semantic error keeps the service's code and message",
			status: http.StatusBadRequest,
			body:   `{"error":{"code":"BadRequest","message":"'where' operator: Failed to resolve scalar expression named 'Foo'","target":"abc"}}`,
			want:   Error{StatusCode: 400, Code: "BadRequest", Message: "'where' operator: Failed to resolve scalar expression named 'Foo'"},
		},
		{
			name:   "throttling with Retry-After in seconds",
			status: http.StatusTooManyRequests,
			header: http.Header{"Retry-After": {"17"}},
			body:   `{"error":{"code":"TooManyRequests","message":"API calls quota exceeded! maximum allowed 45 per 00:01:00"}}`,
			want:   Error{StatusCode: 429, Code: "TooManyRequests", Message: "API calls quota exceeded! maximum allowed 45 per 00:01:00", RetryAfter: 17 * time.Second},
		},
		{
			name:   "Graph's envelope, with the request id from innerError",
			status: http.StatusInternalServerError,
			body:   `{"error":{"code":"UnknownError","message":"","innerError":{"date":"2026-11-26T10:00:00","request-id":"4e3c-req","client-request-id":"4e3c-client"}}}`,
			want:   Error{StatusCode: 500, Code: "UnknownError", RequestID: "4e3c-req"},
		},
		{
			name:   "a body that is not the envelope is quoted",
			status: http.StatusBadGateway,
			body:   "<html>Bad Gateway</html>\n",
			want:   Error{StatusCode: 502, Message: "<html>Bad Gateway</html>"},
		},
		{
			name:   "empty body",
			status: http.StatusInternalServerError,
			want:   Error{StatusCode: 500},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := serve(t, respond(tt.status, tt.header, tt.body)).Run(t.Context(), Request{Query: "T"}, &collector{})
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tt.want, *apiErr)
		})
	}
}

func TestErrorMessage(t *testing.T) {
	assert.Equal(t, "hunting API answered 400: BadRequest: Missing query.",
		(&Error{StatusCode: 400, Code: "BadRequest", Message: "Missing query."}).Error())
	assert.Equal(t, "hunting API answered 503 Service Unavailable", (&Error{StatusCode: 503}).Error())
	assert.Equal(t, "hunting API answered 500: UnknownError:  (request-id 4e3c)", (&Error{StatusCode: 500, Code: "UnknownError", RequestID: "4e3c"}).Error())
}
