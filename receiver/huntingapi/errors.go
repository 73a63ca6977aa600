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

// MaxRetryAfter is the longest pause a Retry-After header is honoured for; a longer one is cut to
// it. Fifteen minutes is the service's CPU quota cycle, the longest block it documents with a known
// end: nothing it documents needs a longer wait in one go. A longer quota (1,500 calls an hour) at
// worst costs one more refused call every 15 minutes, each answered with the wait that remains,
// while a wrong header (a proxy's, a bug's, a century's worth of seconds) cannot silence the tenant
// for longer.
const MaxRetryAfter = 15 * time.Minute

// Error is a refusal by the service: its HTTP status and, when the body carried one, the service's
// own error code and message.
type Error struct {
	StatusCode int
	Code       string
	Message    string
	// RetryAfter is the wait the service asked for (Retry-After header), at most MaxRetryAfter;
	// zero when it named none.
	RetryAfter time.Duration
	// RetryAfterHeader is the Retry-After header as sent when it asked for longer than
	// MaxRetryAfter, which RetryAfter was then cut to; empty otherwise.
	RetryAfterHeader string
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

// RetryAfterRequested is the wait the service asked for, for the logs: RetryAfter, or, when that
// was cut to MaxRetryAfter, what the header asked for (seconds with an "s", or the date as sent).
func (e *Error) RetryAfterRequested() string {
	switch {
	case e.RetryAfterHeader == "":
		return e.RetryAfter.String()
	case isDelaySeconds(e.RetryAfterHeader):
		return e.RetryAfterHeader + "s"
	default:
		return e.RetryAfterHeader
	}
}

// readError builds an *Error from a non-200 response: the legacy API's {"error":{code,message,
// target}} and Graph's {"error":{code,message,innerError:{request-id,...}}} alike. Bodies that are
// not such an envelope (a proxy's HTML page, say) are quoted, shortened, as the message.
func readError(resp *http.Response) *Error {
	e := &Error{
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("request-id"),
	}
	retryAfter := strings.TrimSpace(resp.Header.Get("Retry-After"))
	var cut bool
	if e.RetryAfter, cut = parseRetryAfter(retryAfter); cut {
		e.RetryAfterHeader = retryAfter
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

// parseRetryAfter reads a Retry-After header in either of its forms, seconds (digits only) or an
// HTTP date, as a wait of at most MaxRetryAfter; cut tells that the header asked for longer. Seconds
// are compared before they become a time.Duration, so that no number of them, however many digits,
// wraps around to a short or negative wait. Anything else, and a wait of zero or in the past, is no
// wait (the caller then backs off on its own).
func parseRetryAfter(v string) (d time.Duration, cut bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if isDelaySeconds(v) {
		secs, err := strconv.ParseUint(v, 10, 64) // digits only: it fails only beyond uint64
		if err != nil || secs > uint64(MaxRetryAfter/time.Second) {
			return MaxRetryAfter, true
		}
		return time.Duration(secs) * time.Second, false
	}
	if at, err := http.ParseTime(v); err == nil {
		// time.Until saturates rather than overflows for a date centuries ahead.
		switch d := time.Until(at); {
		case d > MaxRetryAfter:
			return MaxRetryAfter, true
		case d > 0:
			return d, false
		}
	}
	return 0, false
}

// isDelaySeconds reports whether v has the seconds form of Retry-After (RFC 9110: 1*DIGIT).
func isDelaySeconds(v string) bool {
	if v == "" {
		return false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
