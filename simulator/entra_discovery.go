package simulator

import (
	"net/http"
)

// openIDConfiguration is the part of Entra ID's tenant discovery document
// that clients read. MSAL requires authorization_endpoint, token_endpoint and
// issuer, and refuses an issuer whose scheme and host differ from the
// authority's.
type openIDConfiguration struct {
	TokenEndpoint                    string   `json:"token_endpoint"`
	TokenEndpointAuthMethods         []string `json:"token_endpoint_auth_methods_supported"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseModesSupported           []string `json:"response_modes_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	ScopesSupported                  []string `json:"scopes_supported"`
	Issuer                           string   `json:"issuer"`
	AuthorizationEndpoint            string   `json:"authorization_endpoint"`
	DeviceAuthorizationEndpoint      string   `json:"device_authorization_endpoint"`
	EndSessionEndpoint               string   `json:"end_session_endpoint"`
	TenantRegionScope                string   `json:"tenant_region_scope"`
	CloudInstanceName                string   `json:"cloud_instance_name"`
}

// authorityOf is the authority host as the client addressed it: the issuer
// must match the host the client used (127.0.0.1 or localhost).
func authorityOf(r *http.Request) string {
	return "https://" + r.Host
}

func (s *Simulator) handleOpenIDConfiguration(w http.ResponseWriter, r *http.Request) {
	s.counters.update(func(c *Counters) { c.DiscoveryRequests++ })
	tenant := r.PathValue("tenant")
	if !s.isTenant(tenant) {
		writeEntraFailure(w, unknownTenant(tenant), s.now(), authorityOf(r))
		return
	}
	base := authorityOf(r) + "/" + tenant
	writeJSON(w, http.StatusOK, openIDConfiguration{
		TokenEndpoint:                    base + "/oauth2/v2.0/token",
		TokenEndpointAuthMethods:         []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		JWKSURI:                          base + "/discovery/v2.0/keys",
		ResponseModesSupported:           []string{"query", "fragment", "form_post"},
		SubjectTypesSupported:            []string{"pairwise"},
		IDTokenSigningAlgValuesSupported: []string{"RS256"},
		ResponseTypesSupported:           []string{"code", "id_token", "code id_token", "id_token token"},
		ScopesSupported:                  []string{"openid", "profile", "email", "offline_access"},
		Issuer:                           base + "/v2.0",
		AuthorizationEndpoint:            base + "/oauth2/v2.0/authorize",
		DeviceAuthorizationEndpoint:      base + "/oauth2/v2.0/devicecode",
		EndSessionEndpoint:               base + "/oauth2/v2.0/logout",
		TenantRegionScope:                "EU",
		CloudInstanceName:                "microsoftonline.com",
	})
}

// handleKeys serves the key set named by jwks_uri. It is empty: the
// simulator's access tokens are opaque, not signed JWTs.
func (s *Simulator) handleKeys(w http.ResponseWriter, r *http.Request) {
	tenant := r.PathValue("tenant")
	if !s.isTenant(tenant) {
		writeEntraFailure(w, unknownTenant(tenant), s.now(), authorityOf(r))
		return
	}
	writeJSON(w, http.StatusOK, map[string][]any{"keys": {}})
}
