package rowconv

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// This file reads JSON text. It is hand-written rather than a JSON library's tokenizer because it
// runs over every byte of every row: it copies string contents into the converter's arena while
// it looks for their end, reads number literals in place, and allocates nothing per token (see
// docs/performance.md for the measurements). It checks the full JSON grammar, so malformed text is
// an error, never a panic or a wrong value; invalid UTF-8 inside strings becomes U+FFFD, as
// encoding/json does, rather than failing the whole response.

// jsonKind is the kind of a JSON value as found in a row.
type jsonKind uint8

const (
	jsonAbsent jsonKind = iota // no such member in the row
	jsonNull
	jsonFalse
	jsonTrue
	jsonString
	jsonNumber
	jsonObject
	jsonArray
)

// maxDepth bounds the nesting of objects and arrays, as JSON decoders do, so that hostile input
// cannot exhaust the stack.
const maxDepth = 10000

// errSyntax marks text that is not JSON.
var errSyntax = errors.New("invalid JSON")

// scanner reads JSON values from data, checking their syntax as it goes.
type scanner struct {
	data []byte
	pos  int
	// scratch holds strings of nested values while they are read.
	scratch []byte
}

func (s *scanner) reset(data []byte) {
	s.data, s.pos = data, 0
}

func (s *scanner) errorf(format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", errSyntax, s.pos, fmt.Sprintf(format, args...))
}

func (s *scanner) skipSpace() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// next skips white space and returns the next byte without consuming it; 0 at the end of data
// (where callers that could mistake a NUL byte for the end check the position instead).
func (s *scanner) next() byte {
	if s.pos < len(s.data) && s.data[s.pos] > ' ' {
		return s.data[s.pos] // compact JSON, as the service writes it, has no white space
	}
	s.skipSpace()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// consume skips white space and reads c.
func (s *scanner) consume(c byte) error {
	if s.next() != c {
		return s.unexpected(fmt.Sprintf("%q", c))
	}
	s.pos++
	return nil
}

// unexpected reports what was found where want was expected.
func (s *scanner) unexpected(want string) error {
	if s.pos >= len(s.data) {
		return s.errorf("unexpected end, want %s", want)
	}
	return s.errorf("unexpected %q, want %s", s.data[s.pos], want)
}

// end checks that nothing but white space follows.
func (s *scanner) end() error {
	if s.skipSpace(); s.pos < len(s.data) {
		return s.unexpected("end of text")
	}
	return nil
}

// separator reads the ',' between members or elements, or the closing delimiter; more is false
// after the closing delimiter.
func (s *scanner) separator(closing byte) (more bool, err error) {
	switch s.next() {
	case ',':
		s.pos++
		return true, nil
	case closing:
		s.pos++
		return false, nil
	}
	return false, s.unexpected(fmt.Sprintf("',' or %q", closing))
}

// plainInString marks the bytes that stand for themselves inside a JSON string: printable ASCII
// other than the quote and the backslash.
var plainInString = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// hasSpecial reports whether any of the eight bytes in x is not plainInString: a quote, a
// backslash, a control character or a byte of a multi-byte character. Testing eight bytes at once
// is what lets long strings (command lines, paths) go by at memory speed.
func hasSpecial(x uint64) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return ((x-ones*0x20)&^x|(quote-ones)&^quote|(backslash-ones)&^backslash|x)&highs != 0
}

// simpleEscape holds what each one-letter escape stands for, 0 for the others.
var simpleEscape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// readString reads the string at the current position (after white space), appending its
// contents, unescaped, to dst when keep is set.
func (s *scanner) readString(dst []byte, keep bool) ([]byte, error) {
	if s.next() != '"' {
		return dst, s.unexpected("a string")
	}
	data, i := s.data, s.pos+1 // locals, so that the loops below keep them in registers
	for {
		start := i
		for i+8 <= len(data) && !hasSpecial(binary.LittleEndian.Uint64(data[i:])) {
			i += 8
		}
		for i < len(data) && plainInString[data[i]] {
			i++
		}
		if keep {
			dst = append(dst, data[start:i]...)
		}
		if i >= len(data) {
			s.pos = i
			return dst, s.errorf("unterminated string")
		}
		switch c := data[i]; {
		case c == '"':
			s.pos = i + 1
			return dst, nil
		case c == '\\' && i+1 < len(data) && simpleEscape[data[i+1]] != 0:
			if keep {
				dst = append(dst, simpleEscape[data[i+1]])
			}
			i += 2
		case c == '\\':
			s.pos = i
			r, err := s.escape()
			if err != nil {
				return dst, err
			}
			if keep {
				dst = utf8.AppendRune(dst, r)
			}
			i = s.pos
		case c < 0x20:
			s.pos = i
			return dst, s.errorf("control character %#x in string", c)
		default:
			r, size := utf8.DecodeRune(data[i:])
			if keep {
				if r == utf8.RuneError && size == 1 {
					dst = utf8.AppendRune(dst, utf8.RuneError)
				} else {
					dst = append(dst, data[i:i+size]...)
				}
			}
			i += size
		}
	}
}

// escape reads the escape sequence at the current backslash, other than a one-letter one (which
// readString handles itself).
func (s *scanner) escape() (rune, error) {
	if s.pos+1 >= len(s.data) {
		return 0, s.errorf("unterminated string")
	}
	c := s.data[s.pos+1]
	if c != 'u' {
		return 0, s.errorf("invalid escape \\%c", c)
	}
	s.pos += 2
	r, ok := s.hex4()
	if !ok {
		return 0, s.errorf(`invalid \u escape`)
	}
	if !utf16.IsSurrogate(r) {
		return r, nil
	}
	// A surrogate pair is two escapes; a lone surrogate is no character, and becomes U+FFFD as in
	// encoding/json, leaving what follows to be read on its own.
	if s.pos+1 < len(s.data) && s.data[s.pos] == '\\' && s.data[s.pos+1] == 'u' {
		save := s.pos
		s.pos += 2
		if low, ok := s.hex4(); ok {
			if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
				return pair, nil
			}
		}
		s.pos = save
	}
	return utf8.RuneError, nil
}

// hex4 reads the four hex digits of a \u escape.
func (s *scanner) hex4() (rune, bool) {
	if s.pos+4 > len(s.data) {
		return 0, false
	}
	var r rune
	for _, c := range s.data[s.pos : s.pos+4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	s.pos += 4
	return r, true
}

// readNumber reads the number at the current position and returns its literal, which stays valid
// as long as data does.
func (s *scanner) readNumber() ([]byte, error) {
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
	return s.data[start:s.pos], nil
}

// digits reads one or more ASCII digits, reporting whether there was one.
func (s *scanner) digits() bool {
	start := s.pos
	for s.pos < len(s.data) && isDigit(s.data[s.pos]) {
		s.pos++
	}
	return s.pos > start
}

// readLiteral reads true, false or null.
func (s *scanner) readLiteral() (jsonKind, error) {
	rest := s.data[s.pos:]
	for _, lit := range literals {
		if bytes.HasPrefix(rest, lit.text) {
			s.pos += len(lit.text)
			return lit.kind, nil
		}
	}
	return 0, s.unexpected("a JSON value")
}

var literals = [...]struct {
	text []byte
	kind jsonKind
}{{[]byte("true"), jsonTrue}, {[]byte("false"), jsonFalse}, {[]byte("null"), jsonNull}}

// walk reads any JSON value. With build set it also stores the value in dst by its JSON kind alone
// (see setNumber for numbers); without, it only checks the syntax and dst is not touched.
func (s *scanner) walk(dst pcommon.Value, build bool, depth int) error {
	switch c := s.next(); {
	case c == '{':
		if depth >= maxDepth {
			return s.errorf("nested deeper than %d", maxDepth)
		}
		return s.walkObject(dst, build, depth+1)
	case c == '[':
		if depth >= maxDepth {
			return s.errorf("nested deeper than %d", maxDepth)
		}
		return s.walkArray(dst, build, depth+1)
	case c == '"':
		var err error
		s.scratch, err = s.readString(s.scratch[:0], build)
		if err == nil && build {
			dst.SetStr(string(s.scratch))
		}
		return err
	case c == '-' || isDigit(c):
		lit, err := s.readNumber()
		if err == nil && build {
			setNumber(dst, string(lit))
		}
		return err
	default:
		kind, err := s.readLiteral()
		if build && (kind == jsonTrue || kind == jsonFalse) {
			dst.SetBool(kind == jsonTrue)
		}
		// A null inside a value is kept as an empty value: it is part of the value, unlike a
		// null column, which is omitted.
		return err
	}
}

func (s *scanner) walkObject(dst pcommon.Value, build bool, depth int) error {
	s.pos++ // '{'
	var m pcommon.Map
	if build {
		m = dst.SetEmptyMap()
	}
	if s.next() == '}' {
		s.pos++
		return nil
	}
	for more := true; more; {
		var err error
		if s.scratch, err = s.readString(s.scratch[:0], build); err != nil {
			return err
		}
		var member pcommon.Value
		if build {
			// PutEmpty keeps a repeated name once, its last value winning as in encoding/json.
			member = m.PutEmpty(string(s.scratch))
		}
		if err := s.consume(':'); err != nil {
			return err
		}
		if err := s.walk(member, build, depth); err != nil {
			return err
		}
		if more, err = s.separator('}'); err != nil {
			return err
		}
	}
	return nil
}

func (s *scanner) walkArray(dst pcommon.Value, build bool, depth int) error {
	s.pos++ // '['
	var list pcommon.Slice
	if build {
		list = dst.SetEmptySlice()
	}
	if s.next() == ']' {
		s.pos++
		return nil
	}
	for more := true; more; {
		var element pcommon.Value
		if build {
			element = list.AppendEmpty()
		}
		if err := s.walk(element, build, depth); err != nil {
			return err
		}
		var err error
		if more, err = s.separator(']'); err != nil {
			return err
		}
	}
	return nil
}
