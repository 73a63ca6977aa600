package simulator

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// serviceAccountToken is shaped like the token Kubernetes projects into a
// pod for workload identity: a JWT from the cluster's issuer, for the
// service account subject, to Entra ID's token exchange audience. The
// signature is not a real one: the simulator compares tokens whole.
func serviceAccountToken(subject string) string {
	segment := func(v any) string {
		data, _ := json.Marshal(v) // maps of strings always marshal
		return base64.RawURLEncoding.EncodeToString(data)
	}
	return segment(map[string]any{"alg": "RS256", "kid": "3Kq1b7M2"}) + "." + segment(map[string]any{
		"aud": []string{"api://AzureADTokenExchange"},
		"iss": "https://oidc.prod-aks.azure.com/5f1c9e2a-7b3d-4c8e-9a6f-0d2e4b6c8a1f/",
		"sub": subject,
		"exp": testNow.Add(time.Hour).Unix(),
	}) + "." + base64.RawURLEncoding.EncodeToString([]byte("not a real signature"))
}

const collectorSubject = "system:serviceaccount:observability:otel-collector"

func TestFederatedToken(t *testing.T) {
	cert, key := clientCertificate(t)
	trusted := serviceAccountToken(collectorSubject)
	clock := newFakeClock(testNow)
	federated := startSimulator(t, Options{TenantID: testTenant, ClientID: testClientID, ClientCertificate: cert, FederatedToken: trusted, Now: clock.Now})
	unfederated := startSimulator(t, Options{Now: clock.Now})
	certificateAssertion := func(s *Simulator) string {
		return assertion{alg: "RS256", thumbprint: "x5t", cert: cert, key: key, claims: map[string]any{
			"aud": tokenURL(s), "iss": testClientID, "sub": testClientID, "exp": testNow.Add(time.Minute).Unix(),
		}}.sign(t)
	}
	tests := []struct {
		name      string
		simulator *Simulator
		assertion string
		status    int // 0: a token
		code      string
		aadsts    int
		mentions  string // in the description
	}{
		{name: "the trusted token", simulator: federated, assertion: trusted},
		{name: "a certificate assertion beside it", simulator: federated, assertion: certificateAssertion(federated)},
		{name: "another service account's token", simulator: federated, assertion: serviceAccountToken("system:serviceaccount:default:intruder"),
			status: 401, code: "invalid_client", aadsts: 70021, mentions: "Assertion Subject: 'system:serviceaccount:default:intruder'"},
		{name: "the trusted token with a newline", simulator: federated, assertion: trusted + "\n",
			status: 401, code: "invalid_client", aadsts: 70021, mentions: "Assertion Audience: 'api://AzureADTokenExchange'"},
		{name: "not a JWT", simulator: federated, assertion: "service-account-token",
			status: 400, code: "invalid_request", aadsts: 50027},
		{name: "no federated credential registered", simulator: unfederated, assertion: trusted,
			status: 401, code: "invalid_client", aadsts: 700027},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.simulator
			client := trustingClient(t, s)
			resp := postForm(t, client, tokenURL(s), url.Values{
				"grant_type": {"client_credentials"}, "client_id": {testClientID}, "scope": {"https://graph.microsoft.com/.default"},
				"client_assertion_type": {jwtBearerAssertionType}, "client_assertion": {tt.assertion},
			})
			if tt.status != 0 {
				checkEntraError(t, resp, tt.status, tt.code, tt.aadsts)
				if !strings.Contains(string(resp.body), tt.mentions) {
					t.Errorf("description does not mention %q: %s", tt.mentions, resp.body)
				}
				return
			}
			var token tokenResponse
			if resp.status != http.StatusOK || json.Unmarshal(resp.body, &token) != nil {
				t.Fatalf("got %d %s", resp.status, resp.body)
			}
			if hunted := huntAt(t, client, s, graphPath, token.AccessToken, graphBody(t, "DeviceProcessEvents | take 1", "")); hunted.status != http.StatusOK {
				t.Errorf("Graph query with the token: %d %s", hunted.status, hunted.body)
			}
		})
	}
}
