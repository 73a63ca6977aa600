package entraid

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// appServiceIdentity fakes the App Service managed identity endpoint (IDENTITY_ENDPOINT) that the
// identity library asks for tokens on such a host, and records what it was asked.
type appServiceIdentity struct {
	mu      sync.Mutex
	queries []url.Values
	headers []string
}

func (a *appServiceIdentity) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.queries = append(a.queries, r.URL.Query())
	a.headers = append(a.headers, r.Header.Get("X-IDENTITY-HEADER"))
	a.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]string{
		"access_token": "mi-token-for-" + r.URL.Query().Get("client_id"),
		"expires_on":   strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10),
		"resource":     r.URL.Query().Get("resource"),
		"token_type":   "Bearer",
	})
}

func TestManagedIdentity(t *testing.T) {
	tests := []struct {
		name         string
		clientID     string
		wantToken    string
		wantClientID string
	}{
		{"system-assigned", "", "Bearer mi-token-for-", ""},
		{"user-assigned, by client ID", "22222222-2222-2222-2222-222222222222", "Bearer mi-token-for-22222222-2222-2222-2222-222222222222", "22222222-2222-2222-2222-222222222222"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			identity := &appServiceIdentity{}
			endpoint := httptest.NewServer(identity)
			defer endpoint.Close()
			// Only the App Service variables: the identity library must not fall back to IMDS,
			// which lives at an address tests never call.
			t.Setenv("IDENTITY_ENDPOINT", endpoint.URL+"/msi/token")
			t.Setenv("IDENTITY_HEADER", "app-service-secret")

			credential, err := NewCredential(Settings{TenantID: tenant, ClientID: tt.clientID, ManagedIdentity: true, Authority: "https://login.microsoftonline.com"}, endpoint.Client())
			require.NoError(t, err)
			api, seen := apiStub(t)
			apiClient := &http.Client{Transport: NewTransport(credential, scope, http.DefaultTransport)}
			for range 2 {
				resp, err := apiClient.Post(api.URL, "application/json", strings.NewReader(`{}`))
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
			}

			assert.Equal(t, []string{tt.wantToken, tt.wantToken}, *seen)
			require.Len(t, identity.queries, 1, "the token is cached")
			assert.Equal(t, "https://api.security.microsoft.com", identity.queries[0].Get("resource"))
			assert.Equal(t, tt.wantClientID, identity.queries[0].Get("client_id"))
			assert.Equal(t, []string{"app-service-secret"}, identity.headers)
		})
	}
}
