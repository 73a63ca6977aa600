package watermark

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// checkpoint is what is stored for a query. The watermark is kept as text with 7 fractional digits:
// the exact edge that went into the query, with no float or nanosecond rounding on the way.
// WindowedOn is what the watermark is a time of (see Selection.WindowedOn): a watermark is
// meaningless on another column or on ingestion time. Checkpoints written before it was stored lack
// it, and are taken as they are.
type checkpoint struct {
	Watermark  string `json:"watermark"`
	WindowedOn string `json:"windowed_on,omitempty"`
}

// ErrUnreadable marks a checkpoint that could not be read at all (the storage failed): unlike a
// corrupt one, it may be readable again, and falling back to the lookback would overwrite it with
// the next commit.
var ErrUnreadable = errors.New("the checkpoint cannot be read")

// OtherDomainError is a checkpoint stored for another window column or mode than the query's now:
// its watermark is a time on another clock.
type OtherDomainError struct{ Stored, Now string }

func (e *OtherDomainError) Error() string {
	return fmt.Sprintf("the checkpoint was stored for windows on %s, and the query's windows are now on %s", e.Stored, e.Now)
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

// Load returns the stored watermark for query, whose windows are on windowedOn, or the zero time when
// none was stored. An error matching ErrUnreadable means the storage could not be read (worth trying
// again); any other, that what is stored cannot be used (corrupt, or an *OtherDomainError).
func (s *Store) Load(ctx context.Context, query, windowedOn string) (time.Time, error) {
	raw, err := s.client.Get(ctx, s.key(query))
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: query %q: %w", ErrUnreadable, query, err)
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
	if cp.WindowedOn != "" && cp.WindowedOn != windowedOn {
		return time.Time{}, &OtherDomainError{Stored: cp.WindowedOn, Now: windowedOn}
	}
	return t.UTC(), nil
}

// Save stores watermark as the end of the last window of query, on windowedOn, whose rows were
// delivered.
func (s *Store) Save(ctx context.Context, query, windowedOn string, watermark time.Time) error {
	raw, err := json.Marshal(checkpoint{Watermark: FormatDatetime(watermark), WindowedOn: windowedOn})
	if err != nil {
		return err
	}
	if err := s.client.Set(ctx, s.key(query), raw); err != nil {
		return fmt.Errorf("saving the checkpoint of query %q: %w", query, err)
	}
	return nil
}
