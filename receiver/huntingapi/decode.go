package huntingapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// Stats is the part of the response's performance statistics the receiver reports.
type Stats struct {
	// ExecutionTime is the service's own query run time, in seconds.
	ExecutionTime float64 `json:"ExecutionTime"`
}

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
}

// decodeResponse reads a whole response, handing its Schema and then each row to h.
func decodeResponse(r io.Reader, h ResultHandler) (Stats, error) {
	return decodeWithBuffer(r, h, streamBuffer)
}

// decodeWithBuffer is decodeResponse reading through a buffer of the given starting size: tests
// make it tiny, so that every element is cut somewhere by the buffer's end.
func decodeWithBuffer(r io.Reader, h ResultHandler, size int) (Stats, error) {
	d := &decoder{in: newStream(r, size), h: h}
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
		for _, row := range d.early {
			if err := d.heldRow(row); err != nil {
				return err
			}
		}
		d.early = nil
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
	return d.container('[', ']', func() error { return d.in.next(d.row) })
}

// row hands the row at the start of data to the handler, or holds it until the Schema comes.
func (d *decoder) row(data []byte) (int, error) {
	if !d.schemaSeen {
		n, err := jsonscan.ValueLen(data)
		if err == nil {
			d.early = append(d.early, bytes.Clone(data[:n]))
		}
		return n, err
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
