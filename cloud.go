package defenderhuntingreceiver

import (
	"net/url"
	"slices"
	"strings"
)

// Clouds the receiver knows the default hosts of.
const (
	CloudCommercial = "commercial"
	CloudGCC        = "gcc"
	CloudGCCHigh    = "gcc_high"
	CloudDoD        = "dod"
)

// cloudHosts are a cloud's default Entra ID authority and API hosts. They are defaults, not facts
// the receiver relies on: endpoint, credentials.authority and credentials.scope override each of them.
type cloudHosts struct {
	authority       string
	advancedHunting string
	graph           string
}

var clouds = map[string]cloudHosts{
	CloudCommercial: {
		authority:       "https://login.microsoftonline.com",
		advancedHunting: "https://api.security.microsoft.com",
		graph:           "https://graph.microsoft.com",
	},
	CloudGCC: {
		authority:       "https://login.microsoftonline.com",
		advancedHunting: "https://api-gcc.security.microsoft.us",
		graph:           "https://graph.microsoft.com",
	},
	CloudGCCHigh: {
		authority:       "https://login.microsoftonline.us",
		advancedHunting: "https://api-gov.security.microsoft.us",
		graph:           "https://graph.microsoft.us",
	},
	CloudDoD: {
		authority:       "https://login.microsoftonline.us",
		advancedHunting: "https://api-gov.security.microsoft.us",
		graph:           "https://dod-graph.microsoft.us",
	},
}

func cloudNames() string {
	names := make([]string, 0, len(clouds))
	for name := range clouds {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// apiHost is the cloud's default host of the configured API.
func (cfg *Config) apiHost() string {
	if cfg.API == APIGraph {
		return clouds[cfg.Cloud].graph
	}
	return clouds[cfg.Cloud].advancedHunting
}

// endpoint is where the API calls go: the configured endpoint, else the cloud's host for the API.
func (cfg *Config) endpoint() string {
	if cfg.Endpoint != "" {
		return cfg.Endpoint
	}
	return cfg.apiHost()
}

// authority is the Entra ID host tokens come from.
func (cfg *Config) authority() string {
	if cfg.Credentials != nil && cfg.Credentials.Authority != "" {
		return cfg.Credentials.Authority
	}
	return clouds[cfg.Cloud].authority
}

// scope is the token scope: the API's resource in the cloud's form (`{host}/.default`), whatever
// endpoint the calls go to (a regional host, a proxy, a simulator), unless set.
func (cfg *Config) scope() string {
	if cfg.Credentials != nil && cfg.Credentials.Scope != "" {
		return cfg.Credentials.Scope
	}
	u, _ := url.Parse(cfg.apiHost())
	return u.Scheme + "://" + u.Host + "/.default"
}
