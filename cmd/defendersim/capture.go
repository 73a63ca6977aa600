package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/klauspost/compress/gzip"

	"github.com/defender-otel/defenderhuntingreceiver/simulator"
)

// A capture is what the sink received, kept for checking once the timing is
// over: each request as a header line "<path> <content encoding> <length>"
// and then the body exactly as it came (compressed if it was), so that the
// sink spends nothing on it but the write.

const identity = "identity" // the content encoding of a body that came uncompressed

// Paths the sink serves.
const (
	hecPath       = "/services/collector"
	hecEventPath  = "/services/collector/event"
	hecHealthPath = "/services/collector/health"
	otlpLogsPath  = "/v1/logs"
)

func writeCaptured(w io.Writer, path, encoding string, body []byte) error {
	if encoding == "" {
		encoding = identity
	}
	if _, err := fmt.Fprintf(w, "%s %s %d\n", path, encoding, len(body)); err != nil {
		return err
	}
	_, err := w.Write(body)
	return err
}

// decompress returns body as sent before encoding compressed it, using out
// for the result.
func decompress(encoding string, body []byte, out *bytes.Buffer, gz *gzip.Reader) ([]byte, error) {
	switch encoding {
	case "", identity:
		return body, nil
	case "gzip":
		if err := gz.Reset(bytes.NewReader(body)); err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		out.Reset()
		if _, err := out.ReadFrom(gz); err != nil {
			return nil, fmt.Errorf("gzip body: %w", err)
		}
		return out.Bytes(), nil
	}
	return nil, fmt.Errorf("unsupported Content-Encoding %q", encoding)
}

// countCaptured counts the ReportIds of a capture's table's events: the
// events of its HEC requests and the records of its OTLP ones.
func countCaptured(path, table string) (map[int64]int, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	in := bufio.NewReaderSize(file, 1<<20)
	delivered := map[int64]int{}
	var raw []byte
	var plain bytes.Buffer
	gz := new(gzip.Reader)
	for n := 1; ; n++ {
		header, err := in.ReadString('\n')
		if errors.Is(err, io.EOF) && header == "" {
			return delivered, nil
		}
		var requestPath, encoding string
		var length int
		if _, scanErr := fmt.Sscanf(header, "%s %s %d\n", &requestPath, &encoding, &length); err != nil || scanErr != nil {
			return nil, fmt.Errorf("capture %s: request %d: bad header %q", path, n, strings.TrimSpace(header))
		}
		if cap(raw) < length {
			raw = make([]byte, length)
		}
		raw = raw[:length]
		if _, err := io.ReadFull(in, raw); err != nil {
			return nil, fmt.Errorf("capture %s: request %d: %w", path, n, err)
		}
		body, err := decompress(encoding, raw, &plain, gz)
		if err == nil {
			err = countRequest(requestPath, body, table, delivered)
		}
		if err != nil {
			return nil, fmt.Errorf("capture %s: request %d (%s): %w", path, n, requestPath, err)
		}
	}
}

func countRequest(path string, body []byte, table string, delivered map[int64]int) error {
	switch path {
	case hecPath, hecEventPath:
		// HEC events carry no table: the benchmark's pipelines read one.
		return simulator.CountHECEvents(bytes.NewReader(body), delivered)
	case otlpLogsPath:
		return simulator.CountOTLPProto(body, table, delivered)
	}
	return fmt.Errorf("no events at path %s", path)
}
