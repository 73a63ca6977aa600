package poller

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/entraid"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

// outcomeOf names the result of one API call for the api_calls metric.
func outcomeOf(err error) string {
	var apiErr *huntingapi.Error
	var tokenErr *entraid.TokenError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &tokenErr):
		return "token_error"
	case errors.As(err, &apiErr):
		switch {
		case apiErr.StatusCode == http.StatusTooManyRequests:
			return "throttled"
		case apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden:
			return "unauthorized"
		case apiErr.StatusCode == http.StatusBadRequest:
			return "bad_request"
		case apiErr.StatusCode >= 500:
			return "server_error"
		default:
			return "http_" + strconv.Itoa(apiErr.StatusCode)
		}
	case errors.Is(err, huntingapi.ErrUnreadableResponse):
		return "unreadable_response"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	default:
		return "network_error"
	}
}
