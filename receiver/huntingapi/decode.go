package huntingapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Stats is the part of the response's performance statistics the receiver reports.
type Stats struct {
	// ExecutionTime is the service's own query run time, in seconds.
	ExecutionTime float64 `json:"ExecutionTime"`
}

// decodeResponse reads {"Stats":..,"Schema":..,"Results":[..]} token by token so that a 100,000-row
// response is never held whole. Keys are matched in any letter case (the Graph API spells them in
// lower case). Rows that arrive before the Schema are held back until it is known.
func decodeResponse(r io.Reader, h ResultHandler) (Stats, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber() // keeps int64 and decimal values exact
	var (
		stats      Stats
		schemaSeen bool
		early      []map[string]any
	)
	if err := expectDelim(dec, '{'); err != nil {
		return stats, err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return stats, err
		}
		key, _ := tok.(string)
		switch {
		case strings.EqualFold(key, "Stats"):
			if err := dec.Decode(&stats); err != nil {
				return stats, fmt.Errorf("Stats: %w", err)
			}
		case strings.EqualFold(key, "Schema"):
			var columns []Column
			if err := dec.Decode(&columns); err != nil {
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
			err := decodeRows(dec, func(row map[string]any) error {
				if !schemaSeen {
					early = append(early, row)
					return errKeepRow
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
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
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

// handlerError carries an error of the ResultHandler through the decoder, so that Run returns it as
// it is rather than as an unreadable response.
type handlerError struct{ err error }

func (e handlerError) Error() string { return e.err.Error() }

// errKeepRow tells decodeRows that the callback kept the row, so the next row needs a new map.
var errKeepRow = errors.New("row kept")

// decodeRows walks a JSON array of row objects, decoding each into a reused map.
func decodeRows(dec *json.Decoder, each func(map[string]any) error) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	row := map[string]any{}
	for dec.More() {
		clear(row)
		if err := dec.Decode(&row); err != nil {
			return err
		}
		switch err := each(row); {
		case errors.Is(err, errKeepRow):
			row = map[string]any{}
		case err != nil:
			return err
		}
	}
	return expectDelim(dec, ']')
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("expected %q, found %v", want, tok)
	}
	return nil
}
