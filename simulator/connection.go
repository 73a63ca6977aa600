package simulator

import (
	"crypto/tls"
	"net"
	"net/http"
)

// resetConnection ends a call without any response. Over HTTP/1.1 the TCP
// connection is reset (RST), as a failing proxy resets it. An HTTP/2
// connection cannot be hijacked, and resetting it would also fail the other
// calls multiplexed on it, so there only the call's stream is reset.
func resetConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tlsConn, ok := conn.(*tls.Conn); ok {
		conn = tlsConn.NetConn() // closed without TLS's close_notify
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0) // if it fails, the close is graceful: still no response
	}
	_ = conn.Close() // nothing to do about a failure: the client is gone either way
}
