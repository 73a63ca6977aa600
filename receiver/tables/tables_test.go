package tables

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFromQuery(t *testing.T) {
	tests := []struct{ query, want string }{
		{"DeviceProcessEvents", "DeviceProcessEvents"},
		{"DeviceProcessEvents | where FileName =~ \"cmd.exe\"", "DeviceProcessEvents"},
		{"\n  // PowerShell children\nDeviceProcessEvents\n| where InitiatingProcessFileName =~ \"powershell.exe\"\n", "DeviceProcessEvents"},
		{"DeviceNetworkEvents // all of it", "DeviceNetworkEvents"},
		{"DeviceInfo;", "DeviceInfo"},
		{"union DeviceProcessEvents, DeviceFileEvents", ""},
		{"union withsource=$table DeviceProcessEvents, DeviceFileEvents", ""},
		{"search in (DeviceProcessEvents) \"mimikatz\"", ""},
		{"let x = 1; DeviceProcessEvents", ""},
		{"MyFunction()", ""},
		{"DeviceProcessEvents\n| join DeviceNetworkEvents on DeviceId", "DeviceProcessEvents"},
		{"", ""},
		{"// only a comment", ""},
		{"9Lives", ""},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, FromQuery(tt.query), "query %q", tt.query)
	}
}

func TestReadsOnlyItsTable(t *testing.T) {
	tests := []struct {
		query string
		want  bool
	}{
		{"DeviceProcessEvents", true},
		{"DeviceProcessEvents\n| where FileName in~ (\"cmd.exe\", \"powershell.exe\")\n| project Timestamp, FileName, ReportId", true},
		{"DeviceNetworkEvents | extend Port = tostring(RemotePort) | where ActionType == \"ConnectionSuccess\"", true},
		{"DeviceProcessEvents | join kind=inner (DeviceNetworkEvents) on DeviceId", false},
		{"DeviceProcessEvents | lookup DeviceInfo on DeviceId", false},
		{"DeviceProcessEvents | where DeviceId in ((DeviceInfo | where OSPlatform == \"Windows10\" | project DeviceId))", false},
		{"DeviceProcessEvents | where DeviceId in (DeviceInfo | project DeviceId)", false},
		{"DeviceProcessEvents | where FileName == toscalar(DeviceFileEvents | take 1 | project FileName)", false},
		{"DeviceProcessEvents | union DeviceFileEvents", false},
		{"DeviceProcessEvents | JOIN DeviceInfo on DeviceId", false},
		{"let x = 1; DeviceProcessEvents", false},
		{"union DeviceProcessEvents, DeviceFileEvents", false},
		{"DeviceProcessEvents | where ProcessCommandLine has \"join\"", false}, // conservative: the hint is left out
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, ReadsOnlyItsTable(tt.query), "query %q", tt.query)
	}
}

func TestRowPicker(t *testing.T) {
	tests := []struct{ query, want string }{
		{"DeviceProcessEvents", ""},
		{"DeviceProcessEvents | where FileName == \"cmd.exe\" | project Timestamp, FileName", ""},
		{"DeviceProcessEvents | take 100", "take"},
		{"DeviceProcessEvents\n|limit 10", "limit"},
		{"DeviceProcessEvents | TOP 5 by FileSize", "top"},
		{"DeviceProcessEvents | top-nested 3 of FileName by count()", "top-nested"},
		{"DeviceProcessEvents | sample 10", "sample"},
		{"DeviceProcessEvents | summarize count() by FileName", "summarize"},
		{"DeviceProcessEvents | distinct FileName", "distinct"},
		{"DeviceProcessEvents | count", "count"},
		{"DeviceProcessEvents | make-series n = count() on Timestamp step 1h", "make-series"},
		{"DeviceProcessEvents | join (DeviceInfo | take 1) on DeviceId", "take"},
		{"DeviceProcessEvents | where Timestamp > _WindowStart and Timestamp <= _WindowEnd | summarize count() by bin(Timestamp, 1m)", ""},
		{"DeviceProcessEvents | where ProcessCommandLine has \"a|take\"", "take"}, // conservative
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, RowPicker(tt.query), "query %q", tt.query)
	}
}

func TestRoutingNames(t *testing.T) {
	tests := []struct{ table, dataset, sourcetype string }{
		{"DeviceProcessEvents", "defender_hunting.device_process_events", "defender:hunting:device_process_events"},
		{"AADSignInEventsBeta", "defender_hunting.aad_sign_in_events_beta", "defender:hunting:aad_sign_in_events_beta"},
		{"EmailUrlInfo", "defender_hunting.email_url_info", "defender:hunting:email_url_info"},
		{"DeviceTvmSoftwareVulnerabilitiesKB", "defender_hunting.device_tvm_software_vulnerabilities_kb", "defender:hunting:device_tvm_software_vulnerabilities_kb"},
		{"IdentityInfo", "defender_hunting.identity_info", "defender:hunting:identity_info"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.dataset, Dataset(tt.table))
		assert.Equal(t, tt.sourcetype, SourceType(tt.table))
	}
}

// TestEveryKnownTableKeepsTheCommonAttributes checks that each mapped table also gives the
// attributes of every table, each key once.
func TestEveryKnownTableKeepsTheCommonAttributes(t *testing.T) {
	for name := range known {
		table := Lookup(name)
		keys := map[string]bool{}
		for _, a := range table.Attributes {
			assert.False(t, keys[a.Key], "%s maps %s twice", name, a.Key)
			keys[a.Key] = true
		}
		for _, a := range everyTable {
			assert.True(t, keys[a.Key], "%s lacks %s", name, a.Key)
		}
		assert.Equal(t, name, table.Name)
	}
	unknown := Lookup("SomeNewTable")
	assert.Equal(t, everyTable, unknown.Attributes)
	assert.Nil(t, unknown.EventID)
}
