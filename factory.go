// Package defenderhuntingreceiver is an OpenTelemetry Collector receiver that runs KQL queries
// against Microsoft Defender XDR advanced hunting on a schedule and emits every result row once, as
// a log record.
package defenderhuntingreceiver

//go:generate ./scripts/generate.sh

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/defender-otel/defenderhuntingreceiver/internal/metadata"
)

// NewFactory returns the factory of the defender_hunting receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogsReceiver, metadata.LogsStability),
	)
}

func createLogsReceiver(_ context.Context, set receiver.Settings, cfg component.Config, next consumer.Logs) (receiver.Logs, error) {
	return newHuntingReceiver(set, cfg.(*Config), next)
}
