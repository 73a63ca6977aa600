package poller

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

// A row that is not JSON makes the response unreadable (retried), and adds no record.
func TestRowThatIsNotJSONMakesTheResponseUnreadable(t *testing.T) {
	h := newHarness(t, options{}, &fakeAPI{}, new(consumertest.LogsSink))
	d := newPageDelivery(context.Background(), h.poller, watermark.Window{Start: start.Add(-1), End: start}, 10)
	require.NoError(t, d.Schema(schema))

	err := d.Row([]byte(`{"Timestamp":"2026-11-26T11:30:00Z",`))
	assert.ErrorIs(t, err, huntingapi.ErrUnreadableResponse)
	assert.Equal(t, failureTransient, classify(err))
	assert.Zero(t, d.records.Len())
}
