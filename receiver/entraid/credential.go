// Package entraid obtains Entra ID (Azure AD) access tokens for the hunting API with Azure's own
// identity library, and attaches them to outgoing requests.
package entraid

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// Settings is an Entra ID application registration and where it signs in.
type Settings struct {
	TenantID string
	ClientID string
	// Exactly one of ClientSecret and CertificateFile is set.
	ClientSecret        string
	CertificateFile     string // PEM (unencrypted key) or PKCS#12 with the certificate and its private key
	CertificatePassword string
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

	if s.CertificateFile == "" {
		return azidentity.NewClientSecretCredential(s.TenantID, s.ClientID, s.ClientSecret,
			&azidentity.ClientSecretCredentialOptions{ClientOptions: options, DisableInstanceDiscovery: disableDiscovery})
	}
	data, err := os.ReadFile(s.CertificateFile)
	if err != nil {
		return nil, fmt.Errorf("reading certificate_file: %w", err)
	}
	var password []byte
	if s.CertificatePassword != "" {
		password = []byte(s.CertificatePassword)
	}
	certs, key, err := azidentity.ParseCertificates(data, password)
	if err != nil {
		return nil, fmt.Errorf("parsing certificate_file %s: %w", s.CertificateFile, err)
	}
	return azidentity.NewClientCertificateCredential(s.TenantID, s.ClientID, certs, key,
		&azidentity.ClientCertificateCredentialOptions{ClientOptions: options, DisableInstanceDiscovery: disableDiscovery})
}
