package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

// hecBody is a HEC request body as splunk_hec sends it: events one after the other, each with its
// row as the event.
func hecBody(ids ...int64) string {
	var body strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&body, `{"time":1764500000.123,"host":"pc-1","event":{"ReportId":%d,"FileName":"a \"}{\" b"},"fields":{"log.record.uid":"x"}}`, id)
	}
	return body.String()
}

// otlpBody is an ExportLogsServiceRequest of table's records, each with its row in the body.
func otlpBody(t *testing.T, table string, ids ...int64) []byte {
	t.Helper()
	logs := plog.NewLogs()
	records := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, id := range ids {
		record := records.AppendEmpty()
		record.SetEventName(table)
		record.Body().SetEmptyMap().PutInt("ReportId", id)
	}
	body, err := plogotlp.NewExportRequestFromLogs(logs).MarshalProto()
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func gzipped(t *testing.T, body []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	gz := gzip.NewWriter(&out)
	if _, err := gz.Write(body); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func TestSinkCountsKeepsAndAnswers(t *testing.T) {
	capture := filepath.Join(t.TempDir(), "capture")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	stdout, stdoutWriter := io.Pipe()
	var stderr strings.Builder
	served := make(chan int)
	go func() {
		served <- run(ctx, []string{"sink", "-capture", capture, "-expect", "5"}, stdoutWriter, &stderr)
		stdoutWriter.Close()
	}()
	lines := bufio.NewReader(stdout)
	url, err := lines.ReadString('\n')
	if err != nil {
		t.Fatalf("no URL printed: %v", err)
	}
	url = strings.TrimSpace(url)
	// The rest of stdout, read as it comes: the sink writes its "reached" line while it answers.
	rest := make(chan string)
	go func() {
		text, _ := io.ReadAll(lines)
		rest <- string(text)
	}()

	requests := []struct {
		name, method, path, contentType, encoding string
		body                                      []byte
		status                                    int
		answer                                    string
	}{
		{"HEC health", http.MethodGet, hecHealthPath, "", "", nil, http.StatusOK, `{"text":"HEC is healthy","code":17}`},
		{"HEC, gzip", http.MethodPost, hecPath, "application/json", "gzip", gzipped(t, []byte(hecBody(1, 2))), http.StatusOK, `{"text":"Success","code":0}`},
		{"HEC event path, plain", http.MethodPost, hecEventPath, "application/json", "", []byte(hecBody(3)), http.StatusOK, `{"text":"Success","code":0}`},
		{"HEC, broken JSON", http.MethodPost, hecPath, "application/json", "", []byte(`{"event":`), http.StatusBadRequest, "HEC event 1"},
		{"HEC, broken gzip", http.MethodPost, hecPath, "application/json", "gzip", []byte("not gzip"), http.StatusBadRequest, "gzip body"},
		{"OTLP, JSON", http.MethodPost, otlpLogsPath, "application/json", "", []byte(`{}`), http.StatusUnsupportedMediaType, "only application/x-protobuf"},
		{"OTLP, gzip", http.MethodPost, otlpLogsPath, "application/x-protobuf", "gzip", gzipped(t, otlpBody(t, "DeviceProcessEvents", 4, 5, 5)), http.StatusOK, ""},
	}
	for _, tt := range requests {
		req, err := http.NewRequestWithContext(ctx, tt.method, url+tt.path, bytes.NewReader(tt.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", tt.contentType)
		req.Header.Set("Content-Encoding", tt.encoding)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		answer, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(answer), tt.answer) || (tt.answer == "" && len(answer) != 0) {
			t.Errorf("%s: %d %q, want %d %q", tt.name, resp.StatusCode, answer, tt.status, tt.answer)
		}
	}
	cancel()
	if status := <-served; status != exitOK {
		t.Fatalf("sink exited %d: %s", status, stderr.String())
	}
	// 2 + 1 HEC events and 3 OTLP records: the count passed 5 with the last request.
	if reached := <-rest; !strings.HasPrefix(reached, "reached 6 events at ") || strings.Count(reached, "\n") != 1 {
		t.Errorf("printed %q after the URL; want the moment 6 events had arrived, once", reached)
	}
	if !strings.Contains(stderr.String(), "defendersim sink: stopped; 3 requests, 6 events") {
		t.Errorf("summary: %q", stderr.String())
	}
	delivered, err := countCaptured(capture, "DeviceProcessEvents")
	if want := map[int64]int{1: 1, 2: 1, 3: 1, 4: 1, 5: 2}; err != nil || !maps.Equal(delivered, want) {
		t.Errorf("capture holds %v, %v; want %v", delivered, err, want)
	}
}

func TestCountHECEventsAndOTLPRecords(t *testing.T) {
	tests := []struct {
		name    string
		count   func([]byte) (int, error)
		body    []byte
		want    int
		wantErr bool
	}{
		{"HEC events", countHECEvents, []byte(hecBody(1, 2, 3)), 3, false},
		{"HEC events with white space between", countHECEvents, []byte(" {\"event\":1}\n{\"event\":2}\n"), 2, false},
		{"no HEC events", countHECEvents, nil, 0, false},
		{"HEC event cut off", countHECEvents, []byte(hecBody(1)[:40]), 0, true},
		{"OTLP records", countOTLPRecords, otlpBody(t, "T", 1, 2, 3), 3, false},
		{"OTLP records over two resources", countOTLPRecords, append(otlpBody(t, "T", 1), otlpBody(t, "T", 2, 3)...), 3, false},
		{"empty OTLP request", countOTLPRecords, nil, 0, false},
		{"OTLP request cut off", countOTLPRecords, otlpBody(t, "T", 1, 2)[:20], 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.count(tt.body)
			if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
				t.Errorf("got %d, %v; want %d (error %v)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}
