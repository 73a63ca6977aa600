package rowconv

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/tables"
)

// AttrEventID is the attribute holding each record's event id (semantic conventions' uid of a log
// record: records with the same one are duplicates).
const AttrEventID = "log.record.uid"

// maxTablePlans bounds the plans kept for the tables that rows name: a column of table names holds
// a few; rows past the bound are planned anew each, slower but never wrong.
const maxTablePlans = 64

// tablePlan is what the converter adds to the records of one table, resolved against the Schema.
type tablePlan struct {
	name       string
	attributes []semanticAttribute // empty when semantic attributes are off
	eventID    []int               // columns the event id is built from, in order
}

// semanticAttribute is a semantic convention attribute set from the column at index col.
type semanticAttribute struct {
	col  int
	key  string
	form tables.Form
}

// tableRows is how a converter learns each row's table.
type tableRows struct {
	semantic bool
	fixed    *tablePlan // the table of every row; nil when rows name theirs
	column   int        // the column that names each row's table, -1 for none
	byName   map[string]*tablePlan
}

// ForTable makes every record carry its table's name (Outcome.Table), its event id
// (log.record.uid) and, with semantic, the semantic convention attributes its columns give. table
// is the table of every row; empty when the query reads several, each row then naming its own in
// one of tables.RowColumns (or none).
func (c *Converter) ForTable(table string, semantic bool) {
	c.tables = &tableRows{semantic: semantic, column: -1}
	if table != "" {
		c.tables.fixed = c.plan(table)
		return
	}
	for _, name := range tables.RowColumns {
		if i, ok := c.byName[name]; ok {
			c.tables.column = i
			break
		}
	}
	c.tables.byName = map[string]*tablePlan{}
	if c.tables.column < 0 {
		c.tables.fixed = c.plan("") // no table known: the generic attributes and the whole row
	}
}

// plan resolves what is known of table against the Schema.
func (c *Converter) plan(table string) *tablePlan {
	t := tables.Lookup(table)
	p := &tablePlan{name: table}
	if c.tables.semantic {
		for _, a := range t.Attributes {
			if i, ok := c.byName[a.Column]; ok {
				p.attributes = append(p.attributes, semanticAttribute{col: i, key: a.Key, form: a.Form})
			}
		}
	}
	for _, name := range t.EventID {
		i, ok := c.byName[name]
		if !ok {
			p.eventID = nil // the query left an identifying column out: only the whole row will do
			break
		}
		p.eventID = append(p.eventID, i)
	}
	if p.eventID == nil {
		for i := range c.cols {
			// The ingestion time a watermark on it adds is the receiver's, not the event's.
			if i != c.key.index || c.key.index == c.timestamp.index {
				p.eventID = append(p.eventID, i)
			}
		}
	}
	return p
}

// planForRow is the plan of the row just scanned.
func (c *Converter) planForRow() *tablePlan {
	t := c.tables
	if t.fixed != nil {
		return t.fixed
	}
	name := ""
	if v := c.values[t.column]; v.kind == jsonscan.String {
		name = c.str(v)
	}
	if p, ok := t.byName[name]; ok {
		return p
	}
	p := c.plan(strings.Clone(name)) // the row's text is not the converter's to keep
	if len(t.byName) < maxTablePlans {
		t.byName[p.name] = p
	}
	return p
}

// addTableAttributes writes the row's event id and semantic attributes into attrs and returns its
// table's name.
func (c *Converter) addTableAttributes(attrs pcommon.Map) string {
	p := c.planForRow()
	attrs.EnsureCapacity(attrs.Len() + 1 + len(p.attributes))
	attrs.PutStr(AttrEventID, c.eventID(p))
	for _, a := range p.attributes {
		v := c.values[a.col]
		switch {
		case v.kind <= jsonscan.Null:
		case a.form == tables.Int:
			if n, ok := intOf(v.kind, c.strOrEmpty(v)); ok {
				attrs.PutInt(a.key, n)
			}
		case v.kind != jsonscan.String:
		case a.form == tables.Transport:
			if transport := transportOf(c.str(v)); transport != "" {
				attrs.PutStr(a.key, transport)
			}
		case a.form == tables.AbsoluteURL:
			if strings.Contains(c.str(v), "://") {
				attrs.PutStr(a.key, c.str(v))
			}
		default:
			attrs.PutStr(a.key, c.str(v))
		}
	}
	return p.name
}

// strOrEmpty is a string's contents or a number's literal, empty for other kinds.
func (c *Converter) strOrEmpty(v value) string {
	if v.kind == jsonscan.String || v.kind == jsonscan.Number {
		return c.str(v)
	}
	return ""
}

// transportOf is network.transport's value for a Defender protocol name (Tcp, TcpV4, Udp, ...).
func transportOf(protocol string) string {
	for _, t := range []string{"tcp", "udp"} {
		if len(protocol) >= len(t) && strings.EqualFold(protocol[:len(t)], t) {
			return t
		}
	}
	return ""
}
