package huntingapi

import (
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const twoColumns = `[{"Name":"A","Type":"String"},{"Name":"B","Type":"Int64"}]`

func TestDecodeResponseHandsOverEachRowAsSent(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		wantRows []string
	}{
		{
			name:     "rows as written, white space inside them kept",
			body:     `{"Schema":` + twoColumns + `,"Results":[{"A":"x","B":1}, { "A" : "\u00fc", "B":null }]}`,
			wantRows: []string{`{"A":"x","B":1}`, `{ "A" : "\u00fc", "B":null }`},
		},
		{
			name:     "white space around the envelope's tokens",
			body:     " {\n \"Schema\" : " + twoColumns + " ,\n \"Results\" : [ {\"A\":\"x\"} ] \n} \n",
			wantRows: []string{`{"A":"x"}`},
		},
		{
			name:     "rows before the Schema are held until it arrives",
			body:     `{"Results":[{"A":"1"},{"A":"2"}],"Stats":{},"Schema":` + twoColumns + `}`,
			wantRows: []string{`{"A":"1"}`, `{"A":"2"}`},
		},
		{
			name:     "unknown members of any kind are skipped",
			body:     `{"@odata.context":"https://graph/$metadata","x":[1,{"y":null}],"Schema":` + twoColumns + `,"n":-1.5e3,"Results":[]}`,
			wantRows: nil,
		},
		{
			name:     "invalid UTF-8 in a string does not make the response unreadable",
			body:     "{\"Schema\":" + twoColumns + ",\"Results\":[{\"A\":\"\xff\"}]}",
			wantRows: []string{"{\"A\":\"\xff\"}"},
		},
		{
			name:     "a repeated member name is left to the handler",
			body:     `{"Schema":` + twoColumns + `,"Results":[{"A":"1","A":"2"}]}`,
			wantRows: []string{`{"A":"1","A":"2"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := &collector{}
			_, err := decodeResponse(strings.NewReader(tt.body), got)
			require.NoError(t, err)
			assert.Equal(t, []Column{{Name: "A", Type: "String"}, {Name: "B", Type: "Int64"}}, got.schema)
			assert.Equal(t, tt.wantRows, got.rows)
		})
	}
}

func TestDecodeResponseRefusesWhatIsNotTheDocumentedShape(t *testing.T) {
	schema := `"Schema":` + twoColumns
	for name, body := range map[string]string{
		"empty":                       ``,
		"an array":                    `[]`,
		"a row not an object":         `{` + schema + `,"Results":[["x"]]}`,
		"a null row":                  `{` + schema + `,"Results":[null]}`,
		"a row with a syntax error":   `{` + schema + `,"Results":[{"A":"x",}]}`,
		"a row with a control char":   "{" + schema + ",\"Results\":[{\"A\":\"a\tb\"}]}",
		"a Schema of the wrong shape": `{"Schema":{"Name":"A"},"Results":[]}`,
		"Stats of the wrong shape":    `{"Stats":[1],` + schema + `,"Results":[]}`,
		"trailing garbage in a value": `{` + schema + `,"Results":[]x}`,
		"cut off in an unknown value": `{"x":[1,2`,
		"cut off before the end":      `{` + schema + `,"Results":[]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := decodeResponse(strings.NewReader(body), &collector{})
			assert.Error(t, err)
			assert.False(t, errors.As(err, new(handlerError)), "%v is the response's fault, not the handler's", err)
		})
	}
}

func TestDecodeResponseReportsHandlerErrorsAsTheirs(t *testing.T) {
	refused := errors.New("refused")
	rowsFirst := `{"Results":[{"A":"x"}],"Schema":` + twoColumns + `}`
	schemaFirst := `{"Schema":` + twoColumns + `,"Results":[{"A":"x"}]}`
	tests := []struct {
		name    string
		body    string
		handler *failingHandler
	}{
		{"Schema refused", schemaFirst, &failingHandler{schemaErr: refused}},
		{"row refused", schemaFirst, &failingHandler{rowErr: refused}},
		{"row held before the Schema refused", rowsFirst, &failingHandler{rowErr: refused}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeResponse(strings.NewReader(tt.body), tt.handler)
			var fromHandler handlerError
			require.ErrorAs(t, err, &fromHandler)
			assert.ErrorIs(t, fromHandler.err, refused)
		})
	}
}

type failingHandler struct{ schemaErr, rowErr error }

func (h *failingHandler) Schema([]Column) error { return h.schemaErr }
func (h *failingHandler) Row([]byte) error      { return h.rowErr }

// The decoder must stream: it hands over the first rows before it has read much further, and it
// holds about a row at a time rather than the body.
func TestDecodeResponseStreams(t *testing.T) {
	const rows = 20000
	row := `{"A":"` + strings.Repeat("x", 200) + `","B":1}`
	body := `{"Schema":` + twoColumns + `,"Results":[` + strings.Repeat(row+",", rows-1) + row + `]}`
	counting := &countingReader{r: strings.NewReader(body)}
	h := &firstRow{read: counting, readAt: -1}

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := decodeResponse(counting, h)
	runtime.ReadMemStats(&after)

	require.NoError(t, err)
	assert.Equal(t, rows, h.rows)
	assert.Less(t, h.readAt, int64(len(body)/10), "the first row came only after most of the body was read")
	allocated := after.TotalAlloc - before.TotalAlloc
	assert.Less(t, allocated, uint64(len(body)/10), "decoding a %d-byte body allocated %d bytes", len(body), allocated)
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// firstRow notes how far the body had been read when the first row arrived.
type firstRow struct {
	read   *countingReader
	readAt int64
	rows   int
}

func (f *firstRow) Schema([]Column) error { return nil }

func (f *firstRow) Row([]byte) error {
	if f.rows == 0 {
		f.readAt = f.read.n
	}
	f.rows++
	return nil
}
