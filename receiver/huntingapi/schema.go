package huntingapi

// Column is one entry of a response's Schema: a column name and the type name
// the service reported for it (Kusto or .NET spelling, any letter case).
type Column struct {
	Name string `json:"Name"`
	Type string `json:"Type"`
}
