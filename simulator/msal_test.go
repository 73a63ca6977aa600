package simulator

import (
	"context"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// TestMicrosoftIdentityLibraryAcceptsTheSimulator proves that the identity
// library the receiver uses (azidentity on top of MSAL) can discover the
// simulator's endpoints, get tokens with a secret and with a certificate,
// and caches them.
func TestMicrosoftIdentityLibraryAcceptsTheSimulator(t *testing.T) {
	cert, key := clientCertificate(t)
	s := startSimulator(t, Options{TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret, ClientCertificate: cert})
	client := trustingClient(t, s)
	clientOptions := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: s.URL()},
		Transport: client,
	}

	secretCredential, err := azidentity.NewClientSecretCredential(testTenant, testClientID, testSecret,
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	certificateCredential, err := azidentity.NewClientCertificateCredential(testTenant, testClientID, []*x509.Certificate{cert}, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: clientOptions, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}
	wrongSecretCredential, err := azidentity.NewClientSecretCredential(testTenant, testClientID, "wrong",
		&azidentity.ClientSecretCredentialOptions{ClientOptions: clientOptions, DisableInstanceDiscovery: true})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	scopes := policy.TokenRequestOptions{Scopes: []string{testScope}}
	for name, credential := range map[string]azcore.TokenCredential{"secret": secretCredential, "certificate": certificateCredential} {
		before := s.Stats().TokenRequests
		token, err := credential.GetToken(ctx, scopes)
		if err != nil {
			t.Fatalf("%s: GetToken: %v", name, err)
		}
		if resp := hunt(t, client, s, token.Token, queryBody(t, "DeviceProcessEvents | take 1")); resp.status != http.StatusOK {
			t.Errorf("%s: hunting with the token: %d %s", name, resp.status, resp.body)
		}
		if _, err := credential.GetToken(ctx, scopes); err != nil {
			t.Fatalf("%s: second GetToken: %v", name, err)
		}
		if got := s.Stats().TokenRequests - before; got != 1 {
			t.Errorf("%s: %d token requests for two GetToken calls, want 1 (cached)", name, got)
		}
	}

	if _, err := wrongSecretCredential.GetToken(ctx, scopes); err == nil {
		t.Error("a wrong secret got a token")
	}
}
