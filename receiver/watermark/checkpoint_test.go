package watermark

import (
	"errors"
	"testing"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark/watermarktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStore(t *testing.T) {
	edge := mustTime(t, "2020-08-30T06:38:35.7664356Z")
	tests := []struct {
		name      string
		stored    map[string][]byte
		getErr    error
		want      time.Time
		wantErrIn string
	}{
		{name: "nothing stored", stored: map[string][]byte{}},
		{
			name:   "stored watermark keeps 100 ns",
			stored: map[string][]byte{"watermark/tenant-a/q": []byte(`{"watermark":"2020-08-30T06:38:35.7664356Z"}`)},
			want:   edge,
		},
		{
			name:   "another tenant's watermark is not read",
			stored: map[string][]byte{"watermark/tenant-b/q": []byte(`{"watermark":"2020-08-30T06:38:35.7664356Z"}`)},
		},
		{
			name:      "corrupt JSON",
			stored:    map[string][]byte{"watermark/tenant-a/q": []byte(`{"water`)},
			wantErrIn: "is corrupt",
		},
		{
			name:      "bad time",
			stored:    map[string][]byte{"watermark/tenant-a/q": []byte(`{"watermark":"yesterday"}`)},
			wantErrIn: "holds a bad time",
		},
		{
			name:      "storage read fails",
			stored:    map[string][]byte{},
			getErr:    errors.New("disk gone"),
			wantErrIn: "disk gone",
		},
		{
			name:   "stored for the same column",
			stored: map[string][]byte{"watermark/tenant-a/q": []byte(`{"watermark":"2020-08-30T06:38:35.7664356Z","windowed_on":"Timestamp"}`)},
			want:   edge,
		},
		{
			name:      "stored for ingestion time, the query now on Timestamp",
			stored:    map[string][]byte{"watermark/tenant-a/q": []byte(`{"watermark":"2020-08-30T06:38:35.7664356Z","windowed_on":"ingestion_time()"}`)},
			wantErrIn: "the checkpoint was stored for windows on ingestion_time(), and the query's windows are now on Timestamp",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client := watermarktest.NewMemoryClient(tt.stored)
			client.GetErr = tt.getErr
			store := NewStore(client, "tenant-a")
			got, err := store.Load(t.Context(), "q", "Timestamp")
			if tt.wantErrIn != "" {
				require.ErrorContains(t, err, tt.wantErrIn)
				assert.Equal(t, tt.getErr != nil, errors.Is(err, ErrUnreadable), "a read failure, not a bad checkpoint")
				assert.True(t, got.IsZero())
				return
			}
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(got), "got %s", got)
		})
	}
}

func TestStoreSaveThenLoad(t *testing.T) {
	client := watermarktest.NewMemoryClient(nil)
	store := NewStore(client, "tenant-a")
	edge := mustTime(t, "2020-08-30T06:38:35.7664356Z")
	require.NoError(t, store.Save(t.Context(), "q", "Timestamp", edge))
	assert.JSONEq(t, `{"watermark":"2020-08-30T06:38:35.7664356Z","windowed_on":"Timestamp"}`, client.Value("watermark/tenant-a/q"))
	got, err := store.Load(t.Context(), "q", "Timestamp")
	require.NoError(t, err)
	assert.True(t, edge.Equal(got))

	client.SetErr = errors.New("read-only")
	assert.ErrorContains(t, store.Save(t.Context(), "q", "Timestamp", edge), `saving the checkpoint of query "q": read-only`)
}
