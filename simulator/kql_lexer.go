package simulator

import (
	"fmt"
	"strings"
	"unicode"
)

type tokenKind int

const (
	tokenInvalid tokenKind = iota // text the lexer cannot read; only in errors
	tokenEOF
	tokenName     // table and column names, keywords, word operators (!contains, in~)
	tokenString   // value holds the decoded text
	tokenNumber   // 42, 1.5, -3
	tokenTimespan // 1h, 100ms
	tokenDatetime // value holds the text inside datetime(...)
	tokenSymbol   // | , ( ) = == != =~ !~ < <= > >=
)

// position is where a token starts, 1-based, as Kusto reports it in errors.
type position struct{ line, column int }

type token struct {
	kind  tokenKind
	text  string // as written in the query
	value string
	pos   position
}

// queryError is a query the service would answer with 400 BadRequest.
type queryError struct{ message string }

func (e *queryError) Error() string { return e.message }

// parseErrorAt words a syntax error as Kusto does.
func parseErrorAt(t token) *queryError {
	text := t.text
	if t.kind == tokenEOF {
		text = "<EOF>"
	}
	return &queryError{fmt.Sprintf("Query could not be parsed at '%s' on line [%d,%d]", text, t.pos.line, t.pos.column)}
}

type lexer struct {
	src    []rune
	offset int
	pos    position
	// tokenStart and tokenOffset are where the token being read began.
	tokenStart  position
	tokenOffset int
}

// lex splits a query into tokens. Comments (// to the end of the line) and
// white space, newlines included, separate tokens and are otherwise ignored.
func lex(query string) ([]token, error) {
	l := &lexer{src: []rune(query), pos: position{1, 1}}
	var tokens []token
	for {
		l.skipSpaceAndComments()
		t, err := l.next()
		if err != nil {
			return nil, err
		}
		tokens = append(tokens, t)
		if t.kind == tokenEOF {
			return tokens, nil
		}
	}
}

func (l *lexer) peek(ahead int) rune {
	if l.offset+ahead >= len(l.src) {
		return 0
	}
	return l.src[l.offset+ahead]
}

func (l *lexer) advance() rune {
	r := l.src[l.offset]
	l.offset++
	if r == '\n' {
		l.pos = position{l.pos.line + 1, 1}
	} else {
		l.pos.column++
	}
	return r
}

func (l *lexer) skipSpaceAndComments() {
	for l.offset < len(l.src) {
		switch {
		case unicode.IsSpace(l.peek(0)):
			l.advance()
		case l.peek(0) == '/' && l.peek(1) == '/':
			for l.offset < len(l.src) && l.peek(0) != '\n' {
				l.advance()
			}
		default:
			return
		}
	}
}

func (l *lexer) next() (token, error) {
	l.tokenStart, l.tokenOffset = l.pos, l.offset
	r := l.peek(0)
	switch {
	case l.offset >= len(l.src):
		return token{kind: tokenEOF, pos: l.pos}, nil
	case r == '"' || r == '\'':
		return l.quoted()
	case r == '@' && (l.peek(1) == '"' || l.peek(1) == '\''):
		return l.verbatim()
	case isDigit(r) || (r == '-' || r == '+') && isDigit(l.peek(1)):
		return l.number()
	case isNameStart(r) || r == '!' && isNameStart(l.peek(1)):
		return l.name()
	}
	for _, symbol := range []string{"==", "!=", "=~", "!~", "<=", ">=", "|", ",", "(", ")", "<", ">", "="} {
		if l.hasPrefix(symbol) {
			for range symbol {
				l.advance()
			}
			return l.emit(tokenSymbol, symbol), nil
		}
	}
	l.advance()
	return token{}, l.invalid()
}

// emit returns the token read since next began.
func (l *lexer) emit(kind tokenKind, value string) token {
	return token{kind: kind, text: l.read(), value: value, pos: l.tokenStart}
}

// invalid reports the text read since next began as unreadable.
func (l *lexer) invalid() error {
	return parseErrorAt(token{kind: tokenInvalid, text: l.read(), pos: l.tokenStart})
}

func (l *lexer) read() string { return string(l.src[l.tokenOffset:l.offset]) }

func (l *lexer) hasPrefix(s string) bool {
	return strings.HasPrefix(string(l.src[l.offset:min(len(l.src), l.offset+len(s))]), s)
}

func (l *lexer) number() (token, error) {
	l.advance() // a digit or a sign
	for isDigit(l.peek(0)) || l.peek(0) == '.' && isDigit(l.peek(1)) {
		l.advance()
	}
	if !isNameStart(l.peek(0)) {
		return l.emit(tokenNumber, ""), nil
	}
	for isNameStart(l.peek(0)) {
		l.advance()
	}
	return l.emit(tokenTimespan, ""), nil
}

// name reads a name or word operator. "!" starts negated operators
// (!contains), "~" ends case-insensitive ones (in~), and datetime(...) is
// read whole because its contents (2026-11-26T10:00:00Z) are not tokens.
func (l *lexer) name() (token, error) {
	l.advance()
	for isNameStart(l.peek(0)) || isDigit(l.peek(0)) {
		l.advance()
	}
	word := l.read()
	if (word == "in" || word == "!in") && l.peek(0) == '~' {
		l.advance()
		return l.emit(tokenName, ""), nil
	}
	if word != "datetime" {
		return l.emit(tokenName, ""), nil
	}
	name := l.emit(tokenName, "")
	l.skipSpaceAndComments()
	if l.peek(0) != '(' {
		return name, nil
	}
	for l.offset < len(l.src) && l.peek(0) != ')' {
		l.advance()
	}
	if l.offset >= len(l.src) {
		return token{}, l.invalid()
	}
	l.advance()
	text := l.read()
	inner := text[strings.IndexByte(text, '(')+1 : len(text)-1]
	return l.emit(tokenDatetime, strings.TrimSpace(inner)), nil
}

// quoted reads a '...' or "..." string with backslash escapes.
func (l *lexer) quoted() (token, error) {
	quote := l.advance()
	var value strings.Builder
	for {
		if l.offset >= len(l.src) || l.peek(0) == '\n' {
			return token{}, l.invalid()
		}
		r := l.advance()
		switch {
		case r == quote:
			return l.emit(tokenString, value.String()), nil
		case r == '\\' && l.offset < len(l.src):
			escaped := l.advance()
			decoded, ok := stringEscapes[escaped]
			if !ok {
				return token{}, parseErrorAt(token{kind: tokenInvalid, text: `\` + string(escaped), pos: l.tokenStart})
			}
			value.WriteRune(decoded)
		default:
			value.WriteRune(r)
		}
	}
}

var stringEscapes = map[rune]rune{'\\': '\\', '"': '"', '\'': '\'', 'n': '\n', 'r': '\r', 't': '\t'}

// verbatim reads @"..." or @'...': no escapes, a doubled quote is one quote.
// Windows paths are usually written this way.
func (l *lexer) verbatim() (token, error) {
	l.advance() // @
	quote := l.advance()
	var value strings.Builder
	for l.offset < len(l.src) {
		r := l.advance()
		if r != quote {
			value.WriteRune(r)
			continue
		}
		if l.peek(0) != quote {
			return l.emit(tokenString, value.String()), nil
		}
		value.WriteRune(l.advance())
	}
	return token{}, l.invalid()
}

func isDigit(r rune) bool { return r >= '0' && r <= '9' }

func isNameStart(r rune) bool { return r == '_' || unicode.IsLetter(r) }
