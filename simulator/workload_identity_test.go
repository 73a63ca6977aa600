package simulator

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// TestWorkloadIdentityCredentialGetsATokenForGraph runs the identity
// library's workload identity credential, as a collector in a Kubernetes
// pod would: it reads the service account token from its file and sends it
// as the client assertion. The app has no secret and no certificate.
func TestWorkloadIdentityCredentialGetsATokenForGraph(t *testing.T) {
	trusted := serviceAccountToken(collectorSubject)
	s := startSimulator(t, Options{TenantID: testTenant, ClientID: testClientID, FederatedToken: trusted})
	client := trustingClient(t, s)
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tests := []struct {
		name  string
		token string // the token file's content
		err   string // empty: GetToken succeeds
	}{
		{name: "the trusted service account", token: trusted},
		{name: "another service account", token: serviceAccountToken("system:serviceaccount:default:intruder"), err: "AADSTS70021: No matching federated identity record found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tokenFile := filepath.Join(t.TempDir(), "azure-identity-token")
			if err := os.WriteFile(tokenFile, []byte(tt.token), 0o600); err != nil {
				t.Fatal(err)
			}
			credential, err := azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
				ClientOptions:            azcore.ClientOptions{Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL()}, Transport: client},
				ClientID:                 testClientID,
				TenantID:                 testTenant,
				TokenFilePath:            tokenFile,
				DisableInstanceDiscovery: true,
			})
			if err != nil {
				t.Fatal(err)
			}
			token, err := credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("GetToken: %v; want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetToken: %v", err)
			}
			resp := huntAt(t, client, s, graphPath, token.Token, graphBody(t, "DeviceProcessEvents | take 3", "P1D"))
			if rows := decodeGraphResult(t, resp).results; len(rows) != 3 {
				t.Errorf("got %d rows, want 3", len(rows))
			}
		})
	}
	if stats := s.Stats(); stats.TokenResponses[http.StatusOK] != 1 || stats.TokenResponses[http.StatusUnauthorized] != 1 || stats.GraphCalls[http.StatusOK] != 1 {
		t.Errorf("token responses %v, Graph calls %v", stats.TokenResponses, stats.GraphCalls)
	}
}
