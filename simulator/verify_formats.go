package simulator

import (
	"encoding/json"
	"strconv"
)

// rowReportID reads the ReportId of a row's JSON text, or of a JSON string
// holding that text.
func rowReportID(row []byte) (int64, bool) {
	if len(row) > 0 && row[0] == '"' {
		var text string
		if json.Unmarshal(row, &text) != nil {
			return 0, false
		}
		row = []byte(text)
	}
	var columns struct {
		ReportID json.Number `json:"ReportId"` // a number, or a string holding one
	}
	if json.Unmarshal(row, &columns) != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(columns.ReportID.String(), 10, 64)
	return id, err == nil
}
