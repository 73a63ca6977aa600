// Package watermarktest provides an in-memory storage client for tests of code that keeps
// watermarks.
package watermarktest

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

var _ storage.Client = (*MemoryClient)(nil)

// MemoryClient is a storage.Client over a map. It stores copies of the values it is given and
// returns copies of what it holds, so neither side can change the other's bytes.
//
// GetErr and SetErr, when set, inject failures to test how callers survive a broken storage
// extension: GetErr makes every Get fail, and SetErr makes every Set and every Delete fail, whether
// called directly or as an operation of a Batch. Set them before the client is in use.
type MemoryClient struct {
	mu             sync.Mutex
	data           map[string][]byte
	GetErr, SetErr error
}

// NewMemoryClient returns a client holding a copy of data.
func NewMemoryClient(data map[string][]byte) *MemoryClient {
	m := &MemoryClient{data: make(map[string][]byte, len(data))}
	for k, v := range data {
		m.data[k] = bytes.Clone(v)
	}
	return m
}

// Get returns a copy of the value stored under key, or nil when there is none.
func (m *MemoryClient) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.get(key)
}

// Set stores a copy of value under key.
func (m *MemoryClient) Set(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.set(key, value)
}

// Delete removes key; deleting a missing key is no error.
func (m *MemoryClient) Delete(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.delete(key)
}

// Batch runs ops in order, as one step for concurrent callers: a Get operation gets a copy of the
// stored value in its Value (nil for a missing key), a Set operation stores a copy of its Value, and
// a Delete operation removes its key. Batch stops at the first operation that fails and returns its
// error; the operations before it stay done.
func (m *MemoryClient) Batch(_ context.Context, ops ...*storage.Operation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, op := range ops {
		var err error
		switch op.Type {
		case storage.Get:
			op.Value, err = m.get(op.Key)
		case storage.Set:
			err = m.set(op.Key, op.Value)
		case storage.Delete:
			err = m.delete(op.Key)
		default:
			err = fmt.Errorf("watermarktest: unknown operation type %d for key %q", op.Type, op.Key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// Close does nothing: the data stays readable with Value.
func (*MemoryClient) Close(context.Context) error { return nil }

// FailGets sets GetErr while the client may be in use: every Get fails with err from now on, or
// succeeds again when err is nil.
func (m *MemoryClient) FailGets(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.GetErr = err
}

// Value returns what is stored under key, as text.
func (m *MemoryClient) Value(key string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.data[key])
}

// get, set and delete run one operation; m.mu must be held.

func (m *MemoryClient) get(key string) ([]byte, error) {
	if m.GetErr != nil {
		return nil, m.GetErr
	}
	return bytes.Clone(m.data[key]), nil
}

func (m *MemoryClient) set(key string, value []byte) error {
	if m.SetErr != nil {
		return m.SetErr
	}
	if m.data == nil {
		m.data = map[string][]byte{}
	}
	m.data[key] = bytes.Clone(value)
	return nil
}

func (m *MemoryClient) delete(key string) error {
	if m.SetErr != nil {
		return m.SetErr
	}
	delete(m.data, key)
	return nil
}
