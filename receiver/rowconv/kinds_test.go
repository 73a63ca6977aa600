package rowconv

import "testing"

func TestKindOf(t *testing.T) {
	known := map[kind][]string{
		kindString:   {"string", "String", "STRING", "System.String", " string "},
		kindInt:      {"int", "long", "Int16", "Int32", "Int64", "UInt16", "UInt32", "Byte", "System.Int16", "System.Int32", "system.int64", "System.UInt16", "System.UInt32", "System.Byte"},
		kindDouble:   {"real", "double", "Double", "Single", "float", "System.Double", "System.Single"},
		kindBool:     {"bool", "Boolean", "boolean", "SByte", "System.Boolean", "System.SByte"},
		kindDateTime: {"datetime", "date", "DateTime", "System.DateTime"},
		kindTimespan: {"timespan", "time", "TimeSpan", "System.TimeSpan"},
		kindGUID:     {"guid", "uniqueid", "Guid", "System.Guid"},
		kindDecimal:  {"decimal", "Decimal", "System.Decimal", "SqlDecimal", "System.Data.SqlTypes.SqlDecimal"},
		kindDynamic:  {"dynamic", "Object", "System.Object", "DYNAMIC"},
	}
	for want, names := range known {
		for _, name := range names {
			got, ok := kindOf(name)
			if !ok || got != want {
				t.Errorf("kindOf(%q) = %v, %v; want %v, true", name, got, ok, want)
			}
		}
	}
	// Kusto names take no namespace; unlisted .NET types and near-misses are unknown.
	for _, name := range []string{"", "System.long", "System.dynamic", "UInt64", "Int8", "strings", "System.", "System.Data.SqlTypes.Int64x", "Newtonsoft.Json.Linq.JToken"} {
		if got, ok := kindOf(name); ok || got != kindUnknown {
			t.Errorf("kindOf(%q) = %v, %v; want unknown", name, got, ok)
		}
	}
}
