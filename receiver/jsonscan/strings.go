package jsonscan

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf16"
	"unicode/utf8"
)

// plainInString marks the bytes that stand for themselves inside a JSON string: printable ASCII
// other than the quote and the backslash.
var plainInString = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// specialBytes marks, in the high bit of each of the eight bytes in x (read little-endian), the
// bytes that are not plainInString: a quote, a backslash, a control character or a byte of a
// multi-byte character. Testing eight bytes at once is what lets long strings (command lines,
// paths) go by at memory speed. A mark above the lowest may be spurious (a borrow carried from
// below), so only the lowest mark locates a byte; zero means none.
func specialBytes(x uint64) uint64 {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	quote, backslash := x^(ones*'"'), x^(ones*'\\')
	return ((x-ones*0x20)&^x | (quote-ones)&^quote | (backslash-ones)&^backslash | x) & highs
}

// plainRun returns the index of the first byte at or after i that is not plainInString, or
// len(data).
func plainRun(data []byte, i int) int {
	for ; i+8 <= len(data); i += 8 {
		if m := specialBytes(binary.LittleEndian.Uint64(data[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(data) && plainInString[data[i]] {
		i++
	}
	return i
}

// simpleEscape holds what each one-letter escape stands for, 0 for the others.
var simpleEscape = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}

// ReadString reads the string at the current position (after white space), appending its
// contents, unescaped, to dst when keep is set.
func (s *Scanner) ReadString(dst []byte, keep bool) ([]byte, error) {
	if s.Next() != '"' {
		return dst, s.unexpected("a string")
	}
	data, i := s.data, s.pos+1 // locals, so that the loops below keep them in registers
	for {
		start := i
		i = plainRun(data, i)
		if keep {
			dst = append(dst, data[start:i]...)
		}
		if i >= len(data) {
			s.pos = i
			return dst, s.short("a string")
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
			return dst, s.Errorf("control character %#x in string", c)
		case !utf8.FullRune(data[i:]):
			s.pos = i
			return dst, s.short("a character")
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
// ReadString handles itself).
func (s *Scanner) escape() (rune, error) {
	if s.pos+1 >= len(s.data) {
		return 0, s.short("an escape")
	}
	if c := s.data[s.pos+1]; c != 'u' {
		return 0, s.Errorf("invalid escape \\%c", c)
	}
	s.pos += 2
	r, err := s.hex4()
	if err != nil || !utf16.IsSurrogate(r) {
		return r, err
	}
	// A surrogate pair is two escapes; a lone surrogate is no character, and becomes U+FFFD as in
	// encoding/json, leaving what follows to be read on its own. Whether the high surrogate is
	// lone can only be told once the next six bytes are there.
	rest := s.data[s.pos:]
	if len(rest) < 6 && isEscapePrefix(rest) {
		return 0, s.short("an escape")
	}
	if len(rest) >= 2 && rest[0] == '\\' && rest[1] == 'u' {
		save := s.pos
		s.pos += 2
		if low, err := s.hex4(); err == nil {
			if pair := utf16.DecodeRune(r, low); pair != utf8.RuneError {
				return pair, nil
			}
		}
		s.pos = save
	}
	return utf8.RuneError, nil
}

// isEscapePrefix reports whether text could be the start of a \u escape.
func isEscapePrefix(text []byte) bool {
	const form = `\u`
	for i, c := range text {
		if i < len(form) && c != form[i] || i >= len(form) && hexDigit(c) < 0 {
			return false
		}
	}
	return true
}

// hex4 reads the four hex digits of a \u escape.
func (s *Scanner) hex4() (rune, error) {
	var r rune
	for i := range 4 {
		if s.pos+i >= len(s.data) {
			return 0, s.short("an escape")
		}
		d := hexDigit(s.data[s.pos+i])
		if d < 0 {
			return 0, s.Errorf(`invalid \u escape`)
		}
		r = r<<4 | d
	}
	s.pos += 4
	return r, nil
}

func hexDigit(c byte) rune {
	switch {
	case '0' <= c && c <= '9':
		return rune(c - '0')
	case 'a' <= c && c <= 'f':
		return rune(c-'a') + 10
	case 'A' <= c && c <= 'F':
		return rune(c-'A') + 10
	}
	return -1
}
