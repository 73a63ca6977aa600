package simulator

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"
)

// isFederatedToken reports whether assertion is the token Options trusts.
// Entra ID checks such a token's signature against its issuer's keys and
// its iss, sub and aud against the app's federated identity credentials;
// the simulator knows the one token and compares it whole, byte for byte,
// as a workload identity client sends its token file's content unchanged.
func (s *Simulator) isFederatedToken(assertion string) bool {
	trusted := s.opts.FederatedToken
	return trusted != "" && subtle.ConstantTimeCompare([]byte(assertion), []byte(trusted)) == 1
}

// noMatchingFederatedIdentity is Entra ID's refusal of a token from an
// issuer, or for a subject or audience, that none of the app's federated
// identity credentials names. It quotes the token's claims, as Entra ID
// does, so that a misconfigured service account can be told.
func noMatchingFederatedIdentity(claims assertionClaims) *entraFailure {
	return &entraFailure{http.StatusUnauthorized, "invalid_client", 70021, fmt.Sprintf(
		"No matching federated identity record found for presented assertion. Assertion Issuer: '%s'. Assertion Subject: '%s'. Assertion Audience: '%s'.",
		claims.Issuer, claims.Subject, strings.Join(claims.Audience, ","))}
}
