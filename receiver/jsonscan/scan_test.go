package jsonscan

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Values as the service writes them and as it might: every kind, escapes of every form, multi-byte
// characters, white space, nesting.
var validValues = []string{
	`null`, `true`, `false`, `0`, `-0`, `12`, `-1.5e-3`, `1E+9`, `3.25`,
	`""`, `"plain"`, `"J\u00fcrgen"`, `"Jürgen € 😀"`, `"C:\\Windows\\System32\\cmd.exe"`,
	`"\"\\\/\b\f\n\r\t"`, `"\ud83d\ude00"`, `"lone \ud800 surrogate"`, `"\udc00\ud800"`,
	`{}`, `[]`, `{"a":1}`, ` { "a" : [ 1 , { } , [ ] , "x" , null ] , "b" : { "c" : false } } `,
	`[1,-2.5,"s",true,null,{"k":"v"},[[]]]`,
}

// Every cut of a valid value, followed in its document by more text, is told apart from malformed
// text: the scanner asks for more rather than failing or taking the cut for the whole.
func TestValueLenTellsCutOffTextApart(t *testing.T) {
	for _, v := range validValues {
		n, err := ValueLen([]byte(v + `,"next"`))
		require.NoError(t, err, v)
		assert.Equal(t, len(strings.TrimRight(v, " ")), n, v)

		for cut := range len(strings.TrimRight(v, " ")) {
			_, err := ValueLen([]byte(v[:cut]))
			assert.ErrorIs(t, err, io.ErrUnexpectedEOF, "%q", v[:cut])
			assert.NotErrorIs(t, err, ErrSyntax, "%q", v[:cut])
		}
	}
}

func TestValueLenRefusesMalformedText(t *testing.T) {
	for _, text := range []string{
		`}`, `]`, `,`, `:`, `nul,`, `tru ]`, `True`, `undefined`, `'x'`, `+1`, `1.,`, `.5`, `1e,`, `-,`, `-x`,
		`"\x"`, `"\u12G4"`, "\"tab\there\"", "\"nl\nhere\"", `{"a" 1}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{1:1}`, `{"a":1 "b":2}`,
		strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1),
	} {
		_, err := ValueLen([]byte(text))
		assert.ErrorIs(t, err, ErrSyntax, "%q", text)
	}
}

// Strings are unescaped as encoding/json unescapes them, including U+FFFD for lone surrogates and
// invalid UTF-8.
func TestReadStringUnescapesAsEncodingJSON(t *testing.T) {
	for _, text := range append(validValues[9:18], "\"bad \xff byte\"", `"\uD834\uDD1E"`, `"`+strings.Repeat("long run ", 20)+`\n"`) {
		var want string
		require.NoError(t, json.Unmarshal([]byte(text), &want), text)
		var s Scanner
		s.Reset([]byte(text))
		got, err := s.ReadString(nil, true)
		require.NoError(t, err, text)
		assert.Equal(t, want, string(got), text)
		assert.Equal(t, len(text), s.Pos())
	}
}

// FuzzValueLen checks that ValueLen takes exactly the values encoding/json takes, from the start
// of its text, and never panics.
func FuzzValueLen(f *testing.F) {
	for _, v := range validValues {
		f.Add([]byte(v + ","))
	}
	f.Add([]byte("\"\xff\","))
	f.Fuzz(func(t *testing.T, text []byte) {
		n, err := ValueLen(text)
		switch {
		case err == nil && !json.Valid(text[:n]):
			t.Fatalf("ValueLen(%q) took %q, which encoding/json refuses", text, text[:n])
		case err != nil && json.Valid(text) && !isBareNumber(text):
			t.Fatalf("ValueLen(%q) = %v; encoding/json takes it", text, err)
		}
	})
}

// isBareNumber reports whether text is a number that runs to its end, which ValueLen counts as cut
// off: in a document a value is always followed by more.
func isBareNumber(text []byte) bool {
	trimmed := strings.TrimLeft(string(text), " \t\r\n")
	return trimmed != "" && (trimmed[0] == '-' || IsDigit(trimmed[0])) && IsDigit(text[len(text)-1])
}
