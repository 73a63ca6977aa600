package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// exportedLogsOf is a file exporter's output holding records of table with the ids, each with its
// row in the body, on a resource naming tenant as the receiver names it (none when it is empty).
func exportedLogsOf(tenant, table string, ids []int64) string {
	var records []string
	for _, id := range ids {
		records = append(records, fmt.Sprintf(`{"eventName":%q,"body":{"kvlistValue":{"values":[{"key":"ReportId","value":{"intValue":"%d"}}]}}}`, table, id))
	}
	resource := ""
	if tenant != "" {
		resource = `"resource":{"attributes":[{"key":"defender.tenant.id","value":{"stringValue":"` + tenant + `"}}]},`
	}
	return `{"resourceLogs":[{` + resource + `"scopeLogs":[{"logRecords":[` + strings.Join(records, ",") + `]}]}]}` + "\n"
}

// TestServeManyTenantsThenVerifyOne serves three tenants and checks one tenant's records against
// its own ground truth, with the other tenants' records in the same file.
func TestServeManyTenantsThenVerifyOne(t *testing.T) {
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	ctx := t.Context()
	url, stop := serving(t, "-listen", "127.0.0.1:0", "-ca-out", caFile, "-history", "5m", "-tenants", "3")

	const table = "DeviceNetworkEvents"
	// A window that has ended, so that its events are the same at each look.
	to := time.Now().Add(-time.Minute).Format(time.RFC3339Nano)
	tenants := []string{defaultTenant, simulator.NumberedTenantID(1), simulator.NumberedTenantID(2)}
	truth := map[string][]int64{}
	for _, tenant := range tenants {
		events, err := fetchGroundTruth(ctx, verifyConfig{url: url, caFile: caFile, tenant: tenant, table: table, to: to})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			truth[tenant] = append(truth[tenant], e.ReportID)
		}
	}
	if _, err := fetchGroundTruth(ctx, verifyConfig{url: url, caFile: caFile, tenant: simulator.NumberedTenantID(3), table: table}); err == nil {
		t.Error("the ground truth of a fourth tenant")
	}
	one := truth[tenants[2]]
	if len(one) < 100 || one[0] == truth[tenants[1]][0] {
		t.Fatalf("tenant %s: %d events, the first %d; tenant %s's first %d", tenants[2], len(one), one[0], tenants[1], truth[tenants[1]][0])
	}

	tests := []struct {
		name   string
		file   string
		status int
		report simulator.Report
	}{
		{"every event of the tenant once, the others' records beside them",
			exportedLogsOf(tenants[0], table, truth[tenants[0]]) + exportedLogsOf(strings.ToUpper(tenants[2]), table, one) + exportedLogsOf(tenants[1], table, truth[tenants[1]]),
			exitOK, simulator.Report{Expected: len(one), Delivered: len(one)}},
		{"the tenant's events under another tenant are missing",
			exportedLogsOf(tenants[1], table, one), exitMismatch, simulator.Report{Expected: len(one), Missing: len(one)}},
		{"one of the tenant's events twice",
			exportedLogsOf(tenants[2], table, append([]int64{one[0]}, one...)), exitMismatch, simulator.Report{Expected: len(one), Delivered: len(one), Duplicated: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(dir, "exported.json")
			if err := os.WriteFile(file, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			var out, errOut strings.Builder
			status := run(ctx, []string{"verify", "-url", url, "-ca", caFile, "-tenant", tenants[2], "-table", table, "-to", to, "-file", file}, &out, &errOut)
			if status != tt.status || strings.TrimSpace(out.String()) != tt.report.String() {
				t.Errorf("exit %d, printed %q %q; want exit %d, %q", status, out.String(), errOut.String(), tt.status, tt.report)
			}
		})
	}

	if status, stderr := stop(); status != exitOK {
		t.Errorf("serve exited %d: %s", status, stderr)
	}
}
