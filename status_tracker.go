package defenderhuntingreceiver

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
)

// statusTracker turns the per-query poll results into one component status: a recoverable error
// while any query keeps failing, OK once all succeed. It reports only changes.
type statusTracker struct {
	host    component.Host
	mu      sync.Mutex
	failing map[string]error
	// reported is the summary last reported (valid once hasReported), to report changes only.
	reported    string
	hasReported bool
}

func newStatusTracker(host component.Host) *statusTracker {
	return &statusTracker{host: host, failing: map[string]error{}}
}

func (s *statusTracker) report(query string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.failing, query)
	} else {
		s.failing[query] = err
	}
	summary := s.summary()
	if s.hasReported && summary == s.reported {
		return
	}
	s.reported, s.hasReported = summary, true
	if summary == "" {
		componentstatus.ReportStatus(s.host, componentstatus.NewEvent(componentstatus.StatusOK))
		return
	}
	componentstatus.ReportStatus(s.host, componentstatus.NewRecoverableErrorEvent(fmt.Errorf("%s", summary)))
}

// summary lists the failing queries with their errors, in name order.
func (s *statusTracker) summary() string {
	names := make([]string, 0, len(s.failing))
	for name := range s.failing {
		names = append(names, name)
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = fmt.Sprintf("query %q: %v", name, s.failing[name])
	}
	return strings.Join(parts, "; ")
}
