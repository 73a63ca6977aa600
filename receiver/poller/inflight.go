package poller

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// batchesQueued is how many batches may wait for the pipeline while another is being delivered and
// the poller builds the next: at most batchesQueued+2 batches of a query are in memory at once.
const batchesQueued = 1

// handover is a batch read from a page, and the watermark its acceptance completes.
type handover struct {
	logs     plog.Logs
	records  int
	commitTo time.Time
}

// inflight delivers a poll's batches to the pipeline and commits each one's watermark on a goroutine
// of its own, in the order they were handed over, so that the poller reads and converts the next
// rows, and asks for the next page, while earlier batches are exported. Handing over blocks while
// batchesQueued batches wait: that bounds the memory the overlap adds. After its first failure (a
// retryable refusal, a checkpoint that could not be saved, shutdown) it delivers nothing more: what
// was handed over after the failing batch is dropped, and the poller resumes from the last commit.
//
// The goroutine owns the poller's watermark and unsaved flag from start until wait returns: the
// poller reads neither in between.
type inflight struct {
	batches chan handover
	failed  chan struct{} // closed at the first failure
	done    chan struct{} // closed when the goroutine has returned
	err     error         // the first failure; read once failed or done is closed
}

func startInflight(ctx context.Context, p *Poller) *inflight {
	f := &inflight{
		batches: make(chan handover, batchesQueued),
		failed:  make(chan struct{}),
		done:    make(chan struct{}),
	}
	go f.run(ctx, p)
	return f
}

func (f *inflight) run(ctx context.Context, p *Poller) {
	defer close(f.done)
	for h := range f.batches {
		if err := p.deliverAndCommit(ctx, h); err != nil {
			f.err = err
			close(f.failed)
			// Dropped: the poller reads their rows again from the last commit.
			for range f.batches {
			}
			return
		}
	}
}

// send hands a batch over, waiting while the queue is full. It returns the first failure instead
// when delivery has failed: the page must stop.
func (f *inflight) send(h handover) error {
	select {
	case <-f.failed:
		return f.err
	default:
	}
	select {
	case f.batches <- h:
		return nil
	case <-f.failed:
		return f.err
	}
}

// failure is the first failure of delivery so far, if any: nil also for no inflight at all.
func (f *inflight) failure() error {
	if f == nil {
		return nil
	}
	select {
	case <-f.failed:
		return f.err
	default:
		return nil
	}
}

// wait lets the goroutine deliver what it holds and returns its first failure, if any. The
// poller's watermark is then its own again.
func (f *inflight) wait() error {
	close(f.batches)
	<-f.done
	return f.err
}

// deliverAndCommit hands a batch to the pipeline and, once it is accepted, commits its watermark.
func (p *Poller) deliverAndCommit(ctx context.Context, h handover) error {
	if h.records > 0 {
		if err := p.deliver(ctx, h.logs, h.records); err != nil {
			return err
		}
	}
	return p.commit(ctx, h.commitTo)
}

// handOver gives a batch to the poll's delivery goroutine, starting it on the first batch of a poll
// (so that an idle query runs no goroutine between its polls), and moves the read position past it.
func (p *Poller) handOver(ctx context.Context, h handover) error {
	if p.inflight == nil {
		p.inflight = startInflight(ctx, p)
	}
	if err := p.inflight.send(h); err != nil {
		return err
	}
	p.cursor = h.commitTo
	return nil
}

// settle waits until every batch handed over is delivered and committed, or delivery failed, and
// returns that failure. The read position then goes back to the watermark: a page read past a
// failed batch is read again.
func (p *Poller) settle() error {
	if p.inflight == nil {
		return nil
	}
	err := p.inflight.wait()
	p.inflight = nil
	p.cursor = p.watermark
	return err
}
