package defenderhuntingreceiver

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/confmap/xconfmap"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	conf, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := conf.Sub(component.MustNewIDWithName(metadata.Type.String(), name).String())
	require.NoError(t, err)
	cfg := NewFactory().CreateDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestLoadConfig(t *testing.T) {
	storageID := component.MustNewID("file_storage")

	minimal := createDefaultConfig().(*Config)
	minimal.Auth.TenantID = "00000000-0000-0000-0000-000000000000"
	minimal.Auth.ClientID = "11111111-1111-1111-1111-111111111111"
	minimal.Auth.ClientSecret = "s3cret"
	processes := defaultQueryConfig()
	processes.Name, processes.Query = "processes", "DeviceProcessEvents"
	minimal.Queries = []QueryConfig{processes}

	full := createDefaultConfig().(*Config)
	full.Endpoint = "https://us.api.security.microsoft.com"
	full.Timeout = 2 * time.Minute
	full.TLS.CAFile = "/etc/ssl/defender-ca.pem"
	full.Auth = AuthConfig{
		TenantID:            "00000000-0000-0000-0000-000000000000",
		ClientID:            "11111111-1111-1111-1111-111111111111",
		CertificateFile:     "/etc/otelcol/defender.pem",
		CertificatePassword: "pem-pass",
		Authority:           "https://login.microsoftonline.us",
	}
	full.Storage = &storageID
	full.ColumnsIn = ColumnsInBody
	full.RowCap, full.CallsPerMinute, full.BatchSize = 10000, 30, 1000
	full.RetryOnFailure.InitialInterval = time.Second
	full.RetryOnFailure.MaxInterval = 10 * time.Second
	full.RetryOnFailure.MaxElapsedTime = 2 * time.Minute
	network := defaultQueryConfig()
	network.Name, network.Query = "network", "DeviceNetworkEvents"
	full.Queries = []QueryConfig{{
		Name:            "powershell_children",
		Query:           "DeviceProcessEvents\n| where InitiatingProcessFileName =~ \"powershell.exe\"\n",
		Interval:        time.Minute,
		TimestampColumn: "ProcessCreationTime",
		Lookback:        30 * 24 * time.Hour,
		IngestionDelay:  0,
		Watermark:       WatermarkIngestionTime,
		ResourceAttributes: map[string]string{
			"com.splunk.sourcetype": "defender:process",
			"data_stream.dataset":   "defender.process",
		},
	}, network}

	tests := []struct {
		name string
		want *Config
	}{
		{name: "minimal", want: minimal},
		{name: "full", want: full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadConfig(t, tt.name)
			assert.Equal(t, tt.want, cfg)
			assert.NoError(t, xconfmap.Validate(cfg))
		})
	}
}

func TestValidateNamesTheKeyAtFault(t *testing.T) {
	tests := []struct {
		name    string
		wantErr []string
	}{
		{"no_tenant", []string{"auth.tenant_id: required"}},
		{"no_credential", []string{"auth: set one of client_secret, certificate_file, federated_token_file, managed_identity or authenticator"}},
		{"two_credentials", []string{"auth: client_secret and certificate_file are set; set only one of"}},
		{"extension_and_secret", []string{"auth: client_secret and authenticator are set; set only one of"}},
		{"federated_without_client_id", []string{"auth.client_id: required with federated_token_file"}},
		{"extension_with_client_id", []string{"auth.client_id: not used with authenticator"}},
		{"unknown_api", []string{`api: unknown api "splunk" (supported: "advanced_hunting", "graph")`}},
		{"unknown_cloud", []string{`cloud: unknown cloud "moon" (supported: commercial, dod, gcc, gcc_high)`}},
		{"plain_http", []string{"endpoint:", "must be an https:// URL"}},
		{"no_queries", []string{"queries: at least one query is required"}},
		{"duplicate_names", []string{`queries[1] ("same"): name: duplicate of queries[0]`}},
		{"empty_query", []string{`queries[0] ("blank"): query: must not be empty`}},
		{"zero_interval", []string{`queries[0] ("fast"): interval: must be > 0, got 0s`}},
		{"long_lookback", []string{`queries[0] ("old"): lookback: must be > 0 and at most 30 days`}},
		{"negative_delay", []string{`queries[0] ("early"): ingestion_delay: must be >= 0`}},
		{"bad_timestamp_column", []string{`queries[0] ("inject"): timestamp_column: "Timestamp | take 1" is not a plain column name`}},
		{"bad_name", []string{`queries[0] ("a/b"): name:`}},
		{"bad_limits", []string{"row_cap: must be > 0", "calls_per_minute: must be > 0", "batch_size: must be > 0"}},
		{"bad_columns_in", []string{`columns_in: must be "attributes", "body" or "both", got "resource"`}},
		{"bad_retry", []string{"retry_on_failure: 'randomization_factor' must be within [0, 1]"}},
		{"bad_watermark", []string{`queries[0] ("q"): watermark: must be "timestamp_column" or "ingestion_time", got "processing_time"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := xconfmap.Validate(loadConfig(t, tt.name))
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
		})
	}
}

func TestSecretsAreOpaque(t *testing.T) {
	cfg := loadConfig(t, "full")
	assert.Equal(t, "[REDACTED]", cfg.Auth.CertificatePassword.String())
	assert.NotContains(t, fmtConfig(cfg), "pem-pass")
	assert.NotContains(t, fmtConfig(loadConfig(t, "minimal")), "s3cret")
}

// fmtConfig renders cfg the way a log line with %+v would.
func fmtConfig(cfg *Config) string { return fmt.Sprintf("%+v %v", *cfg, cfg.Auth) }

// TestHostsFollowCloudAndAPI checks the hosts each valid config resolves to: the cloud's defaults for
// the API unless overridden, and the token scope of the API whatever endpoint the calls go to.
func TestHostsFollowCloudAndAPI(t *testing.T) {
	tests := []struct {
		name                             string
		endpoint, authority, scope, kind string
	}{
		{"minimal", "https://api.security.microsoft.com", "https://login.microsoftonline.com", "https://api.security.microsoft.com/.default", "client_secret"},
		{"full", "https://us.api.security.microsoft.com", "https://login.microsoftonline.us", "https://api.security.microsoft.com/.default", "certificate_file"},
		{"graph_workload_identity", "https://graph.microsoft.us", "https://login.microsoftonline.us", "https://graph.microsoft.us/.default", "federated_token_file"},
		{"managed_identity_user_assigned", "https://graph.microsoft.com", "https://login.microsoftonline.com", "https://graph.microsoft.com/.default", "managed_identity"},
		{"auth_extension", "https://api.security.microsoft.com", "https://login.microsoftonline.com", "https://api.security.microsoft.com/.default", "authenticator"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadConfig(t, tt.name)
			require.NoError(t, xconfmap.Validate(cfg))
			assert.Equal(t, tt.endpoint, cfg.endpoint())
			assert.Equal(t, tt.authority, cfg.authority())
			assert.Equal(t, tt.scope, cfg.scope())
			assert.Equal(t, []string{tt.kind}, cfg.Auth.credentialKeys())
		})
	}
}
