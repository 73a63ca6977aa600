package poller

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/huntingapi"
	"github.com/defender-otel/defenderhuntingreceiver/receiver/rowconv"
)

// pageQueryPattern reads back the window and limit the poller appended to a query.
var pageQueryPattern = regexp.MustCompile(`\| where (\w+) > datetime\((\S+)\) and \w+ <= datetime\((\S+)\)\n\| sort by \w+ asc\n\| take (\d+)$`)

// call scripts one call of the fake API: an error instead of an answer, or an answer cut off with
// err after rowsBeforeErr rows.
type call struct {
	err           error
	rowsBeforeErr int
}

// fakeAPI serves rows (sorted on their "Timestamp" or "IngestionTime" key column) as the service
// would answer the poller's page queries, handing each over as JSON text like the API client, and
// failing the calls that script says to.
type fakeAPI struct {
	rows   []map[string]any
	schema []huntingapi.Column
	script map[int]call // by call index, from 0

	mu      sync.Mutex
	queries []string
	// handedOver counts the rows handed to the poller, over all calls.
	handedOver atomic.Int64
}

func (f *fakeAPI) Run(_ context.Context, req huntingapi.Request, h huntingapi.ResultHandler) (huntingapi.Stats, error) {
	query := req.Query
	f.mu.Lock()
	index := len(f.queries)
	f.queries = append(f.queries, query)
	f.mu.Unlock()

	scripted, failing := f.script[index]
	if failing && scripted.rowsBeforeErr == 0 {
		return huntingapi.Stats{}, scripted.err
	}
	m := pageQueryPattern.FindStringSubmatch(query)
	if m == nil {
		return huntingapi.Stats{}, fmt.Errorf("fake API cannot read the page of %q", query)
	}
	key, from, to := m[1], mustParse(m[2]), mustParse(m[3])
	limit, _ := strconv.Atoi(m[4])
	if err := h.Schema(f.schema); err != nil {
		return huntingapi.Stats{}, err
	}
	served := 0
	for _, row := range f.rows {
		at := mustParse(row[key].(string))
		if !at.After(from) || at.After(to) || served == limit {
			continue
		}
		if failing && served == scripted.rowsBeforeErr {
			return huntingapi.Stats{}, scripted.err
		}
		served++
		text, err := json.Marshal(row)
		if err != nil {
			return huntingapi.Stats{}, err
		}
		f.handedOver.Add(1)
		if n, err := h.Row(text); err != nil || n != len(text) {
			return huntingapi.Stats{}, cmp.Or(err, fmt.Errorf("the handler read %d bytes of a %d-byte row", n, len(text)))
		}
	}
	return huntingapi.Stats{}, nil
}

func (f *fakeAPI) sent() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.queries...)
}

func mustParse(s string) time.Time {
	t, ok := rowconv.ParseDateTime(s)
	if !ok {
		panic("bad time in test data: " + s)
	}
	return t
}
