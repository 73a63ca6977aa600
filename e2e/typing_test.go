package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// Resource attributes the receiver sets on every record.
const (
	attrTenantID  = "defender.tenant.id"
	attrQueryName = "defender.hunting.query.name"
)

// columnKinds are the OTLP/JSON types columns must have, for the Schema types (in comments) the
// simulator reports for them. Null values are absent and not counted.
var columnKinds = []struct{ table, column, kind string }{
	{"DeviceProcessEvents", "ProcessId", "intValue"},                   // Int64
	{"DeviceProcessEvents", "CreatedProcessSessionId", "intValue"},     // Int32
	{"DeviceProcessEvents", "IsProcessRemoteSession", "boolValue"},     // Boolean
	{"DeviceProcessEvents", "ProcessCreationTime", "stringValue"},      // DateTime
	{"DeviceProcessEvents", "AdditionalFields", "kvlistValue"},         // Object, nested or as JSON text
	{"DeviceNetworkEvents", "RemotePort", "intValue"},                  // int
	{"DeviceNetworkEvents", "AdditionalFields", "kvlistValue"},         // dynamic, nested or as JSON text
	{"AADSignInEventsBeta", "ReportId", "intValue"},                    // long
	{"AADSignInEventsBeta", "ErrorCode", "intValue"},                   // Int32
	{"AADSignInEventsBeta", "Latitude", "doubleValue"},                 // real
	{"AADSignInEventsBeta", "Longitude", "doubleValue"},                // Double
	{"AADSignInEventsBeta", "IsCompliant", "boolValue"},                // bool
	{"AADSignInEventsBeta", "IsManaged", "boolValue"},                  // SByte, sent as 0 or 1
	{"AADSignInEventsBeta", "Timestamp", "stringValue"},                // DateTime, its 7 digits kept
	{"AADSignInEventsBeta", "ApplicationId", "stringValue"},            // Guid
	{"AADSignInEventsBeta", "SignInDuration", "stringValue"},           // TIMESPAN
	{"AADSignInEventsBeta", "RiskScore", "stringValue"},                // Decimal, kept exact
	{"AADSignInEventsBeta", "LogonType", "stringValue"},                // string holding JSON text: not parsed
	{"AADSignInEventsBeta", "ConditionalAccessPolicies", "arrayValue"}, // dynamic, nested
	{"AADSignInEventsBeta", "NetworkLocationDetails", "arrayValue"},    // Object, as JSON text
}

// dynamicForms tell apart, by a property only one of them has, the two forms a dynamic value comes
// in (nested JSON, or JSON encoded in a string): both must turn into a kvlist.
var dynamicForms = []struct{ table, column, form, property string }{
	{"DeviceProcessEvents", "AdditionalFields", "nested JSON", "Parent"},
	{"DeviceProcessEvents", "AdditionalFields", "JSON text", "Source"},
	{"DeviceNetworkEvents", "AdditionalFields", "nested JSON", "ja3"},
	{"DeviceNetworkEvents", "AdditionalFields", "JSON text", "Quoted"},
}

// semanticAttributes are the semantic convention attributes records of each simulated table must
// carry, and the columns whose values they hold (the same OTLP/JSON value: strings, and ints for
// pids and ports).
var semanticAttributes = map[string]map[string]string{
	"DeviceProcessEvents": {
		"host.name": "DeviceName", "host.id": "DeviceId", "user.name": "AccountName",
		"process.executable.name": "FileName", "process.executable.path": "FolderPath", "process.command_line": "ProcessCommandLine",
		"process.pid": "ProcessId", "process.parent_pid": "InitiatingProcessId",
	},
	"DeviceNetworkEvents": {
		"host.name": "DeviceName", "host.id": "DeviceId",
		"network.local.address": "LocalIP", "network.local.port": "LocalPort", "network.peer.address": "RemoteIP", "network.peer.port": "RemotePort",
		"process.executable.name": "InitiatingProcessFileName", "process.pid": "InitiatingProcessId", "process.command_line": "InitiatingProcessCommandLine",
	},
	"AADSignInEventsBeta": {
		"host.name": "DeviceName", "user.id": "AccountObjectId", "client.address": "IPAddress", "user_agent.original": "UserAgent",
	},
}

// checkSemantics checks what makes a record usable as it arrives: its table as the event name, an
// event id, the semantic attributes of its table, network.transport in lower case, and the table's
// default routing on the resource unless the query set its own.
func checkSemantics(t *testing.T, r exportedRecord, table string, seen map[string]int) {
	t.Helper()
	id := r.reportID()
	require.Equal(t, table, r.eventName, "event name of ReportId %d", id)
	require.Regexp(t, `^[0-9a-f]{32}$`, r.attributes["log.record.uid"].str(), "log.record.uid of ReportId %d", id)
	for attribute, column := range semanticAttributes[table] {
		want, ok := r.columns[column]
		if !ok {
			require.NotContains(t, r.attributes, attribute, "ReportId %d has no %s", id, column)
			continue
		}
		require.Equal(t, want, r.attributes[attribute], "%s of ReportId %d, from %s", attribute, id, column)
		seen[table+" "+attribute]++
	}
	if protocol := r.columns["Protocol"].str(); protocol != "" {
		require.Equal(t, strings.ToLower(protocol), r.attributes["network.transport"].str(), "network.transport of ReportId %d", id)
		seen[table+" network.transport"]++
	}
	if _, set := r.resource["data_stream.dataset"]; set && r.resource["com.splunk.sourcetype"].str() != "" {
		seen[table+" routing"]++
	}
}

// checkTyping checks the records of the expected events, as the file exporter wrote them: resource
// attributes, timestamps exact to the nanosecond, and the types of the columns.
func checkTyping(t *testing.T, expected []simulator.Event, records []exportedRecord) {
	t.Helper()
	truth := byReportID(expected)
	type tableColumn struct{ table, column string }
	kindsSeen := map[tableColumn]map[string]int{}
	propertiesSeen := map[tableColumn]map[string]bool{}
	semanticsSeen := map[string]int{}
	for _, r := range records {
		query := r.resource[attrQueryName].str()
		require.Equal(t, tenantID, r.resource[attrTenantID].str(), "resource attribute %s", attrTenantID)
		event, ok := truth[r.reportID()]
		require.True(t, ok, "record of query %q with unknown ReportId %d", query, r.reportID())
		require.Equal(t, event.Table, query, "query name of ReportId %d", event.ReportID)

		require.Equal(t, strconv.FormatInt(event.Timestamp.UnixNano(), 10), r.timeUnixNano, "timeUnixNano of ReportId %d", event.ReportID)
		column, err := time.Parse(time.RFC3339Nano, r.columns["Timestamp"].str())
		require.NoError(t, err, "Timestamp column of ReportId %d", event.ReportID)
		require.True(t, column.Equal(event.Timestamp), "Timestamp column %s of ReportId %d, want %s", column, event.ReportID, event.Timestamp)
		require.NotContains(t, []string{"", "0"}, r.observedTimeUnixNano, "observedTimeUnixNano of ReportId %d", event.ReportID)
		checkSemantics(t, r, event.Table, semanticsSeen)

		for name, value := range r.columns {
			key := tableColumn{query, name}
			if kindsSeen[key] == nil {
				kindsSeen[key], propertiesSeen[key] = map[string]int{}, map[string]bool{}
			}
			kindsSeen[key][value.kind()]++
			for property := range value.kvlist() {
				propertiesSeen[key][property] = true
			}
		}
	}

	for _, want := range columnKinds {
		t.Run(want.table+"."+want.column, func(t *testing.T) {
			seen := kindsSeen[tableColumn{want.table, want.column}]
			require.NotZero(t, seen[want.kind], "no %s value; kinds seen: %v", want.kind, seen)
			require.Len(t, seen, 1, "kinds seen: %v", seen)
		})
	}
	for table, attributes := range semanticAttributes {
		for attribute := range attributes {
			require.NotZero(t, semanticsSeen[table+" "+attribute], "no record of %s with %s", table, attribute)
		}
		require.NotZero(t, semanticsSeen[table+" routing"], "no record of %s with the default routing", table)
	}
	require.NotZero(t, semanticsSeen["DeviceNetworkEvents network.transport"])
	for _, want := range dynamicForms {
		t.Run(want.table+"."+want.column+"/"+want.form, func(t *testing.T) {
			require.True(t, propertiesSeen[tableColumn{want.table, want.column}][want.property],
				"no %s value with property %q", want.form, want.property)
		})
	}
}
