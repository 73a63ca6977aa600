package simulator

import (
	"crypto/subtle"
	"fmt"
	"math"
	"net/http"
	"strings"
)

const jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// tokenResponse is Entra ID's answer to a client credentials grant.
type tokenResponse struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	ExtExpiresIn int64  `json:"ext_expires_in"`
	AccessToken  string `json:"access_token"`
}

// handleToken implements the client credentials grant of
// POST /{tenant}/oauth2/v2.0/token, with a client secret (in the form or in
// HTTP Basic authentication), a certificate-signed client assertion or a
// federated token as the assertion.
func (s *Simulator) handleToken(w http.ResponseWriter, r *http.Request) {
	outage := s.draws.hits(faultTokenEndpoint503, s.tokenCalls.Add(1))
	s.counters.update(func(c *Counters) {
		c.TokenRequests++
		if outage {
			c.Faults[faultTokenEndpoint503.String()]++
		}
	})
	failure := entraOutage
	if !outage {
		failure = s.checkTokenRequest(r)
	}
	if failure != nil {
		s.counters.update(func(c *Counters) { c.TokenResponses[failure.status]++ })
		writeEntraFailure(w, failure, s.now(), authorityOf(r))
		return
	}
	lifetime := int64(math.Ceil(s.opts.TokenLifetime.Seconds()))
	// The token is for the tenant whose endpoint issued it, as registered.
	signedIn, _ := s.tenantOf(r.PathValue("tenant"))
	token := s.tokens.issue(signedIn.id, s.now(), s.opts.TokenLifetime)
	s.counters.update(func(c *Counters) {
		c.TokensIssued++
		c.TokenResponses[http.StatusOK]++
	})
	w.Header().Set("Cache-Control", "no-store, no-cache")
	writeJSON(w, http.StatusOK, tokenResponse{TokenType: "Bearer", ExpiresIn: lifetime, ExtExpiresIn: lifetime, AccessToken: token})
}

// entraOutage is Entra ID's answer while it is down.
var entraOutage = &entraFailure{http.StatusServiceUnavailable, "temporarily_unavailable", 90033, "A transient error has occurred. Please try again."}

// checkTokenRequest returns why Entra ID would refuse the request, or nil.
func (s *Simulator) checkTokenRequest(r *http.Request) *entraFailure {
	tenant := r.PathValue("tenant")
	if !s.isTenant(tenant) {
		return &entraFailure{http.StatusBadRequest, "invalid_request", 90002, unknownTenant(tenant).description}
	}
	if err := r.ParseForm(); err != nil {
		return &entraFailure{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'."}
	}
	form := r.PostForm
	if grant := form.Get("grant_type"); grant != "client_credentials" {
		return &entraFailure{http.StatusBadRequest, "unsupported_grant_type", 70003, fmt.Sprintf("The app requested an unsupported grant type '%s'.", grant)}
	}
	clientID, basicSecret, hasBasic := r.BasicAuth()
	if !hasBasic {
		clientID = form.Get("client_id")
	}
	if !strings.EqualFold(clientID, s.opts.ClientID) {
		return &entraFailure{http.StatusBadRequest, "unauthorized_client", 700016, fmt.Sprintf(
			"Application with identifier '%s' was not found in the directory '%s'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.",
			clientID, tenant)}
	}
	switch scope := form.Get("scope"); {
	case scope == "":
		return &entraFailure{http.StatusBadRequest, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."}
	case !isDefaultScope(scope):
		return &entraFailure{http.StatusBadRequest, "invalid_scope", 1002012, fmt.Sprintf(
			"The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", scope)}
	}
	switch {
	case hasBasic:
		return s.checkSecret(basicSecret)
	case form.Has("client_secret"):
		return s.checkSecret(form.Get("client_secret"))
	case form.Has("client_assertion"):
		if form.Get("client_assertion_type") != jwtBearerAssertionType {
			return &entraFailure{http.StatusBadRequest, "invalid_request", 50027, "Invalid client_assertion_type: expected " + jwtBearerAssertionType + "."}
		}
		assertion := form.Get("client_assertion")
		if s.isFederatedToken(assertion) {
			return nil
		}
		return verifyClientAssertion(assertion, assertionExpectations{
			certificate: s.opts.ClientCertificate,
			federated:   s.opts.FederatedToken != "",
			clientID:    s.opts.ClientID,
			audience:    authorityOf(r) + r.URL.Path,
			now:         s.now(),
		})
	}
	return &entraFailure{http.StatusUnauthorized, "invalid_client", 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."}
}

// openIDScopes are added by MSAL to every request; Entra ID ignores them in
// the client credentials flow.
var openIDScopes = map[string]bool{"openid": true, "offline_access": true, "profile": true, "email": true}

// isDefaultScope reports whether the space-separated scope asks for one
// resource's application permissions, "<resource>/.default".
func isDefaultScope(scope string) bool {
	var resources []string
	for _, s := range strings.Fields(scope) {
		if !openIDScopes[s] {
			resources = append(resources, s)
		}
	}
	return len(resources) == 1 && strings.HasSuffix(resources[0], "/.default")
}

func (s *Simulator) checkSecret(secret string) *entraFailure {
	if s.opts.ClientSecret != "" && subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1 {
		return nil
	}
	return &entraFailure{http.StatusUnauthorized, "invalid_client", 7000215, fmt.Sprintf(
		"Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.",
		s.opts.ClientID)}
}
