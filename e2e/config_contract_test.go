package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// signInSections are the receiver's ways of signing in, written as the README writes them (api left
// out), each with what else the collector's configuration needs.
var signInSections = []struct {
	name, receiver, extensions string
}{
	{name: "service principal with a secret", receiver: `
    credentials:
      service_principal:
        client_id: 11111111-1111-1111-1111-111111111111
        client_secret: ${env:DEFENDER_CLIENT_SECRET}`},
	{name: "service principal with a certificate", receiver: `
    credentials:
      service_principal:
        client_id: 11111111-1111-1111-1111-111111111111
        client_certificate_path: /etc/otelcol/defender.p12
        client_certificate_password: ${env:DEFENDER_CLIENT_SECRET}`},
	{name: "workload identity", receiver: `
    credentials:
      workload_identity:
        client_id: 11111111-1111-1111-1111-111111111111
        federated_token_file: /var/run/secrets/azure/tokens/azure-identity-token`},
	{name: "system-assigned managed identity", receiver: `
    credentials:
      managed_identity: {}`},
	{name: "user-assigned managed identity", receiver: `
    credentials:
      managed_identity: {client_id: 22222222-2222-2222-2222-222222222222}`},
	{name: "default credential chain", receiver: `
    credentials:
      use_default: true
      authority: https://login.microsoftonline.com
      scope: https://graph.microsoft.com/.default`},
	{name: "auth extension", receiver: `
    auth:
      authenticator: oauth2client`, extensions: `
  oauth2client:
    client_id: 11111111-1111-1111-1111-111111111111
    client_secret: ${env:DEFENDER_CLIENT_SECRET}
    token_url: https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token
    scopes: [https://graph.microsoft.com/.default]`},
}

// validateConfig runs the collector's validate command on a configuration whose receiver section
// holds signIn, and returns its output and whether it accepted the configuration.
func validateConfig(t *testing.T, signIn, extensions string) (string, bool) {
	t.Helper()
	serviceExtensions := "[]"
	if extensions != "" {
		serviceExtensions = "[oauth2client]"
	}
	config := `
extensions:` + orEmptyMap(extensions) + `
receivers:
  defender_hunting:
    tenant_id: 00000000-0000-0000-0000-000000000000` + signIn + `
    queries:
      - name: processes
        query: DeviceProcessEvents
exporters:
  debug:
service:
  extensions: ` + serviceExtensions + `
  pipelines:
    logs:
      receivers: [defender_hunting]
      exporters: [debug]
`
	path := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(path, []byte(config), 0o600))
	cmd := exec.Command(collectorBinary(t), "validate", "--config", path)
	cmd.Env = append(os.Environ(), "DEFENDER_CLIENT_SECRET="+clientSecret)
	output, err := cmd.CombinedOutput()
	return string(output), err == nil
}

func orEmptyMap(section string) string {
	if section == "" {
		return " {}"
	}
	return section
}

// TestValidateAcceptsEachSignIn runs the built collector's validate command on each way of signing
// in as the README writes it.
func TestValidateAcceptsEachSignIn(t *testing.T) {
	for _, tc := range signInSections {
		t.Run(tc.name, func(t *testing.T) {
			output, ok := validateConfig(t, tc.receiver, tc.extensions)
			assert.True(t, ok, "validate refused it:\n%s", output)
		})
	}
}

// TestValidateRefusesTheOldShape runs the validate command on the earlier shape, where auth held the
// application, and on sign-ins that say too little or too much: each is refused with what to write.
func TestValidateRefusesTheOldShape(t *testing.T) {
	for _, tc := range []struct {
		name, receiver string
		want           []string
	}{
		{"old shape", `
    auth:
      client_id: 11111111-1111-1111-1111-111111111111
      client_secret: ${env:DEFENDER_CLIENT_SECRET}`, []string{
			"auth.client_id: moved: set client_id under credentials.service_principal",
			"auth.client_secret: moved: set client_secret under credentials.service_principal",
		}},
		{"no sign-in", ``, []string{"credentials: required: set credentials (an Entra ID application or identity) or auth.authenticator"}},
		{"two kinds", `
    credentials:
      managed_identity: {}
      use_default: true`, []string{"credentials: managed_identity and use_default are set; set only one of"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			output, ok := validateConfig(t, tc.receiver, "")
			require.False(t, ok, "validate accepted it:\n%s", output)
			for _, want := range tc.want {
				assert.Contains(t, output, want)
			}
			assert.NotContains(t, output, clientSecret, "the secret is never printed")
		})
	}
}

// TestAuthExtensionSignsTheCalls has contrib's oauth2client extension sign the calls, named by the
// receiver's confighttp auth key in place of credentials: every event arrives once.
func TestAuthExtensionSignsTheCalls(t *testing.T) {
	const table = "DeviceProcessEvents"
	world := startFrozenWorld(t, simulator.Options{}, table)
	expected := world.expected()
	receiver := receiverConfig(world.sim, tableQuery(table, pollInterval, frozenLookback))
	delete(receiver, "credentials")
	receiver["auth"] = map[string]any{"authenticator": "oauth2client"}
	out := newExportedFile(t)
	config := collectorConfig(receiver, map[string]any{"file": fileExporter(out.path)}, t.TempDir())
	config["extensions"].(map[string]any)["oauth2client"] = map[string]any{
		"client_id":     clientID,
		"client_secret": "${env:DEFENDER_CLIENT_SECRET}",
		"token_url":     world.sim.URL() + "/" + tenantID + "/oauth2/v2.0/token",
		"scopes":        []string{"https://graph.microsoft.com/.default"},
		"tls":           map[string]any{"ca_file": world.sim.caFile},
	}
	service := config["service"].(map[string]any)
	service["extensions"] = append(service["extensions"].([]string), "oauth2client")

	collector := startCollector(t, config)
	awaitDeliveries(collector, len(expected), deliveryTimeout, out.delivered)
	collector.stop()

	delivered, err := out.delivered()
	require.NoError(t, err)
	requireExactlyOnce(t, expected, delivered)
	stats := world.sim.logStats(t)
	assert.Positive(t, stats.TokenResponses[200], "the extension signed in")
	assert.Zero(t, stats.DiscoveryRequests, "no Entra ID credential of the receiver's own was used")
	logs, err := os.ReadFile(collector.logPath)
	require.NoError(t, err)
	assert.NotContains(t, string(logs), clientSecret, "the secret is never logged")
}
