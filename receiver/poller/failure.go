package poller

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/entraid"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/redirect"
)

// failure is what a failed page fetch means for the next step. Its name is the `outcome` of the
// api_calls metric.
type failure string

const (
	noFailure failure = "ok"
	// failureTransient (5xx, network, a cut-off body, CPU preemption) is retried with backoff.
	failureTransient failure = "transient"
	// failureThrottled (429 call quota) pauses the tenant's calls for Retry-After or a backoff.
	failureThrottled failure = "throttled"
	// failureCPUQuota (429 CPU quota) pauses the tenant's calls until the next 15-minute cycle.
	failureCPUQuota failure = "cpu_quota"
	// failureTooLarge (400: result over the size limit) and failureTimeout (the service's 3-minute
	// limit, a gateway timeout, the client timeout) are retried on a narrower page.
	failureTooLarge failure = "too_large"
	failureTimeout  failure = "timeout"
	// failureQuery (400 syntax or semantic error) cannot succeed until the query changes.
	failureQuery failure = "bad_query"
	// failureAuth (token refused, 401, 403) waits for the next interval: retrying fast cannot help.
	failureAuth failure = "unauthorized"
	// failureRedirect (a redirect to another host or to http, not followed: it would carry the
	// credential there) waits for the next interval too: it takes a change of endpoint or host.
	failureRedirect failure = "redirect_refused"
	// failurePipeline is a retryable refusal by the pipeline; retried with backoff.
	failurePipeline failure = "pipeline_refused"
	// failureCheckpoint is a checkpoint that could not be read or saved; retried with backoff, and
	// nothing more is delivered meanwhile.
	failureCheckpoint failure = "checkpoint"
	// failureCanceled is the receiver shutting down.
	failureCanceled failure = "canceled"
)

// classify tells what err, returned by fetching a page, means.
func classify(err error) failure {
	var apiErr *huntingapi.Error
	var tokenErr *entraid.TokenError
	var netErr net.Error
	switch {
	case err == nil:
		return noFailure
	case errors.Is(err, context.Canceled):
		return failureCanceled
	case errors.Is(err, redirect.ErrRefused):
		return failureRedirect
	case errors.As(err, &apiErr):
		return classifyAPIError(apiErr)
	case errors.Is(err, huntingapi.ErrEarlyRowsTooLarge):
		// Rows that came before the Schema, more than may be held: fewer rows per page fit.
		return failureTooLarge
	case errors.Is(err, huntingapi.ErrRowTooLarge):
		// The same row comes back however often it is asked for: wait for the next interval.
		return failureQuery
	case errors.As(err, &tokenErr):
		return classifyTokenError(tokenErr)
	case consumererror.IsPermanent(err):
		// Permanent refusals are handled where they happen; one reaching here is a bug upstream of
		// the pipeline, and retrying it cannot help.
		return failureQuery
	case errors.Is(err, errPipelineRefused):
		return failurePipeline
	case errors.Is(err, errCheckpoint):
		return failureCheckpoint
	case errors.Is(err, errBadKey):
		// The same query on the same data gives the same rows: it waits for the next interval.
		return failureQuery
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return failureTimeout
	default:
		return failureTransient
	}
}

func classifyAPIError(e *huntingapi.Error) failure {
	message := strings.ToLower(e.Message)
	switch {
	case e.StatusCode == http.StatusTooManyRequests && mentionsCPU(message):
		return failureCPUQuota
	case e.StatusCode == http.StatusTooManyRequests:
		return failureThrottled
	case e.StatusCode == http.StatusGatewayTimeout || e.StatusCode == http.StatusRequestTimeout:
		return failureTimeout
	case e.StatusCode == http.StatusUnauthorized || e.StatusCode == http.StatusForbidden:
		return failureAuth
	case e.StatusCode == http.StatusBadRequest:
		switch {
		case strings.Contains(message, "preempted"):
			// CPU preemption comes back as a 400 although it is worth retrying.
			return failureTransient
		case strings.Contains(message, "allowed result size"):
			return failureTooLarge
		case strings.Contains(message, "timed out") || strings.Contains(message, "timeout"):
			return failureTimeout
		}
		return failureQuery
	case e.StatusCode >= 500:
		return failureTransient
	}
	return failureQuery
}

// mentionsCPU tells a CPU-quota 429 from a call-quota 429: the body names the quota that was hit.
func mentionsCPU(message string) bool {
	return strings.Contains(message, "cpu") || strings.Contains(message, "resources") ||
		strings.Contains(message, "execution time") || strings.Contains(message, "running time")
}

// classifyTokenError tells a refused sign-in (a 4xx from Entra ID: wrong secret, unknown app) from
// an unreachable or failing token endpoint.
func classifyTokenError(e *entraid.TokenError) failure {
	var authErr *azidentity.AuthenticationFailedError
	if errors.As(e, &authErr) && authErr.RawResponse != nil &&
		authErr.RawResponse.StatusCode >= 400 && authErr.RawResponse.StatusCode < 500 {
		return failureAuth
	}
	return failureTransient
}
