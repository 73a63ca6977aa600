package simulator

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// sampleEvents returns the first n events of every default table.
func sampleEvents(t *testing.T, n int64) map[*table][]event {
	t.Helper()
	samples := map[*table][]event{}
	for i, spec := range DefaultTables(testNow.Add(-24 * time.Hour)) {
		table, err := newTable(spec, i, arrival{})
		if err != nil {
			t.Fatal(err)
		}
		samples[table] = make([]event, 0, n)
		for k := range n {
			samples[table] = append(samples[table], table.event(k))
		}
	}
	return samples
}

func TestDefaultTablesCoverEverySchemaType(t *testing.T) {
	kinds := map[kind]bool{}
	typeNames := map[string]bool{}
	for table := range sampleEvents(t, 0) {
		for _, c := range table.columns {
			kinds[c.kind] = true
			typeNames[c.typeName] = true
		}
		if _, ok := table.column(timeColumn); !ok {
			t.Errorf("%s has no %s column", table.spec.Name, timeColumn)
		}
		if _, ok := table.column(reportIDKey); !ok {
			t.Errorf("%s has no %s column", table.spec.Name, reportIDKey)
		}
	}
	if len(kinds) != int(kindDynamic)+1 {
		t.Errorf("kinds covered: %v", kinds)
	}
	for _, name := range []string{
		"String", "string", "DateTime", "datetime", "Int64", "long", "Int32", "int", "Object", "dynamic",
		"real", "Double", "Decimal", "bool", "Boolean", "boolean", "SByte", "TimeSpan", "TIMESPAN", "Guid", "guid",
	} {
		if !typeNames[name] {
			t.Errorf("no column reports type %q", name)
		}
	}
}

func TestColumnValuesHaveTheirKindsGoType(t *testing.T) {
	wantType := map[kind]reflect.Type{
		kindString: reflect.TypeFor[string](), kindGuid: reflect.TypeFor[string](), kindLong: reflect.TypeFor[int64](),
		kindReal: reflect.TypeFor[float64](), kindDecimal: reflect.TypeFor[json.Number](), kindBool: reflect.TypeFor[bool](),
		kindDatetime: reflect.TypeFor[time.Time](), kindTimespan: reflect.TypeFor[time.Duration](),
	}
	for table, events := range sampleEvents(t, 500) {
		for _, c := range table.columns {
			for _, e := range events {
				v := c.value(e)
				if v == nil || c.kind == kindDynamic {
					continue
				}
				if reflect.TypeOf(v) != wantType[c.kind] {
					t.Fatalf("%s.%s: value %v is %T, want %v", table.spec.Name, c.name, v, v, wantType[c.kind])
				}
				if at, ok := v.(time.Time); ok && at.Nanosecond()%100 != 0 {
					t.Fatalf("%s.%s: %v is not a whole number of ticks", table.spec.Name, c.name, at)
				}
			}
		}
	}
}

func TestValuesAreDeterministic(t *testing.T) {
	first, second := sampleEvents(t, 50), sampleEvents(t, 50)
	render := func(samples map[*table][]event) map[string]string {
		out := map[string]string{}
		for table, events := range samples {
			var b strings.Builder
			encoder := newRowEncoder(table.columns, false)
			for _, e := range events {
				encoder.buffer.Reset()
				for _, c := range table.columns {
					if err := encoder.encode(jsonValue(c, c.value(e))); err != nil {
						t.Fatal(err)
					}
				}
				b.Write(encoder.buffer.Bytes())
			}
			out[table.spec.Name] = b.String()
		}
		return out
	}
	if a, b := render(first), render(second); !reflect.DeepEqual(a, b) {
		t.Error("the same events rendered differently")
	}
}

// TestValuesAreRealistic checks the awkward values clients must survive.
func TestValuesAreRealistic(t *testing.T) {
	var texts []string
	nullKinds, dynamicForms := map[kind]bool{}, map[string]bool{}
	powershellParents, processEvents := 0, 0
	for table, events := range sampleEvents(t, 3000) {
		for _, c := range table.columns {
			for _, e := range events {
				v := c.value(e)
				switch v := v.(type) {
				case nil:
					nullKinds[c.kind] = true
				case string:
					texts = append(texts, v)
					if c.kind == kindDynamic {
						dynamicForms["string"] = true
						if !json.Valid([]byte(v)) {
							t.Errorf("%s: dynamic string %q is not JSON", c.name, v)
						}
					}
				case map[string]any, []any:
					dynamicForms["nested"] = true
				}
				if c.name == "ProcessCommandLine" {
					if n := len([]rune(v.(string))); n < 50 || n > 400 {
						t.Errorf("command line of %d characters: %q", n, v)
					}
				}
				if table.spec.Name == "DeviceProcessEvents" && c.name == "InitiatingProcessFileName" {
					processEvents++
					if v == "powershell.exe" {
						powershellParents++
					}
				}
			}
		}
	}
	all := strings.Join(texts, "\x00")
	for _, want := range []string{"Jürgen", "東京", `"`, `\`, "\n", "'"} {
		if !strings.Contains(all, want) {
			t.Errorf("no value contains %q", want)
		}
	}
	for _, k := range []kind{kindString, kindLong, kindDatetime, kindTimespan, kindGuid, kindDynamic} {
		if !nullKinds[k] {
			t.Errorf("no null %s value", k)
		}
	}
	if !dynamicForms["string"] || !dynamicForms["nested"] {
		t.Errorf("dynamic forms seen: %v", dynamicForms)
	}
	if share := float64(powershellParents) / float64(processEvents); share < 0.1 || share > 0.4 {
		t.Errorf("powershell.exe initiates %.0f%% of processes", share*100)
	}
}

func TestPrintedValuesLookLikeTheService(t *testing.T) {
	datetimeText := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$`)
	timespanText := regexp.MustCompile(`^(\d+\.)?\d\d:\d\d:\d\d(\.\d{7})?$`)
	for table, events := range sampleEvents(t, 300) {
		for _, c := range table.columns {
			for _, e := range events {
				v := jsonValue(c, c.value(e))
				if v == nil {
					continue
				}
				switch {
				case c.kind == kindDatetime && !datetimeText.MatchString(v.(string)):
					t.Fatalf("%s: datetime printed as %q", c.name, v)
				case c.kind == kindTimespan && !timespanText.MatchString(v.(string)):
					t.Fatalf("%s: timespan printed as %q", c.name, v)
				case c.boolAsNumber && v != 0 && v != 1:
					t.Fatalf("%s: SByte printed as %v", c.name, v)
				}
			}
		}
	}
}

func TestReportIDsAreUniqueAcrossTables(t *testing.T) {
	seen := map[int64]string{}
	for table, events := range sampleEvents(t, 100) {
		for _, e := range events {
			if other, dup := seen[e.reportID]; dup {
				t.Fatalf("ReportId %d in %s and %s", e.reportID, table.spec.Name, other)
			}
			seen[e.reportID] = table.spec.Name
		}
	}
}

func TestScanFollowsTheTableSpec(t *testing.T) {
	spec := TableSpec{Name: "DeviceNetworkEvents", Start: testNow.Add(-time.Minute), Every: 7 * time.Second, PerTimestamp: 2}
	table, err := newTable(spec, 1, arrival{})
	if err != nil {
		t.Fatal(err)
	}
	events := slices.Collect(table.scan(fullScan, testNow))
	// Slots at 0s, 7s, ..., 56s after Start: nine slots of two events.
	if len(events) != 18 {
		t.Fatalf("got %d events, want 18", len(events))
	}
	for k, e := range events {
		wantTime := spec.Start.Add(time.Duration(k/2) * spec.Every)
		if e.index != int64(k) || e.reportID != reportIDStride+int64(k) || !e.time.Equal(wantTime) {
			t.Errorf("event %d: index %d, ReportId %d, time %v", k, e.index, e.reportID, e.time)
		}
	}
	// 30 days after Start+30s, of the first minute's slots only those at 35s,
	// 42s, 49s and 56s are still in the data window.
	firstMinute := scanSpec{timestamps: tickRange{allTime.lo, ticksOf(spec.Start.Add(time.Minute))}, ingested: allTime, descending: true}
	old := slices.Collect(table.scan(firstMinute, spec.Start.Add(dataRetention+30*time.Second)))
	if len(old) != 8 || old[0].index != 17 || old[7].index != 10 {
		t.Errorf("got %d events, want 8, newest first", len(old))
	}
}

// TestCountEndsTheTable checks that a burst ends after Count events, in the
// middle of a slot if need be, whichever way it is scanned.
func TestCountEndsTheTable(t *testing.T) {
	spec := TableSpec{Name: "DeviceNetworkEvents", Start: testNow.Add(-time.Minute), Every: time.Second, PerTimestamp: 2, Count: 5}
	table, err := newTable(spec, 0, arrival{})
	if err != nil {
		t.Fatal(err)
	}
	for _, descending := range []bool{false, true} {
		scan := fullScan
		scan.descending = descending
		events := slices.Collect(table.scan(scan, testNow))
		want := []int64{0, 1, 2, 3, 4}
		if descending {
			slices.Reverse(want)
		}
		if got := reportIDs(events); !slices.Equal(got, want) {
			t.Errorf("descending %v: got %v, want %v", descending, got, want)
		}
	}
}

func TestNewTableRefusesBadSpecs(t *testing.T) {
	tests := []struct {
		spec TableSpec
		want string
	}{
		{TableSpec{Name: "DeviceEvents", Every: time.Second, PerTimestamp: 1}, "unknown"},
		{TableSpec{Name: "DeviceProcessEvents", Every: 150 * time.Nanosecond, PerTimestamp: 1}, "multiple of 100ns"},
		{TableSpec{Name: "DeviceProcessEvents", Every: 0, PerTimestamp: 1}, "multiple of 100ns"},
		{TableSpec{Name: "DeviceProcessEvents", Every: time.Second, PerTimestamp: 0}, "PerTimestamp"},
		{TableSpec{Name: "DeviceProcessEvents", Every: time.Second, PerTimestamp: 1, Count: -5}, "Count must not be negative"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.spec), func(t *testing.T) {
			_, err := newTable(tt.spec, 0, arrival{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
