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
	"github.com/defender-otel/defenderhuntingreceiver/receiver/entraid"
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
	minimal.TenantID = "00000000-0000-0000-0000-000000000000"
	minimal.Credentials = &CredentialsConfig{ServicePrincipal: &ServicePrincipalConfig{
		ClientID:     "11111111-1111-1111-1111-111111111111",
		ClientSecret: "s3cret",
	}}
	processes := defaultQueryConfig()
	processes.Name, processes.Query = "processes", "DeviceProcessEvents"
	minimal.Queries = []QueryConfig{processes}

	full := createDefaultConfig().(*Config)
	full.API, full.Cloud = APIAdvancedHunting, CloudGCCHigh
	full.Endpoint = "https://us.api.security.microsoft.com"
	full.Timeout = 2 * time.Minute
	full.TLS.CAFile = "/etc/ssl/defender-ca.pem"
	full.TenantID = "00000000-0000-0000-0000-000000000000"
	full.Credentials = &CredentialsConfig{
		ServicePrincipal: &ServicePrincipalConfig{
			ClientID:                  "11111111-1111-1111-1111-111111111111",
			ClientCertificatePath:     "/etc/otelcol/defender.p12",
			ClientCertificatePassword: "p12-pass",
		},
		Authority: "https://login.microsoftonline.us",
		Scope:     "https://api-gov.security.microsoft.us/.default",
	}
	full.Storage = &storageID
	electorID := component.MustNewID("k8s_leader_elector")
	full.K8sLeaderElector = &electorID
	full.ColumnsIn, full.SemanticAttributes = ColumnsInAttributes, false
	full.RowCap, full.CallsPerMinute, full.BatchSize, full.BatchBytes = 10000, 30, 1000, 4<<20
	full.RetryOnFailure.InitialInterval = time.Second
	full.RetryOnFailure.MaxInterval = 10 * time.Second
	full.RetryOnFailure.MaxElapsedTime = 2 * time.Minute
	network := defaultQueryConfig()
	network.Name, network.Query, network.Table = "network", "NetworkEventsOfServers()", "DeviceNetworkEvents"
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

// TestOldShapeIsRefusedWithWhatToWrite loads configs of the earlier shape, where auth held the
// application: each moved key is named, with where it goes now, and nothing is silently ignored.
func TestOldShapeIsRefusedWithWhatToWrite(t *testing.T) {
	tests := []struct {
		name    string
		wantErr []string
	}{
		{"old_shape", []string{
			"auth.tenant_id: moved: set tenant_id at the top level",
			"auth.client_id: moved: set client_id under credentials.service_principal",
			"auth.client_secret: moved: set client_secret under credentials.service_principal",
		}},
		{"old_shape_every_key", []string{
			"auth.tenant_id: moved:",
			"auth.client_id: moved:",
			"auth.certificate_file: moved: set client_certificate_path under credentials.service_principal",
			"auth.certificate_password: moved: set client_certificate_password under credentials.service_principal",
			"auth.federated_token_file: moved: set federated_token_file under credentials.workload_identity",
			"auth.managed_identity: moved: set credentials.managed_identity: {}",
			"auth.authority: moved: set credentials.authority",
			"auth.scope: moved: set credentials.scope",
		}},
		{"tenant_in_block", []string{"credentials.service_principal.tenant_id: moved: set tenant_id at the top level"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
			require.NoError(t, err)
			sub, err := conf.Sub(component.MustNewIDWithName(metadata.Type.String(), tt.name).String())
			require.NoError(t, err)
			err = sub.Unmarshal(NewFactory().CreateDefaultConfig())
			require.Error(t, err)
			for _, want := range tt.wantErr {
				assert.Contains(t, err.Error(), want)
			}
			assert.NotContains(t, err.Error(), "s3cret")
		})
	}
}

func TestValidateNamesTheKeyAtFault(t *testing.T) {
	tests := []struct {
		name    string
		wantErr []string
	}{
		{"no_tenant", []string{"tenant_id: required"}},
		{"no_credentials", []string{"credentials: required: set credentials (an Entra ID application or identity) or auth.authenticator"}},
		{"empty_credentials", []string{"credentials: set one of service_principal, workload_identity, managed_identity or use_default"}},
		{"two_kinds", []string{"credentials: service_principal and managed_identity are set; set only one of"}},
		{"credentials_and_extension", []string{"credentials and auth are both set; set only one"}},
		{"extension_without_id", []string{"auth.authenticator: required"}},
		{"service_principal_without_client_id", []string{"credentials.service_principal.client_id: required"}},
		{"service_principal_without_secret", []string{"credentials.service_principal: set client_secret or client_certificate_path"}},
		{"secret_and_certificate", []string{"credentials.service_principal: client_secret and client_certificate_path are set; set only one"}},
		{"password_without_certificate", []string{"credentials.service_principal.client_certificate_password: only used with client_certificate_path"}},
		{"workload_identity_incomplete", []string{"credentials.workload_identity.client_id: required", "credentials.workload_identity.federated_token_file: required"}},
		{"plain_http_authority", []string{"credentials.authority:", "must be an https:// URL"}},
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
		{"bad_limits", []string{"row_cap: must be > 0", "calls_per_minute: must be > 0", "batch_size: must be > 0", "batch_bytes: must be > 0"}},
		{"bad_columns_in", []string{`columns_in: must be "body", "json", "attributes" or "both", got "resource"`}},
		{"bad_retry", []string{"retry_on_failure: 'randomization_factor' must be within [0, 1]"}},
		{"take_before_the_window", []string{`queries[0] ("q"): query: "| take" picks or aggregates rows before the window the receiver appends`, "(| where Timestamp > _WindowStart and Timestamp <= _WindowEnd)"}},
		{"bad_table", []string{`queries[0] ("q"): table: "DeviceProcessEvents | take 1" is not a plain table name`}},
		{"bad_watermark", []string{`queries[0] ("q"): watermark: must be "timestamp_column" or "ingestion_time", got "processing_time"`}},
		{"row_cap_over_service_cap", []string{"row_cap: must be at most 100000, the service's cap", "would be taken as complete", "got 100001"}},
		{"interval_too_short", []string{`queries[0] ("spin"): interval: must be at least 100ms`, "got 1ns"}},
		{"interval_just_under_minimum", []string{`queries[0] ("spin"): interval: must be at least 100ms`, "got 99ms"}},
		{"zero_timeout", []string{"timeout: must be > 0", "a stalled server", "got 0s"}},
		{"negative_timeout", []string{"timeout: must be > 0", "got -1s"}},
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

// TestValidateAcceptsTheBounds: the limits themselves are valid (row_cap at the service's cap, the
// shortest interval).
func TestValidateAcceptsTheBounds(t *testing.T) {
	cfg := loadConfig(t, "row_cap_at_service_cap")
	require.NoError(t, xconfmap.Validate(cfg))
	assert.Equal(t, maxRowCap, cfg.RowCap)
	assert.Equal(t, minInterval, cfg.Queries[0].Interval)
}

// TestAQueryOnItsWindowMayAggregate: a query that places the window itself (with the bounds the
// receiver declares) may summarize.
func TestAQueryOnItsWindowMayAggregate(t *testing.T) {
	require.NoError(t, xconfmap.Validate(loadConfig(t, "summarize_on_the_window")))
}

func TestSecretsAreOpaque(t *testing.T) {
	full := loadConfig(t, "full")
	assert.Equal(t, "[REDACTED]", full.Credentials.ServicePrincipal.ClientCertificatePassword.String())
	assert.NotContains(t, fmtConfig(full), "p12-pass")
	assert.NotContains(t, fmtConfig(loadConfig(t, "minimal")), "s3cret")
}

// fmtConfig renders cfg the way a log line with %+v would.
func fmtConfig(cfg *Config) string {
	return fmt.Sprintf("%+v %+v %+v", *cfg, *cfg.Credentials, *cfg.Credentials.ServicePrincipal)
}

// TestEachSignInKind loads each kind of sign-in written as the README shows it, with api left out:
// each validates, goes to Graph, and resolves the hosts of its cloud unless overridden.
func TestEachSignInKind(t *testing.T) {
	tests := []struct {
		name                     string
		api, endpoint, authority string
		scope                    string
		kind                     []string // credentials kinds; none with an auth extension
	}{
		{"minimal", APIGraph, "https://graph.microsoft.com", "https://login.microsoftonline.com", "https://graph.microsoft.com/.default", []string{"service_principal"}},
		{"full", APIAdvancedHunting, "https://us.api.security.microsoft.com", "https://login.microsoftonline.us", "https://api-gov.security.microsoft.us/.default", []string{"service_principal"}},
		{"workload_identity", APIGraph, "https://graph.microsoft.us", "https://login.microsoftonline.us", "https://graph.microsoft.us/.default", []string{"workload_identity"}},
		{"managed_identity_system_assigned", APIGraph, "https://graph.microsoft.com", "https://login.microsoftonline.com", "https://graph.microsoft.com/.default", []string{"managed_identity"}},
		{"managed_identity_user_assigned", APIGraph, "https://graph.microsoft.com", "https://login.microsoftonline.com", "https://graph.microsoft.com/.default", []string{"managed_identity"}},
		{"use_default", APIGraph, "https://graph.microsoft.com", "https://login.microsoftonline.com", "https://graph.microsoft.com/.default", []string{"use_default"}},
		{"auth_extension", APIGraph, "https://graph.microsoft.com", "https://login.microsoftonline.com", "https://graph.microsoft.com/.default", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := loadConfig(t, tt.name)
			require.NoError(t, xconfmap.Validate(cfg))
			assert.Equal(t, tt.api, cfg.API)
			assert.Equal(t, tt.endpoint, cfg.endpoint())
			assert.Equal(t, tt.authority, cfg.authority())
			assert.Equal(t, tt.scope, cfg.scope())
			if tt.kind == nil {
				assert.Nil(t, cfg.Credentials)
				assert.Equal(t, component.MustNewID("oauth2client"), cfg.Auth.Get().AuthenticatorID)
				return
			}
			assert.Equal(t, tt.kind, cfg.Credentials.kinds())
		})
	}
}

// TestEntraSettingsCarryTheOneKind checks what each kind hands the credential builder.
func TestEntraSettingsCarryTheOneKind(t *testing.T) {
	tests := []struct {
		name string
		want entraid.Settings
	}{
		{"minimal", entraid.Settings{ClientID: "11111111-1111-1111-1111-111111111111", ClientSecret: "s3cret"}},
		{"full", entraid.Settings{ClientID: "11111111-1111-1111-1111-111111111111", CertificateFile: "/etc/otelcol/defender.p12", CertificatePassword: "p12-pass", Authority: "https://login.microsoftonline.us"}},
		{"workload_identity", entraid.Settings{ClientID: "11111111-1111-1111-1111-111111111111", FederatedTokenFile: "/var/run/secrets/azure/tokens/azure-identity-token", Authority: "https://login.microsoftonline.us"}},
		{"managed_identity_system_assigned", entraid.Settings{ManagedIdentity: true}},
		{"managed_identity_user_assigned", entraid.Settings{ClientID: "22222222-2222-2222-2222-222222222222", ManagedIdentity: true}},
		{"use_default", entraid.Settings{UseDefault: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := tt.want
			want.TenantID = "00000000-0000-0000-0000-000000000000"
			if want.Authority == "" {
				want.Authority = "https://login.microsoftonline.com"
			}
			assert.Equal(t, want, loadConfig(t, tt.name).entraSettings())
		})
	}
}
