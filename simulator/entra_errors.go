package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// entraFailure is a refusal in Entra ID's terms: an OAuth error code, an
// AADSTS number and its message.
type entraFailure struct {
	status      int
	errorCode   string // OAuth "error", e.g. invalid_client
	aadsts      int
	description string
}

func (f *entraFailure) Error() string {
	return fmt.Sprintf("%s: AADSTS%d: %s", f.errorCode, f.aadsts, f.description)
}

func unknownTenant(tenant string) *entraFailure {
	return &entraFailure{http.StatusBadRequest, "invalid_tenant", 90002, fmt.Sprintf(
		"Tenant '%s' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.", tenant)}
}

// entraErrorBody is the JSON Entra ID sends with a refusal.
type entraErrorBody struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
	ErrorCodes       []int  `json:"error_codes"`
	Timestamp        string `json:"timestamp"`
	TraceID          string `json:"trace_id"`
	CorrelationID    string `json:"correlation_id"`
	ErrorURI         string `json:"error_uri"`
}

func writeEntraFailure(w http.ResponseWriter, f *entraFailure, now time.Time, authority string) {
	traceID, correlationID := randomGUIDText(), randomGUIDText()
	timestamp := now.UTC().Format("2006-01-02 15:04:05Z")
	writeJSON(w, f.status, entraErrorBody{
		Error: f.errorCode,
		ErrorDescription: fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s",
			f.aadsts, f.description, traceID, correlationID, timestamp),
		ErrorCodes:    []int{f.aadsts},
		Timestamp:     timestamp,
		TraceID:       traceID,
		CorrelationID: correlationID,
		ErrorURI:      fmt.Sprintf("%s/error?code=%d", authority, f.aadsts),
	})
}

// writeJSON sends v as the whole response body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	// The client may be gone; there is nobody left to tell.
	_ = json.NewEncoder(w).Encode(v)
}
