package rowconv

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// eventID is the row's event id: the first 128 bits of a SHA-256 over its table's name and the
// values of its identifying columns, each in a form that does not depend on how the service wrote
// it (a datetime's digits, a number's quotes, a dynamic value's spacing or JSON-in-a-string), so
// that the same event has the same id through either API and after any restart. A cryptographic
// hash, so that ids of different events do not collide by chance however many there are.
func (c *Converter) eventID(p *tablePlan) string {
	buf := append(c.idInput[:0], p.name...)
	for _, i := range p.eventID {
		buf = append(buf, 0)
		buf = append(buf, c.cols[i].name...)
		buf = append(buf, 0)
		buf = c.appendCanonical(buf, c.cols[i].kind, c.values[i])
	}
	c.idInput = buf
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:16])
}

// appendCanonical appends v as its column's kind reads it, marked by its form, so that values of
// different kinds cannot write the same bytes.
func (c *Converter) appendCanonical(buf []byte, k kind, v value) []byte {
	if v.kind <= jsonscan.Null {
		return append(buf, 'n')
	}
	text := c.strOrEmpty(v)
	switch k {
	case kindInt:
		if n, ok := intOf(v.kind, text); ok {
			return strconv.AppendInt(append(buf, 'i'), n, 10)
		}
	case kindDouble:
		if d, ok := doubleOf(v.kind, text); ok {
			return strconv.AppendFloat(append(buf, 'd'), d, 'g', -1, 64)
		}
	case kindBool:
		if b, ok := boolOf(v.kind, text); ok {
			return strconv.AppendBool(append(buf, 'b'), b)
		}
	case kindDateTime:
		if t, ok := ParseDateTime(text); ok {
			buf = strconv.AppendInt(append(buf, 't'), t.Unix(), 10)
			return strconv.AppendInt(append(buf, '.'), int64(t.Nanosecond()), 10)
		}
	case kindDynamic, kindUnknown:
		container := v.kind == jsonscan.Object || v.kind == jsonscan.Array
		if container || v.kind == jsonscan.String && holdsContainer(c.raw(v)) {
			c.compacted.Reset()
			if json.Compact(&c.compacted, c.raw(v)) == nil {
				return append(append(buf, 'j'), c.compacted.Bytes()...)
			}
		}
	}
	// Strings, guids, timespans, decimals (exact text), and values that did not fit their kind.
	return append(append(buf, 's'), c.asText(v)...)
}
