package poller

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/entraid"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/redirect"
)

func TestClassify(t *testing.T) {
	api := func(status int, message string) error {
		return fmt.Errorf("page: %w", &huntingapi.Error{StatusCode: status, Message: message})
	}
	tokenRefused := func(status int) error {
		return &entraid.TokenError{Err: &azidentity.AuthenticationFailedError{RawResponse: &http.Response{StatusCode: status}}}
	}
	tests := []struct {
		name string
		err  error
		want failure
	}{
		{"success", nil, noFailure},
		{"shutting down", fmt.Errorf("page: %w", context.Canceled), failureCanceled},
		{"call quota", api(429, "API calls quota exceeded! maximum allowed 45 per 00:01:00"), failureThrottled},
		{"CPU quota", api(429, "Tenant exceeded the allocated CPU resources"), failureCPUQuota},
		{"gateway timeout", api(504, ""), failureTimeout},
		{"request timeout", api(408, ""), failureTimeout},
		{"the service's own timeout as a 400", api(400, "Query execution timed out"), failureTimeout},
		{"the client's timeout", fmt.Errorf("page: %w", os.ErrDeadlineExceeded), failureTimeout},
		{"result too large", api(400, "Query execution has exceeded the allowed result size. Optimize your query"), failureTooLarge},
		{"preempted, a retryable 400", api(400, "The query execution was preempted"), failureTransient},
		{"syntax error", api(400, "Query could not be parsed at 'whre'"), failureQuery},
		{"unauthorized", api(401, ""), failureAuth},
		{"forbidden", api(403, ""), failureAuth},
		{"server error", api(500, ""), failureTransient},
		{"bad gateway", api(502, ""), failureTransient},
		{"cut-off body", fmt.Errorf("page: %w: unexpected EOF", huntingapi.ErrUnreadableResponse), failureTransient},
		{"connection reset", errors.New("read: connection reset by peer"), failureTransient},
		{"Entra ID refused the sign-in", tokenRefused(401), failureAuth},
		{"Entra ID unavailable", tokenRefused(503), failureTransient},
		{"token endpoint unreachable", &entraid.TokenError{Err: errors.New("dial tcp: connection refused")}, failureTransient},
		{"API call redirected elsewhere", fmt.Errorf("page: %w", &url.Error{Op: "Post", URL: "https://a", Err: fmt.Errorf("%w: to another host", redirect.ErrRefused)}), failureRedirect},
		{"token request redirected elsewhere, as the identity library words it", &entraid.TokenError{Err: errors.New(`ClientSecretCredential: Post "https://a/t/oauth2/v2.0/token": redirect refused: https://a redirects to another host`)}, failureRedirect},
		{"rows before the Schema over the bound", fmt.Errorf("page: %w: %w", huntingapi.ErrUnreadableResponse, huntingapi.ErrEarlyRowsTooLarge), failureTooLarge},
		{"a row over the bound", fmt.Errorf("page: %w: %w", huntingapi.ErrUnreadableResponse, huntingapi.ErrRowTooLarge), failureQuery},
		{"pipeline refused for now", fmt.Errorf("%w: queue full", errPipelineRefused), failurePipeline},
		{"pipeline refused for good, escaped", consumererror.NewPermanent(errors.New("bad")), failureQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, classify(tt.err))
		})
	}
}
