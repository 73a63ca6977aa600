package simulator

import (
	"fmt"
	"strings"
)

// predicate decides whether an event passes a where condition.
type predicate func(event) bool

// compileCondition binds a parsed condition to the columns visible at its
// stage. Conditions on missing columns and comparisons between mismatched
// types fail as Kusto fails them: 400 with a semantic error.
func compileCondition(c condition, visible map[string]column, operatorName string) (predicate, error) {
	switch c := c.(type) {
	case logicalCondition:
		left, err := compileCondition(c.left, visible, operatorName)
		if err != nil {
			return nil, err
		}
		right, err := compileCondition(c.right, visible, operatorName)
		if err != nil {
			return nil, err
		}
		if c.and {
			return func(e event) bool { return left(e) && right(e) }, nil
		}
		return func(e event) bool { return left(e) || right(e) }, nil
	case notCondition:
		inner, err := compileCondition(c.inner, visible, operatorName)
		return func(e event) bool { return !inner(e) }, err
	case emptinessTest:
		col, err := resolveColumn(c.column, visible, operatorName)
		if err != nil {
			return nil, err
		}
		return emptinessPredicate(c.function.text, col), nil
	case comparison:
		col, err := resolveColumn(c.column, visible, operatorName)
		if err != nil {
			return nil, err
		}
		return compileComparison(col, c.operator.text, c.values, operatorName)
	}
	panic(fmt.Sprintf("unknown condition %T", c))
}

func resolveColumn(name token, visible map[string]column, operatorName string) (column, error) {
	col, ok := visible[name.text]
	if !ok {
		return column{}, &queryError{fmt.Sprintf("'%s' operator: Failed to resolve scalar expression named '%s'", operatorName, name.text)}
	}
	return col, nil
}

func emptinessPredicate(function string, col column) predicate {
	isEmpty := func(e event) bool {
		v := col.value(e)
		return v == nil || v == ""
	}
	switch function {
	case "isempty":
		return isEmpty
	case "isnotempty":
		return func(e event) bool { return !isEmpty(e) }
	case "isnull":
		return func(e event) bool { return col.value(e) == nil }
	}
	return func(e event) bool { return col.value(e) != nil }
}

func compileComparison(col column, operator string, values []literal, operatorName string) (predicate, error) {
	negated := strings.HasPrefix(operator, "!") && operator != "!=" && operator != "!~"
	positive := strings.TrimPrefix(operator, "!")
	if negated {
		inner, err := compileComparison(col, positive, values, operatorName)
		if err != nil {
			return nil, err
		}
		if col.kind.isText() { // text is never null: a null reads as ""
			return func(e event) bool { return !inner(e) }, nil
		}
		return func(e event) bool { return col.value(e) != nil && !inner(e) }, nil
	}
	if col.kind.isText() {
		return compileTextComparison(col, operator, values, operatorName)
	}
	return compileOrderedComparison(col, operator, values, operatorName)
}

func typeMismatch(operatorName string, left, right kind) *queryError {
	return &queryError{fmt.Sprintf("'%s' operator: Cannot compare values of types %s and %s. Try adding explicit casts", operatorName, left, right)}
}
