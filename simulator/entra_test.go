package simulator

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is a SHA-1 thumbprint
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestOpenIDConfiguration(t *testing.T) {
	s := startSimulator(t, Options{})
	client := trustingClient(t, s)
	get := func(path string) response {
		req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
		return do(t, client, req)
	}

	resp := get("/" + testTenant + "/v2.0/.well-known/openid-configuration")
	var config map[string]any
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &config) != nil {
		t.Fatalf("got %d %s", resp.status, resp.body)
	}
	base := s.URL() + "/" + testTenant
	for field, want := range map[string]string{
		"token_endpoint":         base + "/oauth2/v2.0/token",
		"authorization_endpoint": base + "/oauth2/v2.0/authorize",
		"issuer":                 base + "/v2.0",
		"jwks_uri":               base + "/discovery/v2.0/keys",
	} {
		if config[field] != want {
			t.Errorf("%s = %v, want %s", field, config[field], want)
		}
	}
	if keys := get("/" + testTenant + "/discovery/v2.0/keys"); keys.status != http.StatusOK || strings.TrimSpace(string(keys.body)) != `{"keys":[]}` {
		t.Errorf("keys: %d %s", keys.status, keys.body)
	}

	unknown := get("/22222222-2222-2222-2222-222222222222/v2.0/.well-known/openid-configuration")
	checkEntraError(t, unknown, http.StatusBadRequest, "invalid_tenant", 90002)
	if got := s.Stats().DiscoveryRequests; got != 2 {
		t.Errorf("DiscoveryRequests = %d, want 2", got)
	}
}

func checkEntraError(t *testing.T, resp response, status int, code string, aadsts int) {
	t.Helper()
	var body entraErrorBody
	if err := json.Unmarshal(resp.body, &body); err != nil {
		t.Fatalf("status %d, body %s: %v", resp.status, resp.body, err)
	}
	prefix := "AADSTS" + strconv.Itoa(aadsts) + ": "
	if resp.status != status || body.Error != code || len(body.ErrorCodes) != 1 || body.ErrorCodes[0] != aadsts ||
		!strings.HasPrefix(body.ErrorDescription, prefix) || body.TraceID == "" || body.CorrelationID == "" {
		t.Errorf("got %d %s, want %d %s %s", resp.status, resp.body, status, code, prefix)
	}
}

// clientCertificate is a self-signed RSA certificate, as app registrations use.
func clientCertificate(t *testing.T) (*x509.Certificate, *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "defendersim test client"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// assertion describes a client assertion JWT for signAssertion.
type assertion struct {
	alg        string // RS256 or PS256
	thumbprint string // header key: x5t or x5t#S256
	cert       *x509.Certificate
	key        *rsa.PrivateKey
	claims     map[string]any
}

func (a assertion) sign(t *testing.T) string {
	t.Helper()
	var thumbprint []byte
	if a.thumbprint == "x5t" {
		sum := sha1.Sum(a.cert.Raw) //nolint:gosec // x5t is SHA-1 by definition
		thumbprint = sum[:]
	} else {
		sum := sha256.Sum256(a.cert.Raw)
		thumbprint = sum[:]
	}
	header, _ := json.Marshal(map[string]string{"alg": a.alg, "typ": "JWT", a.thumbprint: base64.StdEncoding.EncodeToString(thumbprint)})
	claims, _ := json.Marshal(a.claims)
	input := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	var signature []byte
	var err error
	if a.alg == "RS256" {
		signature, err = rsa.SignPKCS1v15(rand.Reader, a.key, crypto.SHA256, digest[:])
	} else {
		signature, err = rsa.SignPSS(rand.Reader, a.key, crypto.SHA256, digest[:], &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
	}
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + base64.RawURLEncoding.EncodeToString(signature)
}

func TestTokenEndpoint(t *testing.T) {
	cert, key := clientCertificate(t)
	otherCert, otherKey := clientCertificate(t)
	clock := newFakeClock(testNow)
	s := startSimulator(t, Options{
		TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret,
		ClientCertificate: cert, Now: clock.Now,
	})
	client := trustingClient(t, s)
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{"aud": tokenURL(s), "iss": testClientID, "sub": testClientID, "exp": testNow.Add(10 * time.Minute).Unix(), "jti": "x"}
		if change != nil {
			change(c)
		}
		return c
	}
	assertionForm := func(a assertion) url.Values {
		return url.Values{
			"grant_type": {"client_credentials"}, "client_id": {testClientID}, "scope": {testScope},
			"client_assertion_type": {jwtBearerAssertionType}, "client_assertion": {a.sign(t)},
		}
	}
	withForm := func(form url.Values, key, value string) url.Values {
		form.Set(key, value)
		return form
	}
	good := assertion{alg: "PS256", thumbprint: "x5t#S256", cert: cert, key: key, claims: claims(nil)}

	tests := []struct {
		name    string
		target  string
		form    url.Values
		basic   []string // user, password for HTTP Basic authentication
		status  int
		code    string
		aadsts  int
		success bool
	}{
		{name: "secret", form: secretForm(testSecret), success: true},
		{name: "secret in basic authentication", form: url.Values{"grant_type": {"client_credentials"}, "scope": {testScope}}, basic: []string{testClientID, testSecret}, success: true},
		{name: "wrong secret", form: secretForm("wrong"), status: 401, code: "invalid_client", aadsts: 7000215},
		{name: "unknown client", form: withForm(secretForm(testSecret), "client_id", "33333333-3333-3333-3333-333333333333"), status: 400, code: "unauthorized_client", aadsts: 700016},
		{name: "unknown tenant", target: strings.Replace(tokenURL(s), testTenant, "44444444-4444-4444-4444-444444444444", 1), form: secretForm(testSecret), status: 400, code: "invalid_request", aadsts: 90002},
		{name: "missing scope", form: withForm(secretForm(testSecret), "scope", ""), status: 400, code: "invalid_request", aadsts: 900144},
		{name: "scope without .default", form: withForm(secretForm(testSecret), "scope", "https://api.security.microsoft.com/AdvancedHunting.Read.All"), status: 400, code: "invalid_scope", aadsts: 1002012},
		{name: "other grant", form: withForm(secretForm(testSecret), "grant_type", "password"), status: 400, code: "unsupported_grant_type", aadsts: 70003},
		{name: "no credential", form: url.Values{"grant_type": {"client_credentials"}, "client_id": {testClientID}, "scope": {testScope}}, status: 401, code: "invalid_client", aadsts: 7000218},
		{name: "assertion PS256 x5t#S256", form: assertionForm(good), success: true},
		{name: "assertion RS256 x5t", form: assertionForm(assertion{alg: "RS256", thumbprint: "x5t", cert: cert, key: key, claims: claims(nil)}), success: true},
		{name: "assertion audience as array", form: assertionForm(assertion{alg: "PS256", thumbprint: "x5t#S256", cert: cert, key: key, claims: claims(func(c map[string]any) { c["aud"] = []string{tokenURL(s)} })}), success: true},
		{name: "assertion from an unregistered certificate", form: assertionForm(assertion{alg: "PS256", thumbprint: "x5t#S256", cert: otherCert, key: otherKey, claims: claims(nil)}), status: 401, code: "invalid_client", aadsts: 700027},
		{name: "assertion signed with another key", form: assertionForm(assertion{alg: "PS256", thumbprint: "x5t#S256", cert: cert, key: otherKey, claims: claims(nil)}), status: 401, code: "invalid_client", aadsts: 700027},
		{name: "assertion with an unsupported algorithm", form: assertionForm(assertion{alg: "HS256", thumbprint: "x5t#S256", cert: cert, key: key, claims: claims(nil)}), status: 401, code: "invalid_client", aadsts: 700027},
		{name: "expired assertion", form: assertionForm(assertion{alg: "PS256", thumbprint: "x5t#S256", cert: cert, key: key, claims: claims(func(c map[string]any) { c["exp"] = testNow.Add(-time.Second).Unix() })}), status: 401, code: "invalid_client", aadsts: 700024},
		{name: "assertion for another audience", form: assertionForm(assertion{alg: "PS256", thumbprint: "x5t#S256", cert: cert, key: key, claims: claims(func(c map[string]any) { c["aud"] = "https://login.microsoftonline.com/x/oauth2/v2.0/token" })}), status: 401, code: "invalid_client", aadsts: 700023},
		{name: "assertion issued by another client", form: assertionForm(assertion{alg: "PS256", thumbprint: "x5t#S256", cert: cert, key: key, claims: claims(func(c map[string]any) { c["iss"] = "someone-else" })}), status: 401, code: "invalid_client", aadsts: 700021},
		{name: "malformed assertion", form: withForm(assertionForm(good), "client_assertion", "not.a-jwt"), status: 400, code: "invalid_request", aadsts: 50027},
		{name: "wrong assertion type", form: withForm(assertionForm(good), "client_assertion_type", "urn:other"), status: 400, code: "invalid_request", aadsts: 50027},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := tt.target
			if target == "" {
				target = tokenURL(s)
			}
			req, _ := http.NewRequest(http.MethodPost, target, strings.NewReader(tt.form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.basic != nil {
				req.SetBasicAuth(tt.basic[0], tt.basic[1])
			}
			resp := do(t, client, req)
			if !tt.success {
				checkEntraError(t, resp, tt.status, tt.code, tt.aadsts)
				return
			}
			var token map[string]any
			if resp.status != http.StatusOK || json.Unmarshal(resp.body, &token) != nil {
				t.Fatalf("got %d %s", resp.status, resp.body)
			}
			if token["token_type"] != "Bearer" || token["expires_in"] != 3600.0 || token["ext_expires_in"] != 3600.0 || token["access_token"] == "" {
				t.Errorf("got %s", resp.body)
			}
		})
	}
	successes := 0
	for _, tt := range tests {
		if tt.success {
			successes++
		}
	}
	if stats := s.Stats(); stats.TokenRequests != len(tests) || stats.TokensIssued != successes {
		t.Errorf("TokenRequests = %d, TokensIssued = %d; want %d and %d", stats.TokenRequests, stats.TokensIssued, len(tests), successes)
	}
}
