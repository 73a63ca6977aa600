package simulator

import (
	"fmt"
	"maps"
	"strings"
	"testing"
)

func TestReadDelivered(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    map[int64]int
		wantErr bool
	}{
		{
			name:  "attributes with intValue as string and as number",
			input: `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"ReportId","value":{"intValue":"17"}}]},{"attributes":[{"key":"other","value":{"stringValue":"x"}},{"key":"ReportId","value":{"intValue":18}}]}]}]}]}`,
			want:  map[int64]int{17: 1, 18: 1},
		},
		{
			name: "kvlist body, one request per line, duplicates counted",
			input: `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"kvlistValue":{"values":[{"key":"FileName","value":{"stringValue":"cmd.exe"}},{"key":"ReportId","value":{"intValue":"1000000000005"}}]}}}]}]}]}` + "\n" +
				`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"kvlistValue":{"values":[{"key":"ReportId","value":{"intValue":"1000000000005"}}]}}}]}]}]}` + "\n",
			want: map[int64]int{1000000000005: 2},
		},
		{
			name:  "attribute wins over body; string and double values",
			input: `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"attributes":[{"key":"ReportId","value":{"stringValue":"3"}}],"body":{"kvlistValue":{"values":[{"key":"ReportId","value":{"intValue":"4"}}]}}},{"attributes":[{"key":"ReportId","value":{"doubleValue":5}}]}]}]}]}`,
			want:  map[int64]int{3: 1, 5: 1},
		},
		{
			name:  "string body holding the row's JSON",
			input: `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"{\"ReportId\":6,\"FileName\":\"a\"}"}}]}]}]}`,
			want:  map[int64]int{6: 1},
		},
		{
			name:  "records without ReportId are skipped",
			input: `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":{"stringValue":"no id"}}]}]}]}`,
			want:  map[int64]int{},
		},
		{name: "empty file", input: "", want: map[int64]int{}},
		{name: "broken line", input: `{"resourceLogs":[`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadDelivered(strings.NewReader(tt.input))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if !tt.wantErr && !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestReadDeliveredFrom(t *testing.T) {
	resource := func(tenant string, ids ...int) string {
		var records []string
		for _, id := range ids {
			records = append(records, fmt.Sprintf(`{"eventName":"DeviceNetworkEvents","attributes":[{"key":"ReportId","value":{"intValue":"%d"}}]}`, id))
		}
		return `{"resource":{"attributes":[{"key":"defender.tenant.id","value":{"stringValue":"` + tenant + `"}}]},"scopeLogs":[{"logRecords":[` + strings.Join(records, ",") + `]}]}`
	}
	input := `{"resourceLogs":[` + resource("tenant-a", 1, 2) + "," + resource("TENANT-B", 3) + "," + resource("tenant-a", 2) + `]}` + "\n" +
		`{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"DeviceNetworkEvents","attributes":[{"key":"ReportId","value":{"intValue":"9"}}]}]}]}]}` + "\n"
	tests := []struct {
		tenant, table string
		want          map[int64]int
	}{
		{"tenant-a", "", map[int64]int{1: 1, 2: 2}},
		{"tenant-b", "DeviceNetworkEvents", map[int64]int{3: 1}},
		{"tenant-b", "DeviceProcessEvents", map[int64]int{}},
		{"", "", map[int64]int{1: 1, 2: 2, 3: 1, 9: 1}},
		{"tenant-c", "", map[int64]int{}},
	}
	byTenant, err := ReadDeliveredByTenant(strings.NewReader(input))
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]map[int64]int{"tenant-a": {1: 1, 2: 2}, "tenant-b": {3: 1}, "": {9: 1}}; len(byTenant) != len(want) ||
		!maps.Equal(byTenant["tenant-a"], want["tenant-a"]) || !maps.Equal(byTenant["tenant-b"], want["tenant-b"]) || !maps.Equal(byTenant[""], want[""]) {
		t.Errorf("by tenant: got %v, want %v", byTenant, want)
	}
	for _, tt := range tests {
		t.Run(tt.tenant+"/"+tt.table, func(t *testing.T) {
			got, err := ReadDeliveredFrom(strings.NewReader(input), tt.tenant, tt.table)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	expected := []Event{{ReportID: 1}, {ReportID: 2}, {ReportID: 3}}
	tests := []struct {
		name      string
		delivered map[int64]int
		want      Report
		text      string
		ok        bool
	}{
		{"exactly once", map[int64]int{1: 1, 2: 1, 3: 1}, Report{Expected: 3, Delivered: 3}, "expected=3 delivered=3 missing=0 duplicated=0 unexpected=0", true},
		{"missing and duplicated", map[int64]int{1: 2, 3: 1}, Report{Expected: 3, Delivered: 2, Missing: 1, Duplicated: 1}, "expected=3 delivered=2 missing=1 duplicated=1 unexpected=0", false},
		{"unexpected only", map[int64]int{1: 1, 2: 1, 3: 1, 9: 1}, Report{Expected: 3, Delivered: 3, Unexpected: 1}, "expected=3 delivered=3 missing=0 duplicated=0 unexpected=1", true},
		{"nothing delivered", nil, Report{Expected: 3, Missing: 3}, "expected=3 delivered=0 missing=3 duplicated=0 unexpected=0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compare(expected, tt.delivered)
			if got != tt.want || got.String() != tt.text || got.OK() != tt.ok {
				t.Errorf("got %s (OK %v), want %s (OK %v)", got, got.OK(), tt.text, tt.ok)
			}
		})
	}
}
