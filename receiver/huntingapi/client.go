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
)

// RunPath is the advanced hunting API's query endpoint, relative to the API host.
const RunPath = "/api/advancedhunting/run"

// ResultHandler receives a response as it is decoded: the Schema once, then every row. A row map is
// reused for the next row, so a handler must not keep it.
type ResultHandler interface {
	Schema(columns []Column) error
	Row(row map[string]any) error
}

// ErrUnreadableResponse marks a 200 response whose body could not be read to its end: cut off, not
// JSON, or not the documented shape.
var ErrUnreadableResponse = errors.New("reading the hunting API response")

// Client runs queries against one advanced hunting endpoint. Its HTTP client is expected to add the
// bearer token (see package entraid).
type Client struct {
	http *http.Client
	url  string
}

// NewClient returns a client for the API at endpoint (e.g. https://api.security.microsoft.com).
func NewClient(httpClient *http.Client, endpoint string) *Client {
	return &Client{http: httpClient, url: strings.TrimSuffix(endpoint, "/") + RunPath}
}

// Run sends query and streams the response's rows to h. It returns nil only when the whole response
// was read and every row handed over; any other outcome is an error (an *Error for a refusal by the
// service), and the caller must treat the rows it saw as incomplete.
func (c *Client) Run(ctx context.Context, query string, h ResultHandler) (Stats, error) {
	body, err := json.Marshal(struct {
		Query string `json:"Query"`
	}{normalizeLineEndings(query)})
	if err != nil {
		return Stats{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return Stats{}, err
	}
	// The service is reported to mangle non-ASCII queries without an explicit charset.
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Accept", "application/json")

	resp, err := c.http.Do(req)
	if err != nil {
		return Stats{}, err
	}
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
	return stats, nil
}

// normalizeLineEndings turns CRLF and lone CR into LF: a query with Windows line endings is
// reported to be refused with InvalidRequestBody "Missing query.".
func normalizeLineEndings(query string) string {
	if !strings.Contains(query, "\r") {
		return query
	}
	return strings.ReplaceAll(strings.ReplaceAll(query, "\r\n", "\n"), "\r", "\n")
}
