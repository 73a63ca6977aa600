package main

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
)

// logsOf is a request with a resource per name, holding that many records, numbered on.
func logsOf(resources map[string]int, order ...string) plog.Logs {
	logs := plog.NewLogs()
	n := 0
	for _, name := range order {
		resourceLogs := logs.ResourceLogs().AppendEmpty()
		resourceLogs.Resource().Attributes().PutStr("name", name)
		records := resourceLogs.ScopeLogs().AppendEmpty().LogRecords()
		for range resources[name] {
			n++
			records.AppendEmpty().Body().SetInt(int64(n))
		}
	}
	return logs
}

// shape is "resource:first-last" for each resource of a batch, e.g. "a:1-2 b:3-3".
func shape(logs plog.Logs) string {
	var parts []string
	for _, resourceLogs := range logs.ResourceLogs().All() {
		name, _ := resourceLogs.Resource().Attributes().Get("name")
		records := resourceLogs.ScopeLogs().At(0).LogRecords()
		parts = append(parts, name.Str()+":"+records.At(0).Body().AsString()+"-"+records.At(records.Len()-1).Body().AsString())
	}
	return strings.Join(parts, " ")
}

func TestRebatcherCutsBatchesKeepingResources(t *testing.T) {
	tests := []struct {
		name string
		size int
		want []string
	}{
		{"smaller than the input", 3, []string{"a:1-2 b:3-3", "b:4-5"}},
		{"one record each", 1, []string{"a:1-1", "a:2-2", "b:3-3", "b:4-4", "b:5-5"}},
		{"larger than the input", 10, []string{"a:1-2 b:3-5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			b := rebatcher{size: tt.size, emit: func(logs plog.Logs) error {
				got = append(got, shape(logs))
				return nil
			}}
			if err := b.add(logsOf(map[string]int{"a": 2, "b": 3}, "a", "b")); err != nil {
				t.Fatal(err)
			}
			if err := b.flush(); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, " | ") != strings.Join(tt.want, " | ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBatchesReadAsWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "records.pb")
	var written bytes.Buffer
	for _, logs := range []plog.Logs{logsOf(map[string]int{"a": 2}, "a"), logsOf(map[string]int{"b": 3}, "b")} {
		if err := writeBatch(&written, logs); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(path, written.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	batches, records, err := readBatches(path)
	if err != nil || records != 5 || len(batches) != 2 || shape(batches[0]) != "a:1-2" || shape(batches[1]) != "b:1-3" {
		t.Errorf("read %d batches, %d records, %v", len(batches), records, err)
	}
}

func TestEachRequestReadsTheFileExportersLines(t *testing.T) {
	var marshaler plog.JSONMarshaler
	var file bytes.Buffer
	for _, logs := range []plog.Logs{logsOf(map[string]int{"a": 1}, "a"), logsOf(map[string]int{"b": 2}, "b")} {
		line, err := marshaler.MarshalLogs(logs)
		if err != nil {
			t.Fatal(err)
		}
		file.Write(append(line, '\n'))
	}
	var got []string
	err := eachRequest(bufio.NewReader(&file), func(logs plog.Logs) error {
		got = append(got, shape(logs))
		return nil
	})
	if err != nil || strings.Join(got, " | ") != "a:1-1 | b:1-2" {
		t.Errorf("got %q, %v", got, err)
	}
	if err := eachRequest(bufio.NewReader(strings.NewReader("{not json\n")), func(plog.Logs) error { return nil }); err == nil {
		t.Error("a broken line was read")
	}
}
