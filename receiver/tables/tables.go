// Package tables knows Defender XDR's advanced hunting tables: which OpenTelemetry semantic
// convention attributes their columns give, which columns identify one of their events, and the
// names their records are routed by downstream.
package tables

import "strings"

// Form is how a column's value becomes an attribute.
type Form int

const (
	// String takes a string value as it is.
	String Form = iota
	// Int takes an integer (as semantic conventions type pids and ports).
	Int
	// Transport lower-cases a protocol name to network.transport's values: tcp or udp, nothing for
	// others (Icmp is no transport).
	Transport
	// AbsoluteURL takes a string that is an absolute URL (scheme://...): Defender's RemoteUrl often
	// holds a bare host name, which url.full must not.
	AbsoluteURL
)

// Attribute is a semantic convention attribute set from a column.
type Attribute struct {
	Column string
	Key    string
	Form   Form
}

// Table is what is known of one table.
type Table struct {
	Name string
	// Attributes are the semantic convention attributes its columns give, the ones every table
	// with the column gives included.
	Attributes []Attribute
	// EventID are the columns that tell its events apart, as Microsoft documents them; nil when
	// nothing short of the whole row does.
	EventID []string
}

// everyTable are attributes of any table that has the column.
var everyTable = []Attribute{
	{"DeviceName", "host.name", String},
	{"DeviceId", "host.id", String},
	{"AccountName", "user.name", String},
}

// initiatingProcess are the attributes of the process that acted, in tables whose event is what
// a process did (connected, wrote a file, logged on, ...).
var initiatingProcess = []Attribute{
	{"InitiatingProcessFileName", "process.executable.name", String},
	{"InitiatingProcessFolderPath", "process.executable.path", String},
	{"InitiatingProcessCommandLine", "process.command_line", String},
	{"InitiatingProcessId", "process.pid", Int},
	{"InitiatingProcessParentId", "process.parent_pid", Int},
}

// network are the attributes of a connection seen on a device.
var network = []Attribute{
	{"LocalIP", "network.local.address", String},
	{"LocalPort", "network.local.port", Int},
	{"RemoteIP", "network.peer.address", String},
	{"RemotePort", "network.peer.port", Int},
	{"Protocol", "network.transport", Transport},
	{"RemoteUrl", "url.full", AbsoluteURL},
}

// file are the attributes of the file an event is about.
var file = []Attribute{
	{"FileName", "file.name", String},
	{"FolderPath", "file.path", String},
	{"FileSize", "file.size", Int},
}

// deviceEventID is Microsoft's rule for the device tables: ReportId is a repeating counter, unique
// only together with the device and the time.
var deviceEventID = []string{"ReportId", "DeviceName", "Timestamp"}

// known are the tables mapped beyond everyTable; README's "Semantic attributes" lists what each
// leaves out.
var known = map[string]Table{
	"DeviceProcessEvents": {
		Attributes: join([]Attribute{
			// The event is a process created: it is the process, and the initiating one its parent.
			{"FileName", "process.executable.name", String},
			{"FolderPath", "process.executable.path", String},
			{"ProcessCommandLine", "process.command_line", String},
			{"ProcessId", "process.pid", Int},
			{"InitiatingProcessId", "process.parent_pid", Int},
		}),
		EventID: deviceEventID,
	},
	"DeviceNetworkEvents": {Attributes: join(network, initiatingProcess), EventID: deviceEventID},
	"DeviceFileEvents":    {Attributes: join(file, initiatingProcess), EventID: deviceEventID},
	"DeviceLogonEvents": {
		Attributes: join([]Attribute{
			{"AccountSid", "user.id", String},
			{"RemoteIP", "client.address", String},
			{"RemotePort", "client.port", Int},
		}, initiatingProcess),
		EventID: deviceEventID,
	},
	"DeviceEvents": {Attributes: join(file, network, initiatingProcess), EventID: deviceEventID},
	"IdentityLogonEvents": {Attributes: join([]Attribute{
		{"AccountObjectId", "user.id", String},
		{"AccountDisplayName", "user.full_name", String},
		{"IPAddress", "client.address", String},
		{"Port", "client.port", Int},
		{"DestinationIPAddress", "server.address", String},
		{"DestinationPort", "server.port", Int},
	})},
	"CloudAppEvents": {Attributes: join([]Attribute{
		{"AccountObjectId", "user.id", String},
		{"AccountDisplayName", "user.full_name", String},
		{"IPAddress", "client.address", String},
		{"UserAgent", "user_agent.original", String},
	})},
	"EmailEvents": {Attributes: join([]Attribute{
		{"SenderIPv4", "client.address", String},
	})},
	"AlertInfo": {Attributes: join()},
	"AlertEvidence": {Attributes: join([]Attribute{
		{"FileName", "file.name", String},
		{"FolderPath", "file.path", String},
		{"FileSize", "file.size", Int},
		{"RemoteIP", "network.peer.address", String},
		{"RemoteUrl", "url.full", AbsoluteURL},
		{"ProcessCommandLine", "process.command_line", String},
		{"AccountObjectId", "user.id", String},
	})},
	"AADSignInEventsBeta": {Attributes: join([]Attribute{
		{"AccountObjectId", "user.id", String},
		{"AccountDisplayName", "user.full_name", String},
		{"IPAddress", "client.address", String},
		{"UserAgent", "user_agent.original", String},
	})},
}

// join is everyTable's attributes followed by the lists'; a column that two lists map to the
// same key is kept once, the first list's.
func join(lists ...[]Attribute) []Attribute {
	var out []Attribute
	seen := map[string]bool{}
	for _, list := range append([][]Attribute{everyTable}, lists...) {
		for _, a := range list {
			if !seen[a.Key] {
				seen[a.Key] = true
				out = append(out, a)
			}
		}
	}
	return out
}

// generic is what an unknown table (or none) gets.
var generic = Table{Attributes: everyTable}

// Lookup returns what is known of the table name; a table it does not know gets the attributes
// of every table and no event id columns.
func Lookup(name string) Table {
	t, ok := known[name]
	if !ok {
		t = generic
	}
	t.Name = name
	return t
}

// Dataset is the default data_stream.dataset of the table's records (Elastic routes them to
// logs-<dataset>-<namespace>).
func Dataset(table string) string {
	return "defender_hunting." + snake(table)
}

// SourceType is the default com.splunk.sourcetype of the table's records.
func SourceType(table string) string {
	return "defender:hunting:" + snake(table)
}

// snake writes a table name in lower snake case: DeviceProcessEvents is device_process_events,
// AADSignInEventsBeta aad_sign_in_events_beta.
func snake(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		upper := c >= 'A' && c <= 'Z'
		if upper && i > 0 {
			prevLower := name[i-1] >= 'a' && name[i-1] <= 'z' || name[i-1] >= '0' && name[i-1] <= '9'
			nextLower := i+1 < len(name) && name[i+1] >= 'a' && name[i+1] <= 'z'
			prevUpper := name[i-1] >= 'A' && name[i-1] <= 'Z'
			if prevLower || prevUpper && nextLower {
				b.WriteByte('_')
			}
		}
		if upper {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
