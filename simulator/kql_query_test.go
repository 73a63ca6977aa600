package simulator

import (
	"slices"
	"strings"
	"testing"
	"time"
)

// queryTestStart and queryTestEvery give the query tests a table whose
// timestamps have seven significant fractional digits and three events each.
var (
	queryTestStart = testNow.Add(-10 * time.Minute)
	queryTestEvery = 1234567 * tick
)

const queryTestPerTimestamp = 3

func queryTestTables(t *testing.T) map[string]*table {
	t.Helper()
	tables := map[string]*table{}
	for i, spec := range []TableSpec{
		{Name: "DeviceProcessEvents", Start: queryTestStart, Every: queryTestEvery, PerTimestamp: queryTestPerTimestamp},
		{Name: "AADSignInEventsBeta", Start: queryTestStart, Every: 98765432 * tick, PerTimestamp: 2},
	} {
		table, err := newTable(spec, i, arrival{})
		if err != nil {
			t.Fatal(err)
		}
		tables[spec.Name] = table
	}
	return tables
}

func runQuery(tables map[string]*table, text string) ([]event, []column, error) {
	q, err := parseQuery(text, testNow)
	if err != nil {
		return nil, nil, err
	}
	p, err := compileQuery(q, tables)
	if err != nil {
		return nil, nil, err
	}
	return slices.Collect(p.run(testNow)), p.columns, nil
}

func reportIDs(events []event) []int64 {
	ids := make([]int64, len(events))
	for i, e := range events {
		ids[i] = e.reportID
	}
	return ids
}

// slotTime is the timestamp shared by the events of slot i.
func slotTime(i int64) time.Time {
	return queryTestStart.Add(time.Duration(i) * queryTestEvery)
}

// slotIDs are the ReportIds of the events in slots first..last.
func slotIDs(first, last int64) []int64 {
	var ids []int64
	for k := first * queryTestPerTimestamp; k < (last+1)*queryTestPerTimestamp; k++ {
		ids = append(ids, k)
	}
	return ids
}

func dt(at time.Time) string { return "datetime(" + formatDatetime(at) + ")" }

func TestTimeWindowsAreExactTo100Nanoseconds(t *testing.T) {
	tables := queryTestTables(t)
	from, to := slotTime(100), slotTime(110)
	tests := []struct {
		name  string
		where string
		want  []int64
	}{
		{"from exclusive, to inclusive", "Timestamp > " + dt(from) + " and Timestamp <= " + dt(to), slotIDs(101, 110)},
		{"one tick earlier takes the from slot", "Timestamp > " + dt(from.Add(-tick)) + " and Timestamp <= " + dt(to.Add(-tick)), slotIDs(100, 109)},
		{"one tick later drops it", "Timestamp >= " + dt(from.Add(tick)) + " and Timestamp < " + dt(to.Add(tick)), slotIDs(101, 110)},
		{"inclusive both ends", "Timestamp >= " + dt(from) + " and Timestamp <= " + dt(to), slotIDs(100, 110)},
		{"exclusive both ends", "Timestamp > " + dt(from) + " and Timestamp < " + dt(to), slotIDs(101, 109)},
		{"identical timestamps all match", "Timestamp == " + dt(from), slotIDs(100, 100)},
		{"one tick off matches none", "Timestamp == " + dt(from.Add(tick)), nil},
		{"empty window", "Timestamp > " + dt(to) + " and Timestamp <= " + dt(from), nil},
		{"conditions in either order", "Timestamp <= " + dt(to) + " and FileSize > 0 and Timestamp > " + dt(from), slotIDs(101, 110)},
		{"future events do not exist", "Timestamp > " + dt(testNow.Add(-tick)), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, _, err := runQuery(tables, "DeviceProcessEvents\n| where "+tt.where)
			if err != nil {
				t.Fatal(err)
			}
			if got := reportIDs(events); !slices.Equal(got, tt.want) {
				t.Errorf("got %d events %v..., want %d %v...", len(got), head(got), len(tt.want), head(tt.want))
			}
		})
	}
}

func head(ids []int64) []int64 { return ids[:min(len(ids), 4)] }

func TestFiltersMatchAnOracle(t *testing.T) {
	tables := queryTestTables(t)
	type row func(column string) any
	text := func(v any) string { return textOf(v) }
	tests := []struct {
		name  string
		table string
		where string
		keep  func(row) bool
	}{
		{"=~ ignores case", "DeviceProcessEvents", `InitiatingProcessFileName =~ "POWERSHELL.EXE"`, func(r row) bool { return r("InitiatingProcessFileName") == "powershell.exe" }},
		{"== respects case", "DeviceProcessEvents", `FileName == "WINWORD.EXE"`, func(r row) bool { return r("FileName") == "WINWORD.EXE" }},
		{"!= ", "DeviceProcessEvents", `FileName != "conhost.exe"`, func(r row) bool { return r("FileName") != "conhost.exe" }},
		{"!~", "DeviceProcessEvents", `FileName !~ "CONHOST.EXE"`, func(r row) bool { return r("FileName") != "conhost.exe" }},
		{"contains", "DeviceProcessEvents", `ProcessCommandLine contains "ENCODEDCOMMAND"`, func(r row) bool { return strings.Contains(text(r("ProcessCommandLine")), "-EncodedCommand") }},
		{"contains_cs", "DeviceProcessEvents", `ProcessCommandLine contains_cs "encodedcommand"`, func(row) bool { return false }},
		{"!contains", "DeviceProcessEvents", `FolderPath !contains @"\System32\"`, func(r row) bool { return !strings.Contains(text(r("FolderPath")), `\System32\`) }},
		{"has matches whole terms", "DeviceProcessEvents", `ProcessCommandLine has "list"`, func(r row) bool { return strings.Contains(text(r("ProcessCommandLine")), "/fo list") }},
		{"startswith", "DeviceProcessEvents", `DeviceName startswith "東京"`, func(r row) bool { return strings.HasPrefix(text(r("DeviceName")), "東京") }},
		{"endswith", "DeviceProcessEvents", `FolderPath endswith "\\updater.exe"`, func(r row) bool { return r("FileName") == "updater.exe" }},
		{"in", "DeviceProcessEvents", `FileName in ("cmd.exe", "net.exe")`, func(r row) bool { return r("FileName") == "cmd.exe" || r("FileName") == "net.exe" }},
		{"in~", "DeviceProcessEvents", `FileName in~ ("CMD.EXE")`, func(r row) bool { return r("FileName") == "cmd.exe" }},
		{"!in", "DeviceProcessEvents", `FileName !in ("cmd.exe", "conhost.exe")`, func(r row) bool { return r("FileName") != "cmd.exe" && r("FileName") != "conhost.exe" }},
		{"or and parentheses", "DeviceProcessEvents", `(FileName == "cmd.exe" or FileName == "net.exe") and AccountName == "system"`, func(r row) bool {
			return (r("FileName") == "cmd.exe" || r("FileName") == "net.exe") && r("AccountName") == "system"
		}},
		{"not", "DeviceProcessEvents", `not(FileName == "cmd.exe")`, func(r row) bool { return r("FileName") != "cmd.exe" }},
		{"long comparison", "DeviceProcessEvents", `FileSize >= 1000000`, func(r row) bool { return r("FileSize").(int64) >= 1000000 }},
		{"long against real", "DeviceProcessEvents", `ProcessId < 100.5`, func(r row) bool { return float64(r("ProcessId").(int64)) < 100.5 }},
		{"isnull", "DeviceProcessEvents", `isnull(AccountUpn)`, func(r row) bool { return r("AccountUpn") == nil }},
		{"isnotempty", "DeviceProcessEvents", `isnotempty(AccountUpn)`, func(r row) bool { return r("AccountUpn") != nil }},
		{"null satisfies no datetime comparison", "DeviceProcessEvents", `InitiatingProcessParentCreationTime < now()`, func(r row) bool { return r("InitiatingProcessParentCreationTime") != nil }},
		{"dynamic as text", "DeviceProcessEvents", `AdditionalFields contains "ProcessStartKey"`, func(r row) bool { return r("AdditionalFields") != nil }},
		{"bool", "AADSignInEventsBeta", `IsGuestUser == true`, func(r row) bool { return r("IsGuestUser") == true }},
		{"SByte bool", "AADSignInEventsBeta", `IsManaged != true`, func(r row) bool { return r("IsManaged") == false }},
		{"real", "AADSignInEventsBeta", `Longitude < 0`, func(r row) bool { return r("Longitude").(float64) < 0 }},
		{"decimal", "AADSignInEventsBeta", `RiskScore > 0.5`, func(r row) bool { return numberOf(r("RiskScore")) > 0.5 }},
		{"timespan", "AADSignInEventsBeta", `SessionLifetime > 1d`, func(r row) bool {
			return r("SessionLifetime") != nil && r("SessionLifetime").(time.Duration) > 24*time.Hour
		}},
		{"guid as text", "AADSignInEventsBeta", `ApplicationId == "1fec8e78-bce4-4aaf-ab1b-5451cc387264"`, func(r row) bool { return r("Application") == "Microsoft Teams" }},
		{"ago", "AADSignInEventsBeta", `Timestamp > ago(90s)`, func(r row) bool { return r("Timestamp").(time.Time).After(testNow.Add(-90 * time.Second)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table := tables[tt.table]
			var want []int64
			all := 0
			for e := range table.scan(fullScan, testNow) {
				all++
				if tt.keep(func(name string) any { c, _ := table.column(name); return c.value(e) }) {
					want = append(want, e.reportID)
				}
			}
			events, _, err := runQuery(tables, tt.table+" | where "+tt.where)
			if err != nil {
				t.Fatal(err)
			}
			if got := reportIDs(events); !slices.Equal(got, want) {
				t.Errorf("got %d rows, oracle %d", len(got), len(want))
			}
			if len(want) == all {
				t.Errorf("all %d rows match: the test tells nothing", all)
			}
		})
	}
}

func TestOrderTakeAndProject(t *testing.T) {
	tables := queryTestTables(t)
	lastSlot := int64(testNow.Sub(queryTestStart) / queryTestEvery)
	newest := (lastSlot+1)*queryTestPerTimestamp - 1
	tests := []struct {
		name    string
		query   string
		check   func(t *testing.T, events []event)
		columns []string
	}{
		{
			name: "order by Timestamp desc and take returns the newest", query: "DeviceProcessEvents | order by Timestamp desc | take 4",
			check: func(t *testing.T, events []event) {
				if got, want := reportIDs(events), []int64{newest, newest - 1, newest - 2, newest - 3}; !slices.Equal(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
			},
		},
		{
			name: "order is descending by default", query: "DeviceProcessEvents | sort by Timestamp | limit 2",
			check: func(t *testing.T, events []event) {
				if events[0].reportID != newest {
					t.Errorf("got %v, want the newest event %d first", reportIDs(events), newest)
				}
			},
		},
		{
			name: "order by Timestamp asc", query: "DeviceProcessEvents | order by Timestamp asc | take 4",
			check: func(t *testing.T, events []event) {
				if got := reportIDs(events); !slices.Equal(got, []int64{0, 1, 2, 3}) {
					t.Errorf("got %v", got)
				}
			},
		},
		{
			name: "take before where is not pushed into the scan", query: "DeviceProcessEvents | take 5 | where Timestamp > " + dt(slotTime(1)),
			check: func(t *testing.T, events []event) {
				if len(events) != 0 {
					t.Errorf("got %v, want none: the five first events are in slots 0 and 1", reportIDs(events))
				}
			},
		},
		{
			name: "top sorts by a column", query: "DeviceProcessEvents | where Timestamp <= " + dt(slotTime(50)) + " | top 3 by FileSize asc",
			check: func(t *testing.T, events []event) {
				sizes := columnValues(tables["DeviceProcessEvents"], "FileSize", events)
				if len(sizes) != 3 || sizes[0].(int64) != 57344 || sizes[0].(int64) > sizes[2].(int64) {
					t.Errorf("got sizes %v", sizes)
				}
			},
		},
		{
			name: "several sort keys", query: "DeviceProcessEvents | where Timestamp <= " + dt(slotTime(30)) + " | order by FileName asc, Timestamp desc",
			check: func(t *testing.T, events []event) {
				names := columnValues(tables["DeviceProcessEvents"], "FileName", events)
				if !slices.IsSortedFunc(names, func(a, b any) int { return strings.Compare(a.(string), b.(string)) }) {
					t.Errorf("file names not ascending")
				}
				for i := 1; i < len(events); i++ {
					if names[i] == names[i-1] && events[i].time.After(events[i-1].time) {
						t.Errorf("timestamps not descending within %s", names[i])
					}
				}
			},
		},
		{
			name: "nulls first ascending", query: "DeviceProcessEvents | order by InitiatingProcessParentCreationTime asc | take 1",
			check: func(t *testing.T, events []event) {
				if v := columnValues(tables["DeviceProcessEvents"], "InitiatingProcessParentCreationTime", events); v[0] != nil {
					t.Errorf("got %v, want null", v[0])
				}
			},
		},
		{
			name: "project chooses and orders columns", query: "DeviceProcessEvents | project ReportId, Timestamp, FileName | take 1",
			columns: []string{"ReportId", "Timestamp", "FileName"},
		},
		{
			name: "take 0", query: "DeviceProcessEvents | take 0",
			check: func(t *testing.T, events []event) {
				if len(events) != 0 {
					t.Errorf("got %d rows", len(events))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			events, columns, err := runQuery(tables, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, events)
			}
			if tt.columns != nil {
				var names []string
				for _, c := range columns {
					names = append(names, c.name)
				}
				if !slices.Equal(names, tt.columns) {
					t.Errorf("columns %v, want %v", names, tt.columns)
				}
			}
		})
	}
}

func columnValues(table *table, name string, events []event) []any {
	c, _ := table.column(name)
	values := make([]any, len(events))
	for i, e := range events {
		values[i] = c.value(e)
	}
	return values
}

func TestSemanticErrorsAreWordedAsKusto(t *testing.T) {
	tables := queryTestTables(t)
	tests := []struct{ query, want string }{
		{"DeviceEvents | take 1", "Failed to resolve table or column expression named 'DeviceEvents'"},
		{"DeviceProcessEvents | where Nope == 1", "'where' operator: Failed to resolve scalar expression named 'Nope'"},
		{"DeviceProcessEvents | project FileName | where Timestamp > ago(1h)", "'where' operator: Failed to resolve scalar expression named 'Timestamp'"},
		{"DeviceProcessEvents | project FileName, Nope", "'project' operator: Failed to resolve scalar expression named 'Nope'"},
		{"DeviceProcessEvents | order by Nope", "'order' operator: Failed to resolve scalar expression named 'Nope'"},
		{"DeviceProcessEvents | where Timestamp > '2026-11-26'", "'where' operator: Cannot compare values of types datetime and string. Try adding explicit casts"},
		{"DeviceProcessEvents | where FileName == 1", "'where' operator: Cannot compare values of types string and long. Try adding explicit casts"},
		{"DeviceProcessEvents | where FileSize contains '1'", "'where' operator: The operator 'contains' cannot be applied to values of type long"},
		{"AADSignInEventsBeta | where IsGuestUser > false", "'where' operator: The operator '>' cannot be applied to values of type bool"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			_, _, err := runQuery(tables, tt.query)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}
