package redirect

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSameHostHTTPS(t *testing.T) {
	tests := []struct {
		name     string
		from, to string
		hops     int
		wantErr  string // empty: followed
	}{
		{name: "same host, another path", from: "https://graph.microsoft.com/v1.0/a", to: "https://graph.microsoft.com/v1.0/b"},
		{name: "host names differ only in letter case", from: "https://graph.microsoft.com/a", to: "https://Graph.Microsoft.com/b"},
		{name: "another host", from: "https://graph.microsoft.com/a", to: "https://evil.example/a", wantErr: "redirects to another host (https://evil.example/a)"},
		{name: "another port", from: "https://127.0.0.1:8443/a", to: "https://127.0.0.1:9443/a", wantErr: "another host"},
		{name: "a subdomain", from: "https://microsoft.com/a", to: "https://graph.microsoft.com/a", wantErr: "another host"},
		{name: "downgrade to http on the same host", from: "https://graph.microsoft.com/a", to: "http://graph.microsoft.com/a", wantErr: "which is not https"},
		{name: "too many hops", from: "https://graph.microsoft.com/a", to: "https://graph.microsoft.com/b", hops: 10, wantErr: "stopped after 10 redirects"},
		{name: "the query is not repeated", from: "https://login.microsoftonline.com/t", to: "https://user:pw@evil.example/x?client_secret=s3cret#f", wantErr: "(https://evil.example/x)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			first, err := http.NewRequest(http.MethodPost, tt.from, http.NoBody)
			require.NoError(t, err)
			via := []*http.Request{first}
			for range tt.hops - 1 {
				via = append(via, first)
			}
			next, err := http.NewRequest(http.MethodPost, tt.to, http.NoBody)
			require.NoError(t, err)
			err = SameHostHTTPS(next, via)
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, ErrRefused)
			assert.ErrorContains(t, err, tt.wantErr)
			assert.NotContains(t, err.Error(), "s3cret")
			assert.NotContains(t, err.Error(), "pw@")
		})
	}
}

// TestClientDoesNotFollow checks the policy in a client: the other host is never asked.
func TestClientDoesNotFollow(t *testing.T) {
	asked := 0
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { asked++ }))
	defer other.Close()
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer front.Close()
	client := &http.Client{CheckRedirect: SameHostHTTPS}
	defer client.CloseIdleConnections()

	resp, err := client.Post(front.URL, "text/plain", http.NoBody)
	if resp != nil {
		_ = resp.Body.Close()
	}
	require.ErrorIs(t, err, ErrRefused)
	assert.Zero(t, asked)
}
