package simulator

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is defined as a SHA-1 thumbprint
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// assertionExpectations is what a client assertion must match.
type assertionExpectations struct {
	certificate *x509.Certificate
	// federated tells that the app trusts a federated token, so that an
	// assertion that names no certificate is taken for one.
	federated bool
	clientID  string
	audience  string // the token endpoint's URL
	now       time.Time
}

type assertionHeader struct {
	Alg     string `json:"alg"`
	X5t     string `json:"x5t"`
	X5tS256 string `json:"x5t#S256"`
}

type assertionClaims struct {
	Audience audienceClaim `json:"aud"`
	Issuer   string        `json:"iss"`
	Subject  string        `json:"sub"`
	Expiry   json.Number   `json:"exp"`
}

// audienceClaim accepts both forms JWT allows for "aud": a string or an array.
type audienceClaim []string

func (a *audienceClaim) UnmarshalJSON(data []byte) error {
	var one string
	if err := json.Unmarshal(data, &one); err == nil {
		*a = audienceClaim{one}
		return nil
	}
	return json.Unmarshal(data, (*[]string)(a))
}

func malformedAssertion() *entraFailure {
	return &entraFailure{http.StatusBadRequest, "invalid_request", 50027, "JWT token is invalid or malformed."}
}

// verifyClientAssertion checks a certificate credential's client assertion
// as Entra ID does: the header names the registered certificate by its
// thumbprint (x5t: SHA-1, x5t#S256: SHA-256), the RS256 or PS256 signature
// verifies with its public key, iss and sub are the client id, aud is the
// token endpoint and exp is in the future. When the app trusts a federated
// token, an assertion that names no certificate is another federated token
// (the trusted one was accepted before): it matches no federated identity.
func verifyClientAssertion(assertion string, want assertionExpectations) *entraFailure {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return malformedAssertion()
	}
	var header assertionHeader
	var claims assertionClaims
	if decodeJWTPart(parts[0], &header) != nil || decodeJWTPart(parts[1], &claims) != nil {
		return malformedAssertion()
	}
	if want.federated && header.X5t == "" && header.X5tS256 == "" {
		return noMatchingFederatedIdentity(claims)
	}
	if failure := checkThumbprint(header, want.certificate); failure != nil {
		return failure
	}
	signature, err := decodeBase64(parts[2])
	if err != nil || !signatureValid(header.Alg, want.certificate, parts[0]+"."+parts[1], signature) {
		return &entraFailure{http.StatusUnauthorized, "invalid_client", 700027, "Client assertion failed signature validation."}
	}
	if claims.Issuer != want.clientID || claims.Subject != want.clientID {
		return &entraFailure{http.StatusUnauthorized, "invalid_client", 700021, "Client assertion application identifier doesn't match 'client_id' parameter."}
	}
	if !containsFold(claims.Audience, want.audience) {
		return &entraFailure{http.StatusUnauthorized, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials."}
	}
	expiry, err := claims.Expiry.Int64()
	if err != nil || !want.now.Before(time.Unix(expiry, 0)) {
		return &entraFailure{http.StatusUnauthorized, "invalid_client", 700024, "Client assertion is not within its valid time range."}
	}
	return nil
}

func checkThumbprint(header assertionHeader, cert *x509.Certificate) *entraFailure {
	unknownKey := &entraFailure{http.StatusUnauthorized, "invalid_client", 700027,
		"The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found.]"}
	if cert == nil {
		return unknownKey
	}
	sha1Sum, sha256Sum := sha1.Sum(cert.Raw), sha256.Sum256(cert.Raw) //nolint:gosec // x5t is SHA-1 by definition
	switch {
	case header.X5tS256 != "":
		if got, err := decodeBase64(header.X5tS256); err != nil || !bytes.Equal(got, sha256Sum[:]) {
			return unknownKey
		}
	case header.X5t != "":
		if got, err := decodeBase64(header.X5t); err != nil || !bytes.Equal(got, sha1Sum[:]) {
			return unknownKey
		}
	default:
		return unknownKey
	}
	return nil
}

func signatureValid(alg string, cert *x509.Certificate, signingInput string, signature []byte) bool {
	key, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return false
	}
	digest := sha256.Sum256([]byte(signingInput))
	switch alg {
	case "RS256":
		return rsa.VerifyPKCS1v15(key, crypto.SHA256, digest[:], signature) == nil
	case "PS256":
		return rsa.VerifyPSS(key, crypto.SHA256, digest[:], signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil
	}
	return false
}

func decodeJWTPart(part string, into any) error {
	raw, err := decodeBase64(part)
	if err != nil {
		return err
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	return decoder.Decode(into)
}

// decodeBase64 accepts base64url as JWT specifies, and standard base64,
// which MSAL uses for thumbprints; padding is optional in both.
func decodeBase64(text string) ([]byte, error) {
	text = strings.TrimRight(text, "=")
	if strings.ContainsAny(text, "+/") {
		return base64.RawStdEncoding.DecodeString(text)
	}
	return base64.RawURLEncoding.DecodeString(text)
}

func containsFold(values []string, want string) bool {
	for _, v := range values {
		if strings.EqualFold(v, want) {
			return true
		}
	}
	return false
}
