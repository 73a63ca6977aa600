package entraid

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

const (
	tenant   = "00000000-0000-0000-0000-000000000000"
	clientID = "11111111-1111-1111-1111-111111111111"
	secret   = "right-secret"
	scope    = "https://api.security.microsoft.com/.default"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// certificateFiles are one client certificate in the forms client_certificate_path takes.
type certificateFiles struct {
	cert   *x509.Certificate
	pem    string // certificate and unencrypted key
	pkcs12 string // the same, as PKCS#12 protected by pkcs12Password
}

const pkcs12Password = "p12-pass"

// selfSignedCertificate returns an RSA client certificate and files holding it and its key.
func selfSignedCertificate(t *testing.T) certificateFiles {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "defender-hunting-test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	dir := t.TempDir()
	files := certificateFiles{cert: cert, pem: filepath.Join(dir, "client.pem"), pkcs12: filepath.Join(dir, "client.p12")}
	pemData := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})...)
	require.NoError(t, os.WriteFile(files.pem, pemData, 0o600))
	// The legacy encoding (SHA-1 MAC, 3DES) is what the identity library's parser reads.
	p12, err := pkcs12.Legacy.Encode(key, cert, nil, pkcs12Password)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(files.pkcs12, p12, 0o600))
	return files
}

// startEntraID starts the simulator as the authority, with client as a client trusting its CA.
func startEntraID(t *testing.T, opts simulator.Options) (*simulator.Simulator, *http.Client) {
	t.Helper()
	opts.TenantID, opts.ClientID, opts.ClientSecret = tenant, clientID, secret
	sim, err := simulator.New(opts)
	require.NoError(t, err)
	require.NoError(t, sim.Start())
	t.Cleanup(func() { require.NoError(t, sim.Close()) })
	roots := x509.NewCertPool()
	require.True(t, roots.AppendCertsFromPEM(sim.CAPEM()))
	transport := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}
	t.Cleanup(transport.CloseIdleConnections)
	return sim, &http.Client{Transport: transport}
}

// apiStub answers 200 and remembers the Authorization header of each request.
func apiStub(t *testing.T) (*httptest.Server, *[]string) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Authorization"))
	}))
	t.Cleanup(srv.Close)
	return srv, &seen
}

func TestCredentialsSignInAndCacheTokens(t *testing.T) {
	certs := selfSignedCertificate(t)
	sim, client := startEntraID(t, simulator.Options{ClientCertificate: certs.cert})
	tests := []struct {
		name     string
		settings Settings
	}{
		{"client secret", Settings{ClientSecret: secret}},
		{"client certificate from a PEM file", Settings{CertificateFile: certs.pem}},
		{"client certificate from a PKCS#12 file with a password", Settings{CertificateFile: certs.pkcs12, CertificatePassword: pkcs12Password}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.settings.TenantID, tt.settings.ClientID, tt.settings.Authority = tenant, clientID, sim.URL()
			credential, err := NewCredential(tt.settings, client)
			require.NoError(t, err)
			api, seen := apiStub(t)
			apiClient := &http.Client{Transport: NewTransport(credential, scope, http.DefaultTransport)}

			before := sim.Stats().TokenRequests
			for range 3 {
				resp, err := apiClient.Post(api.URL, "application/json", strings.NewReader(`{}`))
				require.NoError(t, err)
				require.NoError(t, resp.Body.Close())
			}
			assert.Equal(t, 1, sim.Stats().TokenRequests-before, "one token serves all three calls")
			require.Len(t, *seen, 3)
			assert.True(t, strings.HasPrefix((*seen)[0], "Bearer "), "got %q", (*seen)[0])
			assert.Equal(t, (*seen)[0], (*seen)[2])
		})
	}
}

// TestDefaultChainSignsInFromTheEnvironment signs in with azidentity's default chain, which finds an
// application in the environment variables, as on a developer machine.
func TestDefaultChainSignsInFromTheEnvironment(t *testing.T) {
	sim, client := startEntraID(t, simulator.Options{})
	t.Setenv("AZURE_TENANT_ID", tenant)
	t.Setenv("AZURE_CLIENT_ID", clientID)
	t.Setenv("AZURE_CLIENT_SECRET", secret)
	// Only the environment's part of the chain: the others would look for an Azure CLI or probe
	// the managed identity endpoint.
	t.Setenv("AZURE_TOKEN_CREDENTIALS", "EnvironmentCredential")
	credential, err := NewCredential(Settings{TenantID: tenant, UseDefault: true, Authority: sim.URL()}, client)
	require.NoError(t, err)
	api, seen := apiStub(t)
	apiClient := &http.Client{Transport: NewTransport(credential, scope, http.DefaultTransport)}
	resp, err := apiClient.Get(api.URL)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, 1, sim.Stats().TokensIssued)
	require.Len(t, *seen, 1)
	assert.True(t, strings.HasPrefix((*seen)[0], "Bearer "), "got %q", (*seen)[0])
}

func TestTokensAreRenewedBeforeTheyExpire(t *testing.T) {
	// The identity library renews a token that expires within five minutes, so a four-minute token
	// is replaced on every call rather than sent until the service refuses it.
	sim, client := startEntraID(t, simulator.Options{TokenLifetime: 4 * time.Minute})
	credential, err := NewCredential(Settings{TenantID: tenant, ClientID: clientID, ClientSecret: secret, Authority: sim.URL()}, client)
	require.NoError(t, err)
	api, seen := apiStub(t)
	apiClient := &http.Client{Transport: NewTransport(credential, scope, http.DefaultTransport)}
	for range 2 {
		resp, err := apiClient.Get(api.URL)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
	}
	assert.Equal(t, 2, sim.Stats().TokensIssued)
	assert.NotEqual(t, (*seen)[0], (*seen)[1])
}

func TestWrongSecretIsATokenErrorAndNoRequestIsSent(t *testing.T) {
	sim, client := startEntraID(t, simulator.Options{})
	credential, err := NewCredential(Settings{TenantID: tenant, ClientID: clientID, ClientSecret: "wrong", Authority: sim.URL()}, client)
	require.NoError(t, err)
	api, seen := apiStub(t)
	apiClient := &http.Client{Transport: NewTransport(credential, scope, http.DefaultTransport)}

	_, err = apiClient.Post(api.URL, "application/json", strings.NewReader(`{}`))
	var tokenErr *TokenError
	require.ErrorAs(t, err, &tokenErr)
	assert.Contains(t, err.Error(), "AADSTS7000215", "the service's own reason reaches the log")
	assert.NotContains(t, err.Error(), "wrong", "the secret never appears in errors")
	assert.Empty(t, *seen)
}

func TestNewCredentialRejectsBadCertificates(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "garbage.pem")
	require.NoError(t, os.WriteFile(notPEM, []byte("not a certificate"), 0o600))
	certs := selfSignedCertificate(t)
	tests := []struct {
		name     string
		file     string
		password string
		wantErr  string
	}{
		{"missing file", filepath.Join(t.TempDir(), "absent.pem"), "", "reading client_certificate_path"},
		{"not a certificate", notPEM, "", "parsing client_certificate_path"},
		{"PKCS#12 with the wrong password", certs.pkcs12, "wrong", "parsing client_certificate_path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCredential(Settings{TenantID: tenant, ClientID: clientID, CertificateFile: tt.file, CertificatePassword: tt.password, Authority: "https://login.microsoftonline.com"}, http.DefaultClient)
			assert.ErrorContains(t, err, tt.wantErr)
		})
	}
}
