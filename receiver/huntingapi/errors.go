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
}

func (e *Error) Error() string {
	if e.Code == "" && e.Message == "" {
		return fmt.Sprintf("hunting API answered %d %s", e.StatusCode, http.StatusText(e.StatusCode))
	}
	return fmt.Sprintf("hunting API answered %d: %s: %s", e.StatusCode, e.Code, e.Message)
}

// readError builds an *Error from a non-200 response. Bodies that are not the service's JSON error
// envelope (a proxy's HTML page, say) are quoted, shortened, as the message.
func readError(resp *http.Response) *Error {
	e := &Error{StatusCode: resp.StatusCode, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"))}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var envelope struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(raw, &envelope) == nil && (envelope.Error.Code != "" || envelope.Error.Message != "") {
		e.Code, e.Message = envelope.Error.Code, envelope.Error.Message
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
