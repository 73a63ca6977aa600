package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
)

func runPrepare(args []string) error {
	flags := flag.NewFlagSet("exporters prepare", flag.ContinueOnError)
	in := flags.String("in", "", "the collector file exporter's output (OTLP/JSON, a request per line)")
	out := flags.String("out", "", "file to write the batches to")
	batchSize := flags.Int("batch", 5000, "records per batch")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *in == "" || *out == "" || *batchSize < 1 {
		return errors.New("prepare needs -in, -out and a -batch of at least 1")
	}
	input, err := os.Open(*in)
	if err != nil {
		return err
	}
	defer input.Close()
	output, err := os.Create(*out)
	if err != nil {
		return err
	}
	written := bufio.NewWriterSize(output, 1<<20)
	records, batches := 0, 0
	b := rebatcher{size: *batchSize, emit: func(logs plog.Logs) error {
		records += logs.LogRecordCount()
		batches++
		return writeBatch(written, logs)
	}}
	err = eachRequest(bufio.NewReaderSize(input, 1<<20), b.add)
	if err == nil {
		err = b.flush()
	}
	if err = errors.Join(err, written.Flush(), output.Close()); err != nil {
		return err
	}
	fmt.Printf("prepared %d records in %d batches of %d\n", records, batches, *batchSize)
	return nil
}

// eachRequest calls f with each line of the file exporter's output.
func eachRequest(in *bufio.Reader, f func(plog.Logs) error) error {
	var unmarshaler plog.JSONUnmarshaler
	for n := 1; ; n++ {
		line, err := in.ReadBytes('\n')
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		logs, err := unmarshaler.UnmarshalLogs(line)
		if err != nil {
			return fmt.Errorf("request %d: %w", n, err)
		}
		if err := f(logs); err != nil {
			return err
		}
	}
}

// rebatcher cuts records into batches of size, keeping each record's resource and scope.
type rebatcher struct {
	size   int
	emit   func(plog.Logs) error
	batch  plog.Logs
	scope  plog.ScopeLogs // where the batch's next record goes, when placed
	placed bool
	count  int
}

func (b *rebatcher) add(logs plog.Logs) error {
	for _, resourceLogs := range logs.ResourceLogs().All() {
		for _, scopeLogs := range resourceLogs.ScopeLogs().All() {
			b.placed = false // a new resource or scope starts a new place in the batch
			for _, record := range scopeLogs.LogRecords().All() {
				if b.count == 0 {
					b.batch = plog.NewLogs()
					b.placed = false
				}
				if !b.placed {
					b.placed = true
					into := b.batch.ResourceLogs().AppendEmpty()
					resourceLogs.Resource().CopyTo(into.Resource())
					into.SetSchemaUrl(resourceLogs.SchemaUrl())
					b.scope = into.ScopeLogs().AppendEmpty()
					scopeLogs.Scope().CopyTo(b.scope.Scope())
					b.scope.SetSchemaUrl(scopeLogs.SchemaUrl())
				}
				record.CopyTo(b.scope.LogRecords().AppendEmpty())
				if b.count++; b.count == b.size {
					if err := b.flush(); err != nil {
						return err
					}
				}
			}
		}
	}
	return nil
}

func (b *rebatcher) flush() error {
	if b.count == 0 {
		return nil
	}
	b.count = 0
	return b.emit(b.batch)
}

// writeBatch writes logs as a protobuf ExportLogsServiceRequest after its length (8 bytes).
func writeBatch(w io.Writer, logs plog.Logs) error {
	data, err := plogotlp.NewExportRequestFromLogs(logs).MarshalProto()
	if err != nil {
		return err
	}
	if err := binary.Write(w, binary.LittleEndian, uint64(len(data))); err != nil {
		return err
	}
	_, err = w.Write(data)
	return err
}

// readBatches reads what prepare wrote.
func readBatches(path string) ([]plog.Logs, int, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer file.Close()
	in := bufio.NewReaderSize(file, 1<<20)
	var batches []plog.Logs
	records := 0
	for {
		var length uint64
		err := binary.Read(in, binary.LittleEndian, &length)
		if errors.Is(err, io.EOF) {
			return batches, records, nil
		}
		if err != nil {
			return nil, 0, err
		}
		data := make([]byte, length) // a buffer each: the records may keep referring to it
		if _, err := io.ReadFull(in, data); err != nil {
			return nil, 0, fmt.Errorf("batch %d: %w", len(batches)+1, err)
		}
		request := plogotlp.NewExportRequest()
		if err := request.UnmarshalProto(data); err != nil {
			return nil, 0, fmt.Errorf("batch %d: %w", len(batches)+1, err)
		}
		batches = append(batches, request.Logs())
		records += request.Logs().LogRecordCount()
	}
}
