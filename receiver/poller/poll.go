package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/watermark"
)

// cpuQuotaCycle is the service's CPU accounting period: a tenant whose CPU quota is spent is blocked
// until the next cycle starts.
const cpuQuotaCycle = 15 * time.Minute

// poll fetches the window that follows the watermark, page by page, until the watermark reaches the
// window's end. Pages are read while the batches of earlier ones are delivered (see inflight.go);
// every failure first waits for those. Failures that waiting can cure are retried inside the poll:
// throttling pauses the tenant's budget, timeouts and results too large narrow the next page,
// transient failures back off. It returns the failure that ended the poll early, if any; the
// watermark then stays where the pipeline's last accepted batch left it and the next poll continues
// from there.
func (p *Poller) poll(ctx context.Context) error {
	window, due := p.query.Policy.Next(p.watermark, p.serviceNow())
	if !due {
		return nil
	}
	if window.Clamped {
		p.logger.Warn("Watermark is older than the service keeps data; rows between it and the retention limit cannot be fetched",
			zap.String("watermark", watermark.FormatDatetime(p.watermark)),
			zap.String("oldest_available", watermark.FormatDatetime(window.Start)))
		p.watermark = window.Start
	}
	p.cursor = p.watermark

	// Retries count the failures since the watermark last moved: a page read is no success until
	// its batches are accepted, which the poll learns later.
	retry, progress := p.newRetry(), p.watermark
	for {
		page, limit := p.narrowed.page(p.cursor, window.End, p.settings.MaxRows)
		var err error
		switch {
		case p.inflight == nil && p.unsaved:
			err = p.commit(ctx, p.watermark) // what was delivered is saved before anything more is
		case p.inflight.failure() != nil:
			err = p.inflight.failure() // no call for a page that would be read again
		case p.cursor.Before(window.End):
			err = p.fetchPage(ctx, page, limit)
		default:
			// Every page is read: the poll ends once their batches are delivered and committed.
			if err = p.settle(); err == nil && !p.unsaved {
				p.narrowed = narrowing{}
				return nil
			}
		}
		if tick := (tickOverLimit{}); errors.As(err, &tick) {
			p.narrowed.askTickAlone(tick.key)
			p.logger.Debug("Asking for one timestamp alone, at the row cap", zap.String("timestamp", watermark.FormatDatetime(tick.key)))
			continue
		}
		if err != nil {
			// A failed delivery is what stopped the page, if one failed: its class decides.
			if delivery := p.settle(); delivery != nil {
				err = delivery
			}
			if p.watermark.After(progress) {
				retry.reset()
			}
			progress = p.watermark
		}
		class := classify(err)
		switch class {
		case noFailure:
			// The answer may have shown the service's clock behind: the window ends by it.
			window.End = minTime(window.End, p.windowEnd())
			continue
		case failureCanceled, failureQuery, failureAuth, failureRedirect:
			return err
		case failureTooLarge, failureTimeout:
			if p.narrowed.narrow(page, limit, class) {
				p.settings.Telemetry.DefenderHuntingPageNarrowings.Add(ctx, 1, p.reasonAttr(class))
				p.logger.Debug("Narrowing the next page", zap.String("reason", string(class)),
					zap.Duration("span", p.narrowed.span), zap.Int("rows", p.narrowed.rows))
				continue
			}
		case failureThrottled, failureCPUQuota:
			p.settings.Budget.PauseUntil(p.pauseEnd(err, class, retry))
		}
		wait, ok := retry.next()
		if !ok {
			return err
		}
		p.settings.Telemetry.DefenderHuntingRetries.Add(ctx, 1, p.reasonAttr(class))
		if class == failureThrottled || class == failureCPUQuota {
			continue // the budget holds the next call back until the pause ends
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// windowEnd is where a window may end now, by the service's clock.
func (p *Poller) windowEnd() time.Time {
	window, _ := p.query.Policy.Next(p.cursor, p.serviceNow())
	return window.End
}

// fetchPage asks for one page and streams its rows to the pipeline (see pageDelivery).
func (p *Poller) fetchPage(ctx context.Context, page watermark.Window, limit int) error {
	if err := p.settings.Budget.Wait(ctx); err != nil {
		return err
	}
	delivery := newPageDelivery(ctx, p, page, limit)
	started := time.Now()
	stats, err := p.settings.Runner.Run(ctx, huntingapi.Request{
		Query:    p.query.Selection.Apply(p.query.Text, page, limit),
		Timespan: p.query.Selection.Timespan(page),
	}, delivery)
	if err == nil {
		p.noteServiceClock(stats)
	}

	tel := p.settings.Telemetry
	tel.DefenderHuntingQueryDuration.Record(ctx, time.Since(started).Seconds(), p.queryAttr)
	apiOutcome := classify(err)
	if apiOutcome == failurePipeline || apiOutcome == failureCheckpoint {
		apiOutcome = noFailure // the call succeeded; the pipeline refused its rows, or the save failed
	}
	tel.DefenderHuntingAPICalls.Add(ctx, 1, metric.WithAttributeSet(attribute.NewSet(
		attribute.String("query", p.query.Name), attribute.String("outcome", string(apiOutcome)))))
	delivery.recordConversion()
	if err != nil {
		return fmt.Errorf("page (%s, %s]: %w", watermark.FormatDatetime(page.Start), watermark.FormatDatetime(page.End), err)
	}
	p.logger.Debug("Page fetched",
		zap.String("start", watermark.FormatDatetime(page.Start)),
		zap.String("end", watermark.FormatDatetime(page.End)),
		zap.Int("rows", delivery.rows),
		zap.Float64("service_execution_seconds", stats.ExecutionTime))
	return delivery.finish()
}

// longPause is how long a pause of the tenant's calls may last before the poller warns of it.
const longPause = time.Minute

// pauseEnd is when a throttled tenant may call again: when the service said (Retry-After, at most
// huntingapi.MaxRetryAfter), at the next CPU cycle for the CPU quota, otherwise after a backoff with
// jitter. A pause of over a minute is logged, once per pause, since it holds back every query of
// the tenant. It reads the wall clock, as the budget that enforces the pause does.
func (p *Poller) pauseEnd(err error, class failure, retry *retryState) time.Time {
	now := time.Now()
	var apiErr *huntingapi.Error
	var end time.Time
	requested := ""
	switch {
	case errors.As(err, &apiErr) && apiErr.RetryAfter > 0:
		requested = apiErr.RetryAfterRequested()
		end = now.Add(min(apiErr.RetryAfter, huntingapi.MaxRetryAfter))
	case class == failureCPUQuota:
		// A little past the boundary, so that the call lands in the new cycle.
		end = now.Truncate(cpuQuotaCycle).Add(cpuQuotaCycle + 5*time.Second)
	default:
		end = now.Add(retry.peek())
	}
	if pause := end.Sub(now); pause > longPause {
		fields := []zap.Field{zap.String("reason", string(class))}
		if requested != "" {
			fields = append(fields, zap.String("requested", requested))
		}
		fields = append(fields, zap.Duration("pause", pause), zap.String("until", watermark.FormatDatetime(end)))
		p.logger.Warn("Throttled: pausing every query of the tenant", fields...)
	}
	return end
}

func (p *Poller) reasonAttr(class failure) metric.MeasurementOption {
	return metric.WithAttributeSet(attribute.NewSet(
		attribute.String("query", p.query.Name), attribute.String("reason", string(class))))
}

// retryState paces the retries of one poll with the configured exponential backoff and gives up
// once max_elapsed_time has passed since the first failure (never, when it is zero).
type retryState struct {
	enabled    bool
	backoff    *backoff.ExponentialBackOff
	maxElapsed time.Duration
	firstFail  time.Time
	pending    time.Duration // the next wait, drawn by peek and handed out by next
}

func (p *Poller) newRetry() *retryState {
	cfg := p.settings.Retry
	return &retryState{
		enabled: cfg.Enabled,
		backoff: &backoff.ExponentialBackOff{
			InitialInterval:     cfg.InitialInterval,
			RandomizationFactor: cfg.RandomizationFactor,
			Multiplier:          cfg.Multiplier,
			MaxInterval:         cfg.MaxInterval,
		},
		maxElapsed: cfg.MaxElapsedTime,
	}
}

func (r *retryState) peek() time.Duration {
	if r.pending == 0 {
		r.pending = r.backoff.NextBackOff()
	}
	return r.pending
}

// next returns how long to wait before retrying, or false when retrying is off or out of time.
func (r *retryState) next() (time.Duration, bool) {
	if !r.enabled {
		return 0, false
	}
	if r.firstFail.IsZero() {
		r.firstFail = time.Now()
	}
	wait := r.peek()
	r.pending = 0
	if r.maxElapsed > 0 && time.Since(r.firstFail)+wait > r.maxElapsed {
		return 0, false
	}
	return wait, true
}

// reset starts over after a success.
func (r *retryState) reset() {
	r.backoff.Reset()
	r.firstFail, r.pending = time.Time{}, 0
}

func sleep(ctx context.Context, d time.Duration) error {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}
