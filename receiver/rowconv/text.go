package rowconv

import (
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// ConvertText reads the row object at the start of data as Convert does, but leaves its columns as
// the service wrote them: it returns the row's JSON text, for a body that exporters pass on as one
// string, and writes only the row's event id and semantic attributes (once ForTable was called)
// into attributes. Outcome is Convert's, except that no value is typed, so none is mismatched.
// Errors are Convert's; attributes is not touched when data ends inside the row.
func (c *Converter) ConvertText(data []byte, attributes pcommon.Map) (Outcome, string, error) {
	if err := c.scanRow(data); err != nil {
		return Outcome{}, "", err
	}
	c.row = data[:c.scan.Pos()]
	// No string of the whole arena: the few attributes copy their values (see str), so that a
	// record keeps its row's text once, in the body.
	out := Outcome{Len: len(c.row)}
	for _, i := range []int{c.timestamp.index, c.key.index} {
		if i >= 0 && c.values[i].kind > jsonscan.Null {
			c.recordTimes(i == c.timestamp.index, i == c.key.index, c.values[i], &out)
		}
	}
	for _, m := range c.extra {
		if m.value.kind > jsonscan.Null {
			name := c.str(m.name)
			c.recordTimes(c.timestamp.isMember(name), c.key.isMember(name), m.value, &out)
		}
	}
	if c.tables != nil {
		out.Table = c.addTableAttributes(attributes)
	}
	text := string(c.row)
	c.text, c.row = "", nil
	return out, text, nil
}
