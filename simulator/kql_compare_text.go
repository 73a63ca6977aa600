package simulator

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// textOperators are the string operators; both sides are lower-cased first
// unless the operator ends in _cs.
var textOperators = map[string]func(haystack, needle string) bool{
	"contains":   strings.Contains,
	"startswith": strings.HasPrefix,
	"endswith":   strings.HasSuffix,
	"has":        hasTerm,
}

// hasTerm approximates Kusto's has: needle occurs as a whole term, that is
// not preceded or followed by a letter or digit.
func hasTerm(haystack, needle string) bool {
	for offset := 0; ; {
		i := strings.Index(haystack[offset:], needle)
		if i < 0 {
			return false
		}
		start, end := offset+i, offset+i+len(needle)
		before, _ := utf8.DecodeLastRuneInString(haystack[:start])
		after, _ := utf8.DecodeRuneInString(haystack[end:])
		if !isAlphanumeric(before) && !isAlphanumeric(after) {
			return true
		}
		offset = start + 1
	}
}

func isAlphanumeric(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

func compileTextComparison(col column, operator string, values []literal, operatorName string) (predicate, error) {
	var needles []string
	for _, v := range values {
		if v.kind != kindString {
			return nil, typeMismatch(operatorName, col.kind, v.kind)
		}
		needles = append(needles, v.value.(string))
	}
	text := func(e event) string { return textOf(col.value(e)) }
	equalsAny := func(equal func(a, b string) bool) predicate {
		return func(e event) bool {
			value := text(e)
			return slices.ContainsFunc(needles, func(needle string) bool { return equal(value, needle) })
		}
	}
	caseSensitiveEqual := func(a, b string) bool { return a == b }
	switch operator {
	case "==", "in":
		return equalsAny(caseSensitiveEqual), nil
	case "=~", "in~":
		return equalsAny(strings.EqualFold), nil
	case "!=":
		equal := equalsAny(caseSensitiveEqual)
		return func(e event) bool { return !equal(e) }, nil
	case "!~":
		equal := equalsAny(strings.EqualFold)
		return func(e event) bool { return !equal(e) }, nil
	case "<", "<=", ">", ">=":
		holds := orderingHolds(operator)
		return func(e event) bool { return holds(strings.Compare(text(e), needles[0])) }, nil
	}
	base, caseSensitive := strings.CutSuffix(operator, "_cs")
	match := textOperators[base]
	needle := needles[0]
	if caseSensitive {
		return func(e event) bool { return match(text(e), needle) }, nil
	}
	needle = strings.ToLower(needle)
	return func(e event) bool { return match(strings.ToLower(text(e)), needle) }, nil
}

// textOf is a value as text operators see it: null is empty and dynamic
// values are their JSON text.
func textOf(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	}
	encoded, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(encoded)
}
