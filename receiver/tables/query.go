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
