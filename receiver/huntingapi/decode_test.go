package huntingapi

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

const twoColumns = `[{"Name":"A","Type":"String"},{"Name":"B","Type":"Int64"}]`

// bufferSizes are the read buffers the decoder tests run with: the tiny ones cut every key, value
// and row of a test body somewhere, so each is read again once more has arrived.
var bufferSizes = []int{1, 2, 3, 5, 8, 13, streamBuffer}

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
			body:     `{"@odata.context":"https://graph/$metadata","x":[1,{"y":null}],"Schema":` + twoColumns + `,"n":-1.5e3,"t":true,"Results":[]}`,
			wantRows: nil,
		},
		{
			name:     "keys in any letter case, escaped or not",
			body:     `{"schema":` + twoColumns + `,"\u0052esults":[{"A":"\ud83d\ude00"}]}`,
			wantRows: []string{`{"A":"\ud83d\ude00"}`},
		},
		{
			name:     "invalid UTF-8 in a string does not make the response unreadable",
			body:     "{\"Schema\":" + twoColumns + ",\"Results\":[{\"A\":\"\xff\"}]}",
			wantRows: []string{"{\"A\":\"\xff\"}"},
		},
		{
			name:     "what follows the response object is not read",
			body:     `{"Schema":` + twoColumns + `,"Results":[{"A":"x"}]} trailing`,
			wantRows: []string{`{"A":"x"}`},
		},
		{
			name:     "multi-byte characters, whichever byte the buffer ends at",
			body:     `{"Schema":` + twoColumns + `,"Results":[{"A":"Jürgen € 😀"}]}`,
			wantRows: []string{`{"A":"Jürgen € 😀"}`},
		},
	}
	for _, tt := range tests {
		for _, size := range bufferSizes {
			t.Run(fmt.Sprintf("%s/buffer=%d", tt.name, size), func(t *testing.T) {
				got := &collector{}
				_, err := decodeWithBuffer(strings.NewReader(tt.body), got, size)
				require.NoError(t, err)
				assert.Equal(t, []Column{{Name: "A", Type: "String"}, {Name: "B", Type: "Int64"}}, got.schema)
				assert.Equal(t, tt.wantRows, got.rows)
			})
		}
	}
}

// A row larger than the read buffer grows it.
func TestDecodeResponseReadsARowLargerThanTheBuffer(t *testing.T) {
	big := `{"A":"` + strings.Repeat("x", 3*streamBuffer) + `"}`
	body := `{"Schema":` + twoColumns + `,"Results":[{"A":"1"},` + big + `,{"A":"2"}]}`
	got := &collector{}
	_, err := decodeResponse(strings.NewReader(body), got)
	require.NoError(t, err)
	assert.Equal(t, []string{`{"A":"1"}`, big, `{"A":"2"}`}, got.rows)
}

func TestDecodeResponseRefusesWhatIsNotTheDocumentedShape(t *testing.T) {
	schema := `"Schema":` + twoColumns
	for name, body := range map[string]string{
		"empty":                        ``,
		"an array":                     `[]`,
		"no Schema":                    `{"Results":[]}`,
		"no Results":                   `{` + schema + `}`,
		"no Results, Graph's spelling": `{"@odata.context":"x","schema":` + twoColumns + `}`,
		"Results null":                 `{` + schema + `,"Results":null}`,
		"a key not a string":           `{Schema:[]}`,
		"a member without a colon":     `{"Schema" ` + twoColumns + `}`,
		"a Schema of the wrong shape":  `{"Schema":{"Name":"A"},"Results":[]}`,
		"Stats of the wrong shape":     `{"Stats":[1],` + schema + `,"Results":[]}`,
		"Results not an array":         `{` + schema + `,"Results":{}}`,
		"rows not separated":           `{` + schema + `,"Results":[{"A":"x"} {"A":"y"}]}`,
		"held row not JSON":            `{"Results":[{"A":"x",}],` + schema + `}`,
		"trailing garbage in a value":  `{` + schema + `,"Results":[]x}`,
		"cut off in an unknown value":  `{"x":[1,2`,
		"cut off in a key":             `{"Sche`,
		"cut off in a row":             `{` + schema + `,"Results":[{"A":"x"`,
		"cut off in a held row":        `{"Results":[{"A":"x"`,
		"cut off before the end":       `{` + schema + `,"Results":[]`,
	} {
		for _, size := range bufferSizes {
			t.Run(fmt.Sprintf("%s/buffer=%d", name, size), func(t *testing.T) {
				_, err := decodeWithBuffer(strings.NewReader(body), &collector{}, size)
				assert.Error(t, err)
				assert.False(t, errors.As(err, new(handlerError)), "%v is the response's fault, not the handler's", err)
			})
		}
	}
}

// A body that fails to arrive is the response's fault, whatever the handler is doing.
func TestDecodeResponseReportsReadErrors(t *testing.T) {
	lost := errors.New("connection reset")
	body := `{"Schema":` + twoColumns + `,"Results":[{"A":"x"},{"A":"y"}]}`
	for cut := range len(body) {
		r := io.MultiReader(strings.NewReader(body[:cut]), iotest.ErrReader(lost))
		_, err := decodeWithBuffer(r, &collector{}, 4)
		require.ErrorIs(t, err, lost, "cut at %d", cut)
		assert.False(t, errors.As(err, new(handlerError)))
	}
}

func TestDecodeResponseReportsHandlerErrorsAsTheirs(t *testing.T) {
	refused := errors.New("refused")
	// A handler's own error may wrap io.ErrUnexpectedEOF (an exporter's connection cut off): that
	// is not a row cut off by the buffer, and must not make the decoder hand the row over again.
	exportCutOff := fmt.Errorf("export: %w", io.ErrUnexpectedEOF)
	rowsFirst := `{"Results":[{"A":"x"}],"Schema":` + twoColumns + `}`
	schemaFirst := `{"Schema":` + twoColumns + `,"Results":[{"A":"x"}]}`
	tests := []struct {
		name    string
		body    string
		handler *failingHandler
		want    error
	}{
		{"Schema refused", schemaFirst, &failingHandler{schemaErr: refused}, refused},
		{"row refused", schemaFirst, &failingHandler{rowErr: refused}, refused},
		{"row held before the Schema refused", rowsFirst, &failingHandler{rowErr: refused}, refused},
		{"row refused with an error of its own that wraps io.ErrUnexpectedEOF", schemaFirst, &failingHandler{rowErr: exportCutOff}, exportCutOff},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodeResponse(strings.NewReader(tt.body), tt.handler)
			var fromHandler handlerError
			require.ErrorAs(t, err, &fromHandler)
			assert.ErrorIs(t, fromHandler.err, tt.want)
			assert.LessOrEqual(t, tt.handler.rowCalls, 1, "the row was handed over again")
		})
	}
}

type failingHandler struct {
	schemaErr, rowErr error
	rowCalls          int
}

func (h *failingHandler) Schema([]Column) error { return h.schemaErr }

func (h *failingHandler) Row([]byte) (int, error) {
	h.rowCalls++
	return 0, h.rowErr
}

// The decoder must stream: it hands over the first rows before it has read much further, and it
// holds one read buffer (streamBuffer) rather than the body.
func TestDecodeResponseStreams(t *testing.T) {
	const rows = 50000 // about 10 MB, forty read buffers
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

// The read buffer grows for a large element up to its limit and no further: a body that never
// closes a string must not grow it to the body's size.
func TestStreamBoundsTheElementItReads(t *testing.T) {
	const limit = 60 // not the starting size times a power of two, so growth must stop short
	quoted := func(size int) string { return `"` + strings.Repeat("x", size-2) + `"` }
	for _, tt := range []struct {
		name    string
		text    string
		wantErr bool
	}{
		{"an element that fits the buffer it started with", quoted(8), false},
		{"an element that fills the limit exactly", quoted(limit), false},
		{"an element over the limit", quoted(limit + 1), true},
		{"a string that never ends", `"` + strings.Repeat("x", 10*limit), true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := newStream(strings.NewReader(tt.text), 8, limit)
			var read int
			err := s.next(func(data []byte) (n int, err error) {
				n, err = jsonscan.ValueLen(data)
				read = n
				return n, err
			})
			if tt.wantErr {
				assert.ErrorContains(t, err, "exceeds 60 bytes")
			} else {
				require.NoError(t, err)
				assert.Equal(t, len(tt.text), read)
			}
			assert.LessOrEqual(t, len(s.buf), limit)
		})
	}
}

// sizedRow is a row of exactly size bytes of JSON text, unique by id.
func sizedRow(id, size int) string {
	prefix := fmt.Sprintf(`{"A":"%d:`, id)
	return prefix + strings.Repeat("x", size-len(prefix)-2) + `"}`
}

// Rows that come before the Schema are held until it comes, up to a limit on their text all
// together: past it the response fails, as the response's fault, rather than being held whole.
func TestDecodeResponseBoundsTheRowsHeldBeforeTheSchema(t *testing.T) {
	const rowSize, early = 20, 100 // five rows fill the limit exactly
	rows := func(n int) []string {
		var out []string
		for i := range n {
			out = append(out, sizedRow(i, rowSize))
		}
		return out
	}
	rowsFirst := func(n int) string {
		return `{"Results":[` + strings.Join(rows(n), ", ") + `],"Schema":` + twoColumns + `}`
	}
	tests := []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"rows just under the limit", rowsFirst(4), false},
		{"rows that fill the limit exactly", rowsFirst(5), false},
		{"rows over the limit by one", `{"Results":[` + strings.Join(rows(4), ",") + `,` + sizedRow(4, rowSize+1) + `],"Schema":` + twoColumns + `}`, true},
		{"rows over the limit", rowsFirst(6), true},
		{"rows after the Schema are not held, whatever their number", `{"Schema":` + twoColumns + `,"Results":[` + strings.Join(rows(50), ",") + `]}`, false},
	}
	for _, tt := range tests {
		for _, size := range bufferSizes {
			t.Run(fmt.Sprintf("%s/buffer=%d", tt.name, size), func(t *testing.T) {
				got := &collector{}
				_, err := decodeWithLimits(strings.NewReader(tt.body), got, size, limits{row: 64, early: early})
				if !tt.wantErr {
					require.NoError(t, err)
					assert.NotEmpty(t, got.rows)
					return
				}
				require.ErrorIs(t, err, ErrEarlyRowsTooLarge)
				assert.EqualError(t, err, "Results: the rows before the Schema exceed 100 bytes, the most held until it comes")
				assert.False(t, errors.As(err, new(handlerError)), "%v is the response's fault, not the handler's", err)
				assert.Nil(t, got.schema, "the rows' Schema was never read")
				assert.Empty(t, got.rows)
			})
		}
	}
}

// One row is at most limits.row bytes of JSON, whether it comes before or after the Schema: a
// longer one fails the response before it is handed over whole (the read buffer stops growing at
// that size: TestStreamBoundsTheElementItReads).
func TestDecodeResponseBoundsOneRow(t *testing.T) {
	const limit = 64
	for _, tt := range []struct {
		name    string
		rowSize int
		wantErr bool
	}{
		{"a row just under the limit", limit - 1, false},
		{"a row of the limit exactly", limit, false},
		{"a row over the limit by one", limit + 1, true},
		{"a row far over the limit", 100 * limit, true},
	} {
		row := sizedRow(1, tt.rowSize)
		for order, body := range map[string]string{
			"Schema first":  `{"Schema":` + twoColumns + `,"Results":[{"A":"0"}, ` + row + ` ,{"A":"2"}]}`,
			"Results first": `{"Results":[{"A":"0"}, ` + row + ` ,{"A":"2"}],"Schema":` + twoColumns + `}`,
		} {
			for _, size := range bufferSizes {
				t.Run(fmt.Sprintf("%s/%s/buffer=%d", tt.name, order, size), func(t *testing.T) {
					got := &collector{}
					_, err := decodeWithLimits(strings.NewReader(body), got, size, limits{row: limit, early: 1 << 20})
					if !tt.wantErr {
						require.NoError(t, err)
						assert.Equal(t, []string{`{"A":"0"}`, row, `{"A":"2"}`}, got.rows)
						return
					}
					require.ErrorIs(t, err, ErrRowTooLarge)
					assert.EqualError(t, err, "Results: a row exceeds 64 bytes, the limit for one row")
					assert.False(t, errors.As(err, new(handlerError)), "%v is the response's fault, not the handler's", err)
					assert.NotContains(t, got.rows, row, "the row over the limit was handed over")
				})
			}
		}
	}
}

// Any other element of the response is bounded by the same limit, with a message that does not
// call it a row.
func TestDecodeResponseBoundsOtherElements(t *testing.T) {
	body := `{"@odata.context":"` + strings.Repeat("x", 100) + `","Schema":` + twoColumns + `,"Results":[]}`
	_, err := decodeWithLimits(strings.NewReader(body), &collector{}, 8, limits{row: 64, early: 64})
	assert.EqualError(t, err, "an element of the response exceeds 64 bytes, the limit for one element")
	assert.NotErrorIs(t, err, ErrRowTooLarge)
}

// Read buffers go back to a pool after each response: nothing one response left in its buffer may
// show in the next one's rows.
func TestDecodeResponseReusesReadBuffersCleanly(t *testing.T) {
	long := `{"A":"` + strings.Repeat("x", streamBuffer/2) + `"}`
	bodies := []struct{ body, row string }{
		{`{"Schema":` + twoColumns + `,"Results":[` + long + `]}`, long},
		{`{"Schema":` + twoColumns + `,"Results":[{"A":"y"}]}`, `{"A":"y"}`},
		{`{"Schema":` + twoColumns + `,"Results":[{"A":"z"}`, ""}, // cut off: the decode fails
	}
	for range 3 {
		for _, b := range bodies {
			got := &collector{}
			_, err := decodeResponse(strings.NewReader(b.body), got)
			if b.row == "" {
				require.Error(t, err)
				continue
			}
			require.NoError(t, err)
			assert.Equal(t, []string{b.row}, got.rows)
		}
	}
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

func (f *firstRow) Row(data []byte) (int, error) {
	n, err := readRow(data)
	if err != nil {
		return n, err
	}
	if f.rows == 0 {
		f.readAt = f.read.n
	}
	f.rows++
	return n, nil
}

// FuzzDecodeResponse checks that how the body happens to be cut by the read buffer never changes
// what is read: the same rows, or an error either way.
func FuzzDecodeResponse(f *testing.F) {
	f.Add(`{"Schema":`+twoColumns+`,"Results":[{"A":"x","B":1},{"A":"\u00fc\ud83d\ude00"}]}`, 3)
	f.Add(`{"Results":[{"A":"1"}],"Stats":{"ExecutionTime":0.5},"Schema":`+twoColumns+`}`, 1)
	f.Add(`{"@odata.context":"x","schema":`+twoColumns+`,"results":[{"A":-1.5e3}]} `, 2)
	f.Fuzz(func(t *testing.T, body string, size int) {
		size = 1 + (size&0xff)%64
		whole, cut := &collector{}, &collector{}
		_, errWhole := decodeResponse(strings.NewReader(body), whole)
		_, errCut := decodeWithBuffer(strings.NewReader(body), cut, size)
		if (errWhole == nil) != (errCut == nil) {
			t.Fatalf("buffer %d: error %v, with the whole body in the buffer %v", size, errCut, errWhole)
		}
		if errWhole == nil {
			assert.Equal(t, whole.rows, cut.rows)
		}
	})
}
