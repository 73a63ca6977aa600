package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/klauspost/compress/gzip"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/defender-otel/defenderhuntingreceiver/receiver/jsonscan"
)

// The sink is the log backend of the end-to-end benchmark (scripts/bench-e2e.sh): a HEC endpoint
// for the splunk_hec exporter and an OTLP/HTTP logs endpoint for otlp_http, on 127.0.0.1. It shares
// the machine's cores with the simulator and the collector, so it does as little as it can: it
// counts each request's events (gunzipped, skimmed, never decoded), appends the request as it came
// to a capture file for `defendersim verify -format capture` to check after the timing ends, and
// answers as the backend would. When the count reaches -expect it prints the moment, so that the
// benchmark's clock stops when the endpoint has every event, not when a poll notices.

type sinkConfig struct {
	listen, capture string
	expect          int64
}

func parseSinkFlags(args []string, stderr io.Writer) (sinkConfig, error) {
	var c sinkConfig
	flags := flag.NewFlagSet("defendersim sink", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&c.listen, "listen", "127.0.0.1:0", "address to serve HTTP on")
	flags.StringVar(&c.capture, "capture", "", "file to append every request to, for verify -format capture")
	flags.Int64Var(&c.expect, "expect", 0, "print \"reached N events at <unix time>\" once N events arrived (0: never)")
	if err := flags.Parse(args); err != nil {
		return c, err
	}
	if c.capture == "" {
		return c, errors.New("sink needs -capture")
	}
	return c, nil
}

// runSink serves until ctx ends. Its first line on stdout is its URL.
func runSink(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseSinkFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return fail(stderr, err)
	}
	file, err := os.Create(c.capture)
	if err != nil {
		return fail(stderr, err)
	}
	listener, err := net.Listen("tcp", c.listen)
	if err != nil {
		file.Close()
		return fail(stderr, err)
	}
	s := &sink{expect: c.expect, reached: stdout, capture: bufio.NewWriterSize(file, 1<<20), errors: stderr}
	server := &http.Server{Handler: s.handler(), ReadHeaderTimeout: time.Minute}
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()
	fmt.Fprintln(stdout, "http://"+listener.Addr().String())

	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err = errors.Join(server.Shutdown(shutdownCtx), s.capture.Flush(), file.Close())
	if serveErr := <-served; !errors.Is(serveErr, http.ErrServerClosed) {
		err = errors.Join(err, serveErr)
	}
	requests, events := s.totals()
	fmt.Fprintf(stderr, "defendersim sink: stopped; %d requests, %d events\n", requests, events)
	if err != nil {
		return fail(stderr, err)
	}
	return exitOK
}

type sink struct {
	expect  int64
	reached io.Writer
	errors  io.Writer
	buffers sync.Pool // of *requestBuffers

	mu       sync.Mutex
	capture  *bufio.Writer
	requests int64
	events   int64
	done     bool
}

// requestBuffers are one request's body as it came and decompressed, reused from request to request.
type requestBuffers struct {
	raw, plain bytes.Buffer
	gz         gzip.Reader
}

func (s *sink) handler() http.Handler {
	mux := http.NewServeMux()
	hec := s.serveEvents(countHECEvents, func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"text":"Success","code":0}`) //nolint:errcheck // the exporter sees a cut answer
	})
	mux.Handle("POST "+hecPath, hec)
	mux.Handle("POST "+hecEventPath, hec)
	mux.HandleFunc("GET "+hecHealthPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"text":"HEC is healthy","code":17}`) //nolint:errcheck // as above
	})
	mux.Handle("POST "+otlpLogsPath, s.serveEvents(countOTLPRecords, func(w http.ResponseWriter) {
		// An empty ExportLogsServiceResponse is zero bytes of protobuf.
		w.Header().Set("Content-Type", "application/x-protobuf")
		w.WriteHeader(http.StatusOK)
	}))
	return mux
}

// serveEvents counts a request's events with count, keeps it, and answers with reply.
func (s *sink) serveEvents(count func([]byte) (int, error), reply func(http.ResponseWriter)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == otlpLogsPath && r.Header.Get("Content-Type") != "application/x-protobuf" {
			http.Error(w, "only application/x-protobuf", http.StatusUnsupportedMediaType)
			return
		}
		buffers, _ := s.buffers.Get().(*requestBuffers)
		if buffers == nil {
			buffers = new(requestBuffers)
		}
		defer s.buffers.Put(buffers)
		buffers.raw.Reset()
		encoding := r.Header.Get("Content-Encoding")
		_, err := buffers.raw.ReadFrom(r.Body)
		var body []byte
		if err == nil {
			body, err = decompress(encoding, buffers.raw.Bytes(), &buffers.plain, &buffers.gz)
		}
		var events int
		if err == nil {
			events, err = count(body)
		}
		if err != nil {
			fmt.Fprintf(s.errors, "defendersim sink: %s: %v\n", r.URL.Path, err)
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := s.keep(r.URL.Path, encoding, buffers.raw.Bytes(), events); err != nil {
			fmt.Fprintf(s.errors, "defendersim sink: capture: %v\n", err)
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		reply(w)
	})
}

// keep appends a request to the capture and counts its events, printing when they reach expect.
func (s *sink) keep(path, encoding string, raw []byte, events int) error {
	arrived := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := writeCaptured(s.capture, path, encoding, raw); err != nil {
		return err
	}
	s.requests++
	s.events += int64(events)
	if !s.done && s.expect > 0 && s.events >= s.expect {
		s.done = true
		fmt.Fprintf(s.reached, "reached %d events at %d.%09d\n", s.events, arrived.Unix(), arrived.Nanosecond())
	}
	return nil
}

func (s *sink) totals() (requests, events int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.events
}

// countHECEvents counts the JSON values, one per event, of a HEC request body, checking their syntax
// only.
func countHECEvents(body []byte) (int, error) {
	var scanner jsonscan.Scanner
	scanner.Reset(body)
	events := 0
	for scanner.Next() != 0 {
		if _, err := scanner.SkipValue(); err != nil {
			return 0, fmt.Errorf("HEC event %d: %w", events+1, err)
		}
		events++
	}
	return events, nil
}

// countOTLPRecords counts the log records of an ExportLogsServiceRequest without decoding them:
// its resource_logs (field 1), their scope_logs (2), their log_records (2).
func countOTLPRecords(body []byte) (int, error) {
	records := 0
	err := eachMessage(body, 1, func(resourceLogs []byte) error {
		return eachMessage(resourceLogs, 2, func(scopeLogs []byte) error {
			return eachMessage(scopeLogs, 2, func([]byte) error {
				records++
				return nil
			})
		})
	})
	return records, err
}

// eachMessage calls f with each value of the message's length-delimited field number, skipping the
// other fields.
func eachMessage(message []byte, number protowire.Number, f func([]byte) error) error {
	for len(message) > 0 {
		field, kind, n := protowire.ConsumeTag(message)
		if n < 0 {
			return fmt.Errorf("OTLP request: %w", protowire.ParseError(n))
		}
		message = message[n:]
		if field == number && kind == protowire.BytesType {
			value, n := protowire.ConsumeBytes(message)
			if n < 0 {
				return fmt.Errorf("OTLP request: %w", protowire.ParseError(n))
			}
			if err := f(value); err != nil {
				return err
			}
			message = message[n:]
			continue
		}
		if n = protowire.ConsumeFieldValue(field, kind, message); n < 0 {
			return fmt.Errorf("OTLP request: %w", protowire.ParseError(n))
		}
		message = message[n:]
	}
	return nil
}
