package simulator

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"
)

// compileOrderedComparison handles numbers, datetimes, timespans and bools.
// A null value satisfies no comparison, as in Kusto.
func compileOrderedComparison(col column, operator string, values []literal, operatorName string) (predicate, error) {
	if !orderedOperatorApplies(col.kind, operator) {
		return nil, &queryError{fmt.Sprintf("'%s' operator: The operator '%s' cannot be applied to values of type %s", operatorName, operator, col.kind)}
	}
	var comparers []func(any) int
	for _, v := range values {
		compare, err := comparerFor(col.kind, v)
		if err != nil {
			return nil, typeMismatch(operatorName, col.kind, v.kind)
		}
		comparers = append(comparers, compare)
	}
	if operator == "in" {
		return func(e event) bool {
			value := col.value(e)
			return value != nil && slices.ContainsFunc(comparers, func(compare func(any) int) bool { return compare(value) == 0 })
		}, nil
	}
	holds, compare := orderingHolds(operator), comparers[0]
	return func(e event) bool {
		value := col.value(e)
		return value != nil && holds(compare(value))
	}, nil
}

func orderedOperatorApplies(k kind, operator string) bool {
	switch operator {
	case "in", "==", "!=":
		return true
	case "<", "<=", ">", ">=":
		return k != kindBool
	}
	return false
}

func orderingHolds(operator string) func(int) bool {
	switch operator {
	case "==":
		return func(c int) bool { return c == 0 }
	case "!=":
		return func(c int) bool { return c != 0 }
	case "<":
		return func(c int) bool { return c < 0 }
	case "<=":
		return func(c int) bool { return c <= 0 }
	case ">":
		return func(c int) bool { return c > 0 }
	}
	return func(c int) bool { return c >= 0 }
}

// comparerFor returns a function comparing a non-null column value with the
// literal. Datetimes compare as 100-ns ticks, exactly.
func comparerFor(k kind, lit literal) (func(any) int, error) {
	switch {
	case k == kindDatetime && lit.kind == kindDatetime:
		want := ticksOf(lit.value.(time.Time))
		return func(v any) int { return cmp.Compare(ticksOf(v.(time.Time)), want) }, nil
	case k == kindTimespan && lit.kind == kindTimespan:
		want := lit.value.(time.Duration)
		return func(v any) int { return cmp.Compare(v.(time.Duration), want) }, nil
	case k == kindBool && lit.kind == kindBool:
		want := lit.value.(bool)
		return func(v any) int { return cmp.Compare(boolRank(v.(bool)), boolRank(want)) }, nil
	case k == kindLong && lit.kind == kindLong:
		want := lit.value.(int64)
		return func(v any) int { return cmp.Compare(v.(int64), want) }, nil
	case (k == kindLong || k == kindReal || k == kindDecimal) && (lit.kind == kindLong || lit.kind == kindReal):
		want := numberOf(lit.value)
		return func(v any) int { return cmp.Compare(numberOf(v), want) }, nil
	}
	return nil, fmt.Errorf("cannot compare %s with %s", k, lit.kind)
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// numberOf converts a numeric value (int64, float64, json.Number) to float64.
func numberOf(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	case json.Number:
		f, _ := v.Float64() // decimal values are generated well-formed
		return f
	}
	panic(fmt.Sprintf("not a number: %T", v))
}
