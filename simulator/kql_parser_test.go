package simulator

import (
	"testing"
)

func TestParseQueryAcceptsTheSubset(t *testing.T) {
	tests := []struct {
		name   string
		query  string
		stages int
	}{
		{"table only", "DeviceProcessEvents", 0},
		{"documented sample", `DeviceProcessEvents | where InitiatingProcessFileName =~ "powershell.exe" | project Timestamp, FileName, InitiatingProcessFileName | order by Timestamp desc | limit 2`, 4},
		{"receiver window appended", "DeviceProcessEvents\n| where Timestamp > datetime(2026-11-26T10:00:00.1234567Z) and Timestamp <= datetime(2026-11-26T10:05:00.0000000Z)", 1},
		{"comments and blank lines", "// recent PowerShell\nDeviceProcessEvents // table\n\n| where FileName has 'powershell' // term\n| take 10", 2},
		{"pipe inside a string", `DeviceProcessEvents | where ProcessCommandLine contains "a | b"`, 1},
		{"escapes and verbatim strings", `DeviceProcessEvents | where FolderPath == "C:\\Windows\\System32\\cmd.exe" or FolderPath == @"C:\Windows\explorer.exe" or FileName == 'it\'s'`, 1},
		{"in lists", `DeviceProcessEvents | where FileName in ("cmd.exe", "net.exe") and FileName !in~ ('WHOAMI.EXE')`, 1},
		{"negated and case-sensitive operators", `DeviceProcessEvents | where FileName !contains "x" and FileName !has_cs "Y" and FileName !startswith "z" and FileName endswith_cs ".exe"`, 1},
		{"parentheses and not", `DeviceProcessEvents | where (FileName == "a" or FileName == "b") and not(FileSize > 10)`, 1},
		{"emptiness functions", `DeviceProcessEvents | where isnotempty(AccountUpn) and isnull(AdditionalFields)`, 1},
		{"numbers, bools, timespans", `AADSignInEventsBeta | where Latitude > -50.5 and IsGuestUser == false and SignInDuration < 2s and ErrorCode != 0`, 1},
		{"ago and now", `DeviceProcessEvents | where Timestamp > ago(1h) and Timestamp <= now()`, 1},
		{"datetime with spaces and quotes", `DeviceProcessEvents | where Timestamp >= datetime( "2026-11-26 10:00:00" )`, 1},
		{"sort with several keys", `DeviceProcessEvents | sort by FileName asc, Timestamp`, 1},
		{"top becomes sort and take", `DeviceProcessEvents | top 5 by FileSize`, 2},
		{"non-ASCII literal", `DeviceProcessEvents | where DeviceName startswith "東京"`, 1},
		{"receiver's ingestion window", "DeviceProcessEvents\n| extend IngestionTime = ingestion_time()\n| where IngestionTime > datetime(2026-11-26T10:00:00.1234567Z)\n| sort by IngestionTime asc\n| take 100000", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := parseQuery(tt.query, testNow)
			if err != nil {
				t.Fatalf("parseQuery: %v", err)
			}
			if len(q.stages) != tt.stages {
				t.Errorf("got %d stages, want %d", len(q.stages), tt.stages)
			}
		})
	}
}

func TestParseQueryReportsWhereItFailed(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  string
	}{
		{"unsupported operator", "DeviceProcessEvents\n| summarize count() by DeviceName", "Query could not be parsed at 'summarize' on line [2,3]"},
		{"condition missing", "DeviceProcessEvents | where", "Query could not be parsed at '<EOF>' on line [1,28]"},
		{"unterminated string", "DeviceProcessEvents | where FileName == 'cmd.exe", "Query could not be parsed at ''cmd.exe' on line [1,41]"},
		{"bad datetime", "DeviceProcessEvents | where Timestamp > datetime(2026-13-45)", "Query could not be parsed at 'datetime(2026-13-45)' on line [1,41]"},
		{"unknown symbol", "DeviceProcessEvents | where FileName ~ 'x'", "Query could not be parsed at '~' on line [1,38]"},
		{"negative take", "DeviceProcessEvents | take -1", "Query could not be parsed at '-1' on line [1,28]"},
		{"missing pipe", "DeviceProcessEvents where FileName == 'x'", "Query could not be parsed at 'where' on line [1,21]"},
		{"column against column", "DeviceProcessEvents | where FileName == FolderPath", "Query could not be parsed at 'FolderPath' on line [1,41]"},
		{"unknown escape", `DeviceProcessEvents | where FileName == "C:\W"`, `Query could not be parsed at '\W' on line [1,41]`},
		{"ago needs a timespan", "DeviceProcessEvents | where Timestamp > ago(5)", "Query could not be parsed at '5' on line [1,45]"},
		{"unclosed parenthesis", "DeviceProcessEvents | where (FileName == 'x'", "Query could not be parsed at '<EOF>' on line [1,45]"},
		{"multi-line position", "DeviceProcessEvents\n| where FileName == 'x'\n  and and", "Query could not be parsed at 'and' on line [3,7]"},
		{"extend with another function", "DeviceProcessEvents | extend X = now()", "Query could not be parsed at 'now' on line [1,34]"},
		{"extend without a value", "DeviceProcessEvents | extend X", "Query could not be parsed at '<EOF>' on line [1,31]"},
		{"assignment is no comparison", "DeviceProcessEvents | where FileName = 'x'", "Query could not be parsed at '=' on line [1,38]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseQuery(tt.query, testNow)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got error %v, want %q", err, tt.want)
			}
		})
	}
}
