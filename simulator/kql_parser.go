package simulator

import (
	"strconv"
	"strings"
	"time"
)

type parser struct {
	tokens []token
	next   int
	now    time.Time // for ago() and now()
}

// parseQuery parses text; now is the time ago() and now() refer to.
func parseQuery(text string, now time.Time) (*query, error) {
	tokens, err := lex(text)
	if err != nil {
		return nil, err
	}
	p := &parser{tokens: tokens, now: now}
	q := &query{}
	if q.table, err = p.expectKind(tokenName); err != nil {
		return nil, err
	}
	for p.peek().kind != tokenEOF {
		if _, err := p.expectSymbol("|"); err != nil {
			return nil, err
		}
		stages, err := p.stage()
		if err != nil {
			return nil, err
		}
		q.stages = append(q.stages, stages...)
	}
	return q, nil
}

func (p *parser) peek() token { return p.tokens[p.next] }

func (p *parser) take() token {
	t := p.tokens[p.next]
	if t.kind != tokenEOF {
		p.next++
	}
	return t
}

func (p *parser) expectKind(kind tokenKind) (token, error) {
	if p.peek().kind != kind {
		return token{}, parseErrorAt(p.peek())
	}
	return p.take(), nil
}

func (p *parser) expectSymbol(symbol string) (token, error) {
	if !p.isSymbol(symbol) {
		return token{}, parseErrorAt(p.peek())
	}
	return p.take(), nil
}

func (p *parser) expectName(name string) (token, error) {
	if !p.isName(name) {
		return token{}, parseErrorAt(p.peek())
	}
	return p.take(), nil
}

func (p *parser) isSymbol(symbol string) bool {
	return p.peek().kind == tokenSymbol && p.peek().text == symbol
}

func (p *parser) isName(name string) bool {
	return p.peek().kind == tokenName && p.peek().text == name
}

// stage parses one pipe stage; top becomes a sort followed by a take.
func (p *parser) stage() ([]stage, error) {
	keyword := p.take()
	if keyword.kind != tokenName {
		return nil, parseErrorAt(keyword)
	}
	switch keyword.text {
	case "where", "filter":
		c, err := p.orCondition()
		return []stage{whereStage{keyword, c}}, err
	case "project":
		columns, err := p.columnList()
		return []stage{projectStage{keyword, columns}}, err
	case "take", "limit":
		count, err := p.count()
		return []stage{takeStage{keyword, count}}, err
	case "order", "sort":
		if _, err := p.expectName("by"); err != nil {
			return nil, err
		}
		keys, err := p.sortKeys()
		return []stage{sortStage{keyword, keys}}, err
	case "extend":
		column, err := p.ingestionTimeColumn()
		return []stage{extendStage{keyword, column}}, err
	case "top":
		count, err := p.count()
		if err != nil {
			return nil, err
		}
		if _, err := p.expectName("by"); err != nil {
			return nil, err
		}
		keys, err := p.sortKeys()
		return []stage{sortStage{keyword, keys}, takeStage{keyword, count}}, err
	}
	return nil, parseErrorAt(keyword)
}

// ingestionTimeColumn reads "Col = ingestion_time()".
func (p *parser) ingestionTimeColumn() (token, error) {
	column, err := p.expectKind(tokenName)
	if err == nil {
		_, err = p.expectSymbol("=")
	}
	if err == nil {
		_, err = p.expectName("ingestion_time")
	}
	if err == nil {
		_, err = p.expectSymbol("(")
	}
	if err == nil {
		_, err = p.expectSymbol(")")
	}
	return column, err
}

func (p *parser) count() (int64, error) {
	t, err := p.expectKind(tokenNumber)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil || n < 0 {
		return 0, parseErrorAt(t)
	}
	return n, nil
}

func (p *parser) columnList() ([]token, error) {
	var columns []token
	for {
		column, err := p.expectKind(tokenName)
		if err != nil {
			return nil, err
		}
		columns = append(columns, column)
		if !p.isSymbol(",") {
			return columns, nil
		}
		p.take()
	}
}

func (p *parser) sortKeys() ([]sortKey, error) {
	var keys []sortKey
	for {
		column, err := p.expectKind(tokenName)
		if err != nil {
			return nil, err
		}
		key := sortKey{column: column, descending: true}
		switch {
		case p.isName("asc"):
			p.take()
			key.descending = false
		case p.isName("desc"):
			p.take()
		}
		keys = append(keys, key)
		if !p.isSymbol(",") {
			return keys, nil
		}
		p.take()
	}
}

func (p *parser) orCondition() (condition, error) {
	left, err := p.andCondition()
	for err == nil && p.isName("or") {
		p.take()
		var right condition
		right, err = p.andCondition()
		left = logicalCondition{and: false, left: left, right: right}
	}
	return left, err
}

func (p *parser) andCondition() (condition, error) {
	left, err := p.unaryCondition()
	for err == nil && p.isName("and") {
		p.take()
		var right condition
		right, err = p.unaryCondition()
		left = logicalCondition{and: true, left: left, right: right}
	}
	return left, err
}

var emptinessFunctions = map[string]bool{"isempty": true, "isnotempty": true, "isnull": true, "isnotnull": true}

func (p *parser) unaryCondition() (condition, error) {
	switch {
	case p.isSymbol("("):
		return p.parenthesized()
	case p.isName("not"):
		p.take()
		inner, err := p.parenthesized()
		return notCondition{inner}, err
	case p.peek().kind == tokenName && emptinessFunctions[p.peek().text]:
		function := p.take()
		if _, err := p.expectSymbol("("); err != nil {
			return nil, err
		}
		column, err := p.expectKind(tokenName)
		if err != nil {
			return nil, err
		}
		_, err = p.expectSymbol(")")
		return emptinessTest{function, column}, err
	}
	return p.comparison()
}

func (p *parser) parenthesized() (condition, error) {
	if _, err := p.expectSymbol("("); err != nil {
		return nil, err
	}
	inner, err := p.orCondition()
	if err != nil {
		return nil, err
	}
	_, err = p.expectSymbol(")")
	return inner, err
}

func (p *parser) comparison() (condition, error) {
	column, err := p.expectKind(tokenName)
	if err != nil {
		return nil, err
	}
	if column.text == "and" || column.text == "or" {
		return nil, parseErrorAt(column)
	}
	operator := p.take()
	if operator.kind == tokenName && isListOperator(operator.text) {
		values, err := p.literalList()
		return comparison{column, operator, values}, err
	}
	if !isBinaryOperator(operator) {
		return nil, parseErrorAt(operator)
	}
	value, err := p.literal()
	return comparison{column, operator, []literal{value}}, err
}

func isListOperator(op string) bool {
	return op == "in" || op == "!in" || op == "in~" || op == "!in~"
}

func isBinaryOperator(op token) bool {
	if op.kind == tokenSymbol {
		return op.text != "|" && op.text != "," && op.text != "(" && op.text != ")" && op.text != "="
	}
	_, ok := textOperators[strings.TrimSuffix(strings.TrimPrefix(op.text, "!"), "_cs")]
	return op.kind == tokenName && ok
}

func (p *parser) literalList() ([]literal, error) {
	if _, err := p.expectSymbol("("); err != nil {
		return nil, err
	}
	var values []literal
	for {
		value, err := p.literal()
		if err != nil {
			return nil, err
		}
		values = append(values, value)
		if p.isSymbol(")") {
			p.take()
			return values, nil
		}
		if _, err := p.expectSymbol(","); err != nil {
			return nil, err
		}
	}
}

func (p *parser) literal() (literal, error) {
	t := p.take()
	switch t.kind {
	case tokenString:
		return literal{t, kindString, t.value}, nil
	case tokenNumber:
		if n, err := strconv.ParseInt(t.text, 10, 64); err == nil {
			return literal{t, kindLong, n}, nil
		}
		if f, err := strconv.ParseFloat(t.text, 64); err == nil {
			return literal{t, kindReal, f}, nil
		}
	case tokenTimespan:
		if d, err := parseTimespanLiteral(t.text); err == nil {
			return literal{t, kindTimespan, d}, nil
		}
	case tokenDatetime:
		if at, err := parseDatetimeLiteral(t.value); err == nil {
			return literal{t, kindDatetime, at}, nil
		}
	case tokenName:
		return p.namedLiteral(t)
	}
	return literal{}, parseErrorAt(t)
}

// namedLiteral reads true, false, now() and ago(timespan).
func (p *parser) namedLiteral(t token) (literal, error) {
	switch t.text {
	case "true", "false":
		return literal{t, kindBool, t.text == "true"}, nil
	case "now":
		if _, err := p.expectSymbol("("); err != nil {
			return literal{}, err
		}
		_, err := p.expectSymbol(")")
		return literal{t, kindDatetime, p.now.UTC().Truncate(tick)}, err
	case "ago":
		if _, err := p.expectSymbol("("); err != nil {
			return literal{}, err
		}
		span, err := p.literal()
		if err != nil {
			return literal{}, err
		}
		if span.kind != kindTimespan {
			return literal{}, parseErrorAt(span.token)
		}
		_, err = p.expectSymbol(")")
		return literal{t, kindDatetime, p.now.UTC().Add(-span.value.(time.Duration)).Truncate(tick)}, err
	}
	return literal{}, parseErrorAt(t)
}
