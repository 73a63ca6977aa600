package entraid

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/redirect"
)

// TokenError is a failure to obtain a token; the API request was never sent.
type TokenError struct{ Err error }

// Error gives Entra ID's own one-line reason (AADSTS code and description) when it sent one; the
// identity library's own message spans a dozen lines.
func (e *TokenError) Error() string {
	var authErr *azidentity.AuthenticationFailedError
	if errors.As(e.Err, &authErr) && authErr.RawResponse != nil {
		if reason := entraReason(authErr.RawResponse); reason != "" {
			return "Entra ID refused the token request: " + reason
		}
	}
	return "getting an Entra ID token: " + e.Err.Error()
}

func (e *TokenError) Unwrap() error { return e.Err }

// Is reports a token request that met a redirect it did not follow as redirect.ErrRefused: the
// identity library keeps only the text of a failure to send, not the error itself.
func (e *TokenError) Is(target error) bool {
	return target == redirect.ErrRefused && strings.Contains(e.Err.Error(), redirect.ErrRefused.Error())
}

// entraReason reads "<status> <error>: <error_description>" from an Entra ID error response.
func entraReason(resp *http.Response) string {
	if resp.Body == nil {
		return ""
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	// The identity library has already read the body and left a rewound copy in place.
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil || json.Unmarshal(raw, &body) != nil || body.Error == "" {
		return ""
	}
	return fmt.Sprintf("%d %s: %s", resp.StatusCode, body.Error, body.Description)
}

// bearerTransport adds an access token for scope to every request.
type bearerTransport struct {
	credential azcore.TokenCredential
	options    policy.TokenRequestOptions
	next       http.RoundTripper
}

// NewTransport wraps next so that each request carries `Authorization: Bearer <token>` for scope
// (for example https://api.security.microsoft.com/.default). The credential's own cache makes
// this cheap: the token endpoint is asked only when the cached token nears expiry.
func NewTransport(credential azcore.TokenCredential, scope string, next http.RoundTripper) http.RoundTripper {
	return &bearerTransport{
		credential: credential,
		options:    policy.TokenRequestOptions{Scopes: []string{scope}},
		next:       next,
	}
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	token, err := t.credential.GetToken(req.Context(), t.options)
	if err != nil {
		if req.Body != nil {
			_ = req.Body.Close() // a RoundTripper must close the body, even on error
		}
		return nil, &TokenError{Err: err}
	}
	authed := req.Clone(req.Context())
	authed.Header.Set("Authorization", "Bearer "+token.Token)
	return t.next.RoundTrip(authed)
}
