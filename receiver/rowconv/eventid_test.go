package rowconv

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// TestEventIDOfNonFiniteReals pins the canonical form of a real column's value in the event id,
// non-finite ones included: the record carries a NaN or an infinity as text ("NaN", "Infinity",
// "-Infinity"), but the id still reads it as the real it is ('d' and Go's form of the float), as it
// always did, so that ids stay the same across versions and however the service spells the value.
// The same text in a string column is a string ('s'), another id.
func TestEventIDOfNonFiniteReals(t *testing.T) {
	// A table without documented id columns: the id hashes the whole row, here its one column.
	id := func(typ, value string) string {
		c := NewConverter(cols("Score", typ), "", "")
		c.ForTable("AlertInfo", false)
		attrs := pcommon.NewMap()
		_, err := c.Convert([]byte(`{"Score":`+value+`}`), pcommon.NewMap(), attrs)
		require.NoError(t, err)
		uid, ok := attrs.Get(AttrEventID)
		require.True(t, ok)
		return uid.Str()
	}
	canonical := func(form string) string {
		sum := sha256.Sum256([]byte("AlertInfo\x00Score\x00" + form))
		return hex.EncodeToString(sum[:16])
	}
	tests := []struct {
		typ, value string
		form       string // the canonical bytes the id hashes
	}{
		{"real", `0.5`, "d0.5"},
		{"real", `5e-1`, "d0.5"},
		{"real", `"NaN"`, "dNaN"},
		{"real", `"nan"`, "dNaN"},
		{"double", `"Infinity"`, "d+Inf"},
		{"Double", `"infinity"`, "d+Inf"},
		{"real", `"-Infinity"`, "d-Inf"},
		{"real", `1e400`, "s1e400"}, // beyond float64: its text, as a mismatch
		{"string", `"NaN"`, "sNaN"},
		{"string", `"Infinity"`, "sInfinity"},
	}
	for _, tt := range tests {
		t.Run(tt.typ+"/"+tt.value, func(t *testing.T) {
			assert.Equal(t, canonical(tt.form), id(tt.typ, tt.value))
		})
	}
}
