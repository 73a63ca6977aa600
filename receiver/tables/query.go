package tables

import "strings"

// RowColumns are the columns, in order of preference, that name each row's table when a query
// reads several: `search` adds $table, `union withsource=$table` names it so, and Log Analytics
// style queries call it Type.
var RowColumns = []string{"$table", "Type"}

// FromQuery is the table a query reads when it is a table's name alone or followed by operators
// (`DeviceProcessEvents | where ...`), comments and blank lines before it allowed; empty for any
// other query (union, search, let, a function, ...).
func FromQuery(query string) string {
	rest := skipSpaceAndComments(query)
	n := identifierLength(rest)
	if n == 0 {
		return ""
	}
	name, after := rest[:n], skipSpaceAndComments(rest[n:])
	if after != "" && after[0] != '|' && after[0] != ';' {
		return ""
	}
	return name
}

func skipSpaceAndComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if !strings.HasPrefix(s, "//") {
			return s
		}
		end := strings.IndexByte(s, '\n')
		if end < 0 {
			return ""
		}
		s = s[end+1:]
	}
}

// identifierLength is the length of the Kusto identifier s starts with, 0 when it starts with none.
func identifierLength(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		letter := c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
		if !letter && (i == 0 || c < '0' || c > '9') {
			return i
		}
	}
	return len(s)
}

// otherRows are KQL words that bring rows of other tables (or of the same table, again) into a
// query, or that a Timespan could otherwise reach beyond its first table's rows.
var otherRows = map[string]bool{
	"join": true, "lookup": true, "union": true, "let": true, "materialize": true, "toscalar": true,
	"invoke": true, "evaluate": true, "as": true, "fork": true, "facet": true, "find": true,
	"search": true, "externaldata": true, "datatable": true, "range": true, "table": true,
	"database": true, "cluster": true, "workspace": true, "view": true, "scan": true,
}

// ReadsOnlyItsTable reports whether query reads one table and nothing else: it starts with the
// table's name (see FromQuery), uses none of the operators and functions that bring in other rows
// (join, lookup, union, a let, a subquery in parentheses, ...). Only for such a query can a time
// range on the table's Timestamp, such as Graph's Timespan, not change which rows come back. It is
// conservative: a word in a string literal counts too, and costs only the hint.
func ReadsOnlyItsTable(query string) bool {
	if FromQuery(query) == "" {
		return false
	}
	depth := 0
	for i := 0; i < len(query); {
		switch c := query[i]; {
		case c == '(':
			depth++
		case c == ')':
			depth = max(depth-1, 0)
		case c == '|' && depth > 0:
			return false // a subquery
		case identifierLength(query[i:]) > 0:
			n := identifierLength(query[i:])
			if otherRows[strings.ToLower(query[i:i+n])] {
				return false
			}
			i += n
			continue
		}
		i++
	}
	return true
}

// Names of the window bounds a query may refer to, for operators that must run after the window is
// applied: the receiver declares them (see watermark.Selection.Apply) when the query uses them.
const (
	WindowStart = "_WindowStart"
	WindowEnd   = "_WindowEnd"
)

// rowPickers are the tabular operators that pick or aggregate rows regardless of their time: ahead
// of the window filter the receiver appends, they run over all the data the service keeps.
var rowPickers = map[string]bool{
	"take": true, "limit": true, "top": true, "top-nested": true, "top-hitters": true,
	"sample": true, "sample-distinct": true, "summarize": true, "distinct": true, "count": true,
	"make-series": true,
}

// RowPicker returns the first operator of query that picks or aggregates rows regardless of their
// time (`| take 100`, `| summarize ...`), or "" for none. A query that refers to the window's
// bounds (WindowStart, WindowEnd) has placed the window itself, and gets "".
func RowPicker(query string) string {
	if RefersToWindow(query) {
		return ""
	}
	for rest := query; ; {
		i := strings.IndexByte(rest, '|')
		if i < 0 {
			return ""
		}
		rest = strings.TrimLeft(rest[i+1:], " \t\r\n")
		n := 0
		for n < len(rest) && (rest[n] == '-' || identifierLength(rest[n:]) > 0) {
			n++
		}
		if op := strings.ToLower(rest[:n]); rowPickers[op] {
			return op
		}
	}
}

// RefersToWindow reports whether query uses the window's bounds.
func RefersToWindow(query string) bool {
	return strings.Contains(query, WindowStart) || strings.Contains(query, WindowEnd)
}
