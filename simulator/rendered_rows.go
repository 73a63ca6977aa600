package simulator

import "sync"

// renderedRows keeps the JSON text of the rows the simulator has written, by API, table and event,
// when Options.CacheRows is set: a benchmark's runs then read rows that are not rendered again. The
// real service renders rows on its own machines; the simulator shares the client's cores, and
// rendering a 100,000-row page takes it about a second of one.
type renderedRows struct {
	mu   sync.Mutex
	rows map[renderedRowKey][]byte
}

type renderedRowKey struct {
	api   huntingAPI
	table *table
	index int64 // the event's position in its table
}

// of returns the cache of one table's rows as api writes them, or nil (no caching) when the
// simulator keeps none or the query's columns are not the table's own: a projection or an extend
// writes other rows.
func (r *renderedRows) of(api huntingAPI, p *plan) *renderedTable {
	if r == nil || len(p.columns) == 0 || len(p.columns) != len(p.table.columns) || &p.columns[0] != &p.table.columns[0] {
		return nil
	}
	return &renderedTable{rows: r, api: api, table: p.table}
}

// renderedTable is the cache of one table's rows as one API writes them; nil caches nothing.
type renderedTable struct {
	rows  *renderedRows
	api   huntingAPI
	table *table
}

func (t *renderedTable) get(e event) ([]byte, bool) {
	if t == nil {
		return nil, false
	}
	t.rows.mu.Lock()
	defer t.rows.mu.Unlock()
	row, ok := t.rows.rows[renderedRowKey{t.api, t.table, e.index}]
	return row, ok
}

// put keeps a copy of row, which the caller may reuse.
func (t *renderedTable) put(e event, row []byte) {
	if t == nil {
		return
	}
	t.rows.mu.Lock()
	defer t.rows.mu.Unlock()
	t.rows.rows[renderedRowKey{t.api, t.table, e.index}] = append([]byte(nil), row...)
}
