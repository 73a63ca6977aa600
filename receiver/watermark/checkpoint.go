package watermark

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// checkpoint is what is stored for a query. The watermark is kept as text with 7 fractional digits:
// the exact edge that went into the query, with no float or nanosecond rounding on the way.
type checkpoint struct {
	Watermark string `json:"watermark"`
}

// Store keeps watermarks for the queries of one tenant in a storage client.
type Store struct {
	client storage.Client
	tenant string
}

// NewStore returns a store over client. Keys carry the tenant so that receivers of different tenants
// sharing one storage extension never read each other's watermarks.
func NewStore(client storage.Client, tenant string) *Store {
	return &Store{client: client, tenant: tenant}
}

func (s *Store) key(query string) string {
	return "watermark/" + s.tenant + "/" + query
}

// Load returns the stored watermark for query, or the zero time when none was stored. An error means
// the stored value could not be read or understood; the caller falls back to its lookback.
func (s *Store) Load(ctx context.Context, query string) (time.Time, error) {
	raw, err := s.client.Get(ctx, s.key(query))
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the checkpoint of query %q: %w", query, err)
	}
	if raw == nil {
		return time.Time{}, nil
	}
	var cp checkpoint
	if err := json.Unmarshal(raw, &cp); err != nil {
		return time.Time{}, fmt.Errorf("checkpoint of query %q is corrupt: %w", query, err)
	}
	t, err := time.Parse(time.RFC3339Nano, cp.Watermark)
	if err != nil {
		return time.Time{}, fmt.Errorf("checkpoint of query %q holds a bad time: %w", query, err)
	}
	return t.UTC(), nil
}

// Save stores watermark as the end of the last window of query whose rows were delivered.
func (s *Store) Save(ctx context.Context, query string, watermark time.Time) error {
	raw, err := json.Marshal(checkpoint{Watermark: FormatDatetime(watermark)})
	if err != nil {
		return err
	}
	if err := s.client.Set(ctx, s.key(query), raw); err != nil {
		return fmt.Errorf("saving the checkpoint of query %q: %w", query, err)
	}
	return nil
}
