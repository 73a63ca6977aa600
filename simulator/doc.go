// Package simulator imitates the Microsoft Defender XDR advanced hunting API
// (POST /api/advancedhunting/run), its Microsoft Graph successor
// (POST /v1.0/security/runHuntingQuery) and the Entra ID endpoints a client
// uses to get a token for them, over HTTPS on the loopback interface.
//
// It exists so that the receiver can be tested end to end without a tenant:
// the data are deterministic (event k of a table always has the same
// timestamp, ReportId and column values), so a test can ask the simulator
// which events a perfect client must have delivered (GroundTruth) and compare
// that with what the collector exported (ReadDelivered, Compare).
//
// The behaviour copies what is documented or reported about the real service:
// a 100,000-row cap, a per-tenant quota of calls per minute answered with 429,
// a 30-day data window, datetimes with 100-ns precision, schema type names in
// both Kusto and .NET spelling, nulls, dynamic values as nested JSON or as
// JSON-encoded strings, and the "Missing query." answer to a query that
// contains Windows line endings. Queries are answered by a small subset of KQL
// (see the query type): enough for the receiver's window conditions and for
// typical filters, projections and orderings.
//
// Both hunting endpoints check the same tokens, share the tenant's quota,
// the faults and the served log, and answer the same query with the same
// rows. Graph answers in its own shape: {"@odata.context", "schema",
// "results"} without Stats, schema keys in lower case, every dynamic value
// as JSON text, errors in its envelope with an innerError and a request-id
// header. Its optional Timespan (start/end, duration/end, start/duration, a
// duration or a start time) narrows the table's Timestamps to the interval,
// both ends included, before the query sees them.
//
// Options.MoreTenants serves several tenants, as one multi-tenant app
// registration consented in each: the same credentials sign in at each
// tenant's token endpoint, and each tenant has its own call quota and its own
// events (ReportIds and drawn values of its own; GroundTruthOf).
//
// Apps authenticate with a secret, a certificate-signed client assertion,
// or, with Options.FederatedToken, a federated token as the assertion: the
// workload identity federation that a collector in Kubernetes uses.
//
// Events arrive as in the service: each is ingested, that is becomes visible
// to queries and to the ground truth, Options.Latency after its Timestamp,
// and a share of them (LateShare) LateBy later still, so that a client that
// polls by Timestamp too soon misses them while one that polls by
// "extend IngestionTime = ingestion_time()" does not. Windows on either time,
// sorted by it and cut by take, are answered by generating only the rows of
// the page, so that large windows can be paged through quickly.
//
// Options.Faults injects the failures seen from the service and its gateway
// (5xx answers, preemption, CPU and call quotas, bodies that break off or
// stall, reset connections, token endpoint outages, refusals of results
// that are too large or too slow), reproducibly for a given Options.Seed.
// Counters count them, and Served tells which events went out in complete
// bodies, so that a test can tell a retry from a duplicate.
package simulator
