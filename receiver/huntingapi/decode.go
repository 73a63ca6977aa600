package huntingapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// Stats is the part of the response's performance statistics the receiver reports.
type Stats struct {
	// ExecutionTime is the service's own query run time, in seconds.
	ExecutionTime float64 `json:"ExecutionTime"`
	// ServiceTime is the service's clock when it answered (its Date header, to the second; zero
	// without one), and ReceivedAt the local clock when the answer's headers arrived: together
	// they tell how far the local clock is from the service's.
	ServiceTime time.Time `json:"-"`
	ReceivedAt  time.Time `json:"-"`
}

// MaxRowBytes bounds one row's JSON text, and with it the read buffer, which must hold a row
// whole (as it must any other element of the response: the Schema, a member it skips). A row over
// it fails the response before it is handed over whole, with ErrRowTooLarge. Defender's rows take a
// few KB (DeviceProcessEvents' 70 columns, about 2.8 KB), their largest values, command lines and
// AdditionalFields, a few KB more, and Kusto stores a dynamic value of at most 1 MiB unless a
// table's policy raises it: 16 MiB is some 6,000 such rows, or 16 of the largest dynamic values, in
// one row. The bound is set by what a row becomes: dynamic values take 12-16x their text as log
// values, so a 16 MiB row may become some 256 MiB of records. The read buffer's bound before this,
// 256 MiB, let through a row that could have become 3-4 GiB.
//
// MaxEarlyRowBytes bounds the JSON text of the rows that come before the Schema, which are held
// (copied out of the read buffer) until it arrives, since a row cannot be converted without it.
// Both APIs' documented responses put the Schema first; this is for one that does not. Without a
// bound, a full page sent Results first would be held whole: 100,000 rows of 2.7 KB, some 270 MB
// (198 MB were seen held in a test). 64 MiB holds some 24,000 such rows, or four rows of
// MaxRowBytes, so that a smaller page in that order is still read; with the read buffer at its own
// bound the decoder then holds at most 80 MiB of text, under a third of what the read buffer alone
// could take before (256 MiB). Rows past it fail the response with ErrEarlyRowsTooLarge; a page of
// fewer rows may fit.
const (
	MaxRowBytes      = 16 << 20
	MaxEarlyRowBytes = 64 << 20
)

var (
	// ErrRowTooLarge marks a response with a row longer than MaxRowBytes. Asking again, for fewer
	// rows or a shorter time, brings the same row back.
	ErrRowTooLarge = errors.New("a row is too large")
	// ErrEarlyRowsTooLarge marks a response whose rows before the Schema are longer, all together,
	// than MaxEarlyRowBytes. A page of fewer rows may be read.
	ErrEarlyRowsTooLarge = errors.New("the rows before the Schema are too large")
)

// limits are the bounds a decoder works to: MaxRowBytes and MaxEarlyRowBytes, but for tests.
type limits struct {
	row   int // one element's text, a row's included: the most the read buffer grows to
	early int // the text of the rows held until the Schema comes, all together
}

var defaultLimits = limits{row: MaxRowBytes, early: MaxEarlyRowBytes}

// limitError is an error that says which limit was passed, in its own words, and matches the
// sentinel error of that limit.
type limitError struct {
	sentinel error
	text     string
}

func (e limitError) Error() string { return e.text }
func (e limitError) Unwrap() error { return e.sentinel }

// decoder walks a response, {"Stats":..,"Schema":..,"Results":[..]}, straight from the body's
// buffer. Each row is read once, by the handler, which converts it as it checks it; the decoder
// reads the rest: the envelope, the Schema and Stats, and whatever else the service adds. Keys are
// matched in any letter case (the Graph API spells them in lower case).
type decoder struct {
	in   *stream
	h    ResultHandler
	scan jsonscan.Scanner
	key  []byte

	stats       Stats
	schemaSeen  bool
	resultsSeen bool
	early       [][]byte // rows that came before the Schema, held until it is known
	earlyBytes  int      // their length, all together
	limits      limits
}

// decodeResponse reads a whole response, handing its Schema and then each row to h.
func decodeResponse(r io.Reader, h ResultHandler) (Stats, error) {
	return decodeWithBuffer(r, h, streamBuffer)
}

// decodeWithBuffer is decodeResponse reading through a buffer of the given starting size: tests
// make it tiny, so that every element is cut somewhere by the buffer's end.
func decodeWithBuffer(r io.Reader, h ResultHandler, size int) (Stats, error) {
	return decodeWithLimits(r, h, size, defaultLimits)
}

// decodeWithLimits is decodeWithBuffer working to the given limits: tests make them small.
func decodeWithLimits(r io.Reader, h ResultHandler, size int, l limits) (Stats, error) {
	d := &decoder{in: newStream(r, size, l.row), h: h, limits: l}
	defer d.in.release()
	// Reading stops at the response object's end, as a JSON decoder's would: bytes after it (none
	// are sent) cannot change what was read, and refusing them would stall the query for good.
	if err := d.object(); err != nil {
		return d.stats, err
	}
	if !d.schemaSeen {
		return d.stats, errors.New("the response has no Schema")
	}
	// A response without its rows is not an empty page: taking it for one would commit the window.
	if !d.resultsSeen {
		return d.stats, errors.New("the response has no Results")
	}
	return d.stats, nil
}

// object reads the response object, member by member.
func (d *decoder) object() error {
	return d.container('{', '}', func() error {
		if err := d.in.next(d.readKey); err != nil {
			return err
		}
		return d.member(string(d.key))
	})
}

// container reads an object or array, calling each for every member or element.
func (d *decoder) container(opening, closing byte, each func() error) error {
	if err := d.delim(opening); err != nil {
		return err
	}
	if closed, err := d.closes(closing); err != nil || closed {
		return err
	}
	for {
		if err := each(); err != nil {
			return err
		}
		if more, err := d.separator(closing); err != nil || !more {
			return err
		}
	}
}

// member reads the value of the member named key.
func (d *decoder) member(key string) error {
	switch {
	case strings.EqualFold(key, "Stats"):
		return d.value("Stats", &d.stats)
	case strings.EqualFold(key, "Schema"):
		var columns []Column
		if err := d.value("Schema", &columns); err != nil {
			return err
		}
		if err := d.h.Schema(columns); err != nil {
			return handlerError{err}
		}
		d.schemaSeen = true
		for i, row := range d.early {
			d.early[i] = nil // handed over: its copy may go
			if err := d.heldRow(row); err != nil {
				return err
			}
		}
		d.early, d.earlyBytes = nil, 0
		return nil
	case strings.EqualFold(key, "Results"):
		if err := d.results(); err != nil {
			return fmt.Errorf("Results: %w", err)
		}
		d.resultsSeen = true
		return nil
	default:
		return d.in.next(jsonscan.ValueLen)
	}
}

// readKey reads a member's name and the colon after it.
func (d *decoder) readKey(data []byte) (int, error) {
	d.scan.Reset(data)
	var err error
	if d.key, err = d.scan.ReadString(d.key[:0], true); err != nil {
		return 0, err
	}
	err = d.scan.Consume(':')
	return d.scan.Pos(), err
}

// value unmarshals a small value (Stats, Schema) with encoding/json, whose struct fields match
// keys in any letter case, as the Graph API needs.
func (d *decoder) value(name string, v any) error {
	err := d.in.next(func(data []byte) (int, error) {
		n, err := jsonscan.ValueLen(data)
		if err != nil {
			return 0, err
		}
		return n, json.Unmarshal(data[:n], v)
	})
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// results reads the array of rows.
func (d *decoder) results() error {
	return d.container('[', ']', func() error {
		// White space before a row is skipped first, so that the row's bound is on its own text.
		if _, err := d.in.peek(); err != nil {
			return err
		}
		if err := d.in.next(d.row); err != nil {
			return rowError(err)
		}
		return nil
	})
}

// rowError names the stream's error for an element over its limit as a row's.
func rowError(err error) error {
	var tooLarge elementTooLarge
	if errors.As(err, &tooLarge) {
		text := fmt.Sprintf("a row exceeds %s, the limit for one row", byteCount(tooLarge.limit))
		return limitError{ErrRowTooLarge, text}
	}
	return err
}

// row hands the row at the start of data to the handler, or holds it until the Schema comes.
func (d *decoder) row(data []byte) (int, error) {
	if !d.schemaSeen {
		return d.holdRow(data)
	}
	n, err := d.h.Row(data)
	switch {
	case errors.Is(err, ErrIncompleteRow):
		return 0, fmt.Errorf("%w: the body ends inside a row", io.ErrUnexpectedEOF)
	case err != nil:
		return 0, handlerError{err}
	}
	return n, nil
}

// holdRow copies the row at the start of data to hand it over once the Schema comes, within the
// limit for such rows.
func (d *decoder) holdRow(data []byte) (int, error) {
	n, err := jsonscan.ValueLen(data)
	if err != nil {
		return n, err
	}
	if d.earlyBytes += n; d.earlyBytes > d.limits.early {
		d.early = nil // the response fails: let the copies go now
		text := fmt.Sprintf("the rows before the Schema exceed %s, the most held until it comes",
			byteCount(d.limits.early))
		return 0, limitError{ErrEarlyRowsTooLarge, text}
	}
	d.early = append(d.early, bytes.Clone(data[:n]))
	return n, nil
}

// heldRow hands over a row held until the Schema came: it is whole, so the handler must read all
// of it.
func (d *decoder) heldRow(row []byte) error {
	n, err := d.h.Row(row)
	switch {
	case errors.Is(err, ErrIncompleteRow):
		return errors.New("a row ends early")
	case err != nil:
		return handlerError{err}
	case len(bytes.TrimSpace(row[n:])) > 0:
		return errors.New("a row has text after its end")
	}
	return nil
}

// delim reads the opening delimiter of an object or array.
func (d *decoder) delim(want byte) error {
	c, err := d.in.peek()
	if err != nil {
		return err
	}
	if c != want {
		return unexpected(c, fmt.Sprintf("%q", want))
	}
	d.in.pos++
	return nil
}

// closes reads the closing delimiter when it comes next: an empty object or array.
func (d *decoder) closes(closing byte) (bool, error) {
	c, err := d.in.peek()
	if err != nil || c != closing {
		return false, err
	}
	d.in.pos++
	return true, nil
}

// separator reads the ',' between members or elements, or the closing delimiter; more is false
// after the closing delimiter.
func (d *decoder) separator(closing byte) (more bool, err error) {
	c, err := d.in.peek()
	if err != nil {
		return false, err
	}
	if c != ',' && c != closing {
		return false, unexpected(c, fmt.Sprintf("',' or %q", closing))
	}
	d.in.pos++
	return c == ',', nil
}

func unexpected(found byte, want string) error {
	if found == 0 {
		return fmt.Errorf("%w: the body ends where %s was expected", io.ErrUnexpectedEOF, want)
	}
	return fmt.Errorf("%w: unexpected %q, want %s", jsonscan.ErrSyntax, found, want)
}

// handlerError carries an error of the ResultHandler through the decoder, so that Run returns it as
// it is rather than as an unreadable response.
type handlerError struct{ err error }

func (e handlerError) Error() string { return e.err.Error() }
