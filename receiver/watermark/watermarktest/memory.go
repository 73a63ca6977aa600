// Package watermarktest provides an in-memory storage client for tests of code that keeps
// watermarks.
package watermarktest

import (
	"context"
	"maps"
	"sync"

	"go.opentelemetry.io/collector/extension/xextension/storage"
)

// MemoryClient is a storage.Client over a map. GetErr and SetErr, when set, make every Get or Set
// fail, to test how callers survive a broken storage extension.
type MemoryClient struct {
	storage.Client // only Get, Set and Close are implemented
	mu             sync.Mutex
	data           map[string][]byte
	GetErr, SetErr error
}

// NewMemoryClient returns a client holding a copy of data.
func NewMemoryClient(data map[string][]byte) *MemoryClient {
	return &MemoryClient{data: maps.Clone(data)}
}

func (m *MemoryClient) Get(_ context.Context, key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.GetErr != nil {
		return nil, m.GetErr
	}
	return m.data[key], nil
}

func (m *MemoryClient) Set(_ context.Context, key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.SetErr != nil {
		return m.SetErr
	}
	if m.data == nil {
		m.data = map[string][]byte{}
	}
	m.data[key] = value
	return nil
}

func (m *MemoryClient) Close(context.Context) error { return nil }

// Value returns what is stored under key, as text.
func (m *MemoryClient) Value(key string) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return string(m.data[key])
}
