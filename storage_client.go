package defenderhuntingreceiver

import (
	"context"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"
)

// awaitStorageClient opens the term's storage client, trying again (with the retry_on_failure
// backoff, which levels off at its max_interval) while the extension fails to give one, a database
// being down for instance: polling without the checkpoints would start over from lookback. It
// returns false when ctx ended first.
func (r *huntingReceiver) awaitStorageClient(ctx context.Context) (storage.Client, bool) {
	if r.storageExt == nil {
		return storage.NewNopClient(), true
	}
	retry := r.cfg.RetryOnFailure
	wait := backoff.ExponentialBackOff{
		InitialInterval:     retry.InitialInterval,
		RandomizationFactor: retry.RandomizationFactor,
		Multiplier:          retry.Multiplier,
		MaxInterval:         retry.MaxInterval,
	}
	wait.Reset()
	lastFailure := ""
	for {
		client, err := r.storageExt.GetClient(ctx, component.KindReceiver, r.settings.ID, "")
		if err == nil {
			if lastFailure != "" {
				r.settings.Logger.Info("Storage client opened", zap.Stringer("storage", r.cfg.Storage))
			}
			return client, true
		}
		if ctx.Err() != nil {
			return nil, false
		}
		err = fmt.Errorf("storage: opening a client of %q: %w", r.cfg.Storage, err)
		r.telemetry.DefenderHuntingCheckpointFailures.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(attribute.String("operation", "open"))))
		if err.Error() != lastFailure {
			r.settings.Logger.Error("Cannot open the storage: the queries wait for their checkpoints", zap.Error(err))
			lastFailure = err.Error()
		}
		for _, q := range r.cfg.Queries {
			r.status.report(q.Name, err)
		}
		select {
		case <-ctx.Done():
			return nil, false
		case <-time.After(wait.NextBackOff()):
		}
	}
}
