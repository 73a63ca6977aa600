// Package rowconv turns advanced hunting result rows into typed OTLP attributes, following the
// column types in the response's Schema. It reads each row object straight from the JSON text of
// the response, where the client's decoder hands it over.
package rowconv

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// Converter converts the rows of one response; built once per response from its Schema so that the
// per-row path does no type-name parsing. It keeps scratch space from row to row, so it converts
// one row at a time: it is not safe for concurrent use.
type Converter struct {
	cols []column
	// keys lays down a new record's attribute keys in one go, so that values are set in place.
	// pcommon.Map's Put methods scan the whole map for an existing key before appending, which
	// for ~70 columns made that scan half the cost of a row.
	keys    keySets
	byName  map[string]int // column index by name, for rows whose members are out of Schema order
	unknown []string
	// timestamp and key are the columns whose datetimes Outcome reports.
	timestamp, key columnRef

	// Scratch space of the row being converted.
	scan   jsonscan.Scanner
	values []value  // by column index
	extra  []member // members the Schema does not list, in row order
	// arena collects the row's strings (unescaped) and number literals, to become text.
	arena []byte
	// text (the arena as a string) and row (the row's JSON text) are where the values of the row
	// being typed are; see str and raw.
	text string
	row  []byte
	// nested reads the JSON text of dynamic values.
	nested jsonscan.Scanner
	// scratch holds strings of nested values while they are read.
	scratch []byte

	// tables says each row's table, when ForTable was called; idInput and compacted are the
	// scratch space of event ids.
	tables    *tableRows
	idInput   []byte
	compacted bytes.Buffer
}

type column struct {
	name string
	kind kind
	// member is how a row object starts this column's member when written as the service writes
	// it: the name in quotes and a colon.
	member []byte
	// textOnly marks a column whose string values are stored as they are, with nothing else to
	// note: a string, guid or timespan column that is neither the timestamp nor the key.
	textOnly bool
}

// columnRef names a column whose datetime Convert reports: its position in the Schema, or -1 when
// the Schema lacks it (a row member of that name is then used) or no column was asked for.
type columnRef struct {
	index int
	name  string
}

// value locates one member's value: strings (unescaped) and numbers in the arena, objects and
// arrays in the row.
type value struct {
	kind     jsonscan.Kind
	from, to int
}

// member is a row member absent from the Schema; its name is in the arena.
type member struct {
	name, value value
}

// Outcome is what Convert learned from a row besides its attributes.
type Outcome struct {
	// Len is how many bytes of the text the row object took.
	Len       int
	Timestamp time.Time // zero when the timestamp column is missing, null or unparseable
	// Key is the key column's datetime (see NewConverter), zero like Timestamp.
	Key        time.Time
	Mismatched int // values that did not fit their column's type (kept as strings, never dropped)
	// Table is the row's table, once ForTable was called: empty when it is not known.
	Table string
}

// NewConverter resolves each Schema column's type once. timestampColumn names the column holding
// the event time, keyColumn the one whose datetime orders the rows (it may be the same column, or
// empty for none); each is matched exactly or, when no column has exactly that name,
// case-insensitively.
func NewConverter(schema []huntingapi.Column, timestampColumn, keyColumn string) *Converter {
	c := &Converter{
		cols:   make([]column, 0, len(schema)),
		byName: make(map[string]int, len(schema)),
	}
	for _, sc := range schema {
		// Kusto forbids duplicate column names; should a Schema repeat one anyway, the first wins
		// so that each row member is written and counted once.
		if _, dup := c.byName[sc.Name]; dup {
			continue
		}
		c.byName[sc.Name] = len(c.cols)
		k, ok := kindOf(sc.Type)
		if !ok && !slices.Contains(c.unknown, sc.Type) {
			c.unknown = append(c.unknown, sc.Type)
		}
		quoted, _ := json.Marshal(sc.Name) // a string always marshals
		c.cols = append(c.cols, column{name: sc.Name, kind: k, member: append(quoted, ':')})
	}
	c.keys = newKeySets(c.cols)
	c.values = make([]value, len(c.cols))
	c.timestamp, c.key = c.ref(timestampColumn), c.ref(keyColumn)
	for i := range c.cols {
		switch c.cols[i].kind {
		case kindString, kindGUID, kindTimespan:
			c.cols[i].textOnly = i != c.timestamp.index && i != c.key.index
		}
	}
	return c
}

func (c *Converter) ref(name string) columnRef {
	if name == "" {
		return columnRef{index: -1}
	}
	i := slices.IndexFunc(c.cols, func(col column) bool { return col.name == name })
	if i < 0 {
		i = slices.IndexFunc(c.cols, func(col column) bool { return strings.EqualFold(col.name, name) })
	}
	return columnRef{index: i, name: name}
}

// isMember reports whether a row member absent from the Schema is the referenced column.
func (r columnRef) isMember(name string) bool {
	return r.index < 0 && r.name != "" && r.name == name
}

// UnknownTypes lists the Schema type names this converter did not recognise (their values are kept as
// their JSON type gives them) so the caller can log each once.
func (c *Converter) UnknownTypes() []string {
	return slices.Clone(c.unknown)
}

// Convert reads the row object at the start of data (which may go on past it: the decoder hands
// over its buffer) and writes its columns as typed values into columns; Outcome tells the row's
// length, timestamp and key. Columns follow the Schema's order; members the Schema does not list
// follow in the row's order, typed by their JSON value (one the row repeats, or that columns holds
// already, keeps its first place and takes the last non-null value); null and missing columns are
// omitted. However many members a row has, its attributes are built in time linear in them. Once
// ForTable was called, the row's event id and semantic attributes go into attributes (which may be
// columns itself) and Outcome names its table. data is only read during the call. When data ends
// inside the row the error matches io.ErrUnexpectedEOF and neither map is touched, so the caller
// can call again with more text; any other error means the row is not one JSON object, and columns
// may then hold part of it.
func (c *Converter) Convert(data []byte, columns, attributes pcommon.Map) (Outcome, error) {
	if err := c.scanRow(data); err != nil {
		return Outcome{}, err
	}
	c.row = data[:c.scan.Pos()]
	// One string holds every string and number of the row, so the row costs one allocation for
	// its text rather than one per value. The attributes share it: it lives as long as any of
	// them, which is about as long as the record.
	c.text = string(c.arena)
	out := Outcome{Len: len(c.row)}
	if columns.Len() == 0 && len(c.cols) > 0 {
		c.fillEmpty(columns, &out) // the usual case, a new log record
		c.putMembers(columns, false, &out)
	} else {
		// columns already holds values: Put, which overwrites an existing key of the same name.
		c.putMembers(columns, true, &out)
	}
	if c.tables != nil {
		out.Table = c.addTableAttributes(attributes)
	}
	c.text, c.row = "", nil // neither is the converter's to keep
	return out, nil
}

// fillEmpty writes the Schema's columns into attrs, which holds nothing yet: it lays down the keys
// of the row's non-null columns at once, then fills the values in place, both in Schema order.
func (c *Converter) fillEmpty(attrs pcommon.Map, out *Outcome) {
	if len(c.extra) > 0 && len(c.extra) <= wideKeys { // more are laid down anew (putKeys)
		attrs.EnsureCapacity(len(c.cols) + len(c.extra))
	}
	keys, exact := c.keys.forRow(c.values)
	keys.CopyTo(attrs)
	i := 0
	if exact {
		for _, dst := range attrs.All() {
			for c.values[i].kind <= jsonscan.Null {
				i++
			}
			c.setColumn(i, c.values[i], dst, out)
			i++
		}
		return
	}
	// Every column's key: drop the null ones' in the same pass (RemoveIf visits the entries once
	// each, in storage order).
	attrs.RemoveIf(func(_ string, dst pcommon.Value) bool {
		v := c.values[i]
		if v.kind > jsonscan.Null {
			c.setColumn(i, v, dst, out)
		}
		i++
		return v.kind <= jsonscan.Null
	})
}

// putMembers puts the row's non-null members the Schema does not list into attrs, after the
// columns when withColumns, in order. A member whose name attrs holds already (or that the row
// repeats) keeps that first place and takes the last value. Few members go in by Put, one at a
// time; more than wideKeys in one go (putKeys), since each Put searches the whole map.
func (c *Converter) putMembers(attrs pcommon.Map, withColumns bool, out *Outcome) {
	n := len(c.extra)
	if withColumns {
		n += len(c.cols)
	}
	if n > wideKeys {
		c.putWide(attrs, withColumns, out)
		return
	}
	if withColumns {
		attrs.EnsureCapacity(attrs.Len() + n)
		for i, v := range c.values {
			if v.kind > jsonscan.Null {
				c.setColumn(i, v, attrs.PutEmpty(c.cols[i].name), out)
			}
		}
	}
	for _, m := range c.extra {
		if m.value.kind == jsonscan.Null {
			continue
		}
		name := c.str(m.name)
		c.setTyped(attrs.PutEmpty(name), kindUnknown, m.value)
		c.recordTimes(c.timestamp.isMember(name), c.key.isMember(name), m.value, out)
	}
}

// putWide is putMembers for many members: their keys are laid down at once, then each value set
// in place, in the same order.
func (c *Converter) putWide(attrs pcommon.Map, withColumns bool, out *Outcome) {
	var names []string
	if withColumns {
		for i, v := range c.values {
			if v.kind > jsonscan.Null {
				names = append(names, c.cols[i].name)
			}
		}
	}
	for _, m := range c.extra {
		if m.value.kind != jsonscan.Null {
			names = append(names, c.str(m.name))
		}
	}
	slots := putKeys(attrs, names)
	j := 0
	if withColumns {
		for i, v := range c.values {
			if v.kind > jsonscan.Null {
				c.setColumn(i, v, slots[j], out)
				j++
			}
		}
	}
	for _, m := range c.extra {
		if m.value.kind == jsonscan.Null {
			continue
		}
		c.setTyped(slots[j], kindUnknown, m.value)
		c.recordTimes(c.timestamp.isMember(names[j]), c.key.isMember(names[j]), m.value, out)
		j++
	}
}

// scanRow reads the row object, noting where each member's value is and copying strings and
// numbers into the arena. It writes nothing else, so a row cut off can be read again.
func (c *Converter) scanRow(data []byte) error {
	s := &c.scan
	s.Reset(data)
	clear(c.values)
	c.extra, c.arena = c.extra[:0], c.arena[:0]
	if err := s.Consume('{'); err != nil {
		return err
	}
	if s.Next() == '}' {
		return s.Consume('}')
	}
	next := 0 // the column expected next: the service lists a row's members in Schema order
	for more := true; more; {
		i, name, err := c.scanName(next)
		if err != nil {
			return err
		}
		if i >= 0 {
			next = i + 1
		}
		v, err := c.scanValue()
		if err != nil {
			return err
		}
		if i >= 0 {
			c.values[i] = v // a repeated member: the last wins, as in encoding/json
		} else {
			c.extra = append(c.extra, member{name: name, value: v})
		}
		if more, err = s.Separator('}'); err != nil {
			return err
		}
	}
	return nil
}

// scanName reads a member's name and the colon after it, and finds the member's column; -1 and
// the name's place in the arena for a member the Schema does not list.
func (c *Converter) scanName(next int) (int, value, error) {
	s := &c.scan
	if next < len(c.cols) && s.SkipPrefix(c.cols[next].member) {
		return next, value{}, nil // the usual case, read without copying the name
	}
	from := len(c.arena)
	var err error
	if c.arena, err = s.ReadString(c.arena, true); err != nil {
		return 0, value{}, err
	}
	i, known := c.byName[string(c.arena[from:])]
	if known {
		c.arena = c.arena[:from]
	} else {
		i = -1
	}
	return i, value{kind: jsonscan.String, from: from, to: len(c.arena)}, s.Consume(':')
}

// scanValue reads a member's value.
func (c *Converter) scanValue() (value, error) {
	s := &c.scan
	switch ch := s.Next(); {
	case ch == '"':
		from := len(c.arena)
		var err error
		c.arena, err = s.ReadString(c.arena, true)
		return value{kind: jsonscan.String, from: from, to: len(c.arena)}, err
	case ch == '-' || jsonscan.IsDigit(ch):
		lit, err := s.ReadNumber()
		from := len(c.arena)
		c.arena = append(c.arena, lit...)
		return value{kind: jsonscan.Number, from: from, to: len(c.arena)}, err
	case ch == '{' || ch == '[':
		from := s.Pos()
		kind, err := s.SkipValue()
		return value{kind: kind, from: from, to: s.Pos()}, err
	default:
		kind, err := s.ReadLiteral()
		return value{kind: kind}, err
	}
}

// str is a string value's contents or a number's literal, as text the attributes may keep: part of
// the row's one string, or, when there is none (ConvertText), a copy of its own.
func (c *Converter) str(v value) string {
	if c.text == "" {
		return string(c.arena[v.from:v.to])
	}
	return c.text[v.from:v.to]
}

// raw is a string value's contents as bytes (a dynamic string may hold JSON text) or an object's or
// array's JSON text.
func (c *Converter) raw(v value) []byte {
	if v.kind == jsonscan.String {
		return c.arena[v.from:v.to]
	}
	return c.row[v.from:v.to]
}

// setColumn sets dst from the non-null value v of column i.
func (c *Converter) setColumn(i int, v value, dst pcommon.Value, out *Outcome) {
	if v.kind == jsonscan.String && c.cols[i].textOnly {
		dst.SetStr(c.str(v)) // most columns of most rows: setTyped in short
		return
	}
	if !c.setTyped(dst, c.cols[i].kind, v) {
		out.Mismatched++
	}
	if i == c.timestamp.index || i == c.key.index {
		c.recordTimes(i == c.timestamp.index, i == c.key.index, v, out)
	}
}

// recordTimes notes v's datetime in out when v is the timestamp or the key column's value.
func (c *Converter) recordTimes(isTimestamp, isKey bool, v value, out *Outcome) {
	if !isTimestamp && !isKey {
		return
	}
	// A query may have turned the column into a string with tostring() or the like: whatever
	// the column's type, a string that holds a datetime is read.
	var t time.Time
	if v.kind == jsonscan.String {
		t, _ = ParseDateTime(c.str(v))
	}
	if isTimestamp {
		out.Timestamp = t
	}
	if isKey {
		out.Key = t
	}
}
