package defenderhuntingreceiver

import (
	"errors"
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/confmap"
)

// CredentialsConfig is the Entra ID identity the receiver signs in as: exactly one kind, shaped like
// the blocks of contrib's azureauth extension, with the tenant kept at the receiver's top level.
type CredentialsConfig struct {
	// ServicePrincipal is an app registration with a client secret or a client certificate.
	ServicePrincipal *ServicePrincipalConfig `mapstructure:"service_principal"`
	// WorkloadIdentity is an app registration that trusts a token of another identity provider
	// (workload identity federation, as on AKS).
	WorkloadIdentity *WorkloadIdentityConfig `mapstructure:"workload_identity"`
	// ManagedIdentity is the host's managed identity (Azure VM, App Service, Arc, ...): `{}` for the
	// system-assigned one, `{client_id: ...}` for a user-assigned one.
	ManagedIdentity *ManagedIdentityConfig `mapstructure:"managed_identity"`
	// UseDefault signs in with azidentity's default credential chain (environment variables,
	// workload identity, managed identity, Azure CLI, ...): for developer machines.
	UseDefault bool `mapstructure:"use_default"`

	// Authority is the Entra ID host; empty means the cloud's.
	Authority string `mapstructure:"authority"`
	// Scope is the token scope; empty means the API's, in the cloud's form.
	Scope string `mapstructure:"scope"`
}

// ServicePrincipalConfig is an app registration that proves itself with a secret or a certificate.
type ServicePrincipalConfig struct {
	ClientID     string              `mapstructure:"client_id"`
	ClientSecret configopaque.String `mapstructure:"client_secret"`
	// ClientCertificatePath holds the client certificate and its private key: PEM (key unencrypted)
	// or PKCS#12.
	ClientCertificatePath string `mapstructure:"client_certificate_path"`
	// ClientCertificatePassword is the PKCS#12 file's password.
	ClientCertificatePassword configopaque.String `mapstructure:"client_certificate_password"`
}

// WorkloadIdentityConfig is an app registration signed in with a federated token.
type WorkloadIdentityConfig struct {
	ClientID string `mapstructure:"client_id"`
	// FederatedTokenFile is the token file, read again for every token request since the platform
	// rotates it (on AKS, ${env:AZURE_FEDERATED_TOKEN_FILE}).
	FederatedTokenFile string `mapstructure:"federated_token_file"`
}

// ManagedIdentityConfig picks the host's managed identity.
type ManagedIdentityConfig struct {
	// ClientID is a user-assigned identity's client ID; empty for the system-assigned identity.
	ClientID string `mapstructure:"client_id"`
}

const credentialKinds = "service_principal, workload_identity, managed_identity or use_default"

// kinds names the kinds of credential that are set, so that a config with none or several can say
// which.
func (c *CredentialsConfig) kinds() []string {
	var set []string
	if c.ServicePrincipal != nil {
		set = append(set, "service_principal")
	}
	if c.WorkloadIdentity != nil {
		set = append(set, "workload_identity")
	}
	if c.ManagedIdentity != nil {
		set = append(set, "managed_identity")
	}
	if c.UseDefault {
		set = append(set, "use_default")
	}
	return set
}

func (c *CredentialsConfig) validate() []error {
	var errs []error
	switch set := c.kinds(); len(set) {
	case 0:
		errs = append(errs, fmt.Errorf("credentials: set one of %s (managed_identity: {} for the system-assigned identity)", credentialKinds))
	case 1:
	default:
		errs = append(errs, fmt.Errorf("credentials: %s are set; set only one of %s", strings.Join(set, " and "), credentialKinds))
	}
	if sp := c.ServicePrincipal; sp != nil {
		if sp.ClientID == "" {
			errs = append(errs, errors.New("credentials.service_principal.client_id: required (the app registration's client ID)"))
		}
		switch {
		case sp.ClientSecret == "" && sp.ClientCertificatePath == "":
			errs = append(errs, errors.New("credentials.service_principal: set client_secret or client_certificate_path"))
		case sp.ClientSecret != "" && sp.ClientCertificatePath != "":
			errs = append(errs, errors.New("credentials.service_principal: client_secret and client_certificate_path are set; set only one"))
		}
		if sp.ClientCertificatePassword != "" && sp.ClientCertificatePath == "" {
			errs = append(errs, errors.New("credentials.service_principal.client_certificate_password: only used with client_certificate_path"))
		}
	}
	if wi := c.WorkloadIdentity; wi != nil {
		if wi.ClientID == "" {
			errs = append(errs, errors.New("credentials.workload_identity.client_id: required (the app registration's client ID)"))
		}
		if wi.FederatedTokenFile == "" {
			errs = append(errs, errors.New("credentials.workload_identity.federated_token_file: required"))
		}
	}
	if c.Authority != "" {
		if err := validateHTTPSURL(c.Authority); err != nil {
			errs = append(errs, fmt.Errorf("credentials.authority: %w", err))
		}
	}
	return errs
}

// movedKeys are the keys of the configuration's earlier shape, where `auth` held the Entra ID
// application, each with where it lives now. `auth` is confighttp's own key again (an auth
// extension), so without this a config of the old shape would fail with a bare "invalid keys".
var movedKeys = []struct{ key, advice string }{
	{"auth::tenant_id", "set tenant_id at the top level"},
	{"auth::client_id", "set client_id under credentials.service_principal (or credentials.workload_identity, credentials.managed_identity)"},
	{"auth::client_secret", "set client_secret under credentials.service_principal"},
	{"auth::certificate_file", "set client_certificate_path under credentials.service_principal"},
	{"auth::certificate_password", "set client_certificate_password under credentials.service_principal"},
	{"auth::federated_token_file", "set federated_token_file under credentials.workload_identity"},
	{"auth::managed_identity", "set credentials.managed_identity: {} (system-assigned) or {client_id: ...} (user-assigned)"},
	{"auth::authority", "set credentials.authority"},
	{"auth::scope", "set credentials.scope"},
	// The azureauth extension keeps the tenant in its blocks; here it is shared by every kind.
	{"credentials::service_principal::tenant_id", "set tenant_id at the top level"},
	{"credentials::workload_identity::tenant_id", "set tenant_id at the top level"},
}

// refuseMovedKeys names every key of the old shape that conf still uses, with what to write instead.
func refuseMovedKeys(conf *confmap.Conf) error {
	var errs []error
	for _, moved := range movedKeys {
		if conf.IsSet(moved.key) {
			errs = append(errs, fmt.Errorf("%s: moved: %s", strings.ReplaceAll(moved.key, confmap.KeyDelimiter, "."), moved.advice))
		}
	}
	if len(errs) == 0 {
		return nil
	}
	// The collector prints this after the name of the field being decoded, which is empty here.
	return fmt.Errorf("keys of the receiver's earlier configuration shape (auth is now the HTTP client's auth extension key):\n%w", errors.Join(errs...))
}
