// Package jsonscan reads JSON text fast and checks it as it goes. It serves the two places that
// read every byte of a hunting response: the API client walking the response envelope and the row
// converter reading each row, so that each byte is read once.
//
// It is hand-written rather than a JSON library's tokenizer because of what those callers need:
// string contents are copied (unescaped) to the caller's buffer while their end is looked for,
// number literals are read in place, nothing is allocated per token (see docs/performance.md for
// the measurements), and text that ends inside a value is told apart from malformed text, so that
// a caller reading a stream can fetch more and try again. Malformed text is an error, never a
// panic or a wrong value; invalid UTF-8 inside strings becomes U+FFFD, as in encoding/json, rather
// than failing a whole response.
package jsonscan

import (
	"errors"
	"fmt"
	"io"
)

// Kind is the kind of a JSON value.
type Kind uint8

const (
	None Kind = iota // no value (the zero Kind)
	Null
	False
	True
	String
	Number
	Object
	Array
)

// MaxDepth bounds the nesting of objects and arrays, as JSON decoders do, so that hostile input
// cannot exhaust the stack.
const MaxDepth = 10000

// ErrSyntax marks text that is not JSON. Text that ends inside a value is not a syntax error: its
// errors match io.ErrUnexpectedEOF.
var ErrSyntax = errors.New("invalid JSON")

// Scanner reads JSON values from a byte slice.
type Scanner struct {
	data []byte
	pos  int
}

// Reset makes s read data from its start.
func (s *Scanner) Reset(data []byte) {
	s.data, s.pos = data, 0
}

// Pos is how many bytes of the data have been read.
func (s *Scanner) Pos() int { return s.pos }

// Errorf reports malformed text at the current position.
func (s *Scanner) Errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", ErrSyntax, s.pos, fmt.Sprintf(format, args...))
}

// short reports that the data ended inside a value.
func (s *Scanner) short(inside string) error {
	return fmt.Errorf("%w: the text ends inside %s at offset %d", io.ErrUnexpectedEOF, inside, s.pos)
}

func (s *Scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// Next skips white space and returns the next byte without consuming it; 0 at the end of the data
// (which a NUL byte, never valid there, cannot be mistaken for: reading it fails either way).
func (s *Scanner) Next() byte {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return s.data[s.pos] // compact JSON, as the service writes it, has no white space
	}
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// Consume skips white space and reads c.
func (s *Scanner) Consume(c byte) error {
	if s.Next() != c {
		return s.unexpected(fmt.Sprintf("%q", c))
	}
	s.pos++
	return nil
}

// SkipPrefix reads prefix when the data goes on with exactly it (no white space is skipped).
func (s *Scanner) SkipPrefix(prefix []byte) bool {
	rest := s.data[s.pos:]
	if len(rest) < len(prefix) || string(rest[:len(prefix)]) != string(prefix) {
		return false
	}
	s.pos += len(prefix)
	return true
}

// unexpected reports what was found where want was expected.
func (s *Scanner) unexpected(want string) error {
	if s.pos >= len(s.data) {
		return s.short("a value, expecting " + want)
	}
	return s.Errorf("unexpected %q, want %s", s.data[s.pos], want)
}

// End checks that nothing but white space follows.
func (s *Scanner) End() error {
	if s.skipSpace(); s.pos < len(s.data) {
		return s.Errorf("unexpected %q after the value", s.data[s.pos])
	}
	return nil
}

// Separator reads the ',' between members or elements, or the closing delimiter; more is false
// after the closing delimiter.
func (s *Scanner) Separator(closing byte) (more bool, err error) {
	switch s.Next() {
	case ',':
		s.pos++
		return true, nil
	case closing:
		s.pos++
		return false, nil
	}
	return false, s.unexpected(fmt.Sprintf("',' or %q", closing))
}

// ReadNumber reads the number at the current position and returns its literal, which stays valid
// as long as the data does. A number that runs to the very end of the data may go on beyond it,
// so it counts as cut off: in the documents read here a value is always followed by more.
func (s *Scanner) ReadNumber() ([]byte, error) {
	s.Next()
	start := s.pos
	if s.pos < len(s.data) && s.data[s.pos] == '-' {
		s.pos++
	}
	switch {
	case s.pos < len(s.data) && s.data[s.pos] == '0':
		s.pos++ // no leading zeros
	case !s.digits():
		return nil, s.unexpected("a digit")
	}
	if s.pos < len(s.data) && s.data[s.pos] == '.' {
		s.pos++
		if !s.digits() {
			return nil, s.unexpected("a digit")
		}
	}
	if s.pos < len(s.data) && (s.data[s.pos] == 'e' || s.data[s.pos] == 'E') {
		s.pos++
		if s.pos < len(s.data) && (s.data[s.pos] == '+' || s.data[s.pos] == '-') {
			s.pos++
		}
		if !s.digits() {
			return nil, s.unexpected("a digit")
		}
	}
	if s.pos >= len(s.data) {
		return nil, s.short("a number")
	}
	return s.data[start:s.pos], nil
}

// digits reads one or more ASCII digits, reporting whether there was one.
func (s *Scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && IsDigit(s.data[s.pos]) {
		s.pos++
	}
	return s.pos > start
}

// IsDigit reports whether c is an ASCII digit.
func IsDigit(c byte) bool { return c >= '0' && c <= '9' }

// ReadLiteral reads true, false or null.
func (s *Scanner) ReadLiteral() (Kind, error) {
	s.Next()
	rest := s.data[s.pos:]
	for _, lit := range literals {
		if len(rest) >= len(lit.text) && string(rest[:len(lit.text)]) == lit.text {
			s.pos += len(lit.text)
			return lit.kind, nil
		}
		if len(rest) > 0 && len(rest) < len(lit.text) && string(rest) == lit.text[:len(rest)] {
			return None, s.short(lit.text)
		}
	}
	return None, s.unexpected("a JSON value")
}

var literals = [...]struct {
	text string
	kind Kind
}{{"true", True}, {"false", False}, {"null", Null}}

// SkipValue reads any JSON value, checking its syntax, and returns its kind.
func (s *Scanner) SkipValue() (Kind, error) {
	return s.skipValue(0)
}

func (s *Scanner) skipValue(depth int) (Kind, error) {
	switch c := s.Next(); {
	case c == '{' || c == '[':
		if depth >= MaxDepth {
			return None, s.Errorf("nested deeper than %d", MaxDepth)
		}
		s.pos++
		closing, kind := byte('}'), Object
		if c == '[' {
			closing, kind = ']', Array
		}
		if s.Next() == closing {
			s.pos++
			return kind, nil
		}
		for more := true; more; {
			if kind == Object {
				if _, err := s.ReadString(nil, false); err != nil {
					return None, err
				}
				if err := s.Consume(':'); err != nil {
					return None, err
				}
			}
			if _, err := s.skipValue(depth + 1); err != nil {
				return None, err
			}
			var err error
			if more, err = s.Separator(closing); err != nil {
				return None, err
			}
		}
		return kind, nil
	case c == '"':
		_, err := s.ReadString(nil, false)
		return String, err
	case c == '-' || IsDigit(c):
		_, err := s.ReadNumber()
		return Number, err
	default:
		return s.ReadLiteral()
	}
}

// ValueLen returns how long the JSON value at the start of text is (white space before it
// included), checking its syntax. Its error matches io.ErrUnexpectedEOF when text ends inside it.
func ValueLen(text []byte) (int, error) {
	s := Scanner{data: text}
	_, err := s.SkipValue()
	return s.pos, err
}
