package defenderhuntingreceiver

import (
	"context"

	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/k8sleaderelector"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
)

// leaderElector is the k8s_leader_elector extension that k8s_leader_elector names, or nil without
// one. It is looked up and checked as contrib's receivers that follow it do.
func (r *huntingReceiver) leaderElector(host component.Host) (k8sleaderelector.LeaderElection, error) {
	return namedExtension[k8sleaderelector.LeaderElection](host, "k8s_leader_elector", r.cfg.K8sLeaderElector, "a k8s_leader_elector extension")
}

// followLeadership has the elector start a term when this collector gains the lease and end it when
// the collector loses it. The elector calls back at once if the collector leads already. The
// callbacks stay registered after Shutdown (the extension cannot forget them); they do nothing then.
func (r *huntingReceiver) followLeadership(elector k8sleaderelector.LeaderElection) {
	r.telemetry.DefenderHuntingLeader.Record(context.Background(), 0)
	r.settings.Logger.Info("Standing by: the queries poll only while this collector leads",
		zap.Stringer("k8s_leader_elector", r.cfg.K8sLeaderElector))
	elector.SetCallBackFuncs(r.startLeading, r.stopLeading)
}

// startLeading starts a term that lasts until the leadership is lost: leading is the context
// client-go's elector gives, which ends with the lease even should the stop callback come late.
func (r *huntingReceiver) startLeading(leading context.Context) {
	if r.startTerm(leading) {
		r.settings.Logger.Info("Leading: the queries poll")
	}
}

// stopLeading ends the term in progress and waits for its pollers: a window in flight is
// abandoned uncommitted, as at Shutdown, and the collector that takes over asks for it again.
func (r *huntingReceiver) stopLeading() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.endTerm() {
		r.settings.Logger.Info("No longer leading: the queries stopped; a window in flight was abandoned uncommitted")
	}
}

// startTerm starts polling under parent and reports whether it did (not after Shutdown). A term
// still running ends first: client-go calls the start callback from a goroutine of its own, so a
// start may come before the previous term's stop, and two sets of pollers must never run.
func (r *huntingReceiver) startTerm(parent context.Context) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shutDown {
		return false
	}
	r.endTerm()
	ctx, cancel := context.WithCancel(parent)
	r.cancelTerm = cancel
	r.term.Add(1) // before the goroutine starts, so that endTerm's Wait cannot miss it
	go func() {
		defer r.term.Done()
		r.runTerm(ctx)
	}()
	r.telemetry.DefenderHuntingLeader.Record(context.Background(), 1)
	return true
}

// endTerm cancels the term in progress and waits for it, reporting whether there was one. r.mu
// must be held.
func (r *huntingReceiver) endTerm() bool {
	if r.cancelTerm == nil {
		return false
	}
	r.cancelTerm()
	r.term.Wait()
	r.cancelTerm = nil
	r.telemetry.DefenderHuntingLeader.Record(context.Background(), 0)
	return true
}
