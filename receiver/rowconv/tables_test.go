package rowconv

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
)

// convertForTable converts row under schema as the records of table (empty: rows name theirs) and
// returns the record attributes (the columns kept apart, as in a body) and the outcome.
func convertForTable(t *testing.T, schema []huntingapi.Column, table string, semantic bool, row string) (map[string]any, Outcome) {
	t.Helper()
	c := NewConverter(schema, "Timestamp", "Timestamp")
	c.ForTable(table, semantic)
	columns, attributes := pcommon.NewMap(), pcommon.NewMap()
	out, err := c.Convert([]byte(row), columns, attributes)
	require.NoError(t, err)
	return attributes.AsRaw(), out
}

var uidPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestSemanticAttributesOfEachMappedTable converts one row of each mapped table and checks the
// semantic convention attributes it gives, typed as the conventions say (pids and ports are ints).
func TestSemanticAttributesOfEachMappedTable(t *testing.T) {
	device := `"DeviceId":"6ab83d1b0f07c3d7","DeviceName":"ws-01.contoso.com","AccountName":"alice",`
	initiating := `"InitiatingProcessFileName":"powershell.exe","InitiatingProcessFolderPath":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",` +
		`"InitiatingProcessCommandLine":"powershell.exe -nop","InitiatingProcessId":4242,"InitiatingProcessParentId":"4100",`
	deviceAttrs := map[string]any{"host.id": "6ab83d1b0f07c3d7", "host.name": "ws-01.contoso.com", "user.name": "alice"}
	initiatingAttrs := map[string]any{
		"process.executable.name": "powershell.exe", "process.executable.path": `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
		"process.command_line": "powershell.exe -nop", "process.pid": int64(4242), "process.parent_pid": int64(4100),
	}
	deviceSchema := cols("Timestamp", "datetime", "DeviceId", "string", "DeviceName", "string", "AccountName", "string",
		"InitiatingProcessFileName", "string", "InitiatingProcessFolderPath", "string", "InitiatingProcessCommandLine", "string",
		"InitiatingProcessId", "long", "InitiatingProcessParentId", "long", "ReportId", "long")
	with := func(schema []huntingapi.Column, more ...string) []huntingapi.Column {
		return append(append([]huntingapi.Column(nil), schema...), cols(more...)...)
	}
	merge := func(maps ...map[string]any) map[string]any {
		out := map[string]any{}
		for _, m := range maps {
			for k, v := range m {
				out[k] = v
			}
		}
		return out
	}
	tests := []struct {
		table  string
		schema []huntingapi.Column
		row    string
		want   map[string]any
	}{
		{
			table: "DeviceProcessEvents",
			schema: cols("Timestamp", "datetime", "DeviceId", "string", "DeviceName", "string", "AccountName", "string",
				"FileName", "string", "FolderPath", "string", "ProcessCommandLine", "string", "ProcessId", "long",
				"InitiatingProcessId", "long", "InitiatingProcessFileName", "string", "ReportId", "long"),
			row: `{"Timestamp":"2026-11-30T10:00:00.1234567Z",` + device + `"FileName":"cmd.exe","FolderPath":"C:\\Windows\\System32\\cmd.exe",` +
				`"ProcessCommandLine":"cmd.exe /c whoami","ProcessId":"5120","InitiatingProcessId":4242,"InitiatingProcessFileName":"powershell.exe","ReportId":17}`,
			want: merge(deviceAttrs, map[string]any{
				"process.executable.name": "cmd.exe", "process.executable.path": `C:\Windows\System32\cmd.exe`,
				"process.command_line": "cmd.exe /c whoami", "process.pid": int64(5120), "process.parent_pid": int64(4242),
			}),
		},
		{
			table: "DeviceNetworkEvents",
			schema: with(deviceSchema, "LocalIP", "string", "LocalPort", "int", "RemoteIP", "string", "RemotePort", "int",
				"Protocol", "string", "RemoteUrl", "string"),
			row: `{"Timestamp":"2026-11-30T10:00:00Z",` + device + initiating + `"ReportId":18,"LocalIP":"10.0.0.5","LocalPort":49723,` +
				`"RemoteIP":"20.190.128.5","RemotePort":443,"Protocol":"Tcp","RemoteUrl":"https://login.microsoftonline.com/common"}`,
			want: merge(deviceAttrs, initiatingAttrs, map[string]any{
				"network.local.address": "10.0.0.5", "network.local.port": int64(49723), "network.peer.address": "20.190.128.5",
				"network.peer.port": int64(443), "network.transport": "tcp", "url.full": "https://login.microsoftonline.com/common",
			}),
		},
		{
			table:  "DeviceFileEvents",
			schema: with(deviceSchema, "FileName", "string", "FolderPath", "string", "FileSize", "long"),
			row: `{"Timestamp":"2026-11-30T10:00:00Z",` + device + initiating + `"ReportId":19,"FileName":"invoice.docm",` +
				`"FolderPath":"C:\\Users\\alice\\Downloads\\invoice.docm","FileSize":48213}`,
			want: merge(deviceAttrs, initiatingAttrs, map[string]any{
				"file.name": "invoice.docm", "file.path": `C:\Users\alice\Downloads\invoice.docm`, "file.size": int64(48213),
			}),
		},
		{
			table:  "DeviceLogonEvents",
			schema: with(deviceSchema, "AccountSid", "string", "RemoteIP", "string", "RemotePort", "int", "LogonType", "string"),
			row: `{"Timestamp":"2026-11-30T10:00:00Z",` + device + initiating + `"ReportId":20,"AccountSid":"S-1-5-21-1004",` +
				`"RemoteIP":"10.0.0.9","RemotePort":51234,"LogonType":"RemoteInteractive"}`,
			want: merge(deviceAttrs, initiatingAttrs, map[string]any{
				"user.id": "S-1-5-21-1004", "client.address": "10.0.0.9", "client.port": int64(51234),
			}),
		},
		{
			table: "DeviceEvents",
			schema: with(deviceSchema, "FileName", "string", "FolderPath", "string", "RemoteIP", "string", "RemotePort", "int",
				"Protocol", "string", "RemoteUrl", "string"),
			row: `{"Timestamp":"2026-11-30T10:00:00Z",` + device + initiating + `"ReportId":21,"FileName":"lsass.exe",` +
				`"FolderPath":"C:\\Windows\\System32\\lsass.exe","RemoteIP":"198.51.100.7","RemotePort":53,"Protocol":"Udp","RemoteUrl":"evil.example"}`,
			want: merge(deviceAttrs, initiatingAttrs, map[string]any{
				"file.name": "lsass.exe", "file.path": `C:\Windows\System32\lsass.exe`, "network.peer.address": "198.51.100.7",
				"network.peer.port": int64(53), "network.transport": "udp", // a bare host name is no url.full
			}),
		},
		{
			table: "IdentityLogonEvents",
			schema: cols("Timestamp", "datetime", "AccountName", "string", "AccountObjectId", "string", "AccountDisplayName", "string",
				"DeviceName", "string", "IPAddress", "string", "Port", "int", "DestinationIPAddress", "string", "DestinationPort", "int", "Protocol", "string"),
			row: `{"Timestamp":"2026-11-30T10:00:00Z","AccountName":"alice","AccountObjectId":"8f1c","AccountDisplayName":"Alice Müller",` +
				`"DeviceName":"ws-01","IPAddress":"10.0.0.5","Port":51000,"DestinationIPAddress":"10.0.0.2","DestinationPort":88,"Protocol":"Kerberos"}`,
			want: map[string]any{
				"user.name": "alice", "user.id": "8f1c", "user.full_name": "Alice Müller", "host.name": "ws-01",
				"client.address": "10.0.0.5", "client.port": int64(51000), "server.address": "10.0.0.2", "server.port": int64(88),
			},
		},
		{
			table: "CloudAppEvents",
			schema: cols("Timestamp", "datetime", "AccountObjectId", "string", "AccountDisplayName", "string", "IPAddress", "string",
				"UserAgent", "string", "ReportId", "string"),
			row: `{"Timestamp":"2026-11-30T10:00:00Z","AccountObjectId":"8f1c","AccountDisplayName":"Alice","IPAddress":"203.0.113.9",` +
				`"UserAgent":"Mozilla/5.0","ReportId":"a1b2"}`,
			want: map[string]any{"user.id": "8f1c", "user.full_name": "Alice", "client.address": "203.0.113.9", "user_agent.original": "Mozilla/5.0"},
		},
		{
			table:  "EmailEvents",
			schema: cols("Timestamp", "datetime", "NetworkMessageId", "string", "SenderIPv4", "string", "RecipientEmailAddress", "string"),
			row:    `{"Timestamp":"2026-11-30T10:00:00Z","NetworkMessageId":"m1","SenderIPv4":"192.0.2.44","RecipientEmailAddress":"bob@contoso.com"}`,
			want:   map[string]any{"client.address": "192.0.2.44"},
		},
		{
			table:  "AlertInfo",
			schema: cols("Timestamp", "datetime", "AlertId", "string", "Title", "string", "Severity", "string"),
			row:    `{"Timestamp":"2026-11-30T10:00:00Z","AlertId":"da637","Title":"Suspicious PowerShell","Severity":"High"}`,
			want:   map[string]any{},
		},
		{
			table: "AlertEvidence",
			schema: cols("Timestamp", "datetime", "AlertId", "string", "EntityType", "string", "FileName", "string", "FolderPath", "string",
				"RemoteIP", "string", "RemoteUrl", "string", "AccountName", "string", "AccountObjectId", "string", "DeviceName", "string", "ProcessCommandLine", "string"),
			row: `{"Timestamp":"2026-11-30T10:00:00Z","AlertId":"da637","EntityType":"Process","FileName":"rundll32.exe","FolderPath":"C:\\Windows\\rundll32.exe",` +
				`"RemoteIP":"198.51.100.7","RemoteUrl":"http://198.51.100.7/a","AccountName":"alice","AccountObjectId":"8f1c","DeviceName":"ws-01","ProcessCommandLine":"rundll32.exe x.dll,Run"}`,
			want: map[string]any{
				"file.name": "rundll32.exe", "file.path": `C:\Windows\rundll32.exe`, "network.peer.address": "198.51.100.7",
				"url.full": "http://198.51.100.7/a", "user.name": "alice", "user.id": "8f1c", "host.name": "ws-01", "process.command_line": "rundll32.exe x.dll,Run",
			},
		},
		{
			table:  "SomeNewTable",
			schema: cols("Timestamp", "datetime", "DeviceName", "string", "AccountName", "string", "Other", "string"),
			row:    `{"Timestamp":"2026-11-30T10:00:00Z","DeviceName":"ws-01","AccountName":"alice","Other":"x"}`,
			want:   map[string]any{"host.name": "ws-01", "user.name": "alice"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.table, func(t *testing.T) {
			attrs, out := convertForTable(t, tt.schema, tt.table, true, tt.row)
			assert.Equal(t, tt.table, out.Table)
			assert.Regexp(t, uidPattern, attrs[AttrEventID])
			delete(attrs, AttrEventID)
			assert.Equal(t, tt.want, attrs)

			off, _ := convertForTable(t, tt.schema, tt.table, false, tt.row)
			assert.Equal(t, []string{AttrEventID}, keys(off), "semantic attributes off: the event id only")
		})
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestSemanticValuesThatDoNotFitAreLeftOut checks that a value the conventions' type cannot hold
// gives no attribute (the row keeps it, in its column).
func TestSemanticValuesThatDoNotFitAreLeftOut(t *testing.T) {
	schema := cols("Timestamp", "datetime", "ProcessId", "long", "RemotePort", "string", "Protocol", "string", "RemoteUrl", "string", "DeviceName", "string")
	row := `{"Timestamp":"2026-11-30T10:00:00Z","ProcessId":"n/a","RemotePort":"443x","Protocol":"Icmp","RemoteUrl":"contoso.com","DeviceName":null}`
	for _, table := range []string{"DeviceProcessEvents", "DeviceNetworkEvents"} {
		attrs, _ := convertForTable(t, schema, table, true, row)
		assert.Equal(t, []string{AttrEventID}, keys(attrs), table)
	}
}

// TestTableOfEachRow reads each row's table from the column that names it in a query over several
// tables, and maps each row as its own table's.
func TestTableOfEachRow(t *testing.T) {
	for _, column := range []string{"$table", "Type"} {
		t.Run(column, func(t *testing.T) {
			schema := cols(column, "string", "Timestamp", "datetime", "FileName", "string", "ProcessId", "long", "FileSize", "long")
			c := NewConverter(schema, "Timestamp", "Timestamp")
			c.ForTable("", true)
			for _, tt := range []struct {
				row   string
				table string
				want  map[string]any
			}{
				{`{"` + column + `":"DeviceProcessEvents","Timestamp":"2026-11-30T10:00:00Z","FileName":"cmd.exe","ProcessId":7}`, "DeviceProcessEvents",
					map[string]any{"process.executable.name": "cmd.exe", "process.pid": int64(7)}},
				{`{"` + column + `":"DeviceFileEvents","Timestamp":"2026-11-30T10:00:00Z","FileName":"a.txt","FileSize":12}`, "DeviceFileEvents",
					map[string]any{"file.name": "a.txt", "file.size": int64(12)}},
				{`{"` + column + `":null,"Timestamp":"2026-11-30T10:00:00Z","FileName":"b"}`, "", map[string]any{}},
			} {
				columns, attributes := pcommon.NewMap(), pcommon.NewMap()
				out, err := c.Convert([]byte(tt.row), columns, attributes)
				require.NoError(t, err)
				assert.Equal(t, tt.table, out.Table)
				got := attributes.AsRaw()
				delete(got, AttrEventID)
				assert.Equal(t, tt.want, got)
			}
		})
	}
}

// TestEventID checks what the event id depends on: the same event written in either API's way gets
// the same id; another event, or the same values in another table, another one.
func TestEventID(t *testing.T) {
	device := cols("Timestamp", "datetime", "DeviceName", "string", "ReportId", "long", "FileName", "string", "AdditionalFields", "dynamic", "IngestionTime", "datetime")
	whole := cols("Timestamp", "datetime", "AlertId", "string", "Score", "real", "Flag", "bool", "Extra", "dynamic")
	id := func(schema []huntingapi.Column, table, row string) string {
		c := NewConverter(schema, "Timestamp", "IngestionTime")
		c.ForTable(table, false)
		attrs := pcommon.NewMap()
		_, err := c.Convert([]byte(row), pcommon.NewMap(), attrs)
		require.NoError(t, err)
		uid, ok := attrs.Get(AttrEventID)
		require.True(t, ok)
		return uid.Str()
	}
	const (
		deviceRow = `{"Timestamp":"2026-11-30T10:00:00Z","DeviceName":"ws-01","ReportId":17,"FileName":"cmd.exe","AdditionalFields":{"a":1},"IngestionTime":"2026-11-30T10:01:00Z"}`
		alertRow  = `{"Timestamp":"2026-11-30T10:00:00Z","AlertId":"da1","Score":0.5,"Flag":true,"Extra":{"a":[1,2]}}`
	)
	base := id(device, "DeviceProcessEvents", deviceRow)
	baseAlert := id(whole, "AlertEvidence", alertRow)
	tests := []struct {
		name   string
		schema []huntingapi.Column
		table  string
		row    string
		same   bool
		than   string
	}{
		{"written with 7 fractional digits and a quoted long", device, "DeviceProcessEvents",
			`{"Timestamp":"2026-11-30T10:00:00.0000000Z","DeviceName":"ws-01","ReportId":"17","FileName":"cmd.exe"}`, true, base},
		{"another ingestion time and other columns: device events are told apart by ReportId, DeviceName and Timestamp", device, "DeviceProcessEvents",
			`{"Timestamp":"2026-11-30T10:00:00Z","DeviceName":"ws-01","ReportId":17,"FileName":"other.exe","IngestionTime":"2026-11-30T11:00:00Z"}`, true, base},
		{"another ReportId", device, "DeviceProcessEvents",
			`{"Timestamp":"2026-11-30T10:00:00Z","DeviceName":"ws-01","ReportId":18,"FileName":"cmd.exe"}`, false, base},
		{"another device", device, "DeviceProcessEvents",
			`{"Timestamp":"2026-11-30T10:00:00Z","DeviceName":"ws-02","ReportId":17,"FileName":"cmd.exe"}`, false, base},
		{"100 ns later", device, "DeviceProcessEvents",
			`{"Timestamp":"2026-11-30T10:00:00.0000001Z","DeviceName":"ws-01","ReportId":17,"FileName":"cmd.exe"}`, false, base},
		{"the same values in another device table", device, "DeviceFileEvents", deviceRow, false, base},
		{"dynamic sent as JSON text, with spacing", whole, "AlertEvidence",
			`{"Timestamp":"2026-11-30T10:00:00.0000000Z","AlertId":"da1","Score":5e-1,"Flag":1,"Extra":"{\"a\": [1, 2]}"}`, true, baseAlert},
		{"any column of a table without documented id columns", whole, "AlertEvidence",
			`{"Timestamp":"2026-11-30T10:00:00Z","AlertId":"da1","Score":0.5,"Flag":false,"Extra":{"a":[1,2]}}`, false, baseAlert},
		{"a null where there was a value", whole, "AlertEvidence",
			`{"Timestamp":"2026-11-30T10:00:00Z","AlertId":"da1","Score":0.5,"Flag":true,"Extra":null}`, false, baseAlert},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := id(tt.schema, tt.table, tt.row)
			assert.Regexp(t, uidPattern, got)
			if tt.same {
				assert.Equal(t, tt.than, got)
			} else {
				assert.NotEqual(t, tt.than, got)
			}
		})
	}
	t.Run("a device table whose query left DeviceName out hashes the whole row", func(t *testing.T) {
		schema := cols("Timestamp", "datetime", "ReportId", "long", "FileName", "string")
		a := id(schema, "DeviceProcessEvents", `{"Timestamp":"2026-11-30T10:00:00Z","ReportId":17,"FileName":"a"}`)
		b := id(schema, "DeviceProcessEvents", `{"Timestamp":"2026-11-30T10:00:00Z","ReportId":17,"FileName":"b"}`)
		assert.NotEqual(t, a, b)
	})
}
