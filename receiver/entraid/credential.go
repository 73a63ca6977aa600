// Package entraid obtains Entra ID (Azure AD) access tokens for the hunting API with Azure's own
// identity library, and attaches them to outgoing requests.
package entraid

import (
	"crypto"
	"crypto/x509"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Settings say how the receiver signs in to Entra ID. Exactly one way is chosen: ClientSecret,
// CertificateFile, FederatedTokenFile, ManagedIdentity or UseDefault.
type Settings struct {
	TenantID string
	// ClientID is the app registration (secret, certificate, workload identity) or, with
	// ManagedIdentity, the user-assigned identity (empty for the system-assigned one).
	ClientID string

	ClientSecret        string
	CertificateFile     string // PEM (unencrypted key) or PKCS#12 with the certificate and its private key
	CertificatePassword string // the PKCS#12 password
	// FederatedTokenFile holds a token of another identity provider that Entra ID trusts (workload
	// identity federation, as a Kubernetes service account token on AKS). It is read again for every
	// token request, since the platform rotates it.
	FederatedTokenFile string
	ManagedIdentity    bool
	// UseDefault is azidentity's default credential chain (environment variables, workload identity,
	// managed identity, developer tools), for developer machines.
	UseDefault bool

	// Authority is the Entra ID host, e.g. https://login.microsoftonline.com.
	Authority string
}

// knownAuthorityHosts are Microsoft's public and sovereign Entra ID hosts. For any other host (a
// private or simulated authority) instance discovery is turned off: it would ask
// login.microsoftonline.com to vouch for a host it does not know, and fail.
var knownAuthorityHosts = map[string]bool{
	"login.microsoftonline.com":        true,
	"login.microsoftonline.us":         true,
	"login.chinacloudapi.cn":           true,
	"login.partner.microsoftonline.cn": true,
}

// NewCredential builds the credential that Settings describe. Token requests go through client, so
// they use the same TLS and proxy settings as the API calls. The credential caches tokens in memory
// and renews them before they expire.
func NewCredential(s Settings, client *http.Client) (azcore.TokenCredential, error) {
	authority, err := url.Parse(s.Authority)
	if err != nil {
		return nil, fmt.Errorf("authority: %w", err)
	}
	options := azcore.ClientOptions{
		Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: strings.TrimSuffix(s.Authority, "/") + "/"},
		Transport: client,
	}
	disableDiscovery := !knownAuthorityHosts[strings.ToLower(authority.Hostname())]

	switch {
	case s.UseDefault:
		return azidentity.NewDefaultAzureCredential(&azidentity.DefaultAzureCredentialOptions{
			ClientOptions:            options,
			TenantID:                 s.TenantID,
			DisableInstanceDiscovery: disableDiscovery,
		})
	case s.ManagedIdentity:
		miOptions := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: options}
		if s.ClientID != "" {
			miOptions.ID = azidentity.ClientID(s.ClientID)
		}
		return azidentity.NewManagedIdentityCredential(miOptions)
	case s.FederatedTokenFile != "":
		return azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
			ClientOptions:            options,
			TenantID:                 s.TenantID,
			ClientID:                 s.ClientID,
			TokenFilePath:            s.FederatedTokenFile,
			DisableInstanceDiscovery: disableDiscovery,
		})
	case s.CertificateFile != "":
		certs, key, err := readCertificate(s.CertificateFile, s.CertificatePassword)
		if err != nil {
			return nil, err
		}
		return azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key,
			&azidentity.ClientCertificateCredentialOptions{ClientOptions: options, DisableInstanceDiscovery: disableDiscovery})
	default:
		return azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: options, DisableInstanceDiscovery: disableDiscovery})
	}
}

// readCertificate loads a PEM or PKCS#12 file with the identity library's own parser.
func readCertificate(path, password string) ([]*x509.Certificate, crypto.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("reading client_certificate_path: %w", err)
	}
	var secret []byte
	if password != "" {
		secret = []byte(password)
	}
	certs, key, err := azidentity.ParseCertificates(data, secret)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing client_certificate_path %s: %w", path, err)
	}
	return certs, key, nil
}
