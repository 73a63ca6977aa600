package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// tenantToken gets an access token for tenant with the test app's secret: a multi-tenant app signs
// in to each tenant it is consented in with the same credentials.
func tenantToken(t *testing.T, client *http.Client, s *Simulator, tenant string) response {
	t.Helper()
	return postForm(t, client, s.URL()+"/"+tenant+"/oauth2/v2.0/token", secretForm(testSecret))
}

// tenantIDs runs query with a token of tenant and returns the ReportIds of the rows.
func tenantIDs(t *testing.T, client *http.Client, s *Simulator, tenant, query string) []int64 {
	t.Helper()
	resp := tenantToken(t, client, s, tenant)
	var token tokenResponse
	if resp.status != http.StatusOK || json.Unmarshal(resp.body, &token) != nil {
		t.Fatalf("token for %s: %d %s", tenant, resp.status, resp.body)
	}
	var ids []int64
	for _, row := range decodeResult(t, hunt(t, client, s, token.AccessToken, queryBody(t, query))).Results {
		id, err := row["ReportId"].(json.Number).Int64()
		if err != nil {
			t.Fatalf("ReportId %v: %v", row["ReportId"], err)
		}
		ids = append(ids, id)
	}
	return ids
}

func TestEachTenantHasItsOwnEvents(t *testing.T) {
	start := testNow.Add(-time.Minute)
	tables := []TableSpec{
		{Name: "DeviceProcessEvents", Start: start, Every: 1234567 * tick, PerTimestamp: 2},
		{Name: "DeviceNetworkEvents", Start: start, Every: time.Second, PerTimestamp: 1},
	}
	second, third := NumberedTenantID(1), NumberedTenantID(2)
	s := startSimulator(t, Options{
		TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret,
		MoreTenants: []string{second, third}, Now: newFakeClock(testNow).Now, Tables: tables,
	})
	single := startSimulator(t, Options{Now: newFakeClock(testNow).Now, Tables: tables})
	client := trustingClient(t, s)
	const query = "DeviceProcessEvents | project ReportId, DeviceName, AccountName, ProcessId | sort by ReportId asc"
	rows := func(sim *Simulator, tenant string) []string {
		token := tenantToken(t, trustingClient(t, sim), sim, tenant)
		var tok tokenResponse
		if err := json.Unmarshal(token.body, &tok); err != nil || token.status != http.StatusOK {
			t.Fatalf("token for %s: %d %s", tenant, token.status, token.body)
		}
		var out []string
		for _, row := range decodeResult(t, hunt(t, trustingClient(t, sim), sim, tok.AccessToken, queryBody(t, query))).Results {
			out = append(out, fmt.Sprint(row["DeviceName"], row["AccountName"], row["ProcessId"]))
		}
		return out
	}

	if got, want := rows(s, testTenant), rows(single, testTenant); !slices.Equal(got, want) {
		t.Errorf("the first tenant's rows differ from a single-tenant simulator's")
	}
	if slices.Equal(rows(s, second), rows(s, third)) {
		t.Errorf("two tenants drew the same rows")
	}

	seen := map[int64]string{}
	for _, tenant := range []string{testTenant, second, strings.ToUpper(third)} {
		got := tenantIDs(t, client, s, tenant, query)
		var want []int64
		for _, e := range s.GroundTruthOf(tenant, "DeviceProcessEvents", start.Add(-time.Second), testNow) {
			want = append(want, e.ReportID)
		}
		if len(got) == 0 || !slices.Equal(got, want) {
			t.Errorf("tenant %s: served %d ReportIds, ground truth %d; they differ", tenant, len(got), len(want))
		}
		for _, id := range got {
			if other, dup := seen[id]; dup {
				t.Fatalf("ReportId %d served to tenants %s and %s", id, other, tenant)
			}
			seen[id] = tenant
		}
	}
	if events := s.GroundTruthOf("unknown", "DeviceProcessEvents", start, testNow); events != nil {
		t.Errorf("an unknown tenant has %d events", len(events))
	}
}

func TestEachTenantHasItsOwnQuota(t *testing.T) {
	second := NumberedTenantID(1)
	s := startSimulator(t, Options{
		TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret,
		MoreTenants: []string{second}, Now: newFakeClock(testNow).Now, CallsPerMinute: 2,
	})
	client := trustingClient(t, s)
	token := func(tenant string) string {
		var tok tokenResponse
		resp := tenantToken(t, client, s, tenant)
		if err := json.Unmarshal(resp.body, &tok); err != nil || resp.status != http.StatusOK {
			t.Fatalf("token for %s: %d %s", tenant, resp.status, resp.body)
		}
		return tok.AccessToken
	}
	first, other := token(testTenant), token(second)
	body := queryBody(t, "DeviceNetworkEvents | take 1")
	for i, tt := range []struct {
		token string
		want  int
	}{
		{first, http.StatusOK}, {first, http.StatusOK}, {first, http.StatusTooManyRequests},
		{other, http.StatusOK}, {other, http.StatusOK}, {other, http.StatusTooManyRequests},
	} {
		if got := hunt(t, client, s, tt.token, body).status; got != tt.want {
			t.Errorf("call %d: status %d, want %d", i, got, tt.want)
		}
	}
	if calls := s.Stats().TenantCalls; calls[testTenant] != 3 || calls[second] != 3 {
		t.Errorf("calls by tenant %v, want 3 each", calls)
	}
}

func TestTenantsSignIn(t *testing.T) {
	second := NumberedTenantID(7)
	s := startSimulator(t, Options{
		TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret, MoreTenants: []string{second},
	})
	client := trustingClient(t, s)
	tests := []struct {
		tenant     string
		wantStatus int
		wantError  string
	}{
		{testTenant, http.StatusOK, ""},
		{second, http.StatusOK, ""},
		{strings.ToUpper(second), http.StatusOK, ""},
		{NumberedTenantID(8), http.StatusBadRequest, "AADSTS90002"},
	}
	for _, tt := range tests {
		t.Run(tt.tenant, func(t *testing.T) {
			resp := tenantToken(t, client, s, tt.tenant)
			if resp.status != tt.wantStatus || !strings.Contains(string(resp.body), tt.wantError) {
				t.Errorf("token: %d %s, want %d with %q", resp.status, resp.body, tt.wantStatus, tt.wantError)
			}
			discovery := do(t, client, mustRequest(t, s.URL()+"/"+tt.tenant+"/v2.0/.well-known/openid-configuration"))
			if discovery.status != tt.wantStatus {
				t.Errorf("discovery: %d, want %d", discovery.status, tt.wantStatus)
			}
		})
	}
}

func TestGroundTruthEndpointTakesATenant(t *testing.T) {
	second := NumberedTenantID(1)
	start := testNow.Add(-time.Minute)
	s := startSimulator(t, Options{
		TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret, MoreTenants: []string{second},
		Now: newFakeClock(testNow).Now, Tables: []TableSpec{{Name: "DeviceNetworkEvents", Start: start, Every: time.Second, PerTimestamp: 1}},
	})
	client := trustingClient(t, s)
	tests := []struct {
		tenant     string // the parameter; empty leaves it out
		wantStatus int
		wantIDs    []Event
	}{
		{"", http.StatusOK, s.GroundTruth("DeviceNetworkEvents", time.Time{}, testNow)},
		{second, http.StatusOK, s.GroundTruthOf(second, "DeviceNetworkEvents", time.Time{}, testNow)},
		{NumberedTenantID(2), http.StatusNotFound, nil},
	}
	for _, tt := range tests {
		t.Run(tt.tenant, func(t *testing.T) {
			query := url.Values{"table": {"DeviceNetworkEvents"}}
			if tt.tenant != "" {
				query.Set("tenant", tt.tenant)
			}
			resp := do(t, client, mustRequest(t, s.URL()+"/simulator/groundtruth?"+query.Encode()))
			if resp.status != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.wantStatus, resp.body)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			var report GroundTruthReport
			if err := json.Unmarshal(resp.body, &report); err != nil {
				t.Fatal(err)
			}
			if len(report.ReportIDs) == 0 || !slices.Equal(report.ReportIDs, groundTruthIDs(tt.wantIDs)) {
				t.Errorf("ReportIds %v, want those of %d events", report.ReportIDs, len(tt.wantIDs))
			}
		})
	}
}

func TestNewRefusesBadTenants(t *testing.T) {
	for name, more := range map[string][]string{
		"the first tenant again, in another case": {strings.ToUpper(testTenant)},
		"an empty tenant":                         {""},
		"too many tenants":                        NumberedTenantIDs(maxTenants),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(Options{TenantID: testTenant, ClientID: testClientID, ClientSecret: testSecret, MoreTenants: more}); err == nil {
				t.Error("New accepted the tenants")
			}
		})
	}
}

func mustRequest(t *testing.T, target string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}
