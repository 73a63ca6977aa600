package simulator

import "slices"

// remoteEndpoint is a peer a device talks to.
type remoteEndpoint struct {
	ip       string
	port     int64
	url      string // empty when the connection was made by address
	protocol string
	ipType   string
}

var remoteEndpoints = []remoteEndpoint{
	{"52.96.165.18", 443, "outlook.office365.com", "Tcp", "Public"},
	{"2603:1036:307:2814::2", 443, "login.microsoftonline.com", "Tcp", "Public"},
	{"10.20.30.40", 445, "", "Tcp", "Private"},
	{"10.20.0.10", 53, "dc01.contoso.local", "Udp", "Private"},
	{"127.0.0.1", 8080, "", "Tcp", "Loopback"},
	{"185.199.108.133", 443, "raw.githubusercontent.com", "Tcp", "Public"},
	{"::ffff:192.168.1.20", 3389, "", "Tcp", "FourToSixMapping"},
	{"203.0.113.66", 4444, "münchen-update.example", "Tcp", "Public"},
	{"151.101.1.69", 443, "東京.example.jp", "Tcp", "Public"},
}

var (
	networkActionChoice     = newSalt("network.action")
	remoteEndpointChoice    = newSalt("network.remote")
	localPortChoice         = newSalt("network.localPort")
	networkAdditionalChoice = newSalt("network.additionalFields")
)

// networkActionTypes are weighted by repetition: most events are successes.
var networkActionTypes = []string{
	"ConnectionSuccess", "ConnectionSuccess", "ConnectionSuccess", "ConnectionSuccess", "ConnectionSuccess",
	"ConnectionFailed", "ConnectionRequest", "InboundConnectionAccepted", "ListeningConnectionCreated",
}

// deviceNetworkEventsColumns models DeviceNetworkEvents (connections made or
// accepted by devices). Its Schema reports Kusto type names.
func deviceNetworkEventsColumns() []column {
	t := kustoTypes
	return slices.Concat(
		[]column{col("Timestamp", t.datetime, func(e event) any { return e.time })},
		deviceColumns(t),
		[]column{
			col("ActionType", t.str, func(e event) any { return networkAction(e) }),
			col("RemoteIP", t.str, func(e event) any { return remoteOf(e, func(r *remoteEndpoint) any { return r.ip }) }),
			col("RemotePort", t.int, func(e event) any { return remoteOf(e, func(r *remoteEndpoint) any { return r.port }) }),
			col("RemoteUrl", t.str, func(e event) any { return remoteOf(e, func(r *remoteEndpoint) any { return r.url }) }),
			col("LocalIP", t.str, func(e event) any { return deviceOf(e).ip }),
			col("LocalPort", t.int, func(e event) any { return int64(49152 + e.seed.intn(localPortChoice, 16384)) }),
			col("Protocol", t.str, func(e event) any { return pick(e.seed, remoteEndpointChoice, remoteEndpoints).protocol }),
			col("LocalIPType", t.str, func(e event) any { return "Private" }),
			col("RemoteIPType", t.str, func(e event) any { return remoteOf(e, func(r *remoteEndpoint) any { return r.ipType }) }),
		},
		initiatingProcessColumns(t),
		[]column{
			col("ReportId", t.long, func(e event) any { return e.reportID }),
			col("AppGuardContainerId", t.str, func(event) any { return "" }),
			col("AdditionalFields", t.dynamic, networkAdditionalFields),
		},
	)
}

func networkAction(e event) string { return pick(e.seed, networkActionChoice, networkActionTypes) }

// remoteOf returns a property of the event's remote endpoint, or null for a
// socket that only listens and so has no remote end.
func remoteOf(e event, property func(*remoteEndpoint) any) any {
	if networkAction(e) == "ListeningConnectionCreated" {
		return nil
	}
	return property(&remoteEndpoints[e.seed.intn(remoteEndpointChoice, len(remoteEndpoints))])
}

// networkAdditionalFields alternates the two forms of dynamic values: a JSON
// document already encoded as a string, and nested JSON.
func networkAdditionalFields(e event) any {
	switch e.seed.intn(networkAdditionalChoice, 4) {
	case 0:
		return `{"direction":"Out","Tls":"1.3","Quoted":"say \"hi\"","Path":"C:\\Temp"}`
	case 1:
		return map[string]any{"direction": "In", "ja3": map[string]any{"hash": deviceOf(e).id[:32], "ciphers": []any{4865, 4866}}}
	}
	return nil
}
