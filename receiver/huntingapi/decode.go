package huntingapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Stats is the part of the response's performance statistics the receiver reports.
type Stats struct {
	// ExecutionTime is the service's own query run time, in seconds.
	ExecutionTime float64 `json:"ExecutionTime"`
}

// decoderOptions: a row's member names are not checked for duplicates (that costs a set of names
// per row, and the converter lets the last one win, as encoding/json does), and invalid UTF-8 in a
// string does not make the whole response unreadable (it would be retried forever); the converter
// turns it into U+FFFD.
var decoderOptions = []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}

// decodeResponse walks {"Stats":..,"Schema":..,"Results":[..]} with a streaming tokenizer and hands
// each row to h as the raw JSON text of its object, so that a 100,000-row response is never held
// whole: the decoder buffers about one row at a time. Keys are matched in any letter case (the
// Graph API spells them in lower case). Rows that arrive before the Schema are copied and held
// back until it is known.
func decodeResponse(r io.Reader, h ResultHandler) (Stats, error) {
	dec := jsontext.NewDecoder(r, decoderOptions...)
	var (
		stats      Stats
		schemaSeen bool
		early      [][]byte
	)
	if err := expectDelim(dec, '{'); err != nil {
		return stats, err
	}
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return stats, err
		}
		switch key := tok.String(); {
		case strings.EqualFold(key, "Stats"):
			if err := decodeValue(dec, &stats); err != nil {
				return stats, fmt.Errorf("Stats: %w", err)
			}
		case strings.EqualFold(key, "Schema"):
			var columns []Column
			if err := decodeValue(dec, &columns); err != nil {
				return stats, fmt.Errorf("Schema: %w", err)
			}
			if err := h.Schema(columns); err != nil {
				return stats, handlerError{err}
			}
			schemaSeen = true
			for _, row := range early {
				if err := h.Row(row); err != nil {
					return stats, handlerError{err}
				}
			}
			early = nil
		case strings.EqualFold(key, "Results"):
			err := decodeRows(dec, func(row []byte) error {
				if !schemaSeen {
					early = append(early, bytes.Clone(row))
					return nil
				}
				if err := h.Row(row); err != nil {
					return handlerError{err}
				}
				return nil
			})
			if err != nil {
				return stats, fmt.Errorf("Results: %w", err)
			}
		default:
			if err := dec.SkipValue(); err != nil {
				return stats, err
			}
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return stats, err
	}
	if !schemaSeen {
		return stats, errors.New("the response has no Schema")
	}
	return stats, nil
}

// decodeValue unmarshals the next value, a small one (Stats, Schema), with encoding/json: its
// struct fields match keys in any letter case, as the Graph API needs.
func decodeValue(dec *jsontext.Decoder, v any) error {
	raw, err := dec.ReadValue()
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, v)
}

// handlerError carries an error of the ResultHandler through the decoder, so that Run returns it as
// it is rather than as an unreadable response.
type handlerError struct{ err error }

func (e handlerError) Error() string { return e.err.Error() }

// decodeRows walks a JSON array of row objects. Each row's text is checked to be JSON by the
// decoder and is only valid until the next read: each gets it during its call.
func decodeRows(dec *jsontext.Decoder, each func(row []byte) error) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for dec.PeekKind() != ']' {
		row, err := dec.ReadValue()
		if err != nil {
			return err
		}
		if row.Kind() != '{' {
			return fmt.Errorf("a row is %s, not an object", row.Kind())
		}
		if err := each(row); err != nil {
			return err
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *jsontext.Decoder, want jsontext.Kind) error {
	tok, err := dec.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != want {
		return fmt.Errorf("expected %v, found %v", want, tok.Kind())
	}
	return nil
}
