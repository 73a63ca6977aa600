package simulator

import (
	"fmt"
	"strings"
)

// kind is the Kusto type a column's values have, whatever name the schema
// reports for it. Queries are type-checked and evaluated by kind.
type kind int

const (
	kindString   kind = iota
	kindLong          // int and long: values are int64
	kindReal          // values are float64
	kindDecimal       // values are json.Number, so they print exactly
	kindBool          // values are bool
	kindDatetime      // values are time.Time in UTC, whole 100-ns ticks
	kindTimespan      // values are time.Duration, whole 100-ns ticks
	kindGuid          // values are lower-case GUID strings
	kindDynamic       // values are maps, slices, or strings holding JSON
)

// String returns the Kusto name of the kind, as used in Kusto's error messages.
func (k kind) String() string {
	return [...]string{"string", "long", "real", "decimal", "bool", "datetime", "timespan", "guid", "dynamic"}[k]
}

// isText reports whether values of the kind are compared as text.
func (k kind) isText() bool {
	return k == kindString || k == kindGuid || k == kindDynamic
}

// kindOfTypeName maps a schema type name, in Kusto or .NET spelling and any
// letter case, to its kind. SByte is how Kusto clients report bool columns.
func kindOfTypeName(typeName string) (kind, error) {
	switch strings.ToLower(typeName) {
	case "string":
		return kindString, nil
	case "int", "int32", "long", "int64":
		return kindLong, nil
	case "real", "double":
		return kindReal, nil
	case "decimal":
		return kindDecimal, nil
	case "bool", "boolean", "sbyte":
		return kindBool, nil
	case "datetime":
		return kindDatetime, nil
	case "timespan":
		return kindTimespan, nil
	case "guid":
		return kindGuid, nil
	case "dynamic", "object":
		return kindDynamic, nil
	}
	return 0, fmt.Errorf("unknown schema type name %q", typeName)
}
