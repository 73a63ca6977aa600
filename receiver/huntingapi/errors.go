package huntingapi

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxErrorBody bounds how much of an error response is read: enough for any error envelope.
const maxErrorBody = 64 << 10

// Error is a refusal by the service: its HTTP status and, when the body carried one, the service's
// own error code and message.
type Error struct {
	StatusCode int
	Code       string
	Message    string
	// RetryAfter is the wait the service asked for (Retry-After header), zero when it named none.
	RetryAfter time.Duration
	// RequestID identifies the call to Microsoft support (Graph's innerError or response header).
	RequestID string
}

func (e *Error) Error() string {
	text := fmt.Sprintf("hunting API answered %d: %s: %s", e.StatusCode, e.Code, e.Message)
	if e.Code == "" && e.Message == "" {
		text = fmt.Sprintf("hunting API answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	if e.RequestID != "" {
		text += " (request-id " + e.RequestID + ")"
	}
	return text
}

// readError builds an *Error from a non-200 response: the legacy API's {"error":{code,message,
// target}} and Graph's {"error":{code,message,innerError:{request-id,...}}} alike. Bodies that are
// not such an envelope (a proxy's HTML page, say) are quoted, shortened, as the message.
func readError(resp *http.Response) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After")),
		RequestID:  resp.Header.Get("request-id"),
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var envelope struct {
		Error struct {
			Code       string `json:"code"`
			Message    string `json:"message"`
			InnerError struct {
				RequestID string `json:"request-id"`
			} `json:"innerError"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &envelope) == nil && (envelope.Error.Code != "" || envelope.Error.Message != "") {
		e.Code, e.Message = envelope.Error.Code, envelope.Error.Message
		if id := envelope.Error.InnerError.RequestID; id != "" {
			e.RequestID = id
		}
		return e
	}
	e.Message = shorten(strings.TrimSpace(string(raw)), 300)
	return e
}

// parseRetryAfter reads a Retry-After header in either of its forms: seconds or an HTTP date.
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs > 0 {
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := time.Until(at); d > 0 {
			return d
		}
	}
	return 0
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
