package simulator

import "bufio"

// graphResultsContext is the "@odata.context" of runHuntingQuery's answer.
const graphResultsContext = "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults"

// graphResultsContentType is what Graph sends with OData bodies: clients
// must not expect the bare application/json.
const graphResultsContentType = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"

// graphSchemaColumn is a Graph schema entry. Entries have been seen with
// both lower-case and capitalised keys; the simulator sends the lower-case
// ones, the legacy endpoint the others, so that clients meet both.
type graphSchemaColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// writeGraphResultsHead writes {"@odata.context":...,"schema":[...],
// "results":[ as Graph does: no Stats.
func writeGraphResultsHead(out *bufio.Writer, encoder *rowEncoder) error {
	schema := make([]graphSchemaColumn, len(encoder.columns))
	for i, c := range encoder.columns {
		schema[i] = graphSchemaColumn{Name: c.name, Type: c.typeName}
	}
	out.WriteString(`{"@odata.context":`)
	if err := encoder.writeValue(out, graphResultsContext); err != nil {
		return err
	}
	out.WriteString(`,"schema":`)
	if err := encoder.writeValue(out, schema); err != nil {
		return err
	}
	out.WriteString(`,"results":[`)
	return nil
}
