package simulator

// query is a parsed query in the KQL subset the simulator answers: a table
// name followed by stages separated by "|":
//
//	where <condition>          conditions joined by and / or, grouped with
//	                           parentheses, negated with not(...)
//	project Col, Col, ...
//	take N | limit N
//	order by Col [asc|desc], ... | sort by ...   (desc by default, as in Kusto)
//	top N by Col [asc|desc]
//	extend Col = ingestion_time()
//
// A condition is "Column operator literal", "Column in (literal, ...)" or
// isempty / isnotempty / isnull / isnotnull(Column). Operators: == != =~ !~
// < <= > >=, contains has startswith endswith (with ! and _cs variants), in
// !in in~ !in~. Literals: strings ('...', "...", @"..."), integers, reals,
// true/false, timespans (1h, 100ms), datetime(...), ago(timespan), now().
// Everything else (let, other extends, summarize, joins, functions) is
// refused.
type query struct {
	table  token
	stages []stage
}

type stage interface{ operator() token }

type whereStage struct {
	keyword   token
	condition condition
}

type projectStage struct {
	keyword token
	columns []token
}

type takeStage struct {
	keyword token
	count   int64
}

type sortStage struct {
	keyword token
	keys    []sortKey
}

// extendStage adds a column holding each row's ingestion time, the only
// extend a client needs to poll by ingestion time.
type extendStage struct {
	keyword token
	column  token
}

type sortKey struct {
	column     token
	descending bool
}

func (s whereStage) operator() token   { return s.keyword }
func (s projectStage) operator() token { return s.keyword }
func (s takeStage) operator() token    { return s.keyword }
func (s sortStage) operator() token    { return s.keyword }
func (s extendStage) operator() token  { return s.keyword }

type condition interface{ isCondition() }

type logicalCondition struct {
	and         bool // otherwise or
	left, right condition
}

type notCondition struct{ inner condition }

// comparison is "column op literal" or, for in-operators, a list of literals.
type comparison struct {
	column   token
	operator token
	values   []literal
}

// emptinessTest is isempty(column) and its relatives.
type emptinessTest struct {
	function token
	column   token
}

func (logicalCondition) isCondition() {}
func (notCondition) isCondition()     {}
func (comparison) isCondition()       {}
func (emptinessTest) isCondition()    {}

// literal is a constant: kind is kindString, kindLong, kindReal, kindBool,
// kindDatetime or kindTimespan and value the matching Go value.
type literal struct {
	token token
	kind  kind
	value any
}
