package simulator

import (
	"net/http"
	"time"
)

// graphErrorBody is Graph's error envelope.
type graphErrorBody struct {
	Error struct {
		Code       string `json:"code"`
		Message    string `json:"message"`
		InnerError struct {
			Date            string `json:"date"`
			RequestID       string `json:"request-id"`
			ClientRequestID string `json:"client-request-id"`
		} `json:"innerError"`
	} `json:"error"`
}

// graphCodes rename the legacy API's error codes that Graph spells otherwise.
var graphCodes = map[string]string{
	"Unauthorized":       "InvalidAuthenticationToken",
	"InvalidRequestBody": "BadRequest",
}

// graphDateLayout is innerError's date: UTC, to the second, without a zone.
const graphDateLayout = "2006-01-02T15:04:05"

// setGraphRequestIDs gives the response the request-id Graph gives every
// response, for support calls, and the client-request-id: the client's own
// if it sent one, else the request-id, as Graph does. writeGraphFailure
// repeats both in the envelope.
func setGraphRequestIDs(w http.ResponseWriter, r *http.Request) {
	requestID := randomGUIDText()
	clientRequestID := r.Header.Get("client-request-id")
	if clientRequestID == "" {
		clientRequestID = requestID
	}
	w.Header().Set("request-id", requestID)
	w.Header().Set("client-request-id", clientRequestID)
}

// writeGraphFailure sends f in Graph's envelope, with the ids that
// setGraphRequestIDs put in the response's headers.
func writeGraphFailure(w http.ResponseWriter, f *huntingFailure, now time.Time) {
	var body graphErrorBody
	body.Error.Code, body.Error.Message = f.code, f.message
	if code, renamed := graphCodes[f.code]; renamed {
		body.Error.Code = code
	}
	inner := &body.Error.InnerError
	inner.Date = now.UTC().Format(graphDateLayout)
	inner.RequestID, inner.ClientRequestID = w.Header().Get("request-id"), w.Header().Get("client-request-id")
	setFailureHeaders(w, f)
	writeJSON(w, f.status, body)
}
