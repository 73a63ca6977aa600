package defenderhuntingreceiver

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configopaque"
)

// AuthConfig says how the receiver signs in: one Entra ID credential (client secret, client
// certificate, workload identity federation or managed identity) or a collector auth extension.
type AuthConfig struct {
	// TenantID is the Defender tenant. It is required with every credential: checkpoints and the
	// call budget are kept per tenant.
	TenantID string `mapstructure:"tenant_id"`
	// ClientID is the app registration; with managed_identity, a user-assigned identity's client ID
	// (leave it empty for the system-assigned identity).
	ClientID string `mapstructure:"client_id"`

	ClientSecret configopaque.String `mapstructure:"client_secret"`
	// CertificateFile holds the client certificate and its private key: PEM (key unencrypted) or
	// PKCS#12.
	CertificateFile string `mapstructure:"certificate_file"`
	// CertificatePassword is the PKCS#12 file's password.
	CertificatePassword configopaque.String `mapstructure:"certificate_password"`
	// FederatedTokenFile is the token file of workload identity federation (on AKS,
	// ${env:AZURE_FEDERATED_TOKEN_FILE}).
	FederatedTokenFile string `mapstructure:"federated_token_file"`
	// ManagedIdentity signs in as the host's managed identity (Azure VM, App Service, Arc, ...).
	ManagedIdentity bool `mapstructure:"managed_identity"`
	// Authenticator names a collector auth extension (for example oauth2client) that authenticates
	// the API calls instead of an Entra ID credential.
	Authenticator *component.ID `mapstructure:"authenticator"`

	// Authority is the Entra ID host; empty means the cloud's.
	Authority string `mapstructure:"authority"`
	// Scope is the token scope; empty means the API's, in the cloud's form.
	Scope string `mapstructure:"scope"`
}

// credentialKeys names the ways of signing in that are set, so that a config with none or several
// can say which.
func (a AuthConfig) credentialKeys() []string {
	var set []string
	if a.ClientSecret != "" {
		set = append(set, "client_secret")
	}
	if a.CertificateFile != "" {
		set = append(set, "certificate_file")
	}
	if a.FederatedTokenFile != "" {
		set = append(set, "federated_token_file")
	}
	if a.ManagedIdentity {
		set = append(set, "managed_identity")
	}
	if a.Authenticator != nil {
		set = append(set, "authenticator")
	}
	return set
}

const allCredentialKeys = "client_secret, certificate_file, federated_token_file, managed_identity or authenticator"

func (a AuthConfig) validate() []error {
	var errs []error
	if a.TenantID == "" {
		errs = append(errs, errors.New("auth.tenant_id: required"))
	}
	set := a.credentialKeys()
	switch len(set) {
	case 0:
		return append(errs, fmt.Errorf("auth: set one of %s", allCredentialKeys))
	case 1:
	default:
		return append(errs, fmt.Errorf("auth: %s are set; set only one of %s", strings.Join(set, " and "), allCredentialKeys))
	}
	switch set[0] {
	case "client_secret", "certificate_file", "federated_token_file":
		if a.ClientID == "" {
			errs = append(errs, fmt.Errorf("auth.client_id: required with %s (the app registration's client ID)", set[0]))
		}
	case "authenticator":
		if a.ClientID != "" {
			errs = append(errs, errors.New("auth.client_id: not used with authenticator (the extension holds the credential)"))
		}
	}
	if a.CertificatePassword != "" && a.CertificateFile == "" {
		errs = append(errs, errors.New("auth.certificate_password: only used with certificate_file"))
	}
	if a.Authority != "" {
		if err := validateHTTPSURL(a.Authority); err != nil {
			errs = append(errs, fmt.Errorf("auth.authority: %w", err))
		}
	}
	return errs
}
