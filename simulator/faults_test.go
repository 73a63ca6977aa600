package simulator

import (
	"slices"
	"strings"
	"testing"
)

func TestFaultsFlag(t *testing.T) {
	tests := []struct {
		name    string
		sets    []string // flag values, in order
		want    Faults
		printed string
		err     string
	}{
		{name: "none", printed: ""},
		{
			name: "several, any letter case", sets: []string{"Status500=0.1, cutoffbody=0.05,TokenEndpoint503=1"},
			want: Faults{Status500: 0.1, CutOffBody: 0.05, TokenEndpoint503: 1}, printed: "Status500=0.1,CutOffBody=0.05,TokenEndpoint503=1",
		},
		{
			name: "given twice, the later wins", sets: []string{"Stall=0.2,Preempted=0.3", "Stall=0"},
			want: Faults{Preempted: 0.3}, printed: "Preempted=0.3",
		},
		{name: "unknown name", sets: []string{"Status418=0.1"}, err: `unknown fault "Status418"; known: Status500, Status502`},
		{name: "no probability", sets: []string{"Stall"}, err: `fault "Stall": want Name=probability`},
		{name: "probability over 1", sets: []string{"Stall=2"}, err: `fault Stall: probability must be a number between 0 and 1, got "2"`},
		{name: "not a number", sets: []string{"Stall=NaN"}, err: "probability must be a number between 0 and 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var f Faults
			var err error
			for _, value := range tt.sets {
				if err = f.Set(value); err != nil {
					break
				}
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Errorf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil || f != tt.want || f.String() != tt.printed {
				t.Errorf("got %+v printed %q (%v), want %+v printed %q", f, f.String(), err, tt.want, tt.printed)
			}
		})
	}
}

// TestFaultsAreReproducible checks that the seed decides which calls fail,
// and that each fault hits its share of calls.
func TestFaultsAreReproducible(t *testing.T) {
	faults := Faults{Status500: 0.2, CutOffBody: 0.1, ResetConnection: 0.05}
	run := func(seed uint64) []string {
		d := faultDraws{faults: &faults, seed: seed}
		outcomes := make([]string, 2000)
		for n := range int64(len(outcomes)) {
			if k, ok := d.forCall(n + 1); ok {
				outcomes[n] = k.String()
			}
		}
		return outcomes
	}
	first := run(1)
	if again := run(1); !slices.Equal(first, again) {
		t.Error("the same seed failed other calls")
	}
	if other := run(2); slices.Equal(first, other) {
		t.Error("another seed failed the same calls")
	}
	counts := map[string]int{}
	for _, o := range first {
		counts[o]++
	}
	for name, want := range map[string]float64{"Status500": 0.2, "CutOffBody": 0.1, "ResetConnection": 0.05, "": 0.65} {
		if share := float64(counts[name]) / float64(len(first)); share < want-0.03 || share > want+0.03 {
			t.Errorf("%q: share %.3f, want about %.2f", name, share, want)
		}
	}
}
