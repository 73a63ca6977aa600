package rowconv

import "strings"

// kind is a column's value kind, resolved once per response from its Schema type name so that the
// per-row path switches on a small integer instead of comparing type names.
type kind uint8

const (
	// kindUnknown columns (unrecognised type names, and row keys absent from the Schema) keep
	// each value as its JSON type gives it.
	kindUnknown kind = iota
	kindString
	kindInt
	kindDouble
	kindBool
	kindDateTime
	kindTimespan
	kindGUID
	kindDecimal
	kindDynamic
)

// kustoKinds holds Kusto type names and their aliases, lower-cased.
var kustoKinds = map[string]kind{
	"string":   kindString,
	"int":      kindInt,
	"long":     kindInt,
	"real":     kindDouble,
	"double":   kindDouble,
	"float":    kindDouble,
	"bool":     kindBool,
	"boolean":  kindBool,
	"datetime": kindDateTime,
	"date":     kindDateTime,
	"timespan": kindTimespan,
	"time":     kindTimespan,
	"guid":     kindGUID,
	"uniqueid": kindGUID,
	"decimal":  kindDecimal,
	"dynamic":  kindDynamic,
}

// dotnetKinds holds the .NET type names Kusto clients report, lower-cased and without the
// "System." namespace. SByte is how Kusto clients report bool; SqlDecimal (namespace
// System.Data.SqlTypes) is the .NET type of Kusto's decimal.
var dotnetKinds = map[string]kind{
	"string":     kindString,
	"int16":      kindInt,
	"int32":      kindInt,
	"int64":      kindInt,
	"uint16":     kindInt,
	"uint32":     kindInt,
	"byte":       kindInt,
	"double":     kindDouble,
	"single":     kindDouble,
	"boolean":    kindBool,
	"sbyte":      kindBool,
	"datetime":   kindDateTime,
	"timespan":   kindTimespan,
	"guid":       kindGUID,
	"decimal":    kindDecimal,
	"sqldecimal": kindDecimal,
	"object":     kindDynamic,
}

// kindOf resolves a Schema type name, in any letter case, in its Kusto spelling, its .NET spelling,
// or its namespace-qualified .NET spelling ("System.Int64"). ok is false for names it does not know.
func kindOf(typeName string) (k kind, ok bool) {
	name := strings.ToLower(strings.TrimSpace(typeName))
	if k, ok := kustoKinds[name]; ok {
		return k, true
	}
	if k, ok := dotnetKinds[name]; ok {
		return k, true
	}
	// The namespace prefix is accepted only in front of .NET names: "System.long" is no type.
	for _, ns := range [...]string{"system.", "system.data.sqltypes."} {
		if rest, found := strings.CutPrefix(name, ns); found {
			if k, ok := dotnetKinds[rest]; ok {
				return k, true
			}
		}
	}
	return kindUnknown, false
}
