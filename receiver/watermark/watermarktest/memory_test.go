package watermarktest

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/extension/xextension/storage"
)

var (
	errGet = errors.New("get broken")
	errSet = errors.New("set broken")
)

// stored returns what c holds, as text.
func stored(c *MemoryClient) map[string]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]string, len(c.data))
	for k, v := range c.data {
		out[k] = string(v)
	}
	return out
}

// Each call starts from a client holding a=1.
func TestMemoryClientMethods(t *testing.T) {
	tests := []struct {
		name           string
		getErr, setErr error
		call           func(ctx context.Context, c *MemoryClient) ([]byte, error)
		want           []byte
		wantErr        error
		wantStored     map[string]string
	}{
		{
			name:       "Get of a stored key",
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return c.Get(ctx, "a") },
			want:       []byte("1"),
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:       "Get of a missing key",
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return c.Get(ctx, "b") },
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:       "Set of a new key",
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return nil, c.Set(ctx, "b", []byte("2")) },
			wantStored: map[string]string{"a": "1", "b": "2"},
		},
		{
			name:       "Set overwrites",
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return nil, c.Set(ctx, "a", []byte("3")) },
			wantStored: map[string]string{"a": "3"},
		},
		{
			name:       "Delete of a stored key",
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return nil, c.Delete(ctx, "a") },
			wantStored: map[string]string{},
		},
		{
			name:       "Delete of a missing key",
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return nil, c.Delete(ctx, "b") },
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:       "GetErr fails Get",
			getErr:     errGet,
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return c.Get(ctx, "a") },
			wantErr:    errGet,
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:       "GetErr leaves Set working",
			getErr:     errGet,
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return nil, c.Set(ctx, "a", []byte("3")) },
			wantStored: map[string]string{"a": "3"},
		},
		{
			name:       "SetErr fails Set",
			setErr:     errSet,
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return nil, c.Set(ctx, "a", []byte("3")) },
			wantErr:    errSet,
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:       "SetErr fails Delete",
			setErr:     errSet,
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return nil, c.Delete(ctx, "a") },
			wantErr:    errSet,
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:       "SetErr leaves Get working",
			setErr:     errSet,
			call:       func(ctx context.Context, c *MemoryClient) ([]byte, error) { return c.Get(ctx, "a") },
			want:       []byte("1"),
			wantStored: map[string]string{"a": "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewMemoryClient(map[string][]byte{"a": []byte("1")})
			c.GetErr, c.SetErr = tt.getErr, tt.setErr
			got, err := tt.call(t.Context(), c)
			require.ErrorIs(t, err, tt.wantErr)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantStored, stored(c))
			require.NoError(t, c.Close(t.Context()))
		})
	}
}

// Each batch starts from a client holding a=1.
func TestMemoryClientBatch(t *testing.T) {
	tests := []struct {
		name           string
		getErr, setErr error
		ops            []*storage.Operation
		wantValues     []string // each operation's Value after the batch
		wantErr        error
		wantStored     map[string]string
	}{
		{
			name:       "no operations",
			wantStored: map[string]string{"a": "1"},
		},
		{
			name: "in order",
			ops: []*storage.Operation{
				storage.GetOperation("a"),
				storage.SetOperation("a", []byte("2")),
				storage.GetOperation("a"),
				storage.DeleteOperation("a"),
				storage.GetOperation("a"),
				storage.SetOperation("b", []byte("3")),
				storage.DeleteOperation("missing"),
			},
			wantValues: []string{"1", "2", "2", "", "", "3", ""},
			wantStored: map[string]string{"b": "3"},
		},
		{
			name:       "Get of a missing key clears the operation's Value",
			ops:        []*storage.Operation{{Key: "missing", Value: []byte("stale"), Type: storage.Get}},
			wantValues: []string{""},
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:   "GetErr fails a Get operation and stops the batch",
			getErr: errGet,
			ops: []*storage.Operation{
				storage.SetOperation("b", []byte("2")),
				storage.GetOperation("a"),
				storage.SetOperation("c", []byte("3")),
			},
			wantValues: []string{"2", "", "3"},
			wantErr:    errGet,
			wantStored: map[string]string{"a": "1", "b": "2"},
		},
		{
			name:   "SetErr fails a Set operation",
			setErr: errSet,
			ops: []*storage.Operation{
				storage.GetOperation("a"),
				storage.SetOperation("a", []byte("2")),
				storage.GetOperation("a"),
			},
			wantValues: []string{"1", "2", ""},
			wantErr:    errSet,
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:       "SetErr fails a Delete operation",
			setErr:     errSet,
			ops:        []*storage.Operation{storage.DeleteOperation("a")},
			wantValues: []string{""},
			wantErr:    errSet,
			wantStored: map[string]string{"a": "1"},
		},
		{
			name:       "GetErr leaves Set and Delete operations working",
			getErr:     errGet,
			ops:        []*storage.Operation{storage.SetOperation("b", []byte("2")), storage.DeleteOperation("a")},
			wantValues: []string{"2", ""},
			wantStored: map[string]string{"b": "2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewMemoryClient(map[string][]byte{"a": []byte("1")})
			c.GetErr, c.SetErr = tt.getErr, tt.setErr
			err := c.Batch(t.Context(), tt.ops...)
			require.ErrorIs(t, err, tt.wantErr) // no error when wantErr is nil
			values := make([]string, len(tt.ops))
			for i, op := range tt.ops {
				values[i] = string(op.Value)
			}
			if tt.wantValues == nil {
				tt.wantValues = []string{}
			}
			assert.Equal(t, tt.wantValues, values)
			assert.Equal(t, tt.wantStored, stored(c))
		})
	}
}

func TestMemoryClientBatchRejectsAnUnknownOperation(t *testing.T) {
	c := NewMemoryClient(nil)
	err := c.Batch(t.Context(), storage.SetOperation("a", []byte("1")), &storage.Operation{Key: "b", Type: storage.OpType(42)})
	require.ErrorContains(t, err, `unknown operation type 42 for key "b"`)
	assert.Equal(t, map[string]string{"a": "1"}, stored(c))
}

func TestMemoryClientGetOfAMissingKeyIsNil(t *testing.T) {
	c := NewMemoryClient(nil)
	got, err := c.Get(t.Context(), "a")
	require.NoError(t, err)
	assert.Nil(t, got)
	op := storage.GetOperation("a")
	require.NoError(t, c.Batch(t.Context(), op))
	assert.Nil(t, op.Value)
}

// A caller reusing its slices changes nothing stored, whichever way the bytes came in or out.
func TestMemoryClientKeepsCopies(t *testing.T) {
	initial := []byte("0")
	c := NewMemoryClient(map[string][]byte{"a": initial})
	initial[0] = 'x'
	assert.Equal(t, "0", c.Value("a"), "NewMemoryClient")

	value := []byte("1")
	require.NoError(t, c.Set(t.Context(), "a", value))
	value[0] = 'x'
	assert.Equal(t, "1", c.Value("a"), "Set")

	op := storage.SetOperation("a", []byte("2"))
	require.NoError(t, c.Batch(t.Context(), op))
	op.Value[0] = 'x'
	assert.Equal(t, "2", c.Value("a"), "Batch Set")

	got, err := c.Get(t.Context(), "a")
	require.NoError(t, err)
	got[0] = 'x'
	assert.Equal(t, "2", c.Value("a"), "Get")

	op = storage.GetOperation("a")
	require.NoError(t, c.Batch(t.Context(), op))
	op.Value[0] = 'x'
	assert.Equal(t, "2", c.Value("a"), "Batch Get")
}

// The zero MemoryClient is usable too.
func TestMemoryClientZeroValue(t *testing.T) {
	var c MemoryClient
	require.NoError(t, c.Delete(t.Context(), "a"))
	require.NoError(t, c.Set(t.Context(), "a", []byte("1")))
	assert.Equal(t, "1", c.Value("a"))
}
