// Package huntingapi calls the Defender XDR advanced hunting API and decodes its responses as a
// stream of rows.
package huntingapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// API selects the service a Client calls; both speak KQL and answer with a schema and rows.
type API int

const (
	// AdvancedHunting is the Defender XDR advanced hunting API (being retired).
	AdvancedHunting API = iota
	// Graph is the Microsoft Graph security API's runHuntingQuery, which replaces it.
	Graph
)

// Paths of the two APIs' query endpoints, relative to their hosts.
const (
	AdvancedHuntingPath = "/api/advancedhunting/run"
	GraphPath           = "/v1.0/security/runHuntingQuery"
)

// Request is one query to run.
type Request struct {
	Query string
	// Timespan, when set, is sent as the Graph API's Timespan (ISO 8601 "start/end"): a hint that
	// lets the service prune, never relied on for which rows come back. The legacy API has no such
	// parameter.
	Timespan string
}

// ResultHandler receives a response as it is decoded: the Schema once, then every row.
type ResultHandler interface {
	Schema(columns []Column) error
	// Row reads the row object at the start of data and returns how many bytes it took. data is
	// the decoder's buffer, valid only during the call, and goes on past the row; it may also end
	// inside the row, and Row then returns ErrIncompleteRow, having changed nothing, to be called
	// again with more. Reading the row here, rather than after the decoder found its end, is what
	// lets each byte of a response be read once.
	Row(data []byte) (int, error)
}

// ErrIncompleteRow is what ResultHandler.Row returns when its data ends inside the row.
var ErrIncompleteRow = errors.New("the data ends inside the row")

// ErrUnreadableResponse marks a 200 response whose body could not be read to its end: cut off, not
// JSON, or not the documented shape.
var ErrUnreadableResponse = errors.New("reading the hunting API response")

// Client runs queries against one hunting endpoint. Its HTTP client is expected to add the bearer
// token (see package entraid).
type Client struct {
	http *http.Client
	api  API
	url  string
}

// NewClient returns a client for api at endpoint (e.g. https://api.security.microsoft.com or
// https://graph.microsoft.com).
func NewClient(httpClient *http.Client, endpoint string, api API) *Client {
	path := AdvancedHuntingPath
	if api == Graph {
		path = GraphPath
	}
	return &Client{http: httpClient, api: api, url: strings.TrimSuffix(endpoint, "/") + path}
}

// Run sends query and streams the response's rows to h. It returns nil only when the whole response
// was read and every row handed over; any other outcome is an error (an *Error for a refusal by the
// service), and the caller must treat the rows it saw as incomplete.
func (c *Client) Run(ctx context.Context, req Request, h ResultHandler) (Stats, error) {
	body, err := c.requestBody(req)
	if err != nil {
		return Stats{}, err
	}
	httpReq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Stats{}, err
	}
	// The service is reported to mangle non-ASCII queries without an explicit charset.
	httpReq.Header.Set("Content-Type", "application/json; charset=utf-8")
	httpReq.Header.Set("Accept", "application/json")

	resp, err := c.http.Do(httpReq)
	if err != nil {
		return Stats{}, err
	}
	received := time.Now()
	defer func() {
		// Drain a little so the connection can be reused, then close.
		_, _ = io.CopyN(io.Discard, resp.Body, 4096)
		_ = resp.Body.Close()
	}()
	if resp.StatusCode != http.StatusOK {
		return Stats{}, readError(resp)
	}
	stats, err := decodeResponse(resp.Body, h)
	var fromHandler handlerError
	switch {
	case errors.As(err, &fromHandler):
		return Stats{}, fromHandler.err
	case err != nil:
		return Stats{}, fmt.Errorf("%w: %w", ErrUnreadableResponse, err)
	}
	stats.ReceivedAt = received
	stats.ServiceTime, _ = http.ParseTime(resp.Header.Get("Date"))
	return stats, nil
}

// requestBody is {"Query": ...} (parameter names are case-sensitive), with the Timespan for Graph.
func (c *Client) requestBody(req Request) ([]byte, error) {
	body := struct {
		Query    string `json:"Query"`
		Timespan string `json:"Timespan,omitempty"`
	}{Query: normalizeLineEndings(req.Query)}
	if c.api == Graph {
		body.Timespan = req.Timespan
	}
	return json.Marshal(body)
}

// normalizeLineEndings turns CRLF and lone CR into LF: a query with Windows line endings is
// reported to be refused with InvalidRequestBody "Missing query.".
func normalizeLineEndings(query string) string {
	if !strings.Contains(query, "\r") {
		return query
	}
	return strings.ReplaceAll(strings.ReplaceAll(query, "\r\n", "\n"), "\r", "\n")
}
