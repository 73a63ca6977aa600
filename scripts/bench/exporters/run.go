package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/fileexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/splunkhecexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/xconfmap"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	tracenoop "go.opentelemetry.io/otel/trace/noop"
	"go.uber.org/zap"
	"go.yaml.in/yaml/v3"
)

// The exporters the benchmark compares, by type.
var exporterFactories = map[component.Type]exporter.Factory{}

func init() {
	for _, f := range []exporter.Factory{splunkhecexporter.NewFactory(), otlphttpexporter.NewFactory(), fileexporter.NewFactory()} {
		exporterFactories[f.Type()] = f
	}
}

func runExporter(ctx context.Context, args []string) error {
	flags := flag.NewFlagSet("exporters run", flag.ContinueOnError)
	recordsPath := flags.String("records", "", "the batches prepare wrote")
	configPath := flags.String("config", "", "YAML with the collector's `exporters:` (and `extensions:` for a persistent queue)")
	exporterName := flags.String("exporter", "", "the exporter of the configuration to run, e.g. splunk_hec")
	cpuProfile := flags.String("cpuprofile", "", "file to write a CPU profile of the timed part to (go tool pprof)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *recordsPath == "" || *configPath == "" || *exporterName == "" {
		return errors.New("run needs -records, -config and -exporter")
	}
	var id component.ID
	if err := id.UnmarshalText([]byte(*exporterName)); err != nil {
		return err
	}
	conf, err := loadConfig(*configPath)
	if err != nil {
		return err
	}

	batches, records, err := readBatches(*recordsPath)
	if err != nil {
		return err
	}
	runtime.GC()
	debug.FreeOSMemory()
	fmt.Printf("loaded %d records in %d batches; RSS %d KiB\n", records, len(batches), procStatusKiB("VmRSS"))

	reader := sdkmetric.NewManualReader()
	meters := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer meters.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck // nothing left to read
	logger, err := zap.NewProduction(zap.IncreaseLevel(zap.WarnLevel))
	if err != nil {
		return err
	}
	telemetry := component.TelemetrySettings{Logger: logger, TracerProvider: tracenoop.NewTracerProvider(), MeterProvider: meters, Resource: pcommon.NewResource()}

	host, stopExtensions, err := startExtensions(ctx, conf, telemetry)
	if err != nil {
		return err
	}
	defer stopExtensions()
	exp, err := createExporter(ctx, conf, id, telemetry)
	if err != nil {
		return err
	}
	if err := exp.Start(ctx, host); err != nil {
		return err
	}
	defer exp.Shutdown(context.WithoutCancel(ctx)) //nolint:errcheck // the records are counted by then

	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}
	started := time.Now()
	fmt.Printf("started %s\n", unixTime(started))
	for i, batch := range batches {
		if err := exp.ConsumeLogs(ctx, batch); err != nil {
			return fmt.Errorf("batch %d: %w", i+1, err)
		}
		// Once handed over, a batch is the exporter's: dropping ours lets the garbage collector free
		// it when the exporter is done, so that the live heap shrinks as in the collector, where a
		// batch lives from its response to its export, instead of staying all the records'.
		batches[i] = plog.Logs{}
	}
	sent, err := awaitSent(ctx, reader, int64(records))
	if err != nil {
		return err
	}
	fmt.Printf("sent %d at %s\n", sent, unixTime(time.Now()))
	fmt.Printf("peak_rss_kib=%d\n", procStatusKiB("VmHWM"))
	return nil
}

func loadConfig(path string) (*confmap.Conf, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := yaml.Unmarshal(text, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return confmap.NewFromStringMap(raw), nil
}

// startExtensions starts the configuration's file_storage, if it has one, for a persistent queue.
func startExtensions(ctx context.Context, conf *confmap.Conf, telemetry component.TelemetrySettings) (host, func(), error) {
	h := host{}
	factory := filestorage.NewFactory()
	id := component.NewID(factory.Type())
	key := "extensions::" + id.String()
	if !conf.IsSet(key) {
		return h, func() {}, nil
	}
	cfg := factory.CreateDefaultConfig()
	if err := unmarshalValid(conf, key, cfg); err != nil {
		return nil, nil, err
	}
	ext, err := factory.Create(ctx, extension.Settings{ID: id, TelemetrySettings: telemetry, BuildInfo: component.NewDefaultBuildInfo()}, cfg)
	if err != nil {
		return nil, nil, err
	}
	if err := ext.Start(ctx, h); err != nil {
		return nil, nil, err
	}
	h[id] = ext
	return h, func() { _ = ext.Shutdown(context.WithoutCancel(ctx)) }, nil
}

func createExporter(ctx context.Context, conf *confmap.Conf, id component.ID, telemetry component.TelemetrySettings) (exporter.Logs, error) {
	factory, ok := exporterFactories[id.Type()]
	if !ok {
		return nil, fmt.Errorf("no exporter %q here (splunk_hec, otlp_http, file)", id.Type())
	}
	cfg := factory.CreateDefaultConfig()
	if err := unmarshalValid(conf, "exporters::"+id.String(), cfg); err != nil {
		return nil, err
	}
	return factory.CreateLogs(ctx, exporter.Settings{ID: id, TelemetrySettings: telemetry, BuildInfo: component.NewDefaultBuildInfo()}, cfg)
}

func unmarshalValid(conf *confmap.Conf, key string, cfg component.Config) error {
	sub, err := conf.Sub(key)
	if err != nil {
		return err
	}
	if err := sub.Unmarshal(cfg); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	if err := xconfmap.Validate(cfg); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

// host gives components the extensions started for them.
type host map[component.ID]component.Component

func (h host) GetExtensions() map[component.ID]component.Component { return h }

// awaitSent waits until the exporter has sent want records, or failed to, by its own counters.
func awaitSent(ctx context.Context, reader *sdkmetric.ManualReader, want int64) (int64, error) {
	for {
		var collected metricdata.ResourceMetrics
		if err := reader.Collect(ctx, &collected); err != nil {
			return 0, err
		}
		sent, failed := sumOf(collected, "otelcol_exporter_sent_log_records"), sumOf(collected, "otelcol_exporter_send_failed_log_records")
		if failed > 0 {
			return sent, fmt.Errorf("the exporter failed to send %d records", failed)
		}
		if sent >= want {
			return sent, nil
		}
		select {
		case <-ctx.Done():
			return sent, fmt.Errorf("%d of %d records sent: %w", sent, want, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func sumOf(collected metricdata.ResourceMetrics, name string) int64 {
	var total int64
	for _, scope := range collected.ScopeMetrics {
		for _, m := range scope.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				for _, point := range sum.DataPoints {
					total += point.Value
				}
			}
		}
	}
	return total
}

func unixTime(t time.Time) string {
	return fmt.Sprintf("%d.%09d", t.Unix(), t.Nanosecond())
}

// procStatusKiB reads a kB figure of /proc/self/status, 0 when there is none.
func procStatusKiB(field string) int64 {
	file, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer file.Close()
	lines := bufio.NewScanner(file)
	for lines.Scan() {
		if rest, ok := strings.CutPrefix(lines.Text(), field+":"); ok {
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kib
		}
	}
	return 0
}

func startCPUProfile(path string) (func(), error) {
	file, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(file); err != nil {
		file.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		file.Close()
	}, nil
}
